package io.inferstream.serve;

import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ScratchDirectory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * serve's REST throughput and latency, closed loop on 127.0.0.1: C clients each sending v2 infer requests of R
 * records of a 16-float ONNX dense network back to back for S seconds (after S/3 of warm-up), in two rounds: one-record
 * requests from 32 clients (what the dynamic batcher merges), and 64-record requests from 4 clients. Uses only
 * {@link InferenceServer}'s public API, so the same class measures any version of the server. Run with
 * {@code bin/bench serve [--seconds S]}; not a test.
 */
public final class ServeBench {
    private ServeBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = 10;
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--seconds")) {
                seconds = Integer.parseInt(args[i + 1]);
            }
        }
        DenseNetwork net = DenseNetwork.random(16, 32, 4, 5);
        try (ScratchDirectory dir = ScratchDirectory.create("serve-bench")) {
            Path onnx = Files.write(dir.path().resolve("dense.onnx"), OnnxModelWriter.denseNetwork(net));
            ModelRegistry registry = ModelRegistry.discover();
            try (InferenceServer server = InferenceServer.builder().restPort(0).grpcPort(-1).maxBatchSize(64)
                    .model("dense", registry.load(ModelSource.of(onnx), "onnx", Map.of())).start()) {
                String url = "http://127.0.0.1:" + server.restPort() + "/v2/models/dense/infer";
                System.out.println("| requests | clients | requests/s | records/s | p50 ms | p99 ms | errors |");
                System.out.println("|---|---:|---:|---:|---:|---:|---:|");
                round(url, net, 1, 32, seconds);
                round(url, net, 64, 4, seconds);
            }
        }
    }

    private static void round(String url, DenseNetwork net, int records, int clients, int seconds) throws Exception {
        float[][] rows = net.sampleInputs(records, 3);
        StringBuilder data = new StringBuilder();
        for (float[] r : rows) {
            for (float f : r) {
                data.append(data.length() == 0 ? "" : ",").append(f);
            }
        }
        String body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[" + records + ",16],\"datatype\":\"FP32\","
                + "\"data\":[" + data + "]}]}";
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(4)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        run(client, request, clients, seconds * 1000L / 3, null); // warm-up
        AtomicLong errors = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        long start = System.nanoTime();
        int done = run(client, request, clients, seconds * 1000L, new Collector(latencies, errors));
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).filter(l -> l > 0).sorted().toArray();
        System.out.printf(Locale.ROOT, "| %d record%s | %d | %.0f | %.0f | %.2f | %.2f | %d |%n", records,
                records == 1 ? "" : "s", clients, done / elapsed, done * records / elapsed,
                all[all.length / 2] / 1e6, all[(int) (all.length * 0.99)] / 1e6, errors.get());
    }

    /** Where a measured round puts each client's latencies (nanoseconds) and its errors. */
    private static final class Collector {
        final List<long[]> latencies;
        final AtomicLong errors;

        Collector(List<long[]> latencies, AtomicLong errors) {
            this.latencies = latencies;
            this.errors = errors;
        }
    }

    private static int run(HttpClient client, HttpRequest request, int clients, long millis, Collector into)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long end = System.nanoTime() + millis * 1_000_000L;
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            futures.add(pool.submit(() -> {
                long[] lat = new long[1 << 20];
                int n = 0;
                while (System.nanoTime() < end && n < lat.length) {
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200 && into != null) {
                        into.errors.incrementAndGet();
                    }
                    lat[n++] = System.nanoTime() - t0;
                }
                return Arrays.copyOf(lat, n);
            }));
        }
        int total = 0;
        for (Future<long[]> f : futures) {
            long[] l = f.get();
            total += l.length;
            if (into != null) {
                synchronized (into.latencies) {
                    into.latencies.add(l);
                }
            }
        }
        pool.shutdown();
        return total;
    }
}
