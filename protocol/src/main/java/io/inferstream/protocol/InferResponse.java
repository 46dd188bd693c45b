package io.inferstream.protocol;

import java.util.List;
import java.util.Objects;

/**
 * An Open Inference Protocol v2 inference response, whichever wire form it came in: the model that answered, the
 * request id echoed back (or null), and the output tensors.
 *
 * <p>Thread safety: immutable.
 */
public final class InferResponse {
    private final String modelName;
    private final String modelVersion;
    private final String id;
    private final List<WireTensor> outputs;

    /** @param id the request's id, or null */
    public InferResponse(String modelName, String modelVersion, String id, List<WireTensor> outputs) {
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        this.modelVersion = Objects.requireNonNullElse(modelVersion, "");
        this.id = id == null || id.isEmpty() ? null : id;
        this.outputs = List.copyOf(outputs);
    }

    public String modelName() {
        return modelName;
    }

    /** @return the version that answered, or "" if the server did not say. */
    public String modelVersion() {
        return modelVersion;
    }

    /** @return the request id, or null. */
    public String id() {
        return id;
    }

    public List<WireTensor> outputs() {
        return outputs;
    }

    /** @return the output of that name, or null. */
    public WireTensor output(String name) {
        for (WireTensor t : outputs) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
