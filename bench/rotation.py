#!/usr/bin/python3
"""The run-time cost of Hadamard rotation on the encoder, single-threaded on one core.

    /usr/bin/python3 bench/rotation.py [--runs N] [--work-dir DIR]

bench/run.py's BERT-shaped encoder (4 layers, d=256, FFN 1024, seq 128) and its pre-norm variant, each
compiled with int8 (calibrated on the benchmark input) without and with --rotate=full (V -> O rotated
offline, every other MatMul input online: 3 quill.hadamard per layer, of 256 or 1024 channels) and with
--rotate=auto. Prints the best of 5 medians of quill-run --bench (the variants timed in turn), the online
rotations' share of the rotated model's time (1 - plain / rotated) and each output's SQNR against Quill
fp32. The kernel alone against a memory copy:
bench/hadamard_bench.c.
"""

import argparse
import os
import sys

import numpy as np
import onnx

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
import models  # noqa: E402  (bench/models.py)
import run  # noqa: E402  (bench/run.py: tool runners)

ROUNDS = 5
VARIANTS = [("int8", []), ("int8 --rotate=full", ["--rotate=full"]),
            ("int8 --rotate=auto", ["--rotate=auto"])]


def write_model(work, name, pre_norm):
    directory = run.fresh_dir(os.path.join(work, name))
    rng = np.random.default_rng([models.SEED, 26])
    model, inputs = models.build_bert(rng, pre_norm=pre_norm)
    path = os.path.join(directory, name + ".onnx")
    onnx.save(model, path)
    inputs_dir = run.fresh_dir(os.path.join(directory, "inputs"))
    for input_name, value in inputs.items():
        np.save(os.path.join(inputs_dir, input_name + ".npy"), value)
    calibration = os.path.join(directory, "calibration", "0")
    os.makedirs(calibration)
    for input_name, value in inputs.items():
        np.save(os.path.join(calibration, input_name + ".npy"), value)
    return path, inputs_dir, os.path.dirname(calibration), list(inputs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--work-dir", default="/tmp/quill-bench-rotation")
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--build-dir", default=os.path.join(os.path.dirname(BENCH_DIR), "build"),
                        help="Quill build dir (tools in bin/)")
    args = parser.parse_args()
    tools = os.path.join(args.build_dir, "bin")
    print(f"CPU: {run.cpu_name()}, one core")
    print(f"{'model':<10} {'variant':<20} {'median ms':>10} {'rotation share':>15} {'SQNR dB':>8}")
    for name, pre_norm in (("bert", False), ("bert-pre", True)):
        path, inputs_dir, calibration, input_names = write_model(args.work_dir, name, pre_norm)
        output_names = run.graph_io_names(path)[1]
        directory = os.path.dirname(path)
        float_library = os.path.join(directory, "float.so")
        run.compile_quill(tools, path, float_library, args.timeout)
        float_out = run.fresh_dir(os.path.join(directory, "float_out"))
        run.bench_quill(tools, float_library, inputs_dir, input_names, 3, float_out, args.timeout)
        libraries = []
        for label, flags in VARIANTS:
            library = os.path.join(directory, label.replace(" ", "_").replace("=", "-") + ".so")
            run.compile_quill(tools, path, library, args.timeout,
                              ["--quantize=int8", f"--calibration-data={calibration}", *flags])
            libraries.append((label, flags, library, run.fresh_dir(library[:-3] + "_out")))
        # Rounds over the variants in turn, the best median of each kept: the
        # machine's drift affects all of them alike.
        medians = {label: float("inf") for label, *_ in libraries}
        for _ in range(ROUNDS):
            for label, _, library, out in libraries:
                result = run.bench_quill(tools, library, inputs_dir, input_names, args.runs, out,
                                         args.timeout)
                medians[label] = min(medians[label], result["median_ms"])
        plain = medians[libraries[0][0]]
        for label, flags, library, out in libraries:
            share = f"{100 * (1 - plain / medians[label]):.1f}%" if flags else "-"
            sqnr = run.sqnr_db(output_names, float_out, out)
            print(f"{name:<10} {label:<20} {medians[label]:>10.3f} {share:>15} {sqnr:>8.1f}")

if __name__ == "__main__":
    main()
