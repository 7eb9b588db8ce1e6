# RUN: %python %s quill-compile %t
#
# quill-compile --emit=graph on a model written the way exporters write
# them before opset 17: Conv + BatchNormalization + Relu, a Shape -> Gather ->
# Concat -> Reshape chain, decomposed LayerNorm and GELU. The prepared graph
# has one op per meaning, and the folded conv constants match numpy's
# W * gamma / sqrt(var + eps) and (b - mean) * gamma / sqrt(var + eps) + beta.

import json
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

compiler, workdir = sys.argv[1], sys.argv[2]
os.makedirs(workdir, exist_ok=True)
rng = np.random.default_rng(7)

C, H = 4, 6
w = rng.standard_normal((C, 3, 3, 3)).astype(np.float32)
b = rng.standard_normal(C).astype(np.float32)
gamma = rng.uniform(0.5, 2, C).astype(np.float32)
beta = rng.standard_normal(C).astype(np.float32)
mean = rng.standard_normal(C).astype(np.float32)
var = rng.uniform(0.5, 2, C).astype(np.float32)
eps = 1e-5
ln_gamma = rng.standard_normal(C * H * H).astype(np.float32)
ln_beta = rng.standard_normal(C * H * H).astype(np.float32)

inits = [numpy_helper.from_array(a, n) for a, n in [
    (w, "w"), (b, "b"), (gamma, "gamma"), (beta, "beta"), (mean, "mean"), (var, "var"),
    (ln_gamma, "ln_gamma"), (ln_beta, "ln_beta"),
    (np.array(0, np.int64), "zero"), (np.array([-1], np.int64), "minus_one"),
    (np.array(2.0, np.float32), "two"), (np.array(eps, np.float32), "eps"),
    (np.array(1.4142135, np.float32), "sqrt2"), (np.array(1.0, np.float32), "one"),
    (np.array(0.5, np.float32), "half")]]
nodes = [
    helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
    helper.make_node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["bn"], epsilon=eps),
    helper.make_node("Relu", ["bn"], ["r"]),
    # Reshape to [batch, -1] through a shape computation, as torch.flatten exports.
    helper.make_node("Shape", ["r"], ["shape"]),
    helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
    helper.make_node("Unsqueeze", ["batch", "zero"], ["batch1"]),
    helper.make_node("Concat", ["batch1", "minus_one"], ["target"], axis=0),
    helper.make_node("Reshape", ["r", "target"], ["flat"]),
    # LayerNorm, decomposed.
    helper.make_node("ReduceMean", ["flat"], ["mu"], axes=[-1]),
    helper.make_node("Sub", ["flat", "mu"], ["d"]),
    helper.make_node("Pow", ["d", "two"], ["sq"]),
    helper.make_node("ReduceMean", ["sq"], ["v"], axes=[-1]),
    helper.make_node("Add", ["v", "eps"], ["ve"]),
    helper.make_node("Sqrt", ["ve"], ["std"]),
    helper.make_node("Div", ["d", "std"], ["n"]),
    helper.make_node("Mul", ["n", "ln_gamma"], ["ng"]),
    helper.make_node("Add", ["ng", "ln_beta"], ["ln"]),
    # GELU, erf form.
    helper.make_node("Div", ["ln", "sqrt2"], ["a"]),
    helper.make_node("Erf", ["a"], ["e"]),
    helper.make_node("Add", ["e", "one"], ["p"]),
    helper.make_node("Mul", ["ln", "p"], ["m"]),
    helper.make_node("Mul", ["m", "half"], ["y"]),
]
graph = helper.make_graph(
    nodes, "prepare",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, H, H])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, C * H * H])], inits)
model_path = os.path.join(workdir, "model.onnx")
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), model_path)

result = subprocess.run([compiler, model_path, "--emit=graph"], capture_output=True, text=True)
if result.returncode:
    sys.exit("quill-compile failed:\n" + result.stderr)
ir = result.stdout
failures = []


def expect(condition, what):
    if not condition:
        failures.append(what)


ops = re.findall(r"= ((?:quill|math|arith)\.\w+)", ir)
expect(ops.count("quill.conv") == 1, "one conv")
expect("quill.batch_norm" not in ops, "batch norm folded into the conv")
expect(ops.count("quill.layer_norm") == 1, "one layer_norm")
expect(ops.count("quill.gelu") == 1, "one gelu")
for gone in ["quill.gather", "quill.concat", "quill.reduce_mean", "math.erf", "math.sqrt", "quill.div"]:
    expect(gone not in ops, "no %s left" % gone)

# The conv's constants, by SSA name.
constants = dict(re.findall(r"(%\w+) = arith\.constant dense<(.*?)> : tensor", ir))
conv = re.search(r"quill\.conv %\w+, (%\w+), (%\w+)", ir)
expect(conv is not None, "conv with folded weight and bias")
if conv:
    factor = gamma / np.sqrt(var + eps)
    for name, expected in [(conv.group(1), w * factor[:, None, None, None]),
                           (conv.group(2), (b - mean) * factor + beta)]:
        literal = constants[name]
        # MLIR prints large constants as their little-endian bytes in hex.
        got = (np.frombuffer(bytes.fromhex(literal[3:-1]), np.float32)
               if literal.startswith('"0x') else
               np.array(json.loads(literal), np.float32)).reshape(expected.shape)
        expect(np.allclose(got, expected, rtol=1e-5, atol=1e-6),
               "folded constant %s matches numpy (max error %g)"
               % (name, np.abs(got - expected).max()))

for failure in failures:
    print("FAIL:", failure)
print(ir if failures else "")
print("%d passed, %d failed" % (12 - len(failures), len(failures)))
sys.exit(1 if failures else 0)
