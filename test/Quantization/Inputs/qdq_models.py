#!/usr/bin/python3
"""Writes small quantized ONNX models in the two forms exporters produce.

    qdq_models.py OUT_DIR

* qdq_mlp.onnx: ONNX Runtime's quantize_static QDQ convention: uint8
  activations with zero points, int8 weights per output channel (Gemm,
  axis 0 of the transposed weight) or per tensor with a zero point
  (MatMul, uint8), int32 biases at scale x_scale * w_scale, a Relu between
  QDQ pairs, Reshape and Transpose on quantized values.
* qoperator_mlp.onnx: the same computation in QOperator form
  (QLinearMatMul with a per-column int8 weight).
* qdq_cnn.onnx: QDQ convolutions: 3x3 with per-channel int8 weights and an
  int32 bias, Relu, MaxPool, a depthwise 3x3 with stride 2, and a dilated 3x3
  with a per-tensor uint8 weight (zero point 128) and no bias.
* qoperator_cnn.onnx: QLinearConv with asymmetric padding and stride 2, a
  per-channel int8 weight and a bias, between uint8 activations.

Each model comes with OUT_DIR/NAME.input.npy (float32, seeded). The parameters
are fixed numbers so that the model files are reproducible.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
rng = np.random.default_rng(7)


def initializer(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def quantize_weight_per_row(weight):
    """Symmetric int8 per row: scale = max|row| / 127."""
    scales = np.abs(weight).max(axis=1) / 127.0
    stored = np.clip(np.rint(weight / scales[:, None]), -127, 127).astype(np.int8)
    return stored, scales.astype(np.float32)


def qdq_mlp():
    x_scale, x_zero = np.float32(0.02), np.uint8(120)
    h_scale, h_zero = np.float32(0.05), np.uint8(100)
    r_scale, r_zero = np.float32(0.04), np.uint8(0)
    y_scale, y_zero = np.float32(0.03), np.uint8(130)
    w1 = rng.standard_normal((32, 48)).astype(np.float32) / 6.0  # Gemm transB: [N, K]
    w1_q, w1_scales = quantize_weight_per_row(w1)
    b1 = rng.standard_normal(32).astype(np.float32) * 0.2
    b1_q = np.rint(b1 / (x_scale * w1_scales)).astype(np.int32)
    w2_scale, w2_zero = np.float32(0.004), np.uint8(128)
    w2_q = rng.integers(60, 200, size=(32, 10)).astype(np.uint8)

    inits = [
        initializer("x_scale", x_scale), initializer("x_zero", x_zero),
        initializer("h_scale", h_scale), initializer("h_zero", h_zero),
        initializer("r_scale", r_scale), initializer("r_zero", r_zero),
        initializer("y_scale", y_scale), initializer("y_zero", y_zero),
        initializer("w1_q", w1_q), initializer("w1_scale", w1_scales),
        initializer("w1_zero", np.zeros(32, np.int8)),
        initializer("b1_q", b1_q), initializer("b1_scale", x_scale * w1_scales),
        initializer("b1_zero", np.zeros(32, np.int32)),
        initializer("w2_q", w2_q), initializer("w2_scale", w2_scale),
        initializer("w2_zero", w2_zero),
        initializer("shape", np.array([2, 4, 48], np.int64)),
        initializer("flat", np.array([8, 48], np.int64)),
    ]
    n = helper.make_node
    nodes = [
        n("QuantizeLinear", ["x", "x_scale", "x_zero"], ["x_q"]),
        n("DequantizeLinear", ["x_q", "x_scale", "x_zero"], ["x_dq"]),
        # Reshape and back on quantized values: stays in integers.
        n("Reshape", ["x_dq", "shape"], ["x_3d"]),
        n("QuantizeLinear", ["x_3d", "x_scale", "x_zero"], ["x_3d_q"]),
        n("DequantizeLinear", ["x_3d_q", "x_scale", "x_zero"], ["x_3d_dq"]),
        n("Reshape", ["x_3d_dq", "flat"], ["x_flat"]),
        n("QuantizeLinear", ["x_flat", "x_scale", "x_zero"], ["x_flat_q"]),
        n("DequantizeLinear", ["x_flat_q", "x_scale", "x_zero"], ["x_flat_dq"]),
        n("DequantizeLinear", ["w1_q", "w1_scale", "w1_zero"], ["w1"], axis=0),
        n("DequantizeLinear", ["b1_q", "b1_scale", "b1_zero"], ["b1"], axis=0),
        n("Gemm", ["x_flat_dq", "w1", "b1"], ["h"], transB=1),
        n("QuantizeLinear", ["h", "h_scale", "h_zero"], ["h_q"]),
        n("DequantizeLinear", ["h_q", "h_scale", "h_zero"], ["h_dq"]),
        n("Relu", ["h_dq"], ["r"]),
        n("QuantizeLinear", ["r", "r_scale", "r_zero"], ["r_q"]),
        n("DequantizeLinear", ["r_q", "r_scale", "r_zero"], ["r_dq"]),
        n("DequantizeLinear", ["w2_q", "w2_scale", "w2_zero"], ["w2"]),
        n("MatMul", ["r_dq", "w2"], ["y"]),
        n("QuantizeLinear", ["y", "y_scale", "y_zero"], ["y_q"]),
        n("DequantizeLinear", ["y_q", "y_scale", "y_zero"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "qdq_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [8, 48])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [8, 10])],
        inits)
    return graph, (rng.standard_normal((8, 48)) * 1.5).astype(np.float32)


def qoperator_mlp():
    a_scale, a_zero = np.float32(0.03), np.uint8(128)
    y_scale, y_zero = np.float32(0.06), np.uint8(125)
    w = rng.standard_normal((48, 16)).astype(np.float32) / 6.0
    w_q_t, w_scales = quantize_weight_per_row(w.T)  # per column of w
    inits = [
        initializer("x_scale", a_scale), initializer("x_zero", a_zero),
        initializer("w_q", np.ascontiguousarray(w_q_t.T)),
        initializer("w_scale", w_scales), initializer("w_zero", np.zeros(16, np.int8)),
        initializer("y_scale", y_scale), initializer("y_zero", y_zero),
    ]
    n = helper.make_node
    nodes = [
        n("QuantizeLinear", ["x", "x_scale", "x_zero"], ["x_q"]),
        n("QLinearMatMul", ["x_q", "x_scale", "x_zero", "w_q", "w_scale", "w_zero",
                            "y_scale", "y_zero"], ["y_q"]),
        n("DequantizeLinear", ["y_q", "y_scale", "y_zero"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "qoperator_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 48])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [2, 3, 16])],
        inits)
    return graph, rng.standard_normal((2, 3, 48)).astype(np.float32)


def quantize_conv_weight(weight):
    """Symmetric int8 per output channel (axis 0)."""
    flat = weight.reshape(weight.shape[0], -1)
    stored, scales = quantize_weight_per_row(flat)
    return stored.reshape(weight.shape), scales


def qdq_pair(nodes, name, scale, zero):
    """Appends QuantizeLinear -> DequantizeLinear of `name`; returns the new name."""
    n = helper.make_node
    nodes.append(n("QuantizeLinear", [name, scale, zero], [name + "_q"]))
    nodes.append(n("DequantizeLinear", [name + "_q", scale, zero], [name + "_dq"]))
    return name + "_dq"


def qdq_cnn():
    params = {
        "x": (0.03, 128), "c1": (0.05, 110), "r1": (0.025, 0), "p1": (0.025, 0),
        "c2": (0.04, 120), "y": (0.06, 125),
    }
    inits = []
    for name, (scale, zero) in params.items():
        inits += [initializer(name + "_scale", np.float32(scale)),
                  initializer(name + "_zero", np.uint8(zero))]
    x_scale = np.float32(params["x"][0])
    w1 = rng.standard_normal((8, 3, 3, 3)).astype(np.float32) / 4.0
    w1_q, w1_scales = quantize_conv_weight(w1)
    b1 = rng.standard_normal(8).astype(np.float32) * 0.3
    b1_q = np.rint(b1 / (x_scale * w1_scales)).astype(np.int32)
    w2 = rng.standard_normal((8, 1, 3, 3)).astype(np.float32) / 2.0
    w2_q, w2_scales = quantize_conv_weight(w2)
    p1_scale = np.float32(params["p1"][0])
    b2 = rng.standard_normal(8).astype(np.float32) * 0.1
    b2_q = np.rint(b2 / (p1_scale * w2_scales)).astype(np.int32)
    w3_q = rng.integers(90, 170, size=(4, 8, 3, 3)).astype(np.uint8)
    inits += [
        initializer("w1_q", w1_q), initializer("w1_scale", w1_scales),
        initializer("w1_zero", np.zeros(8, np.int8)),
        initializer("b1_q", b1_q), initializer("b1_scale", x_scale * w1_scales),
        initializer("b1_zero", np.zeros(8, np.int32)),
        initializer("w2_q", w2_q), initializer("w2_scale", w2_scales),
        initializer("w2_zero", np.zeros(8, np.int8)),
        initializer("b2_q", b2_q), initializer("b2_scale", p1_scale * w2_scales),
        initializer("b2_zero", np.zeros(8, np.int32)),
        initializer("w3_q", w3_q), initializer("w3_scale", np.float32(0.01)),
        initializer("w3_zero", np.uint8(128)),
    ]
    n = helper.make_node
    nodes = []
    x = qdq_pair(nodes, "x", "x_scale", "x_zero")
    for w, axis in (("w1", 0), ("b1", 0), ("w2", 0), ("b2", 0), ("w3", None)):
        extra = {} if axis is None else {"axis": axis}
        nodes.append(n("DequantizeLinear", [w + "_q", w + "_scale", w + "_zero"], [w], **extra))
    nodes.append(n("Conv", [x, "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
    c1 = qdq_pair(nodes, "c1", "c1_scale", "c1_zero")
    nodes.append(n("Relu", [c1], ["r1"]))
    r1 = qdq_pair(nodes, "r1", "r1_scale", "r1_zero")
    nodes.append(n("MaxPool", [r1], ["p1"], kernel_shape=[2, 2], strides=[2, 2]))
    p1 = qdq_pair(nodes, "p1", "p1_scale", "p1_zero")
    nodes.append(n("Conv", [p1, "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                   strides=[2, 2], group=8))
    c2 = qdq_pair(nodes, "c2", "c2_scale", "c2_zero")
    nodes.append(n("Conv", [c2, "w3"], ["y"], kernel_shape=[3, 3], pads=[2, 2, 2, 2],
                   dilations=[2, 2]))
    nodes.append(n("QuantizeLinear", ["y", "y_scale", "y_zero"], ["y_q"]))
    nodes.append(n("DequantizeLinear", ["y_q", "y_scale", "y_zero"], ["output"]))
    graph = helper.make_graph(
        nodes, "qdq_cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 16, 16])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [2, 4, 4, 4])],
        inits)
    return graph, (rng.standard_normal((2, 3, 16, 16)) * 1.2).astype(np.float32)


def qoperator_cnn():
    x_scale, x_zero = np.float32(0.03), np.uint8(120)
    y_scale, y_zero = np.float32(0.05), np.uint8(128)
    w = rng.standard_normal((6, 4, 3, 3)).astype(np.float32) / 5.0
    w_q, w_scales = quantize_conv_weight(w)
    b = rng.standard_normal(6).astype(np.float32) * 0.2
    b_q = np.rint(b / (x_scale * w_scales)).astype(np.int32)
    inits = [
        initializer("x_scale", x_scale), initializer("x_zero", x_zero),
        initializer("w_q", w_q), initializer("w_scale", w_scales),
        initializer("w_zero", np.zeros(6, np.int8)),
        initializer("y_scale", y_scale), initializer("y_zero", y_zero),
        initializer("b_q", b_q),
    ]
    n = helper.make_node
    nodes = [
        n("QuantizeLinear", ["x", "x_scale", "x_zero"], ["x_q"]),
        n("QLinearConv", ["x_q", "x_scale", "x_zero", "w_q", "w_scale", "w_zero",
                          "y_scale", "y_zero", "b_q"], ["y_q"],
          kernel_shape=[3, 3], pads=[1, 0, 2, 1], strides=[2, 2]),
        n("DequantizeLinear", ["y_q", "y_scale", "y_zero"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "qoperator_cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 11, 9])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 6, 6, 4])],
        inits)
    return graph, rng.standard_normal((1, 4, 11, 9)).astype(np.float32)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for make in (qdq_mlp, qoperator_mlp, qdq_cnn, qoperator_cnn):
        graph, sample = make()
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="quill-test")
        model.ir_version = 7
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(out, graph.name + ".onnx"))
        np.save(os.path.join(out, graph.name + ".input.npy"), sample)


if __name__ == "__main__":
    main()
