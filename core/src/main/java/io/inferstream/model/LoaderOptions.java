package io.inferstream.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Typed reads of a loader's {@code Map<String, ?>} options, with the keys every adapter honours:
 * {@value #NAME} and {@value #VERSION} override the model's name and version (by default the file name
 * without extension, and the framework's own version if it has one, else {@code 1}).
 *
 * <p>In the engine's properties file these keys are written with the prefix {@code model.config.}, e.g.
 * {@code model.config.version=7}.
 *
 * <p>Thread safety: immutable, safe to share.
 */
public final class LoaderOptions {
    /** Overrides the model name reported with every prediction. */
    public static final String NAME = "name";
    /** Overrides the model version reported with every prediction. */
    public static final String VERSION = "version";

    private final Map<String, ?> options;

    private LoaderOptions(Map<String, ?> options) {
        this.options = options == null ? Map.of() : Map.copyOf(options);
    }

    public static LoaderOptions of(Map<String, ?> options) {
        return new LoaderOptions(options);
    }

    /** @return the {@value #NAME} option, else the source's name without its extension(s). */
    public String modelName(ModelSource source) {
        String explicit = string(NAME, null);
        if (explicit != null) {
            return explicit;
        }
        String n = source.name();
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** @return the {@value #VERSION} option, else the given default. */
    public String modelVersion(String frameworkVersion) {
        return string(VERSION, frameworkVersion == null || frameworkVersion.isBlank() ? "1" : frameworkVersion);
    }

    /** @return the option as a string, or the default when absent. */
    public String string(String key, String defaultValue) {
        Object v = options.get(key);
        return v == null ? defaultValue : v.toString().trim();
    }

    /** @return a comma-separated option (or a List) as a list of trimmed, non-empty strings. */
    public List<String> list(String key) {
        Object v = options.get(key);
        if (v == null) {
            return List.of();
        }
        if (v instanceof List) {
            return ((List<?>) v).stream().map(Object::toString).map(String::trim).collect(Collectors.toList());
        }
        return Arrays.stream(v.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toList());
    }

    /** @return the option as a boolean ({@code true}/{@code false}, any case), or the default. */
    public boolean bool(String key, boolean defaultValue) throws ModelLoadException {
        String s = string(key, null);
        if (s == null) {
            return defaultValue;
        }
        switch (s.toLowerCase(Locale.ROOT)) {
            case "true": return true;
            case "false": return false;
            default: throw new ModelLoadException("option '" + key + "' must be true or false, not '" + s + "'");
        }
    }

    /** @return the option as an int, or the default. */
    public int integer(String key, int defaultValue) throws ModelLoadException {
        String s = string(key, null);
        if (s == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new ModelLoadException("option '" + key + "' must be a whole number, not '" + s + "'");
        }
    }

    /** @return the raw options. */
    public Map<String, ?> asMap() {
        return options;
    }
}
