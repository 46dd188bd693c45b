package io.inferstream.flink;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * A bounded buffer in front of a batch step. The buffer is flushed when it holds {@code max.batch.size} records, when
 * its oldest record has waited {@code max.batch.delay.ms} (a processing-time timer), before a watermark passes (so no
 * buffered record becomes late), at end of input, and before every checkpoint barrier
 * ({@link #prepareSnapshotPreBarrier}): the barrier then follows every output of the records that came before it, so
 * a checkpoint never holds a record that is neither scored nor in flight, and the operator needs no state of its own.
 * It is the pattern of Flink's own bundle operators; a {@code ProcessFunction} cannot do it, since it learns of a
 * checkpoint only after the barrier has gone downstream.
 *
 * <p>Thread safety: Flink calls an operator from its task's thread only (timers run in the same mailbox).
 *
 * @param <IN> buffered records
 * @param <OUT> what the batch step emits
 */
abstract class MicroBatchOperator<IN, OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<IN, OUT>, BoundedOneInput, ProcessingTimeCallback {
    private static final long serialVersionUID = 1L;

    /** How big and how old a buffer may grow. */
    protected final InferenceOptions options;
    private transient List<IN> values;
    private transient List<Long> timestamps;
    private transient long deadline;

    MicroBatchOperator(InferenceOptions options) {
        this.options = options;
    }

    @Override
    public void open() throws Exception {
        super.open();
        values = new ArrayList<>(options.maxBatchSize());
        timestamps = new ArrayList<>(options.maxBatchSize());
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        if (values.isEmpty()) {
            // One timer per buffer: the flush it triggers is the buffer's deadline, whatever the arrival rate.
            deadline = getProcessingTimeService().getCurrentProcessingTime() + options.maxBatchDelay().toMillis();
            getProcessingTimeService().registerTimer(deadline, this);
        }
        values.add(element.getValue());
        timestamps.add(element.hasTimestamp() ? Long.valueOf(element.getTimestamp()) : null);
        if (values.size() >= options.maxBatchSize()) {
            flush();
        }
    }

    @Override
    public void onProcessingTime(long time) throws Exception {
        // A timer of a buffer that was already flushed by size finds a younger buffer: that one has its own timer.
        if (!values.isEmpty() && time >= deadline) {
            flush();
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    /** @return records waiting in the buffer. */
    int buffered() {
        return values == null ? 0 : values.size();
    }

    private void flush() throws Exception {
        if (values.isEmpty()) {
            return;
        }
        List<IN> batch = values;
        List<Long> times = timestamps;
        values = new ArrayList<>(options.maxBatchSize());
        timestamps = new ArrayList<>(options.maxBatchSize());
        process(batch, times);
    }

    /**
     * Handles one batch, in arrival order, and emits its results before returning.
     *
     * @param timestamps each record's event timestamp, or null where it had none
     */
    protected abstract void process(List<IN> batch, List<Long> timestamps) throws Exception;

    /** @return a stream record with the timestamp, if any, of the input it derives from. */
    protected static <T> StreamRecord<T> record(T value, Long timestamp) {
        return timestamp == null ? new StreamRecord<>(value) : new StreamRecord<>(value, timestamp);
    }
}
