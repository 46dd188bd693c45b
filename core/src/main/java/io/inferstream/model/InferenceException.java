package io.inferstream.model;

/**
 * Scoring failed. The three subclasses tell the engine what to do: {@link InvalidInputException} rejects one
 * record, {@link ModelFailureException} stops the engine, {@link RetriableInferenceException} holds the batch and
 * tries it again later. Any other {@code InferenceException} is treated as a model failure.
 */
public class InferenceException extends Exception {
    private static final long serialVersionUID = 1L;

    public InferenceException(String message) {
        super(message);
    }

    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
