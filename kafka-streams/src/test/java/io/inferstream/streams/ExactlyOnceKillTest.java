package io.inferstream.streams;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** exactly_once_v2 through a SIGKILL: a read_committed reader sees each of 10,000 records' outcomes once. */
class ExactlyOnceKillTest extends KilledAppTestSupport {
    @Test
    void killedAndRestartedMidRunEveryRecordIsScoredExactlyOnce() throws Exception {
        Run run = killAndRestart(StreamsConfig.EXACTLY_ONCE_V2, "read_committed");
        assertEveryRecordScored(run.outputs, true);
        // Records buffered when the first run died (their offsets committed, their outputs not yet written) were
        // restored and scored: without the changelogged buffer they would have been missing above.
        assertTrue(!run.restored.isEmpty(), "the kill left no committed buffer to restore; see second.log");
    }
}
