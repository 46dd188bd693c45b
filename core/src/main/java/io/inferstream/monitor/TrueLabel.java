package io.inferstream.monitor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The true outcome for one key, read from a record of the labels topic. The value is a class label or a number,
 * either as plain text ({@code fraud}, {@code 1}, {@code 12.5}) or as JSON: a string or number ({@code "fraud"},
 * {@code 12.5}) or an object with a {@code label} field ({@code {"label": "fraud"}}, {@code {"label": 12.5}}).
 *
 * <p>Thread safety: immutable, safe to share.
 */
public final class TrueLabel {
    private static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_LABEL_BYTES = 64 * 1024;

    private final String text;
    private final double number;

    private TrueLabel(String text, double number) {
        this.text = text;
        this.number = number;
    }

    /** @return a label from its text; numeric if the text is a finite number. */
    public static TrueLabel of(String text) {
        return new TrueLabel(text, parseNumber(text));
    }

    /** @return the label as text (a number as written in the record). */
    public String text() {
        return text;
    }

    /** @return the label as a number, or NaN if it is not one. */
    public double number() {
        return number;
    }

    /** @return true if the label is a finite number (usable for a regressor's errors). */
    public boolean isNumber() {
        return !Double.isNaN(number);
    }

    /**
     * Whether a classifier's predicted label is this true label: the same text, or the same number written
     * differently ({@code 1} and {@code 1.0}).
     */
    public boolean matches(String predictedLabel) {
        if (text.equals(predictedLabel)) {
            return true;
        }
        double predicted = parseNumber(predictedLabel);
        return isNumber() && !Double.isNaN(predicted) && predicted == number;
    }

    /**
     * Reads a labels topic record's value.
     *
     * @throws IllegalArgumentException with a message saying what is wrong (null, empty, not UTF-8, an object
     *     without a {@code label}, a label that is neither text nor a number)
     */
    public static TrueLabel parse(byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("the label record has no value (a tombstone)");
        }
        if (value.length > MAX_LABEL_BYTES) {
            throw new IllegalArgumentException("the label value has " + value.length + " bytes, more than "
                    + MAX_LABEL_BYTES);
        }
        String text;
        try {
            // Labels are short and almost always ASCII: skip the strict decoder (made per call) when they are.
            text = isAscii(value) ? new String(value, StandardCharsets.ISO_8859_1).strip()
                    : StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString().strip();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the label value is not UTF-8 text");
        }
        if (text.isEmpty()) {
            throw new IllegalArgumentException("the label value is empty");
        }
        char first = text.charAt(0);
        if (first == '{' || first == '"') {
            return fromJson(text);
        }
        return of(text);
    }

    private static boolean isAscii(byte[] value) {
        for (byte b : value) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static TrueLabel fromJson(String text) {
        try (JsonParser p = JSON.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_OBJECT) {
                TrueLabel found = null;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if ("label".equals(field)) {
                        found = scalar(p, v);
                    } else {
                        p.skipChildren();
                    }
                }
                if (found == null) {
                    throw new IllegalArgumentException("the label value is a JSON object without a \"label\" field");
                }
                return found;
            }
            return scalar(p, t);
        } catch (IOException e) {
            throw new IllegalArgumentException("the label value is not valid JSON: " + jsonProblem(e));
        }
    }

    /** @return what is wrong with a JSON text, without the parser's location dump. */
    static String jsonProblem(Exception e) {
        return e instanceof com.fasterxml.jackson.core.JsonProcessingException
                ? ((com.fasterxml.jackson.core.JsonProcessingException) e).getOriginalMessage() : e.getMessage();
    }

    private static TrueLabel scalar(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            return of(p.getText());
        }
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            return new TrueLabel(p.getText(), p.getDoubleValue());
        }
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
            return of(p.getText());
        }
        throw new IllegalArgumentException("the label must be a string or a number, not " + t);
    }

    private static double parseNumber(String text) {
        if (text == null || text.isEmpty()) {
            return Double.NaN;
        }
        char c = text.charAt(0);
        if (!(c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'))) {
            return Double.NaN; // cheap: most class labels are words, and exceptions are costly
        }
        try {
            double d = Double.parseDouble(text);
            return Double.isFinite(d) ? d : Double.NaN;
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
