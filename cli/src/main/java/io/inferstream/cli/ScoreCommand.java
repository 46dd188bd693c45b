package io.inferstream.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.inferstream.codec.JsonPredictionEncoder;
import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.engine.RecordScorer;
import io.inferstream.model.ClassLabelledModel;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelLoadException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code inferstream score}: the engine's decode → predict path over a JSON-lines file, no Kafka. Prints one line
 * per input line: the prediction exactly as the engine would write it to the output topic, or
 * {@code {"line":N,"stage":"...","error":"..."}} for a line the engine would send to the dead-letter topic.
 * Blank lines are skipped. A summary goes to standard error.
 *
 * <p>Thread safety: runs on the main thread.
 */
final class ScoreCommand {
    private static final JsonFactory JSON = new JsonFactory();

    private ScoreCommand() {
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws Args.UsageException {
        Args args = Args.parse(argv, Set.of("model", "format", "input", "concat", "labels", "label-output",
                "batch-size", "option", "allow-nan"), Set.of("allow-nan"));
        Path input = Path.of(args.require("input"));
        if (!Files.isReadable(input)) {
            throw new Args.UsageException("input file " + input + " cannot be read");
        }
        int batchSize = args.integer("batch-size", 500, 1);
        Map<String, List<String>> concat = new LinkedHashMap<>();
        args.keyValues("concat").forEach((k, v) -> concat.put(k, split(v)));
        try (Model loaded = InspectCommand.load(args)) {
            Model model = args.get("labels") == null ? loaded
                    : ClassLabelledModel.wrap(loaded, split(args.get("labels")), args.get("label-output"));
            JsonRecordDecoder decoder;
            try {
                decoder = new JsonRecordDecoder(model.info(), concat, args.flag("allow-nan"));
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException(e.getMessage());
            }
            RecordScorer scorer = new RecordScorer(model, decoder, batchSize, Integer.MAX_VALUE);
            JsonPredictionEncoder encoder = new JsonPredictionEncoder();
            long[] counts = new long[2];
            try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
                List<byte[]> values = new ArrayList<>(batchSize);
                List<Long> lineNumbers = new ArrayList<>(batchSize);
                long lineNumber = 0;
                String line;
                while ((line = reader.readLine()) != null) {
                    lineNumber++;
                    if (line.isBlank()) {
                        continue;
                    }
                    values.add(line.getBytes(StandardCharsets.UTF_8));
                    lineNumbers.add(lineNumber);
                    if (values.size() == batchSize) {
                        flush(scorer, encoder, model, values, lineNumbers, out, counts);
                    }
                }
                flush(scorer, encoder, model, values, lineNumbers, out, counts);
            }
            err.printf("scored %d line(s): %d prediction(s), %d rejected%n", counts[0] + counts[1], counts[0], counts[1]);
            return 0;
        } catch (ModelLoadException e) {
            err.println("inferstream score: " + e.getMessage());
            return 1;
        } catch (ModelFailureException e) {
            err.println("inferstream score: the model failed: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("inferstream score: cannot read " + input + ": " + e.getMessage());
            return 1;
        }
    }

    private static void flush(RecordScorer scorer, JsonPredictionEncoder encoder, Model model, List<byte[]> values,
            List<Long> lineNumbers, PrintStream out, long[] counts) throws ModelFailureException, IOException {
        if (values.isEmpty()) {
            return;
        }
        List<RecordScorer.Result> results = scorer.score(values);
        for (int i = 0; i < results.size(); i++) {
            RecordScorer.Result r = results.get(i);
            if (r.ok()) {
                out.println(new String(encoder.encode(r.prediction(), model.info(), null), StandardCharsets.UTF_8));
                counts[0]++;
            } else {
                out.println(errorLine(lineNumbers.get(i), r));
                counts[1]++;
            }
        }
        values.clear();
        lineNumbers.clear();
    }

    private static String errorLine(long lineNumber, RecordScorer.Result r) throws IOException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeNumberField("line", lineNumber);
            g.writeStringField("stage", r.stage());
            g.writeStringField("error", String.valueOf(r.error().getMessage()));
            g.writeEndObject();
        }
        return w.toString();
    }

    private static List<String> split(String csv) {
        List<String> out = new ArrayList<>();
        Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
        return out;
    }
}
