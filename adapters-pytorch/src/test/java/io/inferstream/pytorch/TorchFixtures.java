package io.inferstream.pytorch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The committed TorchScript fixtures, saved by PyTorch 1.13 (Debian's python3-torch) with
 * {@code make_torchscript_fixtures.py} (beside them in the test resources; its docstring lists them), and the outputs
 * PyTorch itself computed for their scoring rows ({@code <name>.expected.jsonl}: {@code "x"} the inputs by name,
 * {@code "y"} the outputs by name).
 *
 * <p>Thread safety: stateless.
 */
final class TorchFixtures {
    private static final String FOLDER = "/io/inferstream/pytorch/models/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TorchFixtures() {
    }

    static byte[] bytes(String fileName) {
        try (InputStream in = TorchFixtures.class.getResourceAsStream(FOLDER + fileName)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + fileName);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a fixture into {@code dir} under its own name. */
    static Path copyTo(String fileName, Path dir) throws IOException {
        return copyTo(fileName, dir, fileName);
    }

    static Path copyTo(String fileName, Path dir, String as) throws IOException {
        Path file = dir.resolve(as);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes(fileName));
        return file;
    }

    /** @return the scoring rows of model {@code name}, each {"x": {...}, "y": {...}} */
    static List<JsonNode> rows(String name) {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : new String(bytes(name + ".expected.jsonl"), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                try {
                    rows.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return rows;
    }
}
