package io.inferstream.deploy;

import io.inferstream.codec.RecordDecoder;
import io.inferstream.model.ModelInfo;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the {@link DeploymentManager} needs to know about its host to load and check versions: how many worker
 * slots share a deployment (a model that is not thread-safe is loaded once per slot), how records are decoded for a
 * model (which also decides whether a version fits the configured codec), class labels to apply, warm-up rows, and
 * whether shadow versions can be served at all.
 *
 * <p>Thread safety: immutable.
 */
public final class DeploymentSettings {
    private final int slots;
    private final Function<ModelInfo, RecordDecoder> decoders;
    private final List<String> classLabels;
    private final String classOutput;
    private final int warmupRecords;
    private final List<byte[]> warmupValues;
    private final boolean shadowsEnabled;

    /**
     * @param slots worker threads sharing the deployment
     * @param decoders makes the decoder for a model's inputs; throws IllegalArgumentException when the configured
     *     codec cannot feed that model
     * @param classLabels labels for a probability output ({@code model.class.labels}), empty for none
     * @param classOutput the output holding them, or empty
     * @param warmupRecords rows scored before a version takes traffic (0: only the compatibility check)
     * @param warmupValues example record values to warm up with, when there is no traffic yet; may be empty
     * @param shadowsEnabled false if there is nowhere to write shadow predictions
     */
    public DeploymentSettings(int slots, Function<ModelInfo, RecordDecoder> decoders, List<String> classLabels,
            String classOutput, int warmupRecords, List<byte[]> warmupValues, boolean shadowsEnabled) {
        this.slots = Math.max(1, slots);
        this.decoders = Objects.requireNonNull(decoders, "decoders");
        this.classLabels = List.copyOf(classLabels);
        this.classOutput = classOutput == null ? "" : classOutput;
        this.warmupRecords = Math.max(0, warmupRecords);
        this.warmupValues = List.copyOf(warmupValues);
        this.shadowsEnabled = shadowsEnabled;
    }

    public int slots() {
        return slots;
    }

    public Function<ModelInfo, RecordDecoder> decoders() {
        return decoders;
    }

    public List<String> classLabels() {
        return classLabels;
    }

    public String classOutput() {
        return classOutput;
    }

    public int warmupRecords() {
        return warmupRecords;
    }

    public List<byte[]> warmupValues() {
        return warmupValues;
    }

    public boolean shadowsEnabled() {
        return shadowsEnabled;
    }
}
