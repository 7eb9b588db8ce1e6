"""Channel reordering on a transformer encoder with outlier channels.

bench/models.py's encoder with pre-norm layers (4 layers, d=256, 4 heads,
seq 128; LLaMA/GPT-style: each sub-block reads a LayerNorm of the residual
stream) given a few channels 20-100x larger than the rest where products
read the stream, as measured in real LLMs: in the activations (every
LayerNorm's gamma but the last scaled up, the rows of the Q, K, V and FFN-in
weights that read those channels scaled down alike, so that each channel
adds as much to the products as before), or mirrored in the weights. Each
model is compiled to a block format with and without --reorder-channels
(auto, with --verify-float-equivalence: the permuted float model must
reproduce the original's outputs), run on a sample calibration never saw,
and compared with the float model. Asserts that reordering gains at least
3 dB of output SQNR on the outlier models (1 dB for int4 activation blocks
with the outliers in the weights, see below), loses nothing on the model
without outliers, and that the report says what it kept.

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
OUTLIERS = {7: 20.0, 61: 100.0, 99: 35.0, 130: 45.0, 200: 70.0, 241: 60.0}
SEQ, WIDTH = 128, 256


def sqnr_db(reference, value):
    reference = reference.astype(np.float64)
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
    """A copy of `model` whose products read the outlier channels scaled by
    factor ** activation_power (every LayerNorm's gamma but the last, whose
    output is the model's) and whose Q, K, V and FFN-in weight rows for them
    are scaled by the inverse."""
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    norms = [node for node in copy.graph.node if node.op_type == "LayerNormalization"]
    gammas = {node.input[1] for node in norms[:-1]}
    readers = {node.input[1] for node in copy.graph.node if node.op_type == "MatMul"
               and any(key in node.input[1] for key in ("q_w", "k_w", "v_w", "ffn_in_w"))}
    scale_initializers(copy, lambda name: name in gammas, scale_channels(activation_power))
    scale_initializers(copy, lambda name: name in readers, scale_channels(-activation_power))
    return copy


def write_models(work, seq=SEQ):
    rng = np.random.default_rng([models.SEED, 25])
    model, _ = models.build_bert(rng, pre_norm=True, seq=seq)
    variants = {"plain": model, "activation-outliers": with_outliers(model, 1),
                "weight-outliers": with_outliers(model, -1)}
    paths = {}
    for name, variant in variants.items():
        paths[name] = os.path.join(work, name + ".onnx")
        onnx.save(variant, paths[name])
    return paths


def make_input(rng, seq=SEQ):
    return {"hidden_states": rng.standard_normal((1, seq, WIDTH)).astype(np.float32)}


def check_gpu_emulator(work):
    """The reordered graph on the GPU path (run through its emulator, on a
    sequence of 8 to keep the serial loops short) gives the CPU's outputs."""
    directory = os.path.join(work, "gpu")
    os.makedirs(directory, exist_ok=True)
    path = write_models(directory, seq=8)["weight-outliers"]
    rng = np.random.default_rng(8)
    calibration = [make_input(rng, 8) for _ in range(2)]
    evaluation = make_input(rng, 8)
    outputs = {}
    for target in ("cpu", "gpu-emulator"):
        library = quill.compile(path, os.path.join(directory, target + ".so"), calibration,
                                quantize="mxfp4-weights", reorder_channels="group",
                                target=target)
        outputs[target] = next(iter(Model(library).run(evaluation).values()))
    difference = np.abs(outputs["cpu"] - outputs["gpu-emulator"]).max()
    ok = difference <= 1e-4 * np.abs(outputs["cpu"]).max()
    print(f"gpu-emulator: reordered mxfp4-weights outputs within {difference:.2e} of the CPU's"
          f"{'' if ok else ' FAILED'}")
    return ok


def main():
    work = sys.argv[1]
    paths = write_models(work)
    rng = np.random.default_rng(2025)
    cases = [("activation-outliers", "mxfp4", {}),
             ("activation-outliers", "nvfp4", {}),
             ("weight-outliers", "mxfp4", {}),
             ("weight-outliers", "nvfp4", {}),
             ("weight-outliers", "int4-weights", {"weight_block_size": 32}),
             ("activation-outliers", "int4",
              {"weight_block_size": 32, "activation_block_size": 32}),
             # Small activations carry the weight outliers' channels here, and
             # int4 blocks round them to zero in whatever block of 32 they
             # share with normal channels: reordering fixes the weights' half.
             ("weight-outliers", "int4", {"weight_block_size": 32, "activation_block_size": 32},
              1.0),
             ("plain", "mxfp4", {})]
    failed = passed = 0
    for name, fmt, extra, *minimum in cases:
        calibration = [make_input(rng) for _ in range(4)]
        evaluation = make_input(rng)
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
        want = -0.1 if name == "plain" else (minimum or [MIN_GAIN_DB])[0]
        ok = after - before >= want
        print(f"{name} {fmt}: SQNR {before:.2f} dB -> {after:.2f} dB "
              f"({after - before:+.2f} dB, kept {', '.join(kept)})"
              f"{'' if ok else f' FAILED: want {want:+.1f} dB'}")
        passed += ok
        failed += not ok
    ok = check_gpu_emulator(work)
    passed += ok
    failed += not ok
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
