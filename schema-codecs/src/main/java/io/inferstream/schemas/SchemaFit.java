package io.inferstream.schemas;

import io.inferstream.model.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Says, before anything runs, which fields of an Avro schema feed which model inputs and which inputs cannot be fed,
 * by the same rules the engine's reader applies ({@code inferstream inspect --codec avro --schema FILE}).
 *
 * <p>Thread safety: stateless.
 */
public final class SchemaFit {
    private SchemaFit() {
    }

    /**
     * @param schemaText an Avro schema (.avsc text)
     * @param fieldPaths {@code input.field.<input>} settings, may be empty
     * @param concatenations {@code input.concat.<input>} settings, may be empty
     * @return one line per input ("input 'x' (float[4]) <- field 'a.b' (array of float)"), then either "fits" or the
     *     reason the schema cannot feed the model
     * @throws IllegalArgumentException if the text is not an Avro schema or the settings name unknown inputs
     */
    public static List<String> describe(ModelInfo model, String schemaText, Map<String, String> fieldPaths,
            Map<String, List<String>> concatenations) {
        Schema schema = new Schema.Parser().parse(schemaText);
        InputTargets targets = new InputTargets(model, fieldPaths, concatenations, false);
        List<String> lines = new ArrayList<>();
        for (InputTargets.Target t : targets.all()) {
            Schema field = find(schema, t.path);
            lines.add("input '" + t.input.name() + "' (" + t.input.typeAndShape() + ")"
                    + (t.joined() ? " position " + t.position : "") + " <- "
                    + (field == null ? "MISSING: the schema has no field '" + t.path + "'"
                            : "field '" + t.path + "' (" + typeName(field) + ")"));
        }
        try {
            AvroReadPlan.compile(schema, targets);
            lines.add("the schema " + schema.getFullName() + " can feed every input of model " + model.name());
        } catch (AvroReadPlan.Unfit e) {
            lines.add("the schema " + schema.getFullName() + " cannot feed model " + model.name() + ": " + e.getMessage());
        }
        return lines;
    }

    private static Schema find(Schema schema, String path) {
        Schema at = schema;
        for (String name : path.split("\\.")) {
            at = recordOf(at);
            if (at == null || at.getField(name) == null) {
                return null;
            }
            at = at.getField(name).schema();
        }
        return at;
    }

    private static Schema recordOf(Schema s) {
        if (s.getType() == Schema.Type.RECORD) {
            return s;
        }
        if (s.getType() == Schema.Type.UNION) {
            for (Schema b : s.getTypes()) {
                if (b.getType() == Schema.Type.RECORD) {
                    return b;
                }
            }
        }
        return null;
    }

    private static String typeName(Schema s) {
        switch (s.getType()) {
            case ARRAY: return "array of " + typeName(s.getElementType());
            case UNION: return String.join(" | ", s.getTypes().stream().map(SchemaFit::typeName).toList());
            case RECORD:
            case ENUM:
            case FIXED: return s.getType().getName() + " " + s.getFullName();
            default: return s.getType().getName() + (s.getLogicalType() == null ? "" : " (" + s.getLogicalType().getName() + ")");
        }
    }
}
