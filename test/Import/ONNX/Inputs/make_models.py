"""Writes the binary ONNX models that model.test and errors.test import.

Usage: make_models.py OUTDIR
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
w = np.arange(12, dtype=np.float32).reshape(3, 4) / 8


def matmul_model(weight, inputs_with_initializers=False, ir_version=7):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])
    inputs = [x]
    if inputs_with_initializers:
        inputs.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, [3, 4]))
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
                              "g", inputs, [y], [weight])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                             ir_version=ir_version)


def external(name, location, offset, length):
    tensor = TensorProto()
    tensor.name, tensor.data_type = "w", TensorProto.FLOAT
    tensor.dims.extend([3, 4])
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in [("location", location), ("offset", str(offset)), ("length", str(length))]:
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    onnx.save(matmul_model(tensor), os.path.join(out, name))


# Weights 16 bytes into a shared file, as exporters that pack data do.
with open(os.path.join(out, "weights.bin"), "wb") as f:
    f.write(b"\0" * 16 + w.tobytes())
external("external.onnx", "weights.bin", 16, w.nbytes)
external("external-missing.onnx", "missing.bin", 0, w.nbytes)
external("external-truncated.onnx", "weights.bin", 16, w.nbytes + 8)

raw = numpy_helper.from_array(w, "w")
onnx.save(matmul_model(raw), os.path.join(out, "raw.onnx"))
onnx.save(matmul_model(raw, inputs_with_initializers=True, ir_version=3),
          os.path.join(out, "old-initializers.onnx"))

typed = helper.make_tensor("w", TensorProto.FLOAT, [3, 4], w.flatten().tolist())
onnx.save(matmul_model(typed), os.path.join(out, "typed.onnx"))

# One value short of its declared shape (make_tensor would refuse to build it).
short = TensorProto()
short.name, short.data_type = "w", TensorProto.FLOAT
short.dims.extend([3, 4])
short.float_data.extend(w.flatten().tolist()[:11])
onnx.save(matmul_model(short), os.path.join(out, "short-initializer.onnx"))

with open(os.path.join(out, "raw.onnx"), "rb") as f:
    data = f.read()
with open(os.path.join(out, "truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])

determinant = helper.make_graph(
    [helper.make_node("Det", ["x"], ["y"], name="the_det")], "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])])
onnx.save(helper.make_model(determinant, opset_imports=[helper.make_opsetid("", 11)]),
          os.path.join(out, "named-unsupported.onnx"))

# A Conv whose input has rank 3 and weight rank 4: libonnx 1.12's shape
# inference reads past the input's dimensions (found by the fuzzer).
mismatch = helper.make_graph(
    [helper.make_node("Conv", ["x", "k"], ["y"])], "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 7, 7]),
     helper.make_tensor_value_info("k", TensorProto.FLOAT, [1, 1, 1, 1])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
onnx.save(helper.make_model(mismatch, opset_imports=[helper.make_opsetid("", 13)]),
          os.path.join(out, "conv-rank-mismatch.onnx"))
