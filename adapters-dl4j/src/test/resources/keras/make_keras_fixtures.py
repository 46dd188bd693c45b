#!/usr/bin/python3
"""Writes the Keras HDF5 fixtures of the DL4J adapter's tests, without Keras itself.

Keras 2.x saves a model as one HDF5 file: the root attributes keras_version, backend and model_config (the
model's JSON), and a group model_weights with one group per layer whose weight_names attribute lists the
datasets <layer>/<layer>/kernel:0 and bias:0. This script writes that layout with h5py (Debian's
python3-h5py) for two models that both compute the contract's ReferenceClassifier, p = softmax(W.x + b):

  reference_sequential.h5  Sequential: Dense(3, softmax) on a 4-wide input
  reference_functional.h5  functional Model with two inputs, a = (f0, f1) and b = (f2, f3):
                           probs = Activation(softmax)(Add()([Dense(3)(a), Dense(3, no bias)(b)]))

The weights are those of io.inferstream.testkit.contract.ReferenceClassifier, copied here; the Java tests
check the imported models against ReferenceClassifier's plain-Java probabilities.

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


def write(path, model_config, weights):
    """weights: list of (layer name, [(weight name, array), ...]) in layer order, including weightless layers."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = np.array([name.encode("utf8") for name, _ in weights])
        group.attrs["backend"] = b"tensorflow"
        group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
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


if __name__ == "__main__":
    sequential()
    functional()
