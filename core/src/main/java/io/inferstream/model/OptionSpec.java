package io.inferstream.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The options a {@link ModelLoader} takes, declared the way a Kafka Connect plugin declares its {@code ConfigDef}:
 * each with a type, a default, documentation and its valid values. {@link ModelRegistry#load} checks a loader's
 * options against its spec before loading, so an unknown key gets a "did you mean" error (as the engine's own keys
 * do) and a malformed value names the key and what it accepts; the configuration reference lists every loader's
 * options from these specs. Every spec holds the options every adapter honours, {@value LoaderOptions#NAME} and
 * {@value LoaderOptions#VERSION}.
 *
 * <p>In the engine's properties file a loader's options are written with the prefix {@code model.config.}; a remote
 * model's client options are engine keys of their own ({@code remote.*}), handed to its loader.
 *
 * <p>Thread safety: immutable once built, safe to share.
 */
public final class OptionSpec {
    private static final OptionSpec UNDECLARED = new OptionSpec(List.of(), true);

    private final Map<String, Option> options;
    private final boolean acceptsAnyKey;

    /** What kind of value an option takes. */
    public enum Type {
        STRING, BOOLEAN, INT, LONG,
        /** Comma-separated values. */
        LIST
    }

    /**
     * One declared option.
     *
     * @param name its key; for a {@code prefix} option, the start every such key has (e.g. {@code input.shape.})
     * @param type what kind of value it takes
     * @param defaultValue its default as text, or null when it has none (the loader works it out)
     * @param validValues for a STRING: the values it accepts (empty: any); ignored otherwise
     * @param min for an INT or LONG: the least value
     * @param max for an INT or LONG: the greatest value
     * @param prefix true if the option is a family of keys that start with {@code name}
     * @param documentation what it does, one or two sentences
     */
    public record Option(String name, Type type, String defaultValue, List<String> validValues, long min, long max,
            boolean prefix, String documentation) {

        /** @return the valid values in words, for errors and the reference, or empty if any value of the type fits. */
        public String validValuesText() {
            if (type == Type.STRING && !validValues.isEmpty()) {
                return String.join("|", validValues);
            }
            if ((type == Type.INT || type == Type.LONG) && (min != Long.MIN_VALUE || max != Long.MAX_VALUE)) {
                return "[" + min + ",...," + (max == Long.MAX_VALUE ? "" : Long.toString(max)) + "]";
            }
            return type == Type.BOOLEAN ? "true|false" : "";
        }

        /** @throws ModelLoadException if a value does not fit this option, naming the key, the value and what fits */
        public void check(String key, Object value) throws ModelLoadException {
            String text = String.valueOf(value).trim();
            boolean fits;
            switch (type) {
                case BOOLEAN:
                    fits = text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false");
                    break;
                case INT:
                case LONG:
                    fits = inRange(text);
                    break;
                case STRING:
                    fits = validValues.isEmpty() || validValues.stream().anyMatch(text::equalsIgnoreCase);
                    break;
                default:
                    fits = true;
            }
            if (!fits) {
                throw new ModelLoadException("option '" + key + "' must be " + expected() + ", not '" + text + "'");
            }
        }

        private boolean inRange(String text) {
            try {
                long v = Long.parseLong(text);
                return v >= min && v <= max && (type == Type.LONG || (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE));
            } catch (NumberFormatException e) {
                return false;
            }
        }

        private String expected() {
            switch (type) {
                case BOOLEAN: return "true or false";
                case INT:
                case LONG: return "a whole number in " + validValuesText().replace(",...,]", ",...]");
                default: return "one of " + validValues;
            }
        }
    }

    private OptionSpec(List<Option> options, boolean acceptsAnyKey) {
        Map<String, Option> byName = new LinkedHashMap<>();
        options.forEach(o -> byName.put(o.name(), o));
        this.options = Collections.unmodifiableMap(byName);
        this.acceptsAnyKey = acceptsAnyKey;
    }

    /** @return a builder that starts with the options every adapter honours ({@code name}, {@code version}). */
    public static Builder builder() {
        return new Builder()
                .string(LoaderOptions.NAME, null, "The model's name, reported with every prediction; by default the "
                        + "file's name without its extension (a loader may know better, e.g. a server's model name).")
                .string(LoaderOptions.VERSION, null, "The model's version, reported with every prediction; by default "
                        + "the framework's own version if it has one, else 1.");
    }

    /**
     * @return the spec of a loader that declares nothing (written before loaders declared their options): any key
     *     is passed on unchecked
     */
    public static OptionSpec undeclared() {
        return UNDECLARED;
    }

    /** @return the declared option of that name (a prefix option by its prefix), or null. */
    public Option option(String name) {
        return options.get(name);
    }

    /** @return the declared options, in declaration order. */
    public Collection<Option> options() {
        return options.values();
    }

    /** @return true if this spec checks nothing (see {@link #undeclared()}). */
    public boolean acceptsAnyKey() {
        return acceptsAnyKey;
    }

    /**
     * Checks a loader's options: every key declared (or under a declared prefix), every value of its type and range.
     *
     * @param loader the loader's format, for the message
     * @throws ModelLoadException naming the first key that does not fit, with the closest declared key for a typo
     */
    public void validate(Map<String, ?> config, String loader) throws ModelLoadException {
        if (acceptsAnyKey || config == null) {
            return;
        }
        for (Map.Entry<String, ?> e : config.entrySet()) {
            String key = e.getKey();
            Option option = find(key);
            if (option == null) {
                throw new ModelLoadException("unknown option '" + key + "' for the " + loader + " loader"
                        + didYouMean(key, options.keySet()) + "; its options: " + new TreeSet<>(options.keySet())
                        + " (in the engine's properties: model.config.<option>)");
            }
            if (e.getValue() != null) {
                option.check(key, e.getValue());
            }
        }
    }

    private Option find(String key) {
        Option exact = options.get(key);
        if (exact != null && !exact.prefix()) {
            return exact;
        }
        for (Option o : options.values()) {
            if (o.prefix() && key.startsWith(o.name()) && key.length() > o.name().length()) {
                return o;
            }
        }
        return null;
    }

    /**
     * The one "did you mean" rule for configuration keys, engine keys and loader options alike.
     *
     * @return {@code " (did you mean 'x'?)"} for the known key closest to a mistyped one (at most 3 edits), else ""
     */
    public static String didYouMean(String key, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = editDistance(key.toLowerCase(Locale.ROOT), k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * Declares options. Thread safety: not thread-safe; build on one thread.
     */
    public static final class Builder {
        private final List<Option> options = new ArrayList<>();

        private Builder() {
        }

        /** A text option; {@code validValues} empty for any text. */
        public Builder string(String name, String defaultValue, String documentation, String... validValues) {
            return add(new Option(name, Type.STRING, defaultValue, List.of(validValues), Long.MIN_VALUE, Long.MAX_VALUE,
                    false, documentation));
        }

        public Builder bool(String name, boolean defaultValue, String documentation) {
            return add(new Option(name, Type.BOOLEAN, Boolean.toString(defaultValue), List.of(), Long.MIN_VALUE,
                    Long.MAX_VALUE, false, documentation));
        }

        /** A whole number in {@code [min, max]}; {@code defaultValue} null when the loader works it out. */
        public Builder integer(String name, Integer defaultValue, int min, int max, String documentation) {
            return add(new Option(name, Type.INT, defaultValue == null ? null : defaultValue.toString(), List.of(), min,
                    max, false, documentation));
        }

        /** A long whole number in {@code [min, max]}. */
        public Builder longInteger(String name, Long defaultValue, long min, long max, String documentation) {
            return add(new Option(name, Type.LONG, defaultValue == null ? null : defaultValue.toString(), List.of(),
                    min, max, false, documentation));
        }

        /** A comma-separated list. */
        public Builder list(String name, String defaultValue, String documentation) {
            return add(new Option(name, Type.LIST, defaultValue, List.of(), Long.MIN_VALUE, Long.MAX_VALUE, false,
                    documentation));
        }

        /** A family of keys that start with {@code prefix} (e.g. {@code input.shape.} + an input's name). */
        public Builder prefix(String prefix, Type type, String documentation) {
            return add(new Option(prefix, type, null, List.of(), Long.MIN_VALUE, Long.MAX_VALUE, true, documentation));
        }

        /** Adds a declared option as it is, e.g. one a module shares between its loaders. */
        public Builder option(Option option) {
            return add(option);
        }

        private Builder add(Option option) {
            options.removeIf(o -> o.name().equals(option.name()));
            options.add(option);
            return this;
        }

        public OptionSpec build() {
            return new OptionSpec(options, false);
        }
    }
}
