package io.inferstream.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The lifecycle rules the adapters built on {@link AbstractModel} share. */
class AbstractModelTest {

    /** Doubles its one input; counts its calls and releases. */
    static final class Doubling extends AbstractModel {
        final AtomicInteger scored = new AtomicInteger();
        final AtomicInteger released = new AtomicInteger();

        Doubling() {
            super(ModelInfo.builder("test").name("doubler").version("3").build());
        }

        @Override
        protected List<Prediction> score(List<Features> batch) {
            scored.incrementAndGet();
            List<Prediction> out = new ArrayList<>();
            for (Features f : batch) {
                double x = f.get("x").getDouble(0);
                out.add(Prediction.builder().output("y", Tensor.ofDoubles(new double[] {2 * x}, 1)).build());
            }
            return out;
        }

        @Override
        protected void release() {
            released.incrementAndGet();
        }
    }

    @Test
    void scoresOpenBatchesAndAnswersAnEmptyOneWithoutTheFramework() throws Exception {
        Doubling model = new Doubling();
        List<Prediction> out = model.predict(List.of(Features.of("x", Tensor.ofDoubles(new double[] {1.5}, 1)),
                Features.of("x", Tensor.ofDoubles(new double[] {-4}, 1))));
        assertEquals(3.0, out.get(0).output("y").getDouble(0));
        assertEquals(-8.0, out.get(1).output("y").getDouble(0));
        assertEquals(List.of(), model.predict(List.of()));
        assertEquals(1, model.scored.get(), "the empty batch made no call");
        assertEquals("doubler", model.info().name());
    }

    @Test
    void closeReleasesOnceAndLaterCallsFailNamingTheModel() {
        Doubling model = new Doubling();
        model.close();
        model.close();
        assertEquals(1, model.released.get());
        ModelFailureException e = assertThrows(ModelFailureException.class,
                () -> model.predict(List.of(Features.of("x", Tensor.ofDoubles(new double[] {1}, 1)))));
        assertEquals("model doubler is closed", e.getMessage());
        assertThrows(ModelFailureException.class, () -> model.predict(List.of()), "closed wins over empty");
        assertEquals(0, model.scored.get());
        assertSame(model.info(), model.info());
    }
}
