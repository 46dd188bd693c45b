package io.inferstream.examples;

import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.ScratchDirectory;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Serves a TensorFlow SavedModel, packed as a .zip so it could travel as bytes: a 784→35→10 network exported by TF
 * Java, JSON records of 784 pixels in, the digit and its probabilities out. One record has 783 pixels and goes to
 * the dead-letter topic.
 *
 * <p>Run: {@code bin/example tensorflow [bootstrap-servers]}.
 *
 * <p>Thread safety: a program, run on its main thread.
 */
public final class TensorFlowExample {
    private TensorFlowExample() {
    }

    public static void main(String[] args) throws Exception {
        try (ScratchDirectory scratch = ScratchDirectory.create("tf-example")) {
            Path dir = scratch.path();
            DenseNetwork net = DenseNetwork.mnistSized();
            Path zip = SavedModelFixtures.zip(SavedModelFixtures.denseNetwork(net, dir.resolve("mnist")),
                    dir.resolve("mnist.zip"));
            new ExampleRun("images", ModelSource.of(zip))
                    .with("model.class.labels", String.join(",", DIGITS))
                    .run(args, records(net));
        }
    }

    /** The network's classes. */
    static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** @return three images of 784 pixels, and a cropped one of 783 that cannot be scored. */
    static List<Map.Entry<String, String>> records(DenseNetwork net) {
        List<Map.Entry<String, String>> records = new ArrayList<>();
        float[][] images = net.sampleInputs(3, 5);
        for (int i = 0; i < images.length; i++) {
            records.add(Map.entry("image-" + i, DenseNetwork.toJson(images[i])));
        }
        records.add(Map.entry("image-cropped", DenseNetwork.toJson(Arrays.copyOf(images[0], 783))));
        return records;
    }
}
