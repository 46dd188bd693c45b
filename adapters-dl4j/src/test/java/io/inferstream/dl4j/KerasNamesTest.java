package io.inferstream.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.model.ModelLoadException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** Keras's naming rules on model_config texts, including the odd ones no corpus file needs to carry. */
class KerasNamesTest {
    private static KerasNames names(String modelConfig) throws Exception {
        return KerasNames.of(new ObjectMapper().readTree(modelConfig.replace('\'', '"')), "m");
    }

    @Test
    void sequentialInputIsTheLeadingInputLayerElseTheFirstLayerNameWithInputAppended() throws Exception {
        KerasNames implicit = names("{'class_name':'Sequential','config':{'name':'s','layers':["
                + "{'class_name':'Dense','config':{'name':'dense_7','batch_input_shape':[null,4]}},"
                + "{'class_name':'Activation','config':{'name':'act'}}]}}");
        assertEquals(List.of("dense_7_input"), implicit.inputs);
        assertEquals(List.of("act"), implicit.outputs);
        assertTrue(implicit.isSequential());
        KerasNames explicit = names("{'class_name':'Sequential','config':[{'class_name':'InputLayer','config':{'name':'pixels'}},"
                + "{'class_name':'Dense','config':{'name':'out'}}]}");
        assertEquals(List.of("pixels"), explicit.inputs);
        assertEquals(List.of("out"), explicit.outputs);
    }

    @Test
    void functionalNamesComeFromInputAndOutputLayersInOrder() throws Exception {
        KerasNames graph = names("{'class_name':'Model','config':{'layers':[],"
                + "'input_layers':[['b',0,0],['a',0,0]],'output_layers':[['y',0,0],['x',0,0]]}}");
        assertEquals(List.of("b", "a"), graph.inputs);
        assertEquals(List.of("y", "x"), graph.outputs);
        assertEquals(false, graph.isSequential());
        KerasNames twice = names("{'class_name':'Functional','config':{'input_layers':[['a',0,0]],"
                + "'output_layers':[['shared',0,0],['shared',1,0]]}}");
        assertEquals(List.of(), twice.outputs, "one layer at two outputs has no names of its own: DL4J's stand");
    }

    @Test
    void aConfigWithoutLayersOrLayerNamesIsALoadErrorSayingSo() {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> names("{'class_name':'Sequential','config':{'name':'s','layers':[]}}"));
        assertEquals("model m: the Keras Sequential model_config lists no layers", e.getMessage());
        e = assertThrows(ModelLoadException.class,
                () -> names("{'class_name':'Sequential','config':{'layers':[{'class_name':'Dense','config':{}}]}}"));
        assertEquals("model m: a layer of class Dense in the Keras model_config has no name", e.getMessage());
    }
}
