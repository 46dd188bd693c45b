package io.inferstream.h2o;

import io.inferstream.model.ModelLoadException;
import java.util.Locale;

/**
 * What to do with a value the MOJO cannot take as it is: an unknown categorical level, or text in a numeric column
 * that is not a number.
 *
 * <p>Thread safety: an enum, immutable.
 */
public enum ValuePolicy {
    /** Score the record with the value treated as missing (NA), as H2O's own {@code predict} does. */
    MISSING,
    /** Reject the record: it goes to the dead-letter topic with the reason. */
    REJECT;

    /**
     * Reads an option value ({@code missing} or {@code reject}, any case).
     *
     * @throws ModelLoadException naming the option and the allowed values
     */
    static ValuePolicy parse(String option, String value) throws ModelLoadException {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "missing": return MISSING;
            case "reject": return REJECT;
            default: throw new ModelLoadException("option '" + option + "' must be 'missing' or 'reject', not '"
                    + value + "'");
        }
    }

    /** @return the option spelling, e.g. {@code missing}. */
    String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
