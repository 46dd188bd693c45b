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
 * The buffer's in-memory store, innermost under Streams' caching and change-logging layers. It tells the processor
 * of its task two things the layers above hide:
 * <ul>
 * <li>How many task commits it has seen. Streams calls {@link #commit} on a task's stores after the task's offsets
 * are committed, which under at_least_once comes after every record the task forwarded was acknowledged. So an
 * output forwarded before the count went up is durable, and only then may the processor delete a logged buffer
 * entry: a tombstone sent earlier could reach the changelog before the output reached its topic (a non-transactional
 * producer keeps no order across partitions), and a crash between the two would lose the record.</li>
 * <li>Whether an entry has reached the changelog ({@link #reachedChangelog}): every write that gets here was also
 * logged, since the change-logging layer sits right above. An entry still only in the cache was buffered after the
 * task's last commit (a commit flushes the cache first), so its input offset is not committed yet and the processor
 * may delete it as soon as it is scored.</li>
 * </ul>
 *
 * <p>Thread safety: the store is used by its task's thread; the commit count is atomic, because Streams may also
 * commit a store from its state-updater thread while restoring.
 */
final class CommitObservingStore implements KeyValueStore<Bytes, byte[]> {
    private final KeyValueStore<Bytes, byte[]> inner;
    private final Map<TaskId, CommitObservingStore> storesByTask;
    private final AtomicLong commits = new AtomicLong();
    private TaskId task;

    /**
     * @param storesByTask where the processor of the same task finds this store
     */
    CommitObservingStore(KeyValueStore<Bytes, byte[]> inner, Map<TaskId, CommitObservingStore> storesByTask) {
        this.inner = inner;
        this.storesByTask = storesByTask;
    }

    /** @return a registry for the stores of one processor supplier. */
    static Map<TaskId, CommitObservingStore> registry() {
        return new ConcurrentHashMap<>();
    }

    /** @return the task commits this store has seen since it was opened. */
    long commits() {
        return commits.get();
    }

    /** @return whether the entry was written through to the changelog (or restored from it), not only cached. */
    boolean reachedChangelog(Bytes key) {
        return inner.get(key) != null;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        inner.init(context, root);
        task = context.taskId();
        storesByTask.put(task, this);
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        inner.commit(changelogOffsets);
        commits.incrementAndGet();
    }

    @Override
    public void close() {
        if (task != null) {
            storesByTask.remove(task, this);
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
