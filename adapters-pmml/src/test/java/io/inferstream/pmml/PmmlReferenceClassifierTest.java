package io.inferstream.pmml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelSource;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import io.inferstream.sandbox.models.ReferenceClassifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reference classifier scored directly through the SPI, against ReferenceClassifier's plain-Java softmax. */
class PmmlReferenceClassifierTest {
    private static final double TOLERANCE = 1e-9;

    private static Model load() throws Exception {
        byte[] pmml = PmmlFixtures.referenceClassifier().getBytes(StandardCharsets.UTF_8);
        return new PmmlModelLoader().load(ModelSource.of(pmml, "reference.pmml"), Map.of());
    }

    @Test
    void givesTheReferenceProbabilitiesLabelsAndOutputFields() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(200, 42);
        List<Features> batch = new ArrayList<>();
        for (double[] x : inputs) {
            Features.Builder row = Features.builder();
            for (int j = 0; j < x.length; j++) {
                row.put(ReferenceClassifier.FEATURES.get(j), x[j]);
            }
            batch.add(row.build());
        }
        try (Model model = load()) {
            List<Prediction> out = model.predict(batch);
            assertEquals(inputs.length, out.size());
            for (int i = 0; i < inputs.length; i++) {
                double[] want = ReferenceClassifier.probabilities(inputs[i]);
                Prediction p = out.get(i);
                assertEquals(ReferenceClassifier.LABELS, List.copyOf(p.probabilities().keySet()), "class order");
                for (int c = 0; c < want.length; c++) {
                    String label = ReferenceClassifier.LABELS.get(c);
                    assertEquals(want[c], p.probabilities().get(label), TOLERANCE, "row " + i + " p(" + label + ")");
                    assertEquals(want[c], p.output("p_" + label).asDoubles()[0], TOLERANCE, "row " + i + " output p_" + label);
                }
                assertEquals(ReferenceClassifier.label(inputs[i]), p.label().orElseThrow(), "row " + i);
                assertEquals(ReferenceClassifier.label(inputs[i]), p.output("class").asStrings()[0], "row " + i + " target");
            }
        }
    }

    @Test
    void signatureListsInputsTargetAndOutputFieldsWithTheirTypes() throws Exception {
        try (Model model = load()) {
            ModelInfo info = model.info();
            assertEquals("reference", info.name());
            assertEquals("3", info.version(), "Header@modelVersion");
            assertEquals("pmml", info.format());
            assertTrue(info.threadSafe());
            List<FieldSpec> inputs = new ArrayList<>();
            for (String f : ReferenceClassifier.FEATURES) {
                inputs.add(FieldSpec.scalar(f, DataType.DOUBLE));
            }
            assertEquals(inputs, info.inputs());
            assertEquals(List.of(FieldSpec.categorical("class", ReferenceClassifier.LABELS),
                    FieldSpec.scalar("p_low", DataType.DOUBLE), FieldSpec.scalar("p_mid", DataType.DOUBLE),
                    FieldSpec.scalar("p_high", DataType.DOUBLE)), info.outputs());
            assertEquals("RegressionModel", info.properties().get("model.type"));
            assertEquals("classification", info.properties().get("mining.function"));
            assertEquals("4.4", info.properties().get("pmml.version"));
            assertEquals("inferstream-tests 1", info.properties().get("producer"));
        }
    }
}
