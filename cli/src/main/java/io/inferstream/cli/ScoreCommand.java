package io.inferstream.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.inferstream.codec.JsonPredictionEncoder;
import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.data.Prediction;
import io.inferstream.model.ClassLabelledModel;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelLoadException;
import io.inferstream.scoring.RecordScorer;
import io.inferstream.scoring.ScoredRecord;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code inferstream score}: the engine's decode → predict path over a JSON-lines file, no Kafka. Prints one line
 * per input line: the prediction exactly as the engine would write it to the output topic, or
 * {@code {"line":N,"stage":"...","error":"..."}} for a line the engine would send to the dead-letter topic.
 * Blank lines are skipped. A summary goes to standard error.
 *
 * <p>Thread safety: runs on the main thread.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score a JSON-lines file offline: one JSON prediction per line, exactly as the engine writes it, "
            + "or an error object for a line the engine would dead-letter. A summary goes to standard error."})
final class ScoreCommand extends Subcommand {
    private static final JsonFactory JSON = new JsonFactory();


    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--input", required = true, paramLabel = "FILE.jsonl",
            description = "One JSON record per line (blank lines are skipped).")
    Path input;

    @Option(names = "--concat", paramLabel = "INPUT=f1,f2,...",
            description = "Join scalar fields, in this order, into the tensor input INPUT (input.concat.*); repeatable.")
    Map<String, String> concatOption = new LinkedHashMap<>();

    @Option(names = "--labels", paramLabel = "a,b,c",
            description = "Class labels for a model that outputs only probabilities (model.class.labels).")
    String labels;

    @Option(names = "--label-output", paramLabel = "OUTPUT",
            description = "The output holding the class probabilities, with --labels (model.class.output).")
    String labelOutput;

    @Option(names = "--batch-size", defaultValue = "500", paramLabel = "N",
            description = "Records per model call (default: ${DEFAULT-VALUE}).")
    int batchSizeOption;

    @Option(names = "--allow-nan", description = "Accept NaN and infinities in numeric inputs (input.allow.nan).")
    boolean allowNan;

    ScoreCommand(PrintStream out, PrintStream err) {
        super(out, err);
    }

    @Override
    public Integer call() {
        if (!Files.isReadable(input)) {
            throw Main.usage(spec, "input file " + input + " cannot be read");
        }
        int batchSize = Main.atLeast(spec, "--batch-size", batchSizeOption, 1);
        Map<String, List<String>> concat = new LinkedHashMap<>();
        concatOption.forEach((k, v) -> concat.put(k, split(v)));
        try (Model loaded = modelOptions.load(spec)) {
            Model model = labels == null ? loaded : ClassLabelledModel.wrap(loaded, split(labels), labelOutput);
            JsonRecordDecoder decoder;
            try {
                decoder = new JsonRecordDecoder(model.info(), concat, allowNan);
            } catch (IllegalArgumentException e) {
                throw Main.usage(spec, e.getMessage());
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
        List<ScoredRecord<Prediction>> results = scorer.score(values);
        for (int i = 0; i < results.size(); i++) {
            ScoredRecord<Prediction> r = results.get(i);
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

    private static String errorLine(long lineNumber, ScoredRecord<Prediction> r) throws IOException {
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
