package io.inferstream.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of the form {@code --name value} or {@code --name=value}; repeated options keep every
 * value. Unknown options are an error that lists the known ones.
 *
 * <p>Thread safety: not thread-safe; parse once on the main thread.
 */
final class Args {
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private Args() {
    }

    /**
     * @param argv the arguments after the command name
     * @param known option names (without dashes) the command accepts
     * @param flags the subset of known options that take no value
     */
    static Args parse(String[] argv, Set<String> known, Set<String> flags) throws UsageException {
        Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (!known.contains(name)) {
                throw new UsageException("unknown option --" + name + "; this command takes " + describe(known));
            }
            if (flags.contains(name)) {
                value = value == null ? "true" : value;
            } else if (value == null) {
                if (i + 1 >= argv.length) {
                    throw new UsageException("option --" + name + " needs a value");
                }
                value = argv[++i];
            }
            a.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return a;
    }

    private static String describe(Set<String> known) {
        List<String> names = new ArrayList<>();
        known.forEach(k -> names.add("--" + k));
        return String.join(", ", names);
    }

    String get(String name) {
        List<String> v = values.get(name);
        return v == null ? null : v.get(v.size() - 1);
    }

    String require(String name) throws UsageException {
        String v = get(name);
        if (v == null || v.isBlank()) {
            throw new UsageException("option --" + name + " is required");
        }
        return v;
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    boolean flag(String name) {
        return "true".equals(get(name));
    }

    int integer(String name, int defaultValue, int min) throws UsageException {
        String v = get(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(v.replace("_", ""));
            if (n < min) {
                throw new UsageException("option --" + name + " must be at least " + min + ", not " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " must be a whole number, not '" + v + "'");
        }
    }

    /** @return {@code key=value} options as a map, e.g. repeated {@code --option version=3}. */
    Map<String, String> keyValues(String name) throws UsageException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : all(name)) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("option --" + name + " takes key=value, not '" + kv + "'");
            }
            out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return out;
    }

    /** A mistake in the command line: the message is shown with the usage. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
