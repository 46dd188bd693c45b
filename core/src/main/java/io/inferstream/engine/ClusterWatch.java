package io.inferstream.engine;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says once that the Kafka cluster is unreachable and once that it is back, instead of leaving users to read
 * hundreds of client warnings. A daemon thread asks the cluster for its nodes every few seconds; the workers' own
 * clients keep retrying meanwhile, and nothing is committed past what Kafka acknowledged.
 *
 * <p>Thread safety: thread-safe; {@link #reachable()} may be read from any thread.
 */
final class ClusterWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterWatch.class);

    private final Admin admin;
    private final String cluster;
    private final Duration interval;
    private final Thread thread;
    private final Reachability reachability;
    private volatile boolean closed;

    /** The state change to log, kept apart from Kafka so it can be checked without a broker. */
    static final class Reachability {
        private long unreachableSinceMillis;
        private volatile boolean reachable = true;

        /** @return the line to log for this observation, or null if nothing changed. */
        synchronized String observe(boolean ok, String cause, String cluster, long nowMillis) {
            if (ok) {
                if (reachable) {
                    return null;
                }
                reachable = true;
                return String.format("Kafka cluster %s is reachable again after %.1f s", cluster,
                        (nowMillis - unreachableSinceMillis) / 1000.0);
            }
            if (!reachable) {
                return null;
            }
            reachable = false;
            unreachableSinceMillis = nowMillis;
            return "Kafka cluster " + cluster + " is unreachable (" + cause + "); the workers keep retrying and "
                    + "commit nothing that Kafka has not acknowledged";
        }

        boolean reachable() {
            return reachable;
        }
    }

    ClusterWatch(Map<String, Object> clientConfig, String cluster, Duration interval) {
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.keySet().retainAll(AdminClientConfig.configNames());
        c.put(AdminClientConfig.CLIENT_ID_CONFIG, "inferstream-cluster-watch");
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) interval.toMillis());
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) interval.toMillis());
        this.admin = Admin.create(c);
        this.cluster = cluster;
        this.interval = interval;
        this.reachability = new Reachability();
        this.thread = new Thread(this::watch, "inferstream-cluster-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch() {
        while (!closed) {
            boolean ok;
            String cause = null;
            try {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) interval.toMillis())).nodes()
                        .get(interval.toMillis() * 2, TimeUnit.MILLISECONDS);
                ok = true;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                ok = false;
                cause = e.getCause() != null ? e.getCause().toString() : e.toString();
            }
            String line = reachability.observe(ok, cause, cluster, System.currentTimeMillis());
            if (line != null && !closed) {
                if (ok) {
                    LOG.info(line);
                } else {
                    LOG.warn(line);
                }
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** @return false from the first failed check until the next successful one. */
    boolean reachable() {
        return reachability.reachable();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        admin.close(Duration.ofSeconds(2));
    }
}
