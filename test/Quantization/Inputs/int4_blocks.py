"""int4 activations in blocks (--quantize=int4 --activation-block-size=32)
against numpy.

A MatMul with an identity weight (int4 blocks hold it: code 7 at scale 1/7)
returns its block-quantized activation, so each element of the compiled
model's output must be numpy's int4 block quantization of the input, code
for code; the values may differ from numpy's by the block-weight kernel's
own rounding (it applies the weight scale after summing), asserted below
1e-5 of the block's scale, far below the step of one code. numpy: scale max|x| / 7 in f32, raised to the smallest normal f32,
x / scale rounded half to even, clamped to [-7, 7], times the scale. The
input has blocks of every kind: random, an outlier, all zeros, ties
(x / scale exactly k + 1/2), subnormal magnitudes, negative extremes.

    python3 int4_blocks.py WORK_DIR
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import quill
from quill.runtime import Model

ROWS, K, BLOCK = 8, 128, 32


def reference(x):
    """Codes and scales (broadcast to every element) of x in int4 blocks."""
    blocks = x.reshape(ROWS, K // BLOCK, BLOCK)
    scale = np.maximum(np.abs(blocks).max(axis=-1, keepdims=True) / np.float32(7),
                       np.finfo(np.float32).tiny).astype(np.float32)
    codes = np.clip(np.round(blocks / scale), -7, 7).astype(np.float32)
    return codes.reshape(ROWS, K), np.broadcast_to(scale, blocks.shape).reshape(ROWS, K)


def main():
    work = sys.argv[1]
    rng = np.random.default_rng(4)
    x = rng.standard_normal((ROWS, K)).astype(np.float32)
    x[1, 5] = 300.0                              # an outlier block
    x[2, :BLOCK] = 0.0                           # all zeros
    x[3, :BLOCK] = np.float32(7.0)               # scale exactly 1: ties at k + 1/2
    x[3, 1:8] = np.float32([0.5, 1.5, 2.5, -0.5, -1.5, 3.5, -6.5])
    x[4, BLOCK:2 * BLOCK] *= np.float32(1e-39)   # subnormal magnitudes
    x[5, 2 * BLOCK:3 * BLOCK] = -np.abs(x[5, 2 * BLOCK:3 * BLOCK])
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "identity"], ["y"], name="product")], "int4_blocks",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [ROWS, K])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [ROWS, K])],
        [numpy_helper.from_array(np.eye(K, dtype=np.float32), "identity")])
    path = os.path.join(work, "int4_blocks.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    library = quill.compile(path, os.path.join(work, "int4_blocks.so"), quantize="int4",
                            weight_block_size=BLOCK, activation_block_size=BLOCK)
    y = Model(library).run({"x": x})["y"]
    codes, scale = reference(x)
    error = np.abs(y.astype(np.float64) - codes * scale.astype(np.float64)) / scale
    wrong_codes = int(np.sum(np.round(y / scale) != codes))
    print(f"int4 activation blocks: {wrong_codes} of {y.size} codes differ from numpy, "
          f"largest difference {error.max():.1e} of the block scale")
    sys.exit(1 if wrong_codes or error.max() > 1e-5 else 0)


if __name__ == "__main__":
    main()
