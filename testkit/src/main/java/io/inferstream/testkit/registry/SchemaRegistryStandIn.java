package io.inferstream.testkit.registry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small stand-in for a schema registry, because no registry can be installed where this project is built (no
 * Docker; Confluent's registry is not on Maven Central). It answers the calls that producers' and consumers'
 * serializers make, with the bodies and error codes of Confluent's published API reference:
 * <ul>
 *   <li>{@code GET /schemas/ids/{id}} → {@code {"schema": "..."}} (with {@code schemaType} for non-Avro schemas);
 *       {@code ?format=serialized} of a Protobuf schema gives its {@code FileDescriptorProto} in base64: as it was
 *       registered if it was registered in that form, else compiled from the .proto text with Debian's {@code protoc}
 *       (which must be on the PATH for that call);</li>
 *   <li>{@code POST /subjects/{subject}/versions} with {@code {"schema": "...", "schemaType": ...}} →
 *       {@code {"id": n}}: the same schema text gets the same global id in every subject, and registering a subject's
 *       existing schema again returns its id without a new version;</li>
 *   <li>{@code GET /subjects/{subject}/versions/latest} and {@code /versions/{n}} (also with
 *       {@code ?format=serialized}) → {@code {"subject", "id", "version", "schema"}}; {@code GET /subjects};
 *       {@code GET /subjects/{s}/versions};</li>
 *   <li>{@code POST /subjects/{subject}} with a schema → the same body if the subject holds that schema (what a
 *       serializer asks with {@code auto.register.schemas=false}), else 404 with 40401 or 40403;</li>
 *   <li>schema references: {@code "references": [{"name", "subject", "version"}]} in a registration is stored with
 *       the schema (same text, other references: another id) and given back in every answer that shows the schema,
 *       left out when empty;</li>
 *   <li>errors as {@code {"error_code": 40401|40402|40403, "message": "..."}} with HTTP 404.</li>
 * </ul>
 * No compatibility checks, no deletes, no contexts. For tests of what happens when the registry fails, {@link #outage}
 * makes every call answer 503 (error code 50003) until it is ended, {@link #misanswer} makes the calls of one path
 * (e.g. one referenced subject) get an answer of the test's choosing (500, a proxy's page...), and
 * {@link #requireBasicAuth} makes calls without those credentials answer 401. Listens on 127.0.0.1 only.
 *
 * <p>Thread safety: thread-safe (requests are served by a small pool; state changes are synchronized).
 */
public final class SchemaRegistryStandIn implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(-?\\d+)");
    private static final Pattern VERSIONS = Pattern.compile("/subjects/([^/]+)/versions");
    private static final Pattern VERSION = Pattern.compile("/subjects/([^/]+)/versions/([^/]+)");
    private static final Pattern SUBJECT = Pattern.compile("/subjects/([^/]+)");

    /**
     * One entry of a schema's {@code references}: the name the schema uses for another (an Avro type's full name, a
     * Protobuf import path), and the subject and version that hold it.
     */
    public record Reference(String name, String subject, int version) {
    }

    /** What requests under a path prefix get instead of their answer. */
    private record Misanswer(String pathPrefix, int status, String contentType, byte[] body) {
    }

    /** A schema as registered. */
    private static final class Stored {
        final int id;
        final String type;
        final String text;
        final List<Reference> references;

        Stored(int id, String type, String text, List<Reference> references) {
            this.id = id;
            this.type = type;
            this.text = text;
            this.references = references;
        }

        boolean same(String type, String text, List<Reference> references) {
            return this.text.equals(text) && this.type.equals(type) && this.references.equals(references);
        }
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "schema-registry-stand-in");
        t.setDaemon(true);
        return t;
    });
    private final List<Stored> schemas = new ArrayList<>();
    private final Map<String, List<Integer>> subjects = new LinkedHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger misanswered = new AtomicInteger();
    private volatile boolean outage;
    private volatile Misanswer misanswer;
    private volatile String authorization;

    private SchemaRegistryStandIn(HttpServer server) {
        this.server = server;
    }

    /** Starts a stand-in on a free port of 127.0.0.1. */
    public static SchemaRegistryStandIn start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            SchemaRegistryStandIn registry = new SchemaRegistryStandIn(server);
            server.createContext("/", registry::handle);
            server.setExecutor(registry.pool);
            server.start();
            return registry;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the schema registry stand-in", e);
        }
    }

    /** @return e.g. {@code http://127.0.0.1:41234} */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** @return requests served so far (to show that clients cache) */
    public int requests() {
        return requests.get();
    }

    /** @param down while true, every request answers 503 as a registry whose store is unavailable does */
    public void outage(boolean down) {
        this.outage = down;
    }

    /**
     * From now on, until {@link #answerCorrectly()}, requests whose raw path starts with {@code pathPrefix} (e.g.
     * {@code /subjects/shop.Address/versions}) get this answer instead of theirs: a registry that fails for some
     * schemas only, or a proxy in front of it that answers for it.
     *
     * @param contentType e.g. {@code text/html}
     */
    public void misanswer(String pathPrefix, int status, String contentType, String body) {
        this.misanswer = new Misanswer(pathPrefix, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /** @return requests answered by {@link #misanswer} so far (to show that a client asked again) */
    public int misanswered() {
        return misanswered.get();
    }

    /** Ends {@link #misanswer}: every request is served again. */
    public void answerCorrectly() {
        this.misanswer = null;
    }

    /** Requires HTTP basic authentication with these credentials from now on. */
    public void requireBasicAuth(String user, String password) {
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Registers a schema directly, as {@code POST /subjects/{subject}/versions} does.
     *
     * @param type {@code AVRO} or {@code PROTOBUF}
     * @return its global id
     */
    public synchronized int register(String subject, String type, String schema) {
        return register(subject, type, schema, List.of());
    }

    /**
     * Registers a schema that names others, as {@code POST /subjects/{subject}/versions} with {@code references}.
     *
     * @param references the schemas it names, each already registered under its subject and version
     * @return its global id
     * @throws IllegalArgumentException if a reference is not registered
     */
    public synchronized int register(String subject, String type, String schema, List<Reference> references) {
        for (Reference r : references) {
            if (stored(r.subject(), r.version()) == null) {
                throw new IllegalArgumentException("reference " + r + " is not registered");
            }
        }
        Stored stored = null;
        for (Stored s : schemas) {
            if (s.same(type, schema, references)) {
                stored = s;
            }
        }
        if (stored == null) {
            stored = new Stored(schemas.size() + 1, type, schema, List.copyOf(references));
            schemas.add(stored);
        }
        List<Integer> versions = subjects.computeIfAbsent(subject, k -> new ArrayList<>());
        if (!versions.contains(stored.id)) {
            versions.add(stored.id);
        }
        return stored.id;
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            if (outage) {
                send(exchange, 503, error(50003, "Error while forwarding the request to the primary (stand-in outage)"));
                return;
            }
            Misanswer wrong = misanswer;
            if (wrong != null && exchange.getRequestURI().getRawPath().startsWith(wrong.pathPrefix())) {
                misanswered.incrementAndGet();
                exchange.getResponseHeaders().set("Content-Type", wrong.contentType());
                exchange.sendResponseHeaders(wrong.status(), wrong.body().length == 0 ? -1 : wrong.body().length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(wrong.body());
                }
                return;
            }
            String auth = authorization;
            if (auth != null && !auth.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"SchemaRegistry\"");
                send(exchange, 401, error(40101, "Unauthorized"));
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            String method = exchange.getRequestMethod();
            Matcher m;
            boolean serialized = query != null && query.contains("format=serialized");
            if ("GET".equals(method) && (m = BY_ID.matcher(path)).matches()) {
                getById(exchange, Integer.parseInt(m.group(1)), serialized);
            } else if ("POST".equals(method) && (m = VERSIONS.matcher(path)).matches()) {
                post(exchange, decode(m.group(1)), false);
            } else if ("POST".equals(method) && (m = SUBJECT.matcher(path)).matches()) {
                post(exchange, decode(m.group(1)), true);
            } else if ("GET".equals(method) && (m = VERSIONS.matcher(path)).matches()) {
                versions(exchange, decode(m.group(1)));
            } else if ("GET".equals(method) && (m = VERSION.matcher(path)).matches()) {
                version(exchange, decode(m.group(1)), m.group(2), serialized);
            } else if ("GET".equals(method) && "/subjects".equals(path)) {
                synchronized (this) {
                    send(exchange, 200, write(g -> {
                        g.writeStartArray();
                        for (String s : subjects.keySet()) {
                            g.writeString(s);
                        }
                        g.writeEndArray();
                    }));
                }
            } else {
                send(exchange, 404, error(404, "HTTP 404 Not Found"));
            }
        } catch (RuntimeException e) {
            send(exchange, 500, error(50001, "stand-in failure: " + e));
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private synchronized void getById(HttpExchange exchange, int id, boolean serialized) throws IOException {
        if (id < 1 || id > schemas.size()) {
            send(exchange, 404, error(40403, "Schema " + id + " not found"));
            return;
        }
        Stored s = schemas.get(id - 1);
        String text = serialized && "PROTOBUF".equals(s.type) ? serializedProto(s) : s.text;
        send(exchange, 200, write(g -> {
            g.writeStartObject();
            if (!"AVRO".equals(s.type)) {
                g.writeStringField("schemaType", s.type);
            }
            g.writeStringField("schema", text);
            writeReferences(g, s);
            g.writeEndObject();
        }));
    }

    /** The {@code references} array, as the API reference shows it; left out when empty, as the registry does. */
    private static void writeReferences(JsonGenerator g, Stored s) throws IOException {
        if (s.references.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart("references");
        for (Reference r : s.references) {
            g.writeStartObject();
            g.writeStringField("name", r.name());
            g.writeStringField("subject", r.subject());
            g.writeNumberField("version", r.version());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** @return the schema at this version of the subject, or null */
    private synchronized Stored stored(String subject, int version) {
        List<Integer> ids = subjects.get(subject);
        return ids == null || version < 1 || version > ids.size() ? null : schemas.get(ids.get(version - 1) - 1);
    }

    /** @param lookUp {@code POST /subjects/{subject}}: only say whether the subject holds the schema */
    private void post(HttpExchange exchange, String subject, boolean lookUp) throws IOException {
        String schema = null;
        String type = "AVRO";
        List<Reference> references = new ArrayList<>();
        try (JsonParser p = JSON.createParser(exchange.getRequestBody())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                send(exchange, 422, error(42201, "Either the input schema or one its references is invalid"));
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if ("schema".equals(name)) {
                    schema = p.getText();
                } else if ("schemaType".equals(name)) {
                    type = p.getText();
                } else if ("references".equals(name) && p.currentToken() == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        Map<String, String> r = new LinkedHashMap<>();
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String key = p.currentName();
                            p.nextToken();
                            r.put(key, p.getText());
                        }
                        references.add(new Reference(r.get("name"), r.get("subject"),
                                Integer.parseInt(r.getOrDefault("version", "0"))));
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        if (schema == null) {
            send(exchange, 422, error(42201, "Either the input schema or one its references is invalid"));
            return;
        }
        if (lookUp) {
            lookUp(exchange, subject, type, schema, references);
            return;
        }
        int id;
        try {
            id = register(subject, type, schema, references);
        } catch (IllegalArgumentException e) {
            send(exchange, 422, error(42201, "Either the input schema or one its references is invalid"));
            return;
        }
        send(exchange, 200, write(g -> {
            g.writeStartObject();
            g.writeNumberField("id", id);
            g.writeEndObject();
        }));
    }

    private synchronized void lookUp(HttpExchange exchange, String subject, String type, String schema,
            List<Reference> references) throws IOException {
        List<Integer> ids = subjects.get(subject);
        if (ids == null) {
            send(exchange, 404, error(40401, "Subject '" + subject + "' not found."));
            return;
        }
        for (int v = 1; v <= ids.size(); v++) {
            Stored s = schemas.get(ids.get(v - 1) - 1);
            if (s.same(type, schema, references)) {
                writeVersion(exchange, subject, v, s, s.text);
                return;
            }
        }
        send(exchange, 404, error(40403, "Schema not found"));
    }

    private synchronized void versions(HttpExchange exchange, String subject) throws IOException {
        List<Integer> ids = subjects.get(subject);
        if (ids == null) {
            send(exchange, 404, error(40401, "Subject '" + subject + "' not found."));
            return;
        }
        send(exchange, 200, write(g -> {
            g.writeStartArray();
            for (int v = 1; v <= ids.size(); v++) {
                g.writeNumber(v);
            }
            g.writeEndArray();
        }));
    }

    private synchronized void version(HttpExchange exchange, String subject, String which, boolean serialized)
            throws IOException {
        List<Integer> ids = subjects.get(subject);
        if (ids == null) {
            send(exchange, 404, error(40401, "Subject '" + subject + "' not found."));
            return;
        }
        int version;
        try {
            version = "latest".equals(which) ? ids.size() : Integer.parseInt(which);
        } catch (NumberFormatException e) {
            send(exchange, 422, error(42202, "The specified version '" + which + "' is not a valid version id. "
                    + "Allowed values are between [1, 2^31-1] and the string \"latest\""));
            return;
        }
        if (version < 1 || version > ids.size()) {
            send(exchange, 404, error(40402, "Version " + version + " not found."));
            return;
        }
        Stored s = schemas.get(ids.get(version - 1) - 1);
        writeVersion(exchange, subject, version, s, serialized && "PROTOBUF".equals(s.type) ? serializedProto(s) : s.text);
    }

    private static void writeVersion(HttpExchange exchange, String subject, int version, Stored s, String text)
            throws IOException {
        send(exchange, 200, write(g -> {
            g.writeStartObject();
            g.writeStringField("subject", subject);
            g.writeNumberField("version", version);
            g.writeNumberField("id", s.id);
            if (!"AVRO".equals(s.type)) {
                g.writeStringField("schemaType", s.type);
            }
            g.writeStringField("schema", text);
            writeReferences(g, s);
            g.writeEndObject();
        }));
    }

    /**
     * The registry's {@code format=serialized}: the .proto compiled by protoc, as a base64 FileDescriptorProto; the
     * files it imports (its references, written under their names) are compiled with it but not included.
     */
    private String serializedProto(Stored stored) {
        String proto = stored.text;
        if (proto.strip().matches("[A-Za-z0-9+/=]+")) {
            return proto.strip(); // registered in serialized form already (as Confluent's Python serializer does)
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("registry-proto");
            Files.writeString(dir.resolve("schema.proto"), proto);
            writeImports(dir, stored.references);
            Path out = dir.resolve("schema.desc");
            Process p = new ProcessBuilder("protoc", "--proto_path=" + dir, "--descriptor_set_out=" + out, "schema.proto")
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("protoc failed: " + log);
            }
            // A FileDescriptorSet is field 1 repeated FileDescriptorProto: with one file, strip the tag and length.
            byte[] set = Files.readAllBytes(out);
            int pos = 1;
            int shift = 0;
            int length = 0;
            while (true) {
                int b = set[pos++] & 0xFF;
                length |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
                shift += 7;
            }
            return Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(set, pos, pos + length));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run protoc (Debian's protobuf-compiler) for format=serialized", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (dir != null) {
                try (var files = Files.walk(dir)) {
                    for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(f);
                    }
                } catch (IOException ignored) {
                    // a temp folder left behind is not worth failing the request for
                }
            }
        }
    }

    /** Writes the .proto texts of these references, and of theirs, under their import names. */
    private void writeImports(Path dir, List<Reference> references) throws IOException {
        for (Reference r : references) {
            Stored s = stored(r.subject(), r.version());
            Path file = dir.resolve(r.name()).normalize();
            if (s == null || !file.startsWith(dir)) {
                throw new IllegalStateException("reference " + r + " cannot be resolved");
            }
            Files.createDirectories(file.getParent());
            Files.writeString(file, s.text);
            writeImports(dir, s.references);
        }
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            body.write(g);
        }
        return out.toByteArray();
    }

    private static byte[] error(int code, String message) throws IOException {
        return write(g -> {
            g.writeStartObject();
            g.writeNumberField("error_code", code);
            g.writeStringField("message", message);
            g.writeEndObject();
        });
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
