package io.inferstream.flink;

import io.inferstream.model.RetriableInferenceException;
import java.io.Serializable;
import java.util.List;
import java.util.function.Predicate;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.util.retryable.AsyncRetryStrategies;
import org.apache.flink.util.OutputTag;

/**
 * Scores any Inferstream model inside a Flink job, micro-batched:
 * <pre>{@code
 * DataStream<InferenceInput> events = env.fromSource(KafkaSource.<InferenceInput>builder()
 *         .setDeserializer(InferenceKafka.deserializer())...build(), WatermarkStrategy.noWatermarks(), "events");
 * SingleOutputStreamOperator<InferenceOutput> predictions = FlinkInference.score(events,
 *         ModelDeployment.path("/models/fraud.onnx"), InferenceOptions.defaults());
 * predictions.sinkTo(KafkaSink.<InferenceOutput>builder().setRecordSerializer(InferenceKafka.serializer("predictions"))...);
 * predictions.getSideOutput(FlinkInference.DEAD_LETTERS).sinkTo(... InferenceKafka.serializer("events-dlt") ...);
 * }</pre>
 * Every subtask loads its own model (one per subtask, so models that are not thread-safe need nothing more) and
 * scores batches of up to {@code max.batch.size} records in one call; outputs keep input order. Batches are flushed
 * before every checkpoint barrier, so with checkpointing and an exactly-once sink each record is scored into the
 * committed output exactly once. Scale with the job's parallelism (and the input topic's partitions).
 *
 * <p>Thread safety: stateless; build jobs from any thread.
 */
public final class FlinkInference {
    /** Records that could not be scored, with the engine's dead-letter headers. */
    public static final OutputTag<InferenceOutput> DEAD_LETTERS =
            new OutputTag<>("inferstream-dead-letters", TypeInformation.of(InferenceOutput.class));

    private static final TypeInformation<InferenceOutput> OUTPUT = TypeInformation.of(InferenceOutput.class);

    private FlinkInference() {
    }

    /**
     * Adds the batching scoring operator: predictions on the returned stream, dead letters on its
     * {@link #DEAD_LETTERS} side output.
     */
    public static SingleOutputStreamOperator<InferenceOutput> score(DataStream<InferenceInput> input,
            ModelDeployment deployment, InferenceOptions options) {
        return input.transform("inferstream-score", OUTPUT, new ScoringOperator(deployment, options));
    }

    /**
     * The async variant, for remote models: batches as {@link #score} does, then scores each batch with
     * {@code AsyncDataStream.orderedWaitWithRetry} (outputs in input order; up to
     * {@link InferenceOptions#asyncConcurrency()} batches in flight per subtask). A batch the model could not answer
     * now ({@link RetriableInferenceException}) is retried with exponential backoff
     * ({@link InferenceOptions#retryAttempts()}); after the last attempt or {@link InferenceOptions#asyncTimeout()}
     * the job fails over to its last checkpoint.
     */
    public static SingleOutputStreamOperator<InferenceOutput> scoreAsync(DataStream<InferenceInput> input,
            ModelDeployment deployment, InferenceOptions options) {
        TypeInformation<List<InferenceInput>> batchType = Types.LIST(TypeInformation.of(InferenceInput.class));
        DataStream<List<InferenceInput>> batches = input.transform("inferstream-batch", batchType,
                new BatchingOperator<>(options));
        var retry = new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder<InferenceOutput>(
                options.retryAttempts(), options.retryInitialBackoff().toMillis(), options.retryMaxBackoff().toMillis(),
                2.0).ifException(new Retriable()).build();
        SingleOutputStreamOperator<InferenceOutput> scored = AsyncDataStream.orderedWaitWithRetry(batches,
                new AsyncScoringFunction(deployment, options), options.asyncTimeout().toMillis(), TimeUnit.MILLISECONDS,
                options.asyncConcurrency(), retry).name("inferstream-score-async");
        return scored.process(new DeadLetterSplitter(), OUTPUT).name("inferstream-dead-letters");
    }

    /** True for a failure the model marked "answer later"; serializable, as the retry strategy travels with the job. */
    static final class Retriable implements Predicate<Throwable>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean test(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof RetriableInferenceException) {
                    return true;
                }
            }
            return false;
        }
    }
}
