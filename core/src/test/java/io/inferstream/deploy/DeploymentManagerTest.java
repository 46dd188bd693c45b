package io.inferstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ForwardingModel;
import io.inferstream.model.InferenceException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.RetriableInferenceException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The manager's rules with a source driven by the test and small plain-Java models: a rejected version never
 * replaces a serving one, a routing that needs a rejected version is not applied, and a retired version is closed
 * only after the last batch that used it released its snapshot.
 */
class DeploymentManagerTest {

    /** y = x * factor; counts closes. */
    static final class ScaleModel implements Model {
        final double factor;
        final int inputs;
        final AtomicInteger closes = new AtomicInteger();
        final boolean failOnPredict;

        ScaleModel(double factor, int inputs, boolean failOnPredict) {
            this.factor = factor;
            this.inputs = inputs;
            this.failOnPredict = failOnPredict;
        }

        @Override
        public ModelInfo info() {
            return ModelInfo.builder("test").name("scale").input(FieldSpec.tensor("x", DataType.DOUBLE, inputs))
                    .output(FieldSpec.scalar("y", DataType.DOUBLE)).threadSafe(true).build();
        }

        @Override
        public List<Prediction> predict(List<Features> batch) {
            if (failOnPredict) {
                throw new IllegalStateException("broken model");
            }
            List<Prediction> out = new ArrayList<>();
            for (Features f : batch) {
                out.add(Prediction.builder().output("y", Tensor.scalar(f.get("x").getDouble(0) * factor)).build());
            }
            return out;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    /** A source whose state the test sets. */
    static final class TestSource implements DeploymentSource {
        final Map<String, VersionSpec> versions = new HashMap<>();
        final List<VersionStatus> reports = new CopyOnWriteArrayList<>();
        RoutingSpec routing;
        Consumer<DeploymentSpec> listener;

        void offer(String version, Model model) {
            versions.put(version, VersionSpec.of(version, "test", "fp-" + version, () -> model));
        }

        DeploymentSpec spec() {
            return new DeploymentSpec("scale", new ArrayList<>(versions.values()), routing);
        }

        @Override
        public DeploymentSpec initial(Duration timeout) {
            return spec();
        }

        @Override
        public void start(Consumer<DeploymentSpec> l) {
            this.listener = l;
        }

        void publish() {
            listener.accept(spec());
        }

        @Override
        public void report(VersionStatus status) {
            reports.add(status);
        }

        @Override
        public String describe() {
            return "test source";
        }

        @Override
        public void close() {
        }
    }

    private static DeploymentManager manager(TestSource source, TrafficSample traffic) {
        return new DeploymentManager(source, new DeploymentSettings(1, info -> new JsonRecordDecoder(info, Map.of(), false),
                List.of(), "", 4, List.of(), true), traffic);
    }

    private static void awaitGeneration(DeploymentManager m, long generation) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (m.peek().get().generation() < generation) {
            assertTrue(System.currentTimeMillis() < deadline, "generation " + generation + " not reached");
            Thread.sleep(5);
        }
    }

    private static void awaitRejections(DeploymentManager m, long n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (m.rejections() < n) {
            assertTrue(System.currentTimeMillis() < deadline, n + " rejections not reached");
            Thread.sleep(5);
        }
    }

    @Test
    void newestVersionThatLoadsServesAndARejectedOneNeverReplacesIt() throws Exception {
        TestSource source = new TestSource();
        ScaleModel v1 = new ScaleModel(1, 1, false);
        source.offer("1", v1);
        TrafficSample traffic = new TrafficSample(4);
        traffic.offer("{\"x\":[2.0]}".getBytes(StandardCharsets.UTF_8));
        try (DeploymentManager m = manager(source, traffic)) {
            m.start(Duration.ofSeconds(5));
            assertEquals("1", m.peek().get().serving().get(0).version());

            ScaleModel broken = new ScaleModel(2, 1, true);
            source.offer("2", broken);
            source.publish();
            awaitRejections(m, 1);
            assertEquals("1", m.peek().get().serving().get(0).version(), "the broken version 2 does not serve");
            assertEquals(1, broken.closes.get(), "the rejected instance is closed");

            ScaleModel wrongWidth = new ScaleModel(3, 2, false);
            source.offer("3", wrongWidth);
            source.publish();
            awaitRejections(m, 2);
            VersionStatus rejected = source.reports.stream()
                    .filter(r -> r.version().equals("3") && r.state() == VersionStatus.State.REJECTED).findFirst().get();
            assertTrue(rejected.reason().contains("cannot read the records the serving version scores"),
                    rejected.reason());
            assertEquals("1", m.peek().get().serving().get(0).version());
            assertEquals(0, m.swaps());

            ScaleModel v4 = new ScaleModel(4, 1, false);
            source.offer("4", v4);
            source.publish();
            awaitGeneration(m, 2);
            assertEquals("4", m.peek().get().serving().get(0).version());
            assertEquals("4", m.peek().get().serving().get(0).info().version(), "predictions carry the deployment's version");
            long deadline = System.currentTimeMillis() + 10_000; // retiring follows the publication on the loader thread
            while (v1.closes.get() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, v1.closes.get(), "version 1 is retired and closed once no snapshot holds it");
        }
    }

    @Test
    void aVersionWhoseWarmUpCannotBeAnsweredNowIsAcceptedForItsBatchesWaitForTheServer() throws Exception {
        TestSource source = new TestSource();
        AtomicInteger asked = new AtomicInteger();
        source.offer("1", new ForwardingModel(new ScaleModel(1, 1, false)) {
            @Override
            public List<Prediction> predict(List<Features> batch) throws InferenceException {
                asked.incrementAndGet();
                throw new RetriableInferenceException("503 Service Unavailable", null);
            }
        });
        try (DeploymentManager m = manager(source, new TrafficSample(4))) {
            m.start(Duration.ofSeconds(5));
            assertEquals("1", m.peek().get().serving().get(0).version(), "served, not rejected");
            assertTrue(asked.get() > 0, "the warm-up did ask");
        }
    }

    @Test
    void aRoutingThatNeedsARejectedVersionIsNotApplied() throws Exception {
        TestSource source = new TestSource();
        source.offer("1", new ScaleModel(1, 1, false));
        source.offer("2", new ScaleModel(2, 1, true));
        source.routing = RoutingSpec.single("1");
        try (DeploymentManager m = manager(source, new TrafficSample(4))) {
            m.start(Duration.ofSeconds(5));
            source.routing = RoutingSpec.parse("1=50,2=50", "", true);
            source.publish();
            awaitRejections(m, 2); // the version, then the routing
            assertEquals(RoutingSpec.single("1"), m.peek().get().routing());
        }
    }

    @Test
    void aRetiredVersionIsClosedOnlyAfterTheLastBatchThatUsesItEnds() throws Exception {
        TestSource source = new TestSource();
        ScaleModel v1 = new ScaleModel(1, 1, false);
        source.offer("1", v1);
        try (DeploymentManager m = manager(source, new TrafficSample(4))) {
            m.start(Duration.ofSeconds(5));
            Deployment inFlight = m.acquire();
            source.versions.clear();
            source.offer("2", new ScaleModel(2, 1, false));
            source.publish();
            awaitGeneration(m, 2);
            Thread.sleep(200); // let the loader thread retire version 1: it must still not close it
            assertEquals(0, v1.closes.get(), "a batch still uses version 1");
            assertFalse(inFlight.serving().get(0).isClosed());
            inFlight.release();
            assertEquals(1, v1.closes.get(), "closed when that batch ended");
        }
    }

    @Test
    void nothingToServeFailsStartWithEveryReason() {
        TestSource source = new TestSource();
        source.offer("1", new ScaleModel(1, 1, true));
        source.versions.put("2", VersionSpec.defective("2", "test", "x", "SHA-256 mismatch"));
        DeploymentManager m = manager(source, new TrafficSample(4));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> m.start(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("version 2: SHA-256 mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("version 1: failed during warm-up"), e.getMessage());
        m.close();
    }

    @Test
    void stickyRoutingKeepsKeysAndSplitsByWeight() {
        TestSource source = new TestSource();
        Map<String, DeployedVersion> versions = new HashMap<>();
        for (String v : List.of("1", "2")) {
            versions.put(v, new DeployedVersion(v, "fp", List.of(new ScaleModel(1, 1, false)),
                    value -> Features.empty()));
        }
        Deployment d = new Deployment(1, RoutingSpec.parse("1=80,2=20", "", true), versions);
        int toTwo = 0;
        for (int k = 0; k < 20_000; k++) {
            byte[] key = ("user-" + k).getBytes(StandardCharsets.UTF_8);
            DeployedVersion first = d.route(key);
            assertSame(first, d.route(key), "sticky");
            if (first.version().equals("2")) {
                toTwo++;
            }
        }
        assertEquals(20.0, toTwo / 200.0, 2.0, "share of version 2");
        assertEquals(Deployment.bucketOf("user-1".getBytes(StandardCharsets.UTF_8)),
                Deployment.bucketOf("user-1".getBytes(StandardCharsets.UTF_8)));
        assertTrue(source.versions.isEmpty());
    }

    @Test
    void routingSpecsAreCheckedWithClearMessages() {
        assertEquals("weights 1=90,2=10, shadow 3", RoutingSpec.parse("1=90, 2=10", "3", true).toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RoutingSpec.parse("1=0", "", true))
                .getMessage().contains("at least one version with a weight above 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RoutingSpec.parse("1=50,x=50", "", true))
                .getMessage().contains("whole number above 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RoutingSpec.parse("1=50,2=50", "2", true))
                .getMessage().contains("cannot both serve"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RoutingSpec.parse("1=ninety", "", true))
                .getMessage().contains("whole number"));
        assertEquals(Set.of("1", "3"), RoutingSpec.parse("01=1", "3", true).versions());
    }
}
