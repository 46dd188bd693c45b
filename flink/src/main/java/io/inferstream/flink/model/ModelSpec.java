package io.inferstream.flink.model;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * One {@code CREATE MODEL}'s definition as a function needs it on a task manager: its name, its INPUT and OUTPUT
 * columns with their types, and its options.
 *
 * <p>Thread safety: immutable.
 */
final class ModelSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final ModelOptions options;
    private final ArrayList<String> inputColumns = new ArrayList<>();
    private final ArrayList<LogicalType> inputTypes = new ArrayList<>();
    private final ArrayList<String> outputColumns = new ArrayList<>();
    private final ArrayList<LogicalType> outputTypes = new ArrayList<>();

    /** @throws IllegalArgumentException if an option is invalid or the error column is missing */
    ModelSpec(String name, ResolvedCatalogModel model) {
        this.name = name;
        this.options = new ModelOptions(model.getOptions());
        columns(model.getResolvedInputSchema(), inputColumns, inputTypes);
        columns(model.getResolvedOutputSchema(), outputColumns, outputTypes);
        if (inputColumns.isEmpty() || outputColumns.isEmpty()) {
            throw new IllegalArgumentException("model " + name + " needs at least one INPUT and one OUTPUT column");
        }
        if (options.errors() == RowErrorStrategy.OUTPUT && outputColumns.stream()
                .noneMatch(c -> c.equalsIgnoreCase(options.errorColumn()))) {
            throw new IllegalArgumentException("model " + name + ": '" + RowErrorStrategy.OPTION + "' = 'output' "
                    + "needs a STRING column " + options.errorColumn() + " in its OUTPUT schema (or name another "
                    + "with '" + RowErrorStrategy.ERROR_COLUMN_OPTION + "')");
        }
    }

    private static void columns(ResolvedSchema schema, List<String> names, List<LogicalType> types) {
        for (Column c : schema.getColumns()) {
            names.add(c.getName());
            types.add(c.getDataType().getLogicalType());
        }
    }

    String name() {
        return name;
    }

    ModelOptions options() {
        return options;
    }

    List<String> inputColumns() {
        return inputColumns;
    }

    List<LogicalType> inputTypes() {
        return inputTypes;
    }

    List<String> outputColumns() {
        return outputColumns;
    }

    List<LogicalType> outputTypes() {
        return outputTypes;
    }
}
