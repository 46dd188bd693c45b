#!/usr/bin/python3
"""Writes the XGBoost adapter's test fixtures with the real XGBoost: Debian's python3-xgboost (1.7.4), an older
release than the adapter's runtime (xgboost4j 3.4.0), which is what users hand over.

Each model is trained here on synthetic data and saved as XGBoost saves it; beside it, <name>.expected.jsonl holds
one JSON object per scoring row: "x" (feature name -> value, null for a missing value) and what XGBoost 1.7.4 itself
predicts for that row, so the Java tests compare the adapter with the framework, not with themselves:

  binary.json/.ubj/.bin  binary:logistic, six named features, 10% missing values, trained with early stopping
                         (the best iteration is recorded in the model): "p" = P(class 1) over the best iteration,
                         as XGBClassifier.predict_proba gives it, "p_all" over every tree
  multi_softprob.json/.bin  multi:softprob, 3 classes, 4 unnamed features (f0..f3): "probs", "cls"
  multi_softmax.ubj      multi:softmax on the same data: "cls" (the class index XGBoost predicts), "probs" (the
                         softmax of the margins, which is what softprob gives)
  regression.json        reg:squarederror, five named features, base_score 3.5, missing values: "y"
  poisson.json           count:poisson (the objective's transform applied by XGBoost itself): "y"
  ranking.json           rank:pairwise with query groups, five named features: "score"
  reference.json/.ubj/.bin  the contract's ReferenceClassifier, p = softmax(W.x + b), as a gblinear multi:softprob
                         model: trained briefly, then its weights replaced by W and b in the model's own JSON and
                         loaded back by XGBoost, which saves it; checked below against the formula
  bench.json             the benchmark GBM: binary:logistic, 50 trees of depth 5 on f0..f9 (the H2O bench row's
                         features and label rule)

Inputs are multiples of 1/1024, exact in float32 and in decimal JSON, so that both runtimes see the same numbers.
Run from this directory: /usr/bin/python3 make_xgboost_fixtures.py   (apt-get install python3-xgboost)
"""
import json
import math
import os

import numpy as np
import xgboost as xgb

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
RNG = np.random.default_rng(2026)

# io.inferstream.sandbox.models.ReferenceClassifier: one row per class, one column per feature.
REF_W = [[0.8, -1.2, 0.5, 0.3], [-0.4, 0.9, -0.7, 1.1], [0.6, 0.2, 1.3, -0.9]]
REF_B = [0.1, -0.2, 0.05]


def grid(a):
    return np.round(np.asarray(a) * 1024) / 1024


def with_missing(x, fraction):
    x = x.copy()
    x[RNG.random(x.shape) < fraction] = np.nan
    return x


def row_json(names, row):
    return {n: (None if math.isnan(v) else float(v)) for n, v in zip(names, row)}


def write_expected(name, names, xs, columns):
    with open(os.path.join(OUT, name + ".expected.jsonl"), "w") as f:
        for i, row in enumerate(xs):
            rec = {"x": row_json(names, row)}
            for key, values in columns.items():
                v = values[i]
                rec[key] = [float(e) for e in v] if np.ndim(v) else float(v)
            f.write(json.dumps(rec) + "\n")


def save(booster, name, *extensions):
    for ext in extensions:
        booster.save_model(os.path.join(OUT, name + "." + ext))


def binary():
    names = ["age", "income", "balance", "tenure", "score", "ratio"]
    x = grid(RNG.normal(size=(1200, 6)))
    logit = 1.5 * x[:, 0] - x[:, 1] * x[:, 2] + np.abs(x[:, 3]) - 0.8 + 0.6 * (x[:, 4] > 0.3) - 0.2 * x[:, 5]
    y = (RNG.random(1200) < 1 / (1 + np.exp(-logit))).astype(float)
    x = with_missing(x, 0.1)
    train = xgb.DMatrix(x[:800], label=y[:800], feature_names=names, missing=np.nan)
    valid = xgb.DMatrix(x[800:1000], label=y[800:1000], feature_names=names, missing=np.nan)
    params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "eval_metric": "logloss", "seed": 1}
    booster = xgb.train(params, train, num_boost_round=200, evals=[(valid, "valid")], early_stopping_rounds=5,
                        verbose_eval=False)
    assert booster.best_iteration + 1 < booster.num_boosted_rounds(), "early stopping should leave extra trees"
    xs = x[1000:]
    test = xgb.DMatrix(xs, feature_names=names, missing=np.nan)
    p_best = booster.predict(test, iteration_range=(0, booster.best_iteration + 1))
    p_all = booster.predict(test)
    save(booster, "binary", "json", "ubj", "bin")
    write_expected("binary", names, xs, {"p": p_best, "p_all": p_all})
    print("binary: best iteration", booster.best_iteration, "of", booster.num_boosted_rounds())


def multiclass():
    names = ["f0", "f1", "f2", "f3"]
    x = grid(RNG.normal(size=(700, 4)))
    z = np.stack([x[:, 0] + x[:, 1], x[:, 2] - x[:, 0], 0.5 * x[:, 3] * x[:, 1]], axis=1)
    y = np.argmax(z + RNG.normal(scale=0.5, size=z.shape), axis=1).astype(float)
    train = xgb.DMatrix(x[:500], label=y[:500], missing=np.nan)  # no feature names: f0..f3
    xs = with_missing(x[500:], 0.05)
    test = xgb.DMatrix(xs, missing=np.nan)
    common = {"num_class": 3, "max_depth": 3, "eta": 0.3, "seed": 1}
    softprob = xgb.train(dict(common, objective="multi:softprob"), train, num_boost_round=20)
    probs = softprob.predict(test)
    save(softprob, "multi_softprob", "json", "bin")
    write_expected("multi_softprob", names, xs, {"probs": probs, "cls": np.argmax(probs, axis=1)})
    softmax = xgb.train(dict(common, objective="multi:softmax"), train, num_boost_round=20)
    cls = softmax.predict(test)
    margins = softmax.predict(test, output_margin=True)
    e = np.exp(margins - margins.max(axis=1, keepdims=True))
    save(softmax, "multi_softmax", "ubj")
    write_expected("multi_softmax", names, xs, {"cls": cls, "probs": e / e.sum(axis=1, keepdims=True)})


def regression():
    names = ["rooms", "area", "age", "distance", "floor"]
    x = grid(RNG.normal(size=(600, 5)))
    y = 3.5 + 2 * x[:, 0] + x[:, 1] ** 2 - np.sin(x[:, 2]) + 0.5 * x[:, 3] * x[:, 4] + RNG.normal(scale=0.1, size=600)
    x = with_missing(x, 0.08)
    xs = x[400:]
    test = xgb.DMatrix(xs, feature_names=names, missing=np.nan)
    train = xgb.DMatrix(x[:400], label=y[:400], feature_names=names, missing=np.nan)
    reg = xgb.train({"objective": "reg:squarederror", "base_score": 3.5, "max_depth": 4, "eta": 0.2, "seed": 1},
                    train, num_boost_round=30)
    save(reg, "regression", "json")
    write_expected("regression", names, xs, {"y": reg.predict(test)})
    counts = RNG.poisson(np.exp(0.3 * np.nan_to_num(x[:400, 0]) - 0.2 * np.nan_to_num(x[:400, 1])))
    pois = xgb.train({"objective": "count:poisson", "max_depth": 3, "eta": 0.3, "seed": 1},
                     xgb.DMatrix(x[:400], label=counts, feature_names=names, missing=np.nan), num_boost_round=20)
    save(pois, "poisson", "json")
    write_expected("poisson", names, xs, {"y": pois.predict(test)})


def ranking():
    names = ["bm25", "clicks", "freshness", "length", "pagerank"]
    x = grid(RNG.normal(size=(400, 5)))
    relevance = np.clip(np.round(1 + x[:, 0] + 0.5 * x[:, 1] - 0.3 * x[:, 3] + RNG.normal(scale=0.3, size=400)), 0, 3)
    train = xgb.DMatrix(x[:300], label=relevance[:300], feature_names=names)
    train.set_group([10] * 30)
    ranker = xgb.train({"objective": "rank:pairwise", "max_depth": 3, "eta": 0.3, "seed": 1}, train,
                       num_boost_round=15)
    xs = x[300:]
    save(ranker, "ranking", "json")
    write_expected("ranking", names, xs, {"score": ranker.predict(xgb.DMatrix(xs, feature_names=names))})


def reference():
    names = ["f0", "f1", "f2", "f3"]
    x = grid(RNG.uniform(-3, 3, size=(300, 4)))
    logits = x @ np.array(REF_W).T + np.array(REF_B)
    train = xgb.DMatrix(x, label=np.argmax(logits, axis=1).astype(float), feature_names=names)
    booster = xgb.train({"booster": "gblinear", "objective": "multi:softprob", "num_class": 3, "base_score": 0.0},
                        train, num_boost_round=2)
    model = json.loads(booster.save_raw("json"))
    linear = model["learner"]["gradient_booster"]["model"]
    # gblinear keeps weight[feature * num_class + class], then the bias of each class after the last feature.
    weights = [REF_W[c][j] for j in range(4) for c in range(3)] + REF_B
    assert len(linear["weights"]) == len(weights), linear
    linear["weights"] = weights
    pinned = xgb.Booster(model_file=bytearray(json.dumps(model).encode()))
    probs = pinned.predict(xgb.DMatrix(x, feature_names=names))
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    worst = np.abs(probs - e / e.sum(axis=1, keepdims=True)).max()
    assert worst < 1e-6, worst
    save(pinned, "reference", "json", "ubj", "bin")
    print("reference: largest |p - softmax(Wx+b)| =", worst)


def bench():
    names = ["f%d" % j for j in range(10)]
    x = grid(RNG.normal(size=(2000, 10)))
    s = (np.sin(x[:, 0]) + x[:, 1] * x[:, 2] - np.abs(x[:, 3]) + 0.5 * x[:, 4] - 0.3 * x[:, 5] ** 2 + 0.2 * x[:, 6]
         + np.where(x[:, 7] > 0, 0.7, -0.2) - 0.4 * x[:, 8] + 0.1 * x[:, 9])
    y = (RNG.random(2000) < 1 / (1 + np.exp(-s))).astype(float)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 5, "eta": 0.1, "seed": 1},
                        xgb.DMatrix(x, label=y, feature_names=names), num_boost_round=50)
    xs = grid(RNG.normal(size=(100, 10)))
    save(booster, "bench", "json")
    write_expected("bench", names, xs, {"p": booster.predict(xgb.DMatrix(xs, feature_names=names))})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    print("xgboost", xgb.__version__)
    binary()
    multiclass()
    regression()
    ranking()
    reference()
    bench()
