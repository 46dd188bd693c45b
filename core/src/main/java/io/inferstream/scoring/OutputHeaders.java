package io.inferstream.scoring;

import io.inferstream.deploy.DeployedVersion;
import java.util.function.BiConsumer;

/**
 * The header policy, the one rule every host follows for the headers of what it writes:
 * <ul>
 *   <li>A prediction keeps the input record's headers (tracing ids, origin, ...), as Kafka Streams does by default,
 *       and says which model version scored it in {@link DeadLetterHeaders#MODEL_NAME} and
 *       {@link DeadLetterHeaders#MODEL_VERSION}; an input's own headers of those names are replaced, never
 *       repeated, so a prediction scored twice in a chain names the last model.</li>
 *   <li>A dead letter keeps the input's headers too and adds where the record came from and why it failed
 *       ({@link DeadLetters}); if that would not fit the dead-letter topic, the input's headers are dropped first.</li>
 * </ul>
 * Hosts hold headers in their own type, so this class says what to keep and what to add and the host writes it:
 * <pre>{@code
 * for (Header h : in.headers()) if (OutputHeaders.keptOnPrediction(h.key())) out.add(h);
 * OutputHeaders.addModelHeaders(version, out::add);
 * }</pre>
 *
 * <p>Thread safety: stateless.
 */
public final class OutputHeaders {
    private OutputHeaders() {
    }

    /** @return true if a prediction keeps an input header of this name: all but the model headers it replaces. */
    public static boolean keptOnPrediction(String name) {
        return !DeadLetterHeaders.MODEL_NAME.equals(name) && !DeadLetterHeaders.MODEL_VERSION.equals(name);
    }

    /** Adds the name and version of the model version that scored a record, in this order. */
    public static void addModelHeaders(DeployedVersion version, BiConsumer<String, byte[]> add) {
        add.accept(DeadLetterHeaders.MODEL_NAME, version.nameHeader());
        add.accept(DeadLetterHeaders.MODEL_VERSION, version.versionHeader());
    }
}
