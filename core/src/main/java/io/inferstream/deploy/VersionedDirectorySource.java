package io.inferstream.deploy;

import io.inferstream.deploy.signing.ModelTrust;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a base folder in TF Serving's layout, {@code <base>/<version>/}, where each version is a sub-folder named
 * by a whole number (other names, e.g. {@code 3.tmp}, are ignored, so copying to a temporary name and renaming is the
 * safe way to add a version). A version folder holds a SavedModel, or one model file.
 *
 * <p>A half-copied folder is not loaded: a version is offered only once its content (file count, sizes and
 * modification times) is unchanged across two scans a poll interval apart. Policies: {@code latest} offers every
 * complete version and the newest that loads serves; {@code all} offers every complete version to the configured
 * routing; {@code specific:N} offers only version N.
 *
 * <p>Thread safety: scans on one thread of its own; {@link #close()} from any thread.
 */
public final class VersionedDirectorySource implements DeploymentSource {
    private static final Logger LOG = LoggerFactory.getLogger(VersionedDirectorySource.class);

    private final Path base;
    private final String modelName;
    private final String policy;
    private final RoutingSpec routing;
    private final Duration pollInterval;
    private final Function<Path, ModelProvider> providers;
    private final Map<String, String> lastSeen = new HashMap<>();
    private final ModelTrust trust;
    /** Per version: the fingerprint its signature was checked at, and the refusal (null: trusted). */
    private final Map<String, String[]> trustChecked = new HashMap<>();
    private ScheduledExecutorService scanner;
    private DeploymentSpec lastSpec;

    /**
     * @param base the folder holding numbered version folders
     * @param modelName the deployment's name (the base folder's name by default)
     * @param policy {@code latest}, {@code all} or {@code specific:N}
     * @param routing a fixed routing between versions (policy {@code all} only), or null
     * @param pollInterval time between scans
     * @param providers makes the loader for a version's model path (the folder, or the one file in it)
     */
    public VersionedDirectorySource(Path base, String modelName, String policy, RoutingSpec routing,
            Duration pollInterval, Function<Path, ModelProvider> providers) {
        this(base, modelName, policy, routing, pollInterval, providers, ModelTrust.anyone());
    }

    /**
     * Like the other constructor, with a trust policy: under {@link ModelTrust#signedBy} a version folder must hold
     * a {@value ModelTrust#SIGNATURE_FILE} beside its model that a trusted key made over its files.
     */
    public VersionedDirectorySource(Path base, String modelName, String policy, RoutingSpec routing,
            Duration pollInterval, Function<Path, ModelProvider> providers, ModelTrust trust) {
        this.trust = java.util.Objects.requireNonNull(trust, "trust");
        this.base = base.toAbsolutePath().normalize();
        this.modelName = modelName == null || modelName.isBlank() ? this.base.getFileName().toString() : modelName;
        this.policy = checkPolicy(policy, routing);
        this.routing = routing;
        this.pollInterval = pollInterval;
        this.providers = providers;
    }

    private static String checkPolicy(String policy, RoutingSpec routing) {
        if (!policy.equals("latest") && !policy.equals("all") && !policy.matches("specific:[0-9]+")) {
            throw new IllegalArgumentException("model.version.policy is latest, all or specific:N, not '" + policy + "'");
        }
        if (routing != null && !policy.equals("all")) {
            throw new IllegalArgumentException("a configured routing needs model.version.policy=all, not " + policy);
        }
        return policy;
    }

    /** @return true if the folder looks like TF Serving's layout: it has at least one numbered sub-folder. */
    public static boolean isVersionedBase(Path path) {
        if (!Files.isDirectory(path) || Files.exists(path.resolve("saved_model.pb"))) {
            return false;
        }
        try (Stream<Path> children = Files.list(path)) {
            return children.anyMatch(p -> Files.isDirectory(p) && p.getFileName().toString().matches("[0-9]+"));
        } catch (IOException e) {
            return false;
        }
    }

    /** @return the model path inside a version folder: the folder for a SavedModel, else its one model file. */
    public static Path modelPathIn(Path versionFolder) {
        if (Files.exists(versionFolder.resolve("saved_model.pb"))) {
            return versionFolder;
        }
        try (Stream<Path> children = Files.list(versionFolder)) {
            // A version's signature lies beside its model, and is not part of it.
            List<Path> files = children.filter(p -> !p.getFileName().toString().startsWith(".")
                    && !p.getFileName().toString().equals(ModelTrust.SIGNATURE_FILE))
                    .collect(java.util.stream.Collectors.toList());
            return files.size() == 1 && Files.isRegularFile(files.get(0)) ? files.get(0) : versionFolder;
        } catch (IOException e) {
            return versionFolder;
        }
    }

    @Override
    public DeploymentSpec initial(Duration timeout) throws ModelLoadException {
        if (!Files.isDirectory(base)) {
            throw new ModelLoadException("model.path " + base + " is not a folder");
        }
        scan();
        try {
            Thread.sleep(Math.min(pollInterval.toMillis(), timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelLoadException("interrupted while scanning " + base);
        }
        lastSpec = scan();
        return lastSpec;
    }

    @Override
    public void start(Consumer<DeploymentSpec> listener) {
        scanner = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "inferstream-folder-watch");
            t.setDaemon(true);
            return t;
        });
        scanner.scheduleWithFixedDelay(() -> {
            try {
                DeploymentSpec spec = scan();
                if (!spec.equals(lastSpec)) {
                    lastSpec = spec;
                    listener.accept(spec);
                }
            } catch (RuntimeException e) {
                LOG.warn("Scanning {} failed: {}", base, e.toString());
            }
        }, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Offers each version folder whose content has not changed since the previous scan. */
    private DeploymentSpec scan() {
        List<VersionSpec> complete = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        try (Stream<Path> children = Files.list(base)) {
            for (Path dir : (Iterable<Path>) children::iterator) {
                String name = dir.getFileName().toString();
                if (!Files.isDirectory(dir) || !name.matches("[0-9]{1,18}") || Long.parseLong(name) <= 0) {
                    continue;
                }
                String version = Long.toString(Long.parseLong(name));
                if (policy.startsWith("specific:") && !version.equals(Long.toString(Long.parseLong(policy.substring(9))))) {
                    continue;
                }
                String fingerprint = fingerprint(dir);
                seen.put(version, fingerprint);
                if (fingerprint != null && fingerprint.equals(lastSeen.get(version))) {
                    String refusal = refusal(dir, version, fingerprint);
                    complete.add(refusal == null
                            ? VersionSpec.of(version, dir.toString(), fingerprint, providers.apply(modelPathIn(dir)))
                            : VersionSpec.defective(version, dir.toString(), fingerprint, refusal));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + base, e);
        }
        lastSeen.clear();
        lastSeen.putAll(seen);
        return new DeploymentSpec(modelName, complete, routing);
    }

    /**
     * @return why a version folder may not be loaded under {@code model.trusted.keys} (its {@code model.sig} is
     *     missing, not from a trusted key, or its files changed since signing), or null; checked once per content
     */
    private String refusal(Path dir, String version, String fingerprint) {
        if (!trust.requiresSignatures()) {
            return null;
        }
        String[] known = trustChecked.get(version);
        if (known != null && known[0].equals(fingerprint)) {
            return known[1];
        }
        Path signature = dir.resolve(ModelTrust.SIGNATURE_FILE);
        byte[] bundle = null;
        try {
            bundle = Files.isRegularFile(signature) ? Files.readAllBytes(signature) : null;
        } catch (IOException e) {
            LOG.warn("Cannot read {}: {}", signature, e.toString());
        }
        String refusal = trust.refusal(modelPathIn(dir), bundle, modelName, version).orElse(null);
        trustChecked.put(version, new String[] {fingerprint, refusal});
        return refusal;
    }

    /** @return file count, total size and newest modification time of a folder, or null while it is empty. */
    private static String fingerprint(Path dir) {
        long[] acc = new long[3];
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                try {
                    acc[0]++;
                    acc[1] += Files.size(f);
                    acc[2] = Math.max(acc[2], Files.getLastModifiedTime(f).toMillis());
                } catch (IOException e) {
                    acc[0] = -1_000_000; // a file vanished mid-scan: not complete
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
        return acc[0] <= 0 ? null : acc[0] + " files, " + acc[1] + " bytes, modified " + acc[2];
    }

    @Override
    public String describe() {
        return "folder " + base + " (model " + modelName + ", policy " + policy + ")";
    }

    @Override
    public void close() {
        if (scanner != null) {
            scanner.shutdownNow();
        }
    }
}
