package io.inferstream.sandbox.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Reads the writer's bytes back with protobuf's schema-less parser and checks them against the field numbers of
 * onnx.proto. That ONNX Runtime loads and runs these models is proved in the ONNX adapter's tests; this test
 * pins the encoding itself without a native runtime.
 */
class OnnxModelWriterTest {

    private static UnknownFieldSet parse(ByteString bytes) throws Exception {
        return UnknownFieldSet.parseFrom(bytes);
    }

    private static String string(UnknownFieldSet m, int field) {
        return m.getField(field).getLengthDelimitedList().get(0).toStringUtf8();
    }

    private static List<String> strings(UnknownFieldSet m, int field) {
        return m.getField(field).getLengthDelimitedList().stream().map(ByteString::toStringUtf8)
                .collect(Collectors.toList());
    }

    @Test
    void denseNetworkHasTheModelHeaderTheGraphAndExactWeights() throws Exception {
        DenseNetwork net = DenseNetwork.random(5, 3, 2, 1);
        UnknownFieldSet model = UnknownFieldSet.parseFrom(OnnxModelWriter.denseNetwork(net));
        assertEquals(List.of(8L), model.getField(1).getVarintList(), "ir_version");
        assertEquals("inferstream-sandbox", string(model, 2), "producer_name");
        UnknownFieldSet opset = parse(model.getField(8).getLengthDelimitedList().get(0));
        assertEquals("", string(opset, 1));
        assertEquals(List.of(13L), opset.getField(2).getVarintList());

        UnknownFieldSet graph = parse(model.getField(7).getLengthDelimitedList().get(0));
        List<String> ops = graph.getField(1).getLengthDelimitedList().stream()
                .map(n -> {
                    try {
                        return string(parse(n), 4);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }).collect(Collectors.toList());
        assertEquals(List.of("Gemm", "Relu", "Gemm", "Softmax"), ops);

        UnknownFieldSet w1 = parse(graph.getField(5).getLengthDelimitedList().get(0));
        assertEquals("W1", string(w1, 8));
        assertEquals(List.of(5L, 3L), w1.getField(1).getVarintList(), "dims");
        assertEquals(List.of(1L), w1.getField(2).getVarintList(), "data_type FLOAT");
        ByteBuffer raw = w1.getField(9).getLengthDelimitedList().get(0).asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] got = new float[15];
        raw.asFloatBuffer().get(got);
        float[] want = new float[15];
        for (int i = 0; i < 5; i++) {
            System.arraycopy(net.w1()[i], 0, want, i * 3, 3);
        }
        assertArrayEquals(want, got, "W1 row-major, input index first");

        UnknownFieldSet input = parse(graph.getField(11).getLengthDelimitedList().get(0));
        assertEquals("input", string(input, 1));
        UnknownFieldSet tensorType = parse(parse(input.getField(2).getLengthDelimitedList().get(0))
                .getField(1).getLengthDelimitedList().get(0));
        assertEquals(List.of(1L), tensorType.getField(1).getVarintList(), "elem_type FLOAT");
        List<ByteString> dims = parse(tensorType.getField(2).getLengthDelimitedList().get(0))
                .getField(1).getLengthDelimitedList();
        assertEquals("N", string(parse(dims.get(0)), 2), "symbolic batch dimension");
        assertEquals(List.of(5L), parse(dims.get(1)).getField(1).getVarintList());
    }

    @Test
    void labelledClassifierUsesTheMlDomainWithStringLabels() throws Exception {
        UnknownFieldSet model = UnknownFieldSet.parseFrom(OnnxModelWriter.labelledReferenceClassifier());
        List<String> domains = model.getField(8).getLengthDelimitedList().stream().map(b -> {
            try {
                return string(parse(b), 1);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).collect(Collectors.toList());
        assertEquals(List.of("", "ai.onnx.ml"), domains);
        UnknownFieldSet graph = parse(model.getField(7).getLengthDelimitedList().get(0));
        UnknownFieldSet classifier = parse(graph.getField(1).getLengthDelimitedList().get(0));
        assertEquals("LinearClassifier", string(classifier, 4));
        assertEquals("ai.onnx.ml", string(classifier, 7));
        assertEquals(List.of("label", "scores"), strings(classifier, 2));
    }

    @Test
    void initializerSizeMustMatchItsDims() {
        assertThrows(IllegalArgumentException.class,
                () -> OnnxModelWriter.builder().initializer("w", new float[] {1, 2, 3}, 2, 2));
    }
}
