// RUN: quill-opt %s | FileCheck %s
// RUN: quill-opt %s | quill-opt | FileCheck %s
// RUN: quill-opt %s -mlir-print-op-generic | quill-opt | FileCheck %s

// Every quill op, type and attribute prints in a form that parses back to
// the same IR.

// CHECK-LABEL: func.func @quantize_per_tensor
// CHECK: quill.quantize %{{.*}} : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 5.000000e-02:-3>>
// CHECK: quill.dequantize %{{.*}} : tensor<2x3x!quant.uniform<i8:f32, 5.000000e-02:-3>> to tensor<2x3xf32>
func.func @quantize_per_tensor(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %q = quill.quantize %x : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.05:-3>>
  %y = quill.dequantize %q : tensor<2x3x!quant.uniform<i8:f32, 0.05:-3>> to tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @quantize_storage_types
// CHECK: tensor<4x!quant.uniform<u8:f32, 1.000000e-01:128>>
// CHECK: tensor<4x!quant.uniform<i4:f32, 2.500000e-01>>
// CHECK: tensor<4x!quant.uniform<u4:f32, 2.500000e-01:8>>
// CHECK: tensor<4x!quant.uniform<i8<-127:127>:f32, 2.500000e-01>>
// CHECK: tensor<4x!quant.uniform<i8:f16, 2.500000e-01>>
func.func @quantize_storage_types(%x: tensor<4xf32>, %h: tensor<4xf16>) {
  %u8 = quill.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<u8:f32, 0.1:128>>
  %i4 = quill.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<i4:f32, 0.25>>
  %u4 = quill.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<u4:f32, 0.25:8>>
  %narrow = quill.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<i8<-127:127>:f32, 0.25>>
  %half = quill.quantize %h : tensor<4xf16> to tensor<4x!quant.uniform<i8:f16, 0.25>>
  return
}

// CHECK-LABEL: func.func @quantize_per_axis
// CHECK: quill.quantize %{{.*}} : tensor<3x2xf32> to tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>
// CHECK: quill.dequantize %{{.*}} : tensor<3x2x!quant.uniform<u8:f32:1, {1.000000e-01:1,2.000000e-01:255}>> to tensor<3x2xf32>
func.func @quantize_per_axis(%x: tensor<3x2xf32>, %q: tensor<3x2x!quant.uniform<u8:f32:1, {0.1:1, 0.2:255}>>) -> tensor<3x2xf32> {
  %0 = quill.quantize %x : tensor<3x2xf32> to tensor<3x2x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3}>>
  %1 = quill.dequantize %q : tensor<3x2x!quant.uniform<u8:f32:1, {0.1:1, 0.2:255}>> to tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// Per-block (sub-channel) int4 weights: per row, and axis 1 in blocks of 4.
// CHECK-LABEL: func.func @quantize_per_block
// CHECK: quill.quantize %{{.*}} : tensor<2x8xf32> to tensor<2x8x!quant.uniform<i4:f32:{0:1, 1:4}, {{\{}}{1.000000e-01, 2.000000e-01}, {3.000000e-01, 4.000000e-01}}>>
func.func @quantize_per_block(%x: tensor<2x8xf32>) {
  %q = quill.quantize %x : tensor<2x8xf32> to tensor<2x8x!quant.uniform<i4:f32:{0:1, 1:4}, {{0.1, 0.2}, {0.3, 0.4}}>>
  return
}

// Dynamic dimensions are checked when they become static.
// CHECK-LABEL: func.func @quantize_dynamic
// CHECK: quill.quantize %{{.*}} : tensor<?x2xf32> to tensor<?x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01}>>
func.func @quantize_dynamic(%x: tensor<?x2xf32>) {
  %q = quill.quantize %x : tensor<?x2xf32> to tensor<?x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>
  return
}

// CHECK-LABEL: func.func @float_quant
// CHECK: quill.quantize %{{.*}} : tensor<4xf32> to tensor<4x!quill.float_quant<f8E4M3FN:f32, 2.500000e-01>>
// CHECK: quill.quantize %{{.*}} : tensor<4x2xf32> to tensor<4x2x!quill.float_quant<f8E5M2:f32:1, {1.000000e+00, 5.000000e-01}>>
// CHECK: quill.dequantize %{{.*}} : tensor<4x!quill.float_quant<f8E4M3FN:f16, 1.250000e-01>> to tensor<4xf16>
func.func @float_quant(%x: tensor<4xf32>, %w: tensor<4x2xf32>, %q: tensor<4x!quill.float_quant<f8E4M3FN:f16, 0.125>>) -> tensor<4xf16> {
  %0 = quill.quantize %x : tensor<4xf32> to tensor<4x!quill.float_quant<f8E4M3FN:f32, 0.25>>
  %1 = quill.quantize %w : tensor<4x2xf32> to tensor<4x2x!quill.float_quant<f8E5M2:f32:1, {1.0, 0.5}>>
  %2 = quill.dequantize %q : tensor<4x!quill.float_quant<f8E4M3FN:f16, 0.125>> to tensor<4xf16>
  return %2 : tensor<4xf16>
}

// CHECK-LABEL: func.func @requantize
// CHECK: quill.requantize %{{.*}} {multiplier = array<i32: 1073741824>, shift = array<i8: 31>} : tensor<8x2xi32> to tensor<8x2xi8>
// CHECK: quill.requantize %{{.*}} {axis = 1 : i32, clamp_max = 255 : i64, clamp_min = 7 : i64, multiplier = array<i32: 1518500250, 2147483647>, output_unsigned, output_zero_point = 7 : i32, shift = array<i8: 38, 62>} : tensor<8x2xi32> to tensor<8x2xi8>
// CHECK: quill.requantize %{{.*}} {input_unsigned, input_zero_point = 128 : i32, multiplier = array<i32: 1>, shift = array<i8: 1>} : tensor<8x2xi8> to tensor<8x2xi4>
func.func @requantize(%acc: tensor<8x2xi32>, %u: tensor<8x2xi8>) {
  %0 = quill.requantize %acc {multiplier = array<i32: 1073741824>, shift = array<i8: 31>} : tensor<8x2xi32> to tensor<8x2xi8>
  %1 = quill.requantize %acc {multiplier = array<i32: 1518500250, 2147483647>, shift = array<i8: 38, 62>, axis = 1 : i32, output_zero_point = 7 : i32, output_unsigned, clamp_min = 7, clamp_max = 255} : tensor<8x2xi32> to tensor<8x2xi8>
  %2 = quill.requantize %u {multiplier = array<i32: 1>, shift = array<i8: 1>, input_zero_point = 128 : i32, input_unsigned} : tensor<8x2xi8> to tensor<8x2xi4>
  return
}

// CHECK-LABEL: func.func @block_formats
// CHECK: quill.block_quantize %{{.*}} {axis = 1 : i32, format = #quill.block_format<mxfp8_e4m3>} : tensor<4x64xf32> -> tensor<4x64xf8E4M3FN>, tensor<4x2xf8E8M0FNU>
// CHECK: quill.block_quantize %{{.*}} {axis = 1 : i32, format = #quill.block_format<mxfp8_e5m2>} : tensor<4x64xf32> -> tensor<4x64xf8E5M2>, tensor<4x2xf8E8M0FNU>
// CHECK: quill.block_quantize %{{.*}} {axis = 1 : i32, format = #quill.block_format<mxfp6_e3m2>} : tensor<4x64xf32> -> tensor<4x64xf6E3M2FN>, tensor<4x2xf8E8M0FNU>
// CHECK: quill.block_quantize %{{.*}} {axis = 1 : i32, format = #quill.block_format<mxfp6_e2m3>} : tensor<4x64xf32> -> tensor<4x64xf6E2M3FN>, tensor<4x2xf8E8M0FNU>
// CHECK: quill.block_quantize %{{.*}} {axis = 0 : i32, format = #quill.block_format<mxfp4_e2m1>} : tensor<64x4xf32> -> tensor<64x4xf4E2M1FN>, tensor<2x4xf8E8M0FNU>
// CHECK: quill.block_quantize %{{.*}} {axis = 1 : i32, format = #quill.block_format<mxint8>} : tensor<4x64xf32> -> tensor<4x64xi8>, tensor<4x2xf8E8M0FNU>
// CHECK: %[[NV_ELEMS:.*]], %[[NV_SCALES:.*]] = quill.block_quantize %{{.*}} {axis = 1 : i32, format = #quill.block_format<nvfp4>, tensor_scale = 4.200000e+01 : f32} : tensor<4x64xf32> -> tensor<4x64xf4E2M1FN>, tensor<4x4xf8E4M3FN>
// CHECK: quill.block_dequantize %[[NV_ELEMS]], %[[NV_SCALES]] {axis = 1 : i32, format = #quill.block_format<nvfp4>, tensor_scale = 4.200000e+01 : f32} : tensor<4x64xf4E2M1FN>, tensor<4x4xf8E4M3FN> -> tensor<4x64xf32>
func.func @block_formats(%x: tensor<4x64xf32>, %t: tensor<64x4xf32>) -> tensor<4x64xf32> {
  %e0, %s0 = quill.block_quantize %x {format = #quill.block_format<mxfp8_e4m3>, axis = 1 : i32} : tensor<4x64xf32> -> tensor<4x64xf8E4M3FN>, tensor<4x2xf8E8M0FNU>
  %e1, %s1 = quill.block_quantize %x {format = #quill.block_format<mxfp8_e5m2>, axis = 1 : i32} : tensor<4x64xf32> -> tensor<4x64xf8E5M2>, tensor<4x2xf8E8M0FNU>
  %e2, %s2 = quill.block_quantize %x {format = #quill.block_format<mxfp6_e3m2>, axis = 1 : i32} : tensor<4x64xf32> -> tensor<4x64xf6E3M2FN>, tensor<4x2xf8E8M0FNU>
  %e3, %s3 = quill.block_quantize %x {format = #quill.block_format<mxfp6_e2m3>, axis = 1 : i32} : tensor<4x64xf32> -> tensor<4x64xf6E2M3FN>, tensor<4x2xf8E8M0FNU>
  %e4, %s4 = quill.block_quantize %t {format = #quill.block_format<mxfp4_e2m1>, axis = 0 : i32} : tensor<64x4xf32> -> tensor<64x4xf4E2M1FN>, tensor<2x4xf8E8M0FNU>
  %e5, %s5 = quill.block_quantize %x {format = #quill.block_format<mxint8>, axis = 1 : i32} : tensor<4x64xf32> -> tensor<4x64xi8>, tensor<4x2xf8E8M0FNU>
  %e6, %s6 = quill.block_quantize %x {format = #quill.block_format<nvfp4>, axis = 1 : i32, tensor_scale = 42.0 : f32} : tensor<4x64xf32> -> tensor<4x64xf4E2M1FN>, tensor<4x4xf8E4M3FN>
  %y = quill.block_dequantize %e6, %s6 {format = #quill.block_format<nvfp4>, axis = 1 : i32, tensor_scale = 42.0 : f32} : tensor<4x64xf4E2M1FN>, tensor<4x4xf8E4M3FN> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// CHECK-LABEL: func.func @storage_cast
// CHECK: quill.storage_cast %{{.*}} : tensor<4x!quant.uniform<u8:f32, 1.250000e-01:128>> to tensor<4xui8>
// CHECK: quill.storage_cast %{{.*}} : tensor<4xi8> to tensor<4x!quant.uniform<u8:f32, 1.250000e-01:128>>
// CHECK: quill.storage_cast %{{.*}} : tensor<4xf8E4M3FN> to tensor<4x!quill.float_quant<f8E4M3FN:f32, 2.500000e-01>>
func.func @storage_cast(%q: tensor<4x!quant.uniform<u8:f32, 0.125:128>>, %i: tensor<4xi8>, %f: tensor<4xf8E4M3FN>) {
  %0 = quill.storage_cast %q : tensor<4x!quant.uniform<u8:f32, 0.125:128>> to tensor<4xui8>
  %1 = quill.storage_cast %i : tensor<4xi8> to tensor<4x!quant.uniform<u8:f32, 0.125:128>>
  %2 = quill.storage_cast %f : tensor<4xf8E4M3FN> to tensor<4x!quill.float_quant<f8E4M3FN:f32, 0.25>>
  return
}

// CHECK-LABEL: func.func @dynamic_quantize
// CHECK: quill.dynamic_quantize %{{.*}} : tensor<2x3xf32> -> tensor<2x3xui8>, tensor<f32>, tensor<ui8>
func.func @dynamic_quantize(%x: tensor<2x3xf32>) {
  %y, %s, %z = quill.dynamic_quantize %x : tensor<2x3xf32> -> tensor<2x3xui8>, tensor<f32>, tensor<ui8>
  return
}

// A widened accumulator (int64) and its requantization.
// CHECK-LABEL: func.func @quantized_matmul_int64
// CHECK: quill.quantized_matmul %{{.*}}, %{{.*}} : ({{.*}}) -> tensor<4x2xi64>
// CHECK: quill.requantize %{{.*}} : tensor<4x2xi64> to tensor<4x2xi8>
func.func @quantized_matmul_int64(%a: tensor<4x3x!quant.uniform<u8:f32, 0.5:128>>, %b: tensor<3x2x!quant.uniform<u8:f32, 0.25>>) -> tensor<4x2xi8> {
  %p = quill.quantized_matmul %a, %b : (tensor<4x3x!quant.uniform<u8:f32, 0.5:128>>, tensor<3x2x!quant.uniform<u8:f32, 0.25>>) -> tensor<4x2xi64>
  %y = quill.requantize %p {multiplier = array<i32: 1073741824>, shift = array<i8: 33>} : tensor<4x2xi64> to tensor<4x2xi8>
  return %y : tensor<4x2xi8>
}

// CHECK-LABEL: func.func @integer_gelu
// CHECK: quill.integer_gelu %{{.*}} : tensor<4x!quant.uniform<u8:f32, 5.000000e-02:100>> to tensor<4x!quant.uniform<u8:f32, 4.000000e-02:10>>
func.func @integer_gelu(%x: tensor<4x!quant.uniform<u8:f32, 0.05:100>>) -> tensor<4x!quant.uniform<u8:f32, 0.04:10>> {
  %y = quill.integer_gelu %x : tensor<4x!quant.uniform<u8:f32, 0.05:100>> to tensor<4x!quant.uniform<u8:f32, 0.04:10>>
  return %y : tensor<4x!quant.uniform<u8:f32, 0.04:10>>
}

// CHECK-LABEL: func.func @quantized_products
// CHECK: quill.quantized_matmul %{{.*}}, %{{.*}} : (tensor<4x3x!quant.uniform<u8:f32, 5.000000e-01:128>>, tensor<3x2x!quant.uniform<i8:f32:1, {2.500000e-01,1.250000e-01}>>) -> tensor<4x2xi32>
// CHECK: quill.quantized_conv %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 5.000000e-01:128>>, tensor<3x2x3x3x!quant.uniform<i8:f32:0, {2.500000e-01,1.250000e-01,5.000000e-01}>>) -> tensor<1x3x3x3xi32>
func.func @quantized_products(%a: tensor<4x3x!quant.uniform<u8:f32, 0.5:128>>, %b: tensor<3x2x!quant.uniform<i8:f32:1, {0.25, 0.125}>>, %x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:128>>, %w: tensor<3x2x3x3x!quant.uniform<i8:f32:0, {0.25, 0.125, 0.5}>>) {
  %p = quill.quantized_matmul %a, %b : (tensor<4x3x!quant.uniform<u8:f32, 0.5:128>>, tensor<3x2x!quant.uniform<i8:f32:1, {0.25, 0.125}>>) -> tensor<4x2xi32>
  %c = quill.quantized_conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:128>>, tensor<3x2x3x3x!quant.uniform<i8:f32:0, {0.25, 0.125, 0.5}>>) -> tensor<1x3x3x3xi32>
  return
}

// CHECK-LABEL: func.func @integer_normalizations
// CHECK: quill.integer_softmax %{{.*}} {approximation = #quill.exp_approximation<shift>, axis = 1 : i64} : tensor<2x8x!quant.uniform<i8:f32, 5.000000e-02>> to tensor<2x8x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK: quill.integer_layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, epsilon = 2 : i64, shift = 36 : i64} : (tensor<2x8x!quant.uniform<u8:f32, 5.000000e-02:128>>, tensor<8xi64>, tensor<8xi64>) -> tensor<2x8x!quant.uniform<u8:f32, 3.000000e-02:128>>
func.func @integer_normalizations(%x: tensor<2x8x!quant.uniform<i8:f32, 0.05>>, %l: tensor<2x8x!quant.uniform<u8:f32, 0.05:128>>, %g: tensor<8xi64>, %b: tensor<8xi64>) {
  %p = quill.integer_softmax %x {axis = 1 : i64, approximation = #quill.exp_approximation<shift>} : tensor<2x8x!quant.uniform<i8:f32, 0.05>> to tensor<2x8x!quant.uniform<u8:f32, 0.00390625>>
  %n = quill.integer_layer_norm %l, %g, %b {axis = 1 : i64, epsilon = 2 : i64, shift = 36 : i64} : (tensor<2x8x!quant.uniform<u8:f32, 0.05:128>>, tensor<8xi64>, tensor<8xi64>) -> tensor<2x8x!quant.uniform<u8:f32, 0.03:128>>
  return
}

// CHECK-LABEL: func.func @table_lookup
// CHECK: quill.table_lookup %{{.*}} {table = array<i32: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15>} : tensor<4x!quant.uniform<u4:f32, 5.000000e-01:8>> to tensor<4x!quant.uniform<i8:f32, 2.500000e-01>>
func.func @table_lookup(%x: tensor<4x!quant.uniform<u4:f32, 0.5:8>>) -> tensor<4x!quant.uniform<i8:f32, 0.25>> {
  %y = quill.table_lookup %x {table = array<i32: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15>} : tensor<4x!quant.uniform<u4:f32, 0.5:8>> to tensor<4x!quant.uniform<i8:f32, 0.25>>
  return %y : tensor<4x!quant.uniform<i8:f32, 0.25>>
}
