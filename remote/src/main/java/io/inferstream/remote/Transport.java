package io.inferstream.remote;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import java.util.List;

/**
 * One protocol's way to reach one model on a server: read its signature, and score a batch in one request. A
 * transport makes exactly one attempt per call; retries, the in-flight bound and the circuit breaker are
 * {@link RemoteModel}'s.
 *
 * <p>Errors: {@link TransientFailure} when another attempt may succeed; {@link io.inferstream.model.InvalidInputException}
 * when the server rejects the input (with the record's index when the server names it); any other
 * {@link InferenceException} (normally {@link io.inferstream.model.ModelFailureException}) when the server refuses
 * the request in a way waiting will not cure.
 *
 * <p>Thread safety: implementations must be thread-safe; {@link #infer} is called from several workers at once.
 */
public interface Transport extends AutoCloseable {

    /**
     * Reads the model's signature from the server's metadata endpoint.
     *
     * @param format the format id to put in the info
     * @throws ModelLoadException if the server cannot be reached, does not know the model, or answers nonsense
     */
    ModelInfo metadata(String format) throws ModelLoadException;

    /**
     * Scores a batch in one request.
     *
     * @param rows the records, not empty
     * @param info the model's signature as {@link #metadata} read it
     * @return one prediction per record, in order
     */
    List<Prediction> infer(List<Features> rows, ModelInfo info) throws TransientFailure, InferenceException;

    /** @return where the model is, for messages. */
    String endpoint();

    /** Releases connections; idempotent, never throws. */
    @Override
    void close();
}
