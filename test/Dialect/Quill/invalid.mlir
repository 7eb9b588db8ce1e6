// RUN: quill-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// Scales: non-positive or non-finite
//===----------------------------------------------------------------------===//

// expected-error@+1 {{scale -1.000000e+00 out of expressed type range}}
func.func @negative_scale(%x: tensor<4x!quant.uniform<i8:f32, -1.0:3>>) { return }

// -----

// expected-error@+1 {{scale 0.000000e+00 out of expressed type range}}
func.func @zero_scale(%x: tensor<4x!quant.uniform<i8:f32, 0.0>>) { return }

// -----

// expected-error@+1 {{scale INF out of expressed type range}}
func.func @infinite_scale(%x: tensor<4x!quant.uniform<i8:f32, 0x7FF0000000000000>>) { return }

// -----

// The upstream type accepts a NaN scale; the op rejects it.
func.func @nan_scale(%x: tensor<4xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected positive finite scales, got nan}}
  %q = quill.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0x7FF8000000000000>>
  return
}

// -----

func.func @nan_scale_per_axis(%x: tensor<2xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected positive finite scales, got nan}}
  %q = quill.quantize %x : tensor<2xf32> to tensor<2x!quant.uniform<i8:f32:0, {1.0, 0x7FF8000000000000}>>
  return
}

// -----

// expected-error@+1 {{expected positive finite scales, got -2.5}}
func.func @float_quant_negative_scale(%x: tensor<4x!quill.float_quant<f8E4M3FN:f32, -2.5>>) { return }

// -----

// expected-error@+1 {{expected positive finite scales, got 0}}
func.func @float_quant_zero_scale(%x: tensor<4x!quill.float_quant<f8E4M3FN:f32:0, {1.0, 0.0}>>) { return }

// -----

// expected-error@+1 {{expected positive finite scales, got INF}}
func.func @float_quant_infinite_scale(%x: tensor<4x!quill.float_quant<f8E5M2:f32, 0x7FF0000000000000>>) { return }

// -----

//===----------------------------------------------------------------------===//
// Float storage type
//===----------------------------------------------------------------------===//

// expected-error@+1 {{expected storage type f8E4M3FN or f8E5M2, got 'bf16'}}
func.func @float_quant_storage(%x: tensor<4x!quill.float_quant<bf16:f32, 1.0>>) { return }

// -----

// expected-error@+1 {{expected an expressed type wider than the storage type, got 'f8E5M2'}}
func.func @float_quant_expressed(%x: tensor<4x!quill.float_quant<f8E4M3FN:f8E5M2, 1.0>>) { return }

// -----

// expected-error@+1 {{expected one scale for per-tensor quantization, got 2}}
func.func @float_quant_per_tensor_count(%x: tensor<4x!quill.float_quant<f8E4M3FN:f32, {1.0, 2.0}>>) { return }

// -----

// expected-error@+1 {{expected a non-negative quantized axis, got -1}}
func.func @float_quant_negative_axis(%x: tensor<4x!quill.float_quant<f8E4M3FN:f32:-1, {1.0}>>) { return }

// -----

//===----------------------------------------------------------------------===//
// Zero points outside the storage range
//===----------------------------------------------------------------------===//

func.func @zero_point_i8(%x: tensor<4xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected zero point in the storage range [-128, 127], got 300}}
  %q = quill.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 1.0:300>>
  return
}

// -----

func.func @zero_point_u4(%x: tensor<4xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected zero point in the storage range [0, 15], got 16}}
  %q = quill.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<u4:f32, 1.0:16>>
  return
}

// -----

func.func @zero_point_narrow_range(%x: tensor<4xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected zero point in the storage range [-127, 127], got -128}}
  %q = quill.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<i8<-127:127>:f32, 1.0:-128>>
  return
}

// -----

func.func @zero_point_per_axis(%q: tensor<2x!quant.uniform<u8:f32:0, {1.0:0, 1.0:-1}>>) {
  // expected-error@+1 {{'quill.dequantize' op expected zero point in the storage range [0, 255], got -1}}
  %x = quill.dequantize %q : tensor<2x!quant.uniform<u8:f32:0, {1.0:0, 1.0:-1}>> to tensor<2xf32>
  return
}

// -----

// Per-block zero points are stored in the storage width, so only a narrowed
// range can exclude one.
func.func @zero_point_per_block(%x: tensor<2x8xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected zero point in the storage range [-127, 127], got -128}}
  %q = quill.quantize %x : tensor<2x8xf32> to tensor<2x8x!quant.uniform<i8<-127:127>:f32:{0:1, 1:4}, {{1.0:0, 1.0:-128}, {1.0:0, 1.0:0}}>>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Axes out of range
//===----------------------------------------------------------------------===//

func.func @per_axis_out_of_range(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected quantized axis in [0, 2), got 2}}
  %q = quill.quantize %x : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:2, {1.0, 2.0}>>
  return
}

// -----

func.func @per_block_axis_out_of_range(%x: tensor<2x8xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected quantized axis in [0, 2), got 3}}
  %q = quill.quantize %x : tensor<2x8xf32> to tensor<2x8x!quant.uniform<i8:f32:{3:4}, {{1.0, 2.0}}>>
  return
}

// -----

func.func @float_quant_axis_out_of_range(%x: tensor<4xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected quantized axis in [0, 1), got 1}}
  %q = quill.quantize %x : tensor<4xf32> to tensor<4x!quill.float_quant<f8E4M3FN:f32:1, {1.0}>>
  return
}

// -----

func.func @requantize_axis_out_of_range(%acc: tensor<4x2xi32>) {
  // expected-error@+1 {{'quill.requantize' op expected axis in [0, 2), got 2}}
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824, 1073741824>, shift = array<i8: 31, 31>, axis = 2 : i32} : tensor<4x2xi32> to tensor<4x2xi8>
  return
}

// -----

func.func @block_axis_out_of_range(%x: tensor<4x64xf32>) {
  // expected-error@+1 {{'quill.block_quantize' op expected axis in [0, 2), got -1}}
  %e, %s = quill.block_quantize %x {format = #quill.block_format<mxfp8_e4m3>, axis = -1 : i32} : tensor<4x64xf32> -> tensor<4x64xf8E4M3FN>, tensor<4x2xf8E8M0FNU>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Scale and zero-point counts against the axis size or the block count
//===----------------------------------------------------------------------===//

func.func @per_axis_count(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected 3 scales and zero points, one per index of axis 1, got 2}}
  %q = quill.quantize %x : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:1, {1.0, 2.0}>>
  return
}

// -----

func.func @float_quant_per_axis_count(%x: tensor<4x2xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected 4 scales and zero points, one per index of axis 0, got 2}}
  %q = quill.quantize %x : tensor<4x2xf32> to tensor<4x2x!quill.float_quant<f8E4M3FN:f32:0, {1.0, 2.0}>>
  return
}

// -----

func.func @per_block_count(%x: tensor<2x8xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected 2 scales and zero points along axis 1 (one per block of 4), got 3}}
  %q = quill.quantize %x : tensor<2x8xf32> to tensor<2x8x!quant.uniform<i8:f32:{1:4}, {{1.0, 2.0, 3.0}}>>
  return
}

// -----

func.func @per_block_unblocked_axis_count(%x: tensor<2x8xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected 1 scales and zero points along axis 0 (one per block of 2), got 2}}
  %q = quill.quantize %x : tensor<2x8xf32> to tensor<2x8x!quant.uniform<i8:f32:{1:4}, {{1.0, 2.0}, {3.0, 4.0}}>>
  return
}

// -----

func.func @block_scales_shape(%x: tensor<4x64xf32>) {
  // expected-error@+1 {{'quill.block_quantize' op expected scales of shape [4, 2] (one per block), got [4, 4]}}
  %e, %s = quill.block_quantize %x {format = #quill.block_format<mxfp8_e4m3>, axis = 1 : i32} : tensor<4x64xf32> -> tensor<4x64xf8E4M3FN>, tensor<4x4xf8E8M0FNU>
  return
}

// -----

func.func @requantize_count(%acc: tensor<4x2xi32>) {
  // expected-error@+1 {{'quill.requantize' op expected 1 or 2 (multiplier, shift) pairs for axis 1, got 3}}
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824, 1073741824, 1073741824>, shift = array<i8: 31, 31, 31>, axis = 1 : i32} : tensor<4x2xi32> to tensor<4x2xi8>
  return
}

// -----

func.func @requantize_count_without_axis(%acc: tensor<4x2xi32>) {
  // expected-error@+1 {{'quill.requantize' op expected one (multiplier, shift) pair without an axis, got 2}}
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824, 1073741824>, shift = array<i8: 31, 31>} : tensor<4x2xi32> to tensor<4x2xi8>
  return
}

// -----

func.func @requantize_shift_count(%acc: tensor<4x2xi32>) {
  // expected-error@+1 {{'quill.requantize' op expected as many shifts as multipliers (at least one), got 2 multipliers and 1 shifts}}
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824, 1073741824>, shift = array<i8: 31>, axis = 1 : i32} : tensor<4x2xi32> to tensor<4x2xi8>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Block sizes that do not divide their axis
//===----------------------------------------------------------------------===//

func.func @per_block_divides(%x: tensor<2x8xf32>) {
  // expected-error@+1 {{'quill.quantize' op expected block size 3 to divide axis 1 of size 8}}
  %q = quill.quantize %x : tensor<2x8xf32> to tensor<2x8x!quant.uniform<i8:f32:{1:3}, {{1.0, 2.0}}>>
  return
}

// -----

func.func @block_format_divides(%x: tensor<4x40xf32>) {
  // expected-error@+1 {{'quill.block_quantize' op expected block size 32 of mxfp4_e2m1 to divide axis 1 of size 40}}
  %e, %s = quill.block_quantize %x {format = #quill.block_format<mxfp4_e2m1>, axis = 1 : i32} : tensor<4x40xf32> -> tensor<4x40xf4E2M1FN>, tensor<4x1xf8E8M0FNU>
  return
}

// -----

func.func @nvfp4_block_divides(%e: tensor<4x24xf4E2M1FN>, %s: tensor<4x1xf8E4M3FN>) {
  // expected-error@+1 {{'quill.block_dequantize' op expected block size 16 of nvfp4 to divide axis 1 of size 24}}
  %x = quill.block_dequantize %e, %s {format = #quill.block_format<nvfp4>, axis = 1 : i32, tensor_scale = 1.0 : f32} : tensor<4x24xf4E2M1FN>, tensor<4x1xf8E4M3FN> -> tensor<4x24xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Multipliers and shifts outside their legal range
//===----------------------------------------------------------------------===//

func.func @requantize_zero_multiplier(%acc: tensor<4xi32>) {
  // expected-error@+1 {{'quill.requantize' op expected multipliers in [1, 2147483647], got 0}}
  %y = quill.requantize %acc {multiplier = array<i32: 0>, shift = array<i8: 31>} : tensor<4xi32> to tensor<4xi8>
  return
}

// -----

func.func @requantize_negative_multiplier(%acc: tensor<4xi32>) {
  // expected-error@+1 {{'quill.requantize' op expected multipliers in [1, 2147483647], got -5}}
  %y = quill.requantize %acc {multiplier = array<i32: -5>, shift = array<i8: 31>} : tensor<4xi32> to tensor<4xi8>
  return
}

// -----

func.func @requantize_shift_zero(%acc: tensor<4xi32>) {
  // expected-error@+1 {{'quill.requantize' op expected shifts in [1, 62], got 0}}
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824>, shift = array<i8: 0>} : tensor<4xi32> to tensor<4xi8>
  return
}

// -----

func.func @requantize_shift_too_large(%acc: tensor<4xi32>) {
  // expected-error@+1 {{'quill.requantize' op expected shifts in [1, 62], got 63}}
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824>, shift = array<i8: 63>} : tensor<4xi32> to tensor<4xi8>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Requantize zero points and clamps
//===----------------------------------------------------------------------===//

func.func @requantize_output_zero_point(%acc: tensor<4xi32>) {
  // expected-error@+1 {{'quill.requantize' op expected output zero point in [-128, 127], got 128}}
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824>, shift = array<i8: 31>, output_zero_point = 128 : i32} : tensor<4xi32> to tensor<4xi8>
  return
}

// -----

func.func @requantize_input_zero_point(%x: tensor<4xi8>) {
  // expected-error@+1 {{'quill.requantize' op expected input zero point in [0, 255], got -1}}
  %y = quill.requantize %x {multiplier = array<i32: 1073741824>, shift = array<i8: 31>, input_zero_point = -1 : i32, input_unsigned} : tensor<4xi8> to tensor<4xi8>
  return
}

// -----

func.func @requantize_clamp_range(%acc: tensor<4xi32>) {
  // expected-error@+1 {{'quill.requantize' op expected clamp bounds in [0, 255], got 256}}
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824>, shift = array<i8: 31>, output_unsigned, clamp_max = 256} : tensor<4xi32> to tensor<4xi8>
  return
}

// -----

func.func @requantize_clamp_order(%acc: tensor<4xi32>) {
  // expected-error@+1 {{'quill.requantize' op expected clamp_min <= clamp_max, got 10 > -10}}
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824>, shift = array<i8: 31>, clamp_min = 10, clamp_max = -10} : tensor<4xi32> to tensor<4xi8>
  return
}

// -----

func.func @requantize_wide_result(%acc: tensor<4xi32>) {
  // expected-error@+1 {{'quill.requantize' op result #0 must be ranked tensor of 4-bit signless integer or 8-bit signless integer or 16-bit signless integer or 32-bit signless integer values}}
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824>, shift = array<i8: 31>} : tensor<4xi32> to tensor<4xi64>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Types that do not match
//===----------------------------------------------------------------------===//

func.func @quantize_expressed_type(%x: tensor<4xf16>) {
  // expected-error@+1 {{'quill.quantize' op expected float element type 'f32' (the quantized type's expressed type), got 'f16'}}
  %q = quill.quantize %x : tensor<4xf16> to tensor<4x!quant.uniform<i8:f32, 1.0>>
  return
}

// -----

func.func @dequantize_expressed_type(%q: tensor<4x!quill.float_quant<f8E4M3FN:f32, 1.0>>) {
  // expected-error@+1 {{'quill.dequantize' op expected float element type 'f32' (the quantized type's expressed type), got 'bf16'}}
  %x = quill.dequantize %q : tensor<4x!quill.float_quant<f8E4M3FN:f32, 1.0>> to tensor<4xbf16>
  return
}

// -----

func.func @quantize_to_plain_integer(%x: tensor<4xf32>) {
  // expected-error@+1 {{'quill.quantize' op result #0 must be ranked tensor of quantized element type (!quant.uniform or !quill.float_quant) values}}
  %q = quill.quantize %x : tensor<4xf32> to tensor<4xi8>
  return
}

// -----

func.func @quantize_shape(%x: tensor<4xf32>) {
  // expected-error@+1 {{'quill.quantize' op requires the same shape for all operands and results}}
  %q = quill.quantize %x : tensor<4xf32> to tensor<5x!quant.uniform<i8:f32, 1.0>>
  return
}

// -----

func.func @block_element_type(%x: tensor<4x64xf32>) {
  // expected-error@+1 {{'quill.block_quantize' op expected elements of type 'f4E2M1FN' for mxfp4_e2m1, got 'f8E4M3FN'}}
  %e, %s = quill.block_quantize %x {format = #quill.block_format<mxfp4_e2m1>, axis = 1 : i32} : tensor<4x64xf32> -> tensor<4x64xf8E4M3FN>, tensor<4x2xf8E8M0FNU>
  return
}

// -----

func.func @block_scale_type(%x: tensor<4x64xf32>) {
  // expected-error@+1 {{'quill.block_quantize' op expected scales of type 'f8E4M3FN' for nvfp4, got 'f8E8M0FNU'}}
  %e, %s = quill.block_quantize %x {format = #quill.block_format<nvfp4>, axis = 1 : i32, tensor_scale = 1.0 : f32} : tensor<4x64xf32> -> tensor<4x64xf4E2M1FN>, tensor<4x4xf8E8M0FNU>
  return
}

// -----

func.func @block_elements_shape(%x: tensor<4x64xf32>) {
  // expected-error@+1 {{'quill.block_quantize' op expected elements of the float tensor's shape}}
  %e, %s = quill.block_quantize %x {format = #quill.block_format<mxint8>, axis = 1 : i32} : tensor<4x64xf32> -> tensor<4x32xi8>, tensor<4x2xf8E8M0FNU>
  return
}

// -----

func.func @nvfp4_needs_tensor_scale(%x: tensor<4x64xf32>) {
  // expected-error@+1 {{'quill.block_quantize' op expected a tensor_scale for nvfp4}}
  %e, %s = quill.block_quantize %x {format = #quill.block_format<nvfp4>, axis = 1 : i32} : tensor<4x64xf32> -> tensor<4x64xf4E2M1FN>, tensor<4x4xf8E4M3FN>
  return
}

// -----

func.func @mx_has_no_tensor_scale(%x: tensor<4x64xf32>) {
  // expected-error@+1 {{'quill.block_quantize' op expected no tensor_scale for mxfp8_e5m2}}
  %e, %s = quill.block_quantize %x {format = #quill.block_format<mxfp8_e5m2>, axis = 1 : i32, tensor_scale = 1.0 : f32} : tensor<4x64xf32> -> tensor<4x64xf8E5M2>, tensor<4x2xf8E8M0FNU>
  return
}

// -----

func.func @nvfp4_tensor_scale_positive(%x: tensor<4x64xf32>) {
  // expected-error@+1 {{'quill.block_quantize' op expected a positive finite tensor_scale}}
  %e, %s = quill.block_quantize %x {format = #quill.block_format<nvfp4>, axis = 1 : i32, tensor_scale = -2.0 : f32} : tensor<4x64xf32> -> tensor<4x64xf4E2M1FN>, tensor<4x4xf8E4M3FN>
  return
}

// -----

// expected-error@+2 {{expected ::mlir::quill::BlockFormat to be one of: mxfp8_e4m3, mxfp8_e5m2, mxfp6_e3m2, mxfp6_e2m3, mxfp4_e2m1, mxint8, nvfp4}}
// expected-error@+1 {{failed to parse Quill_BlockFormatAttr parameter 'value'}}
func.func @unknown_block_format() attributes {format = #quill.block_format<mxfp3>} { return }

// -----

//===----------------------------------------------------------------------===//
// Storage casts
//===----------------------------------------------------------------------===//

func.func @storage_cast_signedness(%q: tensor<4x!quant.uniform<i8:f32, 1.0>>) {
  // expected-error@+1 {{'quill.storage_cast' op expected 'ui8' to be the storage of '!quant.uniform<i8:f32, 1.000000e+00>'}}
  %0 = quill.storage_cast %q : tensor<4x!quant.uniform<i8:f32, 1.0>> to tensor<4xui8>
  return
}

// -----

func.func @storage_cast_width(%q: tensor<4x!quant.uniform<u8:f32, 1.0>>) {
  // expected-error@+1 {{'quill.storage_cast' op expected 'i16' to be the storage of '!quant.uniform<u8:f32, 1.000000e+00>'}}
  %0 = quill.storage_cast %q : tensor<4x!quant.uniform<u8:f32, 1.0>> to tensor<4xi16>
  return
}

// -----

func.func @storage_cast_both_plain(%x: tensor<4xi8>) {
  // expected-error@+1 {{'quill.storage_cast' op expected exactly one of the input and result to be quantized, got 'i8' and 'ui8'}}
  %0 = quill.storage_cast %x : tensor<4xi8> to tensor<4xui8>
  return
}

// -----

func.func @storage_cast_params(%x: tensor<4xi8>) {
  // expected-error@+1 {{'quill.storage_cast' op expected zero point in the storage range [-128, 127], got 200}}
  %0 = quill.storage_cast %x : tensor<4xi8> to tensor<4x!quant.uniform<i8:f32, 1.0:200>>
  return
}

// -----

func.func @dynamic_quantize_shape(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{'quill.dynamic_quantize' op expected the result to have the input's shape}}
  %y, %s, %z = quill.dynamic_quantize %x : tensor<2x3xf32> -> tensor<3x2xui8>, tensor<f32>, tensor<ui8>
  return
}

// -----

func.func @quantized_matmul_per_axis_lhs(%a: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.5, 0.5}>>, %w: tensor<3x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x2xi32> {
  // expected-error @+1 {{expected lhs quantized per tensor}}
  %0 = quill.quantized_matmul %a, %w : (tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.5, 0.5}>>, tensor<3x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x2xi32>
  return %0 : tensor<4x2xi32>
}

// -----

func.func @integer_gelu_scale(%x: tensor<4x!quant.uniform<i8:f32, 1.0e-6>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error @+1 {{input scale 1.000000e-06 out of range for the integer GELU}}
  %y = quill.integer_gelu %x : tensor<4x!quant.uniform<i8:f32, 1.0e-6>> to tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @integer_gelu_per_axis(%x: tensor<2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>) -> tensor<2x!quant.uniform<i8:f32, 0.1>> {
  // expected-error @+1 {{per tensor}}
  %y = quill.integer_gelu %x : tensor<2x!quant.uniform<i8:f32:0, {0.1, 0.2}>> to tensor<2x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<2x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @quantized_conv_input_dilations(%x: tensor<1x1x3x3x!quant.uniform<i8:f32, 0.5>>, %w: tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x1x4x4xi32> {
  // expected-error @+1 {{expected 2 input dilations, got 1}}
  %0 = quill.quantized_conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, input_dilations = array<i64: 2>} : (tensor<1x1x3x3x!quant.uniform<i8:f32, 0.5>>, tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x1x4x4xi32>
  return %0 : tensor<1x1x4x4xi32>
}

// -----

func.func @quantized_conv_dilated_shape(%x: tensor<1x1x3x3x!quant.uniform<i8:f32, 0.5>>, %w: tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x1x2x2xi32> {
  // expected-error @+1 {{'quill.quantized_conv' op expected result shape}}
  %0 = quill.quantized_conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, input_dilations = array<i64: 2, 2>} : (tensor<1x1x3x3x!quant.uniform<i8:f32, 0.5>>, tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x1x2x2xi32>
  return %0 : tensor<1x1x2x2xi32>
}

// -----

// An accumulator is int32 or, widened, int64.
func.func @quantized_matmul_int16(%a: tensor<4x3x!quant.uniform<i8:f32, 0.5>>, %w: tensor<3x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x2xi16> {
  // expected-error @+1 {{result #0 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = quill.quantized_matmul %a, %w : (tensor<4x3x!quant.uniform<i8:f32, 0.5>>, tensor<3x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x2xi16>
  return %0 : tensor<4x2xi16>
}

// -----

func.func @quantized_matmul_row_axis(%a: tensor<4x3x!quant.uniform<i8:f32, 0.5>>, %w: tensor<3x2x!quant.uniform<i8:f32:0, {0.5, 0.5, 0.5}>>) -> tensor<4x2xi32> {
  // expected-error @+1 {{expected rhs quantized along axis 1}}
  %0 = quill.quantized_matmul %a, %w : (tensor<4x3x!quant.uniform<i8:f32, 0.5>>, tensor<3x2x!quant.uniform<i8:f32:0, {0.5, 0.5, 0.5}>>) -> tensor<4x2xi32>
  return %0 : tensor<4x2xi32>
}

// -----

func.func @quantized_matmul_shapes(%a: tensor<4x3x!quant.uniform<i8:f32, 0.5>>, %w: tensor<5x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x2xi32> {
  // expected-error @+1 {{expected contraction sizes to agree, got 3 and 5}}
  %0 = quill.quantized_matmul %a, %w : (tensor<4x3x!quant.uniform<i8:f32, 0.5>>, tensor<5x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x2xi32>
  return %0 : tensor<4x2xi32>
}

// -----

func.func @quantized_conv_weight_axis(%x: tensor<1x2x4x4x!quant.uniform<u8:f32, 0.5:128>>, %w: tensor<3x2x3x3x!quant.uniform<i8:f32:1, {0.5, 0.5}>>) -> tensor<1x3x2x2xi32> {
  // expected-error @+1 {{'quill.quantized_conv' op expected weight quantized along axis 0}}
  %0 = quill.quantized_conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4x!quant.uniform<u8:f32, 0.5:128>>, tensor<3x2x3x3x!quant.uniform<i8:f32:1, {0.5, 0.5}>>) -> tensor<1x3x2x2xi32>
  return %0 : tensor<1x3x2x2xi32>
}

// -----

func.func @quantized_conv_input_per_axis(%x: tensor<1x2x4x4x!quant.uniform<u8:f32:1, {0.5:128, 0.5:128}>>, %w: tensor<3x2x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x3x2x2xi32> {
  // expected-error @+1 {{expected input quantized per tensor}}
  %0 = quill.quantized_conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4x!quant.uniform<u8:f32:1, {0.5:128, 0.5:128}>>, tensor<3x2x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x3x2x2xi32>
  return %0 : tensor<1x3x2x2xi32>
}

// -----

func.func @quantized_conv_result_shape(%x: tensor<1x2x4x4x!quant.uniform<u8:f32, 0.5:128>>, %w: tensor<3x2x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x3x4x4xi32> {
  // expected-error @+1 {{'quill.quantized_conv' op expected result shape}}
  %0 = quill.quantized_conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4x!quant.uniform<u8:f32, 0.5:128>>, tensor<3x2x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x3x4x4xi32>
  return %0 : tensor<1x3x4x4xi32>
}

// -----

func.func @quantized_matmul_i16(%a: tensor<4x3x!quant.uniform<i16:f32, 0.5>>, %w: tensor<3x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x2xi32> {
  // expected-error @+1 {{expected 8-bit storage}}
  %0 = quill.quantized_matmul %a, %w : (tensor<4x3x!quant.uniform<i16:f32, 0.5>>, tensor<3x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x2xi32>
  return %0 : tensor<4x2xi32>
}

// -----

func.func @table_lookup_size(%x: tensor<4x!quant.uniform<u4:f32, 0.5:8>>) -> tensor<4x!quant.uniform<i8:f32, 0.25>> {
  // expected-error @+1 {{'quill.table_lookup' op expected 16 table entries (one per stored input value), got 3}}
  %y = quill.table_lookup %x {table = array<i32: 0, 1, 2>} : tensor<4x!quant.uniform<u4:f32, 0.5:8>> to tensor<4x!quant.uniform<i8:f32, 0.25>>
  return %y : tensor<4x!quant.uniform<i8:f32, 0.25>>
}

// -----

func.func @table_lookup_entry_range(%x: tensor<4x!quant.uniform<u4:f32, 0.5:8>>) -> tensor<4x!quant.uniform<u4:f32, 0.25>> {
  // expected-error @+1 {{'quill.table_lookup' op table entry 15 (16) outside the result's storage range [0, 15]}}
  %y = quill.table_lookup %x {table = array<i32: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16>} : tensor<4x!quant.uniform<u4:f32, 0.5:8>> to tensor<4x!quant.uniform<u4:f32, 0.25>>
  return %y : tensor<4x!quant.uniform<u4:f32, 0.25>>
}

// -----

func.func @table_lookup_per_axis(%x: tensor<2x!quant.uniform<u4:f32:0, {0.5:8, 0.5:8}>>) -> tensor<2x!quant.uniform<i8:f32, 0.25>> {
  // expected-error @+1 {{'quill.table_lookup' op expected input and result quantized per tensor}}
  %y = quill.table_lookup %x {table = array<i32: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15>} : tensor<2x!quant.uniform<u4:f32:0, {0.5:8, 0.5:8}>> to tensor<2x!quant.uniform<i8:f32, 0.25>>
  return %y : tensor<2x!quant.uniform<i8:f32, 0.25>>
}

// -----

func.func @integer_softmax_width(%x: tensor<8x!quant.uniform<i16:f32, 0.05>>) -> tensor<8x!quant.uniform<u8:f32, 0.0039>> {
  // expected-error @+1 {{'quill.integer_softmax' op expected input and result quantized per tensor in 8 bits}}
  %p = quill.integer_softmax %x {axis = 0 : i64, approximation = #quill.exp_approximation<i_exp>} : tensor<8x!quant.uniform<i16:f32, 0.05>> to tensor<8x!quant.uniform<u8:f32, 0.0039>>
  return %p : tensor<8x!quant.uniform<u8:f32, 0.0039>>
}

// -----

func.func @integer_softmax_axis(%x: tensor<8x!quant.uniform<i8:f32, 0.05>>) -> tensor<8x!quant.uniform<u8:f32, 0.0039>> {
  // expected-error @+1 {{'quill.integer_softmax' op expected axis in [0, 1), got 1}}
  %p = quill.integer_softmax %x {axis = 1 : i64, approximation = #quill.exp_approximation<i_exp>} : tensor<8x!quant.uniform<i8:f32, 0.05>> to tensor<8x!quant.uniform<u8:f32, 0.0039>>
  return %p : tensor<8x!quant.uniform<u8:f32, 0.0039>>
}

// -----

func.func @integer_softmax_coarse(%x: tensor<8x!quant.uniform<i8:f32, 1.0>>) -> tensor<8x!quant.uniform<u8:f32, 0.0039>> {
  // expected-error @+1 {{'quill.integer_softmax' op input scale 1.000000e+00 out of range for the integer exponential}}
  %p = quill.integer_softmax %x {axis = 0 : i64, approximation = #quill.exp_approximation<i_exp>} : tensor<8x!quant.uniform<i8:f32, 1.0>> to tensor<8x!quant.uniform<u8:f32, 0.0039>>
  return %p : tensor<8x!quant.uniform<u8:f32, 0.0039>>
}

// -----

func.func @integer_layer_norm_parameters(%x: tensor<2x8x!quant.uniform<u8:f32, 0.05:128>>, %g: tensor<4xi64>, %b: tensor<8xi64>) -> tensor<2x8x!quant.uniform<u8:f32, 0.03:128>> {
  // expected-error @+1 {{'quill.integer_layer_norm' op expected gamma of the normalized shape [8], got 'tensor<4xi64>'}}
  %n = quill.integer_layer_norm %x, %g, %b {axis = 1 : i64, epsilon = 0 : i64, shift = 36 : i64} : (tensor<2x8x!quant.uniform<u8:f32, 0.05:128>>, tensor<4xi64>, tensor<8xi64>) -> tensor<2x8x!quant.uniform<u8:f32, 0.03:128>>
  return %n : tensor<2x8x!quant.uniform<u8:f32, 0.03:128>>
}

// -----

func.func @integer_layer_norm_shift(%x: tensor<2x8x!quant.uniform<u8:f32, 0.05:128>>, %g: tensor<8xi64>, %b: tensor<8xi64>) -> tensor<2x8x!quant.uniform<u8:f32, 0.03:128>> {
  // expected-error @+1 {{'quill.integer_layer_norm' op shift 63 outside [1, 62]}}
  %n = quill.integer_layer_norm %x, %g, %b {axis = 1 : i64, epsilon = 0 : i64, shift = 63 : i64} : (tensor<2x8x!quant.uniform<u8:f32, 0.05:128>>, tensor<8xi64>, tensor<8xi64>) -> tensor<2x8x!quant.uniform<u8:f32, 0.03:128>>
  return %n : tensor<2x8x!quant.uniform<u8:f32, 0.03:128>>
}

// -----

func.func @integer_layer_norm_epsilon(%x: tensor<2x8x!quant.uniform<u8:f32, 0.05:128>>, %g: tensor<8xi64>, %b: tensor<8xi64>) -> tensor<2x8x!quant.uniform<u8:f32, 0.03:128>> {
  // expected-error @+1 {{'quill.integer_layer_norm' op epsilon -1 is negative}}
  %n = quill.integer_layer_norm %x, %g, %b {axis = 1 : i64, epsilon = -1 : i64, shift = 36 : i64} : (tensor<2x8x!quant.uniform<u8:f32, 0.05:128>>, tensor<8xi64>, tensor<8xi64>) -> tensor<2x8x!quant.uniform<u8:f32, 0.03:128>>
  return %n : tensor<2x8x!quant.uniform<u8:f32, 0.03:128>>
}

// -----

// NVFP4's scale is an E4M3 value rounded to nearest: no MX exponent rule.
func.func @nvfp4_scale_rounding(%x: tensor<4x32xf32>) {
  // expected-error@+1 {{'quill.block_quantize' op expected scale_rounding = up only for MX formats: nvfp4 rounds its E4M3 scale to nearest}}
  %e, %s = quill.block_quantize %x {format = #quill.block_format<nvfp4>, axis = 1 : i32, tensor_scale = 2.0 : f32, scale_rounding = #quill.block_scale_rounding<up>} : tensor<4x32xf32> -> tensor<4x32xf4E2M1FN>, tensor<4x2xf8E4M3FN>
  return
}
