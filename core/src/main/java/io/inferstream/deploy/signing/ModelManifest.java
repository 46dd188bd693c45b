package io.inferstream.deploy.signing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The files of a model and their SHA-256 digests, as the OpenSSF Model Signing specification enumerates them
 * ("files" serialization): a single file is one resource named by its file name; a folder is every regular file
 * under it, named by its path relative to the folder with {@code /} separators, sorted by name. The top-level
 * {@code .git}, {@code .gitignore}, {@code .gitattributes} and {@code .github} are left out, as the specification
 * requires, and so are the given ignored names (the signature file itself when it lies inside the folder). Symbolic
 * links are refused (the specification's default): a link could point a signed name at unsigned bytes.
 *
 * <p>Thread safety: immutable.
 */
public final class ModelManifest {
    static final Set<String> DEFAULT_IGNORED = Set.of(".git", ".gitignore", ".gitattributes", ".github");

    /**
     * One file of the model.
     *
     * @param name its canonical path relative to the model root (the file name for a single-file model)
     * @param sha256 the lowercase hex SHA-256 of its bytes
     */
    public record Resource(String name, String sha256) {
    }

    private final String modelName;
    private final List<Resource> resources;

    ModelManifest(String modelName, List<Resource> resources) {
        this.modelName = modelName;
        List<Resource> sorted = new ArrayList<>(resources);
        sorted.sort(Comparator.comparing(Resource::name));
        this.resources = Collections.unmodifiableList(sorted);
    }

    /**
     * Hashes a model file or folder.
     *
     * @param model the model file, or the folder holding its files
     * @param ignored top-level names to leave out besides the specification's defaults (e.g. "model.sig")
     * @throws IOException if a file cannot be read, a symbolic link is found, or there is no file at all
     */
    public static ModelManifest of(Path model, Set<String> ignored) throws IOException {
        return of(model, ignored, model.getFileName().toString());
    }

    /**
     * Like {@link #of(Path, Set)}, naming a single-file model {@code fileName} instead of its own file name: a file
     * signed under a temporary name (a zipped folder) is checked where it lands under its published name.
     */
    public static ModelManifest of(Path model, Set<String> ignored, String fileName) throws IOException {
        if (Files.isSymbolicLink(model)) {
            throw new IOException(model + " is a symbolic link; sign and deploy the file it points to");
        }
        List<Resource> resources = new ArrayList<>();
        if (Files.isRegularFile(model, LinkOption.NOFOLLOW_LINKS)) {
            resources.add(new Resource(fileName, sha256(model)));
        } else {
            try (Stream<Path> walk = Files.walk(model)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    if (p.equals(model)) {
                        continue;
                    }
                    Path relative = model.relativize(p);
                    String top = relative.getName(0).toString();
                    if (DEFAULT_IGNORED.contains(top) || ignored.contains(top)) {
                        continue;
                    }
                    if (Files.isSymbolicLink(p)) {
                        throw new IOException("the model holds a symbolic link, " + relative
                                + ": signed models may not (a link could point a signed name at other bytes)");
                    }
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        resources.add(new Resource(canonical(relative), sha256(p)));
                    }
                }
            }
        }
        if (resources.isEmpty()) {
            throw new IOException(model + " holds no file to sign");
        }
        return new ModelManifest(Files.isDirectory(model) ? model.getFileName().toString() : fileName, resources);
    }

    private static String canonical(Path relative) {
        List<String> parts = new ArrayList<>();
        relative.forEach(part -> parts.add(part.toString()));
        return String.join("/", parts);
    }

    static String sha256(Path file) throws IOException {
        MessageDigest sha = newSha256();
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** @return the model's base name (the statement's subject name) */
    public String modelName() {
        return modelName;
    }

    /** @return the files, sorted by name */
    public List<Resource> resources() {
        return resources;
    }

    /** @return the specification's root digest: SHA-256 over the raw bytes of every resource digest, in order */
    public String rootDigest() {
        MessageDigest sha = newSha256();
        for (Resource r : resources) {
            sha.update(HexFormat.of().parseHex(r.sha256()));
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
