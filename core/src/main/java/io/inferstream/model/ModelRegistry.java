package io.inferstream.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds the {@link ModelLoader} for a model and loads it.
 *
 * <p>Loaders come from {@link ServiceLoader} (one per adapter jar on the class path) and from
 * {@link #register}; an explicitly registered loader replaces a discovered one of the same format. There is
 * no global instance: each engine or application makes its own registry.
 *
 * <p>Thread safety: thread-safe.
 */
public final class ModelRegistry {
    private final Map<String, ModelLoader> loaders = new LinkedHashMap<>();

    private ModelRegistry() {
    }

    /** @return a registry holding every loader found on the class path of this class's class loader. */
    public static ModelRegistry discover() {
        return discover(ModelRegistry.class.getClassLoader());
    }

    /** @return a registry holding every loader visible to the given class loader. */
    public static ModelRegistry discover(ClassLoader classLoader) {
        ModelRegistry registry = new ModelRegistry();
        for (ModelLoader loader : ServiceLoader.load(ModelLoader.class, classLoader)) {
            registry.loaders.putIfAbsent(loader.format(), loader);
        }
        return registry;
    }

    /** @return an empty registry, for applications that register their loaders by hand. */
    public static ModelRegistry empty() {
        return new ModelRegistry();
    }

    /** Adds a loader, replacing any loader of the same format. */
    public synchronized ModelRegistry register(ModelLoader loader) {
        loaders.put(loader.format(), loader);
        return this;
    }

    /** @return the known format ids, discovery order first. */
    public synchronized List<String> formats() {
        return new ArrayList<>(loaders.keySet());
    }

    /** @return the loader for a format id. */
    public synchronized ModelLoader loader(String format) throws ModelLoadException {
        ModelLoader loader = loaders.get(format);
        if (loader == null) {
            throw new ModelLoadException("no loader for model format '" + format + "'; known formats: "
                    + formats() + " (add the matching inferstream-adapters-* jar to the class path)");
        }
        return loader;
    }

    /**
     * Picks the loader that recognises a source.
     *
     * @throws ModelLoadException if none or several recognise it; the message lists the formats
     */
    public synchronized ModelLoader detect(ModelSource source) throws ModelLoadException {
        List<ModelLoader> matches = loaders.values().stream().filter(l -> l.accepts(source)).collect(Collectors.toList());
        if (matches.size() == 1) {
            return matches.get(0);
        }
        if (matches.isEmpty()) {
            throw new ModelLoadException("cannot tell the format of model '" + source + "'; known formats: "
                    + formats() + ". Give the format explicitly (model.format / --format).");
        }
        throw new ModelLoadException("model '" + source + "' could be any of "
                + matches.stream().map(ModelLoader::format).collect(Collectors.toList())
                + ". Give the format explicitly (model.format / --format).");
    }

    /**
     * Loads a model.
     *
     * @param source where the model is
     * @param format the format id, or null to detect it
     * @param config loader options
     */
    public Model load(ModelSource source, String format, Map<String, ?> config) throws ModelLoadException {
        ModelLoader loader = format == null || format.isBlank() ? detect(source) : loader(format);
        return loader.load(source, config == null ? Map.of() : config);
    }
}
