package io.inferstream.deploy;

import io.inferstream.codec.RecordDecoder;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.ClassLabelledModel;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ForwardingModel;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.RetriableInferenceException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link VersionSpec} into a {@link DeployedVersion} that is safe to route traffic to, or rejects it: the
 * source's defect (checksum, size), a failed load, a codec or traffic the version cannot read, a warm-up that
 * throws or returns the wrong number of predictions. Every instance a non-thread-safe model needs is loaded and
 * warmed before the version is handed over; on rejection, whatever was loaded is closed.
 *
 * <p>Warm-up rows are, in order of preference: recent traffic the serving version scored (which also proves the
 * new version can read it), example records from configuration, or rows synthesised from the signature (zeros,
 * empty strings, first categorical level). A per-record rejection of a warm-up row is not held against a version:
 * it proves the model runs; anything else that fails is, except a {@link RetriableInferenceException}. That one says
 * a remote model server could not answer <em>now</em> (its loader already read the signature from it, so it exists):
 * rejecting the version for it would turn a server's brief outage at start-up or during a swap into an engine that
 * fails or refuses the version for good, while serving it lets the workers hold their batches and retry until the
 * server answers, as they do for an outage later on. It is accepted with a warning.
 *
 * <p>Thread safety: stateless apart from its settings; called from the manager's loading thread.
 */
final class VersionLoader {
    private static final Logger LOG = LoggerFactory.getLogger(VersionLoader.class);

    private final DeploymentSettings settings;
    private final TrafficSample traffic;

    VersionLoader(DeploymentSettings settings, TrafficSample traffic) {
        this.settings = settings;
        this.traffic = traffic;
    }

    /**
     * @param serving the info of a version serving now, or null: without traffic to check against, a new version's
     *     inputs must match it
     */
    DeployedVersion load(String modelName, VersionSpec spec, ModelInfo serving) throws VersionRejectedException {
        if (spec.defect().isPresent()) {
            throw new VersionRejectedException(spec.defect().get());
        }
        List<Model> instances = new ArrayList<>();
        try {
            Model first = instance(modelName, spec);
            instances.add(first);
            RecordDecoder decoder = decoder(first.info());
            List<Features> rows = warmupRows(first.info(), decoder, serving);
            warmUp(first, rows);
            if (!first.info().threadSafe()) {
                for (int slot = 1; slot < settings.slots(); slot++) {
                    Model copy = instance(modelName, spec);
                    instances.add(copy);
                    warmUp(copy, rows);
                }
            }
            return new DeployedVersion(spec.version(), spec.fingerprint(), instances, decoder);
        } catch (VersionRejectedException e) {
            instances.forEach(Model::close);
            throw e;
        } catch (RuntimeException | LinkageError e) {
            instances.forEach(Model::close);
            throw new VersionRejectedException("unexpected failure while loading: " + e, e);
        }
    }

    private Model instance(String modelName, VersionSpec spec) throws VersionRejectedException {
        Model model;
        try {
            model = spec.provider().load();
        } catch (ModelLoadException e) {
            throw new VersionRejectedException("does not load: " + e.getMessage(), e);
        } catch (RuntimeException | LinkageError e) {
            throw new VersionRejectedException("does not load: " + e, e);
        }
        if (model == null) {
            throw new VersionRejectedException("does not load: the loader returned no model");
        }
        try {
            Model named = spec.keepModelIdentity() ? model : Renamed.wrap(model, modelName, spec.version());
            if (settings.classLabels().isEmpty()) {
                return named;
            }
            return ClassLabelledModel.wrap(named, settings.classLabels(), settings.classOutput());
        } catch (ModelLoadException | RuntimeException e) {
            model.close();
            throw new VersionRejectedException("does not fit model.class.labels: " + e.getMessage(), e);
        }
    }

    private RecordDecoder decoder(ModelInfo info) throws VersionRejectedException {
        try {
            return settings.decoders().apply(info);
        } catch (IllegalArgumentException e) {
            throw new VersionRejectedException("its inputs do not fit the configured input codec: " + e.getMessage(), e);
        }
    }

    /** Decodes recent traffic with the new version's decoder: a value it cannot read rejects the version. */
    private List<Features> warmupRows(ModelInfo info, RecordDecoder decoder, ModelInfo serving)
            throws VersionRejectedException {
        List<Features> rows = new ArrayList<>();
        List<byte[]> recent = traffic.values();
        if (recent.isEmpty() && serving != null) {
            requireSameInputs(info, serving);
        }
        for (byte[] value : recent) {
            try {
                rows.add(decoder.decode(value));
            } catch (InvalidInputException e) {
                throw new VersionRejectedException("cannot read the records the serving version scores (its inputs "
                        + info.inputs() + "): " + e.getMessage(), e);
            }
        }
        if (rows.isEmpty()) {
            for (byte[] value : settings.warmupValues()) {
                try {
                    rows.add(decoder.decode(value));
                } catch (InvalidInputException e) {
                    throw new VersionRejectedException("cannot read the warm-up records (model.warmup.file): "
                            + e.getMessage(), e);
                }
            }
        }
        if (rows.isEmpty()) {
            rows.add(synthetic(info));
        }
        List<Features> out = new ArrayList<>(settings.warmupRecords());
        for (int i = 0; i < settings.warmupRecords(); i++) {
            out.add(rows.get(i % rows.size()));
        }
        return out;
    }

    /**
     * Before any traffic has been seen, the only evidence of what records look like is the serving version's
     * signature: every input the new version needs must be there with the same type and size.
     */
    private static void requireSameInputs(ModelInfo candidate, ModelInfo serving) throws VersionRejectedException {
        for (FieldSpec need : candidate.inputs()) {
            FieldSpec have = serving.input(need.name());
            boolean sameKind = have != null && have.type().isNumeric() == need.type().isNumeric()
                    && (have.type().isNumeric() || have.type() == need.type());
            boolean sameSize = have != null && (have.elementCount() < 0 || need.elementCount() < 0
                    || have.elementCount() == need.elementCount());
            if (!sameKind || !sameSize) {
                throw new VersionRejectedException("its input " + need.name() + " " + need.typeAndShape()
                        + " does not match the serving version's inputs " + serving.inputs()
                        + " (no traffic yet to check against)");
            }
        }
    }

    private static void warmUp(Model model, List<Features> rows) throws VersionRejectedException {
        if (rows.isEmpty()) {
            return;
        }
        List<Prediction> predictions;
        try {
            predictions = model.predict(rows);
        } catch (InvalidInputException e) {
            LOG.info("Warm-up of {} rejected a row ({}); the model runs, so it is accepted", model.info().name(),
                    e.getMessage());
            return;
        } catch (RetriableInferenceException e) {
            LOG.warn("Warm-up of {} could not be answered now ({}); accepted: its batches are held and retried until "
                    + "the model answers", model.info().name(), e.getMessage());
            return;
        } catch (Exception | LinkageError e) {
            throw new VersionRejectedException("failed during warm-up on " + rows.size() + " records: " + e, e);
        }
        if (predictions == null || predictions.size() != rows.size()) {
            throw new VersionRejectedException("returned " + (predictions == null ? "null" : predictions.size()
                    + " predictions") + " for " + rows.size() + " warm-up records");
        }
    }

    /** A row of zeros, empty strings and first levels shaped like the signature (unknown dimensions as 1). */
    static Features synthetic(ModelInfo info) {
        Features.Builder b = Features.builder();
        for (FieldSpec f : info.inputs()) {
            long[] shape = f.shape();
            for (int i = 0; i < shape.length; i++) {
                shape[i] = Math.max(1, shape[i]);
            }
            int n = (int) Tensor.elementCount(shape);
            b.put(f.name(), filled(f, n, shape));
        }
        return b.build();
    }

    private static Tensor filled(FieldSpec f, int n, long[] shape) {
        DataType type = f.type();
        switch (type) {
            case FLOAT: return Tensor.ofFloats(new float[n], shape);
            case DOUBLE: return Tensor.ofDoubles(new double[n], shape);
            case INT32: return Tensor.ofInts(new int[n], shape);
            case INT64: return Tensor.ofLongs(new long[n], shape);
            case BOOL: return Tensor.ofBooleans(new boolean[n], shape);
            case STRING:
                String[] s = new String[n];
                Arrays.fill(s, f.levels().isEmpty() ? "" : f.levels().get(0));
                return Tensor.ofStrings(s, shape);
            default:
                byte[][] bytes = new byte[n][];
                Arrays.fill(bytes, new byte[0]);
                return Tensor.ofBytes(bytes, shape);
        }
    }

    /** A model under the deployment's name and version, as TF Serving names versions by their folder. */
    private static final class Renamed extends ForwardingModel {
        private final ModelInfo info;

        private Renamed(Model delegate, ModelInfo info) {
            super(delegate);
            this.info = info;
        }

        static Model wrap(Model model, String name, String version) {
            ModelInfo own = model.info();
            String newName = name == null ? own.name() : name;
            if (newName.equals(own.name()) && version.equals(own.version())) {
                return model;
            }
            return new Renamed(model, own.toBuilder().name(newName).version(version).build());
        }

        @Override
        public ModelInfo info() {
            return info;
        }
    }
}
