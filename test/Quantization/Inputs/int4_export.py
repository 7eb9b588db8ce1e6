#!/usr/bin/python3
"""Writes a float MLP for --quantize=int4-weights --emit=qdq-onnx.

    int4_export.py OUT_DIR

OUT_DIR/mlp.onnx: x [6, 64] -> MatMul (64 x 96, through an Identity) -> Relu -> Gemm (transB, a
32 x 96 weight and a bias) -> y [6, 32], opset 17, and OUT_DIR/x.npy
(float32, seeded). ONNX Runtime's outputs on the exported MatMulNBits model
are in Inputs/ort/int4_export.output.npy (written by bench/ort_bench.js).
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(31)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    w1 = (rng.standard_normal((64, 96)) * 0.1).astype(np.float32)
    w2 = (rng.standard_normal((32, 96)) * 0.1).astype(np.float32)
    b2 = rng.standard_normal(32).astype(np.float32)
    # The first weight read through an Identity, as PyTorch's exporter
    # writes a weight it deduplicated.
    nodes = [helper.make_node("Identity", ["w1"], ["w1_shared"], name="shared"),
             helper.make_node("MatMul", ["x", "w1_shared"], ["h"], name="fc1"),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Gemm", ["r", "w2", "b2"], ["y"], name="fc2", transB=1)]
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [6, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [6, 32])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2"),
         numpy_helper.from_array(b2, "b2")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(out, "mlp.onnx"))
    np.save(os.path.join(out, "x.npy"), rng.standard_normal((6, 64)).astype(np.float32))


if __name__ == "__main__":
    main()
