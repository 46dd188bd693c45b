package io.inferstream.streams;

import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * at_least_once (commits every 100 ms) through a SIGKILL: every one of 10,000 records has its outcome, some twice
 * (the crash window is repeated, as with any at-least-once Streams application).
 */
class AtLeastOnceKillTest extends KilledAppTestSupport {
    @Test
    void killedAndRestartedMidRunNoRecordIsLost() throws Exception {
        Run run = killAndRestart(StreamsConfig.AT_LEAST_ONCE, "read_uncommitted");
        assertEveryRecordScored(run.outputs, false);
    }
}
