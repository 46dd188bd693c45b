package io.inferstream.flink;

import static io.inferstream.flink.TestNets.NET;
import static io.inferstream.flink.TestNets.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.PredictionJson;
import io.inferstream.testkit.registry.SchemaRegistryStandIn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batching operator ({@link FlinkInference#score}) on a MiniCluster that may not fail over: Avro records in the
 * registry framing (bodies by Avro's own Java writer), the first half of schema v1, the second of v2, whose schema the
 * registry stand-in answers with 503 (as a registry whose store is down) until the operator has asked for it three
 * times. The operator holds that batch and retries it in place: every record is scored, in order, with the
 * independent forward pass's numbers, and none is dead-lettered.
 */
class RegistryOutageInFlinkTest {
    @TempDir
    Path dir;

    @Test
    void theBatchingOperatorHoldsABatchWhileTheRegistryIsDownAndScoresItAfterwards() throws Exception {
        float[][] rows = NET.sampleInputs(200, 21);
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            Schema v1 = new Schema.Parser().parse(AvroRecordsInFlinkTest.V1);
            Schema v2 = new Schema.Parser().parse(AvroRecordsInFlinkTest.V2);
            int id1 = registry.register("events-value", "AVRO", AvroRecordsInFlinkTest.V1);
            int id2 = registry.register("events-value", "AVRO", AvroRecordsInFlinkTest.V2);
            List<InferenceInput> inputs = new ArrayList<>();
            for (int i = 0; i < rows.length; i++) {
                boolean second = i >= rows.length / 2;
                inputs.add(InferenceInput.of(utf8("k" + i), framed(second ? id2 : id1, second ? v2 : v1, rows[i])));
            }
            // Mid-run: the v1 records are read (their schema is served), the first v2 record's schema is not.
            registry.misanswer("/schemas/ids/" + id2, 503, "application/vnd.schemaregistry.v1+json",
                    "{\"error_code\":50003,\"message\":\"Error while forwarding the request to the primary\"}");
            Thread recovery = new Thread(() -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (registry.misanswered() < 3 && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                registry.answerCorrectly();
            }, "registry-recovery");
            recovery.setDaemon(true);
            recovery.start();

            Configuration conf = LocalFlink.loopback();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none"); // a fail-over would fail the test
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
            InferenceOptions options = InferenceOptions.builder().maxBatchSize(50).maxBatchDelay(Duration.ofMillis(20))
                    .warmupRecords(0).retry(30, Duration.ofMillis(50), Duration.ofMillis(400))
                    .decoders(RecordDecoderFactory.engineCodec(Map.of("input.codec", "avro",
                            "schema.registry.url", registry.url())))
                    .build();
            var scored = FlinkInference.score(env.fromData(inputs, TypeInformation.of(InferenceInput.class)),
                    ModelDeployment.path(TestNets.write(dir).toString()), options);
            List<InferenceOutput> out = new ArrayList<>();
            List<InferenceOutput> dead = new ArrayList<>();
            try (CloseableIterator<InferenceOutput> it = scored.union(scored.getSideOutput(FlinkInference.DEAD_LETTERS))
                    .executeAndCollect()) {
                it.forEachRemaining(o -> (o.deadLetter ? dead : out).add(o));
            }
            recovery.join(1_000);

            assertTrue(registry.misanswered() >= 3, "the operator asked for the schema again while it was down: "
                    + registry.misanswered());
            assertEquals(List.of(), dead, "no record is dead-lettered for the registry's outage");
            assertEquals(rows.length, out.size(), "every record scored once, without a fail-over");
            for (int i = 0; i < rows.length; i++) {
                assertEquals("k" + i, new String(out.get(i).key, StandardCharsets.UTF_8), "input order kept");
                assertArrayEquals(NET.forward(rows[i]),
                        PredictionJson.parse(out.get(i).value).numbers("probabilities"), 1e-5, "k" + i);
            }
        }
    }

    /** A record of this schema holding the row, as Confluent's serializer frames it: byte 0, the id, the body. */
    private static byte[] framed(int id, Schema schema, float[] row) throws IOException {
        GenericRecord r = new GenericData.Record(schema);
        List<Float> input = new ArrayList<>();
        for (float x : row) {
            input.add(x);
        }
        r.put("input", input);
        if (schema.getField("id") != null) {
            r.put("id", "row");
            r.put("note", null);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(body, null);
        new GenericDatumWriter<GenericRecord>(schema).write(r, e);
        e.flush();
        return ByteBuffer.allocate(5 + body.size()).put((byte) 0).putInt(id).put(body.toByteArray()).array();
    }
}
