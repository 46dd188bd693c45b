package io.inferstream.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferstream.codec.CsvRecordDecoder;
import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.codec.PredictionEncoder;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.scoring.ScoredRecord;
import io.inferstream.scoring.ScoringPipeline;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Records of named values ({@link ScoringPipeline#scoreFields}) against the same records as JSON bytes: every record
 * ends the same way (scored with the same prediction, or rejected at the same stage with the same message), whatever
 * codec the version's byte decoder is.
 */
class ScoringPipelineFieldsTest {
    /** Sums "v" (float[2]) and adds "bias" (a double scalar, 0 when missing). */
    static final class SumModel implements Model {
        @Override
        public ModelInfo info() {
            return ModelInfo.builder("java").name("sum").version("1")
                    .input(FieldSpec.tensor("v", DataType.FLOAT, 2)).input(FieldSpec.scalar("bias", DataType.DOUBLE))
                    .output(FieldSpec.scalar("y", DataType.DOUBLE)).threadSafe(true).build();
        }

        @Override
        public List<Prediction> predict(List<Features> batch) {
            List<Prediction> out = new ArrayList<>();
            for (Features f : batch) {
                float[] v = f.get("v").asFloats();
                double bias = f.has("bias") ? f.get("bias").asDoubles()[0] : 0;
                out.add(Prediction.builder().output("y", Tensor.scalar(v[0] + v[1] + bias)).build());
            }
            return out;
        }

        @Override
        public void close() {
        }
    }

    private static Map<String, Object> fields(Object... nameValue) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put((String) nameValue[i], nameValue[i + 1]);
        }
        return m;
    }

    @Test
    void namedValuesEndAsTheSameValuesInJsonDo() throws Exception {
        SumModel model = new SumModel();
        List<Map<String, Object>> records = Arrays.asList(
                fields("v", new float[] {1.5f, 2}, "bias", 10),
                fields("v", List.of(1, 2), "bias", 0.1f),
                fields("v", new float[] {1}),
                fields("v", List.of("a", 1)),
                fields("bias", 1.0),
                fields("v", new double[] {1, Double.NaN}),
                null);
        List<byte[]> json = new ArrayList<>();
        for (String j : new String[] {"{\"v\":[1.5,2.0],\"bias\":10}", "{\"v\":[1,2],\"bias\":0.1}", "{\"v\":[1.0]}",
                "{\"v\":[\"a\",1]}", "{\"bias\":1.0}", "{\"v\":[1.0,NaN]}"}) {
            json.add(j.getBytes(StandardCharsets.UTF_8));
        }
        json.add(null);
        List<byte[]> keys = Collections.nCopies(records.size(), null);
        JsonRecordDecoder jsonDecoder = new JsonRecordDecoder(model.info(), Map.of(), false);
        Deployment viaJson = new Deployment(1, RoutingSpec.single("1"),
                Map.of("1", new DeployedVersion("1", "f1", List.of(model), jsonDecoder)));
        // A version whose bytes are CSV: named values do not depend on the byte codec.
        Deployment viaCsv = new Deployment(2, RoutingSpec.single("1"), Map.of("1", new DeployedVersion("1", "f1",
                List.of(model), new CsvRecordDecoder(model.info(), List.of("bias"), false))));
        try {
            List<ScoredRecord<Prediction>> expected = new ScoringPipeline<>(0, 100, 1 << 20, null,
                    PredictionEncoder.unencoded()).score(viaJson, keys, json).outcomes();
            ScoringPipeline<Prediction> pipeline = new ScoringPipeline<>(0, 100, 1 << 20, null,
                    PredictionEncoder.unencoded()).decodingFields(Map.of(), false);
            for (Deployment d : List.of(viaJson, viaCsv)) {
                List<ScoredRecord<Prediction>> actual = pipeline.scoreFields(d, keys, records).outcomes();
                assertEquals(expected.size(), actual.size());
                for (int i = 0; i < expected.size(); i++) {
                    ScoredRecord<Prediction> e = expected.get(i);
                    ScoredRecord<Prediction> a = actual.get(i);
                    assertEquals(e.ok(), a.ok(), "record " + i);
                    assertEquals(e.prediction(), a.prediction(), "record " + i);
                    assertEquals(e.stage(), a.stage(), "record " + i);
                    assertEquals(e.error() == null ? null : e.error().getMessage(),
                            a.error() == null ? null : a.error().getMessage(), "record " + i);
                }
            }
            // Independent arithmetic for the scored ones: 1.5 + 2 + 10, and 1 + 2 + 0.1 (0.1f read as 0.1).
            assertArrayEquals(new double[] {13.5}, expected.get(0).prediction().output("y").asDoubles());
            assertArrayEquals(new double[] {3.1}, expected.get(1).prediction().output("y").asDoubles(), 1e-12);
            assertEquals(List.of("validate", "validate", "validate", "validate", "decode"),
                    expected.subList(2, 7).stream().map(ScoredRecord::stage).toList());
        } finally {
            viaJson.release();
            viaCsv.release();
        }
    }

    @Test
    void aPipelineForBytesRefusesNamedValues() {
        SumModel model = new SumModel();
        Deployment d = new Deployment(1, RoutingSpec.single("1"), Map.of("1", new DeployedVersion("1", "f1",
                List.of(model), new JsonRecordDecoder(model.info(), Map.of(), false))));
        try {
            ScoringPipeline<byte[]> pipeline = ScoringPipeline.json(0, 100, 1 << 20, null);
            assertThrows(IllegalStateException.class,
                    () -> pipeline.scoreFields(d, List.of(new byte[0]), List.of(fields("v", new float[2]))));
        } finally {
            d.release();
        }
    }
}
