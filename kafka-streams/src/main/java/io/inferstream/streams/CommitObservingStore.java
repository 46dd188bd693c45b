package io.inferstream.streams;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The buffer's in-memory store, counting the task commits it sees. Streams calls {@link #commit} on a task's stores
 * after the task's offsets are committed, which under at_least_once comes after every record the task forwarded
 * was acknowledged. So an output forwarded before the count went up is durable, and only then may the processor
 * delete its buffer entry: a tombstone sent earlier could reach the changelog before the output reached its topic
 * (a non-transactional producer keeps no order across partitions), and a crash between the two would lose the record.
 *
 * <p>Thread safety: the store is used by its task's thread; the commit count is atomic, because Streams may also
 * commit a store from its state-updater thread while restoring.
 */
final class CommitObservingStore implements KeyValueStore<Bytes, byte[]> {
    private final KeyValueStore<Bytes, byte[]> inner;
    private final Map<TaskId, AtomicLong> commitsByTask;
    private final AtomicLong commits = new AtomicLong();
    private TaskId task;

    /**
     * @param commitsByTask where the processor of the same task finds this store's commit count
     */
    CommitObservingStore(KeyValueStore<Bytes, byte[]> inner, Map<TaskId, AtomicLong> commitsByTask) {
        this.inner = inner;
        this.commitsByTask = commitsByTask;
    }

    /** @return a registry for the stores of one processor supplier. */
    static Map<TaskId, AtomicLong> registry() {
        return new ConcurrentHashMap<>();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        inner.init(context, root);
        task = context.taskId();
        commitsByTask.put(task, commits);
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        inner.commit(changelogOffsets);
        commits.incrementAndGet();
    }

    @Override
    public void close() {
        if (task != null) {
            commitsByTask.remove(task, commits);
        }
        inner.close();
    }

    @Override
    public void put(Bytes key, byte[] value) {
        inner.put(key, value);
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
        return inner.putIfAbsent(key, value);
    }

    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        inner.putAll(entries);
    }

    @Override
    public byte[] delete(Bytes key) {
        return inner.delete(key);
    }

    @Override
    public byte[] get(Bytes key) {
        return inner.get(key);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        return inner.range(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return inner.all();
    }

    @Override
    public long approximateNumEntries() {
        return inner.approximateNumEntries();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public boolean persistent() {
        return inner.persistent(); // false: Streams then restores the buffer from the changelog's start
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return inner.query(query, positionBound, config);
    }

    @Override
    public Position getPosition() {
        return inner.getPosition();
    }
}
