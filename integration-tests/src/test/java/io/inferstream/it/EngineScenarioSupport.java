package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.ForwardingModel;
import io.inferstream.model.InferenceException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Helpers shared by the scenario tests on top of {@link EngineTestSupport}: JSON input records, header reading,
 * prediction comparison and a model wrapper that counts its instances, closes and calling threads.
 *
 * <p>Thread safety: JUnit test support; {@link TrackedModel} is thread-safe.
 */
abstract class EngineScenarioSupport extends EngineTestSupport {

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** @return the last header of that name as UTF-8 text, or null. */
    static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    }

    static void assertProbabilities(double[] want, double[] got, String where) {
        assertEquals(want.length, got.length, where + ": number of probabilities");
        for (int c = 0; c < want.length; c++) {
            assertEquals(want[c], got[c], 1e-5, where + ": probability " + c);
        }
    }

    /**
     * Wraps a real model and records, per instance, whether it was closed and which threads called predict; it can
     * also claim not to be thread-safe, so the engine must give every worker its own instance.
     */
    static final class TrackedModel extends ForwardingModel {
        final AtomicInteger closes = new AtomicInteger();
        final Set<Thread> callers = ConcurrentHashMap.newKeySet();
        private final ModelInfo info;

        TrackedModel(Model delegate, boolean threadSafe, List<TrackedModel> instances) {
            super(delegate);
            this.info = delegate.info().toBuilder().threadSafe(threadSafe).build();
            instances.add(this);
        }

        static List<TrackedModel> registry() {
            return new CopyOnWriteArrayList<>();
        }

        @Override
        public ModelInfo info() {
            return info;
        }

        @Override
        public List<Prediction> predict(List<Features> batch) throws InferenceException {
            callers.add(Thread.currentThread());
            return super.predict(batch);
        }

        @Override
        public void close() {
            closes.incrementAndGet();
            super.close();
        }
    }
}
