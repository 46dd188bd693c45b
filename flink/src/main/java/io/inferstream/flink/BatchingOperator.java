package io.inferstream.flink;

import java.util.List;

/**
 * Emits each micro-batch as one list, for the async scoring function: the batching of {@link MicroBatchOperator}
 * (size, timer, watermark, checkpoint barrier) without scoring. A batch carries the timestamp of its last record.
 *
 * <p>Thread safety: Flink calls it from its task's thread only.
 *
 * @param <T> the records
 */
final class BatchingOperator<T> extends MicroBatchOperator<T, List<T>> {
    private static final long serialVersionUID = 1L;

    BatchingOperator(InferenceOptions options) {
        super(options);
    }

    @Override
    protected void process(List<T> batch, List<Long> timestamps) {
        output.collect(record(batch, timestamps.get(timestamps.size() - 1)));
    }
}
