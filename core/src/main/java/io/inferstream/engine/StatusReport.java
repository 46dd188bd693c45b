package io.inferstream.engine;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.inferstream.monitor.LabelJoin;
import io.inferstream.monitor.ModelMonitor;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The figures behind the status page ({@code GET /status.json} on the metrics port), read from the same registry
 * {@code /metrics} serves, so page and scrape agree: counters (records in, predictions per version, dead letters by
 * stage), latency percentiles, consumer lag per partition, accuracy per version and drift per feature. Cumulative
 * values only; the page derives rates from successive reads.
 *
 * <p>Thread safety: thread-safe; each call reads the meters afresh.
 */
final class StatusReport {
    static final String RECORDS_LAG = "kafka.consumer.fetch.manager.records.lag";
    private static final JsonFactory JSON = new JsonFactory();

    private final EngineMetrics metrics;
    private final MeterRegistry own;
    private final Supplier<ModelMonitor> monitor;

    StatusReport(EngineMetrics metrics, MeterRegistry own, Supplier<ModelMonitor> monitor) {
        this.metrics = metrics;
        this.own = own;
        this.monitor = monitor;
    }

    /** @return the status as JSON; NaN (no figure yet) as null. */
    String json() {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("timeMillis", System.currentTimeMillis());
            g.writeNumberField("uptimeSeconds", metrics.elapsedSeconds());
            g.writeNumberField("recordsIn", metrics.recordsIn());
            g.writeNumberField("predictions", metrics.predictionsOut());
            g.writeNumberField("deadLetters", metrics.deadLetters());
            writeLongs(g, "predictionsByVersion", metrics.predictionsByVersion());
            writeLongs(g, "deadLettersByStage", metrics.deadLettersByStage());
            g.writeObjectFieldStart("latencyMs");
            writePercentiles(g, "processing", metrics.processingLatency());
            writePercentiles(g, "endToEnd", metrics.latency());
            g.writeEndObject();
            writeLag(g);
            writeMonitor(g, monitor.get());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void writeLongs(JsonGenerator g, String field, Map<String, Long> values) throws IOException {
        g.writeObjectFieldStart(field);
        for (Map.Entry<String, Long> e : values.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    private static void writePercentiles(JsonGenerator g, String field, LatencyPercentiles p) throws IOException {
        g.writeObjectFieldStart(field);
        g.writeNumberField("count", p.count());
        for (int percentile : new int[] {50, 95, 99}) {
            g.writeNumberField("p" + percentile, p.percentileMicros(percentile) / 1000.0);
        }
        g.writeEndObject();
    }

    /** Lag per input partition, from the workers' consumers (each partition is held by one of them). */
    private void writeLag(JsonGenerator g) throws IOException {
        Map<String, Double> byPartition = new TreeMap<>();
        for (Gauge gauge : Search.in(own).name(RECORDS_LAG).gauges()) {
            String topic = gauge.getId().getTag("topic");
            String partition = gauge.getId().getTag("partition");
            double lag = gauge.value();
            if (topic != null && partition != null && !Double.isNaN(lag)) {
                byPartition.merge(topic + "-" + partition, lag, Math::max);
            }
        }
        double total = byPartition.values().stream().mapToDouble(Double::doubleValue).sum();
        g.writeNumberField("consumerLag", total);
        g.writeObjectFieldStart("lagByPartition");
        for (Map.Entry<String, Double> e : byPartition.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    private static void writeMonitor(JsonGenerator g, ModelMonitor monitor) throws IOException {
        g.writeArrayFieldStart("quality");
        if (monitor.labels().isPresent()) {
            for (LabelJoin.VersionFigures f : monitor.labels().get().figures().values()) {
                g.writeStartObject();
                g.writeStringField("model", f.model);
                g.writeStringField("version", f.version);
                g.writeNumberField("joined", f.joined);
                g.writeNumberField("expired", f.expired);
                writeNumber(g, "accuracy", f.accuracy);
                writeNumber(g, "mae", f.mae);
                writeNumber(g, "rmse", f.rmse);
                g.writeEndObject();
            }
        }
        g.writeEndArray();
        if (monitor.labels().isPresent()) {
            LabelJoin labels = monitor.labels().get();
            g.writeObjectFieldStart("labels");
            g.writeNumberField("pending", labels.pending());
            g.writeNumberField("unmatched", labels.unmatched());
            g.writeNumberField("invalid", labels.invalid());
            g.writeEndObject();
        }
        g.writeObjectFieldStart("drift");
        if (monitor.drift().isPresent()) {
            g.writeNumberField("threshold", monitor.drift().get().threshold());
            g.writeObjectFieldStart("psi");
            for (Map.Entry<String, Map<String, Double>> v : monitor.drift().get().psi().entrySet()) {
                g.writeObjectFieldStart(v.getKey());
                for (Map.Entry<String, Double> f : v.getValue().entrySet()) {
                    writeNumber(g, f.getKey(), f.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void writeNumber(JsonGenerator g, String field, double value) throws IOException {
        if (Double.isFinite(value)) {
            g.writeNumberField(field, value);
        } else {
            g.writeNullField(field);
        }
    }
}
