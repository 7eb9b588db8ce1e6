#!/usr/bin/python3
"""int8 post-training quantization keeps accuracy on real data.

    digits.py WORK_DIR

Trains a small MLP (64 -> 64 -> 32 -> 10, ReLU) in numpy on scikit-learn's
handwritten digits (1797 8x8 images shipped with scikit-learn: the first
1200 train, the other 597 test), exports it to ONNX with batch 1, compiles
it with Quill in float and in int8 with each calibrator (calibrated on 200
training images through quill.compile(calibration=...), statistics saved
in WORK_DIR/stats.json, quantization reports in WORK_DIR/CALIBRATOR.json),
and runs the test
set through each. Prints each accuracy and fails if an int8 model loses more
than 0.5 points, or if the float model disagrees with numpy.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits

import quill

MAX_LOSS_POINTS = 0.5
CALIBRATORS = ["max", "percentile", "entropy", "mse"]
# (name, quill.compile options, points of accuracy it may lose).
OTHER_FORMATS = [
    ("fp8-e4m3", {"quantize": "fp8-e4m3"}, 0.5),
    ("fp8-e5m2", {"quantize": "fp8-e5m2"}, 1.0),
    ("int4-weights", {"quantize": "int4-weights"}, 1.0),
    ("int4-weights block 16", {"quantize": "int4-weights", "weight_block_size": 16}, 1.0),
    # 4-bit activations too (16 levels per tensor, calibrated).
    ("int4 block 16", {"quantize": "int4", "weight_block_size": 16}, 2.0),
    # No float between the input quantize and the output dequantize.
    ("int8 integer-only", {"quantize": "int8", "integer_only": True}, 1.0),
    # Block formats: weight-only 4-bit within 1 point (issue 24), weights and
    # activations each within their own bound.
    ("mxfp4-weights", {"quantize": "mxfp4-weights"}, 1.0),
    ("nvfp4-weights", {"quantize": "nvfp4-weights"}, 1.0),
    # The same weights times activations quantized to int8 per block: the
    # activations' rounding adds its own loss (MXFP4: one image more).
    ("mxfp4-weights int8-act", {"quantize": "mxfp4-weights", "low_bit_compute": "int8"}, 1.5),
    ("int4-weights block 16 int8-act",
     {"quantize": "int4-weights", "weight_block_size": 16, "low_bit_compute": "int8"}, 1.5),
    ("mxfp6-e2m3-weights", {"quantize": "mxfp6-e2m3-weights"}, 0.5),
    ("mxfp8-e4m3-weights", {"quantize": "mxfp8-e4m3-weights"}, 0.5),
    ("mxint8-weights", {"quantize": "mxint8-weights"}, 0.5),
    # MXFP4 activations lose most (the 16 pixel levels share a 2^-2 scale
    # per block): what rotation and channel reordering exist for.
    ("mxfp4", {"quantize": "mxfp4"}, 4.0),
    ("mxfp4 rounded-up scales", {"quantize": "mxfp4", "block_scale_rounding": "up"}, 4.0),
    ("nvfp4", {"quantize": "nvfp4"}, 2.0),
    ("mxfp6-e3m2", {"quantize": "mxfp6-e3m2"}, 1.0),
    ("mxfp6-e2m3", {"quantize": "mxfp6-e2m3"}, 1.0),
    ("mxfp8-e4m3", {"quantize": "mxfp8-e4m3"}, 0.5),
    ("mxfp8-e5m2", {"quantize": "mxfp8-e5m2"}, 1.0),
    ("mxint8", {"quantize": "mxint8"}, 0.5),
    # Mixed per layer: first and last layers int8, MXFP4 weights between.
    ("recipe int8-mxfp4w-int8", {"quantize": "mxfp4-weights", "quantize_recipe": "RECIPE"}, 1.0),
]


def train(x, y, sizes=(64, 64, 32, 10), epochs=300, seed=0):
    """Adam on full-batch cross-entropy; deterministic."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(rng.normal(0, np.sqrt(2.0 / fan_in), (fan_in, fan_out)))
        params.append(np.zeros(fan_out))
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    onehot = np.eye(sizes[-1])[y]
    for step in range(1, epochs + 1):
        activations = [x]
        for layer in range(0, len(params), 2):
            z = activations[-1] @ params[layer] + params[layer + 1]
            activations.append(np.maximum(z, 0) if layer + 2 < len(params) else z)
        logits = activations[-1]
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        delta = (probabilities - onehot) / len(x)
        grads = [None] * len(params)
        for layer in range(len(params) - 2, -1, -2):
            grads[layer] = activations[layer // 2].T @ delta
            grads[layer + 1] = delta.sum(axis=0)
            if layer:
                delta = (delta @ params[layer].T) * (activations[layer // 2] > 0)
        for i, g in enumerate(grads):
            moments[i] = 0.9 * moments[i] + 0.1 * g
            squares[i] = 0.999 * squares[i] + 0.001 * g * g
            params[i] -= 0.01 * (moments[i] / (1 - 0.9 ** step)) / (
                np.sqrt(squares[i] / (1 - 0.999 ** step)) + 1e-8)
    return [p.astype(np.float32) for p in params]


def export(params, path):
    nodes, initializers, previous = [], [], "image"
    for k in range(0, len(params), 2):
        layer = k // 2
        weight, bias = "w%d" % layer, "b%d" % layer
        initializers += [numpy_helper.from_array(params[k].T.copy(), weight),
                         numpy_helper.from_array(params[k + 1], bias)]
        output = "fc%d" % layer
        nodes.append(helper.make_node("Gemm", [previous, weight, bias], [output],
                                      name=output, transB=1))
        previous = output
        if k + 2 < len(params):
            nodes.append(helper.make_node("Relu", [output], ["relu%d" % layer],
                                          name="relu%d" % layer))
            previous = "relu%d" % layer
    nodes.append(helper.make_node("Identity", [previous], ["logits"], name="logits"))
    graph = helper.make_graph(
        nodes, "digits_mlp",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        initializers)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def accuracy(library, images, labels):
    model = quill.Model(library)
    predictions = [np.argmax(model.run({"image": image[None]})["logits"])
                   for image in images]
    return 100.0 * np.mean(np.array(predictions) == labels)


def main():
    work = sys.argv[1]
    digits = load_digits()
    images = (digits.data / 16.0).astype(np.float32)
    labels = digits.target
    train_x, train_y = images[:1200], labels[:1200]
    test_x, test_y = images[1200:], labels[1200:]

    params = train(train_x, train_y)
    model_path = os.path.join(work, "digits_mlp.onnx")
    export(params, model_path)

    hidden = test_x
    for k in range(0, len(params), 2):
        hidden = hidden @ params[k] + params[k + 1]
        hidden = np.maximum(hidden, 0) if k + 2 < len(params) else hidden
    numpy_accuracy = 100.0 * np.mean(hidden.argmax(axis=1) == test_y)

    float_accuracy = accuracy(
        quill.compile(model_path, output=os.path.join(work, "float.so")), test_x, test_y)
    print("float: %.2f%% (numpy %.2f%%)" % (float_accuracy, numpy_accuracy))
    failed = int(float_accuracy != numpy_accuracy)

    calibration = [{"image": image[None]} for image in train_x[:200]]
    np.savez(os.path.join(work, "calibration.npz"), image=train_x[:16, None])
    for calibrator in CALIBRATORS:
        library = quill.compile(model_path, output=os.path.join(work, calibrator + ".so"),
                                quantize="int8", calibrator=calibrator,
                                calibration=calibration,
                                calibration_stats=os.path.join(work, "stats.json"),
                                report=os.path.join(work, calibrator + ".json"))
        int8_accuracy = accuracy(library, test_x, test_y)
        loss = float_accuracy - int8_accuracy
        ok = loss <= MAX_LOSS_POINTS
        failed += not ok
        report = json.load(open(os.path.join(work, calibrator + ".json")))
        sqnr = ", ".join("%.1f" % op["sqnr_db"] for op in report["ops"])
        print("int8 %s: %.2f%% (%+.2f points), SQNR per layer %s dB%s" % (
            calibrator, int8_accuracy, -loss, sqnr, "" if ok else " FAILED"))
    # Other formats, calibrated with the max calibrator's statistics (int4
    # weights need none), each with its own allowed loss.
    recipe = os.path.join(work, "recipe.txt")
    with open(recipe, "w") as f:
        f.write("fc0 int8  # the first layer\nfc2 int8\n")
    for name, options, max_loss in OTHER_FORMATS:
        options = {k: recipe if v == "RECIPE" else v for k, v in options.items()}
        library = quill.compile(model_path, output=os.path.join(work, name + ".so"),
                                calibration_stats=os.path.join(work, "stats.json")
                                if options["quantize"] != "int4-weights" else None,
                                **options)
        format_accuracy = accuracy(library, test_x, test_y)
        loss = float_accuracy - format_accuracy
        ok = loss <= max_loss
        failed += not ok
        print("%s: %.2f%% (%+.2f points, at most %.1f lost)%s" % (
            name, format_accuracy, -loss, max_loss, "" if ok else " FAILED"))
    total = 1 + len(CALIBRATORS) + len(OTHER_FORMATS)
    print("%d passed, %d failed" % (total - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
