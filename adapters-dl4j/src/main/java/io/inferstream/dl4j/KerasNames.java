package io.inferstream.dl4j;

import io.inferstream.model.ModelLoadException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * The input and output names a Keras HDF5 file's {@code model_config} gives its model, by Keras's own rules, so
 * that the fields users send are the names they know from Keras (and from TF Serving's signature of the same
 * model), not the names DL4J's import happens to choose.
 *
 * <ul>
 *   <li>Functional models ({@code class_name} {@code Model} in Keras 2.2, {@code Functional} in tf.keras 2.4+):
 *       the layers listed in {@code input_layers} and {@code output_layers}, in that order.</li>
 *   <li>Sequential models: an {@code InputLayer} that leads the layer list gives its own name, whether the user
 *       made it ({@code keras.Input(shape, name="features")}) or tf.keras added it itself; without one (Keras
 *       2.0–2.3 leave it out), Keras names the input {@code <first layer's name>_input}, as
 *       {@code Sequential.add} does. The output is the last layer's name. The layer list is
 *       {@code config.layers}, or {@code config} itself in Keras 2.0–2.2.2, which wrote a bare list.</li>
 * </ul>
 *
 * <p>Thread safety: immutable, safe to share.
 */
final class KerasNames {
    /** The Keras model class, e.g. {@code Sequential}, {@code Model} or {@code Functional}. */
    final String kerasClass;
    final List<String> inputs;
    final List<String> outputs;

    private KerasNames(String kerasClass, List<String> inputs, List<String> outputs) {
        this.kerasClass = kerasClass;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
    }

    boolean isSequential() {
        return "Sequential".equals(kerasClass);
    }

    /**
     * @param modelConfig the parsed {@code model_config} attribute
     * @param model the model's name, for error messages
     * @throws ModelLoadException if the configuration lacks what Keras always writes (layers and their names)
     */
    static KerasNames of(JsonNode modelConfig, String model) throws ModelLoadException {
        String kerasClass = modelConfig.path("class_name").asText("");
        JsonNode config = modelConfig.path("config");
        if ("Sequential".equals(kerasClass)) {
            JsonNode layers = config.isArray() ? config : config.path("layers");
            if (!layers.isArray() || layers.size() == 0) {
                throw new ModelLoadException("model " + model + ": the Keras Sequential model_config lists no layers");
            }
            JsonNode first = layers.get(0);
            String firstName = layerName(first, model);
            String input = "InputLayer".equals(first.path("class_name").asText()) ? firstName : firstName + "_input";
            return new KerasNames(kerasClass, List.of(input), List.of(layerName(layers.get(layers.size() - 1), model)));
        }
        return new KerasNames(kerasClass, endpoints(config.path("input_layers"), "input_layers", model),
                endpoints(config.path("output_layers"), "output_layers", model));
    }

    /** A layer's name: {@code config.name}, which every Keras 2 layer has, else the functional node's {@code name}. */
    private static String layerName(JsonNode layer, String model) throws ModelLoadException {
        String name = layer.path("config").path("name").asText(layer.path("name").asText(""));
        if (name.isEmpty()) {
            throw new ModelLoadException("model " + model + ": a layer of class " + layer.path("class_name").asText("?")
                    + " in the Keras model_config has no name");
        }
        return name;
    }

    /** Names from {@code [[layer, node, tensor], ...]}; an empty list if the entry is absent (DL4J's names stand). */
    private static List<String> endpoints(JsonNode list, String what, String model) throws ModelLoadException {
        List<String> names = new ArrayList<>();
        for (JsonNode entry : list) {
            String name = entry.isArray() ? entry.path(0).asText("") : entry.asText("");
            if (name.isEmpty()) {
                throw new ModelLoadException("model " + model + ": the Keras model_config's " + what + " has an entry "
                        + entry + " without a layer name");
            }
            names.add(name);
        }
        if (new HashSet<>(names).size() != names.size()) {
            // One layer feeding two outputs (or read twice) has no per-tensor names in Keras 2 either: keep DL4J's.
            return List.of();
        }
        return names;
    }

    @Override
    public String toString() {
        return kerasClass + " inputs=" + inputs + " outputs=" + outputs;
    }
}
