package io.inferstream.engine;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a share-group worker must know of its group's own configuration (set on the cluster, per group, with
 * {@code kafka-configs --entity-type groups}, not by the client): how many deliveries a record gets before the
 * broker archives it ({@value #DELIVERY_COUNT_LIMIT}) and how long a delivered record stays locked to its consumer
 * ({@value #RECORD_LOCK_DURATION_MS}).
 *
 * <p>{@link #prepare} also starts a new share group at the earliest offset, as the engine's consumer groups do: a
 * share group's own default ({@value #AUTO_OFFSET_RESET}=latest) would skip every record written before the first
 * engine joined. A value the operator set for the group is kept.
 *
 * <p>Thread safety: immutable.
 */
final class ShareGroupLimits {
    private static final Logger LOG = LoggerFactory.getLogger(ShareGroupLimits.class);

    static final String DELIVERY_COUNT_LIMIT = "share.delivery.count.limit";
    static final String RECORD_LOCK_DURATION_MS = "share.record.lock.duration.ms";
    static final String AUTO_OFFSET_RESET = "share.auto.offset.reset";
    /** The broker's defaults (group.share.delivery.count.limit, group.share.record.lock.duration.ms). */
    static final int DEFAULT_DELIVERY_COUNT_LIMIT = 5;
    static final long DEFAULT_RECORD_LOCK_DURATION_MS = 30_000;

    final int deliveryCountLimit;
    final long recordLockDurationMs;

    ShareGroupLimits(int deliveryCountLimit, long recordLockDurationMs) {
        this.deliveryCountLimit = deliveryCountLimit;
        this.recordLockDurationMs = recordLockDurationMs;
    }

    /**
     * Reads the group's limits (the broker's defaults if it cannot say, e.g. without DESCRIBE_CONFIGS on the group)
     * and sets its start offset to earliest unless the operator chose one.
     */
    static ShareGroupLimits prepare(Admin admin, String group) throws InterruptedException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        Config config;
        try {
            config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Cannot read share group {}'s configuration ({}); assuming the broker defaults {}={} and {}={}",
                    group, e.toString(), DELIVERY_COUNT_LIMIT, DEFAULT_DELIVERY_COUNT_LIMIT, RECORD_LOCK_DURATION_MS,
                    DEFAULT_RECORD_LOCK_DURATION_MS);
            return new ShareGroupLimits(DEFAULT_DELIVERY_COUNT_LIMIT, DEFAULT_RECORD_LOCK_DURATION_MS);
        }
        ConfigEntry reset = config == null ? null : config.get(AUTO_OFFSET_RESET);
        if (reset == null || reset.source() != ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG) {
            startAtEarliest(admin, resource);
        }
        return new ShareGroupLimits((int) number(config, DELIVERY_COUNT_LIMIT, DEFAULT_DELIVERY_COUNT_LIMIT),
                number(config, RECORD_LOCK_DURATION_MS, DEFAULT_RECORD_LOCK_DURATION_MS));
    }

    private static void startAtEarliest(Admin admin, ConfigResource group) throws InterruptedException {
        try {
            admin.incrementalAlterConfigs(Map.of(group, List.of(new AlterConfigOp(
                    new ConfigEntry(AUTO_OFFSET_RESET, "earliest"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
            LOG.info("Share group {}: {} set to earliest (it was not set for the group), so records written before "
                    + "the first engine joined are scored too", group.name(), AUTO_OFFSET_RESET);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Cannot set {}=earliest on share group {} ({}): a new group then starts at the end of its "
                    + "topics; set it with kafka-configs --entity-type groups", AUTO_OFFSET_RESET, group.name(),
                    e.toString());
        }
    }

    private static long number(Config config, String key, long fallback) {
        ConfigEntry entry = config == null ? null : config.get(key);
        if (entry == null || entry.value() == null || entry.value().isBlank()) {
            return fallback;
        }
        return Long.parseLong(entry.value().trim());
    }

    @Override
    public String toString() {
        return DELIVERY_COUNT_LIMIT + "=" + deliveryCountLimit + ", " + RECORD_LOCK_DURATION_MS + "="
                + recordLockDurationMs;
    }
}
