package io.inferstream.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Small helpers the examples share.
 *
 * <p>Thread safety: stateless.
 */
final class Examples {
    private Examples() {
    }

    /** @return {@code {"<field>": [first n values]}}. */
    static String vectorJson(String field, float[] values, int n) {
        StringBuilder sb = new StringBuilder("{\"").append(field).append("\": [");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ", ").append(values[i]);
        }
        return sb.append("]}").toString();
    }

    static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
