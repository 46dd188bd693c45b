package io.inferstream.h2o;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.RecordCodecs;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.Prediction;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.model.Model;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.scoring.RecordScorer;
import io.inferstream.scoring.ScoredRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * JSON records through the engine's own decoder and scorer (the path a Kafka record takes), so the field
 * conventions hold end to end: numbers for numeric-level categories, text for numbers, unknown levels under
 * {@code reject}, and one bad record set aside while the rest of the batch is scored in one call.
 */
class H2oJsonRecordsTest {

    private static List<ScoredRecord<Prediction>> score(Map<String, String> options, String... json) throws Exception {
        try (Model model = new H2oMojoLoader().load(MojoFixtures.source("gbm_binomial"), options)) {
            EngineConfig config = new EngineConfig(Map.of(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9",
                    EngineConfig.GROUP_ID, "h2o-json", EngineConfig.INPUT_TOPICS, "in", EngineConfig.OUTPUT_TOPIC, "out", EngineConfig.DEAD_LETTER_TOPIC, "dlt"));
            RecordScorer scorer = new RecordScorer(model, RecordCodecs.decoder(config, model.info()), 64, 1 << 20);
            List<byte[]> values = new ArrayList<>();
            for (String j : json) {
                values.add(j.getBytes(StandardCharsets.UTF_8));
            }
            return scorer.score(values);
        }
    }

    @Test
    void jsonFieldsReachTheColumnsAsH2oExpects() throws Exception {
        List<ScoredRecord<Prediction>> r = score(Map.of(),
                "{\"x1\":0.5,\"x2\":0.25,\"colour\":\"red\",\"cyl\":\"6\"}",
                "{\"x1\":\"0.5\",\"x2\":0.25,\"colour\":\"red\",\"cyl\":6}",
                "{\"x1\":null,\"x2\":0.25,\"colour\":\"purple\"}",
                "{\"x2\":0.25}");
        for (ScoredRecord<Prediction> x : r) {
            assertTrue(x.ok(), () -> "rejected: " + x.error());
        }
        assertEquals(r.get(0).prediction(), r.get(1).prediction(), "6 and \"6\", 0.5 and \"0.5\" are the same");
        assertEquals(r.get(3).prediction(), r.get(2).prediction(), "null and an unseen level are missing");
        assertEquals(List.of("no", "yes"), List.copyOf(r.get(0).prediction().probabilities().keySet()));
        double sum = r.get(0).prediction().probabilities().values().stream().mapToDouble(Double::doubleValue).sum();
        assertEquals(1.0, sum, 1e-12);
    }

    @Test
    void aRejectedRecordIsSetAsideAndTheRestAreScored() throws Exception {
        List<ScoredRecord<Prediction>> r = score(Map.of("unknown.categorical", "reject"),
                "{\"x1\":0.5,\"x2\":0.25,\"colour\":\"red\",\"cyl\":6}",
                "{\"x1\":0.5,\"x2\":0.25,\"colour\":\"purple\",\"cyl\":6}",
                "{\"x1\":\"lots\",\"x2\":0.25,\"colour\":\"red\",\"cyl\":6}",
                "{\"x1\":-1,\"x2\":1,\"colour\":\"blue\",\"cyl\":8}");
        assertTrue(r.get(0).ok());
        assertTrue(r.get(3).ok());
        assertFalse(r.get(1).ok());
        assertEquals(DeadLetterHeaders.STAGE_PREDICT, r.get(1).stage());
        assertTrue(r.get(1).error().getMessage().contains("colour") && r.get(1).error().getMessage().contains("purple"),
                r.get(1).error().getMessage());
        assertFalse(r.get(2).ok());
        assertTrue(r.get(2).error().getMessage().contains("x1") && r.get(2).error().getMessage().contains("'lots'"),
                r.get(2).error().getMessage());
    }
}
