package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelInfo;
import io.inferstream.monitor.LabelJoin;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page ({@code GET /} on the metrics port) in a real headless browser, Debian's chromium: after a real
 * run on the embedded broker (good records, dead letters, labels, drift), the page the browser renders — after its
 * own script has polled {@code /status.json} — shows the numbers {@code /metrics} gives, and draws its plots. A
 * screenshot goes to {@code target/status-page.png}.
 *
 * <p>Without chromium the test is skipped, unless {@code CI} is set ({@code .ci/run} installs chromium): then it
 * fails.
 */
class StatusPageBrowserTest extends LifecycleTestSupport {
    private static final long BROWSER_TIMEOUT_SECONDS = 120;

    @TempDir
    Path profiles;

    private static Optional<Path> chromium() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    private static Path requireChromium() {
        Optional<Path> found = chromium();
        if (found.isEmpty()) {
            String ci = System.getenv("CI");
            String why = "chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)";
            if (ci != null && !ci.isBlank() && !"false".equalsIgnoreCase(ci)) {
                Assertions.fail(why + ", and CI=" + ci + " demands the status page test");
            }
            Assumptions.abort("Skipping the status page browser test: " + why);
        }
        return found.get();
    }

    @Test
    void theRenderedPageShowsTheNumbersOfMetrics() throws Exception {
        Path browser = requireChromium();
        Topics topics = new Topics("status-page", 2);
        String labels = "status-page-labels";
        KAFKA.broker().createTopic(labels, 1);
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.MODEL_CLASS_LABELS, "c0,c1,c2,c3");
        props.put(EngineConfig.METRICS_PORT, 0);
        props.put(EngineConfig.MONITOR_LABELS_TOPIC, labels);
        props.put(EngineConfig.MONITOR_DRIFT_ENABLED, true);
        props.put(EngineConfig.MONITOR_DRIFT_REFERENCE_RECORDS, 100);
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> registry.load(onnx(V1), null, Map.of()))) {
            int port = engine.metricsPort().orElseThrow();
            ModelInfo info = engine.modelInfo();
            produce(topics.input, "s", 0, 600);
            List<Map.Entry<String, String>> bad = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                bad.add(new AbstractMap.SimpleEntry<>("bad" + i, "not json"));
            }
            KafkaRecords.produceStrings(KAFKA.broker(), topics.input, bad);
            awaitAccounted(engine, 607, 60_000);
            List<Map.Entry<String, String>> truths = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                truths.add(new AbstractMap.SimpleEntry<>("s" + i, "c" + (i % 4)));
            }
            KafkaRecords.produceStrings(KAFKA.broker(), labels, truths);
            LabelJoin join = engine.monitor().labels().orElseThrow();
            await(() -> join.figures().values().stream().mapToLong(f -> f.joined).sum() == 600, 60_000,
                    () -> "labels not joined yet");

            String metrics = MetricsEndpointTest.get(port, "/metrics").body();
            String url = "http://127.0.0.1:" + port + "/";
            String dom = runChromium(browser, "dom", "--dump-dom", url);
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "status-page.html"), dom);

            assertTrue(Integer.parseInt(cell(dom, "polls")) >= 2, "the page polled status.json more than once");
            assertEquals(MetricsEndpointTest.value(metrics, "inferstream_records_in_total").longValue(),
                    number(cell(dom, "records-in")));
            assertEquals(607, number(cell(dom, "records-in")));
            assertEquals(MetricsEndpointTest.value(metrics, "inferstream_predictions_total").longValue(),
                    number(cell(dom, "predictions")));
            assertEquals(MetricsEndpointTest.value(metrics, "inferstream_dead_letters_total", "stage", "decode")
                    .longValue(), number(cell(dom, "dead-letters-decode")));
            String version = info.name() + "-" + info.version();
            assertEquals(MetricsEndpointTest.value(metrics, "inferstream_monitor_labels_joined_total").longValue(),
                    number(cell(dom, "joined-" + version)));
            assertEquals(String.format(Locale.ROOT, "%.4f", MetricsEndpointTest.value(metrics,
                    "inferstream_monitor_accuracy")), cell(dom, "accuracy-" + version));
            double psi = MetricsEndpointTest.value(metrics, "inferstream_drift_psi", "feature", "input[0]");
            assertEquals(String.format(Locale.ROOT, "%.3f", psi), cell(dom, "psi-" + version + "-input[0]"));
            for (String plot : List.of("plot-throughput", "plot-latency", "plot-accuracy", "plot-drift")) {
                Matcher m = Pattern.compile("id=\"" + plot + "\"><svg[^>]*>.*?<polyline[^>]*points=\"([^\"]+)\"",
                        Pattern.DOTALL).matcher(dom);
                assertTrue(m.find() && m.group(1).contains(","), "plot " + plot + " has a drawn line");
            }

            Path screenshot = Path.of("target", "status-page.png").toAbsolutePath();
            Files.deleteIfExists(screenshot);
            runChromium(browser, "screenshot", "--screenshot=" + screenshot, "--window-size=1400,1100", url);
            assertTrue(Files.size(screenshot) > 10_000, "a screenshot of the page was written");
        }
    }

    /** Runs chromium headless on a profile of its own (deleted with the temp folder), and ends every process of it. */
    private String runChromium(Path browser, String profile, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(browser.toString(), "--headless", "--disable-gpu",
                "--no-sandbox", "--no-first-run", "--disable-extensions", "--disable-background-networking",
                "--user-data-dir=" + profiles.resolve(profile), "--virtual-time-budget=6000"));
        command.addAll(List.of(args));
        Path out = profiles.resolve(profile + ".out");
        Path err = profiles.resolve(profile + ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!process.waitFor(BROWSER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("chromium did not finish within " + BROWSER_TIMEOUT_SECONDS + " s: "
                        + Files.readString(err));
            }
            assertEquals(0, process.exitValue(), () -> "chromium failed: " + read(err));
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            // Chromium starts helper processes (zygote, renderer, GPU, crashpad): none may outlive the test.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String cell(String dom, String id) {
        Matcher m = Pattern.compile("id=\"" + Pattern.quote(id) + "\"[^>]*>([^<]*)<").matcher(dom);
        if (!m.find()) {
            throw new AssertionError("no element #" + id + " in the rendered page (see target/status-page.html)");
        }
        return m.group(1).trim();
    }

    private static long number(String text) {
        return Long.parseLong(text.replace(",", ""));
    }
}
