package io.inferstream.protocol;

import java.util.List;
import java.util.Objects;

/**
 * An Open Inference Protocol v2 inference request, whichever wire form it came in: the model (name and version, both
 * possibly empty when they come from the URL), an optional request id, the input tensors, and the names of the
 * outputs asked for (empty: all).
 *
 * <p>Thread safety: immutable.
 */
public final class InferRequest {
    private final String modelName;
    private final String modelVersion;
    private final String id;
    private final List<WireTensor> inputs;
    private final List<String> requestedOutputs;

    /**
     * @param id the request id, or null
     * @throws ProtocolException if two inputs have the same name (one would silently win)
     */
    public InferRequest(String modelName, String modelVersion, String id, List<WireTensor> inputs,
            List<String> requestedOutputs) {
        this.modelName = Objects.requireNonNullElse(modelName, "");
        this.modelVersion = Objects.requireNonNullElse(modelVersion, "");
        this.id = id == null || id.isEmpty() ? null : id;
        this.inputs = List.copyOf(inputs);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (WireTensor t : this.inputs) {
            if (!names.add(t.name())) {
                throw new ProtocolException(t.name(), "is given twice; name each input once", null);
            }
        }
        this.requestedOutputs = List.copyOf(requestedOutputs);
    }

    /** @return the model name, or "" when the URL names it. */
    public String modelName() {
        return modelName;
    }

    /** @return the model version, or "" for the server's choice. */
    public String modelVersion() {
        return modelVersion;
    }

    /** @return the request id, or null. */
    public String id() {
        return id;
    }

    public List<WireTensor> inputs() {
        return inputs;
    }

    /** @return the outputs the client asked for; empty means all. */
    public List<String> requestedOutputs() {
        return requestedOutputs;
    }
}
