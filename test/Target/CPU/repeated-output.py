# RUN: %python %s %S/Inputs/repeated_output.onnxtxt %t.so
#
# A graph that returns one value as two outputs: the entry point copies it,
# since bufferization needs one buffer per returned value. Compiled and run
# through the Python package.

import sys

import numpy as np

import quill

model = quill.Model(quill.compile(sys.argv[1], output=sys.argv[2], opt_level=2))
assert [name for name, _, _ in model.outputs] == ["a", "b"], model.outputs
x = np.array([[1, -2, 3], [-4, 5, -6]], np.float32)
outputs = model.run({"x": x})
expected = np.maximum(x, 0)
assert np.array_equal(outputs["a"], expected), outputs
assert np.array_equal(outputs["b"], expected), outputs
print("ok")
