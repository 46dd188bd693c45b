package io.inferstream.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferstream.codec.SchemaUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The part of the schema registry REST API (Confluent's, which Apicurio's ccompat API, Karapace and Redpanda also
 * speak) that a consumer and a producer of registry-framed records need: a schema by its global id (cached for good:
 * an id never changes meaning) with the schemas it references by subject and version, the latest version of a
 * subject, whether a subject holds a schema, and registering a schema under a subject.
 *
 * <p>Failures are split by whose fault they are: an id the registry does not know (404) is the record's (the caller
 * dead-letters it); a registry that cannot be reached, times out, answers 5xx or 429, refuses our credentials, or
 * gives any other answer than 200 or 404 to a read, or a 200 whose body is not a schema answer (no {@code schema}
 * text, a reference without subject or version: a proxy's page, a half-written body), is not, and throws
 * {@link SchemaUnavailableException}, which holds the batch for a retry. Only well-formed answers are cached, so a
 * registry that misanswered once is asked again.
 *
 * <p>Thread safety: thread-safe; share one per registry.
 */
public final class SchemaRegistryClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final URI base;
    private final String authorization;
    private final Duration timeout;
    private final HttpClient http;
    /** By id and requested format ("" for the registry's default). */
    private final Map<String, RegisteredSchema> byId = new ConcurrentHashMap<>();
    /** By subject, version and requested format. */
    private final Map<String, RegisteredSchema> byVersion = new ConcurrentHashMap<>();

    /**
     * @param baseUrl e.g. {@code https://registry:8081}
     * @param basicAuthUserInfo {@code user:password} for basic authentication, or empty
     * @param caCertificates PEM file of the CA certificates an https registry must chain to, or null for the JVM's
     * @param timeout longest wait for one request
     * @throws IllegalArgumentException if the URL or the CA file cannot be used
     */
    public SchemaRegistryClient(String baseUrl, String basicAuthUserInfo, Path caCertificates, Duration timeout) {
        String url = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.base = URI.create(url);
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
            throw new IllegalArgumentException("schema.registry.url must be an http or https URL, was '" + baseUrl + "'");
        }
        this.authorization = basicAuthUserInfo == null || basicAuthUserInfo.isEmpty() ? null
                : "Basic " + Base64.getEncoder().encodeToString(basicAuthUserInfo.getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1);
        if (caCertificates != null) {
            b.sslContext(trusting(caCertificates));
        }
        // The client's selector thread inherits the context class loader of the thread that builds it; left as the
        // caller's (a Flink job's user-code loader), it would pin that loader until the thread ends.
        Thread builder = Thread.currentThread();
        ClassLoader callers = builder.getContextClassLoader();
        builder.setContextClassLoader(SchemaRegistryClient.class.getClassLoader());
        try {
            this.http = b.build();
        } finally {
            builder.setContextClassLoader(callers);
        }
    }

    private static SSLContext trusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int n = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + n++, c);
            }
            if (n == 0) {
                throw new IllegalArgumentException("schema.registry.ssl.ca.location " + pem + " holds no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read schema.registry.ssl.ca.location " + pem + ": " + e, e);
        }
    }

    /** @return the registry's base URL, for messages */
    public String url() {
        return base.toString();
    }

    /**
     * {@code GET /schemas/ids/{id}}, once per id.
     *
     * @return the schema, or empty if the registry has no schema of that id
     * @throws SchemaUnavailableException if the registry cannot answer now
     */
    public Optional<RegisteredSchema> byId(int id) {
        return byId(id, "");
    }

    /**
     * {@code GET /schemas/ids/{id}?format=...}, once per id and format.
     *
     * @param format e.g. {@code serialized} (a Protobuf schema as a base64 {@code FileDescriptorProto}); empty for
     *     the registry's default (Avro JSON, .proto text)
     * @return the schema, or empty if the registry has no schema of that id
     * @throws SchemaUnavailableException if the registry cannot answer now
     */
    public Optional<RegisteredSchema> byId(int id, String format) {
        String key = id + "?" + format;
        RegisteredSchema known = byId.get(key);
        if (known != null) {
            return Optional.of(known);
        }
        JsonNode body = get("/schemas/ids/" + id + (format.isEmpty() ? "" : "?format=" + format));
        if (body == null) {
            return Optional.empty();
        }
        String path = "/schemas/ids/" + id;
        RegisteredSchema schema = new RegisteredSchema(id, body.path("schemaType").asText(""), schemaText(body, path),
                null, 0, references(body, path));
        byId.putIfAbsent(key, schema);
        return Optional.of(schema);
    }

    /**
     * {@code GET /subjects/{subject}/versions/{version}?format=...}, once per subject, version and format: how the
     * schemas another one references are fetched.
     *
     * @param format as for {@link #byId(int, String)}
     * @return the schema, or empty if the subject has no such version
     * @throws SchemaUnavailableException if the registry cannot answer now
     */
    public Optional<RegisteredSchema> version(String subject, int version, String format) {
        String key = subject + "/" + version + "?" + format;
        RegisteredSchema known = byVersion.get(key);
        if (known != null) {
            return Optional.of(known);
        }
        JsonNode body = get("/subjects/" + encode(subject) + "/versions/" + version
                + (format.isEmpty() ? "" : "?format=" + format));
        if (body == null) {
            return Optional.empty();
        }
        RegisteredSchema schema = subjectVersion(body, subject, "/subjects/" + subject + "/versions/" + version);
        byVersion.putIfAbsent(key, schema);
        return Optional.of(schema);
    }

    private RegisteredSchema subjectVersion(JsonNode body, String subject, String path) {
        if (!body.path("id").canConvertToInt() || !body.path("version").canConvertToInt()) {
            throw malformed(path, "no id or version", body);
        }
        return new RegisteredSchema(body.path("id").asInt(), body.path("schemaType").asText(""),
                schemaText(body, path), subject, body.path("version").asInt(), references(body, path));
    }

    /** @return the {@code schema} text of a schema's answer */
    private String schemaText(JsonNode body, String path) {
        JsonNode text = body.path("schema");
        if (!text.isTextual()) {
            throw malformed(path, "no schema text", body);
        }
        return text.asText();
    }

    /** @return the {@code references} array of a schema's answer: {@code [{"name", "subject", "version"}]} */
    private List<RegisteredSchema.Reference> references(JsonNode body, String path) {
        List<RegisteredSchema.Reference> references = new ArrayList<>();
        JsonNode all = body.path("references");
        if (!all.isMissingNode() && !all.isNull() && !all.isArray()) {
            throw malformed(path, "references that are not an array", body);
        }
        for (JsonNode r : all) {
            if (!r.path("name").isTextual() || !r.path("subject").isTextual() || !r.path("version").canConvertToInt()
                    || r.path("version").asInt() < 1) {
                throw malformed(path, "a reference without name, subject or version", body);
            }
            references.add(new RegisteredSchema.Reference(r.path("name").asText(), r.path("subject").asText(),
                    r.path("version").asInt()));
        }
        return references;
    }

    /**
     * A 200 that is not the answer the API reference describes says nothing about the schema (a proxy's page, a body
     * cut short, a registry mid-upgrade): retriable, never cached, never the record's fault.
     */
    private SchemaUnavailableException malformed(String path, String what, JsonNode body) {
        String text = body.toString();
        return new SchemaUnavailableException("schema registry " + url() + " answered " + path + " with " + what
                + ": " + (text.length() > 300 ? text.substring(0, 300) + "..." : text), null);
    }

    /**
     * {@code GET /subjects/{subject}/versions/latest}.
     *
     * @return the subject's latest schema, or empty if there is no such subject
     * @throws SchemaUnavailableException if the registry cannot answer now
     */
    public Optional<RegisteredSchema> latest(String subject) {
        JsonNode body = get("/subjects/" + encode(subject) + "/versions/latest");
        if (body == null) {
            return Optional.empty();
        }
        RegisteredSchema schema = subjectVersion(body, subject, "/subjects/" + subject + "/versions/latest");
        byId.putIfAbsent(schema.id() + "?", schema);
        return Optional.of(schema);
    }

    /**
     * {@code POST /subjects/{subject}}: whether the subject already holds this schema, as a serializer that must not
     * register ({@code auto.register.schemas=false}) asks.
     *
     * @param type {@code AVRO} or {@code PROTOBUF}
     * @return the schema with its id and version under the subject, or empty if the subject does not hold it
     * @throws SchemaUnavailableException if the registry cannot answer now
     */
    public Optional<RegisteredSchema> lookup(String subject, String schema, String type) {
        ObjectNode request = JSON.createObjectNode().put("schema", schema);
        if (!"AVRO".equals(type)) {
            request.put("schemaType", type);
        }
        String path = "/subjects/" + encode(subject);
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(base.resolve(base.getPath() + path))
                .POST(HttpRequest.BodyPublishers.ofString(request.toString())), path);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("schema registry " + url() + " answered POST " + path + " with HTTP "
                    + response.statusCode() + ": " + text(response));
        }
        return Optional.of(subjectVersion(parse(response, path), subject, path));
    }

    /**
     * {@code POST /subjects/{subject}/versions}: registers a schema (the registry returns the existing id when the
     * subject already holds the same schema).
     *
     * @param type {@code AVRO} or {@code PROTOBUF}
     * @return the schema's global id
     * @throws SchemaUnavailableException if the registry cannot answer now
     * @throws IllegalStateException if the registry refuses the schema (e.g. 409, incompatible with the subject)
     */
    public int register(String subject, String schema, String type) {
        ObjectNode request = JSON.createObjectNode().put("schema", schema);
        if (!"AVRO".equals(type)) {
            request.put("schemaType", type);
        }
        String path = "/subjects/" + encode(subject) + "/versions";
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(base.resolve(base.getPath() + path))
                .POST(HttpRequest.BodyPublishers.ofString(request.toString())), path);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("schema registry " + url() + " refused to register a schema under subject "
                    + subject + ": HTTP " + response.statusCode() + " " + text(response));
        }
        int id = parse(response, path).path("id").asInt(-1);
        byId.putIfAbsent(id + "?", new RegisteredSchema(id, type, schema, null, 0));
        return id;
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * @return the parsed answer, or null for the registry's definitive "no such schema, subject or version" (404 with
     *     an error code 404xx, as the API reference gives them)
     * @throws SchemaUnavailableException for any other answer than 200 and such a 404 (a redirect, 400, 409, a 404
     *     page of a proxy in front of the registry...): a read of an id or a subject's version has no other
     *     legitimate answer, so it says nothing about the record
     */
    private JsonNode get(String path) {
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(base.resolve(base.getPath() + path)).GET(), path);
        if (response.statusCode() == 404 && registryNotFound(response)) {
            return null;
        }
        if (response.statusCode() != 200) {
            throw new SchemaUnavailableException("schema registry " + url() + " answered GET " + path
                    + " with an unexpected HTTP " + response.statusCode() + ": " + text(response), null);
        }
        JsonNode body = parse(response, path);
        if (!body.isObject()) {
            throw malformed(path, "a body that is not a JSON object", body);
        }
        return body;
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request, String path) {
        request.timeout(timeout).header("Accept", CONTENT_TYPE + ", application/json").header("Content-Type", CONTENT_TYPE);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new SchemaUnavailableException("schema registry " + url() + " unreachable (" + path + "): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaUnavailableException("interrupted while asking schema registry " + url() + " for " + path, e);
        }
        int status = response.statusCode();
        if (status >= 500 || status == 429 || status == 408) {
            throw new SchemaUnavailableException("schema registry " + url() + " answered " + path + " with HTTP " + status
                    + ": " + text(response), null);
        }
        if (status == 401 || status == 403) {
            // The operator's configuration, not the record: hold the batch until the credentials are fixed.
            throw new SchemaUnavailableException("schema registry " + url() + " refused our credentials (HTTP " + status
                    + "); check schema.registry.basic.auth.user.info", null);
        }
        return response;
    }

    /** @return whether a 404 is the registry's own (error code 40401, 40402, 40403...), not a path nobody serves */
    private static boolean registryNotFound(HttpResponse<byte[]> response) {
        try {
            JsonNode body = JSON.readTree(response.body());
            int code = body == null ? 0 : body.path("error_code").asInt();
            return code >= 40400 && code <= 40499;
        } catch (IOException e) {
            return false;
        }
    }

    private JsonNode parse(HttpResponse<byte[]> response, String path) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new SchemaUnavailableException("schema registry " + url() + " answered " + path
                    + " with a body that is not JSON: " + text(response), e);
        }
    }

    private static String text(HttpResponse<byte[]> response) {
        String s = new String(response.body(), StandardCharsets.UTF_8);
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
