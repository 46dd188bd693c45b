package io.inferstream.dl4j;

import io.inferstream.model.LoaderOptions;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Loads Keras models saved in the HDF5 format ({@code model.save("m.h5")}, format id {@value #FORMAT}) through
 * DL4J's Keras model import: a {@code Sequential} model becomes a MultiLayerNetwork, a functional
 * ({@code Model}/{@code Functional}) one a ComputationGraph.
 *
 * <p>Inputs and outputs carry the names Keras gives them ({@link KerasNames}), read from the file's
 * {@code model_config}: a functional model's input and output layers; a Sequential model's leading
 * {@code InputLayer}, or {@code <first layer>_input} when it has none, and its last layer. These are the names
 * users know from Keras and from TF Serving's signature of the same model. A Sequential model's input was called
 * {@code input} before; {@link io.inferstream.model.Model#predict} still takes rows that use that name.
 *
 * <p>{@link #accepts} checks the 8-byte HDF5 signature only. The newer {@code .keras} zip format and
 * SavedModel directories are not read by DL4J's import; save with {@code save_format="h5"}.
 *
 * <p>Options, besides those of {@link Dl4jModelLoader}: {@value #ENFORCE_TRAINING_CONFIG} ({@code false} by
 * default: a model saved without its optimizer or with a loss DL4J does not know still serves).
 *
 * <p>Thread safety: stateless, safe to share; each load makes a new network.
 */
public final class KerasModelLoader implements ModelLoader {
    /** The format id. */
    public static final String FORMAT = "keras";
    /** Option: fail when the Keras training configuration (loss, optimizer) is missing or unsupported. */
    public static final String ENFORCE_TRAINING_CONFIG = "keras.enforce.training.config";

    private static final byte[] HDF5_MAGIC = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "Keras HDF5 models (Sequential and functional) via Deeplearning4j " + Dl4jModelLoader.DL4J_VERSION;
    }

    @Override
    public OptionSpec options() {
        return Dl4jModel.options().bool(ENFORCE_TRAINING_CONFIG, false, "Fail when the Keras training "
                + "configuration (loss, optimizer) is missing or unsupported; by default it is not needed to score.")
                .build();
    }

    @Override
    public boolean accepts(ModelSource source) {
        return !source.isDirectory() && Arrays.equals(source.header(HDF5_MAGIC.length), HDF5_MAGIC);
    }

    @Override
    public Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
        LoaderOptions options = LoaderOptions.of(config);
        String name = options.modelName(source);
        boolean enforce = options.bool(ENFORCE_TRAINING_CONFIG, false);
        if (!accepts(source)) {
            throw new ModelLoadException("model " + name + ": " + source + " is not an HDF5 file (Keras .h5)");
        }
        Path temp = null;
        try {
            Path file;
            if (source.path().isPresent()) {
                file = source.requirePath();
            } else {
                // The HDF5 library reads files only, so bytes in memory go through a temporary file.
                temp = Files.createTempFile("inferstream-keras-", ".h5");
                Files.write(temp, source.readAllBytes());
                file = temp;
            }
            Map<String, String> properties = new LinkedHashMap<>();
            properties.put("source", source.name());
            KerasNames keras = describe(file, name, properties);
            String path = file.toString();
            if (keras.isSequential()) {
                return Dl4jModel.of(KerasModelImport.importKerasSequentialModelAndWeights(path, enforce), null, FORMAT,
                        name, options, properties, keras);
            }
            return Dl4jModel.of(KerasModelImport.importKerasModelAndWeights(path, enforce), null, FORMAT, name,
                    options, properties, keras);
        } catch (ModelLoadException e) {
            throw e;
        } catch (Exception e) {
            throw new ModelLoadException("model " + name + ": cannot import the Keras model " + source + ": " + e, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    temp.toFile().deleteOnExit();
                }
            }
        }
    }

    /**
     * Reads the Keras model class (so Sequential and functional models go the right way), the names Keras gives
     * the inputs and outputs, and the version attributes.
     */
    private static KerasNames describe(Path file, String name, Map<String, String> properties) throws Exception {
        try (Hdf5Archive archive = new Hdf5Archive(file.toString())) {
            if (!archive.hasAttribute("model_config")) {
                throw new ModelLoadException("model " + name + ": " + file.getFileName()
                        + " has no Keras model_config attribute (weights-only files cannot be served)");
            }
            JsonNode modelConfig = new ObjectMapper().readTree(archive.readAttributeAsJson("model_config"));
            KerasNames keras = KerasNames.of(modelConfig, name);
            properties.put("keras.class", keras.kerasClass);
            for (String attribute : new String[] {"keras_version", "backend"}) {
                if (archive.hasAttribute(attribute)) {
                    properties.put("keras." + attribute, archive.readAttributeAsString(attribute));
                }
            }
            return keras;
        }
    }
}
