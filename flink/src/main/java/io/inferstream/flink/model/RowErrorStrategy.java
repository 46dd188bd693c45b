package io.inferstream.flink.model;

import java.util.Locale;

/**
 * What {@code ML_PREDICT} does with a row the model rejects (it cannot be decoded, does not fit the model's inputs,
 * or the model refuses it), chosen with the model option {@value #OPTION}. Named after the
 * {@code error-handling-strategy} of Flink's own model providers (FAILOVER, IGNORE), plus a way to keep the row.
 * A model that cannot score at all (every row fails, a remote server stays unreachable) always fails the job, which
 * restarts from its last checkpoint: no strategy turns that into rejected rows.
 *
 * <p>Thread safety: immutable.
 */
public enum RowErrorStrategy {
    /** The job fails with the row's stage and reason (Flink's default for its model functions). */
    FAILOVER,
    /** The row gives no output row; it is logged (warning, with the reason) and counted ({@code rejectedRows}). */
    IGNORE,
    /**
     * The row gives one output row whose model columns are NULL and whose error column (option
     * {@value #ERROR_COLUMN_OPTION}, default {@code error}, a STRING column of the OUTPUT schema) holds
     * {@code stage: reason}; it is counted too. Nothing is lost and the job goes on: route those rows with a WHERE.
     */
    OUTPUT;

    /** The model option choosing the strategy. */
    public static final String OPTION = "error-handling-strategy";
    /** The model option naming the OUTPUT column that receives the reason under {@link #OUTPUT}. */
    public static final String ERROR_COLUMN_OPTION = "error-column";

    /** @throws IllegalArgumentException for an unknown name, listing the known ones */
    static RowErrorStrategy parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + OPTION + "' = '" + value + "' is none of failover, ignore, output");
        }
    }
}
