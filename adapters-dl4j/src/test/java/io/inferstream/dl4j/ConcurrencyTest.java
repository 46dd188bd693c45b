package io.inferstream.dl4j;

import static io.inferstream.dl4j.Rows.maxAbsDiff;
import static io.inferstream.dl4j.Rows.rows;
import static io.inferstream.dl4j.Rows.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Prediction;
import io.inferstream.dl4j.fixtures.Dl4jFixtures;
import io.inferstream.model.Model;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why the adapter declares DL4J models not thread-safe, and that the engine's answer (one model per worker)
 * is right.
 *
 * <p>DL4J 1.0.0-M2.1 guards a network's {@code output()} with the network's own monitor (DL4J issue 5862 chose
 * "enforce sequential access" over failing), so one network shared by several workers gives right answers but
 * runs one batch at a time: the workers queue behind each other instead of using the cores. The test shows that
 * deterministically, with no timing guesses, by holding the monitor: a predict on the same network blocks, a
 * predict on the worker's own copy does not. Per-worker copies under real concurrency are then checked against the
 * plain-Java forward pass, batch by batch.
 */
class ConcurrencyTest {
    private static final DenseNetwork NETWORK = DenseNetwork.random(32, 16, 5, 99);
    private static final int THREADS = 4;

    @TempDir
    static Path dir;
    static Path file;
    static ExecutorService pool;

    @BeforeAll
    static void setUp() throws Exception {
        file = Dl4jFixtures.writeDenseNetwork(NETWORK, dir.resolve("dense.zip"));
        pool = Executors.newFixedThreadPool(THREADS);
    }

    @AfterAll
    static void tearDown() {
        pool.shutdownNow();
    }

    private static Model load() throws Exception {
        return new Dl4jModelLoader().load(ModelSource.of(file), Map.of());
    }

    /** Waits until the thread is blocked on a monitor, or fails after 10 s. */
    private static void awaitBlocked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.BLOCKED) {
            assertTrue(System.nanoTime() < deadline, "the worker never blocked; its state is " + t.getState());
            Thread.sleep(5);
        }
    }

    @Test
    void aSharedNetworkRunsOneBatchAtATimeWhileAWorkersOwnCopyRunsAtOnce() throws Exception {
        float[][] inputs = NETWORK.sampleInputs(8, 1);
        try (Model shared = load(); Model copy = load()) {
            shared.predict(rows("input", inputs)); // warm up outside the lock
            Thread[] worker = new Thread[1];
            Future<List<Prediction>> onShared;
            // Holding the network's monitor stands for another worker's output() call in progress on it.
            synchronized (((Dl4jModel) shared).network()) {
                onShared = pool.submit(() -> {
                    worker[0] = Thread.currentThread();
                    return shared.predict(rows("input", inputs));
                });
                while (worker[0] == null) {
                    Thread.sleep(1);
                }
                awaitBlocked(worker[0]);
                assertFalse(onShared.isDone(), "a second batch on the same network waits for the first");

                List<Prediction> fromCopy = pool.submit(() -> copy.predict(rows("input", inputs))).get(30, TimeUnit.SECONDS);
                assertEquals(inputs.length, fromCopy.size(), "a worker's own copy scores while the other network is busy");
            }
            List<Prediction> released = onShared.get(30, TimeUnit.SECONDS);
            for (int i = 0; i < inputs.length; i++) {
                assertTrue(maxAbsDiff(NETWORK.forward(inputs[i]), values(released.get(i), "probs")) <= 1e-5);
            }
        }
    }

    @Test
    void perWorkerCopiesScoreConcurrentlyAndAlwaysRight() throws Exception {
        List<Model> models = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                models.add(load()); // what the engine does for a model that is not thread-safe
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Model model = models.get(t);
                int seed = t;
                Callable<Integer> worker = () -> {
                    start.await();
                    int checked = 0;
                    for (int b = 0; b < 25; b++) {
                        // Every worker and batch has its own inputs and batch size, so a mix-up would show.
                        float[][] inputs = NETWORK.sampleInputs(1 + (b * 7 + seed) % 40, seed * 1000L + b);
                        List<Prediction> out = model.predict(rows("input", inputs));
                        for (int i = 0; i < inputs.length; i++) {
                            double diff = maxAbsDiff(NETWORK.forward(inputs[i]), values(out.get(i), "probs"));
                            if (diff > 1e-5) {
                                throw new AssertionError("worker " + seed + " batch " + b + " row " + i + " off by " + diff);
                            }
                            checked++;
                        }
                    }
                    return checked;
                };
                results.add(pool.submit(worker));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(total > THREADS * 25, "rows checked: " + total);
        } finally {
            models.forEach(Model::close);
        }
    }
}
