package io.inferstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InferenceException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.RetriableInferenceException;
import io.inferstream.scoring.ScoredBatch;
import io.inferstream.scoring.ScoredRecord;
import io.inferstream.scoring.ScoringPipeline;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A model that cannot answer now, on the serving path and as a shadow. */
class ScoringPipelineRetryTest {
    /** Doubles "x"; while {@code down}, throws as a remote model server's client that cannot reach it would. */
    static final class RemoteLike implements Model {
        final String version;
        boolean down;
        int calls;

        RemoteLike(String version, boolean down) {
            this.version = version;
            this.down = down;
        }

        @Override
        public ModelInfo info() {
            return ModelInfo.builder("java").name("doubler").version(version)
                    .input(FieldSpec.scalar("x", DataType.DOUBLE)).output(FieldSpec.scalar("y", DataType.DOUBLE))
                    .threadSafe(true).build();
        }

        @Override
        public List<Prediction> predict(List<Features> batch) throws InferenceException {
            calls++;
            if (down) {
                throw new RetriableInferenceException("503 Service Unavailable", null);
            }
            List<Prediction> out = new ArrayList<>();
            for (Features f : batch) {
                out.add(Prediction.builder().output("y", Tensor.scalar(2 * f.get("x").asDoubles()[0])).build());
            }
            return out;
        }

        @Override
        public void close() {
        }
    }

    private static DeployedVersion deployed(RemoteLike model) {
        return new DeployedVersion(model.version, "f" + model.version, List.of(model),
                new JsonRecordDecoder(model.info(), Map.of(), false));
    }

    private static List<byte[]> values(String... json) {
        List<byte[]> out = new ArrayList<>();
        for (String j : json) {
            out.add(j.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void aShadowThatCannotAnswerIsOnlyAShadowFailureAndNeverHoldsUpTheServingPath() throws Exception {
        RemoteLike serving = new RemoteLike("1", false);
        RemoteLike shadow = new RemoteLike("2", true);
        Deployment deployment = new Deployment(1, RoutingSpec.parse("1=100", "2", true),
                Map.of("1", deployed(serving), "2", deployed(shadow)));
        try {
            ScoringPipeline<byte[]> pipeline = ScoringPipeline.json(0, 100, 1 << 20, null);
            List<byte[]> values = values("{\"x\":1}", "{\"x\":2}", "{\"x\":3}");
            List<byte[]> keys = values("a", "b", "c");
            ScoredBatch<byte[]> result = pipeline.scoreOrRetryLater(deployment, keys, values);
            assertTrue(result.outcomes().stream().allMatch(ScoredRecord::ok), "every record served");
            assertEquals(3, result.shadowFailures());
            assertEquals(0, result.shadows().size());
            assertEquals(1, shadow.calls, "the shadow's batch is not split record by record either");
        } finally {
            deployment.release();
        }
    }

    @Test
    void aServingVersionThatCannotAnswerLeavesTheBatchUndecidedForTheHostToRetry() throws Exception {
        RemoteLike serving = new RemoteLike("1", true);
        Deployment deployment = new Deployment(1, RoutingSpec.single("1"), Map.of("1", deployed(serving)));
        try {
            ScoringPipeline<byte[]> pipeline = ScoringPipeline.json(0, 100, 1 << 20, null);
            List<byte[]> values = values("{\"x\":1}", "{\"x\":2}");
            List<byte[]> keys = values("a", "b");
            assertThrows(RetriableInferenceException.class, () -> pipeline.scoreOrRetryLater(deployment, keys, values));
            assertEquals(1, serving.calls, "one call for the batch, no record-by-record search");
            // A host that cannot hold the batch (score, a stream processor) sees a model failure: it commits nothing.
            ModelFailureException e = assertThrows(ModelFailureException.class,
                    () -> pipeline.score(deployment, keys, values));
            assertInstanceOf(RetriableInferenceException.class, e.getCause());
            serving.down = false;
            assertTrue(pipeline.scoreOrRetryLater(deployment, keys, values).outcomes().stream()
                    .allMatch(ScoredRecord::ok), "the same batch scores once the model answers");
        } finally {
            deployment.release();
        }
    }
}
