package io.inferstream.model;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the {@link ModelLoader} for a model and loads it.
 *
 * <p>Loaders come from {@link ServiceLoader} (one per adapter jar on the class path) and from
 * {@link #register}; an explicitly registered loader replaces a discovered one of the same format. There is
 * no global instance: each engine or application makes its own registry.
 *
 * <p>One broken adapter jar (a provider class that is missing, cannot be linked or fails in its constructor) does
 * not stop discovery: it is logged with the provider and the jar that names it, kept in {@link #problems()}, and
 * skipped; the other adapters load.
 *
 * <p>Thread safety: thread-safe.
 */
public final class ModelRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    private static final String SERVICES = "META-INF/services/" + ModelLoader.class.getName();
    /** Stops a service iterator that keeps failing without moving on (the JDK only promises "best effort"). */
    private static final int MAX_PROBLEMS = 100;

    private final Map<String, ModelLoader> loaders = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    private ModelRegistry() {
    }

    /** @return a registry holding every loader found on the class path of this class's class loader. */
    public static ModelRegistry discover() {
        return discover(ModelRegistry.class.getClassLoader());
    }

    /** @return a registry holding every loader visible to the given class loader. */
    public static ModelRegistry discover(ClassLoader classLoader) {
        ModelRegistry registry = new ModelRegistry();
        Iterator<ModelLoader> found = ServiceLoader.load(ModelLoader.class, classLoader).iterator();
        while (registry.problems.size() < MAX_PROBLEMS) {
            try {
                if (!found.hasNext()) {
                    break;
                }
                ModelLoader loader = found.next();
                registry.loaders.putIfAbsent(loader.format(), loader);
            } catch (ServiceConfigurationError | LinkageError e) {
                String problem = "skipped a broken model adapter: " + e.getMessage()
                        + (e.getCause() == null ? "" : " (" + e.getCause() + ")")
                        + " - listed in " + listingsNaming(e.getMessage(), classLoader);
                LOG.warn(problem);
                registry.problems.add(problem);
            }
        }
        return registry;
    }

    /**
     * @return the service files (each inside its jar) that name the provider of a {@link ServiceConfigurationError}
     *     ("Provider x.Y not found", "... could not be instantiated"), so that a user knows which jar to remove or
     *     replace; all listings when none can be matched
     */
    private static List<URL> listingsNaming(String message, ClassLoader classLoader) {
        List<URL> all = new ArrayList<>();
        List<URL> naming = new ArrayList<>();
        try {
            Enumeration<URL> listings = classLoader.getResources(SERVICES);
            while (listings.hasMoreElements()) {
                URL listing = listings.nextElement();
                all.add(listing);
                if (message != null && providers(listing).stream().anyMatch(name -> message.contains("Provider " + name + " "))) {
                    naming.add(listing);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot list {}", SERVICES, e);
        }
        return naming.isEmpty() ? all : naming;
    }

    private static List<String> providers(URL listing) {
        List<String> names = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(listing.openStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                int comment = line.indexOf('#');
                String name = (comment >= 0 ? line.substring(0, comment) : line).trim();
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot read {}", listing, e);
        }
        return names;
    }

    /** @return what discovery skipped, one line per broken provider naming it and its jar; empty when all loaded. */
    public synchronized List<String> problems() {
        return List.copyOf(problems);
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
     * @param config loader options, checked against the loader's {@link ModelLoader#options()} first
     * @throws ModelLoadException if the model does not load, or an option is unknown to its loader or malformed
     */
    public Model load(ModelSource source, String format, Map<String, ?> config) throws ModelLoadException {
        ModelLoader loader = format == null || format.isBlank() ? detect(source) : loader(format);
        Map<String, ?> options = config == null ? Map.of() : config;
        loader.options().validate(options, loader.format());
        return loader.load(source, options);
    }
}
