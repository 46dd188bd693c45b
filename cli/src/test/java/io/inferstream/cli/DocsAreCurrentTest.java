package io.inferstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.OptionSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The docs cannot go stale: the configuration reference in docs/configuration.md is the generated one, every
 * {@code bin/inferstream} command line shown in a code block parses with the CLI's own picocli spec, and every
 * properties snippet is a valid engine configuration (each model.config.* key declared by some model loader).
 */
class DocsAreCurrentTest {
    private static final Path ROOT = Path.of("..");

    /** README.md, docs/*.md and each module's README.md. */
    private static List<Path> docs() throws IOException {
        List<Path> out = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> pages = Files.list(ROOT.resolve("docs"))) {
            pages.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        try (Stream<Path> modules = Files.list(ROOT)) {
            modules.map(m -> m.resolve("README.md")).filter(Files::isRegularFile).sorted().forEach(out::add);
        }
        return out;
    }

    /** One fenced code block: its language (may be empty), where it starts, and its lines. */
    private record Block(String language, Path file, int line, List<String> lines) {
    }

    private static List<Block> blocks() throws IOException {
        List<Block> out = new ArrayList<>();
        for (Path doc : docs()) {
            List<String> lines = Files.readAllLines(doc);
            for (int i = 0; i < lines.size(); i++) {
                String open = lines.get(i).trim();
                if (!open.startsWith("```")) {
                    continue;
                }
                int start = i;
                List<String> body = new ArrayList<>();
                for (i++; i < lines.size() && !lines.get(i).trim().startsWith("```"); i++) {
                    body.add(lines.get(i));
                }
                out.add(new Block(open.substring(3).trim(), doc, start + 1, body));
            }
        }
        return out;
    }

    @Test
    void theConfigurationReferenceIsTheGeneratedOne() throws Exception {
        String page = Files.readString(ROOT.resolve("docs/configuration.md"));
        String start = "<!-- config-reference:start -->\n";
        String section = page.substring(page.indexOf(start) + start.length(),
                page.indexOf("<!-- config-reference:end -->"));
        String generated = ConfigReference.markdown(ModelRegistry.discover());
        if (!generated.equals(section)) {
            Files.writeString(Path.of("target", "config-reference.md"), generated);
        }
        assertEquals(generated, section, "docs/configuration.md is stale: paste cli/target/config-reference.md (the "
                + "output of 'bin/inferstream config-reference' with every adapter on the class path) between the markers");
    }

    @Test
    void everyCommandLineShownParses() throws Exception {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Block block : blocks()) {
            for (String line : joinContinuations(block.lines())) {
                for (String command : commands(line)) {
                    checked++;
                    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
                    try {
                        Main.commandLine(quiet, quiet).parseArgs(words(command).toArray(String[]::new));
                    } catch (CommandLine.ParameterException e) {
                        failures.add(block.file() + " (block at line " + block.line() + "): " + command + " -> "
                                + e.getMessage());
                    }
                }
            }
        }
        assertTrue(checked >= 15, "found only " + checked + " command lines: is the scan broken?");
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** @return the shell lines with each backslash-continued line joined to the next, as the shell reads them */
    private static List<String> joinContinuations(List<String> lines) {
        List<String> out = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String line : lines) {
            String trimmed = line.stripTrailing();
            if (trimmed.endsWith("\\")) {
                pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
            } else {
                out.add(pending.append(line).toString());
                pending.setLength(0);
            }
        }
        if (pending.length() > 0) {
            out.add(pending.toString());
        }
        return out;
    }

    /** @return the arguments of every {@code bin/inferstream} command on a shell line, comments dropped. */
    private static List<String> commands(String line) {
        String text = line.trim();
        if (text.startsWith("$ ")) {
            text = text.substring(2);
        }
        int comment = text.indexOf(" #");
        if (comment >= 0) {
            text = text.substring(0, comment);
        }
        List<String> out = new ArrayList<>();
        for (String segment : text.split("&&|;|\\|")) {
            String s = segment.trim();
            if (s.startsWith("bin/inferstream ") || s.equals("bin/inferstream")) {
                out.add(s.substring("bin/inferstream".length()).trim());
            }
        }
        return out;
    }

    private static List<String> words(String command) {
        List<String> out = new ArrayList<>();
        for (String w : command.split("\\s+")) {
            if (!w.isEmpty() && !w.equals("\\")) {
                out.add(w.replaceAll("^['\"]|['\"]$", ""));
            }
        }
        return out;
    }

    @Test
    void everyPropertiesSnippetIsAValidConfiguration() throws Exception {
        Map<String, OptionSpec> loaders = new HashMap<>();
        ModelRegistry registry = ModelRegistry.discover();
        for (String format : registry.formats()) {
            ModelLoader loader = registry.loader(format);
            loaders.put(format, loader.options());
        }
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Block block : blocks()) {
            if (!block.language().equals("properties")) {
                continue;
            }
            checked++;
            Properties snippet = new Properties();
            snippet.load(new StringReader(block.lines().stream().map(DocsAreCurrentTest::dropTrailingComment)
                    .collect(Collectors.joining("\n"))));
            // A snippet may show only the keys it is about: complete it with the required ones.
            Map<String, Object> config = new HashMap<>(Map.of(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092",
                    EngineConfig.GROUP_ID, "docs", EngineConfig.INPUT_TOPICS, "in", EngineConfig.OUTPUT_TOPIC, "out",
                    EngineConfig.DEAD_LETTER_TOPIC, "dlt"));
            if (!snippet.containsKey(EngineConfig.MODEL_URL) && !snippet.containsKey(EngineConfig.MODEL_TOPIC)) {
                config.put(EngineConfig.MODEL_PATH, "model.onnx");
            }
            snippet.forEach((k, v) -> config.put((String) k, v));
            String where = block.file() + " (block at line " + block.line() + "): ";
            try {
                EngineConfig parsed = new EngineConfig(config);
                for (Map.Entry<String, Object> option : parsed.modelOptions().entrySet()) {
                    if (loaders.values().stream().noneMatch(spec -> accepts(spec, option.getKey(), option.getValue()))) {
                        failures.add(where + "model.config." + option.getKey() + " is declared by no model loader");
                    }
                }
            } catch (ConfigException e) {
                failures.add(where + e.getMessage());
            }
        }
        assertTrue(checked >= 3, "found only " + checked + " properties snippets: is the scan broken?");
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static boolean accepts(OptionSpec spec, String key, Object value) {
        try {
            spec.validate(Map.of(key, value), "docs");
            return true;
        } catch (ModelLoadException e) {
            return false;
        }
    }

    /** The docs annotate values with a trailing {@code # comment}, which a properties file would keep as value. */
    private static String dropTrailingComment(String line) {
        int comment = line.indexOf(" #");
        return comment >= 0 && !line.trim().startsWith("#") ? line.substring(0, comment) : line;
    }
}
