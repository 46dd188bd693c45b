package io.inferstream.bench;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.ForwardingModel;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's baseline: the same model, called once per record instead of once per batch, so that the engine
 * runs the very same pipeline (same polls, same commits) and only the model calls differ.
 *
 * <p>Thread safety: as thread-safe as the wrapped model.
 */
final class PerRecordModel extends ForwardingModel {

    PerRecordModel(Model delegate) {
        super(delegate);
    }

    @Override
    public List<Prediction> predict(List<Features> batch) throws InferenceException {
        List<Prediction> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            try {
                out.add(delegate().predict(List.of(batch.get(i))).get(0));
            } catch (InvalidInputException e) {
                throw new InvalidInputException(i, e.field(), e.getMessage(), e);
            }
        }
        return out;
    }
}
