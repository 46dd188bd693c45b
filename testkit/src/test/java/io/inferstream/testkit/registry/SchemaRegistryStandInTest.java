package io.inferstream.testkit.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The stand-in's answers, checked against the request and response examples of Confluent's published Schema
 * Registry API reference (docs.confluent.io, "Schema Registry API Reference": POST /subjects/(subject)/versions,
 * GET /schemas/ids/(id), GET /subjects/(subject)/versions/(version), and the error codes 40401, 40402, 40403), so that
 * tests that use it exercise the same bodies a real registry sends.
 */
class SchemaRegistryStandInTest {
    private static final String STRING_SCHEMA = "{\"type\": \"string\"}";
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(String method, String url, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersAsThePublishedExamplesDo() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            String url = registry.url();
            // POST /subjects/test/versions  {"schema": "{\"type\": \"string\"}"}  ->  {"id": 1}
            HttpResponse<String> posted = send("POST", url + "/subjects/test/versions",
                    "{\"schema\": \"{\\\"type\\\": \\\"string\\\"}\"}");
            assertEquals(200, posted.statusCode());
            assertEquals("{\"id\":1}", posted.body());
            assertEquals("application/vnd.schemaregistry.v1+json", posted.headers().firstValue("Content-Type").orElse(""));
            // The same schema again: the same id, no new version.
            assertEquals("{\"id\":1}", send("POST", url + "/subjects/test/versions",
                    "{\"schema\": \"{\\\"type\\\": \\\"string\\\"}\"}").body());
            // GET /schemas/ids/1  ->  {"schema": "{\"type\": \"string\"}"}
            assertEquals("{\"schema\":" + quoted(STRING_SCHEMA) + "}", send("GET", url + "/schemas/ids/1", null).body());
            // GET /subjects/test/versions/1 (and latest)  ->  {"subject": "test", "version": 1, "id": 1, "schema": ...}
            String version = "{\"subject\":\"test\",\"version\":1,\"id\":1,\"schema\":" + quoted(STRING_SCHEMA) + "}";
            assertEquals(version, send("GET", url + "/subjects/test/versions/1", null).body());
            assertEquals(version, send("GET", url + "/subjects/test/versions/latest", null).body());
            assertEquals("[1]", send("GET", url + "/subjects/test/versions", null).body());
            assertEquals("[\"test\"]", send("GET", url + "/subjects", null).body());
            // A Protobuf schema says its type.
            send("POST", url + "/subjects/p-value/versions",
                    "{\"schemaType\": \"PROTOBUF\", \"schema\": \"syntax = \\\"proto3\\\"; message M { int32 x = 1; }\"}");
            assertEquals("{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\"; message M { int32 x = 1; }\"}",
                    send("GET", url + "/schemas/ids/2", null).body());

            HttpResponse<String> noSchema = send("GET", url + "/schemas/ids/7", null);
            assertEquals(404, noSchema.statusCode());
            assertEquals("{\"error_code\":40403,\"message\":\"Schema 7 not found\"}", noSchema.body());
            HttpResponse<String> noSubject = send("GET", url + "/subjects/nope/versions/latest", null);
            assertEquals(404, noSubject.statusCode());
            assertEquals("{\"error_code\":40401,\"message\":\"Subject 'nope' not found.\"}", noSubject.body());
            HttpResponse<String> noVersion = send("GET", url + "/subjects/test/versions/5", null);
            assertEquals(404, noVersion.statusCode());
            assertEquals("{\"error_code\":40402,\"message\":\"Version 5 not found.\"}", noVersion.body());

            registry.outage(true);
            HttpResponse<String> down = send("GET", url + "/schemas/ids/1", null);
            assertEquals(503, down.statusCode());
            assertEquals(50003, Integer.parseInt(down.body().replaceAll(".*\"error_code\":(\\d+).*", "$1")));
        }
    }

    @Test
    void misanswersOnlyThePathItIsToldToUntilToldToStop() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            String url = registry.url();
            registry.register("a", "AVRO", STRING_SCHEMA);
            registry.register("b", "AVRO", "{\"type\": \"int\"}");
            registry.misanswer("/subjects/a/", 502, "text/html", "<html>bad gateway</html>");
            HttpResponse<String> wrong = send("GET", url + "/subjects/a/versions/1", null);
            assertEquals(502, wrong.statusCode());
            assertEquals("<html>bad gateway</html>", wrong.body());
            assertEquals("text/html", wrong.headers().firstValue("Content-Type").orElse(""));
            assertEquals(200, send("GET", url + "/subjects/b/versions/1", null).statusCode(), "other paths are served");
            assertEquals(1, registry.misanswered());
            registry.answerCorrectly();
            assertEquals(200, send("GET", url + "/subjects/a/versions/1", null).statusCode());
            assertEquals(1, registry.misanswered());
        }
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\"", "\\\"") + "\"";
    }
}
