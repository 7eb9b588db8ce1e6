#!/usr/bin/python3
"""Checks the range each calibrator picks against a numpy implementation.

    check_calibrators.py WORK_DIR

Writes histograms built by hand (a Gaussian, a Laplacian with far outliers,
a uniform, a bimodal, a sparse one, a single spike) as calibration
statistics, quantizes one Gemm per histogram with quill-opt's quill-quantize
and symmetric int8 activations, reads each activation's scale back, and
compares scale * 127 with the clipping magnitude numpy computes for the same
histogram with the same method (max, percentile 99.9, TensorRT's entropy
method taking the last minimum, and the squared error of the bin centers
taking the first). Prints one line per mismatch and `N passed, N failed`.
"""

import json
import os
import re
import subprocess
import sys

import numpy as np

BINS = 2048
LEVELS = 128  # 2^(bits - 1) for 8 bits


def histograms():
    rng = np.random.default_rng(5)
    edges = np.linspace(0, 8.0, BINS + 1)
    out = {}
    out["gaussian"] = np.histogram(np.abs(rng.normal(0, 1, 200000)), edges)[0]
    laplace = np.abs(rng.laplace(0, 0.3, 100000))
    out["laplace_outliers"] = np.histogram(
        np.concatenate([laplace, [6.0, 7.5, 7.9]]), edges)[0]
    out["uniform"] = np.histogram(rng.uniform(0, 5, 50000), edges)[0]
    bimodal = np.abs(np.concatenate([rng.normal(1, 0.1, 30000), rng.normal(4, 0.5, 3000)]))
    out["bimodal"] = np.histogram(bimodal, edges)[0]
    sparse = np.zeros(BINS, np.int64)
    sparse[[3, 40, 41, 700, 1500]] = [10, 200, 30, 2, 1]
    out["sparse"] = sparse
    spike = np.zeros(BINS, np.int64)
    spike[999] = 1000
    out["spike"] = spike
    return {name: (h.astype(np.int64), 8.0) for name, h in out.items()}


def abs_max_of(hist, histogram_max):
    nonzero = np.nonzero(hist)[0]
    return (nonzero[-1] + 1) * histogram_max / BINS


def percentile_edge(hist, percentile):
    cumulative = np.cumsum(hist)
    return int(np.argmax(cumulative >= percentile / 100.0 * hist.sum())) + 1


def entropy_divergences(hist):
    divergences = {}
    for edge in range(LEVELS, BINS + 1):
        p = hist[:edge].astype(np.float64)
        p[-1] += hist[edge:].sum()
        q = np.zeros(edge)
        merged = edge // LEVELS
        for group in range(LEVELS):
            begin = group * merged
            end = edge if group == LEVELS - 1 else begin + merged
            nonzero = hist[begin:end] != 0
            if nonzero.any():
                q[begin:end][nonzero] = hist[begin:end].sum() / nonzero.sum()
        pn = p / p.sum()
        qn = np.where(q > 0, q / q.sum(), 1e-12)
        mask = p > 0
        divergences[edge] = float(np.sum(pn[mask] * np.log(pn[mask] / qn[mask])))
    return divergences


def mse_errors(hist, width):
    bins = np.nonzero(hist)[0]
    centers = (bins + 0.5) * width
    errors = {}
    for edge in range(1, BINS + 1):
        scale = edge * width / (LEVELS - 1)
        quantized = np.minimum(np.rint(centers / scale), LEVELS - 1)
        errors[edge] = float(np.sum(hist[bins] * (quantized * scale - centers) ** 2))
    return errors


def acceptable_edges(calibrator, hist, width):
    """Edges the method picks: ties within float noise may go either way."""
    if calibrator == "percentile":
        return {percentile_edge(hist, 99.9)}
    costs = entropy_divergences(hist) if calibrator == "entropy" else mse_errors(hist, width)
    best = min(costs.values())
    return {e for e, c in costs.items() if c <= best + 1e-12 * max(1.0, abs(best))}


def write_inputs(work, hists):
    tensors, args, body = {}, [], []
    for k, (name, (hist, histogram_max)) in enumerate(hists.items()):
        absmax = abs_max_of(hist, histogram_max)
        tensors[name] = {"min": -absmax, "max": absmax, "count": int(hist.sum()),
                         "histogram_max": histogram_max, "histogram": hist.tolist()}
        tensors["out_%d" % k] = {"min": -1.0, "max": 1.0, "count": 1,
                                 "histogram_max": 1.0, "histogram": [1] + [0] * (BINS - 1)}
        args.append('%%a%d: tensor<1x4xf32> {quill.name = "%s"}' % (k, name))
        body.append('  %%y%d = quill.gemm %%a%d, %%w : (tensor<1x4xf32>, tensor<4x2xf32>) '
                    '-> tensor<1x2xf32> loc("out_%d")' % (k, k, k))
    results = ", ".join("%%y%d" % k for k in range(len(hists)))
    types = ", ".join(["tensor<1x2xf32>"] * len(hists))
    with open(os.path.join(work, "stats.json"), "w") as f:
        json.dump({"version": 1, "tensors": tensors}, f)
    with open(os.path.join(work, "gemms.mlir"), "w") as f:
        f.write("func.func @gemms(%s) -> (%s) {\n" % (", ".join(args), types))
        f.write("  %w = arith.constant dense<0.5> : tensor<4x2xf32>\n")
        f.write("\n".join(body) + "\n")
        f.write("  return %s : %s\n}\n" % (results, types))


def chosen_scales(work, calibrator):
    pipeline = ("builtin.module(func.func(quill-quantize{stats-file=%s calibrator=%s "
                "percentile=99.9 symmetric-activations}))" % (os.path.join(work, "stats.json"),
                                                             calibrator))
    text = subprocess.run(["quill-opt", os.path.join(work, "gemms.mlir"),
                           "--pass-pipeline=" + pipeline],
                          check=True, capture_output=True, text=True).stdout
    pattern = r"quill.quantize %arg(\d+) : tensor<1x4xf32> to tensor<1x4x!quant.uniform<i8:f32, ([0-9.eE+-]+)>>"
    return {int(k): float(scale) for k, scale in re.findall(pattern, text)}


def main():
    work = sys.argv[1]
    hists = histograms()
    write_inputs(work, hists)
    passed = failed = 0
    for calibrator in ["max", "percentile", "entropy", "mse"]:
        scales = chosen_scales(work, calibrator)
        for k, (name, (hist, histogram_max)) in enumerate(hists.items()):
            width = histogram_max / BINS
            absmax = abs_max_of(hist, histogram_max)
            if calibrator == "max":
                expected = {absmax}
            else:
                expected = {min(e * width, absmax) for e in acceptable_edges(calibrator, hist, width)}
            got = scales.get(k, float("nan")) * 127
            if any(np.isclose(got, e, rtol=1e-6) for e in expected):
                passed += 1
            else:
                failed += 1
                print("%s on %s: Quill's range %.7g, numpy's %s" %
                      (calibrator, name, got, sorted(expected)))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
