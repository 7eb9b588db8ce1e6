#!/usr/bin/python3
"""Calibration inputs in every layout quill-compile reads, and a checker.

    calibration_data.py write OUT_DIR
    calibration_data.py check STATS.json DATA.npz
    calibration_data.py report REPORT.json DATA.npz

`write` makes OUT_DIR/mlp.onnx (Gemm + Relu + MatMul on a [2, 8] input,
float, seeded) and the same 12 samples as
  samples/       one sub-directory per sample, x.npy in each (named 0..11,
                 so that a name sort would misorder them: order is checked by
                 nothing here, but 10 and 11 must be found);
  onnx_layout/   test_data_set_N/input_0.pb (TensorProto) and output_0.pb;
  stacked.npz    x as [12, 2, 8] (numpy.savez);
  batched.npz    x as [24, 8], deflated (numpy.savez_compressed);
plus error cases: missing/ (a sample without x), wrong_shape/, and
misnamed.npz (an array named y).

`check` recomputes each observed tensor of the float model in numpy from
the samples and compares min, max and count with the statistics exactly,
and that the histogram holds every value under histogram_max.

`report` checks a quantization report (quill-compile --report): it
simulates the int8 model in numpy from the report's activation and output
types and from weights it quantizes itself (symmetric, per output channel,
scale = max|w| / 127 as a float32), and compares each op's SQNR against
the float model over the samples with the report's.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(11)
W1 = rng.standard_normal((16, 8)).astype(np.float32)
B1 = rng.standard_normal(16).astype(np.float32)
W2 = rng.standard_normal((16, 4)).astype(np.float32)
SAMPLES = rng.standard_normal((12, 2, 8)).astype(np.float32) * 2


def write(out):
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1", transB=1),
        helper.make_node("Relu", ["h"], ["r"], name="relu1"),
        helper.make_node("MatMul", ["r", "w2"], ["y"], name="fc2"),
    ]
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])],
        [numpy_helper.from_array(W1, "w1"), numpy_helper.from_array(B1, "b1"),
         numpy_helper.from_array(W2, "w2")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(out, "mlp.onnx"))
    for i, x in enumerate(SAMPLES):
        os.makedirs(os.path.join(out, "samples", str(i)))
        np.save(os.path.join(out, "samples", str(i), "x.npy"), x)
        case = os.path.join(out, "onnx_layout", "test_data_set_%d" % i)
        os.makedirs(case)
        with open(os.path.join(case, "input_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x, "x").SerializeToString())
        with open(os.path.join(case, "output_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(forward(x)[-1], "y").SerializeToString())
    np.savez(os.path.join(out, "stacked.npz"), x=SAMPLES)
    np.savez_compressed(os.path.join(out, "batched.npz"), x=SAMPLES.reshape(24, 8))
    os.makedirs(os.path.join(out, "missing", "0"))
    np.save(os.path.join(out, "missing", "0", "z.npy"), SAMPLES[0])
    os.makedirs(os.path.join(out, "wrong_shape", "0"))
    np.save(os.path.join(out, "wrong_shape", "0", "x.npy"), SAMPLES[0].T.copy())
    np.savez(os.path.join(out, "misnamed.npz"), y=SAMPLES)


def forward(x):
    """The observed tensors: x, relu1 (fc1's output after its ReLU), fc2."""
    relu1 = np.maximum(x @ W1.T + B1, 0)
    return x, relu1, relu1 @ W2


def check(stats_path, data_path):
    stats = json.load(open(stats_path))["tensors"]
    samples = np.load(data_path)["x"]
    observed = [forward(x) for x in samples]
    failures = 0
    for k, name in enumerate(["x", "relu1", "fc2"]):
        values = np.concatenate([o[k].ravel() for o in observed])
        s = stats[name]
        histogram = np.array(s["histogram"])
        expected = (float(values.min()), float(values.max()), values.size)
        # The compiled model's float arithmetic may differ from numpy's in
        # the last bits of the matmul outputs.
        close = (np.isclose(s["min"], expected[0], rtol=1e-5, atol=1e-6) and
                 np.isclose(s["max"], expected[1], rtol=1e-5, atol=1e-6))
        exact_input = name != "x" or (s["min"], s["max"]) == expected[:2]
        if not (close and exact_input and s["count"] == expected[2] and
                histogram.sum() == values.size and len(histogram) == 2048 and
                s["histogram_max"] >= np.abs(values).max()):
            print("%s: statistics %s, numpy min/max/count %s" %
                  (name, (s["min"], s["max"], s["count"]), expected))
            failures += 1
    print("%d tensors checked, %d failed" % (3, failures))
    sys.exit(1 if failures else 0)


def quantize(x, tensor):
    """Stored values and (scale, zero point) of a per-tensor report entry."""
    scale, zero_point = np.float32(tensor["scale"]), tensor["zero_point"]
    low, high = (0, 255) if tensor["type"] == "uint8" else (-128, 127)
    return (np.clip(np.round(x / scale) + zero_point, low, high),
            np.float64(scale), zero_point)


def quantize_weight(w, axis):
    """Stored values and scales, symmetric per index of `axis`."""
    scale = (np.abs(w).astype(np.float64).max(axis=1 - axis, keepdims=True)
             / 127).astype(np.float32)
    return np.clip(np.round(w / scale.astype(np.float64)), -127, 127), \
        scale.astype(np.float64).ravel()


def integer_product(x, activation, w, axis):
    """(x's stored values - zero point) @ stored weights: the exact int32
    accumulator and its scale per output column."""
    qx, sx, zx = quantize(x, activation)
    qw, sw = quantize_weight(w, axis)
    return (qx - zx) @ (qw.T if axis == 0 else qw), sx * sw


def sqnr_db(reference, value):
    return 10 * np.log10(np.sum(reference.astype(np.float64) ** 2) /
                         np.sum((reference.astype(np.float64) - value) ** 2))


def report(report_path, data_path):
    ops = {op["name"]: op for op in json.load(open(report_path))["ops"]}
    samples = np.load(data_path)["x"]
    fc1, fc2 = ops["fc1"], ops["fc2"]
    reference = [forward(x) for x in samples]
    simulated = []
    for x in samples:
        # fc1: int32 bias at the product's scale; the ReLU clamps at the
        # output's zero point; the output is requantized.
        acc, scale = integer_product(x, fc1["activation"], W1, 0)
        acc = acc + np.round(B1 / scale)
        qy, sy, zy = quantize(acc * scale, fc1["output"])
        relu1 = (np.maximum(qy, zy) - zy) * sy
        # fc2 reads relu1 as quantized and is read as float.
        acc, scale = integer_product(relu1, fc2["activation"], W2, 1)
        simulated.append((relu1, acc * scale))
    failures = 0
    for k, op in enumerate([fc1, fc2]):
        expected = sqnr_db(np.stack([r[k + 1] for r in reference]),
                           np.stack([s[k] for s in simulated]))
        if abs(op["sqnr_db"] - expected) > 0.01:
            print("%s: report %.3f dB, numpy %.3f dB" %
                  (op["name"], op["sqnr_db"], expected))
            failures += 1
    print("%d ops checked, %d failed" % (2, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        report(sys.argv[2], sys.argv[3])
