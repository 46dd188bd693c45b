package io.inferstream.dl4j;

import io.inferstream.data.DataType;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.LoaderOptions;
import io.inferstream.model.ModelLoadException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Works out a network's per-record input and output signature from its configuration, since DL4J does not
 * store the input types a network was built with: a dense first layer takes {@code [nIn]}, a convolution
 * {@code [channels, -1, -1]}, a recurrent layer {@code [nIn, -1]}, a flat-to-image preprocessor
 * {@code [height·width·channels]}; anything else is {@code [-1]}. The option
 * {@value #INPUT_SHAPE_PREFIX}{@code <input>} overrides a guess.
 *
 * <p>Names: a ComputationGraph's come from the graph, a MultiLayerNetwork's from the options
 * {@value #INPUT_NAME} and {@value #OUTPUT_NAME}; for a model imported from Keras, the names Keras gave it
 * ({@link KerasNames}) take the place of DL4J's, position by position. A Keras Sequential model's input also
 * answers to {@value #DEFAULT_INPUT_NAME}, the name it had before, as {@link #inputAlias}.
 *
 * <p>Thread safety: immutable, safe to share.
 */
final class NetworkSignature {
    /** Option prefix: the per-record shape of an input, e.g. {@code input.shape.pixels=28,28,1}. */
    static final String INPUT_SHAPE_PREFIX = "input.shape.";
    /** Option: the input name of a MultiLayerNetwork, which has no input names of its own. */
    static final String INPUT_NAME = "input.name";
    /** Option: the output name of a MultiLayerNetwork, by default its output layer's name. */
    static final String OUTPUT_NAME = "output.name";
    /** The default input name of a MultiLayerNetwork. */
    static final String DEFAULT_INPUT_NAME = "input";

    final List<FieldSpec> inputs;
    final List<FieldSpec> outputs;
    /** Another name the only input answers to when a row lacks the declared one, or null. */
    final String inputAlias;

    private NetworkSignature(List<FieldSpec> inputs, List<FieldSpec> outputs, String inputAlias) {
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.inputAlias = inputAlias;
    }

    /** @return true if every input's per-record shape is fully known, so rows can be checked before the call. */
    boolean inputsFullyKnown() {
        return inputs.stream().allMatch(FieldSpec::isFixedShape);
    }

    /**
     * @param keras the names Keras gave the model when it was imported from a Keras file, else null
     */
    static NetworkSignature of(MultiLayerNetwork net, LoaderOptions options, String model, KerasNames keras)
            throws ModelLoadException {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        DataType type = fieldType(conf.getDataType());
        int last = conf.getConfs().size() - 1;
        if (last < 0) {
            throw new ModelLoadException("model " + model + ": the network has no layers");
        }
        String kerasInput = keras != null && keras.inputs.size() == 1 ? keras.inputs.get(0) : null;
        String inputName = options.string(INPUT_NAME, kerasInput != null ? kerasInput : DEFAULT_INPUT_NAME);
        // Before issue 14 every Sequential model's input was called "input"; callers that still say so keep
        // working, unless they chose a name themselves (then only that name is meant).
        String alias = kerasInput != null && options.string(INPUT_NAME, null) == null
                && !inputName.equals(DEFAULT_INPUT_NAME) ? DEFAULT_INPUT_NAME : null;
        // The alias names the shape option too (input.shape.input), unless the option also names the input itself.
        String shapeName = alias != null && options.string(INPUT_SHAPE_PREFIX + inputName, null) == null
                && options.string(INPUT_SHAPE_PREFIX + alias, null) != null ? alias : inputName;
        long[] inShape = override(options, shapeName, model,
                inputShape(conf.getConf(0).getLayer(), conf.getInputPreProcess(0)));
        Layer outLayer = conf.getConf(last).getLayer();
        String layerName = outLayer.getLayerName() == null ? "output" : outLayer.getLayerName();
        String outName = options.string(OUTPUT_NAME,
                keras != null && keras.outputs.size() == 1 ? keras.outputs.get(0) : layerName);
        long[] outShape = outputShape(outLayer);
        InputType inType = feedForward(inShape);
        if (inType != null) {
            // DL4J's own shape inference, layer by layer, is exact where the input is known.
            outShape = known(() -> {
                List<InputType> types = conf.getLayerActivationTypes(inType);
                return types.get(types.size() - 1);
            }, outShape);
        }
        return new NetworkSignature(List.of(FieldSpec.tensor(inputName, type, inShape)),
                List.of(FieldSpec.tensor(outName, type, outShape)), alias);
    }

    /**
     * @param keras the names Keras gave the model when it was imported from a Keras file, else null
     */
    static NetworkSignature of(ComputationGraph graph, LoaderOptions options, String model, KerasNames keras)
            throws ModelLoadException {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        DataType type = fieldType(conf.getDataType());
        Map<String, GraphVertex> vertices = conf.getVertices();
        List<String> inputNames = keras == null ? conf.getNetworkInputs() : named(conf.getNetworkInputs(), keras.inputs);
        List<String> outputNames = keras == null ? conf.getNetworkOutputs() : named(conf.getNetworkOutputs(), keras.outputs);
        List<FieldSpec> inputs = new ArrayList<>();
        for (int k = 0; k < inputNames.size(); k++) {
            String input = conf.getNetworkInputs().get(k);
            long[] guess = null;
            // The first layer reading this input directly tells its width; a merge or other vertex does not.
            for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
                GraphVertex v = vertices.get(e.getKey());
                if (e.getValue().size() == 1 && e.getValue().get(0).equals(input) && v instanceof LayerVertex) {
                    LayerVertex lv = (LayerVertex) v;
                    guess = inputShape(lv.getLayerConf().getLayer(), lv.getPreProcessor());
                    break;
                }
            }
            String name = inputNames.get(k);
            inputs.add(FieldSpec.tensor(name, type, override(options, name, model, guess == null ? new long[] {-1} : guess)));
        }
        InputType[] inTypes = new InputType[inputs.size()];
        for (int i = 0; i < inTypes.length; i++) {
            inTypes[i] = feedForward(inputs.get(i).shape());
        }
        Map<String, InputType> activations = null;
        if (java.util.Arrays.stream(inTypes).allMatch(java.util.Objects::nonNull)) {
            try {
                activations = conf.getLayerActivationTypes(inTypes);
            } catch (RuntimeException e) {
                activations = null; // fall back to what the output layers alone tell
            }
        }
        List<FieldSpec> outputs = new ArrayList<>();
        for (int k = 0; k < outputNames.size(); k++) {
            String output = conf.getNetworkOutputs().get(k);
            GraphVertex v = vertices.get(output);
            long[] shape = v instanceof LayerVertex ? outputShape(((LayerVertex) v).getLayerConf().getLayer()) : new long[] {-1};
            if (activations != null && activations.get(output) != null) {
                InputType t = activations.get(output);
                shape = known(() -> t, shape);
            }
            outputs.add(FieldSpec.tensor(outputNames.get(k), type, shape));
        }
        return new NetworkSignature(inputs, outputs, null);
    }

    /**
     * @return Keras's names in place of DL4J's, position by position, when Keras names every one of them; else
     *     DL4J's (which for an imported graph are the Keras layer names too, unless the import renamed one)
     */
    private static List<String> named(List<String> dl4j, List<String> keras) {
        return keras.size() == dl4j.size() ? keras : dl4j;
    }

    /** @return a feed-forward input type for a known vector shape, else null. */
    private static InputType feedForward(long[] shape) {
        return shape.length == 1 && shape[0] > 0 ? InputType.feedForward(shape[0]) : null;
    }

    /** @return the per-record shape of the type DL4J infers, unknown dimensions as -1, or the fallback. */
    private static long[] known(java.util.function.Supplier<InputType> type, long[] fallback) {
        try {
            long[] shape = type.get().getShape(false);
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shape[i] > 0 ? shape[i] : -1;
            }
            return shape.length == 0 ? fallback : shape;
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    private static DataType fieldType(org.nd4j.linalg.api.buffer.DataType networkType) {
        // Half-precision networks still take float rows: ND4J casts on the way in.
        return networkType == org.nd4j.linalg.api.buffer.DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
    }

    private static long[] inputShape(Layer layer, InputPreProcessor pre) {
        if (pre instanceof FeedForwardToCnnPreProcessor) {
            FeedForwardToCnnPreProcessor p = (FeedForwardToCnnPreProcessor) pre;
            return new long[] {p.getInputHeight() * p.getInputWidth() * p.getNumChannels()};
        }
        if (pre != null || !(layer instanceof FeedForwardLayer) || ((FeedForwardLayer) layer).getNIn() <= 0) {
            return new long[] {-1};
        }
        long nIn = ((FeedForwardLayer) layer).getNIn();
        if (layer instanceof ConvolutionLayer) {
            return new long[] {nIn, -1, -1};
        }
        if (layer instanceof BaseRecurrentLayer) {
            return new long[] {nIn, -1};
        }
        return new long[] {nIn};
    }

    private static long[] outputShape(Layer layer) {
        if (!(layer instanceof FeedForwardLayer) || layer instanceof ConvolutionLayer) {
            return new long[] {-1};
        }
        long nOut = ((FeedForwardLayer) layer).getNOut();
        if (layer instanceof BaseRecurrentLayer || layer instanceof RnnOutputLayer) {
            return new long[] {nOut, -1};
        }
        return new long[] {nOut};
    }

    private static long[] override(LoaderOptions options, String input, String model, long[] guess) throws ModelLoadException {
        List<String> dims = options.list(INPUT_SHAPE_PREFIX + input);
        if (dims.isEmpty()) {
            return guess;
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            try {
                shape[i] = Long.parseLong(dims.get(i));
            } catch (NumberFormatException e) {
                shape[i] = 0;
            }
            if (shape[i] == 0 || shape[i] < -1) {
                throw new ModelLoadException("model " + model + ": option " + INPUT_SHAPE_PREFIX + input + "=" + dims
                        + " must list positive dimensions or -1 for an unknown one");
            }
        }
        return shape;
    }
}
