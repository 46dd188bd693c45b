package io.inferstream.xgboost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a loaded booster says about itself, read from its own JSON form ({@code Booster.toByteArray("json")}, which
 * xgboost4j writes for every file format it loaded): objective, number of classes and features, base score, booster
 * type, feature names and types, and the attributes (among them {@code best_iteration}, which early stopping records).
 * xgboost4j has no call for the objective or the class count, and the JSON is the one form that has all of them.
 *
 * <p>Thread safety: immutable.
 */
final class BoosterFacts {
    private static final ObjectMapper JSON = new ObjectMapper();

    final String objective;
    final String booster;
    final int numClass;
    final int numFeature;
    final String baseScore;
    final List<String> featureNames;
    final List<String> featureTypes;
    final Integer bestIteration;
    final int boostedRounds;

    private BoosterFacts(String objective, String booster, int numClass, int numFeature, String baseScore,
            List<String> featureNames, List<String> featureTypes, Integer bestIteration, int boostedRounds) {
        this.objective = objective;
        this.booster = booster;
        this.numClass = numClass;
        this.numFeature = numFeature;
        this.baseScore = baseScore;
        this.featureNames = featureNames;
        this.featureTypes = featureTypes;
        this.bestIteration = bestIteration;
        this.boostedRounds = boostedRounds;
    }

    /**
     * @param modelJson the booster's JSON form
     * @param boostedRounds what {@code Booster.getNumBoostedRound()} says
     * @throws IOException if the JSON lacks what every XGBoost model has
     */
    static BoosterFacts parse(byte[] modelJson, int boostedRounds) throws IOException {
        JsonNode learner = JSON.readTree(modelJson).path("learner");
        JsonNode params = learner.path("learner_model_param");
        String objective = learner.path("objective").path("name").asText(null);
        if (objective == null || params.isMissingNode()) {
            throw new IOException("the model has no learner objective or parameters");
        }
        JsonNode best = learner.path("attributes").path("best_iteration");
        Integer bestIteration = best.isMissingNode() ? null : Integer.valueOf(best.asText().trim());
        return new BoosterFacts(objective, learner.path("gradient_booster").path("name").asText("gbtree"),
                Integer.parseInt(params.path("num_class").asText("0")),
                Integer.parseInt(params.path("num_feature").asText("0")),
                plainNumber(params.path("base_score").asText("")), strings(learner.path("feature_names")),
                strings(learner.path("feature_types")), bestIteration, boostedRounds);
    }

    /** XGBoost 2+ writes the base score as a vector, {@code [5E-1]}; shown as the plain number it is. */
    private static String plainNumber(String s) {
        String t = s.replace("[", "").replace("]", "").trim();
        try {
            return t.isEmpty() ? "" : Double.toString(Double.parseDouble(t));
        } catch (NumberFormatException e) {
            return s; // several targets, or a form not known here: shown as written
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    /**
     * @return the number of boosting rounds to score with: up to and including the best iteration when asked and
     *     recorded (and inside the model), else 0, which XGBoost reads as every round
     */
    int roundsToScore(boolean useBestIteration) {
        if (useBestIteration && bestIteration != null && bestIteration >= 0 && bestIteration + 1 < boostedRounds) {
            return bestIteration + 1;
        }
        return 0;
    }
}
