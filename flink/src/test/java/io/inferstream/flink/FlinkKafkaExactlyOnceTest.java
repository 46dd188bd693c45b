package io.inferstream.flink;

import static io.inferstream.flink.TestNets.NET;
import static io.inferstream.flink.TestNets.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.PredictionJson;
import io.inferstream.scoring.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Flink job on a MiniCluster reading from and writing to the sandbox's real broker (in a child JVM, see
 * {@link ChildBroker}): KafkaSource → scoring
 * operator (parallelism 2) → a map that fails once after a checkpoint → exactly-once KafkaSinks for predictions and
 * dead letters. Flink restarts from the checkpoint; the read_committed output must hold every good record exactly
 * once, each the independent forward pass of its row, and every bad record as a dead letter. The same for the async
 * variant.
 */
class FlinkKafkaExactlyOnceTest {
    static final int RECORDS = 5_000;
    static final int BAD_EVERY = 500;
    static final float[][] ROWS = NET.sampleInputs(RECORDS, 3);

    static ChildBroker broker;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = ChildBroker.start();
        broker.createTopic("events", 2);
        List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            byte[] value = i % BAD_EVERY == 7 ? utf8("{\"input\": [1, 2") : TestNets.record(ROWS[i]);
            records.add(new AbstractMap.SimpleEntry<>(utf8("k" + i), value));
        }
        broker.produce("events", records);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void everyRecordIsScoredExactlyOnceAcrossAFailure() throws Exception {
        runAndCheck("sync", false);
    }

    @Test
    void theAsyncVariantScoresEveryRecordExactlyOnceAcrossAFailure() throws Exception {
        runAndCheck("async", true);
    }

    private void runAndCheck(String name, boolean async) throws Exception {
        String predictions = name + "-predictions";
        String deadLetters = name + "-dead-letters";
        broker.createTopic(predictions, 2);
        broker.createTopic(deadLetters, 1);
        FailOnce.reset();

        StreamExecutionEnvironment env = LocalFlink.environment(2, 300);
        ModelDeployment model = ModelDeployment.path(TestNets.write(dir).toString());
        InferenceOptions options = InferenceOptions.builder().maxBatchSize(100).maxBatchDelay(Duration.ofMillis(50))
                .asyncConcurrency(2).build();
        var input = LocalFlink.boundedKafka(env, broker.bootstrapServers(), "events");
        SingleOutputStreamOperator<InferenceOutput> scored = async
                ? FlinkInference.scoreAsync(input, model, options) : FlinkInference.score(input, model, options);
        scored.map(new FailOnce()).sinkTo(LocalFlink.exactlyOnceSink(broker.bootstrapServers(), predictions));
        scored.getSideOutput(FlinkInference.DEAD_LETTERS)
                .sinkTo(LocalFlink.exactlyOnceSink(broker.bootstrapServers(), deadLetters));
        JobClient job = env.executeAsync("inferstream-" + name);
        job.getJobExecutionResult().get(4, TimeUnit.MINUTES);
        assertTrue(FailOnce.FAILED.get(), "the injected failure happened after a checkpoint");

        List<ConsumerRecord<byte[], byte[]>> out = LocalFlink.readCommitted(broker, predictions);
        int bad = RECORDS / BAD_EVERY;
        Map<String, Integer> seen = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            seen.merge(key, 1, Integer::sum);
            int i = Integer.parseInt(key.substring(1));
            assertArrayEquals(NET.forward(ROWS[i]), PredictionJson.parse(r.value()).numbers("probabilities"), 1e-5,
                    key);
        }
        assertEquals(RECORDS - bad, seen.size(), "every good record has a committed prediction");
        assertEquals(RECORDS - bad, out.size(), "and only one: " + duplicates(seen));

        List<ConsumerRecord<byte[], byte[]>> dead = LocalFlink.readCommitted(broker, deadLetters);
        Set<String> deadKeys = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            deadKeys.add(new String(r.key(), StandardCharsets.UTF_8));
            assertEquals(DeadLetterHeaders.STAGE_DECODE, header(r, DeadLetterHeaders.STAGE));
            assertEquals("events", header(r, DeadLetterHeaders.TOPIC));
            assertEquals("{\"input\": [1, 2", new String(r.value(), StandardCharsets.UTF_8));
        }
        assertEquals(bad, dead.size(), "one dead letter per bad record, none repeated");
        for (int i = 7; i < RECORDS; i += BAD_EVERY) {
            assertTrue(deadKeys.contains("k" + i), "k" + i);
        }
    }

    private static List<String> duplicates(Map<String, Integer> seen) {
        return seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(10).toList();
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /**
     * Throws once, in its first subtask, at its 100th prediction after a checkpoint has completed, so that the
     * restart rolls back scored-but-uncommitted outputs. Until that checkpoint it slows to at most 100 records/s
     * (sleeping between records, so that checkpoint barriers still pass), which gives a loaded machine some 25 s
     * for the first checkpoint before the small bounded input could end. State lives in statics: the MiniCluster
     * runs in this JVM.
     */
    static final class FailOnce extends RichMapFunction<InferenceOutput, InferenceOutput> implements CheckpointListener {
        static final AtomicBoolean FAILED = new AtomicBoolean();
        static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
        static final AtomicInteger SEEN = new AtomicInteger();

        static void reset() {
            FAILED.set(false);
            CHECKPOINTED.set(false);
            SEEN.set(0);
        }

        @Override
        public InferenceOutput map(InferenceOutput value) throws Exception {
            if (FAILED.get() || getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) {
                return value;
            }
            if (!CHECKPOINTED.get()) {
                Thread.sleep(10);
            } else if (SEEN.incrementAndGet() >= 100 && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure after a completed checkpoint");
            }
            return value;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTED.set(true);
        }
    }
}
