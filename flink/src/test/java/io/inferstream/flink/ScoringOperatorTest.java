package io.inferstream.flink;

import static io.inferstream.flink.TestNets.NET;
import static io.inferstream.flink.TestNets.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.PredictionJson;
import io.inferstream.scoring.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scoring operator in Flink's operator test harness: batches by size, by the processing-time timer, before a
 * checkpoint barrier, before a watermark and at end of input; outputs in input order, each the independent forward
 * pass of its row; dead letters on the side output with the engine's headers.
 */
class ScoringOperatorTest {
    @TempDir
    Path dir;

    final float[][] rows = NET.sampleInputs(100, 11);
    OneInputStreamOperatorTestHarness<InferenceInput, InferenceOutput> harness;

    @BeforeEach
    void open() throws Exception {
        ScoringOperator operator = new ScoringOperator(TestNets.counted(TestNets.write(dir)),
                InferenceOptions.builder().maxBatchSize(10).maxBatchDelay(Duration.ofMillis(200)).build());
        harness = new OneInputStreamOperatorTestHarness<>(operator);
        harness.setProcessingTime(0);
        harness.open();
        TestNets.CALLS.clear();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void send(int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            harness.processElement(InferenceInput.fromKafka(utf8("k" + i), TestNets.record(rows[i]), Map.of(),
                    "events", 0, i), 1000L + i);
        }
    }

    /** Asserts each output in order is the forward pass of row {@code from + i}, with the model headers. */
    private void assertPredictions(List<InferenceOutput> out, int from) {
        for (int i = 0; i < out.size(); i++) {
            InferenceOutput o = out.get(i);
            assertEquals("k" + (from + i), new String(o.key, StandardCharsets.UTF_8), "order kept");
            PredictionJson p = PredictionJson.parse(o.value);
            assertArrayEquals(NET.forward(rows[from + i]), p.numbers("probabilities"), 1e-5);
            assertEquals("net", o.header(DeadLetterHeaders.MODEL_NAME));
            assertEquals(p.version(), o.header(DeadLetterHeaders.MODEL_VERSION));
        }
    }

    @Test
    void aFullBufferIsScoredInOneCallAndEmittedInOrderWithItsTimestamps() throws Exception {
        send(0, 25);
        List<StreamRecord<? extends InferenceOutput>> out = harness.extractOutputStreamRecords();
        assertEquals(20, out.size(), "two full batches of 10; 5 wait");
        assertEquals(List.of(10, 10), new ArrayList<>(TestNets.CALLS), "one model call per batch");
        assertPredictions(harness.extractOutputValues(), 0);
        for (int i = 0; i < out.size(); i++) {
            assertEquals(1000L + i, out.get(i).getTimestamp(), "each output keeps its input's timestamp");
        }
    }

    @Test
    void aPartBufferIsScoredWhenTheBatchDelayPasses() throws Exception {
        send(0, 3);
        harness.setProcessingTime(199);
        assertTrue(harness.extractOutputValues().isEmpty(), "199 ms of 200: still waiting");
        harness.setProcessingTime(200);
        assertEquals(3, harness.extractOutputValues().size());
        assertPredictions(harness.extractOutputValues(), 0);
        // A younger buffer gets its own deadline: the old timer does not flush it early.
        harness.setProcessingTime(300);
        send(3, 5);
        harness.setProcessingTime(499);
        assertEquals(3, harness.extractOutputValues().size());
        harness.setProcessingTime(500);
        assertPredictions(harness.extractOutputValues(), 0);
        assertEquals(List.of(3, 2), new ArrayList<>(TestNets.CALLS));
    }

    @Test
    void theBufferIsFlushedBeforeACheckpointBarrier() throws Exception {
        send(0, 4);
        assertTrue(harness.extractOutputValues().isEmpty());
        harness.prepareSnapshotPreBarrier(1);
        assertEquals(4, harness.extractOutputValues().size(), "every buffered record scored before the barrier");
        assertPredictions(harness.extractOutputValues(), 0);
    }

    @Test
    void theBufferIsFlushedBeforeAWatermarkPasses() throws Exception {
        send(0, 2);
        harness.processWatermark(new Watermark(5000));
        List<Object> out = new ArrayList<>(harness.getOutput());
        assertEquals(3, out.size());
        assertInstanceOf(StreamRecord.class, out.get(0));
        assertInstanceOf(StreamRecord.class, out.get(1));
        assertEquals(new Watermark(5000), out.get(2), "the watermark follows the records before it");
    }

    @Test
    void theBufferIsFlushedAtEndOfInput() throws Exception {
        send(0, 7);
        harness.endInput();
        assertEquals(7, harness.extractOutputValues().size());
        assertPredictions(harness.extractOutputValues(), 0);
    }

    @Test
    void badRecordsGoToTheSideOutputWithTheEngineHeadersAndTheRestKeepsOrder() throws Exception {
        send(0, 4);
        harness.processElement(InferenceInput.fromKafka(utf8("bad-json"), utf8("{\"input\": [1, 2"), Map.of(),
                "events", 0, 4), 1);
        harness.processElement(InferenceInput.fromKafka(utf8("wrong-shape"), utf8("{\"input\": [1.0, 2.0]}"),
                Map.of("trace", utf8("t-1")), "events", 0, 5), 2);
        harness.processElement(InferenceInput.of(utf8("null-value"), null), 3);
        harness.prepareSnapshotPreBarrier(1);

        assertPredictions(harness.extractOutputValues(), 0);
        List<InferenceOutput> dead = new ArrayList<>();
        harness.getSideOutput(FlinkInference.DEAD_LETTERS).forEach(r -> dead.add(r.getValue()));
        assertEquals(List.of("bad-json", "wrong-shape", "null-value"),
                dead.stream().map(d -> new String(d.key, StandardCharsets.UTF_8)).toList());
        InferenceOutput first = dead.get(0);
        assertTrue(first.deadLetter);
        assertEquals("{\"input\": [1, 2", first.valueText(), "the original value");
        assertEquals("events", first.header(DeadLetterHeaders.TOPIC));
        assertEquals("0", first.header(DeadLetterHeaders.PARTITION));
        assertEquals("4", first.header(DeadLetterHeaders.OFFSET));
        assertEquals(DeadLetterHeaders.STAGE_DECODE, first.header(DeadLetterHeaders.STAGE));
        assertNotNull(first.header(DeadLetterHeaders.ERROR_CLASS));
        assertNotNull(first.header(DeadLetterHeaders.ERROR_MESSAGE));
        assertEquals("net", first.header(DeadLetterHeaders.MODEL_NAME));
        InferenceOutput second = dead.get(1);
        assertEquals(DeadLetterHeaders.STAGE_VALIDATE, second.header(DeadLetterHeaders.STAGE));
        assertEquals("t-1", second.header("trace"), "the record's own headers are kept");
        assertEquals(null, dead.get(2).header(DeadLetterHeaders.TOPIC), "no origin for a record not from Kafka");
        assertEquals(DeadLetterHeaders.STAGE_DECODE, dead.get(2).header(DeadLetterHeaders.STAGE));
    }
}
