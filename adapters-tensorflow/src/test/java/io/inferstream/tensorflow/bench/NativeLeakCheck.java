package io.inferstream.tensorflow.bench;

import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.Model;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.tensorflow.TensorFlowModelLoader;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A benchmark, not a test: shows that loading and closing a TensorFlow model, and scoring with it, leaks no
 * native memory. It exports {@link DenseNetwork#mnistSized()} (784→35→10) as a SavedModel, then
 * <ol>
 *   <li>loads it from a {@code .zip} in memory (unpack, load, score one batch, close, delete) 100 times;</li>
 *   <li>loads it once and scores 1,000,000 rows in batches of 500,</li>
 * </ol>
 * printing the process's resident memory (VmRSS from {@code /proc/self/status}) along the way. A leak shows as
 * RSS that keeps climbing after the first rounds; allocator caches make the first rounds grow a little.
 *
 * <p>Run (after {@code mvn -pl adapters-tensorflow install -DskipTests} or a test-compile):
 * <pre>mvn -q -o -pl adapters-tensorflow exec:exec@native-leak-check</pre>
 * Arguments: {@code cycles rows batch} (default {@code 100 1000000 500}; from Maven {@code -Dleak.cycles=},
 * {@code -Dleak.rows=}, {@code -Dleak.batch=}).
 *
 * <p>Thread safety: a single-threaded program.
 */
public final class NativeLeakCheck {
    private NativeLeakCheck() {
    }

    /** @return the resident set size in MB, from /proc/self/status (Linux). */
    static double rssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }

    private static double heapMb() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
    }

    private static void report(String phase, long step, long t0) throws IOException {
        System.out.printf("%-8s %9d   rss %8.1f MB   java heap %6.1f MB   %6.1f s%n", phase, step, rssMb(), heapMb(),
                (System.nanoTime() - t0) / 1e9);
    }

    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        long totalRows = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000L;
        int batchSize = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        long t0 = System.nanoTime();
        System.out.printf("start: rss %.1f MB, javacpp cache %s%n", rssMb(),
                System.getProperty("org.bytedeco.javacpp.cachedir", "~/.javacpp/cache"));

        Path work = Files.createTempDirectory("tf-leak-check-");
        try {
            DenseNetwork net = DenseNetwork.mnistSized();
            long exportStart = System.nanoTime();
            Path saved = SavedModelFixtures.denseNetwork(net, work.resolve("mnist"));
            System.out.printf("first TensorFlow use (native load, export): %.1f s, TensorFlow %s%n",
                    (System.nanoTime() - exportStart) / 1e9, org.tensorflow.TensorFlow.version());
            byte[] zip = Files.readAllBytes(SavedModelFixtures.zip(saved, work.resolve("mnist.zip")));

            List<Features> batch = new ArrayList<>(batchSize);
            for (float[] x : net.sampleInputs(batchSize, 1)) {
                batch.add(Features.of("input", Tensor.ofFloats(x)));
            }
            TensorFlowModelLoader loader = new TensorFlowModelLoader();

            report("loaded", 0, t0);
            double loadStart = rssMb();
            for (int i = 1; i <= cycles; i++) {
                try (Model model = loader.load(ModelSource.of(zip, "mnist.zip"), Map.of())) {
                    model.predict(batch.subList(0, Math.min(64, batch.size())));
                }
                if (i == Math.min(10, cycles)) {
                    loadStart = rssMb();
                }
                if (i % 10 == 0 || i == cycles) {
                    report("cycle", i, t0);
                }
            }
            double loadEnd = rssMb();
            long leftovers = countUnpackedDirs();

            double scoreStart = 0;
            try (Model model = loader.load(ModelSource.of(saved), Map.of())) {
                long scored = 0;
                long next = totalRows / 10;
                long scoreT0 = System.nanoTime();
                while (scored < totalRows) {
                    model.predict(batch);
                    scored += batch.size();
                    if (scored >= next || scored >= totalRows) {
                        report("rows", scored, t0);
                        if (scoreStart == 0) {
                            scoreStart = rssMb();
                        }
                        next += totalRows / 10;
                    }
                }
                double seconds = (System.nanoTime() - scoreT0) / 1e9;
                System.out.printf("scored %d rows in %.1f s: %.0f rows/s (batch %d, one session call per batch)%n",
                        scored, seconds, scored / seconds, batchSize);
            }
            double scoreEnd = rssMb();
            System.out.printf("RSS change over load/close cycles %d..%d: %+.1f MB; over scoring after the first 10%%: %+.1f MB;"
                    + " unpacked model dirs left in %s: %d%n", Math.min(10, cycles), cycles, loadEnd - loadStart, scoreEnd - scoreStart,
                    System.getProperty("java.io.tmpdir"), leftovers);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long countUnpackedDirs() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("inferstream-tf-")).count();
        }
    }
}
