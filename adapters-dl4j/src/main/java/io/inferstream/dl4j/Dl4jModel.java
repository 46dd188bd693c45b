package io.inferstream.dl4j;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.AbstractModel;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InputBatch;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.LoaderOptions;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.OptionSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.MultiDataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.Normalizer;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DL4J {@code MultiLayerNetwork} or {@code ComputationGraph} behind the {@link Model} SPI.
 *
 * <p>Each {@link #predict} stacks every input field of the batch into one {@code [batch, ...shape]} array and
 * makes exactly one {@code output()} call; input and output arrays are closed as soon as their values are
 * copied out, so off-heap memory does not wait for the garbage collector. The network's activations live in
 * DL4J's scoped inference workspaces (reused across calls, per thread) unless the option
 * {@value #WORKSPACE_MODE} is {@code NONE}. Outputs keep the network's output names (graph output vertices,
 * or the output layer's name of a MultiLayerNetwork; for a Keras model, the names Keras gave it). A Keras
 * Sequential model's input also takes rows that call it {@code input}, its name before Keras names were used.
 * A feature normalizer saved in the model zip is applied to the inputs before the call, as at training time.
 *
 * <p>Thread safety: not thread-safe, and {@link ModelInfo#threadSafe()} says so. A DL4J network keeps per-call
 * state (layer inputs, workspaces, the normalizer's arrays); DL4J 1.0.0-M2.1 happens to serialise
 * {@code output()} on the network's monitor, so one network shared by many threads does not scale at all. The
 * engine therefore loads one model per worker thread, each with its own network.
 */
public final class Dl4jModel extends AbstractModel {
    /** Option: DL4J's inference workspace mode, {@code ENABLED} (default, reuses memory) or {@code NONE}. */
    public static final String WORKSPACE_MODE = "workspace.mode";

    private static final Logger LOG = LoggerFactory.getLogger(Dl4jModel.class);

    private final MultiLayerNetwork network;
    private final ComputationGraph graph;
    private final Normalizer<?> normalizer;
    private final List<FieldSpec> inputs;
    private final List<String> outputNames;
    private final boolean inputsFullyKnown;
    private final String inputAlias;

    private Dl4jModel(ModelInfo info, MultiLayerNetwork network, ComputationGraph graph, Normalizer<?> normalizer,
            NetworkSignature sig) {
        super(info);
        this.network = network;
        this.graph = graph;
        this.normalizer = normalizer;
        this.inputs = info.inputs();
        this.outputNames = info.outputs().stream().map(FieldSpec::name).toList();
        this.inputsFullyKnown = sig.inputsFullyKnown();
        this.inputAlias = sig.inputAlias;
    }

    /**
     * Wraps a MultiLayerNetwork; the model takes ownership and closes it.
     *
     * @param format the format id to report, {@code dl4j} or {@code keras}
     * @param normalizer a feature normalizer to apply to inputs, or null
     * @param keras the names Keras gave the model, for a network imported from a Keras file; else null
     */
    static Dl4jModel of(MultiLayerNetwork network, Normalizer<?> normalizer, String format, String name,
            LoaderOptions options, Map<String, String> properties, KerasNames keras) throws ModelLoadException {
        try {
            network.getLayerWiseConfigurations().setInferenceWorkspaceMode(workspaceMode(options, name));
            NetworkSignature sig = NetworkSignature.of(network, options, name, keras);
            if (normalizer != null && !(normalizer instanceof DataNormalization)) {
                throw new ModelLoadException("model " + name + ": its normalizer " + normalizer.getClass().getSimpleName()
                        + " is for multi-input data, but a MultiLayerNetwork has one input");
            }
            ModelInfo info = info(format, name, options, sig, properties, "MultiLayerNetwork", network.numParams());
            return new Dl4jModel(info, network, null, normalizer, sig);
        } catch (ModelLoadException | RuntimeException e) {
            network.close(); // nobody else holds it: free its native memory now
            throw e;
        }
    }

    /** Wraps a ComputationGraph; the model takes ownership and closes it. Parameters as for a MultiLayerNetwork. */
    static Dl4jModel of(ComputationGraph graph, Normalizer<?> normalizer, String format, String name,
            LoaderOptions options, Map<String, String> properties, KerasNames keras) throws ModelLoadException {
        try {
            graph.getConfiguration().setInferenceWorkspaceMode(workspaceMode(options, name));
            NetworkSignature sig = NetworkSignature.of(graph, options, name, keras);
            if (normalizer instanceof DataNormalization && sig.inputs.size() != 1) {
                throw new ModelLoadException("model " + name + ": its normalizer " + normalizer.getClass().getSimpleName()
                        + " is for one input, but the graph has " + sig.inputs.size());
            }
            if (normalizer != null && !(normalizer instanceof DataNormalization) && !(normalizer instanceof MultiDataNormalization)) {
                throw new ModelLoadException("model " + name + ": unsupported normalizer " + normalizer.getClass().getName());
            }
            ModelInfo info = info(format, name, options, sig, properties, "ComputationGraph", graph.numParams());
            return new Dl4jModel(info, null, graph, normalizer, sig);
        } catch (ModelLoadException | RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /** @return the options both DL4J loaders (dl4j, keras) take: the workspace mode and the network's signature. */
    static OptionSpec.Builder options() {
        return OptionSpec.builder()
                .string(WORKSPACE_MODE, "ENABLED", "DL4J's memory workspaces while scoring: ENABLED reuses memory "
                        + "across calls; NONE allocates per call.", "ENABLED", "NONE")
                .string(NetworkSignature.INPUT_NAME, NetworkSignature.DEFAULT_INPUT_NAME, "The input's name for a "
                        + "MultiLayerNetwork, which has none of its own (a Keras model's own name is used when it has one).")
                .string(NetworkSignature.OUTPUT_NAME, null, "The output's name for a MultiLayerNetwork; by default its "
                        + "output layer's name.")
                .prefix(NetworkSignature.INPUT_SHAPE_PREFIX, OptionSpec.Type.LIST, "The per-record "
                        + "shape of an input when the network does not tell it (e.g. input.shape.pixels=28,28,1).");
    }

    private static WorkspaceMode workspaceMode(LoaderOptions options, String name) throws ModelLoadException {
        String mode = options.string(WORKSPACE_MODE, "ENABLED").toUpperCase(java.util.Locale.ROOT);
        if (!mode.equals("ENABLED") && !mode.equals("NONE")) {
            throw new ModelLoadException("model " + name + ": option " + WORKSPACE_MODE + " must be ENABLED or NONE, not '"
                    + mode + "'");
        }
        return WorkspaceMode.valueOf(mode);
    }

    private static ModelInfo info(String format, String name, LoaderOptions options, NetworkSignature sig,
            Map<String, String> properties, String kind, long params) throws ModelLoadException {
        for (String key : options.asMap().keySet()) {
            if (key.startsWith(NetworkSignature.INPUT_SHAPE_PREFIX)
                    && sig.inputs.stream().noneMatch(f -> key.equals(NetworkSignature.INPUT_SHAPE_PREFIX + f.name()))
                    && !key.equals(NetworkSignature.INPUT_SHAPE_PREFIX + sig.inputAlias)) {
                throw new ModelLoadException("model " + name + ": option " + key + " names no input; the inputs are "
                        + sig.inputs.stream().map(FieldSpec::name).toList());
            }
        }
        ModelInfo.Builder b = ModelInfo.builder(format).name(name).version(options.modelVersion(null))
                .threadSafe(false).property("network", kind).property("parameters", Long.toString(params))
                .property("framework", "Deeplearning4j " + Dl4jModelLoader.DL4J_VERSION);
        properties.forEach(b::property);
        sig.inputs.forEach(b::input);
        sig.outputs.forEach(b::output);
        return b.build();
    }

    @Override
    protected List<Prediction> score(List<Features> batch) throws InferenceException {
        batch = withAlias(batch);
        INDArray[] in = new INDArray[inputs.size()];
        INDArray[] out = null;
        try {
            for (int i = 0; i < in.length; i++) {
                in[i] = stack(batch, inputs.get(i));
            }
            out = run(in, batch.size());
            return predictions(out, batch.size());
        } finally {
            closeArrays(in);
            closeArrays(out);
        }
    }

    /**
     * @return the batch, with a row that has the only input under its alias but not under its own name renamed
     *     (the batch itself, no copy, when no row needs it, which is the usual case)
     */
    private List<Features> withAlias(List<Features> batch) {
        if (inputAlias == null) {
            return batch;
        }
        String declared = inputs.get(0).name();
        List<Features> renamed = null;
        for (int r = 0; r < batch.size(); r++) {
            Features row = batch.get(r);
            if (!row.has(declared) && row.has(inputAlias)) {
                renamed = renamed == null ? new ArrayList<>(batch) : renamed;
                renamed.set(r, Features.of(declared, row.get(inputAlias)));
            }
        }
        return renamed == null ? batch : renamed;
    }

    /** Stacks one field of every row into a {@code [batch, ...shape]} array of the network's data type. */
    private INDArray stack(List<Features> batch, FieldSpec spec) throws InvalidInputException {
        long[] shape = InputBatch.batchShape(batch, spec);
        int perRow = InputBatch.elementsPerRow(batch, spec);
        if (spec.type() == DataType.DOUBLE) {
            double[] values = InputBatch.doubles(batch, spec);
            for (int i = 0; i < values.length; i++) {
                if (!Double.isFinite(values[i])) {
                    throw notFinite(spec, i, perRow, values[i]);
                }
            }
            return Nd4j.create(values, shape, org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        }
        float[] values = InputBatch.floats(batch, spec);
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw notFinite(spec, i, perRow, values[i]);
            }
        }
        return Nd4j.create(values, shape, org.nd4j.linalg.api.buffer.DataType.FLOAT);
    }

    private static InvalidInputException notFinite(FieldSpec spec, int index, int perRow, double value) {
        // A NaN or infinity spreads through every layer and turns the whole output into NaN.
        return new InvalidInputException(index / perRow, spec.name(), "element " + index % perRow + " is " + value
                + "; the network takes finite numbers only");
    }

    private INDArray[] run(INDArray[] in, int rows) throws InferenceException {
        try {
            normalize(in);
            if (network != null) {
                return new INDArray[] {network.output(in[0], false)};
            }
            return graph.output(false, in);
        } catch (RuntimeException e) {
            String message = description() + " failed on a batch of " + rows + " rows: " + e;
            if (!inputsFullyKnown) {
                // Some input dimension was unknown at load time, so the rows could not all be checked beforehand:
                // blame the input, and the engine re-scores the rows one at a time to find the bad ones.
                throw new InvalidInputException(rows == 1 ? 0 : InvalidInputException.UNKNOWN_RECORD, null, message, e);
            }
            throw new ModelFailureException(message, e);
        } catch (OutOfMemoryError e) {
            throw new ModelFailureException(description() + " ran out of memory on a batch of " + rows + " rows", e);
        }
    }

    private void normalize(INDArray[] in) {
        if (normalizer instanceof DataNormalization) {
            ((DataNormalization) normalizer).transform(in[0]);
        } else if (normalizer instanceof MultiDataNormalization) {
            ((MultiDataNormalization) normalizer).preProcess(new org.nd4j.linalg.dataset.MultiDataSet(in, null));
        }
    }

    private List<Prediction> predictions(INDArray[] out, int rows) throws ModelFailureException {
        List<Prediction.Builder> builders = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            builders.add(Prediction.builder());
        }
        for (int k = 0; k < outputNames.size(); k++) {
            INDArray o = out[k];
            long[] shape = o.shape();
            if (shape.length == 0 || shape[0] != rows) {
                throw new ModelFailureException(description() + ": output " + outputNames.get(k) + " has shape "
                        + Arrays.toString(shape) + " for a batch of " + rows + " rows");
            }
            long[] rowShape = Arrays.copyOfRange(shape, 1, shape.length);
            int perRow = Math.toIntExact(o.length() / rows);
            boolean doubles = o.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE;
            INDArray dense = contiguous(o, doubles);
            try {
                if (doubles) {
                    double[] all = dense.data().asDouble();
                    for (int r = 0; r < rows; r++) {
                        builders.get(r).output(outputNames.get(k),
                                Tensor.ofDoubles(Arrays.copyOfRange(all, r * perRow, (r + 1) * perRow), rowShape));
                    }
                } else {
                    float[] all = dense.data().asFloat();
                    for (int r = 0; r < rows; r++) {
                        builders.get(r).output(outputNames.get(k),
                                Tensor.ofFloats(Arrays.copyOfRange(all, r * perRow, (r + 1) * perRow), rowShape));
                    }
                }
            } finally {
                if (dense != o) {
                    closeArrays(dense);
                }
            }
        }
        List<Prediction> predictions = new ArrayList<>(rows);
        for (Prediction.Builder b : builders) {
            predictions.add(b.build());
        }
        return predictions;
    }

    /** @return the array itself if its buffer holds exactly its values in row-major order, else such a copy. */
    private static INDArray contiguous(INDArray o, boolean doubles) {
        INDArray a = o;
        if (!doubles && a.dataType() != org.nd4j.linalg.api.buffer.DataType.FLOAT) {
            a = a.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        }
        if (a.isView() || a.ordering() != 'c' || a.data().length() != a.length()) {
            a = a.dup('c');
        }
        return a;
    }

    private static void closeArrays(INDArray... arrays) {
        if (arrays == null) {
            return;
        }
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }

    @Override
    protected void release() {
        try {
            if (network != null) {
                network.close();
            } else {
                graph.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("model {}: closing the network failed: {}", info().name(), e.toString());
        }
    }

    /** @return the DL4J network itself; for tests in this package that need its monitor. */
    Object network() {
        return network != null ? network : graph;
    }
}
