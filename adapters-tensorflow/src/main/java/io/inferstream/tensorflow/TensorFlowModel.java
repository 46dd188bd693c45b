package io.inferstream.tensorflow;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;

/**
 * A loaded SavedModel signature: each {@link #predict} feeds every signature input as one
 * {@code [batch, ...]} tensor and makes exactly one {@code Session.run} for the whole batch. Every output is
 * kept under its signature name; a TF Serving classify signature also gives each prediction its label (the class
 * with the highest score) and per-class probabilities. In TF Serving's "examples" style (option
 * {@value TensorFlowModelLoader#EXAMPLE_FEATURES}) the records' named features are first written into one
 * serialized {@code tf.Example} each.
 *
 * <p>Native memory: input tensors and the {@link Result} are closed in {@code finally}/try-with-resources on
 * every path, so nothing waits for the garbage collector. {@link #close()} closes the bundle (graph and session)
 * and deletes the directory an archive was unpacked into.
 *
 * <p>Thread safety: thread-safe. A TensorFlow session may be run from several threads at once, so
 * {@link ModelInfo#threadSafe()} is true; a read-write lock lets any number of predicts run together while
 * {@link #close()} waits for them, so a close during scoring cannot free the session under a running call.
 */
public final class TensorFlowModel implements Model {
    private static final Logger LOG = LoggerFactory.getLogger(TensorFlowModel.class);

    private final ModelInfo info;
    private final SavedModelSignature signature;
    /** Null unless records give named features that the adapter writes into tf.Examples for the one input. */
    private final ExampleEncoding examples;
    private final SavedModelBundle bundle;
    private final Session session;
    private final Path unpackedDir;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    TensorFlowModel(ModelInfo info, SavedModelSignature signature, ExampleEncoding examples, SavedModelBundle bundle,
            Path unpackedDir) {
        this.info = info;
        this.signature = signature;
        this.examples = examples;
        this.bundle = bundle;
        this.session = bundle.session();
        this.unpackedDir = unpackedDir;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    /** @return the key of the signature this model serves, e.g. {@code serving_default}. */
    public String signatureKey() {
        return signature.key;
    }

    /** @return where an archive was unpacked (deleted on close), or null for a model loaded from its directory. */
    Path unpackedDir() {
        return unpackedDir;
    }

    @Override
    public List<Prediction> predict(List<Features> batch) throws InferenceException {
        if (batch.isEmpty()) {
            return List.of();
        }
        lock.readLock().lock();
        try {
            if (closed) {
                throw new ModelFailureException("TensorFlow model " + info.name() + " is closed");
            }
            return run(batch);
        } finally {
            lock.readLock().unlock();
        }
    }

    private List<Prediction> run(List<Features> batch) throws InferenceException {
        List<org.tensorflow.Tensor> inputs = new ArrayList<>(signature.inputs.size());
        try {
            Session.Runner runner = session.runner();
            for (SavedModelSignature.Port in : signature.inputs) {
                org.tensorflow.Tensor t = examples != null
                        ? TensorConversion.stringVector(examples.encode(batch))
                        : TensorConversion.toTensorFlow(batch, in.spec);
                inputs.add(t);
                runner.feed(in.tensorName, t);
            }
            for (SavedModelSignature.Port out : signature.outputs) {
                runner.fetch(out.tensorName);
            }
            try (Result result = runner.run()) {
                return predictions(batch.size(), result);
            }
        } catch (TFInvalidArgumentException e) {
            // The data was accepted by the signature's dtypes and shapes, so what the graph rejected is in some
            // record's values (e.g. an index out of range); the index is unknown, so the engine isolates it.
            throw new InvalidInputException(InvalidInputException.UNKNOWN_RECORD, null, "TensorFlow model "
                    + info.name() + ", signature '" + signature.key + "' rejected the batch: " + firstLine(e), e);
        } catch (RuntimeException e) {
            throw new ModelFailureException("TensorFlow model " + info.name() + ", signature '" + signature.key
                    + "' failed: " + firstLine(e), e);
        } finally {
            for (org.tensorflow.Tensor t : inputs) {
                t.close();
            }
        }
    }

    private List<Prediction> predictions(int batchSize, Result result) throws ModelFailureException {
        List<Tensor[]> columns = new ArrayList<>(signature.outputs.size());
        for (int o = 0; o < signature.outputs.size(); o++) {
            SavedModelSignature.Port out = signature.outputs.get(o);
            org.tensorflow.Tensor t = result.get(o);
            if (TensorConversion.typeOf(t) != out.spec.type()) {
                throw new ModelFailureException("TensorFlow model " + info.name() + ": output '" + out.spec.name()
                        + "' is declared " + out.dtype + " but the graph returned " + t.dataType());
            }
            columns.add(TensorConversion.perRecord(info.name(), out.spec, t, batchSize));
        }
        List<Prediction> predictions = new ArrayList<>(batchSize);
        for (int r = 0; r < batchSize; r++) {
            Prediction.Builder b = Prediction.builder();
            for (int o = 0; o < columns.size(); o++) {
                b.output(signature.outputs.get(o).spec.name(), columns.get(o)[r]);
            }
            if (signature.isClassifier()) {
                classify(b, columns.get(signature.classesOutput)[r], columns.get(signature.scoresOutput)[r]);
            }
            predictions.add(b.build());
        }
        return predictions;
    }

    /** The classifier view of a classify signature: each class's score, and the best class as the label. */
    private static void classify(Prediction.Builder b, Tensor classes, Tensor scores) {
        String[] names = classes.asStrings();
        int best = -1;
        for (int c = 0; c < names.length; c++) {
            double p = scores.getDouble(c);
            b.probability(names[c], p);
            if (best < 0 || p > scores.getDouble(best)) {
                best = c;
            }
        }
        if (best >= 0) {
            b.label(names[best]);
        }
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                bundle.close();
            } catch (RuntimeException e) {
                LOG.warn("closing TensorFlow model {} failed", info.name(), e);
            }
            if (unpackedDir != null && !SavedModelArchive.deleteTree(unpackedDir)) {
                LOG.warn("could not delete {}, where TensorFlow model {} was unpacked", unpackedDir, info.name());
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return info.toString();
    }
}
