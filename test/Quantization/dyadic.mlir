// RUN: quill-opt %s -split-input-file --quill-dyadic | FileCheck %s
// RUN: quill-opt %s -split-input-file --quill-dyadic="softmax-exp=shift" | FileCheck %s --check-prefix=SHIFT
// RUN: not quill-opt %s -split-input-file --quill-dyadic="softmax-exp=table" 2>&1 | FileCheck %s --check-prefix=OPTION
// OPTION: for the --softmax-exp option: Cannot find option named 'table'!
// RUN: quill-opt %s -split-input-file --quill-dyadic="gelu=i-gelu" | FileCheck %s --check-prefix=IGELU
// RUN: not quill-opt %s -split-input-file --quill-dyadic="gelu=tanh" 2>&1 | FileCheck %s --check-prefix=GELU-OPTION
// GELU-OPTION: for the --gelu option: Cannot find option named 'tanh'!

!x = !quant.uniform<u8:f32, 0.05:128>
!s = !quant.uniform<u8:f32, 0.00390625:0>

// An elementwise function of one 8-bit tensor: a table of its 256 quantized
// values. sigmoid((0 - 128) * 0.05) = sigmoid(-6.4) = 0.00166 -> 0 steps of
// 1/256; sigmoid(0) = 0.5 -> 128 (entry 128); sigmoid(6.35) = 0.99826 -> 256
// saturates at 255 (entry 255).
// CHECK-LABEL: func.func @sigmoid_table
// CHECK: %[[T:.*]] = quill.table_lookup %arg0 {table = array<i32: 0, 0, 0,
// CHECK-SAME: 128,
// CHECK-SAME: 255, 255>} : tensor<4x!quant.uniform<u8:f32, 5.000000e-02:128>> to tensor<4x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK-NOT: quill.sigmoid
// CHECK: return %[[T]]
func.func @sigmoid_table(%x: tensor<4x!x>) -> tensor<4x!s> {
  %f = quill.dequantize %x : tensor<4x!x> to tensor<4xf32>
  %y = quill.sigmoid %f : tensor<4xf32>
  %q = quill.quantize %y : tensor<4xf32> to tensor<4x!s>
  return %q : tensor<4x!s>
}

// -----

!a = !quant.uniform<u8:f32, 0.05:128>
!b = !quant.uniform<i8:f32, 0.025:-5>
!y = !quant.uniform<u8:f32, 0.06:100>

// A residual add with a ReLU: both branches to the common scale
// 0.05 / 2^20 (factors 2^20 and 2^19), added in int32, requantized by
// (0.05 / 2^20) / 0.06 with the ReLU as the clamp at the zero point.
// CHECK-LABEL: func.func @residual_add_relu
// CHECK: %[[A:.*]] = quill.requantize %{{.*}} {input_unsigned, input_zero_point = 128 : i32, multiplier = array<i32: 1073741824>, shift = array<i8: 10>} : tensor<4xi8> to tensor<4xi32>
// CHECK: %[[B:.*]] = quill.requantize %{{.*}} {input_zero_point = -5 : i32, multiplier = array<i32: 1073741824>, shift = array<i8: 11>} : tensor<2x4xi8> to tensor<2x4xi32>
// CHECK: %[[SUM:.*]] = quill.add %[[A]], %[[B]] : (tensor<4xi32>, tensor<2x4xi32>) -> tensor<2x4xi32>
// CHECK: quill.requantize %[[SUM]] {clamp_min = 100 : i64, multiplier = array<i32: 1789569707>, output_unsigned, output_zero_point = 100 : i32, shift = array<i8: 51>} : tensor<2x4xi32> to tensor<2x4xi8>
func.func @residual_add_relu(%a: tensor<4x!a>, %b: tensor<2x4x!b>) -> tensor<2x4x!y> {
  %af = quill.dequantize %a : tensor<4x!a> to tensor<4xf32>
  %bf = quill.dequantize %b : tensor<2x4x!b> to tensor<2x4xf32>
  %s = quill.add %af, %bf : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = quill.relu %s : tensor<2x4xf32>
  %q = quill.quantize %r : tensor<2x4xf32> to tensor<2x4x!y>
  return %q : tensor<2x4x!y>
}

// -----

!a = !quant.uniform<i8:f32, 0.5:3>
!b = !quant.uniform<i8:f32, 0.25>
!y = !quant.uniform<i8:f32, 1.0:-2>

// A product: (a - 3) * b in int32 (requantizes by exactly 1 subtract the
// zero points), requantized by 0.5 * 0.25 / 1.0 = 2^30 / 2^33.
// CHECK-LABEL: func.func @mul
// CHECK: %[[A:.*]] = quill.requantize %{{.*}} {input_zero_point = 3 : i32, multiplier = array<i32: 1073741824>, shift = array<i8: 30>} : tensor<4xi8> to tensor<4xi32>
// CHECK: %[[B:.*]] = quill.requantize %{{.*}} {multiplier = array<i32: 1073741824>, shift = array<i8: 30>} : tensor<4xi8> to tensor<4xi32>
// CHECK: %[[P:.*]] = quill.mul %[[A]], %[[B]] : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
// CHECK: quill.requantize %[[P]] {multiplier = array<i32: 1073741824>, output_zero_point = -2 : i32, shift = array<i8: 33>}
func.func @mul(%a: tensor<4x!a>, %b: tensor<4x!b>) -> tensor<4x!y> {
  %af = quill.dequantize %a : tensor<4x!a> to tensor<4xf32>
  %bf = quill.dequantize %b : tensor<4x!b> to tensor<4xf32>
  %p = quill.mul %af, %bf : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %q = quill.quantize %p : tensor<4xf32> to tensor<4x!y>
  return %q : tensor<4x!y>
}

// -----

!x = !quant.uniform<u8:f32, 0.1:10>
!y = !quant.uniform<u8:f32, 0.05:0>

// Global average pooling: the centered sum over 4x4 = 16 pixels in int32,
// requantized by 0.1 / (16 * 0.05) = 0.125 = 2^30 / 2^33.
// CHECK-LABEL: func.func @global_average_pool
// CHECK: %[[C:.*]] = quill.requantize %{{.*}} {input_unsigned, input_zero_point = 10 : i32, multiplier = array<i32: 1073741824>, shift = array<i8: 30>} : tensor<1x3x4x4xi8> to tensor<1x3x4x4xi32>
// CHECK: %[[S:.*]] = quill.reduce_sum %[[C]] {axes = array<i64: 2, 3>, keepdims} : tensor<1x3x4x4xi32> to tensor<1x3x1x1xi32>
// CHECK: quill.requantize %[[S]] {multiplier = array<i32: 1073741824>, output_unsigned, shift = array<i8: 33>}
func.func @global_average_pool(%x: tensor<1x3x4x4x!x>) -> tensor<1x3x1x1x!y> {
  %f = quill.dequantize %x : tensor<1x3x4x4x!x> to tensor<1x3x4x4xf32>
  %p = quill.global_average_pool %f : tensor<1x3x4x4xf32> to tensor<1x3x1x1xf32>
  %q = quill.quantize %p : tensor<1x3x1x1xf32> to tensor<1x3x1x1x!y>
  return %q : tensor<1x3x1x1x!y>
}

// -----

!x = !quant.uniform<u8:f32, 0.05:10>
!y = !quant.uniform<u8:f32, 0.1:0>
!z = !quant.uniform<u8:f32, 0.2:0>

// A pool read by two quantizes: each gets its integer form and the float
// pool is gone.
// CHECK-LABEL: func.func @pool_read_twice
// CHECK-NOT: quill.global_average_pool
// CHECK-COUNT-2: quill.reduce_sum
// CHECK-NOT: quill.global_average_pool
func.func @pool_read_twice(%x: tensor<1x3x4x4x!x>) -> (tensor<1x3x1x1x!y>, tensor<1x3x1x1x!z>) {
  %f = quill.dequantize %x : tensor<1x3x4x4x!x> to tensor<1x3x4x4xf32>
  %p = quill.global_average_pool %f : tensor<1x3x4x4xf32> to tensor<1x3x1x1xf32>
  %q = quill.quantize %p : tensor<1x3x1x1xf32> to tensor<1x3x1x1x!y>
  %r = quill.quantize %p : tensor<1x3x1x1xf32> to tensor<1x3x1x1x!z>
  return %q, %r : tensor<1x3x1x1x!y>, tensor<1x3x1x1x!z>
}

// -----

!x = !quant.uniform<i8:f32:0, {0.5, 0.25}>
!y = !quant.uniform<i8:f32, 0.01>

// Per-axis inputs have no single table: the float chain stays, for
// quill-verify-integer-only to report.
// CHECK-LABEL: func.func @per_axis_stays
// CHECK: quill.sigmoid
// CHECK-NOT: quill.table_lookup
func.func @per_axis_stays(%x: tensor<2x!x>) -> tensor<2x!y> {
  %f = quill.dequantize %x : tensor<2x!x> to tensor<2xf32>
  %s = quill.sigmoid %f : tensor<2xf32>
  %q = quill.quantize %s : tensor<2xf32> to tensor<2x!y>
  return %q : tensor<2x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:3>
!p = !quant.uniform<u8:f32, 0.00392156862745098>

// Softmax: quill.integer_softmax with I-BERT's i-exp (the default) or
// Shiftmax; the float softmax goes.
// CHECK-LABEL: func.func @softmax
// CHECK: %[[P:.*]] = quill.integer_softmax %arg0 {approximation = #quill.exp_approximation<i_exp>, axis = 1 : i64}
// CHECK-SAME: tensor<2x8x!quant.uniform<i8:f32, 5.000000e-02:3>> to tensor<2x8x!quant.uniform<u8:f32, 0.0039215686274509803>>
// CHECK-NOT: quill.softmax
// CHECK: return %[[P]]
// SHIFT-LABEL: func.func @softmax
// SHIFT: quill.integer_softmax %arg0 {approximation = #quill.exp_approximation<shift>, axis = 1 : i64}
func.func @softmax(%x: tensor<2x8x!x>) -> tensor<2x8x!p> {
  %f = quill.dequantize %x : tensor<2x8x!x> to tensor<2x8xf32>
  %s = quill.softmax %f {axis = 1 : i64} : tensor<2x8xf32>
  %q = quill.quantize %s : tensor<2x8xf32> to tensor<2x8x!p>
  return %q : tensor<2x8x!p>
}

// -----

!x = !quant.uniform<i8:f32, 2.0:0>
!p = !quant.uniform<u8:f32, 0.00392156862745098>

// An input scale of 2 leaves i-exp no step inside ln 2 (|x0| < 2): the
// softmax stays float for quill-verify-integer-only to report.
// CHECK-LABEL: func.func @softmax_coarse
// CHECK: quill.softmax
func.func @softmax_coarse(%x: tensor<8x!x>) -> tensor<8x!p> {
  %f = quill.dequantize %x : tensor<8x!x> to tensor<8xf32>
  %s = quill.softmax %f {axis = 0 : i64} : tensor<8xf32>
  %q = quill.quantize %s : tensor<8xf32> to tensor<8x!p>
  return %q : tensor<8x!p>
}

// -----

!x = !quant.uniform<u8:f32, 0.04:130>
!y = !quant.uniform<u8:f32, 0.03:120>

// LayerNorm: gamma / S_out = [33.3, -66.7] has 7 integer bits, so gamma
// carries 24 - 7 = 17 fraction bits (33.33 * 2^17 = 4369067) and the shift is
// 16 + 17 = 33; beta = [0.5, 0] is 16.67 * 2^33 = 143165576533; epsilon
// 1e-5 is round(2^3 * 1e-5 / 0.04^2) = 0 units.
// CHECK-LABEL: func.func @layer_norm
// CHECK-DAG: %[[G:.*]] = arith.constant dense<[4369067, -8738133]> : tensor<2xi64>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[143165576533, 0]> : tensor<2xi64>
// CHECK: quill.integer_layer_norm %arg0, %[[G]], %[[B]] {axis = 1 : i64, epsilon = 0 : i64, shift = 33 : i64}
// CHECK-NOT: quill.layer_norm
func.func @layer_norm(%x: tensor<3x2x!x>) -> tensor<3x2x!y> {
  %g = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %f = quill.dequantize %x : tensor<3x2x!x> to tensor<3x2xf32>
  %n = quill.layer_norm %f, %g, %b {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %q = quill.quantize %n : tensor<3x2xf32> to tensor<3x2x!y>
  return %q : tensor<3x2x!y>
}

// -----

!x = !quant.uniform<u8:f32, 0.04:130>
!y = !quant.uniform<u8:f32, 0.03:120>

// A scale that is not a constant: LayerNorm stays float.
// CHECK-LABEL: func.func @layer_norm_dynamic_scale
// CHECK: quill.layer_norm
func.func @layer_norm_dynamic_scale(%x: tensor<3x2x!x>, %g: tensor<2xf32>) -> tensor<3x2x!y> {
  %f = quill.dequantize %x : tensor<3x2x!x> to tensor<3x2xf32>
  %n = quill.layer_norm %f, %g {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %q = quill.quantize %n : tensor<3x2xf32> to tensor<3x2x!y>
  return %q : tensor<3x2x!y>
}

// -----

!a = !quant.uniform<u8:f32, 0.05:128>
!y = !quant.uniform<u8:f32, 0.025:128>

// Multiplying by 0.125 and dividing by 4: one requantize each, by
// 0.05 * 0.125 / 0.025 = 0.25 (2^30 / 2^32) and 0.05 / 4 / 0.025 = 0.5.
// CHECK-LABEL: func.func @scale_by_constant
// CHECK: quill.requantize %{{.*}} {input_unsigned, input_zero_point = 128 : i32, multiplier = array<i32: 1073741824>, output_unsigned, output_zero_point = 128 : i32, shift = array<i8: 32>}
// CHECK: quill.requantize %{{.*}} {input_unsigned, input_zero_point = 128 : i32, multiplier = array<i32: 1073741824>, output_unsigned, output_zero_point = 128 : i32, shift = array<i8: 31>}
// CHECK-NOT: quill.mul
// CHECK-NOT: quill.div
func.func @scale_by_constant(%a: tensor<4x!a>) -> (tensor<4x!y>, tensor<4x!y>) {
  %c = arith.constant dense<0.125> : tensor<f32>
  %four = arith.constant dense<4.0> : tensor<f32>
  %f = quill.dequantize %a : tensor<4x!a> to tensor<4xf32>
  %m = quill.mul %f, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %d = quill.div %f, %four : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %qm = quill.quantize %m : tensor<4xf32> to tensor<4x!y>
  %qd = quill.quantize %d : tensor<4xf32> to tensor<4x!y>
  return %qm, %qd : tensor<4x!y>, tensor<4x!y>
}

// -----

!a = !quant.uniform<u8:f32, 0.05:128>
!y = !quant.uniform<u8:f32, 0.025:128>

// A negative factor has no dyadic form: the multiply stays float.
// CHECK-LABEL: func.func @scale_by_negative_constant
// CHECK: quill.mul
func.func @scale_by_negative_constant(%a: tensor<4x!a>) -> tensor<4x!y> {
  %c = arith.constant dense<-0.5> : tensor<f32>
  %f = quill.dequantize %a : tensor<4x!a> to tensor<4xf32>
  %m = quill.mul %f, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %q = quill.quantize %m : tensor<4xf32> to tensor<4x!y>
  return %q : tensor<4x!y>
}

// -----

!a = !quant.uniform<u8:f32, 0.05:128>
!y = !quant.uniform<u8:f32, 0.06:100>

// Adding a constant: the constant in int32 at the common scale 0.05 / 2^20
// (1.0 -> 20971520, -0.5 -> -10485760), the input rescaled by 2^20.
// CHECK-LABEL: func.func @add_constant
// CHECK-DAG: %[[C:.*]] = arith.constant dense<[20971520, -10485760]> : tensor<2xi32>
// CHECK: %[[A:.*]] = quill.requantize %{{.*}} {input_unsigned, input_zero_point = 128 : i32, multiplier = array<i32: 1073741824>, shift = array<i8: 10>}
// CHECK: quill.add %[[A]], %[[C]] : (tensor<3x2xi32>, tensor<2xi32>) -> tensor<3x2xi32>
func.func @add_constant(%a: tensor<3x2x!a>) -> tensor<3x2x!y> {
  %c = arith.constant dense<[1.0, -0.5]> : tensor<2xf32>
  %f = quill.dequantize %a : tensor<3x2x!a> to tensor<3x2xf32>
  %s = quill.add %f, %c : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %q = quill.quantize %s : tensor<3x2xf32> to tensor<3x2x!y>
  return %q : tensor<3x2x!y>
}

// -----

!a = !quant.uniform<u8:f32, 0.05:128>
!b = !quant.uniform<i8:f32, 0.1:0>
!y = !quant.uniform<i8:f32, 0.1:0>

// A concat of inputs with different types: the input of another type
// requantized to the output's (0.05 / 0.1 = 2^30 / 2^31), the other taken
// as it is, then the concat on stored values.
// CHECK-LABEL: func.func @concat_rescaled
// CHECK: %[[A:.*]] = quill.requantize %{{.*}} {input_unsigned, input_zero_point = 128 : i32, multiplier = array<i32: 1073741824>, shift = array<i8: 31>} : tensor<2x3xi8> to tensor<2x3xi8>
// CHECK: %[[AQ:.*]] = quill.storage_cast %[[A]]
// CHECK: quill.concat %[[AQ]], %arg1 {axis = 1 : i64} : (tensor<2x3x!quant.uniform<i8:f32, 1.000000e-01>>, tensor<2x2x!quant.uniform<i8:f32, 1.000000e-01>>) -> tensor<2x5x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK-NOT: quill.dequantize
func.func @concat_rescaled(%a: tensor<2x3x!a>, %b: tensor<2x2x!b>) -> tensor<2x5x!y> {
  %af = quill.dequantize %a : tensor<2x3x!a> to tensor<2x3xf32>
  %bf = quill.dequantize %b : tensor<2x2x!b> to tensor<2x2xf32>
  %c = quill.concat %af, %bf {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
  %q = quill.quantize %c : tensor<2x5xf32> to tensor<2x5x!y>
  return %q : tensor<2x5x!y>
}

// -----

!x = !quant.uniform<u8:f32, 0.04:10>
!y = !quant.uniform<u8:f32, 0.03:20>

// GELU: a table of its 256 quantized values by default, I-BERT's integer
// polynomial with gelu=i-gelu.
// CHECK-LABEL: func.func @gelu_forms
// CHECK: quill.table_lookup
// IGELU-LABEL: func.func @gelu_forms
// IGELU: quill.integer_gelu %arg0 : tensor<8x!quant.uniform<u8:f32, 4.000000e-02:10>> to tensor<8x!quant.uniform<u8:f32, 3.000000e-02:20>>
// IGELU-NOT: quill.table_lookup
func.func @gelu_forms(%x: tensor<8x!x>) -> tensor<8x!y> {
  %f = quill.dequantize %x : tensor<8x!x> to tensor<8xf32>
  %g = quill.gelu %f : tensor<8xf32>
  %q = quill.quantize %g : tensor<8xf32> to tensor<8x!y>
  return %q : tensor<8x!y>
}

// -----

!y = !quant.uniform<i8:f32, 0.03:-5>
!o = !quant.uniform<i8:f32, 0.012:5>

// An average pool whose windows all divide by 9 (padding counted): window
// sums of x - zx as a depthwise integer convolution with a kernel of ones
// (padding holds the zero point), requantized by 0.03 / (9 * 0.012). Without
// count_include_pad the border windows divide by less: it stays float.
// CHECK-LABEL: func.func @average_pool
// CHECK: %[[ONES:.*]] = arith.constant dense<1> : tensor<4x1x3x3xi8>
// CHECK: %[[W:.*]] = quill.storage_cast %[[ONES]]
// CHECK: %[[SUMS:.*]] = quill.quantized_conv %arg0, %[[W]] {dilations = array<i64: 1, 1>, group = 4 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
// CHECK: quill.requantize %[[SUMS]] {multiplier = array<i32: 1193046471>, output_zero_point = 5 : i32, shift = array<i8: 32>}
// CHECK: quill.average_pool
func.func @average_pool(%x: tensor<2x4x5x5x!y>) -> (tensor<2x4x3x3x!o>, tensor<2x4x3x3x!o>) {
  %f = quill.dequantize %x : tensor<2x4x5x5x!y> to tensor<2x4x5x5xf32>
  %p = quill.average_pool %f {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, count_include_pad} : tensor<2x4x5x5xf32> to tensor<2x4x3x3xf32>
  %q = quill.quantize %p : tensor<2x4x3x3xf32> to tensor<2x4x3x3x!o>
  %p2 = quill.average_pool %f {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : tensor<2x4x5x5xf32> to tensor<2x4x3x3xf32>
  %q2 = quill.quantize %p2 : tensor<2x4x3x3xf32> to tensor<2x4x3x3x!o>
  return %q, %q2 : tensor<2x4x3x3x!o>, tensor<2x4x3x3x!o>
}
