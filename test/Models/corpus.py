# REQUIRES: torch, onnxruntime-node
# RUN: rm -rf %t && mkdir -p %t
# RUN: /usr/bin/python3 %s --work-dir %t --xfails %S/corpus-xfail.txt %corpus_selection
#
# The test's runner itself loads no model, so it runs without the sanitizer
# runtime preloaded; the tools it calls are instrumented in sanitizer builds.

"""Real architectures as PyTorch's exporter writes them: torchvision's CNNs, a
Transformer encoder, a small ViT, recurrent speech models (LSTM, GRU, a
bidirectional LSTM) and a TorchScript model with an If on a run-time value,
random weights
from a fixed seed, exported at several opsets (the exporter writes different
forms per opset) with a dynamic batch axis.

    /usr/bin/python3 test/Models/corpus.py --work-dir DIR [--models a,b] [--opsets 9,13]
        [--xfails test/Models/corpus-xfail.txt] [--runs N]

Each model is compiled with quill-compile (the batch bound with --input-shape)
and run by quill-run on random inputs; ONNX Runtime (bench/node_modules'
onnxruntime-node, as the benchmarks use it) runs the same inputs, and the
outputs must agree within rtol 1e-3 (atol 1e-3 scaled by the output's
magnitude). Prints a line per model and opset with both peers' median time,
and ends with `N passed, N failed`. Models listed in the xfail file fail with
their reason; one that passes fails the run, so the list stays true.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORT_BENCH = os.path.join(ROOT, "bench", "ort_bench.js")
OPSETS = (9, 11, 13, 17)
RTOL, ATOL = 1e-3, 1e-3
BENCH = re.compile(r"median_ms=([\d.eE+-]+)")


def torchvision_model(name):
    def build(torch):
        import torchvision
        return getattr(torchvision.models, name)(), {"x": torch.randn(1, 3, 64, 64)}
    return build


def transformer_encoder(torch):
    layer = torch.nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128,
                                             batch_first=True)
    return torch.nn.TransformerEncoder(layer, num_layers=2), {"x": torch.randn(1, 16, 64)}


def small_vit(torch):
    class ViT(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.patches = torch.nn.Conv2d(3, 64, kernel_size=8, stride=8)
            self.cls = torch.nn.Parameter(torch.randn(1, 1, 64))
            self.position = torch.nn.Parameter(torch.randn(1, 17, 64))
            layer = torch.nn.TransformerEncoderLayer(64, 4, 128, batch_first=True,
                                                     activation="gelu")
            self.encoder = torch.nn.TransformerEncoder(layer, 2)
            self.norm = torch.nn.LayerNorm(64)
            self.head = torch.nn.Linear(64, 10)

        def forward(self, x):
            tokens = self.patches(x).flatten(2).transpose(1, 2)
            tokens = torch.cat([self.cls.expand(x.shape[0], -1, -1), tokens], dim=1)
            encoded = self.encoder(tokens + self.position)
            return self.head(self.norm(encoded[:, 0]))

    return ViT(), {"x": torch.randn(1, 3, 32, 32)}


def recurrent(kind, bidirectional=False):
    def build(torch):
        class Speech(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(torch.nn, kind)(40, 64, num_layers=2, batch_first=True,
                                                   bidirectional=bidirectional)
                self.head = torch.nn.Linear(128 if bidirectional else 64, 12)

            def forward(self, x):
                return self.head(self.rnn(x)[0])

        return Speech(), {"x": torch.randn(1, 20, 40)}
    return build


def scripted_control_flow(torch):
    """A TorchScript model: the exporter unrolls its loop and keeps an If on
    a value known only at run time."""
    class Gated(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = torch.nn.Linear(16, 16)
            self.head = torch.nn.Linear(16, 16)

        def forward(self, x):
            for _ in range(3):
                x = torch.tanh(self.inner(x))
            if bool(x.mean() > 0):
                y = self.head(x)
            else:
                y = -self.head(x)
            return y

    return torch.jit.script(Gated()), {"x": torch.randn(1, 16)}


MODELS = {
    "mobilenet_v2": torchvision_model("mobilenet_v2"),
    "mobilenet_v3_small": torchvision_model("mobilenet_v3_small"),
    "mobilenet_v3_large": torchvision_model("mobilenet_v3_large"),
    "resnet18": torchvision_model("resnet18"),
    "squeezenet1_0": torchvision_model("squeezenet1_0"),
    "shufflenet_v2_x0_5": torchvision_model("shufflenet_v2_x0_5"),
    "efficientnet_b0": torchvision_model("efficientnet_b0"),
    "regnet_y_400mf": torchvision_model("regnet_y_400mf"),
    "transformer_encoder": transformer_encoder,
    "vit_small": small_vit,
    "lstm_speech": recurrent("LSTM"),
    "gru_speech": recurrent("GRU"),
    "bilstm_speech": recurrent("LSTM", bidirectional=True),
    "scripted_if": scripted_control_flow,
}


def read_xfails(path):
    """{"model@opset" or "model": reason}."""
    xfails = {}
    if path:
        with open(path) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    key, reason = line.split(None, 1)
                    xfails[key] = reason
    return xfails


def export(torch, name, opset, directory):
    """Exports `name` at `opset`; returns (model path, {input name: array})."""
    torch.manual_seed(0)
    module, inputs = MODELS[name](torch)
    module.eval()
    path = os.path.join(directory, "%s_opset%d.onnx" % (name, opset))
    names = list(inputs)
    torch.onnx.export(module, tuple(inputs.values()), path, opset_version=opset,
                      input_names=names, output_names=["y"],
                      dynamic_axes={n: {0: "batch"} for n in names + ["y"]})
    return path, {n: t.numpy() for n, t in inputs.items()}


def run(command, timeout=600):
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    return result.returncode, result.stdout + result.stderr


def first_error(output):
    lines = [l for l in output.splitlines() if "error" in l] or output.strip().splitlines() or ["?"]
    return lines[0].strip()


def check(name, opset, args, torch):
    """(ok, message, quill median ms, ORT median ms) for one model and opset."""
    directory = os.path.join(args.work_dir, "%s_opset%d" % (name, opset))
    os.makedirs(directory, exist_ok=True)
    try:
        model, inputs = export(torch, name, opset, directory)
    except Exception as error:  # the exporter's own limits, named
        return False, "export: %s" % str(error).strip().splitlines()[0], None, None
    shapes = ["--input-shape=%s=%s" % (n, "x".join(map(str, a.shape))) for n, a in inputs.items()]
    library = os.path.join(directory, "model.so")
    code, output = run([args.compiler, model, "-O3", "-o", library] + shapes)
    if code != 0:
        return False, "compile: " + first_error(output), None, None
    rng = np.random.default_rng(opset)
    input_dir = os.path.join(directory, "inputs")
    os.makedirs(input_dir, exist_ok=True)
    for n, a in inputs.items():
        np.save(os.path.join(input_dir, n + ".npy"), rng.standard_normal(a.shape).astype(np.float32))
    quill_out, ort_out = os.path.join(directory, "quill"), os.path.join(directory, "ort")
    command = [args.runner, library, "--quiet", "--output-dir", quill_out, "--bench", str(args.runs)]
    for n in inputs:
        command += ["--input", "%s=%s" % (n, os.path.join(input_dir, n + ".npy"))]
    code, output = run(command)
    if code != 0:
        return False, "run: " + first_error(output), None, None
    quill_ms = float(BENCH.search(output).group(1))
    code, output = run(["node", ORT_BENCH, model, input_dir, str(args.runs), "1", ort_out])
    if code != 0:
        return False, "ONNX Runtime: " + first_error(output), quill_ms, None
    ort_ms = float(BENCH.search(output).group(1))
    got, want = np.load(os.path.join(quill_out, "y.npy")), np.load(os.path.join(ort_out, "y.npy"))
    if got.shape != want.shape:
        return False, "output shape %s, ONNX Runtime %s" % (got.shape, want.shape), quill_ms, ort_ms
    atol = ATOL * max(1.0, float(np.abs(want).max()))
    if not np.allclose(got, want, rtol=RTOL, atol=atol):
        return (False, "outputs differ: max abs diff %.3g (atol %.3g)"
                % (float(np.abs(got - want).max()), atol), quill_ms, ort_ms)
    return True, "", quill_ms, ort_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--opsets", default=",".join(map(str, OPSETS)))
    parser.add_argument("--xfails")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("torch is not installed (scripts/setup.sh installs python3-torch)")
    if not os.path.isdir(os.path.join(ROOT, "bench", "node_modules", "onnxruntime-node")):
        sys.exit("onnxruntime-node is missing: run `npm install --ignore-scripts` in bench/")
    args.compiler, args.runner = shutil.which("quill-compile"), shutil.which("quill-run")
    if not args.compiler or not args.runner:
        sys.exit("quill-compile and quill-run must be on PATH")
    torch.set_num_threads(1)
    xfails = read_xfails(args.xfails)
    passed = failed = expected = 0
    print("%-22s %5s  %-8s %9s %9s  %s" % ("model", "opset", "result", "quill_ms", "ort_ms", "note"))
    for name in args.models.split(","):
        for opset in map(int, args.opsets.split(",")):
            ok, message, quill_ms, ort_ms = check(name, opset, args, torch)
            reason = xfails.get("%s@%d" % (name, opset)) or xfails.get(name)
            if ok and reason:
                result, note = "UNEXPECTED PASS", "listed as: " + reason
                failed += 1
            elif ok:
                result, note = "pass", ""
                passed += 1
            elif reason:
                result, note = "xfail", reason
                expected += 1
            else:
                result, note = "FAIL", message
                failed += 1
            timing = lambda ms: "-" if ms is None else "%.3f" % ms
            print("%-22s %5d  %-8s %9s %9s  %s" % (name, opset, result, timing(quill_ms),
                                                  timing(ort_ms), note), flush=True)
    print("%d expected failures (%s)" % (expected, args.xfails or "no list"))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
