// RUN: quill-opt %s -canonicalize -split-input-file | FileCheck %s

// Constant weights are quantized at compile time. The numeric rules are
// checked against the numpy reference in fold-reference.py; these tests
// show the IR shape of each fold.

// CHECK-LABEL: func.func @quantize_constant_per_axis
// CHECK-NOT: quill.quantize
// CHECK: %[[STORED:.*]] = arith.constant dense<{{\[}}[3, 6, -3], [1, 127, -128]]> : tensor<2x3xi8>
// CHECK: %[[QUANTIZED:.*]] = quill.storage_cast %[[STORED]] : tensor<2x3xi8> to tensor<2x3x!quant.uniform<i8:f32:1, {5.000000e-01:1,2.500000e-01:-2,1.000000e+00}>>
// CHECK: return %[[QUANTIZED]]
func.func @quantize_constant_per_axis() -> tensor<2x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25:-2, 1.0}>> {
  %w = arith.constant dense<[[1.0, 2.0, -3.0], [0.25, 100.0, -1000.0]]> : tensor<2x3xf32>
  %q = quill.quantize %w : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25:-2, 1.0}>>
  return %q : tensor<2x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25:-2, 1.0}>>
}

// -----

// A non-constant input stays as it is.
// CHECK-LABEL: func.func @quantize_argument
// CHECK: quill.quantize %arg0
func.func @quantize_argument(%x: tensor<2xf32>) -> tensor<2x!quant.uniform<i8:f32, 0.5>> {
  %q = quill.quantize %x : tensor<2xf32> to tensor<2x!quant.uniform<i8:f32, 0.5>>
  return %q : tensor<2x!quant.uniform<i8:f32, 0.5>>
}

// -----

// fp8 storage: x / scale rounded to nearest even and saturated to 448.
// CHECK-LABEL: func.func @quantize_constant_float_storage
// CHECK: %[[STORED:.*]] = arith.constant dense<[2.000000e+00, 4.480000e+02, -4.480000e+02, 2.500000e+00]> : tensor<4xf8E4M3FN>
// CHECK: quill.storage_cast %[[STORED]] : tensor<4xf8E4M3FN> to tensor<4x!quill.float_quant<f8E4M3FN:f32, 5.000000e-01>>
func.func @quantize_constant_float_storage() -> tensor<4x!quill.float_quant<f8E4M3FN:f32, 0.5>> {
  %w = arith.constant dense<[1.0, 1000.0, 0xFF800000, 1.2]> : tensor<4xf32>
  %q = quill.quantize %w : tensor<4xf32> to tensor<4x!quill.float_quant<f8E4M3FN:f32, 0.5>>
  return %q : tensor<4x!quill.float_quant<f8E4M3FN:f32, 0.5>>
}

// -----

// M = 2^30 / 2^32 = 0.25; ties round toward +infinity, results saturate.
// CHECK-LABEL: func.func @requantize_constant
// CHECK: %[[VALUES:.*]] = arith.constant dense<[127, -128, 4, 4, 3]> : tensor<5xi8>
// CHECK-NEXT: return %[[VALUES]]
func.func @requantize_constant() -> tensor<5xi8> {
  %acc = arith.constant dense<[100000, -100000, 3, 5, -2]> : tensor<5xi32>
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824>, shift = array<i8: 32>, output_zero_point = 3 : i32} : tensor<5xi32> to tensor<5xi8>
  return %y : tensor<5xi8>
}

// -----

// Per-channel multipliers along axis 1 with a fused ReLU clamp (unsigned
// output whose zero point is 10).
// CHECK-LABEL: func.func @requantize_constant_per_channel
// CHECK: arith.constant dense<{{\[}}[60, 35], [10, 35]]> : tensor<2x2xi8>
func.func @requantize_constant_per_channel() -> tensor<2x2xi8> {
  %acc = arith.constant dense<[[100, 100], [-100, 100]]> : tensor<2x2xi32>
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824, 1073741824>, shift = array<i8: 31, 32>, axis = 1 : i32, output_zero_point = 10 : i32, output_unsigned, clamp_min = 10} : tensor<2x2xi32> to tensor<2x2xi8>
  return %y : tensor<2x2xi8>
}

// -----

// A storage cast and its inverse fold away; a lone one stays.
// CHECK-LABEL: func.func @storage_cast_pair
// CHECK-SAME: (%[[Q:.*]]: tensor<4x!quant.uniform<u8:f32, 1.250000e-01:128>>)
// CHECK: %[[S:.*]] = quill.storage_cast %[[Q]] : {{.*}} to tensor<4xui8>
// CHECK: return %[[Q]], %[[S]]
func.func @storage_cast_pair(%q: tensor<4x!quant.uniform<u8:f32, 0.125:128>>) -> (tensor<4x!quant.uniform<u8:f32, 0.125:128>>, tensor<4xui8>) {
  %s = quill.storage_cast %q : tensor<4x!quant.uniform<u8:f32, 0.125:128>> to tensor<4xui8>
  %back = quill.storage_cast %s : tensor<4xui8> to tensor<4x!quant.uniform<u8:f32, 0.125:128>>
  return %back, %s : tensor<4x!quant.uniform<u8:f32, 0.125:128>>, tensor<4xui8>
}
