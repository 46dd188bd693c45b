package io.inferstream.serve;

import io.inferstream.data.Features;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import io.inferstream.protocol.InferRequest;
import io.inferstream.protocol.InferResponse;
import io.inferstream.protocol.TensorBatches;
import io.inferstream.protocol.TfServingJson;
import io.inferstream.protocol.WireTensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The hosted models by name, and the inference calls both front ends share: decode with the codec, queue for the
 * model's batcher, encode the answer. REST and gRPC only add their wire form, so they score alike by construction.
 *
 * <p>Thread safety: thread-safe; the set of models is fixed at construction.
 */
final class ServedModels {
    private final Map<String, HostedModel> models;
    private final long maxRequestElements;
    private final boolean allowNonFinite;

    /**
     * @param maxRequestElements the most tensor elements one request may carry, summed over its inputs
     * @param allowNonFinite whether NaN and infinities may reach the models (refused by default)
     */
    ServedModels(List<HostedModel> hosted, long maxRequestElements, boolean allowNonFinite) {
        this.maxRequestElements = maxRequestElements;
        this.allowNonFinite = allowNonFinite;
        Map<String, HostedModel> byName = new LinkedHashMap<>();
        for (HostedModel m : hosted) {
            if (byName.put(m.name(), m) != null) {
                throw new IllegalArgumentException("two models are served as '" + m.name() + "': give one a name");
            }
        }
        this.models = byName;
    }

    Collection<HostedModel> all() {
        return models.values();
    }

    /** @throws ServeError NOT_FOUND naming the models there are */
    HostedModel model(String name) {
        HostedModel m = models.get(name);
        if (m == null) {
            throw new ServeError(ServeError.Kind.NOT_FOUND, "no model '" + name + "'; this server has "
                    + models.keySet());
        }
        return m;
    }

    boolean allReady() {
        return models.values().stream().allMatch(HostedModel::ready);
    }

    /**
     * An Open Inference Protocol v2 inference, whichever wire form it came in.
     *
     * @param version from the URL or message; null or empty for the deployment's choice
     */
    CompletableFuture<InferResponse> infer(String name, String version, InferRequest request) {
        try {
            HostedModel m = model(name);
            String v = version == null || version.isEmpty() ? null : version;
            ModelInfo info = m.info(v);
            requireWithinCap(request);
            List<Features> rows = nonEmpty(TensorBatches.decodeInputs(request.inputs(), info, allowNonFinite));
            return m.infer(v, rows).thenApply(scored -> new InferResponse(m.name(), scored.version, request.id(),
                    select(TensorBatches.encodeOutputs(scored.predictions), request.requestedOutputs())));
        } catch (InvalidInputException | RuntimeException e) {
            return CompletableFuture.failedFuture(ServeError.of(e));
        }
    }

    /** A TF Serving REST predict; the answer takes the request's form (rows or columns). */
    CompletableFuture<byte[]> tfPredict(String name, String version, byte[] body) {
        try {
            HostedModel m = model(name);
            String v = version == null || version.isEmpty() ? null : version;
            TfServingJson.PredictRequest request = TfServingJson.readPredictRequest(body, m.info(v));
            return m.infer(v, nonEmpty(request.rows())).thenApply(
                    scored -> TfServingJson.writePredictResponse(scored.predictions, request.columnar()));
        } catch (InvalidInputException | RuntimeException e) {
            return CompletableFuture.failedFuture(ServeError.of(e));
        }
    }

    private void requireWithinCap(InferRequest request) {
        long elements = 0;
        for (WireTensor t : request.inputs()) {
            elements += t.values().size();
        }
        if (elements > maxRequestElements) {
            throw new ServeError(ServeError.Kind.BAD_INPUT, "the request carries " + elements + " elements; this "
                    + "server accepts at most " + maxRequestElements + " per request: split it");
        }
    }

    private static List<Features> nonEmpty(List<Features> rows) {
        if (rows.isEmpty()) {
            throw new ServeError(ServeError.Kind.BAD_INPUT, "the request holds no records (batch dimension 0)");
        }
        return rows;
    }

    private static List<WireTensor> select(List<WireTensor> outputs, List<String> requested) {
        if (requested.isEmpty()) {
            return outputs;
        }
        List<WireTensor> picked = new ArrayList<>(requested.size());
        for (String name : requested) {
            WireTensor t = outputs.stream().filter(o -> o.name().equals(name)).findFirst().orElseThrow(
                    () -> new ServeError(ServeError.Kind.BAD_INPUT, "output '" + name + "' was asked for, but the "
                            + "model gives " + outputs.stream().map(WireTensor::name).toList()));
            picked.add(t);
        }
        return picked;
    }
}
