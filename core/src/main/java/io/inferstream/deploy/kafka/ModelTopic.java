package io.inferstream.deploy.kafka;

import io.inferstream.json.Json;
import io.inferstream.deploy.RoutingSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The layout of a model topic: a compacted topic (one partition keeps every record of a model in order) whose keys
 * say what each record is, so compaction keeps the latest of each and a restarted engine finds the current state.
 *
 * <table>
 * <caption>Record keys (UTF-8) and values</caption>
 * <tr><th>key</th><th>value</th></tr>
 * <tr><td>{@code <name>/versions/<v>/chunk/<i>}</td><td>bytes {@code i} of the model file, in order from 0</td></tr>
 * <tr><td>{@code <name>/versions/<v>}</td><td>the descriptor, JSON: name, version, format, sha256, size, chunks,
 * file, createdAt; written after every chunk; a tombstone deletes the version</td></tr>
 * <tr><td>{@code <name>/routing}</td><td>JSON: weights (version to weight), shadow (versions), sticky</td></tr>
 * <tr><td>{@code <name>/versions/<v>/status}</td><td>JSON written by engines: state (LOADED, REJECTED, RETIRED),
 * weight, shadow, reason, instance, at</td></tr>
 * </table>
 *
 * <p>Thread safety: stateless.
 */
public final class ModelTopic {
    /** Default bytes per chunk record: well under Kafka's default 1 MB message limit with headers. */
    public static final int DEFAULT_CHUNK_BYTES = 512 * 1024;

    private ModelTopic() {
    }

    /** @throws IllegalArgumentException unless the name is letters, digits, '.', '_' or '-' */
    public static String requireName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new IllegalArgumentException("a model name is 1 to 200 letters, digits, '.', '_' or '-', not '" + name + "'");
        }
        return name;
    }

    static String descriptorKey(String name, String version) {
        return name + "/versions/" + version;
    }

    static String chunkKey(String name, String version, int index) {
        return descriptorKey(name, version) + "/chunk/" + index;
    }

    static String statusKey(String name, String version) {
        return descriptorKey(name, version) + "/status";
    }

    static String routingKey(String name) {
        return name + "/routing";
    }

    /** What a record key says it is. */
    static final class Key {
        enum Kind { DESCRIPTOR, CHUNK, STATUS, ROUTING }

        final Kind kind;
        final String name;
        final String version;
        final int chunk;

        private Key(Kind kind, String name, String version, int chunk) {
            this.kind = kind;
            this.name = name;
            this.version = version;
            this.chunk = chunk;
        }

        /** @return the key's meaning, or empty for a key this layout does not use (ignored). */
        static Optional<Key> parse(byte[] key) {
            if (key == null) {
                return Optional.empty();
            }
            String[] parts = new String(key, StandardCharsets.UTF_8).split("/");
            try {
                if (parts.length == 2 && parts[1].equals("routing")) {
                    return Optional.of(new Key(Kind.ROUTING, parts[0], null, -1));
                }
                if (parts.length >= 3 && parts[1].equals("versions")) {
                    String version = Long.toString(Long.parseLong(parts[2]));
                    if (parts.length == 3) {
                        return Optional.of(new Key(Kind.DESCRIPTOR, parts[0], version, -1));
                    }
                    if (parts.length == 4 && parts[3].equals("status")) {
                        return Optional.of(new Key(Kind.STATUS, parts[0], version, -1));
                    }
                    if (parts.length == 5 && parts[3].equals("chunk")) {
                        return Optional.of(new Key(Kind.CHUNK, parts[0], version, Integer.parseInt(parts[4])));
                    }
                }
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            return Optional.empty();
        }
    }

    /**
     * A published version's descriptor.
     *
     * <p>Thread safety: immutable.
     */
    public static final class Descriptor {
        public final String name;
        public final String version;
        public final String format;
        public final String sha256;
        public final long size;
        public final int chunks;
        public final String file;
        public final String createdAt;
        /** The version's OpenSSF model signature (a Sigstore bundle, JSON), base64; null if it is not signed. */
        public final String signature;

        public Descriptor(String name, String version, String format, String sha256, long size, int chunks, String file,
                String createdAt) {
            this(name, version, format, sha256, size, chunks, file, createdAt, null);
        }

        /** @param signature the version's signature bundle, base64, or null */
        public Descriptor(String name, String version, String format, String sha256, long size, int chunks, String file,
                String createdAt, String signature) {
            this.signature = signature;
            this.name = name;
            this.version = version;
            this.format = format == null ? "" : format;
            this.sha256 = sha256;
            this.size = size;
            this.chunks = chunks;
            this.file = file;
            this.createdAt = createdAt;
        }

        byte[] toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("version", version);
            m.put("format", format);
            m.put("sha256", sha256);
            m.put("size", size);
            m.put("chunks", chunks);
            m.put("file", file);
            m.put("createdAt", createdAt);
            if (signature != null) {
                m.put("signature", signature);
            }
            return Json.write(m);
        }

        static Descriptor fromJson(byte[] json) throws IOException {
            Map<String, Object> m = Json.parseObject(json);
            try {
                return new Descriptor((String) m.get("name"), String.valueOf(m.get("version")), (String) m.get("format"),
                        (String) m.get("sha256"), ((Number) m.get("size")).longValue(),
                        ((Number) m.get("chunks")).intValue(), (String) m.get("file"), (String) m.get("createdAt"),
                        (String) m.get("signature"));
            } catch (ClassCastException | NullPointerException e) {
                throw new IOException("descriptor lacks a field or has one of the wrong type: " + m);
            }
        }
    }

    static byte[] routingJson(RoutingSpec routing) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> weights = new LinkedHashMap<>(routing.weights());
        m.put("weights", weights);
        m.put("shadow", new ArrayList<>(routing.shadows()));
        m.put("sticky", routing.sticky());
        return Json.write(m);
    }

    static RoutingSpec routingFromJson(byte[] json) throws IOException {
        Map<String, Object> m = Json.parseObject(json);
        Object w = m.get("weights");
        if (!(w instanceof Map)) {
            throw new IOException("routing has no weights object");
        }
        Map<String, Integer> weights = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) w).entrySet()) {
            if (!(e.getValue() instanceof Long)) {
                throw new IOException("weight of version " + e.getKey() + " is not a whole number");
            }
            weights.put(String.valueOf(e.getKey()), ((Long) e.getValue()).intValue());
        }
        List<String> shadows = new ArrayList<>();
        if (m.get("shadow") instanceof List) {
            ((List<?>) m.get("shadow")).forEach(v -> shadows.add(String.valueOf(v)));
        }
        try {
            return new RoutingSpec(weights, new java.util.LinkedHashSet<>(shadows), !Boolean.FALSE.equals(m.get("sticky")));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
