package io.inferstream.bench;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import io.inferstream.codec.Float32RecordDecoder;
import io.inferstream.codec.RecordCodecs;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.DataType;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.testkit.registry.SchemaRegistryStandIn;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Decode rate, in process and on one thread, of the same records in each input codec: the demo's image (784 floats)
 * and a tabular record (10 numbers), as JSON, raw float32 (image only), Avro in the registry's wire format (schema
 * fetched once from the registry stand-in, then cached) and Protobuf (a descriptor set). Each decoder is made the
 * way the engine makes it ({@link RecordCodecs#decoder(EngineConfig, ModelInfo)}). Prints a markdown table with each
 * rate and its ratio to JSON.
 *
 * <p>Usage: {@code bin/bench codecs [--seconds S]} (per row; default 3).
 *
 * <p>Thread safety: a main program.
 */
public final class CodecBenchmark {
    private static final int POOL = 1024;

    private CodecBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = 3;
        for (int i = 0; i + 1 < args.length; i += 2) {
            if ("--seconds".equals(args[i])) {
                seconds = Double.parseDouble(args[i + 1]);
            } else {
                throw new IllegalArgumentException("unknown option " + args[i] + "; use --seconds S");
            }
        }
        Path dir = Files.createTempDirectory("codec-bench");
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            Map<String, Double> rates = new LinkedHashMap<>();
            float[][] images = DenseNetwork.mnistSized().sampleInputs(POOL, 7);
            double[][] rows = new double[POOL][10];
            Random random = new Random(8);
            for (double[] row : rows) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = random.nextGaussian() * 100;
                }
            }
            ModelInfo image = ModelInfo.builder("bench").name("image").version("1")
                    .input(FieldSpec.tensor("input", DataType.FLOAT, 784)).output(FieldSpec.scalar("y", DataType.FLOAT))
                    .build();
            ModelInfo.Builder tb = ModelInfo.builder("bench").name("tabular").version("1");
            for (int j = 0; j < 10; j++) {
                tb.input(FieldSpec.scalar("f" + j, DataType.DOUBLE));
            }
            ModelInfo tabular = tb.output(FieldSpec.scalar("y", DataType.FLOAT)).build();

            List<byte[]> json = new ArrayList<>();
            List<byte[]> floats = new ArrayList<>();
            for (float[] x : images) {
                StringBuilder s = new StringBuilder("{\"input\":[");
                for (int j = 0; j < x.length; j++) {
                    s.append(j == 0 ? "" : ",").append(x[j]);
                }
                json.add(s.append("]}").toString().getBytes(StandardCharsets.UTF_8));
                floats.add(Float32RecordDecoder.encode(x));
            }
            rates.put("image json", rate(RecordCodecs.decoder(config(Map.of()), image), json, seconds));
            rates.put("image float32", rate(new Float32RecordDecoder(image, false), floats, seconds));
            Schema imageSchema = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Image\",\"fields\":["
                    + "{\"name\":\"input\",\"type\":{\"type\":\"array\",\"items\":\"float\"}}]}");
            int imageId = registry.register("images-value", "AVRO", imageSchema.toString());
            List<byte[]> avro = new ArrayList<>();
            for (float[] x : images) {
                GenericRecord r = new GenericData.Record(imageSchema);
                List<Float> list = new ArrayList<>();
                for (float f : x) {
                    list.add(f);
                }
                r.put("input", list);
                avro.add(framed(imageId, imageSchema, r));
            }
            RecordDecoder avroImage = RecordCodecs.decoder(config(Map.of(EngineConfig.INPUT_CODEC, "avro",
                    EngineConfig.SCHEMA_REGISTRY_URL, registry.url())), image);
            rates.put("image avro", rate(avroImage, avro, seconds));
            Descriptor imageType = message("Image", List.of("input"), true);
            List<byte[]> proto = new ArrayList<>();
            for (float[] x : images) {
                DynamicMessage.Builder m = DynamicMessage.newBuilder(imageType);
                for (float f : x) {
                    m.addRepeatedField(imageType.findFieldByName("input"), f);
                }
                proto.add(m.build().toByteArray());
            }
            rates.put("image protobuf", rate(protobufDecoder(dir, imageType, image), proto, seconds));

            List<byte[]> tjson = new ArrayList<>();
            List<byte[]> tavro = new ArrayList<>();
            List<byte[]> tproto = new ArrayList<>();
            List<String> names = new ArrayList<>();
            StringBuilder fields = new StringBuilder();
            for (int j = 0; j < 10; j++) {
                names.add("f" + j);
                fields.append(j == 0 ? "" : ",").append("{\"name\":\"f").append(j).append("\",\"type\":\"double\"}");
            }
            Schema rowSchema = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Row\",\"fields\":[" + fields + "]}");
            int rowId = registry.register("rows-value", "AVRO", rowSchema.toString());
            Descriptor rowType = message("Row", names, false);
            for (double[] row : rows) {
                StringBuilder s = new StringBuilder("{");
                GenericRecord r = new GenericData.Record(rowSchema);
                DynamicMessage.Builder m = DynamicMessage.newBuilder(rowType);
                for (int j = 0; j < row.length; j++) {
                    s.append(j == 0 ? "" : ",").append("\"f").append(j).append("\":").append(row[j]);
                    r.put("f" + j, row[j]);
                    m.setField(rowType.findFieldByName("f" + j), row[j]);
                }
                tjson.add(s.append('}').toString().getBytes(StandardCharsets.UTF_8));
                tavro.add(framed(rowId, rowSchema, r));
                tproto.add(m.build().toByteArray());
            }
            rates.put("tabular json", rate(RecordCodecs.decoder(config(Map.of()), tabular), tjson, seconds));
            rates.put("tabular avro", rate(RecordCodecs.decoder(config(Map.of(EngineConfig.INPUT_CODEC, "avro",
                    EngineConfig.SCHEMA_REGISTRY_URL, registry.url())), tabular), tavro, seconds));
            rates.put("tabular protobuf", rate(protobufDecoder(dir, rowType, tabular), tproto, seconds));

            System.out.println("| record | bytes | decoded per second (one thread) | vs JSON |");
            System.out.println("|---|---|---|---|");
            Map<String, Integer> sizes = new HashMap<>();
            sizes.put("image json", json.get(0).length);
            sizes.put("image float32", floats.get(0).length);
            sizes.put("image avro", avro.get(0).length);
            sizes.put("image protobuf", proto.get(0).length);
            sizes.put("tabular json", tjson.get(0).length);
            sizes.put("tabular avro", tavro.get(0).length);
            sizes.put("tabular protobuf", tproto.get(0).length);
            rates.forEach((name, r) -> System.out.printf("| %s | %,d | %,.0f | %.1f× |%n", name, sizes.get(name), r,
                    r / rates.get(name.startsWith("image") ? "image json" : "tabular json")));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static EngineConfig config(Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(Map.of(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092",
                EngineConfig.GROUP_ID, "bench", EngineConfig.INPUT_TOPICS, "bench", EngineConfig.OUTPUT_TOPIC, "out",
                EngineConfig.DEAD_LETTER_TOPIC, "dlt", EngineConfig.MODEL_PATH, "none.onnx"));
        p.putAll(extra);
        return new EngineConfig(p);
    }

    private static byte[] framed(int id, Schema schema, GenericRecord r) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(5).put((byte) 0).putInt(id).array());
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(r, e);
        e.flush();
        return out.toByteArray();
    }

    /** A proto3 message in package bench: one repeated float field, or one double field per name. */
    private static Descriptor message(String name, List<String> fields, boolean repeatedFloats) throws Exception {
        DescriptorProto.Builder m = DescriptorProto.newBuilder().setName(name);
        for (int i = 0; i < fields.size(); i++) {
            m.addField(FieldDescriptorProto.newBuilder().setName(fields.get(i)).setNumber(i + 1)
                    .setType(repeatedFloats ? FieldDescriptorProto.Type.TYPE_FLOAT : FieldDescriptorProto.Type.TYPE_DOUBLE)
                    .setLabel(repeatedFloats ? FieldDescriptorProto.Label.LABEL_REPEATED
                            : FieldDescriptorProto.Label.LABEL_OPTIONAL));
        }
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName(name + ".proto").setPackage("bench")
                .setSyntax("proto3").addMessageType(m).build();
        return FileDescriptor.buildFrom(file, new FileDescriptor[0]).findMessageTypeByName(name);
    }

    private static RecordDecoder protobufDecoder(Path dir, Descriptor type, ModelInfo model) throws Exception {
        Path set = dir.resolve(type.getName() + ".desc");
        Files.write(set, FileDescriptorSet.newBuilder().addFile(type.getFile().toProto()).build().toByteArray());
        return RecordCodecs.decoder(config(Map.of(EngineConfig.INPUT_CODEC, "protobuf",
                EngineConfig.INPUT_PROTOBUF_DESCRIPTOR_SET, set.toString(),
                EngineConfig.INPUT_PROTOBUF_MESSAGE, "bench." + type.getName())), model);
    }

    /** @return records decoded per second, after a warm-up of a third of the time */
    private static double rate(RecordDecoder decoder, List<byte[]> pool, double seconds) throws Exception {
        long sink = 0;
        long warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
        int i = 0;
        while (System.nanoTime() < warmEnd) {
            sink += decoder.decode(pool.get(i++ & (POOL - 1))).names().size();
        }
        long n = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            for (int k = 0; k < 256; k++) {
                sink += decoder.decode(pool.get(i++ & (POOL - 1))).names().size();
            }
            n += 256;
        }
        if (sink == 42) {
            System.out.print(""); // keeps the results alive
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }
}
