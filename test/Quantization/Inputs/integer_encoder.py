"""Integer-only on a BERT-shaped encoder (bench/models.py: 4 layers, d=256,
4 heads, seq 128, LayerNorm, GELU, softmax).

Compiles it three ways from one calibration: float; int8 with every
activation quantized and the ops between computed in float on dequantized
values (float-simulated int8, --quantize-all-activations); and
--integer-only. Prints the output SQNR of both int8 forms against float and
fails when integer-only loses more than 1 dB. Then checks the integer-only
LLVM IR against a model that only quantizes the encoder's input and
dequantizes its output, with the same types: every kind of floating-point
instruction in the encoder must occur in that boundary model, and no more
often (the two vectorize differently, so the counts are not equal; a float
op left between, an exp, a sqrt, a float add per element, would add kinds or
instructions).

    python3 integer_encoder.py WORK_DIR
"""

import collections
import os
import re
import subprocess
import sys

import numpy as np
import onnx

import quill
from quill.runtime import Model

REPOSITORY = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(REPOSITORY, "bench"))
import models  # noqa: E402  (bench/models.py)

MAX_LOSS_DB = 1.0
FLOAT_OPS = re.compile(r"= (fadd|fsub|fmul|fdiv|frem|fneg|fcmp \w+|fptosi|fptoui|"
                       r"sitofp|uitofp|fpext|fptrunc)\b|@llvm\.\w+\.f(16|32|64)")


def sqnr_db(reference, value):
    reference = reference.astype(np.float64)
    noise = np.sum((reference - value) ** 2)
    return np.inf if noise == 0 else 10 * np.log10(np.sum(reference ** 2) / noise)


def write_encoder(work, calibration_samples):
    """bench/models.py's BERT-shaped encoder saved as WORK/bert.onnx, with
    `calibration_samples` random inputs and one more to evaluate on (from the
    model's own seed); returns (path, calibration, evaluation)."""
    rng = np.random.default_rng([models.SEED, models.MODEL_NAMES.index("bert")])
    model, inputs = models.build_bert(rng)
    path = os.path.join(work, "bert.onnx")
    onnx.save(model, path)
    shape = inputs["hidden_states"].shape
    calibration = [{"hidden_states": rng.standard_normal(shape).astype(np.float32)}
                   for _ in range(calibration_samples)]
    evaluation = {"hidden_states": rng.standard_normal(shape).astype(np.float32)}
    return path, calibration, evaluation


def float_instructions(llvm_ir):
    return collections.Counter(m.group(0).split("(")[0] for m in FLOAT_OPS.finditer(llvm_ir))


def compile_llvm(source, *flags):
    result = subprocess.run(["quill-compile", source, "--emit=llvm", "-o", "-", *flags],
                            check=True, capture_output=True, text=True)
    return result.stdout


def main():
    work = sys.argv[1]
    path, calibration, evaluation = write_encoder(work, 4)
    stats = os.path.join(work, "stats.json")

    reference = Model(quill.compile(path, os.path.join(work, "float.so"))).run(evaluation)
    reference = next(iter(reference.values()))
    simulated = quill.compile(path, os.path.join(work, "simulated.so"), calibration,
                              quantize="int8", quantize_all_activations=True,
                              calibration_stats=stats)
    integer = quill.compile(path, os.path.join(work, "integer.so"), quantize="int8",
                            integer_only=True, calibration_stats=stats)
    simulated_db = sqnr_db(reference, next(iter(Model(simulated).run(evaluation).values())))
    integer_db = sqnr_db(reference, next(iter(Model(integer).run(evaluation).values())))
    ok = integer_db >= simulated_db - MAX_LOSS_DB
    print("float-simulated int8: SQNR %.2f dB" % simulated_db)
    print("integer-only: SQNR %.2f dB (%+.2f dB)%s" % (
        integer_db, integer_db - simulated_db, "" if ok else " FAILED"))
    failed = int(not ok)

    # The boundary alone: the integer-only graph's first quantize and last
    # dequantize, with nothing but storage casts between.
    graph = subprocess.run(["quill-compile", path, "--quantize=int8", "--integer-only",
                            "--calibration-stats=" + stats, "--emit=graph", "-o", "-"],
                           check=True, capture_output=True, text=True).stdout
    first = re.search(r"quill.quantize %arg0 : (tensor<\S+>) to (tensor<.*?>>)", graph)
    last = re.findall(r"quill.dequantize %\S+ : (tensor<.*?>>) to (tensor<\S+>)", graph)[-1]
    boundary = os.path.join(work, "boundary.mlir")
    with open(boundary, "w") as f:
        f.write('func.func @boundary(%%x: %s {quill.name = "hidden_states"}) -> %s {\n'
                '  %%q = quill.quantize %%x : %s to %s\n'
                '  %%s = quill.storage_cast %%q : %s to tensor<1x128x256xi8>\n'
                '  %%o = quill.storage_cast %%s : tensor<1x128x256xi8> to %s\n'
                '  %%y = quill.dequantize %%o : %s to %s\n'
                '  return %%y : %s\n}\n' % (
                    first.group(1), last[1], first.group(1), first.group(2),
                    first.group(2), last[0], last[0], last[1], last[1]))
    encoder_ops = float_instructions(compile_llvm(path, "--quantize=int8", "--integer-only",
                                                  "--calibration-stats=" + stats))
    boundary_ops = float_instructions(compile_llvm(boundary))
    same = all(boundary_ops[kind] >= count for kind, count in encoder_ops.items())
    print("float instructions in the integer-only LLVM IR: %d, each of a kind and "
          "count the input quantize and output dequantize alone have (%d): %s" % (
              sum(encoder_ops.values()), sum(boundary_ops.values()),
              "yes" if same else "no (encoder %s, boundary %s)" % (
                  dict(encoder_ops), dict(boundary_ops))))
    failed += not same
    print("%d passed, %d failed" % (2 - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
