package io.inferstream.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ForwardingModelTest {
    /** A capability a host may look for on a model, standing in for e.g. Micrometer's MeterBinder. */
    interface Gauged {
        int gauge();
    }

    /** The innermost model: it has the capability. */
    static final class GaugedModel implements Model, Gauged {
        @Override
        public ModelInfo info() {
            return null;
        }

        @Override
        public List<Prediction> predict(List<Features> batch) {
            return List.of();
        }

        @Override
        public int gauge() {
            return 42;
        }

        @Override
        public void close() {
        }
    }

    static final class Wrapper extends ForwardingModel {
        Wrapper(Model delegate) {
            super(delegate);
        }
    }

    @Test
    void aCapabilityOfTheWrappedModelIsFoundThroughEveryWrapper() {
        GaugedModel inner = new GaugedModel();
        Model wrapped = new Wrapper(new Wrapper(inner));
        Optional<Gauged> found = wrapped.unwrap(Gauged.class);
        assertSame(inner, found.orElseThrow());
        assertEquals(42, found.get().gauge());
        assertSame(wrapped, wrapped.unwrap(Wrapper.class).orElseThrow(), "the outermost match comes first");
        assertTrue(wrapped.unwrap(Runnable.class).isEmpty());
    }
}
