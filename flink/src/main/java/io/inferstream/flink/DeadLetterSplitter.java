package io.inferstream.flink;

import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Sends dead letters to {@link FlinkInference#DEAD_LETTERS} and predictions on, after the async scoring step (whose
 * function can emit to one output only).
 *
 * <p>Thread safety: stateless.
 */
final class DeadLetterSplitter extends ProcessFunction<InferenceOutput, InferenceOutput> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(InferenceOutput value, Context context, Collector<InferenceOutput> out) {
        if (value.deadLetter) {
            context.output(FlinkInference.DEAD_LETTERS, value);
        } else {
            out.collect(value);
        }
    }
}
