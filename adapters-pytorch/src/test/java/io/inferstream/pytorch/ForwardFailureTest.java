package io.inferstream.pytorch;

import io.inferstream.pytorch.fixtures.TorchScriptFixtures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.RecordCodecs;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.Prediction;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.scoring.RecordScorer;
import io.inferstream.scoring.ScoredRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A module that raises inside {@code forward} (here: on any negative value in its batch) costs only the records it
 * raises on: the scoring package retries the batch record by record, dead-letters the failing one with libtorch's
 * reason, and the others get the module's real output (2x + 1).
 */
class ForwardFailureTest {
    @TempDir
    Path dir;

    @Test
    void aRecordOnWhichForwardRaisesIsIsolated() throws Exception {
        ModelSource source = ModelSource.of(TorchScriptFixtures.copyTo("guarded.pt", dir));
        try (Model model = ModelRegistry.discover().load(source, null, Map.of(TorchScriptOptions.INPUT_SHAPES, "2"))) {
            EngineConfig config = new EngineConfig(Map.of(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9",
                    EngineConfig.GROUP_ID, "g", EngineConfig.INPUT_TOPICS, "in", EngineConfig.OUTPUT_TOPIC, "out", EngineConfig.DEAD_LETTER_TOPIC, "dlt"));
            RecordScorer scorer = new RecordScorer(model, RecordCodecs.decoder(config, model.info()), 64, 1 << 20);
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String x = i == 4 ? "[-1.5, 2.0]" : "[" + i + ".5, 1.0]";
                values.add(("{\"x\": " + x + "}").getBytes(StandardCharsets.UTF_8));
            }
            List<ScoredRecord<Prediction>> results = scorer.score(values);
            for (int i = 0; i < 10; i++) {
                ScoredRecord<Prediction> r = results.get(i);
                if (i == 4) {
                    assertFalse(r.ok());
                    assertTrue(r.error().getMessage().contains("negative input"), r.error().getMessage());
                } else {
                    assertTrue(r.ok(), () -> "row rejected: " + r.error());
                    float[] y = r.prediction().output("output").asFloats();
                    assertEquals(2 * (i + 0.5) + 1, y[0], 1e-6);
                    assertEquals(3.0, y[1], 1e-6);
                }
            }
            List<byte[]> allBad = List.of("{\"x\": [-1, 0]}".getBytes(StandardCharsets.UTF_8),
                    "{\"x\": [0, -2]}".getBytes(StandardCharsets.UTF_8));
            assertThrows(ModelFailureException.class, () -> scorer.score(allBad),
                    "a model failing every record of a batch is taken to be broken");
        }
    }
}
