"""Checks that a graph transformation keeps each function's outputs.

    python3 float_equivalence.py PIPELINE REFUSAL FILE.mlir WORK_DIR

Each function of FILE (split at '// -----') is transformed by quill-opt
--pass-pipeline=PIPELINE, both versions are compiled for the CPU and run on
the same random inputs, and their outputs must agree to 1e-5 of each
output's largest magnitude. A function that expects a remark containing
REFUSAL (the pass's words for what it leaves alone) must come out unchanged; every other
one must change. Prints one line per
function and 'N passed, M failed'.
"""

import os
import re
import subprocess
import sys

import numpy as np

from quill.runtime import Model

def main():
    pipeline, refusal, source, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    chunks = open(source).read().split("// -----")
    rng = np.random.default_rng(7)
    passed = failed = 0
    for index, chunk in enumerate(chunks):
        name = re.search(r"func\.func @(\w+)", chunk).group(1)
        original = os.path.join(work, f"{index}.mlir")
        with open(original, "w") as f:
            f.write(chunk)
        transformed = subprocess.run(["quill-opt", original, "--pass-pipeline=" + pipeline],
                                   check=True, capture_output=True, text=True).stdout
        after = os.path.join(work, f"{index}-transformed.mlir")
        with open(after, "w") as f:
            f.write(transformed)
        outputs = []
        for path in (original, after):
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
        refused = re.search(r"expected-remark.*" + re.escape(refusal), chunk) is not None
        # Changed: the pass's output differs from the function printed as
        # it was.
        printed = subprocess.run(["quill-opt", original], check=True, capture_output=True,
                                 text=True).stdout
        changed = transformed != printed
        ok = worst <= 1e-5 and changed != refused
        print(f"{name}: {'refused, unchanged' if refused else 'transformed'}, largest relative "
              f"difference {worst:.1e}{'' if ok else ' FAILED'}")
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
