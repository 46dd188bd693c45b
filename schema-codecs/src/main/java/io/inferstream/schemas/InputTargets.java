package io.inferstream.schemas;

import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which field of a schema-described record feeds which model input: by default the top-level field of the input's
 * name; {@code input.field.<input>=a.b.c} names a nested one by its dotted path; {@code input.concat.<input>=f1,f2}
 * joins scalar fields (dotted paths allowed) into one tensor input, as for JSON. Shared by the Avro and Protobuf
 * readers, which compile a writer schema against these targets once and then fill a {@link Row} per record.
 *
 * <p>Thread safety: immutable.
 */
final class InputTargets {

    /** One field the record must provide. */
    static final class Target {
        final String path;
        final FieldSpec input;
        /** The joined input's index for a field of {@code input.concat}, else -1. */
        final int group;
        final int position;

        Target(String path, FieldSpec input, int group, int position) {
            this.path = path;
            this.input = input;
            this.group = group;
            this.position = position;
        }

        boolean joined() {
            return group >= 0;
        }

        /** @return e.g. "field 'payment.amount' (input 'amount', float32 scalar)" */
        String describe() {
            return "field '" + path + "' (" + (joined() ? "joined into input '" + input.name() + "'"
                    : "input '" + input.name() + "', " + input.typeAndShape()) + ")";
        }
    }

    private final Map<String, Target> byPath = new LinkedHashMap<>();
    private final List<FieldSpec> joinedInputs = new ArrayList<>();
    private final List<List<String>> joinedFields = new ArrayList<>();
    private final boolean allowNonFinite;

    /**
     * @param fieldPaths {@code input.field.<input>}: input to the dotted path of its field
     * @param concatenations {@code input.concat.<input>}: tensor input to the scalar fields joined into it
     * @throws IllegalArgumentException for a key naming an input the model does not have, or a joined input whose
     *     size differs from the number of fields
     */
    InputTargets(ModelInfo model, Map<String, String> fieldPaths, Map<String, List<String>> concatenations,
            boolean allowNonFinite) {
        this.allowNonFinite = allowNonFinite;
        for (String input : fieldPaths.keySet()) {
            requireInput(model, "input.field." + input, input);
        }
        for (FieldSpec spec : model.inputs()) {
            List<String> fields = concatenations.get(spec.name());
            if (fields == null) {
                add(new Target(fieldPaths.getOrDefault(spec.name(), spec.name()), spec, -1, -1));
                continue;
            }
            long declared = spec.elementCount();
            if (declared >= 0 && declared != fields.size()) {
                throw new IllegalArgumentException("input.concat." + spec.name() + " lists " + fields.size()
                        + " fields but input '" + spec.name() + "' of model " + model.name() + " takes " + declared
                        + " values (" + spec.typeAndShape() + ")");
            }
            int group = joinedInputs.size();
            joinedInputs.add(spec);
            joinedFields.add(List.copyOf(fields));
            for (int i = 0; i < fields.size(); i++) {
                add(new Target(fields.get(i), spec, group, i));
            }
        }
        for (String input : concatenations.keySet()) {
            requireInput(model, "input.concat." + input, input);
        }
    }

    private static void requireInput(ModelInfo model, String key, String input) {
        if (model.input(input) == null) {
            List<String> names = new ArrayList<>();
            model.inputs().forEach(s -> names.add(s.name()));
            throw new IllegalArgumentException(key + ": model " + model.name() + " has no input '" + input
                    + "'; its inputs are " + names);
        }
    }

    private void add(Target t) {
        Target before = byPath.putIfAbsent(t.path, t);
        if (before != null) {
            throw new IllegalArgumentException("field '" + t.path + "' is mapped to two inputs, '"
                    + before.input.name() + "' and '" + t.input.name() + "'");
        }
    }

    /** @return the target a field at this dotted path fills, or null */
    Target at(String path) {
        return byPath.get(path);
    }

    /** @return whether some target lies inside the record at this path (so it must be read, not skipped) */
    boolean inside(String path) {
        String prefix = path + ".";
        for (String p : byPath.keySet()) {
            if (p.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** @return every target, in the model's input order */
    List<Target> all() {
        return List.copyOf(byPath.values());
    }

    boolean allowNonFinite() {
        return allowNonFinite;
    }

    /** @return a fresh per-record row */
    Row newRow() {
        return new Row(joinedInputs, joinedFields);
    }
}
