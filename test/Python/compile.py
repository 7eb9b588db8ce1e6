# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s %t
#
# quill.compile with a stand-in quill-compile (a script that records its
# arguments): keyword options become flags, the default output sits next to
# the model, a failure raises quill.CompileError with the compiler's stderr,
# and QUILL_HOME says where the tools are.

import os
import shutil
import stat
import sys

import quill
from quill import compiler

workdir = sys.argv[1]
log = os.path.join(workdir, "args.txt")
fake = os.path.join(workdir, "fake-quill-compile")
with open(fake, "w") as f:
    f.write(f"""#!/bin/sh
printf '%s\\n' "$@" > {log}
case "$1" in *bad*) echo "bad.onnx:1: error: not a model" >&2; exit 1;; esac
while [ "$1" != "-o" ]; do shift; done
touch "$2"
""")
os.chmod(fake, os.stat(fake).st_mode | stat.S_IXUSR)
os.environ["QUILL_COMPILE"] = fake
assert compiler.find_compiler() == fake

model = os.path.join(workdir, "net.onnx")
output = quill.compile(model, opt_level=3, input_shape={"x": [1, 3], "y": [2]},
                       mcpu="znver4", emit="lib", fast_math=True, debug=False,
                       cache_dir=None, pass_option=["a", "b"])
assert output == os.path.join(workdir, "net.so"), output
assert os.path.exists(output)
with open(log) as f:
    args = f.read().split("\n")[:-1]
assert args == [model, "-o", output, "-O3", "--input-shape=x=1x3", "--input-shape=y=2",
                "--mcpu=znver4", "--emit=lib", "--fast-math", "--pass-option=a",
                "--pass-option=b"], args

# freeze_inputs: numbers as text, paths as they are, arrays through .npy.
import numpy as np
quill.compile(model, freeze_inputs={"rate": 16000, "scales": [1.0, 2.5], "flag": True,
                                    "mask": "mask.pb", "sizes": np.array([[3, 4]])})
with open(log) as f:
    args = f.read().split("\n")[:-1]
assert args[3:7] == ["--freeze-input=rate=16000", "--freeze-input=scales=1.0,2.5",
                     "--freeze-input=flag=1", "--freeze-input=mask=mask.pb"], args
assert args[7].startswith("--freeze-input=sizes=") and args[7].endswith(".npy"), args

explicit = os.path.join(workdir, "out", "model.so")
os.makedirs(os.path.dirname(explicit))
assert quill.compile(model, explicit) == explicit

try:
    quill.compile(os.path.join(workdir, "bad.onnx"))
except quill.CompileError as e:
    assert "quill-compile failed (exit 1)" in str(e), e
    assert e.message == "bad.onnx:1: error: not a model\n", e.message
    assert e.returncode == 1
else:
    raise AssertionError("no CompileError")

# Without QUILL_COMPILE, QUILL_HOME/bin comes first.
del os.environ["QUILL_COMPILE"]
home = os.path.join(workdir, "home")
os.makedirs(os.path.join(home, "bin"))
shutil.copy(fake, os.path.join(home, "bin", "quill-compile"))
os.environ["QUILL_HOME"] = home
assert quill.find_tool("quill-compile") == os.path.join(home, "bin", "quill-compile")
