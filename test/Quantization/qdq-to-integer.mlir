// RUN: quill-opt %s -split-input-file --quill-qdq-to-integer | FileCheck %s

!x = !quant.uniform<u8:f32, 0.02:120>
!w = !quant.uniform<i8:f32:0, {0.5, 0.25}>
!b = !quant.uniform<i32:f32:0, {0.01, 0.005}>
!h = !quant.uniform<u8:f32, 0.05:100>

// ORT's QDQ Gemm: per-channel weights (axis 0 of the transposed weight), an
// int32 bias at x_scale * w_scale, and a Relu folded into the clamp.
// CHECK-LABEL: func.func @gemm_relu
// CHECK: %[[BIAS:.*]] = arith.constant dense<[7, -3]> : tensor<2xi32>
// CHECK: %[[WT:.*]] = arith.constant dense<{{\[\[}}1, 3], [-2, 4], [5, -6]]> : tensor<3x2xi8>
// CHECK: %[[W:.*]] = quill.storage_cast %[[WT]] : tensor<3x2xi8> to tensor<3x2x!quant.uniform<i8:f32:1, {5.000000e-01,2.500000e-01}>>
// CHECK: %[[ACC:.*]] = quill.quantized_matmul %arg0, %[[W]]
// CHECK: %[[SUM:.*]] = quill.add %[[ACC]], %[[BIAS]] : (tensor<4x2xi32>, tensor<2xi32>) -> tensor<4x2xi32>
// 0.02 * 0.5 / 0.05 = 0.2 = 1717986918 / 2^33; 0.1 = 1717986918 / 2^34
// CHECK: %[[Y:.*]] = quill.requantize %[[SUM]] {axis = 1 : i32, clamp_min = 100 : i64, multiplier = array<i32: 1717986918, 1717986918>, output_unsigned, output_zero_point = 100 : i32, shift = array<i8: 33, 34>} : tensor<4x2xi32> to tensor<4x2xi8>
// CHECK: %[[R:.*]] = quill.storage_cast %[[Y]] : tensor<4x2xi8> to tensor<4x2x!quant.uniform<u8:f32, 5.000000e-02:100>>
// CHECK: return %[[R]]
func.func @gemm_relu(%x: tensor<4x3x!x>) -> tensor<4x2x!h> {
  %xf = quill.dequantize %x : tensor<4x3x!x> to tensor<4x3xf32>
  %wi = arith.constant dense<[[1, -2, 5], [3, 4, -6]]> : tensor<2x3xi8>
  %wq = quill.storage_cast %wi : tensor<2x3xi8> to tensor<2x3x!w>
  %wf = quill.dequantize %wq : tensor<2x3x!w> to tensor<2x3xf32>
  %bi = arith.constant dense<[7, -3]> : tensor<2xi32>
  %bq = quill.storage_cast %bi : tensor<2xi32> to tensor<2x!b>
  %bf = quill.dequantize %bq : tensor<2x!b> to tensor<2xf32>
  %y = quill.gemm %xf, %wf, %bf {trans_b} : (tensor<4x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %r = quill.relu %y : tensor<4x2xf32>
  %q = quill.quantize %r : tensor<4x2xf32> to tensor<4x2x!h>
  return %q : tensor<4x2x!h>
}

// -----

!a = !quant.uniform<i8:f32, 0.5:3>
!w = !quant.uniform<u8:f32, 0.25:128>
!y = !quant.uniform<i8:f32, 1.0:-2>

// A batched MatMul with a per-tensor uint8 weight (zero point 128).
// CHECK-LABEL: func.func @batched_matmul
// CHECK: %[[ACC:.*]] = quill.quantized_matmul %arg0, %arg1 : (tensor<2x4x3x!quant.uniform<i8:f32, 5.000000e-01:3>>, tensor<3x2x!quant.uniform<u8:f32, 2.500000e-01:128>>) -> tensor<2x4x2xi32>
// CHECK: quill.requantize %[[ACC]] {multiplier = array<i32: 1073741824>, output_zero_point = -2 : i32, shift = array<i8: 33>}
func.func @batched_matmul(%a: tensor<2x4x3x!a>, %w: tensor<3x2x!w>) -> tensor<2x4x2x!y> {
  %af = quill.dequantize %a : tensor<2x4x3x!a> to tensor<2x4x3xf32>
  %wf = quill.dequantize %w : tensor<3x2x!w> to tensor<3x2xf32>
  %p = quill.matmul %af, %wf : (tensor<2x4x3xf32>, tensor<3x2xf32>) -> tensor<2x4x2xf32>
  %q = quill.quantize %p : tensor<2x4x2xf32> to tensor<2x4x2x!y>
  return %q : tensor<2x4x2x!y>
}

// -----

!a = !quant.uniform<i8:f32, 0.5:3>
!w = !quant.uniform<i8:f32, 0.25>
!y = !quant.uniform<i8:f32, 1.0:-2>

// A float bias is quantized at compile time to x_scale * w_scale = 0.125.
// CHECK-LABEL: func.func @gemm_bias_float
// CHECK: %[[BIAS:.*]] = arith.constant dense<[8, -4]> : tensor<2xi32>
// CHECK: %[[ACC:.*]] = quill.quantized_matmul %arg0, %arg1
// CHECK: quill.add %[[ACC]], %[[BIAS]]
func.func @gemm_bias_float(%a: tensor<4x3x!a>, %w: tensor<3x2x!w>) -> tensor<4x2x!y> {
  %af = quill.dequantize %a : tensor<4x3x!a> to tensor<4x3xf32>
  %wf = quill.dequantize %w : tensor<3x2x!w> to tensor<3x2xf32>
  %b = arith.constant dense<[1.0, -0.5]> : tensor<2xf32>
  %p = quill.gemm %af, %wf, %b : (tensor<4x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %q = quill.quantize %p : tensor<4x2xf32> to tensor<4x2x!y>
  return %q : tensor<4x2x!y>
}

// -----

!a = !quant.uniform<i8:f32, 0.5:3>
!w = !quant.uniform<i8:f32, 0.25>
!y = !quant.uniform<i8:f32, 1.0:-2>

// A 3-d MatMul plus a constant bias, the form exporters write for Linear
// (the bias first here): the same int32 bias (scale 0.125) on the product.
// CHECK-LABEL: func.func @matmul_add_bias
// CHECK: %[[BIAS:.*]] = arith.constant dense<[8, -4]> : tensor<2xi32>
// CHECK: %[[ACC:.*]] = quill.quantized_matmul %arg0, %arg1 {{.*}} -> tensor<2x4x2xi32>
// CHECK: quill.add %[[ACC]], %[[BIAS]]
// CHECK-NOT: quill.matmul
func.func @matmul_add_bias(%a: tensor<2x4x3x!a>, %w: tensor<3x2x!w>) -> tensor<2x4x2x!y> {
  %af = quill.dequantize %a : tensor<2x4x3x!a> to tensor<2x4x3xf32>
  %wf = quill.dequantize %w : tensor<3x2x!w> to tensor<3x2xf32>
  %b = arith.constant dense<[1.0, -0.5]> : tensor<2xf32>
  %p = quill.matmul %af, %wf : (tensor<2x4x3xf32>, tensor<3x2xf32>) -> tensor<2x4x2xf32>
  %s = quill.add %b, %p : (tensor<2xf32>, tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  %q = quill.quantize %s : tensor<2x4x2xf32> to tensor<2x4x2x!y>
  return %q : tensor<2x4x2x!y>
}

// -----

!a = !quant.uniform<i8:f32, 0.5:3>
!w = !quant.uniform<i8:f32, 0.25>
!y = !quant.uniform<i8:f32, 1.0:-2>

// alpha != 1 stays in float; a product quantized only after a reshape is
// computed on integers and read as float by the reshape.
// CHECK-LABEL: func.func @not_integer
// CHECK-NOT: quantized_matmul
// CHECK: quill.gemm
// CHECK: quill.quantized_matmul
// CHECK: quill.dequantize
// CHECK: quill.reshape
func.func @not_integer(%a: tensor<4x3x!a>, %w: tensor<3x2x!w>) -> (tensor<4x2x!y>, tensor<8x!y>) {
  %af = quill.dequantize %a : tensor<4x3x!a> to tensor<4x3xf32>
  %wf = quill.dequantize %w : tensor<3x2x!w> to tensor<3x2xf32>
  %p = quill.gemm %af, %wf {alpha = 2.0 : f32} : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %q = quill.quantize %p : tensor<4x2xf32> to tensor<4x2x!y>
  %m = quill.matmul %af, %wf : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %r = quill.reshape %m : tensor<4x2xf32> to tensor<8xf32>
  %s = quill.quantize %r : tensor<8xf32> to tensor<8x!y>
  return %q, %s : tensor<4x2x!y>, tensor<8x!y>
}

// -----

!x = !quant.uniform<u8:f32, 0.1:128>
!y = !quant.uniform<u8:f32, 0.2:10>

// Data movement keeps the stored values; a change of parameters is a
// requantize, a Relu a clamp at the zero point.
// CHECK-LABEL: func.func @movement_and_rescale
// CHECK: %[[T:.*]] = quill.transpose %arg0 {permutation = array<i64: 1, 0>} : tensor<2x3x!quant.uniform<u8:f32, 1.000000e-01:128>> to tensor<3x2x!quant.uniform<u8:f32, 1.000000e-01:128>>
// CHECK: %[[S:.*]] = quill.storage_cast %[[T]] : tensor<3x2x!quant.uniform<u8:f32, 1.000000e-01:128>> to tensor<3x2xi8>
// CHECK: %[[R:.*]] = quill.requantize %[[S]] {clamp_min = 10 : i64, input_unsigned, input_zero_point = 128 : i32, multiplier = array<i32: 1073741824>, output_unsigned, output_zero_point = 10 : i32, shift = array<i8: 31>}
// CHECK: quill.storage_cast %[[R]] : tensor<3x2xi8> to tensor<3x2x!quant.uniform<u8:f32, 2.000000e-01:10>>
func.func @movement_and_rescale(%x: tensor<2x3x!x>) -> tensor<3x2x!y> {
  %xf = quill.dequantize %x : tensor<2x3x!x> to tensor<2x3xf32>
  %t = quill.transpose %xf {permutation = array<i64: 1, 0>} : tensor<2x3xf32> to tensor<3x2xf32>
  %tq = quill.quantize %t : tensor<3x2xf32> to tensor<3x2x!x>
  %tf = quill.dequantize %tq : tensor<3x2x!x> to tensor<3x2xf32>
  %r = quill.relu %tf : tensor<3x2xf32>
  %q = quill.quantize %r : tensor<3x2xf32> to tensor<3x2x!y>
  return %q : tensor<3x2x!y>
}

// -----

!x = !quant.uniform<u8:f32, 0.02:120>
!w = !quant.uniform<i8:f32:0, {0.5, 0.25}>
!h = !quant.uniform<u8:f32, 0.05:100>

// A Clip (ReLU6) after a convolution is the requantization's clamp: its
// bounds quantized to the output type, 0 -> 100 and 6 -> 220.
// CHECK-LABEL: func.func @conv_relu6
// CHECK: %[[ACC:.*]] = quill.quantized_conv
// CHECK: quill.requantize %[[ACC]] {axis = 1 : i32, clamp_max = 220 : i64, clamp_min = 100 : i64,
// CHECK-NOT: quill.clip
func.func @conv_relu6(%x: tensor<1x3x6x6x!x>) -> tensor<1x2x3x3x!h> {
  %xf = quill.dequantize %x : tensor<1x3x6x6x!x> to tensor<1x3x6x6xf32>
  %wi = arith.constant dense<1> : tensor<2x3x3x3xi8>
  %wq = quill.storage_cast %wi : tensor<2x3x3x3xi8> to tensor<2x3x3x3x!w>
  %wf = quill.dequantize %wq : tensor<2x3x3x3x!w> to tensor<2x3x3x3xf32>
  %y = quill.conv %xf, %wf {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x6x6xf32>, tensor<2x3x3x3xf32>) -> tensor<1x2x3x3xf32>
  %lo = arith.constant dense<0.0> : tensor<f32>
  %hi = arith.constant dense<6.0> : tensor<f32>
  %r = quill.clip %y min %lo max %hi : (tensor<1x2x3x3xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %q = quill.quantize %r : tensor<1x2x3x3xf32> to tensor<1x2x3x3x!h>
  return %q : tensor<1x2x3x3x!h>
}

// -----

!x = !quant.uniform<i8:f32, 0.1:-4>
!y = !quant.uniform<i8:f32, 0.1:-4>

// Clip between QDQ pairs: the clamp alone when the types agree (bounds
// -1.25 -> round(-12.5) - 4 = -16, ties to even, and 3.0 -> 26); only an
// upper bound leaves the lower one at the storage minimum.
// CHECK-LABEL: func.func @clip_between_pairs
// CHECK: quill.requantize %{{.*}} {clamp_max = 26 : i64, clamp_min = -16 : i64, input_zero_point = -4 : i32, multiplier = array<i32: 1073741824>, output_zero_point = -4 : i32, shift = array<i8: 30>}
// CHECK: quill.requantize %{{.*}} {clamp_max = 26 : i64, input_zero_point = -4 : i32,
// CHECK-NOT: quill.clip
func.func @clip_between_pairs(%x: tensor<4x!x>) -> (tensor<4x!y>, tensor<4x!y>) {
  %xf = quill.dequantize %x : tensor<4x!x> to tensor<4xf32>
  %lo = arith.constant dense<-1.25> : tensor<f32>
  %hi = arith.constant dense<3.0> : tensor<f32>
  %c = quill.clip %xf min %lo max %hi : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  %q = quill.quantize %c : tensor<4xf32> to tensor<4x!y>
  %c2 = quill.clip %xf max %hi : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %q2 = quill.quantize %c2 : tensor<4xf32> to tensor<4x!y>
  return %q, %q2 : tensor<4x!y>, tensor<4x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.1:-4>

// A bound that is not a constant keeps the Clip in float.
// CHECK-LABEL: func.func @clip_bound_not_constant
// CHECK: quill.clip
func.func @clip_bound_not_constant(%x: tensor<4x!x>, %hi: tensor<f32>) -> tensor<4x!x> {
  %xf = quill.dequantize %x : tensor<4x!x> to tensor<4xf32>
  %c = quill.clip %xf max %hi : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %q = quill.quantize %c : tensor<4xf32> to tensor<4x!x>
  return %q : tensor<4x!x>
}

// -----

!x = !quant.uniform<u8:f32, 0.02:120>
!w = !quant.uniform<i8:f32:1, {0.5, 0.25}>
!h = !quant.uniform<u8:f32, 0.05:100>

// A ConvTranspose (weights [C=1, M=2, 2, 2] per output channel, axis 1) is
// the convolution over the input dilated by the stride with each kernel
// flipped, channels swapped ([M, C, 2, 2], axis 0), stride 1 and padding
// dilation * (K - 1) - pad: 1 - 1 = 0 before, 1 - 0 + 1 (output padding)
// = 2 after.
// CHECK-LABEL: func.func @conv_transpose
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[\[\[}}4, 3], [2, 1]]], {{\[\[\[}}-4, -3], [-2, -1]]]]> : tensor<2x1x2x2xi8>
// CHECK: %[[WQ:.*]] = quill.storage_cast %[[W]] : tensor<2x1x2x2xi8> to tensor<2x1x2x2x!quant.uniform<i8:f32:0, {5.000000e-01,2.500000e-01}>>
// CHECK: %[[ACC:.*]] = quill.quantized_conv %arg0, %[[WQ]] {dilations = array<i64: 1, 1>, group = 1 : i64, input_dilations = array<i64: 2, 2>, pads = array<i64: 0, 0, 2, 2>, strides = array<i64: 1, 1>}
// CHECK-SAME: -> tensor<1x2x6x6xi32>
// CHECK: quill.requantize %[[ACC]] {axis = 1 : i32,
// CHECK-NOT: quill.conv_transpose
func.func @conv_transpose(%x: tensor<1x1x3x3x!x>) -> tensor<1x2x6x6x!h> {
  %xf = quill.dequantize %x : tensor<1x1x3x3x!x> to tensor<1x1x3x3xf32>
  %wi = arith.constant dense<[[[[1, 2], [3, 4]], [[-1, -2], [-3, -4]]]]> : tensor<1x2x2x2xi8>
  %wq = quill.storage_cast %wi : tensor<1x2x2x2xi8> to tensor<1x2x2x2x!w>
  %wf = quill.dequantize %wq : tensor<1x2x2x2x!w> to tensor<1x2x2x2xf32>
  %y = quill.conv_transpose %xf, %wf {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x1x3x3xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x6x6xf32>
  %q = quill.quantize %y : tensor<1x2x6x6xf32> to tensor<1x2x6x6x!h>
  return %q : tensor<1x2x6x6x!h>
}

// -----

!x = !quant.uniform<u8:f32, 0.02:120>
!w = !quant.uniform<i8:f32:0, {0.5, 0.25}>
!h = !quant.uniform<u8:f32, 0.05:100>

// Scales per input channel (axis 0) do not factor out of the sum over
// channels: the ConvTranspose stays in float.
// CHECK-LABEL: func.func @conv_transpose_input_channel_scales
// CHECK: quill.conv_transpose
func.func @conv_transpose_input_channel_scales(%x: tensor<1x2x3x3x!x>) -> tensor<1x1x4x4x!h> {
  %xf = quill.dequantize %x : tensor<1x2x3x3x!x> to tensor<1x2x3x3xf32>
  %wi = arith.constant dense<1> : tensor<2x1x2x2xi8>
  %wq = quill.storage_cast %wi : tensor<2x1x2x2xi8> to tensor<2x1x2x2x!w>
  %wf = quill.dequantize %wq : tensor<2x1x2x2x!w> to tensor<2x1x2x2xf32>
  %y = quill.conv_transpose %xf, %wf {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, group = 1 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  %q = quill.quantize %y : tensor<1x1x4x4xf32> to tensor<1x1x4x4x!h>
  return %q : tensor<1x1x4x4x!h>
}

// -----

// Dequantized constants nobody computes on as integers fold to floats.
// CHECK-LABEL: func.func @dequantize_constant_u8
// CHECK-NOT: quill.dequantize
// CHECK: %[[VALUES:.*]] = arith.constant dense<[-6.400000e+01, -6.350000e+01, 0.000000e+00, 6.350000e+01]> : tensor<4xf32>
// CHECK: return %[[VALUES]]
func.func @dequantize_constant_u8() -> tensor<4xf32> {
  %i = arith.constant dense<[0, 1, 128, 255]> : tensor<4xi8>
  %q = quill.storage_cast %i : tensor<4xi8> to tensor<4x!quant.uniform<u8:f32, 0.5:128>>
  %x = quill.dequantize %q : tensor<4x!quant.uniform<u8:f32, 0.5:128>> to tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

!a = !quant.uniform<u8:f32, 0.5:128>
!w = !quant.uniform<i8:f32:0, {0.25, 0.125}>

// A product read as float: the int32 accumulator, bias added at sa * sb,
// dequantized per column at sa * sb; Gemm's [N, K] weight is transposed to
// [K, N] with its scales.
// CHECK-LABEL: func.func @product_read_as_float
// CHECK: %[[W:.*]] = quill.storage_cast %{{.*}} : tensor<3x2xi8> to tensor<3x2x!quant.uniform<i8:f32:1, {2.500000e-01,1.250000e-01}>>
// CHECK: %[[ACC:.*]] = quill.quantized_matmul %arg0, %[[W]]
// CHECK: %[[BIASED:.*]] = quill.add %[[ACC]], %{{.*}} : (tensor<4x2xi32>, tensor<2xi32>) -> tensor<4x2xi32>
// CHECK: %[[CAST:.*]] = quill.storage_cast %[[BIASED]] : tensor<4x2xi32> to tensor<4x2x!quant.uniform<i32:f32:1, {1.250000e-01,6.250000e-02}>>
// CHECK: %[[Y:.*]] = quill.dequantize %[[CAST]]
// CHECK: quill.layer_norm %[[Y]]
func.func @product_read_as_float(%a: tensor<4x3x!a>, %scale: tensor<2xf32>, %shift: tensor<2xf32>) -> tensor<4x2xf32> {
  %af = quill.dequantize %a : tensor<4x3x!a> to tensor<4x3xf32>
  %bytes = arith.constant dense<[[1, 2, 3], [-4, -5, -6]]> : tensor<2x3xi8>
  %wq = quill.storage_cast %bytes : tensor<2x3xi8> to tensor<2x3x!w>
  %wf = quill.dequantize %wq : tensor<2x3x!w> to tensor<2x3xf32>
  %bias = arith.constant dense<[1.0, -0.5]> : tensor<2xf32>
  %p = quill.gemm %af, %wf, %bias {trans_b} : (tensor<4x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %n = quill.layer_norm %p, %scale, %shift {axis = 1 : i64, epsilon = 1.0e-5 : f32} : (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %n : tensor<4x2xf32>
}

// -----

// A concat whose inputs all have the output's type joins the stored values;
// with a different type on one input it stays in float.
// CHECK-LABEL: func.func @concat_on_integers
// CHECK: %[[C:.*]] = quill.concat %arg0, %arg1 {axis = 1 : i64} : (tensor<2x3x!quant.uniform<u8:f32, 5.000000e-01:3>>, tensor<2x1x!quant.uniform<u8:f32, 5.000000e-01:3>>) -> tensor<2x4x!quant.uniform<u8:f32, 5.000000e-01:3>>
// CHECK: return %[[C]]
func.func @concat_on_integers(%a: tensor<2x3x!quant.uniform<u8:f32, 0.5:3>>, %b: tensor<2x1x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<2x4x!quant.uniform<u8:f32, 0.5:3>> {
  %da = quill.dequantize %a : tensor<2x3x!quant.uniform<u8:f32, 0.5:3>> to tensor<2x3xf32>
  %db = quill.dequantize %b : tensor<2x1x!quant.uniform<u8:f32, 0.5:3>> to tensor<2x1xf32>
  %c = quill.concat %da, %db {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  %q = quill.quantize %c : tensor<2x4xf32> to tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>
  return %q : tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>
}

// CHECK-LABEL: func.func @concat_of_other_scales
// CHECK: quill.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
// CHECK: quill.quantize
func.func @concat_of_other_scales(%a: tensor<2x3x!quant.uniform<u8:f32, 0.5:3>>, %b: tensor<2x1x!quant.uniform<u8:f32, 0.25:3>>) -> tensor<2x4x!quant.uniform<u8:f32, 0.5:3>> {
  %da = quill.dequantize %a : tensor<2x3x!quant.uniform<u8:f32, 0.5:3>> to tensor<2x3xf32>
  %db = quill.dequantize %b : tensor<2x1x!quant.uniform<u8:f32, 0.25:3>> to tensor<2x1xf32>
  %c = quill.concat %da, %db {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  %q = quill.quantize %c : tensor<2x4xf32> to tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>
  return %q : tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>
}

// -----

!x = !quant.uniform<u8:f32, 0.02:120>
!w = !quant.uniform<i8:f32:0, {0.5, 0.25}>
!b = !quant.uniform<i32:f32:0, {0.01, 0.005}>
!h = !quant.uniform<u8:f32, 0.05:100>

// ORT's QDQ Conv: per-output-channel weights, an int32 bias added along the
// channel axis, the Relu in the clamp, the requantization along axis 1.
// CHECK-LABEL: func.func @conv_relu
// CHECK: %[[BIAS:.*]] = arith.constant dense<{{\[\[\[}}7]], {{\[\[}}-3]]]> : tensor<2x1x1xi32>
// CHECK: %[[ACC:.*]] = quill.quantized_conv %arg0, %{{.*}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x6x6x!quant.uniform<u8:f32, 2.000000e-02:120>>, tensor<2x3x3x3x!quant.uniform<i8:f32:0, {5.000000e-01,2.500000e-01}>>) -> tensor<1x2x3x3xi32>
// CHECK: %[[SUM:.*]] = quill.add %[[ACC]], %[[BIAS]] : (tensor<1x2x3x3xi32>, tensor<2x1x1xi32>) -> tensor<1x2x3x3xi32>
// CHECK: quill.requantize %[[SUM]] {axis = 1 : i32, clamp_min = 100 : i64, multiplier = array<i32: 1717986918, 1717986918>, output_unsigned, output_zero_point = 100 : i32, shift = array<i8: 33, 34>} : tensor<1x2x3x3xi32> to tensor<1x2x3x3xi8>
// CHECK-NOT: quill.conv
func.func @conv_relu(%x: tensor<1x3x6x6x!x>) -> tensor<1x2x3x3x!h> {
  %xf = quill.dequantize %x : tensor<1x3x6x6x!x> to tensor<1x3x6x6xf32>
  %wi = arith.constant dense<1> : tensor<2x3x3x3xi8>
  %wq = quill.storage_cast %wi : tensor<2x3x3x3xi8> to tensor<2x3x3x3x!w>
  %wf = quill.dequantize %wq : tensor<2x3x3x3x!w> to tensor<2x3x3x3xf32>
  %bi = arith.constant dense<[7, -3]> : tensor<2xi32>
  %bq = quill.storage_cast %bi : tensor<2xi32> to tensor<2x!b>
  %bf = quill.dequantize %bq : tensor<2x!b> to tensor<2xf32>
  %y = quill.conv %xf, %wf, %bf {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x6x6xf32>, tensor<2x3x3x3xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %r = quill.relu %y : tensor<1x2x3x3xf32>
  %q = quill.quantize %r : tensor<1x2x3x3xf32> to tensor<1x2x3x3x!h>
  return %q : tensor<1x2x3x3x!h>
}

// -----

!x = !quant.uniform<i8:f32, 0.5:3>
!w = !quant.uniform<i8:f32, 0.25>

// A depthwise conv read as float: the accumulator dequantized at
// 0.5 * 0.25 per channel.
// CHECK-LABEL: func.func @depthwise_conv_to_float
// CHECK: %[[ACC:.*]] = quill.quantized_conv %arg0, %{{.*}} {{.*}}group = 2 : i64
// CHECK: %[[Q:.*]] = quill.storage_cast %[[ACC]] : tensor<1x2x4x4xi32> to tensor<1x2x4x4x!quant.uniform<i32:f32, 1.250000e-01>>
// CHECK: quill.dequantize %[[Q]]
func.func @depthwise_conv_to_float(%x: tensor<1x2x4x4x!x>) -> tensor<1x2x4x4xf32> {
  %xf = quill.dequantize %x : tensor<1x2x4x4x!x> to tensor<1x2x4x4xf32>
  %wi = arith.constant dense<2> : tensor<2x1x3x3xi8>
  %wq = quill.storage_cast %wi : tensor<2x1x3x3xi8> to tensor<2x1x3x3x!w>
  %wf = quill.dequantize %wq : tensor<2x1x3x3x!w> to tensor<2x1x3x3xf32>
  %y = quill.conv %xf, %wf {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}
