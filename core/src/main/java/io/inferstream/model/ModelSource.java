package io.inferstream.model;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a model comes from: a file or directory on disk, bytes already in memory (e.g. read from a Kafka
 * topic or an object store), or the address of a model server that scores it remotely
 * ({@code http://host:8000/v2/models/fraud}, {@code grpc://host:8001/fraud}).
 *
 * <p>Loaders use {@link #name()}, {@link #header(int)} and {@link #uri()} for cheap format sniffing in
 * {@link ModelLoader#accepts(ModelSource)}; none starts a framework or touches the network. A remote source has no
 * bytes: {@link #open()} fails with a clear message, and {@link #header(int)} is empty, so file loaders never claim it.
 *
 * <p>Thread safety: immutable, safe to share; each {@link #open()} returns a new stream.
 */
public final class ModelSource {
    /** RFC 3986 scheme followed by "://"; a Windows drive letter ("C:\\") has no "//" and stays a path. */
    private static final Pattern URL_SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*://");
    private final Path path;
    private final byte[] bytes;
    private final URI uri;
    private final String name;

    private ModelSource(Path path, byte[] bytes, URI uri, String name) {
        this.path = path;
        this.bytes = bytes;
        this.uri = uri;
        this.name = name;
    }

    /**
     * @return true if {@code location} is written as a URL ({@code scheme://...}) rather than a file path; what
     *     configuration and the command line use to tell {@code model.path=http://...} from a file
     */
    public static boolean isUrl(String location) {
        return location != null && URL_SCHEME.matcher(location.trim()).lookingAt();
    }

    /** @return a remote source for a URL, else a file source for a path (relative paths resolve against base). */
    public static ModelSource parse(String location, Path base) {
        String trimmed = Objects.requireNonNull(location, "location").trim();
        return isUrl(trimmed) ? of(URI.create(trimmed)) : of(base.resolve(trimmed));
    }

    /**
     * The address of a model server. The name is the URI's last path segment that is not a version
     * ({@code fraud} for {@code http://h:8000/v2/models/fraud/versions/3}), else its host.
     *
     * @throws IllegalArgumentException if the URI has no scheme or host
     */
    public static ModelSource of(URI uri) {
        Objects.requireNonNull(uri, "uri");
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("a model server address needs a scheme and a host, e.g. "
                    + "http://127.0.0.1:8000/v2/models/NAME, not '" + uri + "'");
        }
        return new ModelSource(null, null, uri, remoteName(uri));
    }

    private static String remoteName(URI uri) {
        String[] segments = uri.getPath() == null ? new String[0] : uri.getPath().split("/");
        for (int i = segments.length - 1; i >= 0; i--) {
            boolean version = i > 0 && "versions".equals(segments[i - 1]);
            if (!segments[i].isEmpty() && !version && !"versions".equals(segments[i])) {
                return segments[i];
            }
        }
        return uri.getHost();
    }

    /** A model file or directory (e.g. a TensorFlow SavedModel). */
    public static ModelSource of(Path path) {
        Path p = Objects.requireNonNull(path, "path").toAbsolutePath().normalize();
        Path fileName = p.getFileName();
        return new ModelSource(p, null, null, fileName == null ? p.toString() : fileName.toString());
    }

    /**
     * Model bytes with a name; the name's extension (e.g. {@code .onnx}, {@code .zip}) helps loaders
     * recognise the format.
     */
    public static ModelSource of(byte[] bytes, String name) {
        return new ModelSource(null, Objects.requireNonNull(bytes, "bytes").clone(), null,
                Objects.requireNonNull(name, "name"));
    }

    /** @return the model server's address, when the model is scored remotely. */
    public Optional<URI> uri() {
        return Optional.ofNullable(uri);
    }

    /** @return true if this source is a model server's address rather than model bytes. */
    public boolean isRemote() {
        return uri != null;
    }

    /** @return the file name or the given name, e.g. {@code mnist.onnx}; for a server, the model's name. */
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
        if (uri != null) {
            throw new IOException(uri + " is a model server's address, not a model file; give its format "
                    + "(e.g. kserve-v2, tfserving) so that a remote loader scores on the server");
        }
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
        if (path == null || !Files.isRegularFile(path)) {
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
            throw new UncheckedIOException(new IOException("model '" + name + "' is "
                    + (uri != null ? "on a model server (" + uri + ")" : "in memory") + ", not on disk"));
        }
        return path;
    }

    @Override
    public String toString() {
        if (uri != null) {
            return uri.toString();
        }
        return path != null ? path.toString() : name + " (" + bytes.length + " bytes in memory)";
    }
}
