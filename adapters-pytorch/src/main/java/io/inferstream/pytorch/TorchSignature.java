package io.inferstream.pytorch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.data.DataType;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelLoadException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A TorchScript module's inputs (name, element type, per-record shape) and output names, and where each came from.
 * The file keeps only the names (in {@code forward}'s signature); types and shapes come from, in this order: the
 * loader options, the sidecar file beside the model ({@code <model>.inferstream.json}, or {@code inferstream.json}
 * in its folder), the same JSON saved inside the file as the extra file {@code inferstream.json}; else float32
 * vectors of any length. The JSON reads
 * {@code {"inputs": [{"name": "x", "type": "float32", "shape": [4]}], "outputs": ["probabilities"]}}.
 *
 * <p>Thread safety: immutable.
 */
final class TorchSignature {
    private static final ObjectMapper JSON = new ObjectMapper();

    final List<FieldSpec> inputs;
    /** Names for a tensor, tuple or list output; empty for the defaults. */
    final List<String> outputNames;
    /** Where the names came from, for inspect. */
    final String namesFrom;
    /** Where the types and shapes came from, for inspect. */
    final String shapesFrom;

    private TorchSignature(List<FieldSpec> inputs, List<String> outputNames, String namesFrom, String shapesFrom) {
        this.inputs = List.copyOf(inputs);
        this.outputNames = List.copyOf(outputNames);
        this.namesFrom = namesFrom;
        this.shapesFrom = shapesFrom;
    }

    /** A signature as written in JSON (a sidecar or an extra file), with what it is called in messages. */
    record Declared(JsonNode json, String where) {
        static Declared parse(byte[] bytes, String where) throws ModelLoadException {
            try {
                JsonNode json = JSON.readTree(bytes);
                if (json == null || !json.isObject()) {
                    throw new ModelLoadException("the signature " + where + " is not a JSON object");
                }
                return new Declared(json, where);
            } catch (IOException e) {
                throw new ModelLoadException("the signature " + where + " is not valid JSON: " + e.getMessage(), e);
            }
        }
    }

    /**
     * @param fileNames the forward parameters the file names, or null when it names none
     * @param declared the sidecar's or extra file's signature, or null
     */
    static TorchSignature resolve(TorchScriptOptions options, List<String> fileNames, Declared declared)
            throws ModelLoadException {
        JsonNode declaredInputs = declared == null ? null : declared.json.path("inputs");
        List<String> names;
        String namesFrom;
        if (!options.inputNames.isEmpty()) {
            names = options.inputNames;
            namesFrom = "option " + TorchScriptOptions.INPUT_NAMES;
        } else if (declaredInputs != null && declaredInputs.isArray() && declaredInputs.size() > 0) {
            names = new ArrayList<>();
            for (JsonNode input : declaredInputs) {
                names.add(requireText(input, "name", declared));
            }
            namesFrom = declared.where;
        } else if (fileNames != null) {
            names = fileNames;
            namesFrom = "the file's forward signature";
        } else {
            names = List.of("input");
            namesFrom = "default (the file's forward signature could not be read)";
        }
        if (fileNames != null && fileNames.size() != names.size()) {
            throw new ModelLoadException("the module's forward takes " + fileNames.size() + " inputs " + fileNames
                    + " but " + namesFrom + " gives " + names.size() + " " + names);
        }
        List<String> types = options.inputTypes;
        if (!types.isEmpty() && types.size() != 1 && types.size() != names.size()) {
            throw new ModelLoadException("option " + TorchScriptOptions.INPUT_TYPES + " lists " + types.size()
                    + " types for " + names.size() + " inputs " + names);
        }
        String[] shapeTexts = options.inputShapes.isEmpty() ? null : options.inputShapes.split(";", -1);
        if (shapeTexts != null && shapeTexts.length != names.size()) {
            throw new ModelLoadException("option " + TorchScriptOptions.INPUT_SHAPES + " '" + options.inputShapes
                    + "' gives " + shapeTexts.length + " shapes for " + names.size() + " inputs " + names);
        }
        boolean fromDeclared = declaredInputs != null && declaredInputs.size() == names.size();
        List<FieldSpec> inputs = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            JsonNode d = fromDeclared ? declaredInputs.get(i) : null;
            String type = !types.isEmpty() ? types.get(types.size() == 1 ? 0 : i)
                    : d != null && d.hasNonNull("type") ? d.get("type").asText() : "float32";
            long[] shape = shapeTexts != null ? parseShape(shapeTexts[i])
                    : d != null && d.has("shape") ? jsonShape(d.get("shape"), declared) : new long[] {-1};
            inputs.add(FieldSpec.tensor(names.get(i), dataType(type, names.get(i)), shape));
        }
        String shapesFrom = shapeTexts != null || !types.isEmpty() ? "options " + TorchScriptOptions.INPUT_TYPES + "/"
                + TorchScriptOptions.INPUT_SHAPES + (fromDeclared ? " over " + declared.where : "")
                : fromDeclared ? declared.where : "default (float32 vectors of any length): the file declares none";
        List<String> outputNames = options.outputNames;
        if (outputNames.isEmpty() && declared != null && declared.json.path("outputs").isArray()) {
            outputNames = new ArrayList<>();
            for (JsonNode n : declared.json.get("outputs")) {
                outputNames.add(n.asText());
            }
        }
        return new TorchSignature(inputs, outputNames, namesFrom, shapesFrom);
    }

    private static String requireText(JsonNode node, String key, Declared declared) throws ModelLoadException {
        JsonNode v = node.get(key);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new ModelLoadException("an input in the signature " + declared.where + " has no \"" + key + "\"");
        }
        return v.asText();
    }

    private static long[] jsonShape(JsonNode shape, Declared declared) throws ModelLoadException {
        if (!shape.isArray()) {
            throw new ModelLoadException("a \"shape\" in the signature " + declared.where + " is not an array");
        }
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.get(i).asLong();
        }
        return dims;
    }

    private static long[] parseShape(String text) throws ModelLoadException {
        String t = text.strip();
        if (t.isEmpty()) {
            return new long[0];
        }
        String[] parts = t.split(",");
        long[] dims = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                dims[i] = Long.parseLong(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new ModelLoadException("option " + TorchScriptOptions.INPUT_SHAPES + ": '" + text
                        + "' is not a shape (dimensions separated by ',', -1 for any)", e);
            }
            if (dims[i] < -1 || dims[i] == 0) {
                throw new ModelLoadException("option " + TorchScriptOptions.INPUT_SHAPES + ": dimension " + dims[i]
                        + " in '" + text + "' must be positive or -1");
            }
        }
        return dims;
    }

    private static DataType dataType(String type, String input) throws ModelLoadException {
        switch (type.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "float32": case "float": return DataType.FLOAT;
            case "float64": case "double": return DataType.DOUBLE;
            case "int64": case "long": return DataType.INT64;
            default:
                throw new ModelLoadException("input '" + input + "' has type '" + type + "': the PyTorch adapter "
                        + "takes float32, float64 or int64");
        }
    }
}
