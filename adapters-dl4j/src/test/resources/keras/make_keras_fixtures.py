#!/usr/bin/python3
"""Writes the Keras HDF5 fixtures of the DL4J adapter's tests, without Keras itself.

Keras 2.x saves a model as one HDF5 file: the root attributes keras_version, backend and model_config (the
model's JSON), and a group model_weights with one group per layer whose weight_names attribute lists the
datasets <layer>/<layer>/kernel:0 and bias:0. This script writes that layout with h5py (Debian's
python3-h5py) for two models that both compute the contract's ReferenceClassifier, p = softmax(W.x + b):

  reference_sequential.h5  Sequential: Dense(3, softmax) on a 4-wide input
  reference_functional.h5  functional Model with two inputs, a = (f0, f1) and b = (f2, f3):
                           probs = Activation(softmax)(Add()([Dense(3)(a), Dense(3, no bias)(b)]))

The weights are those of io.inferstream.sandbox.models.ReferenceClassifier, copied here; the Java tests
check the imported models against ReferenceClassifier's plain-Java probabilities.

It also writes a corpus of files laid out as the Keras versions people actually used wrote them (issue 14), so
that the loader is held to real naming rules; KerasCorpusTest checks each against a plain-Java forward pass of
the same weights (io.inferstream.dl4j.KerasCorpus holds the same formulas):

  corpus_keras216_list.h5       Keras 2.1.6: Sequential config is a bare list of layers; input "dense_1_input"
  corpus_keras224_sequential.h5 Keras 2.2.4: Sequential {"name", "layers"} without an InputLayer, Dropout;
                                input "hidden_input" (Keras names it <first layer>_input)
  corpus_tf2_sequential.h5      tf.keras 2.6: the InputLayer Keras added itself ("dense_input") leads the
                                layer list, BatchNormalization, compiled (training_config, optimizer_weights)
  corpus_tf2_named_input.h5     tf.keras 2.6: Sequential begun with keras.Input(shape=(4,), name="features")
  corpus_tf2_functional.h5      tf.keras 2.6: class "Functional", input "measurements", two outputs "price"
                                (linear) and "segment" (softmax), compiled with one loss per output

Corpus weights follow two formulas instead of random numbers, so the Java test rebuilds them exactly:
kernel[i][j] = ((7i + 3j + seed) mod 11 - 5) / 8 and bias[j] = ((5j + seed) mod 7 - 3) / 16 (all exact in
float32); batch normalisation uses gamma = 1 + j/8, beta = (j - 2)/16, mean = (j - 1)/4, variance = 1/2 + j/4.

Run from this directory: /usr/bin/python3 make_keras_fixtures.py (the system Python, where apt put h5py)
"""
import json

import h5py
import numpy as np

# ReferenceClassifier.WEIGHTS (one row per class, one column per feature) and BIAS.
W = np.array([[0.8, -1.2, 0.5, 0.3],
              [-0.4, 0.9, -0.7, 1.1],
              [0.6, 0.2, 1.3, -0.9]], dtype=np.float32)
B = np.array([0.1, -0.2, 0.05], dtype=np.float32)
KERAS_VERSION = "2.2.4"


def dense(name, units, activation, use_bias=True, input_width=None):
    config = {"name": name, "trainable": True, "units": units, "activation": activation, "use_bias": use_bias,
              "kernel_initializer": {"class_name": "Zeros", "config": {}},
              "bias_initializer": {"class_name": "Zeros", "config": {}},
              "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
              "kernel_constraint": None, "bias_constraint": None}
    if input_width is not None:
        config["batch_input_shape"] = [None, input_width]
        config["dtype"] = "float32"
    return {"class_name": "Dense", "config": config}


def node(layer, inbound):
    layer = dict(layer)
    layer["name"] = layer["config"]["name"]
    layer["inbound_nodes"] = [[[source, 0, 0, {}] for source in inbound]] if inbound else []
    return layer


def write(path, model_config, weights, keras_version=KERAS_VERSION, training_config=None):
    """weights: list of (layer name, [(weight name, array), ...]) in layer order, including weightless layers.

    A compiled model also carries training_config and, as Keras saves it, an optimizer_weights group (here
    only Adam's iteration counter: the loaders read model_weights alone)."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = keras_version.encode("utf8")
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config).encode("utf8")
            optimizer = f.create_group("optimizer_weights")
            optimizer.attrs["weight_names"] = np.array([b"Adam/iter:0"])
            optimizer.create_dataset("Adam/iter:0", data=np.int64(100))
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = np.array([name.encode("utf8") for name, _ in weights])
        group.attrs["backend"] = b"tensorflow"
        group.attrs["keras_version"] = keras_version.encode("utf8")
        for name, arrays in weights:
            layer = group.create_group(name)
            layer.attrs["weight_names"] = np.array([("%s/%s:0" % (name, w)).encode("utf8") for w, _ in arrays])
            for w, value in arrays:
                layer.create_dataset("%s/%s:0" % (name, w), data=value)


def sequential():
    config = {"class_name": "Sequential",
              "config": {"name": "reference_sequential",
                         "layers": [dense("probs", 3, "softmax", input_width=4)]}}
    write("reference_sequential.h5", config, [("probs", [("kernel", W.T.copy()), ("bias", B)])])


def functional():
    def input_layer(name, width):
        return {"name": name, "class_name": "InputLayer",
                "config": {"batch_input_shape": [None, width], "dtype": "float32", "sparse": False, "name": name},
                "inbound_nodes": []}

    layers = [input_layer("a", 2), input_layer("b", 2),
              node(dense("dense_a", 3, "linear"), ["a"]),
              node(dense("dense_b", 3, "linear", use_bias=False), ["b"]),
              node({"class_name": "Add", "config": {"name": "logits", "trainable": True}}, ["dense_a", "dense_b"]),
              node({"class_name": "Activation", "config": {"name": "probs", "trainable": True,
                                                           "activation": "softmax"}}, ["logits"])]
    config = {"class_name": "Model",
              "config": {"name": "reference_functional", "layers": layers,
                         "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["probs", 0, 0]]}}
    write("reference_functional.h5", config,
          [("a", []), ("b", []),
           ("dense_a", [("kernel", W[:, 0:2].T.copy()), ("bias", B)]),
           ("dense_b", [("kernel", W[:, 2:4].T.copy())]),
           ("logits", []), ("probs", [])])


def kernel(seed, rows, cols):
    return np.array([[((7 * i + 3 * j + seed) % 11 - 5) / 8.0 for j in range(cols)] for i in range(rows)],
                    dtype=np.float32)


def bias(seed, n):
    return np.array([((5 * j + seed) % 7 - 3) / 16.0 for j in range(n)], dtype=np.float32)


def batch_norm_weights(n):
    j = np.arange(n, dtype=np.float32)
    return [("gamma", 1 + j / 8), ("beta", (j - 2) / 16), ("moving_mean", (j - 1) / 4),
            ("moving_variance", 0.5 + j / 4)]


def tf2_dense(name, units, activation, batch_input_shape=None):
    """Dense.get_config() of tf.keras 2.6: dtype on every layer, initializers by class name."""
    config = {"name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
              "use_bias": True,
              "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
              "bias_initializer": {"class_name": "Zeros", "config": {}},
              "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
              "kernel_constraint": None, "bias_constraint": None}
    if batch_input_shape is not None:
        # tf.keras keeps batch_input_shape on a layer built with input_shape=..., after the name and trainable
        config = dict([("name", name), ("trainable", True), ("batch_input_shape", batch_input_shape)]
                      + [(k, v) for k, v in config.items() if k not in ("name", "trainable")])
    return {"class_name": "Dense", "config": config}


def tf2_input_layer(name, width):
    return {"class_name": "InputLayer",
            "config": {"batch_input_shape": [None, width], "dtype": "float32", "sparse": False, "ragged": False,
                       "name": name}}


def tf2_training_config(loss):
    return {"loss": loss, "metrics": None, "weighted_metrics": None, "loss_weights": None,
            "optimizer_config": {"class_name": "Adam",
                                 "config": {"name": "Adam", "learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9,
                                            "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}}}


def corpus_keras216_list():
    layers = [dense("dense_1", 3, "tanh", input_width=4), dense("dense_2", 2, "linear")]
    # Keras 2.1 wrote a Sequential model's config as the bare list of its layers.
    write("corpus_keras216_list.h5", {"class_name": "Sequential", "config": layers},
          [("dense_1", [("kernel", kernel(5, 4, 3)), ("bias", bias(6, 3))]),
           ("dense_2", [("kernel", kernel(7, 3, 2)), ("bias", bias(8, 2))])], keras_version="2.1.6")


def corpus_keras224_sequential():
    dropout = {"class_name": "Dropout",
               "config": {"name": "drop", "trainable": True, "rate": 0.5, "noise_shape": None, "seed": None}}
    layers = [dense("hidden", 5, "relu", input_width=4), dropout, dense("scores", 3, "softmax")]
    write("corpus_keras224_sequential.h5",
          {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": layers}},
          [("hidden", [("kernel", kernel(1, 4, 5)), ("bias", bias(2, 5))]), ("drop", []),
           ("scores", [("kernel", kernel(3, 5, 3)), ("bias", bias(4, 3))])], keras_version="2.2.4")


def corpus_tf2_sequential():
    batch_norm = {"class_name": "BatchNormalization",
                  "config": {"name": "batch_normalization", "trainable": True, "dtype": "float32", "axis": [1],
                             "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
                             "beta_initializer": {"class_name": "Zeros", "config": {}},
                             "gamma_initializer": {"class_name": "Ones", "config": {}},
                             "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
                             "moving_variance_initializer": {"class_name": "Ones", "config": {}},
                             "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
                             "gamma_constraint": None}}
    # tf.keras >= 2.4 lists the InputLayer it made itself, named <first layer>_input, first in the config;
    # model.layers (and so model_weights) leaves it out.
    layers = [tf2_input_layer("dense_input", 4), tf2_dense("dense", 5, "relu", [None, 4]), batch_norm,
              tf2_dense("dense_1", 3, "softmax")]
    write("corpus_tf2_sequential.h5",
          {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}},
          [("dense", [("kernel", kernel(9, 4, 5)), ("bias", bias(10, 5))]),
           ("batch_normalization", batch_norm_weights(5)),
           ("dense_1", [("kernel", kernel(11, 5, 3)), ("bias", bias(12, 3))])],
          keras_version="2.6.0", training_config=tf2_training_config("categorical_crossentropy"))


def corpus_tf2_named_input():
    layers = [tf2_input_layer("features", 4), tf2_dense("probs", 3, "softmax")]
    write("corpus_tf2_named_input.h5",
          {"class_name": "Sequential", "config": {"name": "sequential_2", "layers": layers}},
          [("probs", [("kernel", kernel(13, 4, 3)), ("bias", bias(14, 3))])], keras_version="2.6.0")


def corpus_tf2_functional():
    def wired(layer, source):
        layer = dict(layer)
        layer["name"] = layer["config"]["name"]
        layer["inbound_nodes"] = [[[source, 0, 0, {}]]]
        return layer

    measurements = dict(tf2_input_layer("measurements", 4), name="measurements", inbound_nodes=[])
    layers = [measurements, wired(tf2_dense("hidden", 6, "relu"), "measurements"),
              wired(tf2_dense("price", 1, "linear"), "hidden"), wired(tf2_dense("segment", 3, "softmax"), "hidden")]
    config = {"class_name": "Functional",
              "config": {"name": "pricing", "layers": layers, "input_layers": [["measurements", 0, 0]],
                         "output_layers": [["price", 0, 0], ["segment", 0, 0]]}}
    write("corpus_tf2_functional.h5", config,
          [("measurements", []),
           ("hidden", [("kernel", kernel(15, 4, 6)), ("bias", bias(16, 6))]),
           ("price", [("kernel", kernel(17, 6, 1)), ("bias", bias(18, 1))]),
           ("segment", [("kernel", kernel(19, 6, 3)), ("bias", bias(20, 3))])],
          keras_version="2.6.0",
          training_config=tf2_training_config({"price": "mse", "segment": "categorical_crossentropy"}))


if __name__ == "__main__":
    sequential()
    functional()
    corpus_keras216_list()
    corpus_keras224_sequential()
    corpus_tf2_sequential()
    corpus_tf2_named_input()
    corpus_tf2_functional()
