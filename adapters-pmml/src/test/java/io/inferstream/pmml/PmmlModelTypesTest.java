package io.inferstream.pmml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelSource;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import io.inferstream.sandbox.models.DenseNetwork;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two more of JPMML's model types through the same adapter code: a Scorecard with reason codes (text outputs
 * next to a number) and a NeuralNetwork, the sandbox's {@link DenseNetwork} written as PMML and checked against its
 * plain-Java forward pass, both small and at the benchmark's 784→35→10 size.
 */
class PmmlModelTypesTest {

    private static Model load(String pmml, String name) throws Exception {
        return new PmmlModelLoader().load(ModelSource.of(pmml.getBytes(StandardCharsets.UTF_8), name), Map.of());
    }

    /** {@link PmmlFixtures#scorecard()}: the score, then the reason codes of characteristics scoring below baseline. */
    private static Object[] expectedScore(Double age, String status) {
        double agePoints = age == null || age >= 50 ? 25 : age >= 30 ? 18 : 10;
        double statusPoints = "single".equals(status) ? 5 : "married".equals(status) ? 20 : 12;
        List<Object[]> below = new ArrayList<>();
        below.add(new Object[] {"RC_AGE", 20 - agePoints});
        below.add(new Object[] {"RC_STATUS", 15 - statusPoints});
        below.removeIf(r -> (double) r[1] <= 0);
        below.sort(Comparator.comparingDouble(r -> -(double) r[1]));
        List<String> reasons = new ArrayList<>();
        below.forEach(r -> reasons.add((String) r[0]));
        return new Object[] {100 + agePoints + statusPoints, reasons};
    }

    @Test
    void scorecardGivesScoreAndRankedReasonCodes() throws Exception {
        // No row has two characteristics equally far below baseline, whose order the standard leaves open.
        Double[] ages = {22.0, 35.5, 49.9, 50.0, 71.0, null};
        String[] statuses = {"married", "divorced", null};
        try (Model model = load(PmmlFixtures.scorecard(), "credit.pmml")) {
            assertEquals(List.of(FieldSpec.scalar("score", DataType.DOUBLE), FieldSpec.scalar("points", DataType.DOUBLE),
                    FieldSpec.scalar("reason1", DataType.STRING), FieldSpec.scalar("reason2", DataType.STRING)),
                    model.info().outputs());
            List<Features> batch = new ArrayList<>();
            List<Object[]> expected = new ArrayList<>();
            for (Double age : ages) {
                for (String status : statuses) {
                    Features.Builder b = Features.builder();
                    if (age != null) {
                        b.put("age", age);
                    }
                    if (status != null) {
                        b.put("status", status);
                    }
                    batch.add(b.build());
                    expected.add(expectedScore(age, status));
                }
            }
            List<Prediction> out = model.predict(batch);
            for (int i = 0; i < batch.size(); i++) {
                Prediction p = out.get(i);
                String where = "row " + i + " " + batch.get(i);
                assertEquals((double) expected.get(i)[0], p.output("score").asDoubles()[0], 0, where);
                assertEquals((double) expected.get(i)[0], p.output("points").asDoubles()[0], 0, where);
                @SuppressWarnings("unchecked")
                List<String> reasons = (List<String>) expected.get(i)[1];
                List<String> got = new ArrayList<>();
                for (String r : List.of("reason1", "reason2")) {
                    if (p.output(r) != null) {
                        got.add(p.output(r).asStrings()[0]);
                    }
                }
                assertEquals(reasons, got, where);
                assertFalse(p.label().isPresent(), "a scorecard is not a classifier");
            }
        }
    }

    private static void assertMatchesForward(DenseNetwork net, Model model, int rows) throws Exception {
        float[][] inputs = net.sampleInputs(rows, 21);
        List<Features> batch = new ArrayList<>();
        for (float[] x : inputs) {
            Features.Builder b = Features.builder();
            for (int i = 0; i < x.length; i++) {
                b.put("x" + i, x[i]);
            }
            batch.add(b.build());
        }
        List<Prediction> out = model.predict(batch);
        for (int r = 0; r < rows; r++) {
            double[] want = net.forward(inputs[r]);
            Map<String, Double> got = out.get(r).probabilities();
            int best = 0;
            for (int o = 0; o < want.length; o++) {
                assertEquals(want[o], got.get("c" + o), 1e-9, "row " + r + " class c" + o);
                best = want[o] > want[best] ? o : best;
            }
            assertEquals("c" + best, out.get(r).label().orElseThrow(), "row " + r);
        }
    }

    @Test
    void neuralNetworkMatchesTheDenseNetworksForwardPass() throws Exception {
        DenseNetwork net = DenseNetwork.random(6, 5, 3, 17);
        try (Model model = load(PmmlFixtures.denseNetwork(net), "dense.pmml")) {
            assertEquals(6, model.info().inputs().size());
            assertEquals(FieldSpec.categorical("class", List.of("c0", "c1", "c2")), model.info().outputs().get(0));
            assertEquals("NeuralNetwork", model.info().properties().get("model.type"));
            assertMatchesForward(net, model, 100);
        }
    }

    @Test
    void theBenchmarksMnistSizedNetworkLoadsAndMatchesToo() throws Exception {
        DenseNetwork net = DenseNetwork.mnistSized();
        try (Model model = load(PmmlFixtures.denseNetwork(net), "mnist.pmml")) {
            assertEquals(784, model.info().inputs().size());
            assertMatchesForward(net, model, 20);
        }
    }
}
