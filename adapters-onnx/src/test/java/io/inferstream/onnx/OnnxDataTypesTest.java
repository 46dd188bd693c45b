package io.inferstream.onnx;

import static io.inferstream.sandbox.models.OnnxModelWriter.BATCH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.OnnxModelWriter.Attribute;
import io.inferstream.sandbox.models.OnnxModelWriter.ElementType;
import io.inferstream.sandbox.models.OnnxModelWriter.ValueType;
import io.inferstream.sandbox.models.OnnxModelWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every supported element type goes in and comes out with its own type: a graph with a double, an int64 scalar,
 * a string scalar, a bool and an int32 input, computed by ONNX Runtime (Mul, Add, ai.onnx.ml LabelEncoder,
 * Identity, Not, Cast), and checked against the same arithmetic in Java.
 */
class OnnxDataTypesTest {

    static byte[] mixedTypesModel() {
        return OnnxModelWriter.builder()
                .opset(OnnxModelWriter.ML_DOMAIN, OnnxModelWriter.ML_OPSET)
                .input("amount", ValueType.tensor(ElementType.DOUBLE, BATCH, 2))
                .input("count", ValueType.tensor(ElementType.INT64, BATCH))
                .input("category", ValueType.tensor(ElementType.STRING, BATCH))
                .input("flag", ValueType.tensor(ElementType.BOOL, BATCH, 3))
                .input("small", ValueType.tensor(ElementType.INT32, BATCH, 2))
                .output("amount_doubled", ValueType.tensor(ElementType.DOUBLE, BATCH, 2))
                .output("count_next", ValueType.tensor(ElementType.INT64, BATCH))
                .output("category_code", ValueType.tensor(ElementType.INT64, BATCH))
                .output("category_echo", ValueType.tensor(ElementType.STRING, BATCH))
                .output("flag_inverted", ValueType.tensor(ElementType.BOOL, BATCH, 3))
                .output("small_plus", ValueType.tensor(ElementType.INT32, BATCH, 2))
                .output("small_as_float", ValueType.tensor(ElementType.FLOAT, BATCH, 2))
                .initializer("two", new double[] {2.0}, 1)
                .initializer("one", new long[] {1}, 1)
                .initializer("ten", new int[] {10}, 1)
                .node("Mul", List.of("amount", "two"), List.of("amount_doubled"))
                .node("Add", List.of("count", "one"), List.of("count_next"))
                .node(OnnxModelWriter.ML_DOMAIN, "LabelEncoder", List.of("category"), List.of("category_code"),
                        Attribute.strings("keys_strings", "red", "green", "blue"),
                        Attribute.ints("values_int64s", 1, 2, 3),
                        Attribute.of("default_int64", -1))
                .node("Identity", List.of("category"), List.of("category_echo"))
                .node("Not", List.of("flag"), List.of("flag_inverted"))
                .node("Add", List.of("small", "ten"), List.of("small_plus"))
                .node("Cast", List.of("small"), List.of("small_as_float"), Attribute.of("to", ElementType.FLOAT.code()))
                .build();
    }

    @Test
    void signatureKeepsEachTypeAndPerRecordShape() throws Exception {
        try (Model model = new OnnxModelLoader().load(ModelSource.of(mixedTypesModel(), "mixed.onnx"), Map.of())) {
            assertEquals(List.of(
                    FieldSpec.tensor("amount", DataType.DOUBLE, 2),
                    FieldSpec.scalar("count", DataType.INT64),
                    FieldSpec.scalar("category", DataType.STRING),
                    FieldSpec.tensor("flag", DataType.BOOL, 3),
                    FieldSpec.tensor("small", DataType.INT32, 2)), model.info().inputs());
            assertEquals(FieldSpec.scalar("category_code", DataType.INT64), model.info().outputs().get(2));
            assertEquals(FieldSpec.tensor("small_as_float", DataType.FLOAT, 2), model.info().outputs().get(6));
        }
    }

    @Test
    void everyTypeRoundTripsThroughOneBatchedRun() throws Exception {
        String[] categories = {"red", "blue", "purple", "green"};
        Features[] rows = new Features[categories.length];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = Features.builder()
                    .put("amount", Tensor.ofDoubles(new double[] {r + 0.125, -r * 1e10}))
                    // The codec gives JSON numbers as doubles or longs; whole doubles must fit an int64 input.
                    .put("count", r % 2 == 0 ? Tensor.scalar((long) (r * 1_000_000_007L)) : Tensor.scalar((double) r))
                    .put("category", categories[r])
                    .put("flag", Tensor.ofBooleans(new boolean[] {r % 2 == 0, true, false}))
                    .put("small", Tensor.ofInts(new int[] {r, -r}))
                    .build();
        }
        try (Model model = new OnnxModelLoader().load(ModelSource.of(mixedTypesModel(), "mixed.onnx"), Map.of())) {
            List<Prediction> out = model.predict(List.of(rows));
            long[] codes = {1, 3, -1, 2};
            for (int r = 0; r < rows.length; r++) {
                Prediction p = out.get(r);
                assertEquals(Tensor.ofDoubles(new double[] {2 * (r + 0.125), -2 * r * 1e10}, 2),
                        p.output("amount_doubled"));
                long count = r % 2 == 0 ? r * 1_000_000_007L : r;
                assertEquals(Tensor.scalar(count + 1), p.output("count_next"), "int64 scalar per record");
                assertEquals(Tensor.scalar(codes[r]), p.output("category_code"), "LabelEncoder of " + categories[r]);
                assertEquals(Tensor.scalar(categories[r]), p.output("category_echo"));
                assertArrayEquals(new boolean[] {r % 2 != 0, false, true}, p.output("flag_inverted").asBooleans());
                assertArrayEquals(new int[] {r + 10, -r + 10}, p.output("small_plus").asInts());
                assertArrayEquals(new float[] {r, -r}, p.output("small_as_float").asFloats());
                assertEquals(7, p.outputs().size(), "every output under its own name");
            }
        }
    }
}
