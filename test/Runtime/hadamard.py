# RUN: %python %s %t
#
# quill.hadamard against the numpy reference (python/quill/hadamard.py, a
# float64 route of its own): every size K * 2^p up to 16384 for each order K
# of the table and for K = 1, whole-axis and block-diagonal rotations, with
# and without random signs, rank 1 to 3. The CPU library calls the runtime's
# fast Walsh-Hadamard kernel on each code path this CPU runs (scalar, and
# AVX2 and AVX-512 where the CPU has them; skipped with the reason
# otherwise); the GPU emulator runs the generic O(n b) form the GPU path
# compiles. Both must agree with the reference to f32 rounding (relative to
# the row's norm).

import os
import shutil
import sys

import numpy as np

import quill
from quill import hadamard as ref

WORK = sys.argv[1]
os.makedirs(WORK, exist_ok=True)
rng = np.random.default_rng(26)
CPU_FLAGS = open("/proc/cpuinfo").read().split()

paths = ["scalar"]
for isa, flags in (("avx2", ("avx2", "fma")), ("avx512", ("avx512f",))):
    if all(flag in CPU_FLAGS for flag in flags):
        paths.append(isa)
    else:
        print("skipped %s: this CPU lacks %s" % (isa, ", ".join(flags)))


def cases():
    """(shape, block size, seed): every K * 2^p <= 16384 whole, then
    blocks."""
    sizes = []
    for k in [1] + sorted(ref.sloane_matrices()):
        size = k
        while size <= 16384:
            sizes.append(size)
            size *= 2
    result = []
    for i, size in enumerate(sorted(set(sizes))):
        rows = 3 if size <= 4096 else 1
        result.append(((rows, size), size, None if i % 3 == 0 else 1000 + i))
    # Block-diagonal: sizes with no K, and block formats' group sizes.
    result += [((2, 336), 16, 5), ((4, 768), 32, 6), ((2, 2, 11008), 256, 7),
               ((5, 96), 96, None), ((40,), 20, 8), ((3, 4, 64), 16, 9)]
    return result


def program(group):
    args, body, results = [], [], []
    for n, (shape, block, seed) in enumerate(group):
        t = "tensor<%sxf32>" % "x".join(map(str, shape))
        attrs = "block_size = %d : i64" % block
        if seed is not None:
            attrs += ", seed = %d : i64" % seed
        args.append("%%x%d: %s" % (n, t))
        body.append("  %%y%d = quill.hadamard %%x%d {%s} : %s" % (n, n, attrs, t))
        results.append(("%%y%d" % n, t))
    return "\n".join(
        ["func.func @main(%s) -> (%s) {" % (", ".join(args),
                                             ", ".join(t for _, t in results))]
        + body + ["  return %s : %s" % (", ".join(v for v, _ in results),
                                        ", ".join(t for _, t in results)), "}"]) + "\n"


def run(library, isa, inputs):
    copy = os.path.join(WORK, "%s-%s.so" % (os.path.basename(library), isa))
    shutil.copy(library, copy)
    os.environ["QUILL_HADAMARD_ISA"] = isa
    return list(quill.Model(copy).run(inputs).values())


failures, checked = [], 0
all_cases = cases()
for g in range(0, len(all_cases), 16):
    group = all_cases[g:g + 16]
    path = os.path.join(WORK, "group%d.mlir" % g)
    with open(path, "w") as out:
        out.write(program(group))
    inputs = {"input_%d" % n: rng.standard_normal(shape).astype(np.float32)
              for n, (shape, _, _) in enumerate(group)}
    library = quill.compile(path, output=os.path.join(WORK, "group%d.so" % g))
    results = {isa: run(library, isa, inputs) for isa in paths}
    small = [n for n, (shape, _, _) in enumerate(group) if shape[-1] <= 2048]
    if small:  # the generic form is O(n b): emulate the smaller sizes only
        emulated_path = os.path.join(WORK, "group%d-gpu.mlir" % g)
        with open(emulated_path, "w") as out:
            out.write(program([group[n] for n in small]))
        emulated = quill.compile(emulated_path, target="gpu-emulator",
                                 output=os.path.join(WORK, "group%d-gpu.so" % g))
        outputs = run(emulated, "auto",
                      {"input_%d" % i: inputs["input_%d" % n]
                       for i, n in enumerate(small)})
        results["gpu-emulator"] = [None] * len(group)
        for i, n in enumerate(small):
            results["gpu-emulator"][n] = outputs[i]
    for n, (shape, block, seed) in enumerate(group):
        want = ref.hadamard(inputs["input_%d" % n], block, seed)
        bound = 2e-6 * np.sqrt(np.log2(block) + 1) * np.linalg.norm(
            inputs["input_%d" % n], axis=-1, keepdims=True) + 1e-30
        for isa, outputs in results.items():
            got = outputs[n]
            if got is None:
                continue
            checked += 1
            error = np.abs(got - want)
            if got.shape != want.shape or np.any(error > bound):
                failures.append("%s block %d seed %s on %s: max error %.3g"
                                % (shape, block, seed, isa, error.max()))

for failure in failures:
    print("FAIL", failure)
print("%d passed, %d failed" % (checked - len(failures), len(failures)))
sys.exit(1 if failures else 0)
