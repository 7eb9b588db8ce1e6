"""Checks that quill-reorder-channels keeps each function's outputs.

    python3 reorder_equivalence.py FILE.mlir WORK_DIR

Each function of FILE (split at '// -----') is permuted by the pass with
objective=spread (every group with distinct weight norms moves), both
versions are compiled for the CPU and run on the same random inputs, and
their outputs must agree to 1e-5 of each output's largest magnitude. A
function whose groups the analysis refuses must come out unchanged.
Prints one line per function and 'N passed, M failed'.
"""

import os
import re
import subprocess
import sys

import numpy as np

from quill.runtime import Model

PASS = ("builtin.module(func.func(quill-reorder-channels{format=int4-weights block-size=2 "
        "objective=spread statistic=weight-norm}))")


def main():
    source, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    chunks = open(source).read().split("// -----")
    rng = np.random.default_rng(7)
    passed = failed = 0
    for index, chunk in enumerate(chunks):
        name = re.search(r"func\.func @(\w+)", chunk).group(1)
        original = os.path.join(work, f"{index}.mlir")
        with open(original, "w") as f:
            f.write(chunk)
        reordered = subprocess.run(["quill-opt", original, "--pass-pipeline=" + PASS],
                                   check=True, capture_output=True, text=True).stdout
        permuted = os.path.join(work, f"{index}-reordered.mlir")
        with open(permuted, "w") as f:
            f.write(reordered)
        outputs = []
        for path in (original, permuted):
            library = path[:-len(".mlir")] + ".so"
            subprocess.run(["quill-compile", path, "-o", library], check=True)
            model = Model(library)
            if not outputs:
                inputs = [rng.integers(0, 10, shape).astype(dtype) if dtype.kind == "i"
                          else rng.standard_normal(shape).astype(dtype)
                          for _, dtype, shape in model.inputs]
            outputs.append(list(model.run(inputs).values()))
        worst = max(np.abs(a - b).max() / max(np.abs(a).max(), 1e-30)
                    for a, b in zip(*outputs))
        refused = "left unpermuted" in chunk
        # The pass adds permuted constants and gathers; it never removes any.
        changed = any(reordered.count(op) > chunk.count(op)
                      for op in ("quill.gather", "arith.constant"))
        ok = worst <= 1e-5 and changed != refused
        print(f"{name}: {'refused, unchanged' if refused else 'permuted'}, largest relative "
              f"difference {worst:.1e}{'' if ok else ' FAILED'}")
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
