package io.inferstream.engine;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.ForwardingModel;
import io.inferstream.model.InferenceException;
import io.inferstream.model.Model;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Times every {@code predict} call of a model, failed ones included, for the model-call latency timer. It never
 * closes the model: the deployment owns it.
 *
 * <p>Thread safety: as thread-safe as the wrapped model (Micrometer timers are thread-safe).
 */
final class TimedModel extends ForwardingModel {
    private final Timer timer;

    TimedModel(Model delegate, Timer timer) {
        super(delegate);
        this.timer = timer;
    }

    @Override
    public List<Prediction> predict(List<Features> batch) throws InferenceException {
        long start = System.nanoTime();
        try {
            return delegate().predict(batch);
        } finally {
            timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void close() {
        // The deployment closes the model when its last batch ends; this wrapper only watches it.
    }
}
