"""Quill: an MLIR-based quantizing compiler for ONNX models.

`quill.reference` holds numpy implementations of the exact arithmetic of
Quill's quantization ops, used to check the compiler bit for bit.

`quill.compile` runs quill-compile on an ONNX model and `quill.Model` loads
and runs the shared library it writes (`quill.runtime`, over the C ABI of
include/quill/Runtime/quill_model.h). The tools are found through
QUILL_HOME (a build or install directory with bin/), the build/ of the
source tree the package was imported from, or PATH.
"""

from quill.compiler import CompileError, compile, find_tool
from quill.runtime import Model

__all__ = ["CompileError", "Model", "compile", "find_tool"]
