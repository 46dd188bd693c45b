package io.inferstream.pmml;

import io.inferstream.model.LoaderOptions;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.xml.parsers.ParserConfigurationException;
import org.dmg.pmml.Application;
import org.dmg.pmml.Header;
import org.dmg.pmml.PMML;
import org.jpmml.evaluator.EvaluationException;
import org.jpmml.evaluator.Evaluator;
import org.jpmml.evaluator.FieldValue;
import org.jpmml.evaluator.InputField;
import org.jpmml.evaluator.LoadingModelEvaluatorBuilder;
import org.jpmml.evaluator.ModelEvaluator;
import org.jpmml.model.PMMLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Loads PMML 4.x documents (format {@value #FORMAT}) with the JPMML evaluator: any model type it supports
 * (regression, tree, mining-model ensembles, neural network, scorecard, SVM, naive Bayes, ...). Older PMML
 * namespaces (3.x, 4.0–4.3) are read too: JPMML translates them on import.
 *
 * <p>Options (besides {@code name} and {@code version}, see {@link LoaderOptions}; the version defaults to the
 * document's {@code Header@modelVersion} when it has one):
 * <ul>
 *   <li>{@value #MODEL} (default: the first model): the {@code modelName} of the model to serve when the document
 *       holds several top-level models.</li>
 *   <li>{@value #VALIDATE} (default {@code warn}): how the document is held to the PMML 4.4 schema.
 *       {@code warn} loads every document JPMML reads without losing anything: findings such as an
 *       {@code OutputField} without {@code dataType} or an {@code Extension} out of place become warnings, kept on
 *       the model ({@link PmmlModel#warnings()}, the {@value #WARNINGS_PROPERTY} property that {@code inspect}
 *       prints) and logged once; findings that would make JPMML drop part of the document (a value outside an
 *       enumeration, an unreadable number, an unknown PMML element) still fail the load. {@code strict} fails on
 *       any schema violation; {@code none} skips the schema. See {@link SchemaFindings}.</li>
 * </ul>
 *
 * <p>All start-up cost is paid here, not on the first record: parsing (the first document in a JVM also starts
 * JAXB, about 1.5 s), building the evaluator, running the document's own {@code ModelVerification} records if it
 * has any (a mismatch fails the load), and scoring one synthetic row so that the evaluation path is loaded too.
 * XML is parsed with DOCTYPE declarations refused, so a document cannot make the loader read other files.
 *
 * <p>{@link #accepts} recognises a {@code .pmml} name or a {@code <PMML} start tag in the first 4 KB (e.g. a
 * {@code .xml} file), without starting JPMML.
 *
 * <p>Licence: JPMML's evaluator is AGPL-3.0; this module is kept apart so that only deployments that include it
 * are bound by it.
 *
 * <p>Thread safety: thread-safe and stateless; loads may run concurrently.
 */
public final class PmmlModelLoader implements ModelLoader {
    /** The format id. */
    public static final String FORMAT = "pmml";
    /** Option: the {@code modelName} of the model to serve from a document with several; default the first. */
    public static final String MODEL = "pmml.model";
    /**
     * Option: how the document is held to the PMML 4.4 schema (JPMML's, with its extensions): {@code strict},
     * {@code warn} (the default) or {@code none}; the old {@code true} and {@code false} mean strict and none.
     */
    public static final String VALIDATE = "pmml.validate";
    /** The {@link ModelInfo#properties()} key of the schema findings a document was loaded despite, if any. */
    public static final String WARNINGS_PROPERTY = "pmml.warnings";

    private static final Logger LOG = LoggerFactory.getLogger(PmmlModelLoader.class);
    private static final int SNIFF_BYTES = 4096;
    /** The root start tag, with or without a namespace prefix; {@code <PMMLx} does not count. */
    private static final Pattern ROOT_TAG = Pattern.compile("<([A-Za-z_][\\w.-]*:)?PMML[\\s>/]");
    /** The root tag's version attribute, as the exporter wrote it. */
    private static final Pattern ROOT_VERSION = Pattern.compile("<(?:[A-Za-z_][\\w.-]*:)?PMML\\s[^>]*?\\bversion\\s*=\\s*[\"']([^\"']+)[\"']");

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "PMML 4.x documents on the JPMML evaluator (AGPL-3.0)";
    }

    @Override
    public OptionSpec options() {
        return OptionSpec.builder()
                .string(MODEL, null, "The modelName of the model to serve when the document holds several top-level "
                        + "models; by default the first.")
                .string(VALIDATE, "warn", "How the document is held to the PMML 4.4 schema: warn loads what JPMML "
                        + "reads without loss and keeps the findings as warnings; strict fails on any violation; none "
                        + "skips the schema (true and false are the old spellings of strict and none).",
                        "strict", "warn", "none", "true", "false")
                .build();
    }

    @Override
    public boolean accepts(ModelSource source) {
        if (source.isDirectory()) {
            return false;
        }
        return source.lowerCaseName().endsWith(".pmml") || looksLikePmml(source.header(SNIFF_BYTES));
    }

    /** True if the text starts a PMML document: a UTF-8 (or ASCII-compatible) or UTF-16 {@code <PMML} tag. */
    static boolean looksLikePmml(byte[] header) {
        String text;
        if (header.length >= 2 && (header[0] & 0xff) == 0xfe && (header[1] & 0xff) == 0xff) {
            text = new String(header, StandardCharsets.UTF_16BE);
        } else if (header.length >= 2 && (header[0] & 0xff) == 0xff && (header[1] & 0xff) == 0xfe) {
            text = new String(header, StandardCharsets.UTF_16LE);
        } else {
            text = new String(header, StandardCharsets.ISO_8859_1);
        }
        return ROOT_TAG.matcher(text).find();
    }

    @Override
    public Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
        LoaderOptions options = LoaderOptions.of(config);
        String name = options.modelName(source);
        String selected = options.string(MODEL, null);
        SchemaFindings.Mode mode;
        try {
            mode = SchemaFindings.Mode.parse(options.string(VALIDATE, SchemaFindings.Mode.WARN.toString()));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("PMML model " + name + ": " + e.getMessage(), e);
        }
        if (source.isDirectory()) {
            throw new ModelLoadException("PMML model " + name + ": " + source + " is a directory, not a PMML file");
        }
        long start = System.nanoTime();
        SchemaFindings findings = new SchemaFindings(mode);
        ModelEvaluator<?> evaluator = parse(source, name, selected, findings, mode);
        try {
            evaluator.verify();
        } catch (EvaluationException e) {
            throw new ModelLoadException("PMML model " + name + ": the document fails its own ModelVerification: "
                    + e.getMessage(), e);
        } catch (PMMLException | IllegalArgumentException | IllegalStateException e) {
            throw new ModelLoadException("PMML model " + name + ": " + describe(e), e);
        }
        List<String> warnings = findings.warnings();
        PmmlModel model;
        try {
            ModelInfo.Builder info = info(evaluator, name, options, writtenVersion(source));
            if (!warnings.isEmpty()) {
                info.property(WARNINGS_PROPERTY, summary(findings, mode));
            }
            model = new PmmlModel(evaluator, info, warnings);
        } catch (PMMLException e) {
            throw new ModelLoadException("PMML model " + name + ": " + describe(e), e);
        }
        warmUp(evaluator, name);
        if (!warnings.isEmpty()) {
            // Once per load, not per record: the document will not change until the next load.
            LOG.warn("PMML model {}: loaded despite {}", name, summary(findings, mode));
        }
        LOG.info("Loaded PMML model {} ({} {}) in {} ms", name, evaluator.getModel().getClass().getSimpleName(),
                evaluator.getMiningFunction(), (System.nanoTime() - start) / 1_000_000);
        return model;
    }

    /** The findings, the count and what {@code strict} would have done, for the log and {@code inspect}. */
    private static String summary(SchemaFindings findings, SchemaFindings.Mode mode) {
        return findings.count() + " finding" + (findings.count() == 1 ? "" : "s") + " of the PMML 4.4 schema that JPMML "
                + "reads past (" + VALIDATE + "=" + mode + "; strict refuses the document): "
                + String.join("; ", findings.warnings());
    }

    private static ModelEvaluator<?> parse(ModelSource source, String name, String selected, SchemaFindings findings,
            SchemaFindings.Mode mode) throws ModelLoadException {
        String prefix = "PMML model " + name + ": ";
        try (InputStream in = source.open()) {
            LoadingModelEvaluatorBuilder builder = new LoadingModelEvaluatorBuilder().setValidationEventHandler(findings);
            if (mode.usesSchema()) {
                builder.setSchema(PmmlSchema.get());
            }
            if (selected == null) {
                builder.load(in);
            } else {
                builder.load(in, selected);
            }
            return builder.build();
        } catch (IOException e) {
            throw new ModelLoadException(prefix + "cannot read " + source + ": " + e, e);
        } catch (SAXException | ParserConfigurationException e) {
            throw new ModelLoadException(prefix + source + " is not readable XML: " + rootMessage(e), e);
        } catch (jakarta.xml.bind.JAXBException e) {
            if (findings.fatal() != null) {
                throw new ModelLoadException(prefix + source + " breaks the PMML 4.4 schema in a way that loses "
                        + "content: " + findings.fatal(), e);
            }
            throw new ModelLoadException(prefix + source + xmlProblem(e), e);
        } catch (PMMLException e) {
            String message = String.valueOf(e.getMessage());
            String why = selected != null && message.contains("modelName=" + selected)
                    ? "the document has no model named '" + selected + "' (option " + MODEL + ")"
                    : message.contains("<Model>") ? "the document holds no model that can score (" + message + ")"
                    : describe(e);
            throw new ModelLoadException(prefix + why, e);
        } catch (IllegalArgumentException | IllegalStateException | ClassCastException e) {
            // Without the schema, a root element other than <PMML> gets this far and fails to cast.
            throw new ModelLoadException(prefix + "not a usable PMML document: " + rootMessage(e), e);
        }
    }

    /** JPMML's markup errors say what is wrong and, via toString, where; both help whoever wrote the document. */
    private static String describe(RuntimeException e) {
        String kind = e instanceof org.jpmml.model.UnsupportedMarkupException ? "unsupported PMML"
                : e instanceof org.jpmml.model.InvalidMarkupException ? "invalid PMML"
                : e instanceof org.jpmml.model.MissingMarkupException ? "incomplete PMML" : "cannot evaluate the document";
        return kind + ": " + e.getMessage();
    }

    /** Says which of the three it is: not XML at all, XML that breaks the PMML schema, or XML that JAXB cannot bind. */
    private static String xmlProblem(jakarta.xml.bind.JAXBException e) {
        Throwable root = rootCause(e);
        String message = rootMessage(e);
        String line = root instanceof SAXParseException && ((SAXParseException) root).getLineNumber() > 0
                ? "line " + ((SAXParseException) root).getLineNumber() + ": " : "";
        if (message.startsWith("cvc-")) {
            // Xerces prefixes every schema-validation message with the rule's id, "cvc-...".
            return " does not follow the PMML 4.4 schema (" + VALIDATE + "=strict; the default, warn, loads documents "
                    + "whose findings JPMML reads past): " + line + message;
        }
        return root instanceof SAXException ? " is not readable XML: " + line + message
                : " is not a valid PMML document: " + message;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (next(t) != null) {
            t = next(t);
        }
        return t;
    }

    private static Throwable next(Throwable t) {
        Throwable n = t.getCause();
        if (n == null && t instanceof jakarta.xml.bind.JAXBException) {
            n = ((jakarta.xml.bind.JAXBException) t).getLinkedException();
        }
        return n == t ? null : n;
    }

    /** SAX and JAXB wrap the parser's message several levels deep; the innermost one names the line and problem. */
    private static String rootMessage(Throwable e) {
        String message = null;
        for (Throwable t = e; t != null; t = next(t)) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }

    /**
     * @return the PMML version the document declares, or null: JPMML's import filter rewrites an older document's
     *     version to 4.4 along with its namespace, but a user inspecting the model wants to see what was written
     */
    private static String writtenVersion(ModelSource source) {
        java.util.regex.Matcher m = ROOT_VERSION.matcher(new String(source.header(SNIFF_BYTES), StandardCharsets.ISO_8859_1));
        return m.find() ? m.group(1) : null;
    }

    private static ModelInfo.Builder info(ModelEvaluator<?> evaluator, String name, LoaderOptions options,
            String writtenVersion) {
        PMML pmml = evaluator.getPMML();
        Header header = pmml.getHeader();
        org.dmg.pmml.Model m = evaluator.getModel();
        ModelInfo.Builder b = ModelInfo.builder(FORMAT)
                .name(name)
                .version(options.modelVersion(header == null ? null : header.getModelVersion()));
        putIfPresent(b, "pmml.version", writtenVersion == null || writtenVersion.equals(pmml.getVersion()) ? pmml.getVersion()
                : writtenVersion + " (read as " + pmml.getVersion() + ")");
        putIfPresent(b, "model.type", m.getClass().getSimpleName());
        putIfPresent(b, "model.name", m.getModelName());
        putIfPresent(b, "mining.function", evaluator.getMiningFunction() == null ? null : evaluator.getMiningFunction().value());
        putIfPresent(b, "algorithm", m.getAlgorithmName());
        putIfPresent(b, "summary", evaluator.getSummary());
        if (header != null) {
            putIfPresent(b, "description", header.getDescription());
            putIfPresent(b, "copyright", header.getCopyright());
            Application app = header.getApplication();
            if (app != null) {
                putIfPresent(b, "producer", app.getName() + (app.getVersion() == null ? "" : " " + app.getVersion()));
            }
        }
        b.property("batching", "one evaluation per record (JPMML has no batch call)");
        return b;
    }

    private static void putIfPresent(ModelInfo.Builder b, String key, String value) {
        if (value != null && !value.isBlank()) {
            b.property(key, value);
        }
    }

    /**
     * Scores one synthetic row so that the classes and lazily built lookup tables of the evaluation path are
     * loaded now rather than on the first real record. A rejected value or a missing result is fine; but JPMML
     * resolves field references and checks much of the markup only when it evaluates, so a document fault found
     * here (an undefined field, unsupported markup) would fail every record, and fails the load instead.
     */
    private static void warmUp(Evaluator evaluator, String name) throws ModelLoadException {
        try {
            Map<String, FieldValue> row = new HashMap<>();
            for (InputField f : evaluator.getInputFields()) {
                row.put(f.getName(), f.prepare(sampleValue(f)));
            }
            evaluator.evaluate(row);
        } catch (EvaluationException e) {
            if (PmmlModel.isDocumentFault(e)) {
                throw new ModelLoadException("PMML model " + name + ": the document cannot be evaluated: " + e.getMessage(), e);
            }
            LOG.debug("PMML model {}: warm-up row not scored ({}); this is harmless", name, e.getMessage());
        } catch (PMMLException e) {
            throw new ModelLoadException("PMML model " + name + ": " + describe(e), e);
        } catch (RuntimeException e) {
            LOG.warn("PMML model {}: a synthetic warm-up row failed to score; real rows may fail too: {}", name, e.toString());
        }
    }

    /** A valid-looking value: the first listed category, else the lower bound of the valid range, else 0. */
    private static Object sampleValue(InputField f) {
        List<?> domain = f.getDiscreteDomain();
        if (domain != null && !domain.isEmpty()) {
            return domain.get(0);
        }
        switch (PmmlValues.neutralType(f.getDataType())) {
            case DOUBLE:
            case INT64:
                var range = f.getContinuousDomain();
                if (range != null && !range.isEmpty() && range.span().hasLowerBound()) {
                    return range.span().lowerEndpoint();
                }
                return 0;
            case BOOL:
                return false;
            default:
                return null;
        }
    }
}
