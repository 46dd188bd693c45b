package io.inferstream.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.ModelInfo;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonPredictionEncoderTest {
    @Test
    void outputsKeepNamesTypesAndShapes() {
        ModelInfo info = ModelInfo.builder("test").name("iris").version("3").build();
        Prediction p = Prediction.builder()
                .output("probabilities", Tensor.ofFloats(new float[] {0.25f, 0.75f}))
                .output("grid", Tensor.ofLongs(new long[] {1, 2, 3, 4}, 2, 2))
                .output("label", Tensor.ofStrings(new String[] {"b"}, new long[0]))
                .label("b").probability("a", 0.25).probability("b", 0.75).build();
        String json = new String(new JsonPredictionEncoder().encode(p, info, "k1".getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8);
        assertEquals("{\"key\":\"k1\",\"model\":\"iris\",\"version\":\"3\",\"outputs\":{\"probabilities\":[0.25,0.75],"
                + "\"grid\":[[1,2],[3,4]],\"label\":\"b\"},\"label\":\"b\",\"probabilities\":{\"a\":0.25,\"b\":0.75}}", json);
        String noKey = new String(new JsonPredictionEncoder().encode(Prediction.builder()
                .output("y", Tensor.scalar(Double.NaN)).build(), info, null), StandardCharsets.UTF_8);
        assertEquals("{\"model\":\"iris\",\"version\":\"3\",\"outputs\":{\"y\":null}}", noKey);
    }
}
