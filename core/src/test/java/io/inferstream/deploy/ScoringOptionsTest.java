package io.inferstream.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferstream.codec.CsvRecordDecoder;
import io.inferstream.codec.Float32RecordDecoder;
import io.inferstream.data.DataType;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The options every stream-processor host shares: defaults, the host's builder type through one chain, validation,
 * the codec they describe, and a serialization round trip (Flink ships options to its subtasks).
 */
class ScoringOptionsTest {
    /** A host's options as the Streams and Flink modules write theirs: one extra setting, its own builder. */
    static final class HostOptions extends ScoringOptions {
        private static final long serialVersionUID = 1L;
        final String extra;

        private HostOptions(Builder b) {
            super(b);
            this.extra = b.extra;
        }

        static final class Builder extends ScoringOptions.Builder<Builder> {
            private String extra = "";

            @Override
            protected Builder self() {
                return this;
            }

            Builder extra(String value) {
                this.extra = value;
                return this;
            }

            HostOptions build() {
                return new HostOptions(this);
            }
        }
    }

    private static final ModelInfo VECTOR = ModelInfo.builder("t")
            .input(FieldSpec.tensor("features", DataType.FLOAT, 3)).build();

    @Test
    void theDefaultsAreTheEngines() {
        HostOptions o = new HostOptions.Builder().build();
        assertEquals(500, o.maxBatchSize());
        assertEquals(Duration.ofMillis(100), o.maxBatchDelay());
        assertEquals(1 << 20, o.maxRecordBytes());
        assertEquals("json", o.inputCodec());
        assertEquals(8, o.warmupRecords());
        assertEquals(Duration.ofMinutes(2), o.loadTimeout());
        assertFalse(o.allowNonFinite());
    }

    @Test
    void sharedAndHostSettersMixInOneChainAndTheOptionsSurviveSerialization() throws Exception {
        HostOptions o = new HostOptions.Builder().maxBatchSize(64).extra("x").maxBatchDelay(Duration.ofSeconds(1))
                .concatenate("features", List.of("b", "a", "c")).classLabels(List.of("no", "yes"), "p")
                .warmupRecords(0).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        HostOptions copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (HostOptions) in.readObject();
        }
        assertEquals("x", copy.extra);
        assertEquals(64, copy.maxBatchSize());
        assertEquals(Duration.ofSeconds(1), copy.maxBatchDelay());
        assertEquals(List.of("no", "yes"), copy.classLabels());
        assertEquals("p", copy.classOutput());
        DeploymentSettings settings = copy.deploymentSettings(2, copy::decoder, false);
        assertEquals(2, settings.slots());
        assertEquals(List.of("no", "yes"), settings.classLabels());
        assertEquals(0, settings.warmupRecords());
        // The concatenation decodes named fields into the vector in the order given.
        float[] decoded = settings.decoders().apply(VECTOR)
                .decode("{\"a\":2,\"b\":1,\"c\":3}".getBytes(StandardCharsets.UTF_8)).get("features").asFloats();
        assertArrayEquals(new float[] {1, 2, 3}, decoded);
    }

    @Test
    void theCodecSettingsPickTheEnginesDecoders() {
        assertInstanceOf(Float32RecordDecoder.class,
                new HostOptions.Builder().inputCodec("float32").build().decoder(VECTOR));
        assertInstanceOf(CsvRecordDecoder.class, new HostOptions.Builder().inputCodec("csv")
                .csvHeader(List.of("x", "y", "z")).build().decoder(VECTOR));
    }

    @Test
    void badValuesAreRefusedWhenSet() {
        HostOptions.Builder b = new HostOptions.Builder();
        assertThrows(IllegalArgumentException.class, () -> b.maxBatchSize(0));
        assertThrows(IllegalArgumentException.class, () -> b.maxBatchDelay(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.maxRecordBytes(0));
        assertThrows(IllegalArgumentException.class, () -> b.inputCodec("xml"));
        assertThrows(IllegalArgumentException.class, () -> b.concatenate("features", List.of()));
        assertThrows(NullPointerException.class, () -> b.loadTimeout(null));
    }
}
