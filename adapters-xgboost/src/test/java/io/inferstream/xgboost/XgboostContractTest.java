package io.inferstream.xgboost;

import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.testkit.contract.ModelContractTest;
import io.inferstream.xgboost.fixtures.XgboostFixtures;
import java.nio.file.Path;
import java.util.Map;

/**
 * The cross-framework contract for XGBoost: the {@link ReferenceClassifier} as a {@code gblinear}
 * {@code multi:softprob} model whose weights are the reference's W and b, saved by XGBoost 1.7.4
 * ({@code reference.ubj}; see {@code make_xgboost_fixtures.py}), in process and through the engine on a real broker.
 */
class XgboostContractTest extends ModelContractTest {
    @Override
    protected ModelSource writeContractModel(Path dir) throws Exception {
        return ModelSource.of(XgboostFixtures.copyTo("reference.ubj", dir));
    }

    @Override
    protected Map<String, ?> loaderOptions() {
        return Map.of(XgboostOptions.CLASS_LABELS, String.join(",", ReferenceClassifier.LABELS));
    }
}
