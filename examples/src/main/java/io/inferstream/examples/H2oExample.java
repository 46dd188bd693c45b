package io.inferstream.examples;

import io.inferstream.h2o.fixtures.MojoFixtures;
import java.util.List;
import java.util.Map;

/**
 * Serves an H2O GBM MOJO (binomial, with a categorical column) trained by H2O itself: tabular JSON records in,
 * the label and both class probabilities out. With {@code model.config.unknown.categorical=reject} an unseen
 * colour goes to the dead-letter topic, as does a number that is not a number.
 *
 * <p>Run: {@code bin/example h2o [bootstrap-servers]}.
 *
 * <p>Thread safety: a program, run on its main thread.
 */
public final class H2oExample {
    private H2oExample() {
    }

    public static void main(String[] args) throws Exception {
        new ExampleRun("cars", MojoFixtures.source("gbm_binomial"))
                .with("model.config.unknown.categorical", "reject")
                .run(args, RECORDS);
    }

    /** Three cars, one of a colour the model never saw and one with a typo: the last two become dead letters. */
    static final List<Map.Entry<String, String>> RECORDS = List.of(
            Map.entry("car-1", "{\"x1\": 0.5, \"x2\": 0.25, \"colour\": \"red\", \"cyl\": 6}"),
            Map.entry("car-2", "{\"x1\": -1.5, \"x2\": 2.0, \"colour\": \"blue\", \"cyl\": 4}"),
            Map.entry("car-3", "{\"x1\": 0.1, \"colour\": \"green\", \"cyl\": 8}"),
            Map.entry("car-purple", "{\"x1\": 0.5, \"x2\": 0.25, \"colour\": \"purple\", \"cyl\": 6}"),
            Map.entry("car-typo", "{\"x1\": \"n/a\", \"x2\": 0.25, \"colour\": \"red\", \"cyl\": 6}"));
}
