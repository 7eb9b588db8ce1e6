// RUN: quill-opt %s -split-input-file --quill-verify-integer-only -verify-diagnostics | FileCheck %s

!x = !quant.uniform<u8:f32, 0.02:120>
!y = !quant.uniform<i8:f32, 0.05:-3>

// Floating point only in the quantize of an input and the dequantize of an
// output: the check passes and keeps the IR.
// CHECK-LABEL: func.func @integer_only
// CHECK: quill.requantize
func.func @integer_only(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quill.quantize %x : tensor<4xf32> to tensor<4x!x>
  %s = quill.storage_cast %q : tensor<4x!x> to tensor<4xi8>
  %r = quill.requantize %s {multiplier = array<i32: 1073741824>, shift = array<i8: 31>, input_zero_point = 120 : i32, input_unsigned, output_zero_point = -3 : i32} : tensor<4xi8> to tensor<4xi8>
  %y = quill.storage_cast %r : tensor<4xi8> to tensor<4x!y>
  %f = quill.dequantize %y : tensor<4x!y> to tensor<4xf32>
  return %f : tensor<4xf32>
}

// -----

!x = !quant.uniform<u8:f32, 0.02:120>
!y = !quant.uniform<i8:f32, 0.05:-3>

// A dequantize -> float op -> quantize chain inside: an error at each op
// that computes in float.
func.func @float_inside(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quill.quantize %x : tensor<4xf32> to tensor<4x!x>
  // expected-error @+1 {{('quill.dequantize') computes in floating point ('tensor<4xf32>'): integer-only code has floating point only in the quantization of inputs and the dequantization of outputs}}
  %d = quill.dequantize %q : tensor<4x!x> to tensor<4xf32>
  // expected-error @+1 {{('quill.sigmoid') computes in floating point}}
  %s = quill.sigmoid %d : tensor<4xf32>
  // expected-error @+1 {{('quill.quantize') computes in floating point}}
  %r = quill.quantize %s : tensor<4xf32> to tensor<4x!y>
  %f = quill.dequantize %r : tensor<4x!y> to tensor<4xf32>
  return %f : tensor<4xf32>
}

// -----

!x = !quant.uniform<u8:f32, 0.02:120>

// Float work before the first quantize and after the last dequantize is
// reported too, and so is a dequantized output read by anything but the
// return.
func.func @float_outside(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  // expected-error @+1 {{('quill.relu') computes in floating point}}
  %r = quill.relu %x : tensor<4xf32>
  // expected-error @+1 {{('quill.quantize') computes in floating point}}
  %q = quill.quantize %r : tensor<4xf32> to tensor<4x!x>
  // expected-error @+1 {{('quill.dequantize') computes in floating point}}
  %f = quill.dequantize %q : tensor<4x!x> to tensor<4xf32>
  // expected-error @+1 {{('quill.sigmoid') computes in floating point}}
  %s = quill.sigmoid %f : tensor<4xf32>
  return %f, %s : tensor<4xf32>, tensor<4xf32>
}

// -----

// A float model: every op is named.
func.func @float_model(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{('quill.relu') computes in floating point}}
  %r = quill.relu %x : tensor<4xf32>
  return %r : tensor<4xf32>
}
