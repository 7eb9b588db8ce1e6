"""Uses the installed quill package: compiles a one-node ONNX model with the
real quill-compile (found through QUILL_HOME), runs it, and compiles a model
that does not exist. Run from outside the source tree."""

import os
import sys

import numpy as np
from onnx import TensorProto, helper, save

import quill

workdir = sys.argv[1]
print("installed at", quill.__file__)
print("tool", quill.find_tool("quill-compile"))

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])
graph = helper.make_graph([helper.make_node("Mul", ["x", "x"], ["y"])],
                          "square", [x], [y])
model_path = os.path.join(workdir, "square.onnx")
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
     model_path)
library = quill.compile(model_path, opt_level=2)
outputs = quill.Model(library).run({"x": np.array([1, 2, 3], np.float32)})
print("outputs", " ".join(str(v) for v in outputs["y"]))

try:
    quill.compile(os.path.join(workdir, "missing.onnx"))
except quill.CompileError as error:
    print(f"CompileError exit {error.returncode}: {error.message.strip()}")
