package io.inferstream.examples.custom;

import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.testkit.contract.ModelContractTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The cross-framework contract, as every built-in adapter keeps it: the {@link ReferenceClassifier}'s weights written
 * as a rules-logistic file (no rules), found through {@code META-INF/services}, must give the reference probabilities
 * and labels in process and through the engine on a real broker.
 */
class RulesLogisticContractTest extends ModelContractTest {
    @Override
    protected ModelSource writeContractModel(Path dir) throws Exception {
        return ModelSource.of(Files.writeString(dir.resolve("reference.rules.json"), referenceModelJson()));
    }

    static String referenceModelJson() {
        String rows = Arrays.stream(ReferenceClassifier.weights()).map(RulesLogisticContractTest::array)
                .collect(Collectors.joining(", "));
        return "{\"format\": \"rules-logistic\", \"name\": \"reference\", \"version\": \"1\",\n"
                + " \"features\": " + quoted(ReferenceClassifier.FEATURES) + ",\n"
                + " \"classes\": " + quoted(ReferenceClassifier.LABELS) + ",\n"
                + " \"weights\": [" + rows + "],\n"
                + " \"bias\": " + array(ReferenceClassifier.bias()) + "}\n";
    }

    private static String array(double[] values) {
        return Arrays.stream(values).mapToObj(Double::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String quoted(java.util.List<String> names) {
        return names.stream().map(n -> '"' + n + '"').collect(Collectors.joining(", ", "[", "]"));
    }
}
