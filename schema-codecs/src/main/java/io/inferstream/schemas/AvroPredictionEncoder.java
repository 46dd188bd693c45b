package io.inferstream.schemas;

import io.inferstream.codec.PredictionEncoder;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.ModelInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Writes predictions as Avro, with the fields JSON predictions have: {@code key} (or {@code key_b64} for a key that
 * is not UTF-8), {@code model}, {@code version}, {@code outputs} (a record with a field per model output: a number,
 * string, bytes or boolean, or nested arrays of them following the output's rank), and, for classifiers,
 * {@code label} and {@code probabilities} (a map of label to probability). Optional fields are unions with null.
 *
 * <p>The schema is derived from the outputs themselves (their names, element types and ranks) the first time a shape
 * of prediction is seen, and cached. With a registry, its subject follows one of Confluent's subject name strategies
 * ({@code <output.topic>-value} by default), it is registered there, looked up there, or taken as the subject's
 * latest version ({@link SchemaChoice}), and each record is framed as the registry's wire format (byte 0, 4-byte id, body);
 * without one, as Avro's single-object encoding (C3 01, the schema's fingerprint, body). Output names that are not
 * valid Avro names ({@code dense/Softmax:0}) have their other characters replaced by {@code _}; the original name is
 * the field's doc.
 *
 * <p>Thread safety: thread-safe.
 */
public final class AvroPredictionEncoder implements PredictionEncoder<byte[]> {
    private static final String NAMESPACE = "io.inferstream";

    /** A derived schema and the header that names it in each record. */
    private static final class Written {
        final byte[] header;
        final List<String> outputs;
        final List<Schema> outputSchemas;

        Written(byte[] header, List<String> outputs, List<Schema> outputSchemas) {
            this.header = header;
            this.outputs = outputs;
            this.outputSchemas = outputSchemas;
        }
    }

    /** Where a registry-framed prediction's schema comes from, as Confluent's serializers choose it. */
    public enum SchemaChoice {
        /** Register the derived schema under the subject ({@code auto.register.schemas=true}, the default). */
        REGISTER,
        /** Look the derived schema up in the subject; never register ({@code auto.register.schemas=false}). */
        LOOK_UP,
        /** Write with the subject's latest schema, which must be the derived one ({@code use.latest.version}). */
        LATEST
    }

    private final SchemaRegistryClient registry;
    private final String topic;
    private final String strategy;
    private final SchemaChoice choice;
    private final String namespace;
    private final String recordName;
    private final Map<String, Written> bySignature = new ConcurrentHashMap<>();

    /**
     * Registers under {@code <outputTopic>-value}, records named {@code io.inferstream.Prediction}.
     *
     * @param registry where to register the schemas, or null for single-object encoding
     * @param outputTopic the topic the predictions go to
     */
    public AvroPredictionEncoder(SchemaRegistryClient registry, String outputTopic) {
        this(registry, outputTopic, EngineConfig.SUBJECT_TOPIC, SchemaChoice.REGISTER, NAMESPACE + ".Prediction");
    }

    /**
     * @param registry where the schemas are registered, or null for single-object encoding
     * @param outputTopic the topic the predictions go to
     * @param subjectNameStrategy {@link EngineConfig#SUBJECT_TOPIC}, {@link EngineConfig#SUBJECT_RECORD} or
     *     {@link EngineConfig#SUBJECT_TOPIC_RECORD}
     * @param choice whether the schema is registered, looked up, or the subject's latest
     * @param recordFullName the prediction record's full name, e.g. {@code shop.FraudScore}
     * @throws IllegalArgumentException for an unknown strategy or a name Avro does not allow
     */
    public AvroPredictionEncoder(SchemaRegistryClient registry, String outputTopic, String subjectNameStrategy,
            SchemaChoice choice, String recordFullName) {
        if (!List.of(EngineConfig.SUBJECT_TOPIC, EngineConfig.SUBJECT_RECORD, EngineConfig.SUBJECT_TOPIC_RECORD)
                .contains(subjectNameStrategy)) {
            throw new IllegalArgumentException("unknown subject name strategy '" + subjectNameStrategy + "'");
        }
        this.registry = registry;
        this.topic = outputTopic;
        this.strategy = subjectNameStrategy;
        this.choice = choice;
        int dot = recordFullName.lastIndexOf('.');
        this.namespace = dot < 0 ? null : recordFullName.substring(0, dot);
        this.recordName = recordFullName.substring(dot + 1);
        try {
            SchemaBuilder.record(recordName).namespace(namespace).fields().endRecord();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("output.avro.record.name '" + recordFullName + "' is not an Avro name: "
                    + e.getMessage(), e);
        }
    }

    /** @return the subject a schema of this full name goes under, by the configured strategy */
    String subject(String recordFullName) {
        switch (strategy) {
            case EngineConfig.SUBJECT_RECORD:
                return recordFullName;
            case EngineConfig.SUBJECT_TOPIC_RECORD:
                return topic + "-" + recordFullName;
            default:
                return topic + "-value";
        }
    }

    @Override
    public byte[] encode(Prediction prediction, ModelInfo model, byte[] key) {
        Written w = bySignature.computeIfAbsent(signature(prediction), s -> derive(prediction));
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.writeBytes(w.header);
        BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            String text = key == null ? null : utf8(key);
            writeOptionalString(e, text);
            writeOptionalString(e, key != null && text == null ? Base64.getEncoder().encodeToString(key) : null);
            e.writeString(model.name());
            e.writeString(model.version());
            for (int i = 0; i < w.outputs.size(); i++) {
                writeValue(e, w.outputSchemas.get(i), prediction.output(w.outputs.get(i)));
            }
            writeOptionalString(e, prediction.label().orElse(null));
            Map<String, Double> probabilities = prediction.probabilities();
            if (probabilities.isEmpty()) {
                e.writeIndex(0);
            } else {
                e.writeIndex(1);
                e.writeMapStart();
                e.setItemCount(probabilities.size());
                for (Map.Entry<String, Double> p : probabilities.entrySet()) {
                    e.startItem();
                    e.writeString(p.getKey());
                    e.writeDouble(p.getValue());
                }
                e.writeMapEnd();
            }
            e.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /** @return what decides the schema: each output's name, element type and rank */
    private static String signature(Prediction p) {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, Tensor> e : p.outputs().entrySet()) {
            s.append(e.getKey()).append('\u0000').append(e.getValue().type()).append('/').append(e.getValue().rank())
                    .append('\u0000');
        }
        return s.toString();
    }

    private Written derive(Prediction prediction) {
        SchemaBuilder.FieldAssembler<Schema> outputs = SchemaBuilder.record("Outputs").namespace(namespace).fields();
        List<String> names = new ArrayList<>();
        List<Schema> schemas = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (Map.Entry<String, Tensor> e : prediction.outputs().entrySet()) {
            String field = avroName(e.getKey(), used);
            Schema schema = schemaOf(e.getValue());
            outputs.name(field).doc(e.getKey()).type(schema).noDefault();
            names.add(e.getKey());
            schemas.add(schema);
        }
        Schema optionalString = SchemaBuilder.unionOf().nullType().and().stringType().endUnion();
        Schema schema = SchemaBuilder.record(recordName).namespace(namespace)
                .doc("A prediction written by Inferstream").fields()
                .name("key").type(optionalString).withDefault(null)
                .name("key_b64").type(optionalString).withDefault(null)
                .name("model").type().stringType().noDefault()
                .name("version").type().stringType().noDefault()
                .name("outputs").type(outputs.endRecord()).noDefault()
                .name("label").type(optionalString).withDefault(null)
                .name("probabilities").type(SchemaBuilder.unionOf().nullType().and().map().values().doubleType()
                        .endUnion()).withDefault(null)
                .endRecord();
        return new Written(header(schema), List.copyOf(names), List.copyOf(schemas));
    }

    private byte[] header(Schema schema) {
        if (registry == null) {
            long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
            ByteBuffer b = ByteBuffer.allocate(10).put(AvroRecordDecoder.SINGLE_OBJECT_1)
                    .put(AvroRecordDecoder.SINGLE_OBJECT_2).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(fingerprint);
            return b.array();
        }
        String subject = subject(schema.getFullName());
        return RegistryFraming.header(switch (choice) {
            case REGISTER -> registry.register(subject, schema.toString(), "AVRO");
            case LOOK_UP -> registry.lookup(subject, schema.toString(), "AVRO").orElseThrow(() ->
                    new IllegalStateException("subject " + subject + " at schema registry " + registry.url()
                            + " does not hold the predictions' schema, and output.auto.register.schemas=false: "
                            + "register it there (or allow registering). The schema: " + schema)).id();
            case LATEST -> latest(subject, schema);
        });
    }

    /** @return the id of the subject's latest schema, checked to be the derived one */
    private int latest(String subject, Schema derived) {
        RegisteredSchema latest = registry.latest(subject).orElseThrow(() -> new IllegalStateException("subject "
                + subject + " at schema registry " + registry.url() + " holds no schema, and "
                + "output.use.latest.version=true: register the predictions' schema there first. It is: " + derived));
        Schema registered;
        try {
            registered = ReferencedSchemas.avro(latest, registry);
        } catch (io.inferstream.codec.SchemaUnavailableException e) {
            throw e; // its references could not be fetched now: the batch waits, as for the latest version itself
        } catch (RuntimeException e) {
            throw new IllegalStateException("the latest schema of subject " + subject + " (id " + latest.id()
                    + ") is not an Avro schema: " + e.getMessage(), e);
        }
        if (SchemaNormalization.parsingFingerprint64(registered) != SchemaNormalization.parsingFingerprint64(derived)) {
            throw new IllegalStateException("the latest schema of subject " + subject + " (id " + latest.id()
                    + ", version " + latest.version() + ") is not the predictions' schema, so predictions cannot be "
                    + "written with it (output.use.latest.version=true). Registered: "
                    + SchemaNormalization.toParsingForm(registered) + "; predictions: "
                    + SchemaNormalization.toParsingForm(derived));
        }
        return latest.id();
    }

    private static Schema schemaOf(Tensor t) {
        Schema element;
        switch (t.type()) {
            case FLOAT: element = Schema.create(Schema.Type.FLOAT); break;
            case DOUBLE: element = Schema.create(Schema.Type.DOUBLE); break;
            case INT32: element = Schema.create(Schema.Type.INT); break;
            case INT64: element = Schema.create(Schema.Type.LONG); break;
            case BOOL: element = Schema.create(Schema.Type.BOOLEAN); break;
            case STRING: element = Schema.create(Schema.Type.STRING); break;
            default: element = Schema.create(Schema.Type.BYTES); break;
        }
        Schema s = element;
        for (int i = 0; i < t.rank(); i++) {
            s = Schema.createArray(s);
        }
        return s;
    }

    private static String avroName(String name, Set<String> used) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9');
            s.append(ok ? c : '_');
        }
        if (s.length() == 0 || (name.charAt(0) >= '0' && name.charAt(0) <= '9')) {
            s.insert(0, '_');
        }
        String base = s.toString();
        String unique = base;
        for (int n = 2; !used.add(unique); n++) {
            unique = base + "_" + n;
        }
        return unique;
    }

    private static void writeValue(BinaryEncoder e, Schema schema, Tensor t) throws IOException {
        if (t.isScalar()) {
            writeElement(e, t, 0);
            return;
        }
        writeDimension(e, t, t.shape(), 0, 0);
    }

    private static int writeDimension(BinaryEncoder e, Tensor t, long[] shape, int dim, int index) throws IOException {
        e.writeArrayStart();
        e.setItemCount(shape[dim]);
        int i = index;
        for (long k = 0; k < shape[dim]; k++) {
            e.startItem();
            if (dim == shape.length - 1) {
                writeElement(e, t, i++);
            } else {
                i = writeDimension(e, t, shape, dim + 1, i);
            }
        }
        e.writeArrayEnd();
        return i;
    }

    private static void writeElement(BinaryEncoder e, Tensor t, int i) throws IOException {
        switch (t.type()) {
            case FLOAT: e.writeFloat(t.asFloats()[i]); break;
            case DOUBLE: e.writeDouble(t.asDoubles()[i]); break;
            case INT32: e.writeInt(t.asInts()[i]); break;
            case INT64: e.writeLong(t.asLongs()[i]); break;
            case BOOL: e.writeBoolean(t.asBooleans()[i]); break;
            case STRING: e.writeString(t.asStrings()[i]); break;
            default: e.writeBytes(t.asBytes()[i]); break;
        }
    }

    private static void writeOptionalString(BinaryEncoder e, String s) throws IOException {
        if (s == null) {
            e.writeIndex(0);
        } else {
            e.writeIndex(1);
            e.writeString(s);
        }
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
