#!/usr/bin/python3
"""Quill's main job on a real model, in one screen.

    quantize_digits.py MODEL.onnx WORK_DIR

Compiles the digits CNN (train_digits_cnn.py) four ways: fp32; int8 with
calibration on 200 training images held apart from the test set; the same
int8 model integer-only (no float between the input quantize and the output
dequantize); and the QDQ ONNX model Quill exports, compiled back. For each it
prints the test accuracy over the 597 test images, the latency of one image
(min and median of quill-run --bench) and the library's size, then the
int8 quantization report: each layer's ranges and the SQNR of its output
against the float model on the calibration images.
"""

import json
import os
import re
import subprocess
import sys
import time

import numpy as np
from sklearn.datasets import load_digits

import quill

TRAIN, CALIBRATION = 1200, 200
BENCH_RUNS = 2000


def bench(library, image_path):
    output = subprocess.run(
        [quill.find_tool("quill-run"), library, "--input",
         f"image={image_path}", "--bench", str(BENCH_RUNS), "--quiet"],
        check=True, capture_output=True, text=True).stdout
    found = re.search(r"min_ms=([0-9.]+) median_ms=([0-9.]+)", output)
    return float(found.group(1)), float(found.group(2))


def accuracy(library, images, labels):
    model = quill.Model(library)
    hits = sum(int(np.argmax(model.run({"image": image[None]})["logits"]) == label)
               for image, label in zip(images, labels))
    return 100.0 * hits / len(labels)


def describe(tensor):
    """'uint8 [0.00, 2.52]', or 'float' for a tensor left unquantized."""
    if not tensor:
        return "float"
    low, high = tensor["range"]
    return f"{tensor['type']} [{low:.2f}, {high:.2f}]"


def decibels(sqnr):
    """JSON null is an exact match."""
    return "inf" if sqnr is None else f"{sqnr:.1f}"


def main():
    model_path, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    labels = digits.target
    calibration = [{"image": image[None]} for image in images[:CALIBRATION]]
    test_images, test_labels = images[TRAIN:], labels[TRAIN:]
    image_path = os.path.join(workdir, "image.npy")
    np.save(image_path, test_images[:1])
    report_path = os.path.join(workdir, "int8-report.json")

    int8 = dict(quantize="int8")
    builds = [
        ("fp32", model_path, {}),
        ("int8", model_path, dict(int8, report=report_path)),
        ("int8 integer-only", model_path, dict(int8, integer_only=True)),
        ("QDQ ONNX, compiled", None, {}),
    ]
    print(f"{'model':<20}{'accuracy':>10}{'min ms':>10}{'median ms':>11}"
          f"{'library':>10}{'compile s':>11}")
    for name, source, options in builds:
        if source is None:
            # The exported QDQ model is an ordinary ONNX model: compiled
            # again, its QDQ pairs become int8 kernels.
            source = os.path.join(workdir, "digits_cnn.qdq.onnx")
            quill.compile(model_path, source, calibration=calibration,
                          emit="qdq-onnx", **int8)
        library = os.path.join(workdir, name.split()[0] +
                               ("-io" if "integer" in name else "") +
                               ("-qdq" if "QDQ" in name else "") + ".so")
        start = time.perf_counter()
        quill.compile(source, library, opt_level=3,
                      calibration=calibration if options else None, **options)
        seconds = time.perf_counter() - start
        fastest, median = bench(library, image_path)
        print(f"{name:<20}{accuracy(library, test_images, test_labels):>9.2f}%"
              f"{fastest:>10.4f}{median:>11.4f}"
              f"{os.path.getsize(library) / 1024:>8.0f} KB{seconds:>11.1f}")

    with open(report_path) as f:
        report = json.load(f)
    print(f"\nint8 report ({report['samples']} calibration images): per "
          f"layer, its input and output ranges and its output's SQNR")
    print(f"{'layer':<7}{'op':<6}{'input range':<22}{'output range':<22}"
          f"{'weights':<20}{'SQNR dB':>8}")
    for op in report["ops"]:
        print(f"{op['name']:<7}{op['type']:<6}{describe(op['activation']):<22}"
              f"{describe(op['output']):<22}"
              f"{op['weight']['type'] + ' ' + op['weight']['granularity']:<20}"
              f"{decibels(op['sqnr_db']):>8}")
    for name, output in report["outputs"].items():
        print(f"model output '{name}': SQNR {decibels(output['sqnr_db'])} dB")

if __name__ == "__main__":
    main()
