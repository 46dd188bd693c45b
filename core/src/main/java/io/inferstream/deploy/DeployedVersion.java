package io.inferstream.deploy;

import io.inferstream.codec.RecordDecoder;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded, checked and warmed-up model version, with what the hot path needs precomputed: the decoder for its
 * inputs and its name and version as header bytes. A thread-safe model has one instance shared by every worker;
 * otherwise there is one instance per worker slot.
 *
 * <p>Reference-counted: the manager holds one reference while the version is wanted, and each {@link Deployment}
 * that contains it holds one; the instances are closed (native memory released) when the last is released, which
 * is after the last batch that used it has ended.
 *
 * <p>Thread safety: thread-safe; {@link #model(int)} returns an instance the caller's slot may use.
 */
public final class DeployedVersion {
    private static final Logger LOG = LoggerFactory.getLogger(DeployedVersion.class);

    private final String version;
    private final String fingerprint;
    private final ModelInfo info;
    private final List<Model> instances;
    private final RecordDecoder decoder;
    private final byte[] nameHeader;
    private final byte[] versionHeader;
    private final AtomicInteger references = new AtomicInteger(1);

    DeployedVersion(String version, String fingerprint, List<Model> instances, RecordDecoder decoder) {
        this.version = version;
        this.fingerprint = fingerprint;
        this.instances = List.copyOf(instances);
        this.info = instances.get(0).info();
        this.decoder = decoder;
        this.nameHeader = info.name().getBytes(StandardCharsets.UTF_8);
        this.versionHeader = info.version().getBytes(StandardCharsets.UTF_8);
    }

    /** @return the deployment's version number (for routing); predictions carry {@link #info()}'s version. */
    public String version() {
        return version;
    }

    String fingerprint() {
        return fingerprint;
    }

    /** @return name, version, signature of what predictions carry. */
    public ModelInfo info() {
        return info;
    }

    /** @return the instance for a worker slot (the shared one when the model is thread-safe). */
    public Model model(int slot) {
        return instances.get(Math.floorMod(slot, instances.size()));
    }

    /** @return turns record values into rows for this version's inputs. */
    public RecordDecoder decoder() {
        return decoder;
    }

    /** @return the model name as UTF-8, for record headers. */
    public byte[] nameHeader() {
        return nameHeader;
    }

    /** @return the model version as UTF-8, for record headers. */
    public byte[] versionHeader() {
        return versionHeader;
    }

    void retain() {
        if (references.getAndIncrement() <= 0) {
            throw new IllegalStateException("version " + version + " is already closed");
        }
    }

    void release() {
        if (references.decrementAndGet() == 0) {
            LOG.debug("Closing {}:{} ({} instance(s))", info.name(), version, instances.size());
            instances.forEach(Model::close);
        }
    }

    /** @return true once every reference is released and the instances are closed. */
    public boolean isClosed() {
        return references.get() <= 0;
    }

    @Override
    public String toString() {
        return info.name() + ":" + info.version();
    }
}
