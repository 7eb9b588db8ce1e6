// RUN: quill-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(quill-quantize{stats-file=%S/Inputs/stats.json}))' | FileCheck %s --check-prefix=MAX
// RUN: quill-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(quill-quantize{stats-file=%S/Inputs/stats.json calibrator=percentile percentile=99.0 symmetric-activations per-tensor-weights}))' | FileCheck %s --check-prefix=PCT

// Inputs/stats.json: x in [-2, 4] with a histogram of |x| over [0, 4] holding
// one value in each of the first 1024 bins and one in the last; the Gemm
// output after the ReLU (named fc_relu) in [0, 6]. The ReLU feeds another
// quantized op, so it is quantized; that op's output is returned as float
// and is not (nor has it statistics).
//
// max, affine uint8: x over [-2, 4]: scale 6/255, zero point 85; fc over
// [0, 6]: scale 6/255, zero point 0, after the ReLU. Weights per output
// channel (axis 0 of the transposed weight): 1/127 and 4/127.
// MAX-LABEL: func.func @gemm_relu
// MAX: %[[XQ:.*]] = quill.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32, 0.023529{{[0-9]*}}:85>>
// MAX: %[[XD:.*]] = quill.dequantize %[[XQ]]
// MAX: %[[W:.*]] = arith.constant dense<{{\[\[}}127, -64, 0], [32, 127, -127]]> : tensor<2x3xi8>
// MAX: %[[WQ:.*]] = quill.storage_cast %[[W]] : tensor<2x3xi8> to tensor<2x3x!quant.uniform<i8<-127:127>:f32:0, {0.0078740{{[0-9]*}},0.031496{{[0-9]*}}}>>
// MAX: %[[WD:.*]] = quill.dequantize %[[WQ]]
// MAX: %[[Y:.*]] = quill.gemm %[[XD]], %[[WD]], %{{.*}} {trans_b}
// MAX: %[[R:.*]] = quill.relu %[[Y]]
// MAX: %[[RQ:.*]] = quill.quantize %[[R]] : tensor<2x2xf32> to tensor<2x2x!quant.uniform<u8:f32, 0.023529{{[0-9]*}}>>
// MAX: %[[RD:.*]] = quill.dequantize %[[RQ]]
// MAX: %[[Z:.*]] = quill.matmul %[[RD]], %{{.*}}
// MAX-NOT: quill.quantize
// MAX: return %[[Z]]
//
// percentile 99 of |x|: 99% of 1025 values lie below bin 1015's upper edge
// (1015 * 4 / 2048 = 1.982421875); symmetric int8: scale 1.982421875/127.
// Per-tensor weights: one scale, 4/127.
// PCT-LABEL: func.func @gemm_relu
// PCT: quill.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.0156096{{[0-9]*}}>>
// PCT: arith.constant dense<{{\[\[}}32, -16, 0], [32, 127, -127]]> : tensor<2x3xi8>
// PCT: tensor<2x3x!quant.uniform<i8<-127:127>:f32, 0.031496{{[0-9]*}}>>
func.func @gemm_relu(%x: tensor<2x3xf32> {quill.name = "x"}) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, -0.5, 0.0], [1.0, 4.0, -4.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %y = quill.gemm %x, %w, %b {trans_b} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x2xf32> loc("fc")
  %r = quill.relu %y : tensor<2x2xf32> loc("fc_relu")
  %w2 = arith.constant dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %z = quill.matmul %r, %w2 : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32> loc("out")
  return %z : tensor<2x2xf32>
}

// -----

// A tensor the statistics do not cover is an error naming it.
func.func @missing(%x: tensor<2x3xf32> {quill.name = "other"}) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<3x2xf32>
  // expected-error @+1 {{no calibration statistics for tensor 'other'}}
  %y = quill.matmul %x, %w : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// ConvTranspose weights [C, M/G, K, K]: with one group, scales per output
// channel (axis 1), so that quill-qdq-to-integer can run the product on
// integers; with two groups, per input channel (axis 0).
// MAX-LABEL: func.func @conv_transpose_axes
// MAX: tensor<2x2x1x1x!quant.uniform<i8<-127:127>:f32:1, {0.0078740{{[0-9]*}},0.031496{{[0-9]*}}}>>
// MAX: tensor<2x1x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.0078740{{[0-9]*}},0.031496{{[0-9]*}}}>>
func.func @conv_transpose_axes(%x: tensor<1x2x2x2xf32> {quill.name = "x"}) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = arith.constant dense<[[[[1.0]], [[4.0]]], [[[-0.5]], [[2.0]]]]> : tensor<2x2x1x1xf32>
  %y = quill.conv_transpose %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, group = 1 : i64} : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32> loc("fc")
  %wg = arith.constant dense<[[[[1.0]]], [[[4.0]]]]> : tensor<2x1x1x1xf32>
  %z = quill.conv_transpose %x, %wg {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, group = 2 : i64} : (tensor<1x2x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32> loc("out")
  return %y, %z : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}
