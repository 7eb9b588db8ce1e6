// RUN: quill-opt %s -split-input-file -verify-diagnostics --quill-qdq-to-integer | FileCheck %s

// quill-qdq-to-integer bounds every integer product's accumulator by
// max|a - za| * sum_k |b - zb| + |bias| (the weights' own values when they
// are constant) and accumulates in int64, with a remark, only when that
// bound exceeds int32.

!u = !quant.uniform<u8:f32, 1.0>
!y = !quant.uniform<u8:f32, 16384.0>

// Two uint8 activations with zero point 0: 40000 * 255 * 255 > 2^31 - 1.
// CHECK-LABEL: func.func @activations_widened
// CHECK: %[[ACC:.*]] = quill.quantized_matmul %arg0, %arg1 : ({{.*}}) -> tensor<2x3xi64>
// CHECK: quill.requantize %[[ACC]] {{.*}} : tensor<2x3xi64> to tensor<2x3xi8>
func.func @activations_widened(%a: tensor<2x40000x!u>, %b: tensor<40000x3x!u>) -> tensor<2x3x!y> {
  %af = quill.dequantize %a : tensor<2x40000x!u> to tensor<2x40000xf32>
  %bf = quill.dequantize %b : tensor<40000x3x!u> to tensor<40000x3xf32>
  // expected-remark @below {{accumulator widened to int64: 40000 products of |a - za| <= 255 and |b - zb| <= 255 (bias included) can reach 2601000000, beyond int32}}
  %p = quill.matmul %af, %bf : (tensor<2x40000xf32>, tensor<40000x3xf32>) -> tensor<2x3xf32>
  %q = quill.quantize %p : tensor<2x3xf32> to tensor<2x3x!y>
  return %q : tensor<2x3x!y>
}

// -----

!s = !quant.uniform<i8:f32, 1.0>
!y = !quant.uniform<u8:f32, 16384.0>

// int8 with zero point 0: 40000 * 128 * 128 fits; no remark, int32.
// CHECK-LABEL: func.func @int8_fits
// CHECK: quill.quantized_matmul %arg0, %arg1 : ({{.*}}) -> tensor<2x3xi32>
func.func @int8_fits(%a: tensor<2x40000x!s>, %b: tensor<40000x3x!s>) -> tensor<2x3x!y> {
  %af = quill.dequantize %a : tensor<2x40000x!s> to tensor<2x40000xf32>
  %bf = quill.dequantize %b : tensor<40000x3x!s> to tensor<40000x3xf32>
  %p = quill.matmul %af, %bf : (tensor<2x40000xf32>, tensor<40000x3xf32>) -> tensor<2x3xf32>
  %q = quill.quantize %p : tensor<2x3xf32> to tensor<2x3x!y>
  return %q : tensor<2x3x!y>
}

// -----

!u = !quant.uniform<u8:f32, 1.0>
!y = !quant.uniform<u8:f32, 16384.0>

// Constant weights are bounded by their own values: uint8 weights of 2
// give 40000 * 255 * 2, where their type alone would allow 255 each.
// CHECK-LABEL: func.func @constant_weights_fit
// CHECK: quill.quantized_matmul %arg0, %{{.*}} : ({{.*}}) -> tensor<2x3xi32>
func.func @constant_weights_fit(%a: tensor<2x40000x!u>) -> tensor<2x3x!y> {
  %af = quill.dequantize %a : tensor<2x40000x!u> to tensor<2x40000xf32>
  %wi = arith.constant dense<2> : tensor<40000x3xi8>
  %wq = quill.storage_cast %wi : tensor<40000x3xi8> to tensor<40000x3x!u>
  %wf = quill.dequantize %wq : tensor<40000x3x!u> to tensor<40000x3xf32>
  %p = quill.matmul %af, %wf : (tensor<2x40000xf32>, tensor<40000x3xf32>) -> tensor<2x3xf32>
  %q = quill.quantize %p : tensor<2x3xf32> to tensor<2x3x!y>
  return %q : tensor<2x3x!y>
}

// -----

!u = !quant.uniform<u8:f32, 1.0>
!y = !quant.uniform<u8:f32, 16384.0>

// 33025 * 255 * 255 = 2147450625 fits int32 by 33022; a bias of 40000
// (at scale 1 * 1) does not, so the bias is int64 too.
// CHECK-LABEL: func.func @bias_tips_over
// CHECK: %[[ACC:.*]] = quill.quantized_matmul %arg0, %{{.*}} : ({{.*}}) -> tensor<2x3xi64>
// CHECK: %[[SUM:.*]] = quill.add %[[ACC]], %{{.*}} : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<2x3xi64>
// CHECK: quill.requantize %[[SUM]]
func.func @bias_tips_over(%a: tensor<2x33025x!u>) -> tensor<2x3x!y> {
  %af = quill.dequantize %a : tensor<2x33025x!u> to tensor<2x33025xf32>
  %wi = arith.constant dense<-1> : tensor<33025x3xi8>
  %wq = quill.storage_cast %wi : tensor<33025x3xi8> to tensor<33025x3x!u>
  %wf = quill.dequantize %wq : tensor<33025x3x!u> to tensor<33025x3xf32>
  %bias = arith.constant dense<[40000.0, 0.0, -5.0]> : tensor<3xf32>
  // expected-remark @below {{accumulator widened to int64: 33025 products of |a - za| <= 255 and |b - zb| <= 255 (bias included) can reach 2147490625, beyond int32}}
  %p = quill.gemm %af, %wf, %bias : (tensor<2x33025xf32>, tensor<33025x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %q = quill.quantize %p : tensor<2x3xf32> to tensor<2x3x!y>
  return %q : tensor<2x3x!y>
}

// -----

!u = !quant.uniform<u8:f32, 1.0>

// A product read as float: the int64 sum converted and scaled per column
// (no quantized type stores int64).
// CHECK-LABEL: func.func @float_result_widened
// CHECK: %[[S:.*]] = arith.constant dense<1.000000e+00> : tensor<1xf32>
// CHECK: %[[ACC:.*]] = quill.quantized_matmul %arg0, %arg1 : ({{.*}}) -> tensor<2x3xi64>
// CHECK: %[[F:.*]] = quill.cast %[[ACC]] : tensor<2x3xi64> to tensor<2x3xf32>
// CHECK: quill.mul %[[F]], %[[S]]
func.func @float_result_widened(%a: tensor<2x40000x!u>, %b: tensor<40000x3x!u>) -> tensor<2x3xf32> {
  %af = quill.dequantize %a : tensor<2x40000x!u> to tensor<2x40000xf32>
  %bf = quill.dequantize %b : tensor<40000x3x!u> to tensor<40000x3xf32>
  // expected-remark @below {{accumulator widened to int64}}
  %p = quill.matmul %af, %bf : (tensor<2x40000xf32>, tensor<40000x3xf32>) -> tensor<2x3xf32>
  return %p : tensor<2x3xf32>
}

// -----

!u = !quant.uniform<u8:f32, 1.0>
!y = !quant.uniform<u8:f32, 16384.0>

// A convolution sums over C * KH * KW = 4096 * 3 * 3 = 36864 terms.
// CHECK-LABEL: func.func @conv_widened
// CHECK: quill.quantized_conv {{.*}} -> tensor<1x2x1x1xi64>
func.func @conv_widened(%x: tensor<1x4096x3x3x!u>) -> tensor<1x2x1x1x!y> {
  %xf = quill.dequantize %x : tensor<1x4096x3x3x!u> to tensor<1x4096x3x3xf32>
  %wi = arith.constant dense<-1> : tensor<2x4096x3x3xi8>
  %wq = quill.storage_cast %wi : tensor<2x4096x3x3xi8> to tensor<2x4096x3x3x!u>
  %wf = quill.dequantize %wq : tensor<2x4096x3x3x!u> to tensor<2x4096x3x3xf32>
  // expected-remark @below {{accumulator widened to int64: 36864 products of |a - za| <= 255 and |b - zb| <= 255 (bias included) can reach 2397081600, beyond int32}}
  %c = quill.conv %xf, %wf {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4096x3x3xf32>, tensor<2x4096x3x3xf32>) -> tensor<1x2x1x1xf32>
  %q = quill.quantize %c : tensor<1x2x1x1xf32> to tensor<1x2x1x1x!y>
  return %q : tensor<1x2x1x1x!y>
}
