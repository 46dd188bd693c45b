package io.inferstream.serve;

/**
 * What the dynamic batcher of one model has done since the server started: model calls, the requests and records
 * they scored, how many calls merged more than one request, and the largest batch.
 *
 * <p>Thread safety: an immutable snapshot.
 */
public final class BatchStats {
    private final long modelCalls;
    private final long requests;
    private final long records;
    private final long mergedCalls;
    private final int largestBatch;

    BatchStats(long modelCalls, long requests, long records, long mergedCalls, int largestBatch) {
        this.modelCalls = modelCalls;
        this.requests = requests;
        this.records = records;
        this.mergedCalls = mergedCalls;
        this.largestBatch = largestBatch;
    }

    /** @return calls of the model's {@code predict}. */
    public long modelCalls() {
        return modelCalls;
    }

    /** @return inference requests answered with predictions. */
    public long requests() {
        return requests;
    }

    /** @return records scored. */
    public long records() {
        return records;
    }

    /** @return model calls that scored the records of two or more requests together. */
    public long mergedCalls() {
        return mergedCalls;
    }

    /** @return the most records one model call scored. */
    public int largestBatch() {
        return largestBatch;
    }

    @Override
    public String toString() {
        return modelCalls + " model calls for " + requests + " requests (" + records + " records), " + mergedCalls
                + " merged, largest batch " + largestBatch;
    }
}
