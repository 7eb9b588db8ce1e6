#!/usr/bin/python3
"""Writes ONNX Runtime's 4-bit weight products (com.microsoft MatMulNBits).

    matmul_nbits.py OUT_DIR

* nbits_zero_points.onnx: A [2, 3, 128] times a 128 x 40 weight quantized by
  ONNX Runtime's convention (uint4 per block of 32 along K with a scale and
  a zero point per block, B stored [N, blocks, 16]), plus a bias.
* nbits_default.onnx: A [4, 64], blocks of 16, no zero points (8) and no
  bias.
* nbits_bits8.onnx, nbits_g_idx.onnx, nbits_padded.onnx: forms Quill
  refuses (8 bits, act-order g_idx, K not a multiple of the block size).
* nbits_level4.onnx: A [3, 256] times a 256 x 48 uint4 weight with zero
  points, at accuracy_level 4 (ONNX Runtime quantizes A to int8 per block).
* nbits_reshaped.onnx: A [2, 3, 64] times a 64 x 32 weight, the product
  reshaped to [2, 96] through Shape -> Gather -> Concat, as exporters write
  it (libonnx 1.12's data propagation crashes on that chain after an op it
  does not know).

Each valid model comes with OUT_DIR/NAME.input.npy (float32, seeded); the
ONNX Runtime outputs it is compared with are in Inputs/ort/ (written by
bench/ort_bench.js from these files).
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(24)


def quantize(weight, block, zero_points):
    """MatMulNBits' B, scales and zero points of W [K, N]."""
    k, n = weight.shape
    blocks = weight.T.reshape(n, k // block, block)
    low, high = blocks.min(axis=2), blocks.max(axis=2)
    if zero_points:
        scales = np.maximum(high - low, 1e-6) / 15.0
        zp = np.clip(np.rint(-low / scales), 0, 15).astype(np.int64)
    else:
        scales = np.maximum(np.abs(blocks).max(axis=2), 1e-6) / 7.0
        zp = np.full(scales.shape, 8, np.int64)
    q = np.clip(np.rint(blocks / scales[..., None]) + zp[..., None], 0, 15).astype(np.uint8)
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    zp_bytes = None
    if zero_points:
        padded = np.pad(zp, ((0, 0), (0, zp.shape[1] % 2)))
        zp_bytes = (padded[:, 0::2] | (padded[:, 1::2] << 4)).astype(np.uint8).reshape(-1)
    return packed, scales.astype(np.float32).reshape(-1), zp_bytes


def write(out_dir, name, a_shape, k, n, block, zero_points, bias, **extra):
    weight = rng.standard_normal((k, n)).astype(np.float32) * 0.1
    packed, scales, zp = quantize(weight, block, zero_points)
    inputs = ["a", "b", "scales", "zero_points" if zp is not None else ""]
    initializers = [numpy_helper.from_array(packed, "b"),
                    numpy_helper.from_array(scales, "scales")]
    if zp is not None:
        initializers.append(numpy_helper.from_array(zp, "zero_points"))
    if "g_idx" in extra:
        inputs.append("g_idx")
        initializers.append(numpy_helper.from_array(
            (np.arange(k) // block).astype(np.int32), "g_idx"))
    if bias:
        inputs += [""] * (5 - len(inputs)) + ["bias"]
        initializers.append(numpy_helper.from_array(
            rng.standard_normal(n).astype(np.float32), "bias"))
    while inputs and inputs[-1] == "":
        inputs.pop()
    node = helper.make_node("MatMulNBits", inputs, ["y"], domain="com.microsoft",
                            name="proj", K=extra.get("K", k), N=n,
                            bits=extra.get("bits", 4), block_size=block)
    if "accuracy_level" in extra:
        node.attribute.append(helper.make_attribute("accuracy_level", extra["accuracy_level"]))
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("a", TensorProto.FLOAT, a_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, a_shape[:-1] + [n])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    onnx.save(model, os.path.join(out_dir, name + ".onnx"))
    np.save(os.path.join(out_dir, name + ".input.npy"),
            rng.standard_normal(a_shape).astype(np.float32))


def write_reshaped(out_dir):
    k, n, block = 64, 32, 32
    packed, scales, _ = quantize(rng.standard_normal((k, n)).astype(np.float32) * 0.1,
                                 block, False)
    nodes = [helper.make_node("MatMulNBits", ["a", "b", "scales"], ["y"], domain="com.microsoft",
                              name="proj", K=k, N=n, bits=4, block_size=block),
             helper.make_node("Shape", ["y"], ["shape"]),
             helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
             helper.make_node("Unsqueeze", ["batch", "axes"], ["batch_1d"]),
             helper.make_node("Concat", ["batch_1d", "minus_one"], ["new_shape"], axis=0),
             helper.make_node("Reshape", ["y", "new_shape"], ["out"])]
    initializers = [numpy_helper.from_array(packed, "b"),
                    numpy_helper.from_array(scales, "scales"),
                    numpy_helper.from_array(np.array(0, np.int64), "zero"),
                    numpy_helper.from_array(np.array([0], np.int64), "axes"),
                    numpy_helper.from_array(np.array([-1], np.int64), "minus_one")]
    graph = helper.make_graph(
        nodes, "nbits_reshaped", [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3, k])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    onnx.save(model, os.path.join(out_dir, "nbits_reshaped.onnx"))
    np.save(os.path.join(out_dir, "nbits_reshaped.input.npy"),
            rng.standard_normal((2, 3, k)).astype(np.float32))


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    write(out_dir, "nbits_zero_points", [2, 3, 128], 128, 40, 32, True, True)
    write(out_dir, "nbits_default", [4, 64], 64, 24, 16, False, False)
    write(out_dir, "nbits_bits8", [1, 64], 64, 16, 32, False, False, bits=8)
    write(out_dir, "nbits_g_idx", [1, 64], 64, 16, 32, False, False, g_idx=True)
    write(out_dir, "nbits_padded", [1, 64], 64, 16, 32, False, False, K=48)
    write(out_dir, "nbits_level4", [3, 256], 256, 48, 32, True, True, accuracy_level=4)
    write_reshaped(out_dir)


if __name__ == "__main__":
    main()
