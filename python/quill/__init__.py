"""Quill: an MLIR-based quantizing compiler for ONNX models.

`quill.reference` holds numpy implementations of the exact arithmetic of
Quill's quantization ops, used to check the compiler bit for bit.
"""
