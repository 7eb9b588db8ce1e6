# Lit configuration for Quill's regression tests.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Quill"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py", ".test"]
config.excludes = ["CMakeLists.txt", "Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.quill_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))

llvm_config.use_default_substitutions()

# Debian's interpreter has numpy and onnx; the python3 first on PATH may not.
config.substitutions.append(("%python", "/usr/bin/python3"))
config.environment["PYTHONPATH"] = os.path.join(config.quill_src_root, "python")

# FileCheck, not and count live in the LLVM tools directory, not on PATH.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.quill_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["quill-compile", "quill-opt"], tool_dirs)
