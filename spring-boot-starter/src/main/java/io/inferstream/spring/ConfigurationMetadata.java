package io.inferstream.spring;

import io.inferstream.config.EngineConfig;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Writes Spring Boot's configuration metadata ({@code META-INF/spring-configuration-metadata.json}) for every engine
 * key as {@code inferstream.<key>}, from the engine's own {@link ConfigDef}: the same names, types, defaults and
 * documentation as the configuration reference, so an IDE completes and documents {@code inferstream.*} in
 * {@code application.yml}. The committed file is checked against this by {@code ConfigurationMetadataTest}.
 *
 * <p>Thread safety: stateless.
 */
final class ConfigurationMetadata {
    private ConfigurationMetadata() {
    }

    static String json() {
        StringBuilder out = new StringBuilder("{\n  \"groups\": [\n    {\"name\": \"inferstream\", "
                + "\"description\": \"The Inferstream engine: every key of its configuration reference.\"}\n  ],\n"
                + "  \"properties\": [\n");
        out.append("    {\"name\": \"inferstream.enabled\", \"type\": \"java.lang.Boolean\", \"defaultValue\": true, "
                + "\"description\": \"Whether the starter runs the engine (it also needs inferstream.bootstrap.servers).\"}");
        Map<String, ConfigDef.ConfigKey> keys = new TreeMap<>(EngineConfig.definition().configKeys());
        for (ConfigDef.ConfigKey key : keys.values()) {
            out.append(",\n    {\"name\": ").append(quote(InferstreamProperties.PREFIX + "." + key.name))
                    .append(", \"type\": ").append(quote(javaType(key.type)));
            if (key.defaultValue != null && key.defaultValue != ConfigDef.NO_DEFAULT_VALUE) {
                out.append(", \"defaultValue\": ").append(quote(ConfigDef.convertToString(key.defaultValue, key.type)));
            }
            out.append(", \"description\": ").append(quote(key.documentation)).append('}');
        }
        return out.append("\n  ]\n}\n").toString();
    }

    private static String javaType(ConfigDef.Type type) {
        switch (type) {
            case BOOLEAN: return "java.lang.Boolean";
            case INT: return "java.lang.Integer";
            case LONG: return "java.lang.Long";
            case DOUBLE: return "java.lang.Double";
            case LIST: return "java.util.List<java.lang.String>";
            default: return "java.lang.String";
        }
    }

    private static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : (s == null ? "" : s).toCharArray()) {
            switch (c) {
                case '"': q.append("\\\""); break;
                case '\\': q.append("\\\\"); break;
                case '\n': q.append("\\n"); break;
                case '\t': q.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
            }
        }
        return q.append('"').toString();
    }
}
