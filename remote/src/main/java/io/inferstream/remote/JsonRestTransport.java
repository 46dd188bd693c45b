package io.inferstream.remote;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.protocol.ProtocolException;
import java.net.URI;
import java.util.List;

/**
 * A model server's JSON-over-HTTP API: one {@code GET} for the signature, one {@code POST} per batch. The protocols
 * differ only in their URLs and bodies (subclasses); how failures are read is the same for all of them, and kept here:
 * <ul>
 *   <li>metadata that cannot be fetched or read fails the load ({@link ModelLoadException});</li>
 *   <li>an HTTP refusal is a rejection of the input when {@link #refusesInput(int)} says the status means that,
 *       else a model failure ({@link Rejections});</li>
 *   <li>a 2xx answer the codec cannot read (a body cut short, a proxy's HTML page, JSON of another shape) is taken
 *       as transient, like a dropped connection: the records are not at fault, and an engine that holds the batch
 *       loses nothing while the server recovers.</li>
 * </ul>
 *
 * <p>Thread safety: thread-safe if the subclass's codec methods are (they are stateless here).
 */
abstract class JsonRestTransport implements Transport {
    /** The server's address, as parsed from the configured URL. */
    protected final RemoteAddress address;
    private final HttpCalls http;
    private final URI metadataUri;
    private final URI inferUri;
    private final String endpoint;

    /**
     * @param modelUrl the model's base URL ({@link #endpoint()})
     * @param metadataUri where the signature is read
     * @param inferUri where batches are posted
     */
    JsonRestTransport(RemoteAddress address, RemoteSettings settings, String modelUrl, URI metadataUri, URI inferUri) {
        this.address = address;
        this.http = new HttpCalls(settings);
        this.endpoint = modelUrl;
        this.metadataUri = metadataUri;
        this.inferUri = inferUri;
    }

    /** @return the model's signature from the metadata body */
    abstract ModelInfo readMetadata(byte[] body, String format);

    /** @return the request body for one batch */
    abstract byte[] writeRequest(List<Features> rows, ModelInfo info) throws InferenceException;

    /** @return the batch's predictions, in order, from the answer's body */
    abstract List<Prediction> readResponse(byte[] body, ModelInfo info);

    /** @return true if an HTTP status means the server refused the input (so a record may be at fault) */
    abstract boolean refusesInput(int status);

    /** @return what a good answer is called in this protocol, for the error that says a body is not one */
    abstract String responseName();

    @Override
    public final ModelInfo metadata(String format) throws ModelLoadException {
        try {
            return readMetadata(http.get(metadataUri), format);
        } catch (TransientFailure | HttpCalls.HttpRejection | ProtocolException e) {
            throw new ModelLoadException("cannot read the signature of model '" + address.model + "' from "
                    + metadataUri + ": " + e.getMessage(), e);
        }
    }

    @Override
    public final List<Prediction> infer(List<Features> rows, ModelInfo info) throws TransientFailure, InferenceException {
        byte[] request = writeRequest(rows, info);
        byte[] answer;
        try {
            answer = http.postJson(inferUri, request);
        } catch (HttpCalls.HttpRejection r) {
            throw Rejections.of(endpoint(), refusesInput(r.status), "HTTP " + r.status, r.serverMessage, rows.size());
        }
        try {
            return readResponse(answer, info);
        } catch (ProtocolException e) {
            throw new TransientFailure(inferUri + " answered a body that is not " + responseName() + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public final String endpoint() {
        return endpoint;
    }

    @Override
    public final void close() {
        http.close();
    }
}
