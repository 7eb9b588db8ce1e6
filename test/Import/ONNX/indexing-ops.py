# RUN: %python %s %t
#
# The ops issue 23 added, on the cases ONNX 1.12's node suite does not
# cover (repeated scatter positions, ties, ellipses, three operands, integer
# remainders by zero and negative divisors, the older Hardmax, opset 18's
# Mish), compiled and run against numpy doing the same arithmetic.

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

import quill

WORK = sys.argv[1]
os.makedirs(WORK, exist_ok=True)
failures = []


def run_node(name, node, inputs, output_types, opset, initializers=()):
    """Compiles a one-node model over `inputs` (name -> array) and runs it."""
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info(key, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[value.dtype], value.shape)
         for key, value in inputs.items()],
        [helper.make_tensor_value_info(out, kind, None) for out, kind in output_types],
        initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    path = os.path.join(WORK, name + ".onnx")
    onnx.save(model, path)
    library = quill.compile(path, output=os.path.join(WORK, name + ".so"))
    return quill.Model(library).run(inputs)


def check(name, got, want):
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-5, atol=1e-5):
        failures.append(name)
        print("MISMATCH %s\n got %s\nwant %s" % (name, got, want))
    else:
        print("ok %s" % name)


rng = np.random.default_rng(7)
F, I64 = TensorProto.FLOAT, TensorProto.INT64


def einsum_case(name, equation, *shapes):
    names = ["x%d" % i for i in range(len(shapes))]
    inputs = {n: rng.standard_normal(s).astype(np.float32) for n, s in zip(names, shapes)}
    node = helper.make_node("Einsum", names, ["y"], equation=equation)
    got = run_node("einsum_" + name, node, inputs, [("y", F)], 12)["y"]
    check("einsum " + equation, got, np.einsum(equation, *inputs.values()))


einsum_case("attention_scores", "bhid,bhjd->bhij", (2, 3, 4, 5), (2, 3, 6, 5))
einsum_case("attention_values", "bhij,bhjd->bhid", (2, 3, 4, 6), (2, 3, 6, 5))
einsum_case("ellipsis_broadcast", "...ij,...jk->...ik", (2, 1, 3, 4), (2, 5, 4, 2))
einsum_case("implicit", "ij,jk", (3, 4), (4, 5))
einsum_case("three_operands", "ab,bc,cd->ad", (2, 3), (3, 4), (4, 5))
einsum_case("outer", "i,j->ij", (3,), (4,))
einsum_case("trace", "ii", (4, 4))
einsum_case("summed_free_label", "ij,k->i", (3, 4), (5,))

# ScatterND and ScatterElements: repeated positions accumulate in order.
data = rng.standard_normal((4, 3)).astype(np.float32)
indices = np.array([[1], [3], [1]], np.int64)
updates = rng.standard_normal((3, 3)).astype(np.float32)
for reduction in ["add", "mul", "max", "min"]:
    node = helper.make_node("ScatterND", ["data", "indices", "updates"], ["y"], reduction=reduction)
    got = run_node("scatternd_" + reduction, node,
                   {"data": data, "indices": indices, "updates": updates}, [("y", F)], 18)["y"]
    want = data.copy()
    op = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}[reduction]
    for row, update in zip(indices[:, 0], updates):
        want[row] = op(want[row], update)
    check("ScatterND reduction=" + reduction, got, want)

element_indices = np.array([[0, -1, 0], [2, 2, 1]], np.int64)
element_updates = rng.standard_normal((2, 3)).astype(np.float32)
node = helper.make_node("ScatterElements", ["data", "indices", "updates"], ["y"], axis=0,
                        reduction="add")
got = run_node("scatter_elements_add", node,
               {"data": data[:3], "indices": element_indices, "updates": element_updates},
               [("y", F)], 16)["y"]
want = data[:3].copy()
for (i, j), value in np.ndenumerate(element_updates):
    want[element_indices[i, j] % 3, j] += value
check("ScatterElements reduction=add, negative index", got, want)

# TopK: ties keep the lower index first; smallest on integers.
x = np.array([[3, 1, 3, 2, 1], [0, 5, 5, 5, -1]], np.int64)
k = np.array([3], np.int64)
for largest in [1, 0]:
    node = helper.make_node("TopK", ["x", "k"], ["values", "indices"], axis=1, largest=largest)
    out = run_node("topk_%d" % largest, node, {"x": x},
                   [("values", I64), ("indices", I64)], 11,
                   [helper.make_tensor("k", I64, [1], k)])
    order = np.argsort(-x if largest else x, axis=1, kind="stable")[:, :3]
    check("TopK largest=%d indices" % largest, out["indices"], order)
    check("TopK largest=%d values" % largest, out["values"], np.take_along_axis(x, order, 1))

# ArgMax over integers with select_last_index; CumSum over integers.
node = helper.make_node("ArgMax", ["x"], ["y"], axis=1, keepdims=0, select_last_index=1)
got = run_node("argmax_int", node, {"x": x}, [("y", I64)], 13)["y"]
check("ArgMax int64 select_last_index", got, x.shape[1] - 1 - np.argmax(x[:, ::-1], axis=1))
node = helper.make_node("CumSum", ["x", "axis"], ["y"], reverse=1, exclusive=1)
got = run_node("cumsum_int", node, {"x": x}, [("y", I64)], 14,
               [helper.make_tensor("axis", I64, [], [1])])["y"]
check("CumSum int64 reverse exclusive", got, np.cumsum(x[:, ::-1], axis=1)[:, ::-1] - x)

# OneHot with float indices, negative and out-of-range ones.
hot_indices = np.array([0.0, -1.0, 2.7, 5.0], np.float32)
node = helper.make_node("OneHot", ["indices", "depth", "values"], ["y"], axis=0)
got = run_node("onehot_float", node, {"indices": hot_indices}, [("y", F)], 11,
               [helper.make_tensor("depth", F, [], [3.0]),
                helper.make_tensor("values", F, [2], [-1.0, 4.0])])["y"]
want = np.full((3, 4), -1.0, np.float32)
for column, index in enumerate(hot_indices.astype(np.int64)):
    if -3 <= index < 3:
        want[index % 3, column] = 4.0
check("OneHot float indices", got, want)

# GatherND with a batch dimension.
gather_data = rng.standard_normal((2, 3, 4)).astype(np.float32)
gather_indices = np.array([[[2], [0]], [[1], [-1]]], np.int64)
node = helper.make_node("GatherND", ["data", "indices"], ["y"], batch_dims=1)
got = run_node("gathernd_batch", node, {"data": gather_data, "indices": gather_indices},
               [("y", F)], 13)["y"]
want = np.stack([gather_data[b][gather_indices[b, :, 0]] for b in range(2)])
check("GatherND batch_dims=1", got, want)

# Mod on integers: Python's sign rule, C's with fmod, 0 for a zero divisor.
a = np.array([7, -7, 7, -7, 5, 0], np.int32)
b = np.array([3, 3, -3, -3, 0, 4], np.int32)
for fmod in [0, 1]:
    node = helper.make_node("Mod", ["a", "b"], ["y"], fmod=fmod)
    got = run_node("mod_int_%d" % fmod, node, {"a": a, "b": b}, [("y", TensorProto.INT32)], 13)["y"]
    safe = np.where(b == 0, 1, b)
    want = np.fmod(a, safe) if fmod else np.mod(a, safe)
    check("Mod int32 fmod=%d" % fmod, got, np.where(b == 0, 0, want).astype(np.int32))

# Hardmax before opset 13 reads the input as a matrix from `axis` on.
h = rng.standard_normal((2, 3, 4)).astype(np.float32)
node = helper.make_node("Hardmax", ["x"], ["y"], axis=1)
got = run_node("hardmax_11", node, {"x": h}, [("y", F)], 11)["y"]
flat = h.reshape(2, 12)
want = np.zeros_like(flat)
want[np.arange(2), np.argmax(flat, axis=1)] = 1
check("Hardmax opset 11 coerced to 2-D", got, want.reshape(2, 3, 4))

# Mish (opset 18, which libonnx 1.12 has no schema for: Quill types it).
m = np.linspace(-5, 5, 11).astype(np.float32)
node = helper.make_node("Mish", ["x"], ["y"])
got = run_node("mish", node, {"x": m}, [("y", F)], 18)["y"]
check("Mish opset 18", got, m * np.tanh(np.log1p(np.exp(m))))

if failures:
    print("FAILED: " + ", ".join(failures))
    sys.exit(1)
print("all ok")
