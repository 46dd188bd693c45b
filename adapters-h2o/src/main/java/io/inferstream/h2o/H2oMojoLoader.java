package io.inferstream.h2o;

import hex.genmodel.ConverterFactoryProvidingModel;
import hex.genmodel.ModelMojoReader;
import hex.genmodel.MojoModel;
import hex.genmodel.MojoReaderBackend;
import hex.genmodel.MojoReaderBackendFactory;
import hex.genmodel.algos.deeplearning.DeeplearningMojoModel;
import hex.genmodel.algos.drf.DrfMojoModel;
import hex.genmodel.algos.gbm.GbmMojoModel;
import hex.genmodel.algos.glm.GlmMojoModelBase;
import hex.genmodel.algos.isofor.IsolationForestMojoModel;
import hex.genmodel.algos.isoforextended.ExtendedIsolationForestMojoModel;
import hex.genmodel.algos.kmeans.KMeansMojoModel;
import io.inferstream.model.LoaderOptions;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * Loads H2O-3 MOJOs: format id {@value #FORMAT}; a {@code .zip} (on disk or in memory) whose entries include
 * {@code model.ini}, or a directory holding an unzipped MOJO.
 *
 * <p>Options (in the engine's properties prefixed {@code model.config.}):
 * <ul>
 *   <li>{@value #UNKNOWN_CATEGORICAL} = {@code missing} (default) | {@code reject}: a level the model never saw
 *       is scored as missing, as H2O's own {@code predict} does with an unseen level (new levels appear in
 *       production all the time, and the trees and GLM have a learnt treatment for missing values); or the record
 *       goes to the dead-letter topic with the level and the known levels in the reason;</li>
 *   <li>{@value #UNPARSABLE_NUMBER} = {@code missing} | {@code reject} (default): text in a numeric column that
 *       is not a number rejects the record, since it means the producer's schema drifted, which scoring it as
 *       missing would hide (as {@code EasyPredictModelWrapper} also refuses it by default); {@code missing}
 *       makes it NA, like H2O's CSV parser. An empty string is always missing;</li>
 *   <li>{@code name}, {@code version}: as for every adapter; the version defaults to {@code 1}.</li>
 * </ul>
 *
 * <p>Any MOJO version that h2o-genmodel {@value #GENMODEL_VERSION} reads loads, older ones included. Model
 * categories other than binomial, multinomial, ordinal, regression, clustering and anomaly detection, and GAM
 * MOJOs (which need genmodel's own row converter), are refused with a {@link ModelLoadException}.
 *
 * <p>Thread safety: stateless and thread-safe; {@link #accepts} reads at most the zip's directory.
 */
public final class H2oMojoLoader implements ModelLoader {
    /** The format id. */
    public static final String FORMAT = "h2o-mojo";
    /** Option: what to do with an unknown categorical level, {@code missing} or {@code reject}. */
    public static final String UNKNOWN_CATEGORICAL = "unknown.categorical";
    /** Option: what to do with text that is not a number in a numeric column, {@code missing} or {@code reject}. */
    public static final String UNPARSABLE_NUMBER = "unparsable.number";
    /** The h2o-genmodel version this adapter is built against. */
    static final String GENMODEL_VERSION = "3.46.0.12";

    private static final String MODEL_INI = "model.ini";

    /** A public no-argument constructor, for {@link java.util.ServiceLoader}. */
    public H2oMojoLoader() {
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "H2O-3 MOJO (.zip) scored with h2o-genmodel " + GENMODEL_VERSION;
    }

    @Override
    public OptionSpec options() {
        return OptionSpec.builder()
                .string(UNKNOWN_CATEGORICAL, ValuePolicy.MISSING.optionValue(), "A categorical level the model never "
                        + "saw: missing scores it as NA (the trees and GLM have a learnt treatment for missing values); "
                        + "reject dead-letters the record, naming the level and the known ones.",
                        ValuePolicy.MISSING.optionValue(), ValuePolicy.REJECT.optionValue())
                .string(UNPARSABLE_NUMBER, ValuePolicy.REJECT.optionValue(), "Text that is not a number in a numeric "
                        + "column: reject dead-letters the record (the producer's schema drifted); missing makes it NA, "
                        + "like H2O's CSV parser. An empty string is always missing.",
                        ValuePolicy.MISSING.optionValue(), ValuePolicy.REJECT.optionValue())
                .build();
    }

    @Override
    public boolean accepts(ModelSource source) {
        if (source.isDirectory()) {
            return Files.isRegularFile(source.requirePath().resolve(MODEL_INI));
        }
        byte[] magic = source.header(4);
        if (magic.length < 4 || magic[0] != 'P' || magic[1] != 'K' || magic[2] != 3 || magic[3] != 4) {
            return false;
        }
        Path path = source.path().orElse(null);
        if (path != null) {
            // ZipFile reads only the central directory at the end of the file, not the entries.
            try (ZipFile zip = new ZipFile(path.toFile())) {
                return zip.getEntry(MODEL_INI) != null;
            } catch (IOException e) {
                return false;
            }
        }
        try (ZipInputStream zip = new ZipInputStream(source.open())) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                if (e.getName().equals(MODEL_INI)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
        LoaderOptions options = LoaderOptions.of(config);
        String name = options.modelName(source);
        ValuePolicy unknownCategorical = ValuePolicy.parse(UNKNOWN_CATEGORICAL,
                options.string(UNKNOWN_CATEGORICAL, ValuePolicy.MISSING.optionValue()));
        ValuePolicy unparsableNumber = ValuePolicy.parse(UNPARSABLE_NUMBER,
                options.string(UNPARSABLE_NUMBER, ValuePolicy.REJECT.optionValue()));
        MojoModel mojo = read(source, name);
        if (mojo instanceof ConverterFactoryProvidingModel) {
            throw new ModelLoadException("H2O model " + name + " (" + mojo._algoName + ") is not supported: it needs"
                    + " genmodel's own row converter (GAM)");
        }
        MojoOutputs outputs;
        MojoInputs inputs;
        try {
            outputs = MojoOutputs.of(mojo, name);
            inputs = MojoInputs.of(mojo, name, unknownCategorical, unparsableNumber);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            throw new ModelLoadException("H2O model " + name + " (" + mojo._algoName + ", " + source + ") is not supported: "
                    + e.getMessage(), e);
        }
        ModelInfo.Builder info = ModelInfo.builder(FORMAT).name(name).version(options.modelVersion(null))
                .threadSafe(isThreadSafe(mojo))
                .property("algorithm", String.valueOf(mojo._algoName))
                .property("category", String.valueOf(mojo.getModelCategory()))
                .property("h2o.version", String.valueOf(mojo._h2oVersion))
                .property("mojo.version", String.valueOf(mojo._mojo_version))
                .property("uuid", String.valueOf(mojo.getUUID()))
                .property("categorical.encoding", String.valueOf(mojo.getCategoricalEncoding()))
                .property(UNKNOWN_CATEGORICAL, unknownCategorical.optionValue())
                .property(UNPARSABLE_NUMBER, unparsableNumber.optionValue());
        if (mojo.isSupervised()) {
            info.property("response", String.valueOf(mojo.getResponseName()));
        }
        if (mojo.getModelCategory() == hex.ModelCategory.Binomial) {
            info.property("threshold", Double.toString(mojo._defaultThreshold));
        }
        inputs.specs().forEach(info::input);
        outputs.specs().forEach(info::output);
        return new H2oMojoModel(mojo, info.build(), inputs, outputs);
    }

    private static MojoModel read(ModelSource source, String name) throws ModelLoadException {
        try {
            MojoReaderBackend backend;
            if (source.path().isPresent()) {
                // A zip file is read lazily entry by entry; a directory is an unzipped MOJO.
                backend = MojoReaderBackendFactory.createReaderBackend(source.requirePath().toFile());
            } else {
                try (InputStream in = new ByteArrayInputStream(source.readAllBytes())) {
                    backend = MojoReaderBackendFactory.createReaderBackend(in, MojoReaderBackendFactory.CachingStrategy.MEMORY);
                }
            }
            try {
                return ModelMojoReader.readFrom(backend, false);
            } finally {
                if (backend instanceof Closeable) {
                    ((Closeable) backend).close(); // the zip backend holds the file open; the model needs it no more
                }
            }
        } catch (IOException | RuntimeException e) {
            // genmodel reports an unknown algorithm, a missing model.ini or a damaged entry in many ways.
            throw new ModelLoadException("cannot load H2O MOJO " + name + " from " + source + ": " + e, e);
        }
    }

    /**
     * Only MOJOs known to keep no state between {@code score0} calls are declared thread-safe; the rest (Deep
     * Learning, Stacked Ensemble, GLRM, Word2Vec, ...) get one instance per engine worker, which is always correct.
     */
    private static boolean isThreadSafe(MojoModel mojo) {
        if (mojo instanceof DeeplearningMojoModel) {
            return false;
        }
        return mojo instanceof GbmMojoModel || mojo instanceof DrfMojoModel || mojo instanceof IsolationForestMojoModel
                || mojo instanceof ExtendedIsolationForestMojoModel || mojo instanceof GlmMojoModelBase
                || mojo instanceof KMeansMojoModel;
    }
}
