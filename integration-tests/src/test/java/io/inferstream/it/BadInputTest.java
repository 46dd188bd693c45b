package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ForwardingModel;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stream mixing good records with every kind of bad one: each bad record must reach the dead-letter topic with
 * the right origin, stage and reason, each good one must be predicted correctly, and nothing may be lost.
 */
class BadInputTest extends EngineTestSupport {
    private static final int RECORDS = 2_000;
    private static final int MAX_BYTES = 2_048;

    /** A kind of record, with the dead-letter stage it must get (null: it must be predicted). */
    enum Kind {
        GOOD(null, null),
        NOT_JSON(DeadLetterHeaders.STAGE_DECODE, "not valid JSON: unexpected word 'hello' at byte 0"),
        JSON_ARRAY(DeadLetterHeaders.STAGE_DECODE, "not a JSON object: found an array; a record must be an object "
                + "with a field per model input (input)"),
        JSON_NUMBER(DeadLetterHeaders.STAGE_DECODE, "not a JSON object: found a number"),
        EMPTY(DeadLetterHeaders.STAGE_DECODE, "empty value (0 bytes)"),
        BINARY(DeadLetterHeaders.STAGE_DECODE, "not UTF-8 text: invalid byte 0x89 at offset 0; the value (12 bytes) "
                + "starts 89 50 4e 47 0d 0a 1a 0a 00 00 00 0d"),
        LATIN1(DeadLetterHeaders.STAGE_DECODE, "not UTF-8 text: invalid byte 0xE9 at offset 9;"),
        TRUNCATED(DeadLetterHeaders.STAGE_DECODE, "truncated JSON: input ends at byte 18 inside an array"),
        DEEP(DeadLetterHeaders.STAGE_DECODE, "JSON nested deeper than 64 levels"),
        DUPLICATE_FIELD(DeadLetterHeaders.STAGE_DECODE, "field 'input': appears more than once in the object"),
        NULL_VALUE(DeadLetterHeaders.STAGE_DECODE, "null"),
        OVERSIZE(DeadLetterHeaders.STAGE_DECODE, "input.max.record.bytes"),
        MISSING_FIELD(DeadLetterHeaders.STAGE_VALIDATE, "'input'"),
        WRONG_TYPE(DeadLetterHeaders.STAGE_VALIDATE, "'input'"),
        WRONG_LENGTH(DeadLetterHeaders.STAGE_VALIDATE, "7 values"),
        NAN(DeadLetterHeaders.STAGE_VALIDATE, "field 'input': NaN is not allowed (set input.allow.nan=true"),
        TOO_LARGE(DeadLetterHeaders.STAGE_VALIDATE, "field 'input': '1e999' is too large for float and would be Infinity"),
        NULL_FIELD(DeadLetterHeaders.STAGE_VALIDATE, "missing"),
        REJECTED_BY_MODEL(DeadLetterHeaders.STAGE_PREDICT, "marker");

        final String stage;
        final String messagePart;

        Kind(String stage, String messagePart) {
            this.stage = stage;
            this.messagePart = messagePart;
        }
    }

    /** Wraps the real ONNX model and rejects rows whose first input is exactly 0.5, as a model may reject input. */
    static final class MarkerRejectingModel extends ForwardingModel {

        MarkerRejectingModel(Model delegate) {
            super(delegate);
        }

        @Override
        public List<Prediction> predict(List<Features> batch) throws InferenceException {
            for (int i = 0; i < batch.size(); i++) {
                if (batch.get(i).get("input").asFloats()[0] == 0.5f) {
                    throw new InvalidInputException(i, "input", "marker value rejected by the model");
                }
            }
            return super.predict(batch);
        }
    }

    private static byte[] value(Kind kind, float[] x) {
        String s;
        switch (kind) {
            case GOOD: s = DenseNetwork.toJson(x); break;
            case NOT_JSON: s = "hello"; break;
            case JSON_ARRAY: s = "[1,2,3]"; break;
            case JSON_NUMBER: s = "42"; break;
            case EMPTY: s = ""; break;
            case BINARY: return new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d};
            case LATIN1: return ("{\"note\":\"é\"," + DenseNetwork.toJson(x).substring(1)).getBytes(StandardCharsets.ISO_8859_1);
            case TRUNCATED: s = "{\"input\":[0.25,0.5"; break;
            case DEEP: s = "{\"input\":" + "[".repeat(1_000) + "]".repeat(1_000) + "}"; break; // within MAX_BYTES
            case DUPLICATE_FIELD: s = "{\"input\":[1,2,3,4,5,6,7,8]," + DenseNetwork.toJson(x).substring(1); break;
            case TOO_LARGE: s = DenseNetwork.toJson(x).replaceFirst("\\[[^,]+,", "[1e999,"); break;
            case NULL_VALUE: return null;
            case OVERSIZE: s = "{\"input\":[" + "0.0,".repeat(MAX_BYTES / 4) + "0.0]}"; break;
            case MISSING_FIELD: s = "{\"pixels\":[1,2,3,4,5,6,7,8]}"; break;
            case WRONG_TYPE: s = DenseNetwork.toJson(x).replaceFirst("\\[[^,]+,", "[\"one\","); break;
            case WRONG_LENGTH: s = "{\"input\":[1,2,3,4,5,6,7]}"; break;
            case NAN: s = DenseNetwork.toJson(x).replaceFirst("\\[[^,]+,", "[NaN,"); break;
            case NULL_FIELD: s = "{\"input\":null}"; break;
            default: s = DenseNetwork.toJson(x).replaceFirst("\\[[^,]+,", "[0.5,"); break;
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyRecordEndsAsAPredictionOrADeadLetterWithItsReason() throws Exception {
        DenseNetwork network = DenseNetwork.random(8, 6, 3, 5);
        float[][] inputs = network.sampleInputs(RECORDS, 6);
        Random random = new Random(3);
        Kind[] kinds = new Kind[RECORDS];
        List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            kinds[i] = random.nextInt(10) < 7 ? Kind.GOOD : Kind.values()[1 + random.nextInt(Kind.values().length - 1)];
            records.add(new AbstractMap.SimpleImmutableEntry<>(("k-" + i).getBytes(StandardCharsets.UTF_8),
                    value(kinds[i], inputs[i])));
        }
        for (Kind k : Kind.values()) {
            kinds[k.ordinal()] = k; // every kind at least once
            records.set(k.ordinal(), new AbstractMap.SimpleImmutableEntry<>(("k-" + k.ordinal()).getBytes(StandardCharsets.UTF_8),
                    value(k, inputs[k.ordinal()])));
        }
        long bad = java.util.Arrays.stream(kinds).filter(k -> k != Kind.GOOD).count();

        Topics topics = new Topics("bad-input", 3);
        List<RecordMetadata> written = KafkaRecords.produceBytes(KAFKA.broker(), topics.input, records);
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.INPUT_MAX_RECORD_BYTES, MAX_BYTES);
        props.put(EngineConfig.MAX_BATCH_SIZE, 100);
        ModelSource source = onnx(network);
        ModelRegistry registry = ModelRegistry.discover();
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> new MarkerRejectingModel(registry.load(source, "onnx", Map.of())))) {
            awaitAccounted(engine, RECORDS, 60_000);
            assertEquals(EngineState.RUNNING, engine.state(), () -> "the loop died: " + engine.failure());
            assertEquals(RECORDS, engine.metrics().recordsIn());
            assertEquals(RECORDS - bad, engine.metrics().predictionsOut());
            assertEquals(bad, engine.metrics().deadLetters());
        }

        List<ConsumerRecord<byte[], byte[]>> predictions = KafkaRecords.consumeBytes(KAFKA.broker(), topics.output,
                (int) (RECORDS - bad), Duration.ofSeconds(30));
        for (ConsumerRecord<byte[], byte[]> r : predictions) {
            int i = Integer.parseInt(new String(r.key(), StandardCharsets.UTF_8).substring(2));
            assertEquals(Kind.GOOD, kinds[i], "only good records are predicted");
            double[] want = network.forward(inputs[i]);
            double[] got = PredictionJson.parse(r.value()).numbers("probabilities");
            for (int c = 0; c < want.length; c++) {
                assertEquals(want[c], got[c], 1e-5);
            }
        }
        List<ConsumerRecord<byte[], byte[]>> deadLetters = KafkaRecords.consumeBytes(KAFKA.broker(), topics.deadLetters,
                (int) bad, Duration.ofSeconds(30));
        for (ConsumerRecord<byte[], byte[]> r : deadLetters) {
            int i = Integer.parseInt(new String(r.key(), StandardCharsets.UTF_8).substring(2));
            Kind kind = kinds[i];
            String where = "dead letter k-" + i + " (" + kind + ")";
            assertFalse(kind == Kind.GOOD, where + ": a good record was dead-lettered: " + header(r, DeadLetterHeaders.ERROR_MESSAGE));
            assertEquals(topics.input, header(r, DeadLetterHeaders.TOPIC), where);
            assertEquals(Integer.toString(written.get(i).partition()), header(r, DeadLetterHeaders.PARTITION), where);
            assertEquals(Long.toString(written.get(i).offset()), header(r, DeadLetterHeaders.OFFSET), where);
            assertEquals(kind.stage, header(r, DeadLetterHeaders.STAGE), where);
            String message = header(r, DeadLetterHeaders.ERROR_MESSAGE);
            assertTrue(message.contains(kind.messagePart), where + ": message '" + message + "' should mention " + kind.messagePart);
            assertTrue(header(r, DeadLetterHeaders.ERROR_CLASS).endsWith("Exception"), where);
            byte[] original = records.get(i).getValue();
            if (original == null) {
                assertEquals(null, r.value(), where);
            } else {
                assertTrue(java.util.Arrays.equals(original, r.value()), where + ": original value kept");
            }
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
