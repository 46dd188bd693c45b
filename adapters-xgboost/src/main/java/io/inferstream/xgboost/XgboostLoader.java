package io.inferstream.xgboost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.data.DataType;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import io.inferstream.model.tabular.FeatureColumns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Loads XGBoost models: format id {@value #FORMAT}; a file as XGBoost's {@code save_model} writes it, in JSON
 * ({@code .json}), UBJSON ({@code .ubj}) or the older binary format (which begins with {@code binf}), from any
 * XGBoost release that xgboost4j {@value #RUNTIME_VERSION} reads (the tests load files saved by XGBoost 1.7.4).
 *
 * <p>Inputs are the model's own feature names (as saved from a pandas frame or {@code DMatrix(feature_names=..)}),
 * else XGBoost's {@code f0..f<n-1>}; outputs depend on the objective ({@link XgboostOutputs}). Options are listed in
 * {@link XgboostOptions}. {@code inspect} shows the objective, class and feature counts, base score, booster type,
 * the rounds recorded and scored, where the feature names came from, and the file's format.
 *
 * <p>Thread safety: stateless and thread-safe; {@link #accepts} reads only the first bytes and never starts XGBoost.
 */
public final class XgboostLoader implements ModelLoader {
    /** The format id. */
    public static final String FORMAT = "xgboost";
    /** The xgboost4j version this adapter is built against. */
    static final String RUNTIME_VERSION = "3.4.0";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SNIFF = 48;

    /** A public no-argument constructor, for {@link java.util.ServiceLoader}. */
    public XgboostLoader() {
    }

    @Override
    public OptionSpec options() {
        return XgboostOptions.spec();
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "XGBoost model (.json, .ubj, legacy binary) scored with xgboost4j " + RUNTIME_VERSION;
    }

    @Override
    public boolean accepts(ModelSource source) {
        return !source.isDirectory() && FileFormat.sniff(source.header(SNIFF)) != null;
    }

    /** The three ways XGBoost writes a model, told apart by their first bytes. */
    enum FileFormat {
        JSON("json"), UBJSON("ubjson"), BINARY("binary (legacy)");

        final String displayName;

        FileFormat(String displayName) {
            this.displayName = displayName;
        }

        /** @return the format of a file beginning with {@code head}, or null if it is none of them. */
        static FileFormat sniff(byte[] head) {
            if (head.length >= 4 && head[0] == 'b' && head[1] == 'i' && head[2] == 'n' && head[3] == 'f') {
                return BINARY;
            }
            int start = 0;
            while (start < head.length && Character.isWhitespace(head[start])) {
                start++;
            }
            if (start >= head.length || head[start] != '{') {
                return null;
            }
            String text = new String(head, StandardCharsets.ISO_8859_1);
            if (text.startsWith("\"learner\"", start + 1 + countWhitespace(head, start + 1))) {
                return JSON;
            }
            // UBJSON: '{', the key's length as a typed integer (e.g. L + 8 bytes, or i + 1 byte), then the key.
            int key = text.indexOf("learner");
            return start == 0 && key > 1 && key <= 10 && "LliUI".indexOf(head[1]) >= 0 ? UBJSON : null;
        }

        private static int countWhitespace(byte[] b, int from) {
            int n = 0;
            while (from + n < b.length && Character.isWhitespace(b[from + n])) {
                n++;
            }
            return n;
        }
    }

    @Override
    public Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
        XgboostOptions options = XgboostOptions.read(config, source);
        String name = options.name;
        byte[] bytes;
        try {
            bytes = source.readAllBytes();
        } catch (IOException e) {
            throw new ModelLoadException("cannot read XGBoost model " + name + " from " + source + ": " + e, e);
        }
        FileFormat fileFormat = FileFormat.sniff(java.util.Arrays.copyOf(bytes, Math.min(bytes.length, SNIFF)));
        if (fileFormat == null) {
            throw new ModelLoadException("XGBoost model " + name + " (" + source + ") is not a file XGBoost writes: "
                    + "expected JSON or UBJSON with a \"learner\" object, or the binary format starting with 'binf' ("
                    + bytes.length + " bytes)");
        }
        Booster booster = open(bytes, name, source, fileFormat);
        try {
            BoosterFacts facts = BoosterFacts.parse(booster.toByteArray("json"), booster.getNumBoostedRound());
            booster.setParam("nthread", options.booster.threads());
            List<String> features = featureNames(facts, options);
            FeatureColumns inputs = FeatureColumns.of(name, features, null, DataType.FLOAT, options.booster.inputVector(),
                    XgboostOptions.INPUT_VECTOR);
            XgboostOutputs outputs;
            try {
                outputs = XgboostOutputs.of(facts.objective, facts.numClass, options.booster.classLabels());
            } catch (IllegalArgumentException e) {
                throw new ModelLoadException("XGBoost model " + name + ": " + e.getMessage(), e);
            }
            // Only gbtree has in-place prediction with an iteration range; gblinear has no iterations to slice.
            boolean inPlace = "gbtree".equals(facts.booster);
            int rounds = inPlace ? facts.roundsToScore(options.bestIteration) : 0;
            ModelInfo.Builder info = ModelInfo.builder(FORMAT).name(name).version(options.version)
                    .threadSafe("gbtree".equals(facts.booster))
                    .property("objective", facts.objective)
                    .property("booster", facts.booster)
                    .property("num_feature", Integer.toString(facts.numFeature))
                    .property("feature.names", !facts.featureNames.isEmpty() ? "from the model file"
                            : !options.featureNames.isEmpty() ? "from option " + XgboostOptions.FEATURE_NAMES
                            : "default (f0..f" + (facts.numFeature - 1) + "): the file has none")
                    .property("rounds", Integer.toString(facts.boostedRounds))
                    .property("rounds.scored", rounds == 0 ? "all" : rounds + " (best_iteration "
                            + facts.bestIteration + " + 1)")
                    .property("file.format", fileFormat.displayName)
                    .property("xgboost.runtime", RUNTIME_VERSION)
                    .property(XgboostOptions.THREADS, Integer.toString(options.booster.threads()));
            if (facts.numClass > 0) {
                info.property("num_class", Integer.toString(facts.numClass));
            }
            if (!facts.baseScore.isEmpty()) {
                info.property("base_score", facts.baseScore);
            }
            if (facts.bestIteration != null) {
                info.property("best_iteration", facts.bestIteration.toString());
            }
            if (hasNonNumericTypes(facts.featureTypes)) {
                info.property("feature.types", String.join(",", facts.featureTypes));
            }
            String savedBy = fileFormat == FileFormat.JSON ? savedBy(bytes) : null;
            if (savedBy != null) {
                info.property("saved.by", "XGBoost " + savedBy);
            }
            inputs.specs().forEach(info::input);
            outputs.specs().forEach(info::output);
            return new XgboostModel(booster, info.build(), inputs, outputs, inPlace, rounds);
        } catch (XGBoostError | IOException | RuntimeException e) {
            booster.dispose();
            throw new ModelLoadException("XGBoost model " + name + " (" + source + ") loaded but cannot be served: " + e, e);
        } catch (ModelLoadException e) {
            booster.dispose();
            throw e;
        }
    }

    private static Booster open(byte[] bytes, String name, ModelSource source, FileFormat fileFormat)
            throws ModelLoadException {
        try {
            // XGBoost 3 reads only JSON and UBJSON: an old binary file is first rewritten as the JSON it stands for.
            return XGBoost.loadModel(fileFormat == FileFormat.BINARY ? LegacyBinaryModel.toJson(bytes) : bytes);
        } catch (XGBoostError | IOException e) {
            // XGBoost's own words say where the file stopped making sense; the first line is enough.
            String reason = String.valueOf(e.getMessage()).strip().split("\n", 2)[0];
            throw new ModelLoadException("cannot load XGBoost model " + name + " from " + source + " (" + bytes.length
                    + " bytes, " + fileFormat.displayName + "): damaged, truncated or not saved by XGBoost: " + reason, e);
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new ModelLoadException("XGBoost's native library (inside xgboost4j " + RUNTIME_VERSION
                    + ") cannot be loaded on " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
                    + ": " + e + ". It needs libgomp (Debian: apt-get install libgomp1)", e);
        }
    }

    private static List<String> featureNames(BoosterFacts facts, XgboostOptions options) throws ModelLoadException {
        List<String> own = facts.featureNames;
        List<String> configured = options.featureNames;
        if (!own.isEmpty() && own.size() != facts.numFeature) {
            throw new ModelLoadException("XGBoost model " + options.name + " names " + own.size()
                    + " features but has " + facts.numFeature);
        }
        if (!configured.isEmpty()) {
            if (configured.size() != facts.numFeature) {
                throw new ModelLoadException("option " + XgboostOptions.FEATURE_NAMES + " lists " + configured.size()
                        + " names, but XGBoost model " + options.name + " has " + facts.numFeature + " features");
            }
            if (!own.isEmpty() && !own.equals(configured)) {
                throw new ModelLoadException("option " + XgboostOptions.FEATURE_NAMES + " " + configured
                        + " differs from the names in XGBoost model " + options.name + ": " + own);
            }
            return configured;
        }
        if (!own.isEmpty()) {
            return own;
        }
        List<String> names = new ArrayList<>(facts.numFeature);
        for (int j = 0; j < facts.numFeature; j++) {
            names.add("f" + j); // XGBoost's own names for unnamed features
        }
        return names;
    }

    /** Categorical features ({@code c}) take the category's code as a number; worth showing in inspect. */
    private static boolean hasNonNumericTypes(List<String> types) {
        return types.stream().anyMatch(t -> !t.equals("float") && !t.equals("q") && !t.equals("int"));
    }

    /** @return the XGBoost version a JSON file records ({@code "version": [1, 7, 4]}), or null. */
    private static String savedBy(byte[] json) {
        try {
            JsonNode version = JSON.readTree(json).path("version");
            StringJoiner v = new StringJoiner(".");
            version.forEach(n -> v.add(n.asText()));
            return version.isArray() ? v.toString() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
