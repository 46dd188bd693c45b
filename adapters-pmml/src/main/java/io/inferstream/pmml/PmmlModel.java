package io.inferstream.pmml;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.AbstractModel;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dmg.pmml.OpType;
import org.jpmml.evaluator.Computable;
import org.jpmml.evaluator.DuplicateFieldException;
import org.jpmml.evaluator.EvaluationException;
import org.jpmml.evaluator.Evaluator;
import org.jpmml.evaluator.FieldValue;
import org.jpmml.evaluator.HasProbability;
import org.jpmml.evaluator.InputField;
import org.jpmml.evaluator.InvisibleFieldException;
import org.jpmml.evaluator.MissingFieldException;
import org.jpmml.evaluator.NotImplementedException;
import org.jpmml.evaluator.OutputField;
import org.jpmml.evaluator.TargetField;
import org.jpmml.model.MarkupException;

/**
 * A PMML document behind the {@link Model} SPI: one JPMML {@link Evaluator}, shared by every worker thread.
 *
 * <p>Inputs are the document's input fields (active and supplementary), by name. A field missing from a row is
 * passed to JPMML as missing, so the document's own missing-value treatment applies (a {@code
 * missingValueReplacement}, a tree's {@code missingValueStrategy}, ...). Outputs are the target field(s), under
 * their own names ({@value #SYNTHETIC_TARGET} when the document names none), followed by the document's
 * {@code Output} fields; a classifier also gets its label and one probability per class, in the DataDictionary's
 * class order.
 *
 * <p>JPMML has no batch call, so {@link #predict} evaluates the rows one after another; a PMML evaluation costs
 * microseconds and allocates no native resources, so there is no per-call overhead for batching to remove.
 *
 * <p>Errors follow JPMML's own split: an {@link EvaluationException} (a value the field does not accept, a
 * result the model cannot compute for this row) rejects that row with an {@link InvalidInputException} carrying
 * its batch index and JPMML's message; a {@link MarkupException} (the document is invalid or uses something JPMML
 * does not support), the few evaluation errors that are really the document's (see {@link #isDocumentFault}) and
 * any other failure are a {@link ModelFailureException}.
 *
 * <p>Thread safety: thread-safe. JPMML evaluators are immutable once built and safe to call concurrently
 * ({@link ModelInfo#threadSafe()} is true), and this class keeps no per-call state outside the call.
 */
public final class PmmlModel extends AbstractModel {
    /** Output name of a target field that the document does not name (e.g. the cluster of a clustering model). */
    public static final String SYNTHETIC_TARGET = "prediction";

    private final Evaluator evaluator;
    private final InputField[] inputs;
    private final List<Target> targets;
    private final List<Output> outputs;
    private final List<String> warnings;

    /** A target field and how to report it. */
    private static final class Target {
        final String key;
        final String outputName;
        final DataType type;
        final boolean classifier;
        final List<Object> classes;

        Target(TargetField field, String outputName, DataType type, boolean classifier, List<Object> classes) {
            this.key = field.getName();
            this.outputName = outputName;
            this.type = type;
            this.classifier = classifier;
            this.classes = classes;
        }
    }

    /** An output field and its neutral type. */
    private static final class Output {
        final String name;
        final DataType type;

        Output(String name, DataType type) {
            this.name = name;
            this.type = type;
        }
    }

    /**
     * @param evaluator a built, verified evaluator
     * @param base the model's name, version and properties; inputs and outputs are added here
     * @param warnings the schema findings the document was loaded despite
     */
    PmmlModel(Evaluator evaluator, ModelInfo.Builder base, List<String> warnings) {
        this(evaluator, new Fields(evaluator, base), warnings);
    }

    private PmmlModel(Evaluator evaluator, Fields fields, List<String> warnings) {
        super(fields.info);
        this.evaluator = evaluator;
        this.warnings = List.copyOf(warnings);
        this.inputs = fields.inputs;
        this.targets = fields.targets;
        this.outputs = fields.outputs;
    }

    /** The document's input, target and output fields, and the {@link ModelInfo} that declares them. */
    private static final class Fields {
        final InputField[] inputs;
        final List<Target> targets = new ArrayList<>();
        final List<Output> outputs = new ArrayList<>();
        final ModelInfo info;

        Fields(Evaluator evaluator, ModelInfo.Builder base) {
            inputs = evaluator.getInputFields().toArray(new InputField[0]);
            for (InputField f : inputs) {
                base.input(PmmlValues.inputSpec(f));
            }
            for (TargetField f : evaluator.getTargetFields()) {
                String outputName = f.getName() == null ? SYNTHETIC_TARGET : f.getName();
                boolean categorical = f.getOpType() == OpType.CATEGORICAL || f.getOpType() == OpType.ORDINAL;
                List<Object> classes = categorical && f.getCategories() != null ? List.copyOf(f.getCategories()) : List.of();
                DataType type = PmmlValues.neutralType(f.getDataType());
                Target t = new Target(f, outputName, type, categorical, classes);
                targets.add(t);
                base.output(type == DataType.STRING && !classes.isEmpty()
                        ? FieldSpec.categorical(outputName, strings(classes)) : FieldSpec.scalar(outputName, type));
            }
            for (OutputField f : evaluator.getOutputFields()) {
                DataType type = f.getDataType() != null ? PmmlValues.neutralType(f.getDataType())
                        : PmmlValues.impliedType(f.getField().getResultFeature(), targets.isEmpty() ? null : targets.get(0).type);
                outputs.add(new Output(f.getName(), type));
                base.output(FieldSpec.scalar(f.getName(), type));
            }
            info = base.threadSafe(true).build();
        }
    }

    private static List<String> strings(Collection<?> values) {
        List<String> s = new ArrayList<>(values.size());
        values.forEach(v -> s.add(String.valueOf(v)));
        return s;
    }

    /**
     * @return the departures from the PMML 4.4 schema that the document was loaded despite, each with the lines
     *     it was found on ({@code pmml.validate=warn}); empty for a document that follows the schema, or when the
     *     schema was not consulted. The same text is in {@link ModelInfo#properties()} under
     *     {@value PmmlModelLoader#WARNINGS_PROPERTY}, which {@code inspect} prints.
     */
    public List<String> warnings() {
        return warnings;
    }

    @Override
    protected String description() {
        return "PMML model " + info().name();
    }

    @Override
    protected List<Prediction> score(List<Features> batch) throws InferenceException {
        List<Prediction> out = new ArrayList<>(batch.size());
        Map<String, FieldValue> arguments = new HashMap<>(inputs.length * 2);
        for (int i = 0; i < batch.size(); i++) {
            out.add(score(i, batch.get(i), arguments));
        }
        return out;
    }

    /** Prepares each input field (where JPMML applies missing- and invalid-value treatment) and evaluates. */
    private Prediction score(int index, Features row, Map<String, FieldValue> arguments) throws InferenceException {
        arguments.clear();
        List<String> missing = null;
        for (InputField field : inputs) {
            String name = field.getName();
            Tensor value = row.get(name);
            Object raw;
            try {
                raw = value == null ? null : PmmlValues.toJava(value, field.getDataType());
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(index, name, e.getMessage());
            }
            if (raw == null) {
                missing = missing == null ? new ArrayList<>() : missing;
                missing.add(name);
            }
            try {
                arguments.put(name, field.prepare(raw));
            } catch (EvaluationException e) {
                if (isDocumentFault(e)) {
                    throw failure("cannot prepare field '" + name + "'", e);
                }
                throw new InvalidInputException(index, name, message(e), e);
            } catch (MarkupException e) {
                throw failure("cannot prepare field '" + name + "'", e);
            }
        }
        Map<String, ?> results;
        try {
            results = evaluator.evaluate(arguments);
        } catch (EvaluationException e) {
            if (isDocumentFault(e)) {
                throw failure("the document cannot be evaluated", e);
            }
            throw new InvalidInputException(index, null, message(e), e);
        } catch (MarkupException e) {
            throw failure("the document cannot be evaluated", e);
        } catch (RuntimeException e) {
            throw failure("the evaluator failed", e);
        }
        return prediction(index, results, missing);
    }

    private Prediction prediction(int index, Map<String, ?> results, List<String> missing) throws InvalidInputException {
        Prediction.Builder b = Prediction.builder();
        boolean labelled = false;
        for (Target t : targets) {
            Object raw = results.get(t.key);
            Object value = raw instanceof Computable ? ((Computable) raw).getResult() : raw;
            Tensor tensor = PmmlValues.toTensor(value, t.type);
            if (tensor == null) {
                throw new InvalidInputException(index, null, description() + " gives no value for target '"
                        + t.outputName + "' for this record" + (missing == null ? ""
                        : "; missing inputs " + missing + " have no replacement in the document"));
            }
            b.output(t.outputName, tensor);
            if (t.classifier && !labelled) {
                labelled = true;
                b.label(String.valueOf(value));
                if (raw instanceof HasProbability) {
                    addProbabilities(b, t, (HasProbability) raw);
                }
            }
        }
        for (Output o : outputs) {
            Tensor tensor = PmmlValues.toTensor(unwrap(results.get(o.name)), o.type);
            if (tensor != null) {
                b.output(o.name, tensor);
            }
        }
        return b.build();
    }

    /** One probability per class, in the DataDictionary's order (else JPMML's), absent classes as 0. */
    private static void addProbabilities(Prediction.Builder b, Target t, HasProbability result) {
        Collection<?> classes = t.classes.isEmpty() ? result.getCategories() : t.classes;
        for (Object c : classes) {
            Double p = result.getProbability(c);
            b.probability(String.valueOf(c), p == null ? 0.0 : p);
        }
    }

    private static Object unwrap(Object value) {
        return value instanceof Computable ? ((Computable) value).getResult() : value;
    }

    /**
     * True for the few evaluation errors that no record can avoid: the document refers to a field it does not define
     * (or cannot see, or defines twice), or uses something JPMML does not implement. JPMML reports them during
     * evaluation, like bad values, but they are faults of the document, so they fail the model, not the record.
     */
    static boolean isDocumentFault(EvaluationException e) {
        return e instanceof MissingFieldException || e instanceof InvisibleFieldException
                || e instanceof DuplicateFieldException || e instanceof NotImplementedException;
    }

    /** JPMML's own message, which names the field and value, without its class name. */
    private static String message(RuntimeException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private ModelFailureException failure(String what, RuntimeException e) {
        return new ModelFailureException(description() + ": " + what + ": " + e, e);
    }

    @Override
    public String toString() {
        return "PmmlModel[" + info() + "]";
    }
}
