"""Writes the tensor files quill-run.test feeds the model of fake_model.c:
inputs x (float32 [2, 3]) and k (int64 [1]), and the expected outputs
y = x * 2 + k, k_out:0 = k and positive = x > 0, as .npy files and as ONNX
TensorProtos with raw_data or typed fields, plus malformed variants."""

import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def path(name):
    return os.path.join(out, name)


def save_pb(name, tensor):
    with open(path(name), "wb") as f:
        f.write(tensor.SerializeToString())


x = np.array([[-1.5, 0, 0.25], [1, 2, 3.5]], np.float32)
k = np.array([3], np.int64)
y = x * 2 + np.float32(k[0])
positive = x > 0

for name, array in [("x", x), ("k", k), ("y", y), ("k_out", k),
                    ("positive", positive)]:
    np.save(path(name + ".npy"), array)

# raw_data, named as the model's tensors.
for name, array in [("x", x), ("k", k), ("y", y), ("k_out:0", k),
                    ("positive", positive)]:
    save_pb(name.replace(":0", "") + ".pb", numpy_helper.from_array(array, name))
save_pb("x_unnamed.pb", numpy_helper.from_array(x))

# Typed fields: float_data, int64_data, and int32_data holding bools.
save_pb("x_typed.pb", helper.make_tensor("x", TensorProto.FLOAT, [2, 3], x.ravel()))
save_pb("k_typed.pb", helper.make_tensor("k", TensorProto.INT64, [1], k))
save_pb("positive_typed.pb",
        helper.make_tensor("positive", TensorProto.BOOL, [2, 3], positive.ravel()))
with open(path("x_v2.npy"), "wb") as f:
    np.lib.format.write_array(f, x, version=(2, 0))

# One element off by 0.5.
y_off = y.copy()
y_off[1, 2] += 0.5
np.save(path("y_off.npy"), y_off)

# NaN in, NaN out: NaN compares equal to NaN.
x_nan = x.copy()
x_nan[0, 1] = np.nan
np.save(path("x_nan.npy"), x_nan)
np.save(path("y_nan.npy"), x_nan * 2 + np.float32(k[0]))

np.save(path("x_f64.npy"), x.astype(np.float64))
np.save(path("x_3x2.npy"), x.reshape(3, 2))
np.save(path("x_fortran.npy"), np.asfortranarray(x))
with open(path("garbage.npy"), "wb") as f:
    f.write(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'")
