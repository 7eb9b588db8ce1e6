"""Channel reordering on a BERT-shaped encoder with outlier channels.

bench/models.py's encoder (4 layers, d=256, 4 heads, seq 128) with a few
channels of the residual stream 20-100x larger than the rest in the weights
that read it (those input rows of every Q, K, V and FFN-in projection; the
LayerNorm gammas and the input scaled down alike, so each channel adds as
much to the products as before). Outliers in the activations are not
asserted here: in this post-LN encoder they dominate every LayerNorm's
statistics and the output (see the issue notes). Each model is compiled to a block format with and
without --reorder-channels (auto, with --verify-float-equivalence: the
permuted float model must reproduce the original's outputs), run on a
sample calibration never saw, and compared with the float model channel
by channel (each output channel scaled to unit RMS). Asserts
that reordering gains at least 3 dB of output SQNR on the outlier model,
loses nothing on the model without outliers, and that the report names
what it kept.

    python3 reorder_encoder.py WORK_DIR
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

import quill
from quill.runtime import Model

REPOSITORY = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(REPOSITORY, "bench"))
import models  # noqa: E402  (bench/models.py)

MIN_GAIN_DB = 3.0
OUTLIERS = {7: 20.0, 61: 100.0, 130: 45.0, 200: 70.0}
SEQ, WIDTH = 128, 256


def sqnr_db(reference, value):
    """SQNR of the output with each channel divided by its RMS in the float
    output: the outlier channels would otherwise be all of the signal."""
    reference = reference.astype(np.float64)
    rms = np.sqrt(np.mean(reference ** 2, axis=tuple(range(reference.ndim - 1))))
    reference, value = reference / rms, value / rms
    noise = np.sum((reference - value) ** 2)
    return np.inf if noise == 0 else 10 * np.log10(np.sum(reference ** 2) / noise)


def scale_initializers(model, select, scale_rows):
    for initializer in model.graph.initializer:
        if select(initializer.name):
            array = numpy_helper.to_array(initializer).copy()
            scale_rows(array)
            initializer.CopyFrom(numpy_helper.from_array(array, initializer.name))


def scale_channels(power):
    """Multiplies the outlier channels (rows) of an array by their factor
    to the `power`."""
    def scale(array):
        for channel, factor in OUTLIERS.items():
            array[channel] *= factor ** power
    return scale


def with_outliers(model, activation_power):
    """A copy of `model` whose residual stream readers see the outlier
    channels scaled by factor ** activation_power (every LayerNorm's gamma,
    and the input) and whose weights read them scaled by the inverse, so
    that each channel adds as much to the products as before: the outliers
    are in the activations (power 1) or in the weights (power -1), never in
    both."""
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    # Every LayerNorm but the last, whose output is the model's: the stream
    # inside has the outliers, the output read by whatever follows has not.
    norms = [node for node in copy.graph.node if node.op_type == "LayerNormalization"]
    gammas = {node.input[1] for node in norms[:-1]}
    readers = {node.input[1] for node in copy.graph.node if node.op_type == "MatMul"
               and any(key in node.input[1] for key in ("q_w", "k_w", "v_w", "ffn_in_w"))}
    scale_initializers(copy, lambda name: name in gammas, scale_channels(activation_power))
    scale_initializers(copy, lambda name: name in readers, scale_channels(-activation_power))
    return copy


def write_models(work):
    rng = np.random.default_rng([models.SEED, 25])
    model, _ = models.build_bert(rng)
    variants = {"plain": (model, 0), "weight-outliers": (with_outliers(model, -1), -1)}
    paths = {}
    for name, (variant, _) in variants.items():
        paths[name] = os.path.join(work, name + ".onnx")
        onnx.save(variant, paths[name])
    return paths, {name: power for name, (_, power) in variants.items()}


def make_input(rng, power):
    x = rng.standard_normal((1, SEQ, WIDTH)).astype(np.float32)
    scale_channels(power)(np.moveaxis(x, -1, 0))
    return {"hidden_states": x}


def main():
    work = sys.argv[1]
    paths, powers = write_models(work)
    rng = np.random.default_rng(2025)
    cases = [("weight-outliers", "mxfp4", {}),
             ("weight-outliers", "nvfp4", {}),
             ("weight-outliers", "int4-weights", {"weight_block_size": 32}),
             ("plain", "mxfp4", {})]
    failed = passed = 0
    for name, fmt, extra in cases:
        calibration = [make_input(rng, powers[name]) for _ in range(4)]
        evaluation = make_input(rng, powers[name])
        prefix = os.path.join(work, f"{name}-{fmt}")
        reference = Model(quill.compile(paths[name], prefix + "-float.so")).run(evaluation)
        reference = next(iter(reference.values()))
        plain = quill.compile(paths[name], prefix + ".so", calibration, quantize=fmt, **extra)
        reordered = quill.compile(paths[name], prefix + "-reordered.so", calibration,
                                  quantize=fmt, reorder_channels="auto",
                                  verify_float_equivalence=True, report=prefix + ".json",
                                  **extra)
        before = sqnr_db(reference, next(iter(Model(plain).run(evaluation).values())))
        after = sqnr_db(reference, next(iter(Model(reordered).run(evaluation).values())))
        with open(prefix + ".json") as f:
            kept = sorted({layer["kept"] for layer in json.load(f)["channel_reordering"]})
        want = -0.1 if name == "plain" else MIN_GAIN_DB
        ok = after - before >= want
        print(f"{name} {fmt}: SQNR {before:.2f} dB -> {after:.2f} dB "
              f"({after - before:+.2f} dB, kept {', '.join(kept)})"
              f"{'' if ok else f' FAILED: want {want:+.1f} dB'}")
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
