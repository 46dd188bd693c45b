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
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.testkit.registry.SchemaRegistryStandIn;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * The same records in each input codec, side by side in one run: the demo's image (784 floats as an array field) and
 * a tabular record (10 numbers), as JSON, raw float32 (image only), Avro in the registry's wire format (schema
 * fetched once from the registry stand-in, then cached) and Protobuf (a descriptor set). For each: the decode rate in
 * process on one thread (each decoder made the way the engine makes it,
 * {@link RecordCodecs#decoder(EngineConfig, ModelInfo)}) and its ratio to JSON's; then, on one in-process broker,
 * the raw Kafka consume → produce pipe and the engine end to end (ONNX MLP 784→35→10 for the image, XGBoost's
 * 50-tree GBM for the tabular record; JSON predictions) on a backlog of that payload, rounds in shuffled order, and
 * the engine's rate over the pipe's taken round by round. Prints a markdown table.
 *
 * <p>Usage: {@code bin/bench codecs [--seconds S] [--records N] [--rounds R] [--workers W] [--batch-size B]
 * [--end-to-end false]}: S seconds per in-process row (default 3); N image records per end-to-end row (default
 * 30000; tabular rows get 10×), R measured rounds after one warm-up round (default 3).
 *
 * <p>Thread safety: a main program.
 */
public final class CodecBenchmark {
    private static final int POOL = 1024;
    private static final int PARTITIONS = 4;

    /** One row: a payload in one codec, the engine keys that read it, its records and its model. */
    private record Payload(String name, boolean image, Map<String, Object> codecKeys, List<byte[]> records) {
        String slug() {
            return name.replace(' ', '-');
        }
    }

    private CodecBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchEngines.options(args);
        for (String key : opts.keySet()) {
            if (!List.of("seconds", "records", "rounds", "workers", "batch-size", "end-to-end").contains(key)) {
                throw new IllegalArgumentException("unknown option --" + key + "; use --seconds S --records N --rounds R "
                        + "--workers W --batch-size B --end-to-end false");
            }
        }
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "3"));
        Path dir = Files.createTempDirectory("codec-bench");
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            ModelInfo image = ModelInfo.builder("bench").name("image").version("1")
                    .input(FieldSpec.tensor("input", DataType.FLOAT, 784)).output(FieldSpec.scalar("y", DataType.FLOAT))
                    .build();
            ModelInfo.Builder tb = ModelInfo.builder("bench").name("tabular").version("1");
            for (int j = 0; j < 10; j++) {
                tb.input(FieldSpec.scalar("f" + j, DataType.DOUBLE));
            }
            ModelInfo tabular = tb.output(FieldSpec.scalar("y", DataType.FLOAT)).build();
            List<Payload> payloads = payloads(registry, dir);

            Map<String, Double> rates = new LinkedHashMap<>();
            for (Payload p : payloads) {
                rates.put(p.name, rate(RecordCodecs.decoder(config(p.codecKeys), p.image ? image : tabular), p.records,
                        seconds));
                System.out.printf("  %-18s %,12.0f decoded/s%n", p.name, rates.get(p.name));
            }
            Map<String, List<Double>> pipe = new HashMap<>();
            Map<String, List<Double>> engine = new HashMap<>();
            Map<String, List<Double>> ratio = new HashMap<>();
            if (Boolean.parseBoolean(opts.getOrDefault("end-to-end", "true"))) {
                endToEnd(opts, payloads, dir, pipe, engine, ratio);
            }

            System.out.println();
            System.out.println("| record | bytes | decoded/s in process (one thread) | vs JSON | raw Kafka pipe, records/s "
                    + "| engine end to end, records/s | engine / pipe |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (Payload p : payloads) {
                double r = rates.get(p.name);
                System.out.printf("| %s | %,d | %,.0f | %.1f× | %s | %s | %s |%n", p.name, p.records.get(0).length, r,
                        r / rates.get(p.image ? "image json" : "tabular json"), spread(pipe.get(p.name), "%,.0f"),
                        spread(engine.get(p.name), "%,.0f"), spread(ratio.get(p.name), "%.2f"));
            }
            System.out.println();
            System.out.println("End-to-end figures: median (min–max) of the measured rounds; engine / pipe is taken "
                    + "within each round. \"vs JSON\" is the decode rate over the same payload's JSON decode rate.");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
        System.exit(0); // the broker's and clients' stray threads
    }

    private static String spread(List<Double> values, String format) {
        return values == null || values.isEmpty() ? "–" : Stats.of(values).format(format);
    }

    /** The rows' records: the same images and the same tabular rows in every codec. */
    private static List<Payload> payloads(SchemaRegistryStandIn registry, Path dir) throws Exception {
        float[][] images = DenseNetwork.mnistSized().sampleInputs(POOL, 7);
        double[][] rows = new double[POOL][10];
        Random random = new Random(8);
        for (double[] row : rows) {
            for (int j = 0; j < row.length; j++) {
                row[j] = random.nextGaussian() * 100;
            }
        }
        List<byte[]> json = new ArrayList<>();
        List<byte[]> floats = new ArrayList<>();
        for (float[] x : images) {
            json.add(DenseNetwork.toJson(x).getBytes(StandardCharsets.UTF_8));
            floats.add(Float32RecordDecoder.encode(x));
        }
        Schema imageSchema = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Image\",\"fields\":["
                + "{\"name\":\"input\",\"type\":{\"type\":\"array\",\"items\":\"float\"}}]}");
        int imageId = registry.register("images-value", "AVRO", imageSchema.toString());
        List<byte[]> avro = new ArrayList<>();
        Descriptor imageType = message("Image", List.of("input"), true);
        List<byte[]> proto = new ArrayList<>();
        for (float[] x : images) {
            GenericRecord r = new GenericData.Record(imageSchema);
            List<Float> list = new ArrayList<>();
            DynamicMessage.Builder m = DynamicMessage.newBuilder(imageType);
            for (float f : x) {
                list.add(f);
                m.addRepeatedField(imageType.findFieldByName("input"), f);
            }
            r.put("input", list);
            avro.add(framed(imageId, imageSchema, r));
            proto.add(m.build().toByteArray());
        }
        Map<String, Object> avroKeys = Map.of(EngineConfig.INPUT_CODEC, "avro",
                EngineConfig.SCHEMA_REGISTRY_URL, registry.url());

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
        return List.of(
                new Payload("image json", true, Map.of(), json),
                new Payload("image float32", true, Map.of(EngineConfig.INPUT_CODEC, "float32"), floats),
                new Payload("image avro", true, avroKeys, avro),
                new Payload("image protobuf", true, protobufKeys(dir, imageType), proto),
                new Payload("tabular json", false, Map.of(), tjson),
                new Payload("tabular avro", false, avroKeys, tavro),
                new Payload("tabular protobuf", false, protobufKeys(dir, rowType), tproto));
    }

    /**
     * Per payload, a backlog on its own topic; then rounds (one warm-up) of the raw pipe and the engine on it, in an
     * order shuffled per round.
     */
    private static void endToEnd(Map<String, String> opts, List<Payload> payloads, Path dir,
            Map<String, List<Double>> pipe, Map<String, List<Double>> engine, Map<String, List<Double>> ratio)
            throws Exception {
        int records = Integer.parseInt(opts.getOrDefault("records", "30000"));
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
        int workers = Integer.parseInt(opts.getOrDefault("workers", "2"));
        int batchSize = Integer.parseInt(opts.getOrDefault("batch-size", "500"));
        ModelRegistry models = ModelRegistry.discover();
        Map<Boolean, BenchSubject> subjects = new HashMap<>();
        for (BenchSubject s : BenchSubject.all()) {
            if (s.name.equals("onnx")) {
                subjects.put(true, s);
            } else if (s.name.equals("xgboost")) {
                subjects.put(false, s);
            }
        }
        Map<Boolean, ModelSource> sources = Map.of(true, subjects.get(true).maker.make(dir),
                false, subjects.get(false).maker.make(dir));
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Map.of("group.initial.rebalance.delay.ms", "1000"))) {
            String bootstrap = broker.bootstrapServers();
            for (Payload p : payloads) {
                broker.createTopic("codec-in-" + p.slug(), PARTITIONS);
                TimedRecords.produce(bootstrap, "codec-in-" + p.slug(), p.records.toArray(new byte[0][]),
                        n(p, records), 0, null);
            }
            AtomicLong outputs = new AtomicLong();
            for (int round = 0; round <= rounds; round++) {
                List<String> order = new ArrayList<>();
                for (Payload p : payloads) {
                    order.add(p.name + "|pipe");
                    order.add(p.name + "|engine");
                }
                Collections.shuffle(order, new Random(round));
                Map<String, Double> measured = new HashMap<>();
                for (String row : order) {
                    Payload p = payloads.stream().filter(x -> row.startsWith(x.name + "|")).findFirst().orElseThrow();
                    String out = "codec-out-" + outputs.incrementAndGet();
                    double rate;
                    if (row.endsWith("|pipe")) {
                        broker.createTopic(out, PARTITIONS);
                        rate = KafkaPipe.rawPipe(bootstrap, "codec-in-" + p.slug(), out, "raw-" + out, n(p, records),
                                workers, batchSize, PARTITIONS).rate();
                    } else {
                        Map<String, Object> props = BenchEngines.properties(broker, "codec-in-" + p.slug(), out,
                                PARTITIONS, p.codecKeys);
                        props.put(EngineConfig.WORKER_THREADS, workers);
                        props.put(EngineConfig.MAX_BATCH_SIZE, batchSize);
                        BenchSubject s = subjects.get(p.image);
                        rate = KafkaPipe.engine(new EngineConfig(props),
                                () -> models.load(sources.get(p.image), s.format, Map.of()), n(p, records), PARTITIONS,
                                p.name).rate();
                    }
                    measured.put(row, rate);
                    System.out.printf("  %-8s %-24s %,12.0f records/s%n", round == 0 ? "warm-up" : "round " + round,
                            row.replace('|', ' '), rate);
                }
                if (round > 0) {
                    for (Payload p : payloads) {
                        double a = measured.get(p.name + "|pipe");
                        double b = measured.get(p.name + "|engine");
                        pipe.computeIfAbsent(p.name, k -> new ArrayList<>()).add(a);
                        engine.computeIfAbsent(p.name, k -> new ArrayList<>()).add(b);
                        ratio.computeIfAbsent(p.name, k -> new ArrayList<>()).add(b / a);
                    }
                }
            }
        }
    }

    /** @return records of a payload per end-to-end row: small tabular records move ~10× faster through Kafka */
    private static int n(Payload p, int imageRecords) {
        return p.image ? imageRecords : imageRecords * 10;
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

    /** @return the engine keys that read bare messages of this type, its descriptor set written under {@code dir} */
    private static Map<String, Object> protobufKeys(Path dir, Descriptor type) throws Exception {
        Path set = dir.resolve(type.getName() + ".desc");
        Files.write(set, FileDescriptorSet.newBuilder().addFile(type.getFile().toProto()).build().toByteArray());
        return Map.of(EngineConfig.INPUT_CODEC, "protobuf", EngineConfig.INPUT_PROTOBUF_DESCRIPTOR_SET, set.toString(),
                EngineConfig.INPUT_PROTOBUF_MESSAGE, "bench." + type.getName());
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
