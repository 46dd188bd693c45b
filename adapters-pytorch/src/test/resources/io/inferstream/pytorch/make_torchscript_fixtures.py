#!/usr/bin/python3
"""Writes the PyTorch adapter's test fixtures with the real PyTorch: Debian's python3-torch (1.13), an older release
than the adapter's runtime (libtorch 2.7.1 through DJL), which is what users hand over.

Each module is saved with torch.jit.save; beside it, <name>.expected.jsonl holds one JSON object per scoring row: the
inputs by name and what PyTorch 1.13 itself computed for that row (by output name), so the Java tests compare the
adapter with the framework, not with themselves:

  reference.pt     the contract's ReferenceClassifier, p = softmax(W.x + b), traced; input "features" float32[4],
                   output "probabilities"; its signature (input shape) is embedded as the extra file inferstream.json
  mlp_traced.pt    a 6 -> 8 -> 3 tanh network with random weights, traced; forward(self, x) -> Tensor; no shape
                   in the file (the tests give it by option or sidecar file)
  mixed_scripted.pt  scripted; forward(self, x: Tensor, counts: Tensor) with x float64[3] and counts int64[2],
                   returns a dict {"score": float64 per row, "total": int64 per row}
  tuple_scripted.pt  scripted; returns a tuple (logits float32[2], argmax int64 per row)
  guarded.pt       scripted; raises inside forward when any row of the batch has a negative value, else 2x + 1
  dense_template.pt  the hot-swap contract's network, softmax(relu(input @ w1 + b1) @ w2 + b2), 6 -> 5 -> 3, scripted,
                   with random weights that the Java test replaces by testkit's DenseNetwork weights in the zip's
                   stored tensor entries; dense_template.keys.json says which entry holds which parameter
  dense_784_35_10.pt  the same module at the benchmark's size (784 -> 35 -> 10), its weights constant placeholders
                   (1, 2, 3, 4: the file is 112 KB but compresses to almost nothing) for the benchmark to replace by
                   DenseNetwork.mnistSized(); dense_784_35_10.keys.json likewise
  state_dict.pt    not a module: the MLP's weights saved with torch.save, which the adapter must refuse with a hint

Inputs are multiples of 1/1024, exact in float32 and in decimal JSON, so that both runtimes see the same numbers.
Run from this directory: /usr/bin/python3 make_torchscript_fixtures.py   (apt-get install python3-torch)
"""
import json
import os
from typing import Dict, Tuple

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
torch.manual_seed(2026)
GEN = torch.Generator().manual_seed(7)

# io.inferstream.sandbox.models.ReferenceClassifier: one row per class, one column per feature.
REF_W = [[0.8, -1.2, 0.5, 0.3], [-0.4, 0.9, -0.7, 1.1], [0.6, 0.2, 1.3, -0.9]]
REF_B = [0.1, -0.2, 0.05]


def grid(rows, cols, dtype=torch.float32):
    """Uniform in [-3, 3), rounded to 1/1024."""
    return (torch.round((torch.rand(rows, cols, generator=GEN) * 6 - 3) * 1024) / 1024).to(dtype)


def as_list(t):
    return t.tolist()


def write_expected(name, inputs, outputs, rows):
    with open(os.path.join(OUT, name + ".expected.jsonl"), "w") as f:
        for i in range(rows):
            record = {"x": {k: as_list(v[i]) for k, v in inputs.items()},
                      "y": {k: as_list(v[i]) for k, v in outputs.items()}}
            f.write(json.dumps(record) + "\n")


class Reference(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 3)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor(REF_W))
            self.linear.bias.copy_(torch.tensor(REF_B))

    def forward(self, features):
        return torch.softmax(self.linear(features), dim=1)


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(6, 8)
        self.out = torch.nn.Linear(8, 3)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


class Mixed(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = torch.nn.Parameter(torch.tensor([0.5, -1.25, 2.0], dtype=torch.float64))

    def forward(self, x: torch.Tensor, counts: torch.Tensor) -> Dict[str, torch.Tensor]:
        return {"score": (x * self.weights).sum(dim=1) + counts.sum(dim=1).to(torch.float64) / 10,
                "total": counts.sum(dim=1) * 2}


class TupleOut(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        logits = self.linear(x)
        return logits, torch.argmax(logits, dim=1)


class Dense(torch.nn.Module):
    def __init__(self, inputs=6, hidden=5, outputs=3, placeholders=False):
        super().__init__()
        if placeholders:
            self.w1 = torch.nn.Parameter(torch.full((inputs, hidden), 1.0))
            self.b1 = torch.nn.Parameter(torch.full((hidden,), 2.0))
            self.w2 = torch.nn.Parameter(torch.full((hidden, outputs), 3.0))
            self.b2 = torch.nn.Parameter(torch.full((outputs,), 4.0))
        else:
            self.w1 = torch.nn.Parameter(torch.randn(inputs, hidden))
            self.b1 = torch.nn.Parameter(torch.randn(hidden))
            self.w2 = torch.nn.Parameter(torch.randn(hidden, outputs))
            self.b2 = torch.nn.Parameter(torch.randn(outputs))

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return torch.softmax(torch.relu(input @ self.w1 + self.b1) @ self.w2 + self.b2, dim=1)


def storage_keys(path, module):
    """Which zip entry holds each parameter's bytes (torch.jit.save names them by number)."""
    import zipfile
    with zipfile.ZipFile(path) as z:
        data = {n: z.read(n) for n in z.namelist() if "/data/" in n}
    keys = {}
    for name, p in module.named_parameters():
        found = [n for n, b in data.items() if b == p.detach().numpy().tobytes()]
        assert len(found) == 1, (name, found)
        keys[name] = found[0]
    return keys


class Guarded(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool((x < 0).any()):
            raise ValueError("negative input")
        return x * 2 + 1


def main():
    os.makedirs(OUT, exist_ok=True)
    with torch.no_grad():
        ref = Reference().eval()
        x = grid(300, 4)
        traced = torch.jit.trace(ref, x[:2])
        signature = {"inputs": [{"name": "features", "type": "float32", "shape": [4]}],
                     "outputs": ["probabilities"]}
        torch.jit.save(traced, os.path.join(OUT, "reference.pt"),
                       _extra_files={"inferstream.json": json.dumps(signature)})
        want = torch.softmax(x.double() @ torch.tensor(REF_W, dtype=torch.float64).T
                             + torch.tensor(REF_B, dtype=torch.float64), dim=1)
        assert torch.allclose(traced(x).double(), want, atol=1e-6), "reference network differs from the formula"
        write_expected("reference", {"features": x}, {"probabilities": traced(x)}, 50)

        mlp = Mlp().eval()
        x = grid(200, 6)
        traced = torch.jit.trace(mlp, x[:2])
        torch.jit.save(traced, os.path.join(OUT, "mlp_traced.pt"))
        write_expected("mlp_traced", {"x": x}, {"output": traced(x)}, 200)

        mixed = torch.jit.script(Mixed().eval())
        x = grid(100, 3, torch.float64)
        counts = torch.randint(0, 50, (100, 2), generator=GEN, dtype=torch.int64)
        torch.jit.save(mixed, os.path.join(OUT, "mixed_scripted.pt"))
        write_expected("mixed_scripted", {"x": x, "counts": counts}, mixed(x, counts), 100)

        pair = torch.jit.script(TupleOut().eval())
        x = grid(100, 4)
        torch.jit.save(pair, os.path.join(OUT, "tuple_scripted.pt"))
        logits, best = pair(x)
        write_expected("tuple_scripted", {"x": x}, {"output0": logits, "output1": best}, 100)

        guarded = torch.jit.script(Guarded().eval())
        torch.jit.save(guarded, os.path.join(OUT, "guarded.pt"))
        for name, dense, inputs in [("dense_template", Dense(), 6),
                                    ("dense_784_35_10", Dense(784, 35, 10, placeholders=True), 784)]:
            dense = torch.jit.script(dense.eval())
            path = os.path.join(OUT, name + ".pt")
            signature = {"inputs": [{"name": "input", "type": "float32", "shape": [inputs]}],
                         "outputs": ["probabilities"]}
            torch.jit.save(dense, path, _extra_files={"inferstream.json": json.dumps(signature)})
            with open(os.path.join(OUT, name + ".keys.json"), "w") as f:
                json.dump(storage_keys(path, dense), f, indent=1)
        torch.save(mlp.state_dict(), os.path.join(OUT, "state_dict.pt"))
    print("torch", torch.__version__, "wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
