package io.inferstream.model;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a model comes from: a file or directory on disk, or bytes already in memory (e.g. read from a Kafka
 * topic or an object store).
 *
 * <p>Loaders use {@link #name()} and {@link #header(int)} for cheap format sniffing in
 * {@link ModelLoader#accepts(ModelSource)}; neither starts a framework.
 *
 * <p>Thread safety: immutable, safe to share; each {@link #open()} returns a new stream.
 */
public final class ModelSource {
    private final Path path;
    private final byte[] bytes;
    private final String name;

    private ModelSource(Path path, byte[] bytes, String name) {
        this.path = path;
        this.bytes = bytes;
        this.name = name;
    }

    /** A model file or directory (e.g. a TensorFlow SavedModel). */
    public static ModelSource of(Path path) {
        Path p = Objects.requireNonNull(path, "path").toAbsolutePath().normalize();
        Path fileName = p.getFileName();
        return new ModelSource(p, null, fileName == null ? p.toString() : fileName.toString());
    }

    /**
     * Model bytes with a name; the name's extension (e.g. {@code .onnx}, {@code .zip}) helps loaders
     * recognise the format.
     */
    public static ModelSource of(byte[] bytes, String name) {
        return new ModelSource(null, Objects.requireNonNull(bytes, "bytes").clone(), Objects.requireNonNull(name, "name"));
    }

    /** @return the file name or the given name, e.g. {@code mnist.onnx}. */
    public String name() {
        return name;
    }

    /** @return the lower-cased name, for extension checks. */
    public String lowerCaseName() {
        return name.toLowerCase(java.util.Locale.ROOT);
    }

    /** @return the path, when the model is on disk. */
    public Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    /** @return true if this source is a directory on disk. */
    public boolean isDirectory() {
        return path != null && Files.isDirectory(path);
    }

    /** @return a new stream over the model's bytes. */
    public InputStream open() throws IOException {
        if (bytes != null) {
            return new ByteArrayInputStream(bytes);
        }
        if (Files.isDirectory(path)) {
            throw new IOException(path + " is a directory, not a model file");
        }
        return Files.newInputStream(path);
    }

    /** @return all the model's bytes (a copy for in-memory sources). */
    public byte[] readAllBytes() throws IOException {
        if (bytes != null) {
            return bytes.clone();
        }
        try (InputStream in = open()) {
            return in.readAllBytes();
        }
    }

    /**
     * @return up to {@code n} leading bytes, empty for a directory or an unreadable file; for sniffing a
     *     format by its magic number
     */
    public byte[] header(int n) {
        if (bytes != null) {
            return java.util.Arrays.copyOf(bytes, Math.min(n, bytes.length));
        }
        if (!Files.isRegularFile(path)) {
            return new byte[0];
        }
        try (InputStream in = Files.newInputStream(path)) {
            return in.readNBytes(n);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** @return the path, or throws a clear error for in-memory sources. */
    public Path requirePath() {
        if (path == null) {
            throw new UncheckedIOException(new IOException("model '" + name + "' is in memory, not on disk"));
        }
        return path;
    }

    @Override
    public String toString() {
        return path != null ? path.toString() : name + " (" + bytes.length + " bytes in memory)";
    }
}
