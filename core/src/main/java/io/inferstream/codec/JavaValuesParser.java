package io.inferstream.codec;

import com.fasterxml.jackson.core.Base64Variant;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.core.Version;
import com.fasterxml.jackson.core.base.ParserMinimalBase;
import com.fasterxml.jackson.core.json.JsonReadContext;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Named Java values read as the token stream {@link JsonRecordDecoder} reads, so that values which never were JSON
 * (a SQL row's columns) meet the decoder's rules themselves, written once, with no JSON text written or parsed: the
 * numbers stay binary, primitive arrays are read element by element without boxing. Jackson's own databind reads
 * object trees the same way (its {@code TreeTraversingParser}); core does not depend on databind.
 *
 * <p>What each Java value reads as: {@code null} null; a {@link Boolean} a boolean; a {@link Float} or {@link Double}
 * (or {@link BigDecimal}) a fractional number, an integral {@link Number} a whole one; a {@link CharSequence} a
 * string; {@code byte[]} binary (what {@code {"b64": ...}} is in JSON); a {@link Map} an object; a {@link List},
 * {@code Object[]} or primitive array an array (nested ones nest); anything else its {@code toString()}, as a string.
 * A float read as a double is widened through its shortest decimal ({@code 0.1f} is {@code 0.1}), exactly what the
 * same float written as JSON text and read back gives.
 *
 * <p>Thread safety: not thread-safe; one per record.
 */
final class JavaValuesParser extends ParserMinimalBase {
    private enum NumberKind { FLOAT, DOUBLE, LONG, BIG_INTEGER, BIG_DECIMAL }

    /** An object or array being read. */
    private abstract static class Frame {
        abstract JsonToken next(JavaValuesParser p);
    }

    private static final class ObjectFrame extends Frame {
        final Iterator<? extends Map.Entry<?, ?>> entries;
        Object value;
        boolean valueNext;

        ObjectFrame(Map<?, ?> map) {
            this.entries = map.entrySet().iterator();
        }

        @Override
        JsonToken next(JavaValuesParser p) {
            if (valueNext) {
                valueNext = false;
                return p.start(value);
            }
            if (!entries.hasNext()) {
                p.stack.pop();
                return JsonToken.END_OBJECT;
            }
            Map.Entry<?, ?> e = entries.next();
            p.name = String.valueOf(e.getKey());
            value = e.getValue();
            valueNext = true;
            return JsonToken.FIELD_NAME;
        }
    }

    private static final class ArrayFrame extends Frame {
        final Object array;
        final int length;
        int index;

        ArrayFrame(Object array, int length) {
            this.array = array;
            this.length = length;
        }

        @Override
        JsonToken next(JavaValuesParser p) {
            if (index == length) {
                p.stack.pop();
                return JsonToken.END_ARRAY;
            }
            int i = index++;
            if (array instanceof float[]) {
                return p.number(((float[]) array)[i]);
            } else if (array instanceof double[]) {
                return p.number(((double[]) array)[i]);
            } else if (array instanceof int[]) {
                return p.number(((int[]) array)[i]);
            } else if (array instanceof long[]) {
                return p.number(((long[]) array)[i]);
            } else if (array instanceof short[]) {
                return p.number(((short[]) array)[i]);
            } else if (array instanceof boolean[]) {
                return ((boolean[]) array)[i] ? JsonToken.VALUE_TRUE : JsonToken.VALUE_FALSE;
            } else if (array instanceof Object[]) {
                return p.start(((Object[]) array)[i]);
            }
            return p.start(((List<?>) array).get(i));
        }
    }

    private final Deque<Frame> stack = new ArrayDeque<>();
    private Object root;
    private boolean closed;
    private String name;
    private NumberKind numberKind;
    private float floatValue;
    private double doubleValue;
    private long longValue;
    private Object objectValue;
    private String text;

    /** @param record the record's fields, read as one object */
    JavaValuesParser(Map<String, ?> record) {
        super(0);
        this.root = record;
    }

    @Override
    public JsonToken nextToken() {
        if (root != null) {
            Object r = root;
            root = null;
            return _currToken = start(r);
        }
        return _currToken = stack.isEmpty() ? null : stack.peek().next(this);
    }

    /** @return the first token of a value, entering it if it is an object or an array */
    private JsonToken start(Object v) {
        if (v == null) {
            return JsonToken.VALUE_NULL;
        } else if (v instanceof Boolean) {
            return (Boolean) v ? JsonToken.VALUE_TRUE : JsonToken.VALUE_FALSE;
        } else if (v instanceof Float) {
            return number((Float) v);
        } else if (v instanceof Double) {
            return number((Double) v);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return number(((Number) v).longValue());
        } else if (v instanceof BigInteger) {
            BigInteger big = (BigInteger) v;
            if (big.bitLength() < 64) {
                return number(big.longValue());
            }
            numberKind = NumberKind.BIG_INTEGER;
            objectValue = big;
            doubleValue = big.doubleValue();
            return JsonToken.VALUE_NUMBER_INT;
        } else if (v instanceof Number) {
            numberKind = NumberKind.BIG_DECIMAL;
            objectValue = v instanceof BigDecimal ? v : new BigDecimal(v.toString());
            doubleValue = ((Number) v).doubleValue();
            return JsonToken.VALUE_NUMBER_FLOAT;
        } else if (v instanceof byte[]) {
            objectValue = v;
            return JsonToken.VALUE_EMBEDDED_OBJECT;
        } else if (v instanceof Map) {
            stack.push(new ObjectFrame((Map<?, ?>) v));
            return JsonToken.START_OBJECT;
        } else if (v instanceof List) {
            stack.push(new ArrayFrame(v, ((List<?>) v).size()));
            return JsonToken.START_ARRAY;
        } else if (v.getClass().isArray()) {
            stack.push(new ArrayFrame(v, java.lang.reflect.Array.getLength(v)));
            return JsonToken.START_ARRAY;
        }
        text = v.toString();
        return JsonToken.VALUE_STRING;
    }

    private JsonToken number(float v) {
        numberKind = NumberKind.FLOAT;
        floatValue = v;
        return JsonToken.VALUE_NUMBER_FLOAT;
    }

    private JsonToken number(double v) {
        numberKind = NumberKind.DOUBLE;
        doubleValue = v;
        return JsonToken.VALUE_NUMBER_FLOAT;
    }

    private JsonToken number(long v) {
        numberKind = NumberKind.LONG;
        longValue = v;
        return JsonToken.VALUE_NUMBER_INT;
    }

    @Override
    public float getFloatValue() {
        switch (numberKind) {
            case FLOAT: return floatValue;
            case LONG: return longValue;
            default: return (float) doubleValue;
        }
    }

    @Override
    public double getDoubleValue() {
        switch (numberKind) {
            // As the float reads when written as JSON: its shortest decimal, not its binary widening.
            case FLOAT: return Float.isFinite(floatValue) ? Double.parseDouble(Float.toString(floatValue)) : floatValue;
            case LONG: return longValue;
            default: return doubleValue;
        }
    }

    @Override
    public long getLongValue() {
        switch (numberKind) {
            case LONG: return longValue;
            case FLOAT: return (long) floatValue;
            case BIG_INTEGER: return ((BigInteger) objectValue).longValue();
            default: return (long) doubleValue;
        }
    }

    @Override
    public int getIntValue() {
        return (int) getLongValue();
    }

    @Override
    public NumberType getNumberType() {
        switch (numberKind) {
            case FLOAT: return NumberType.FLOAT;
            case DOUBLE: return NumberType.DOUBLE;
            case LONG: return NumberType.LONG;
            case BIG_INTEGER: return NumberType.BIG_INTEGER;
            default: return NumberType.BIG_DECIMAL;
        }
    }

    @Override
    public Number getNumberValue() {
        switch (numberKind) {
            case FLOAT: return floatValue;
            case DOUBLE: return doubleValue;
            case LONG: return longValue;
            default: return (Number) objectValue;
        }
    }

    @Override
    public BigInteger getBigIntegerValue() {
        return numberKind == NumberKind.BIG_INTEGER ? (BigInteger) objectValue : BigInteger.valueOf(getLongValue());
    }

    @Override
    public BigDecimal getDecimalValue() {
        return numberKind == NumberKind.BIG_DECIMAL ? (BigDecimal) objectValue : new BigDecimal(getText());
    }

    /** @return a string's text, a number as Java writes it (for messages that quote the value), or a field's name */
    @Override
    public String getText() {
        if (_currToken == null) {
            return null;
        }
        switch (_currToken) {
            case FIELD_NAME: return name;
            case VALUE_STRING: return text;
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                switch (numberKind) {
                    case FLOAT: return Float.toString(floatValue);
                    case DOUBLE: return Double.toString(doubleValue);
                    case LONG: return Long.toString(longValue);
                    default: return objectValue.toString();
                }
            default: return _currToken.asString();
        }
    }

    @Override
    public Object getEmbeddedObject() {
        return _currToken == JsonToken.VALUE_EMBEDDED_OBJECT ? objectValue : null;
    }

    @Override
    public byte[] getBinaryValue(Base64Variant variant) throws JsonParseException {
        if (_currToken != JsonToken.VALUE_EMBEDDED_OBJECT) {
            throw new JsonParseException(this, "not a binary value: " + _currToken);
        }
        return (byte[]) objectValue;
    }

    @Override
    public String getCurrentName() {
        return name;
    }

    @Override
    public void overrideCurrentName(String name) {
        this.name = name;
    }

    @Override
    public char[] getTextCharacters() {
        String t = getText();
        return t == null ? null : t.toCharArray();
    }

    @Override
    public int getTextLength() {
        String t = getText();
        return t == null ? 0 : t.length();
    }

    @Override
    public int getTextOffset() {
        return 0;
    }

    @Override
    public boolean hasTextCharacters() {
        return false;
    }

    @Override
    public JsonStreamContext getParsingContext() {
        return JsonReadContext.createRootContext(null); // no text, so no location to report
    }

    @Override
    public JsonLocation getCurrentLocation() {
        return JsonLocation.NA;
    }

    @Override
    public JsonLocation getTokenLocation() {
        return JsonLocation.NA;
    }

    @Override
    protected void _handleEOF() {
        // Values have no end of input to run into.
    }

    @Override
    public ObjectCodec getCodec() {
        return null;
    }

    @Override
    public void setCodec(ObjectCodec codec) {
        throw new UnsupportedOperationException("values are read by JsonRecordDecoder, not bound by a codec");
    }

    @Override
    public Version version() {
        return Version.unknownVersion();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        stack.clear();
        root = null;
    }
}
