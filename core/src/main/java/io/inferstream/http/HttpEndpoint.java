package io.inferstream.http;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One HTTP server on one address, hardened by {@link HttpLimits}: non-blocking I/O (a slow or stalled client holds a
 * connection, never a thread), a deadline for each connection's first request head, an idle timeout, a bounded number
 * of connections (the idle timeout drops to a second while at the bound, so stalled connections make room fast) and of
 * threads, a cap on head size, and JSON error bodies for everything the HTTP layer refuses; optionally TLS and bearer
 * tokens ({@link HttpSecurity}). The handler should not
 * block: reading a body goes through {@link RequestBodies}, and slow work completes the response later.
 *
 * <p>Thread safety: thread-safe; {@link #close()} is idempotent.
 */
public final class HttpEndpoint implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;

    private HttpEndpoint(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /**
     * Starts listening.
     *
     * @param name names the server's threads
     * @param port 0 for any free port
     * @throws IOException if the address cannot be bound (nothing is left running)
     */
    public static HttpEndpoint start(String name, String host, int port, HttpLimits limits, Request.Handler handler)
            throws IOException {
        return start(name, host, port, limits, HttpSecurity.none(), handler);
    }

    /**
     * Starts listening with TLS and/or bearer tokens: a request without an accepted token (to a path not left open)
     * is answered 401 with no detail, before the handler sees it.
     *
     * @throws IOException if the address cannot be bound (nothing is left running)
     * @throws IllegalArgumentException if the TLS files cannot be used
     */
    public static HttpEndpoint start(String name, String host, int port, HttpLimits limits, HttpSecurity security,
            Request.Handler handler) throws IOException {
        QueuedThreadPool threads = new QueuedThreadPool(limits.maxThreads(), Math.min(4, limits.maxThreads()));
        threads.setName(name);
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(limits.maxHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ServerConnector connector;
        if (security.tls() == null) {
            connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        } else {
            SslContextFactory.Server tls = new SslContextFactory.Server();
            tls.setSslContext(security.tls().sslContext());
            tls.setNeedClientAuth(security.tls().clientAuth());
            connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(tls, "http/1.1"),
                    new HttpConnectionFactory(http));
        }
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        connector.setReuseAddress(true);
        // The JDK's default backlog (50) overflows when hundreds of clients connect at once; a dropped SYN costs the
        // next client (a health probe) a 1 s retransmission before it is even accepted.
        connector.setAcceptQueueSize(Math.max(128, Math.min(4096, limits.maxConnections())));
        HeadDeadline deadline = new HeadDeadline(connector, limits.headerTimeout().toMillis());
        connector.addBean(deadline);
        server.addConnector(connector);
        NetworkConnectionLimit limit = new NetworkConnectionLimit(limits.maxConnections(), connector);
        limit.setEndPointIdleTimeout(1000);
        server.addBean(limit);
        server.setErrorHandler(new JsonErrors());
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                deadline.headArrived(request.getConnectionMetaData().getConnection());
                if (!security.admits(request.getHttpURI().getPath(),
                        request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
                    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
                    JsonErrors.send(request, response, callback, 401, "unauthenticated");
                    return true;
                }
                return handler.handle(request, response, callback);
            }
        });
        server.setStopTimeout(1000);
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // already failing: the bind error is what matters
            }
            throw e instanceof IOException ? (IOException) e
                    : new IOException("cannot listen on " + host + ":" + port + ": " + e, e);
        }
        return new HttpEndpoint(server, connector);
    }

    /** @return the port listened on */
    public int port() {
        return connector.getLocalPort();
    }

    /** @return the server's own threads, to finish responses on (never blocks the caller; bounded) */
    public Executor executor() {
        return server.getThreadPool();
    }

    /** Stops listening; in-flight exchanges get up to a second. Idempotent. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping is best effort: the connector is closed either way
        }
    }

    /**
     * Closes a connection that has not delivered a complete request head within the deadline of opening: the idle
     * timeout alone lets a client that trickles one byte every few seconds hold a connection forever.
     */
    private static final class HeadDeadline implements Connection.Listener {
        private final ServerConnector connector;
        private final long millis;
        private final Set<Connection> served = ConcurrentHashMap.newKeySet();

        HeadDeadline(ServerConnector connector, long millis) {
            this.connector = connector;
            this.millis = millis;
        }

        void headArrived(Connection connection) {
            served.add(connection);
        }

        @Override
        public void onOpened(Connection connection) {
            connector.getScheduler().schedule(() -> {
                if (!served.contains(connection) && connection.getEndPoint().isOpen()) {
                    connection.getEndPoint().close();
                }
            }, millis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void onClosed(Connection connection) {
            served.remove(connection);
        }
    }
}
