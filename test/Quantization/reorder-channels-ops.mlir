// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-reorder-channels{format=int4-weights block-size=2 objective=group statistic=weight-norm}))' -split-input-file -verify-diagnostics > /dev/null
// RUN: %python %S/Inputs/float_equivalence.py 'builtin.module(func.func(quill-reorder-channels{format=int4-weights block-size=2 objective=spread statistic=weight-norm}))' 'left unpermuted' %s %t | FileCheck %s --check-prefix=EQUIVALENT

// Every op rule of the channel-group analysis, with the remark for each
// refusal. float_equivalence.py permutes each function (spread, so that
// every group moves), compiles it and the original, and checks that they
// compute the same outputs on random inputs.
// EQUIVALENT: 8 passed, 0 failed

// A CNN block: a convolution's output channels (weight rows, bias) through
// BatchNorm, ReLU, a depthwise convolution (weight and bias per channel)
// and max pooling to the next convolution's input channels.
func.func @cnn_block(%x: tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32> {
  %w1 = arith.constant dense<[[[[0.35]], [[-0.04]]], [[[-0.53]], [[-18.21]]], [[[0.02]], [[7.42]]], [[[1.04]], [[-4.29]]]]> : tensor<4x2x1x1xf32>
  %b1 = arith.constant dense<[2.23, 1.94, -0.23, -0.16]> : tensor<4xf32>
  %scale = arith.constant dense<[0.96, -0.25, 0.22, 1.22]> : tensor<4xf32>
  %shift = arith.constant dense<[1.19, -0.53, -0.46, -0.55]> : tensor<4xf32>
  %mean = arith.constant dense<[-0.01, 0.07, -0.39, 0.77]> : tensor<4xf32>
  %var = arith.constant dense<[1.0, 2.0, 0.5, 1.5]> : tensor<4xf32>
  %dw = arith.constant dense<[[[[0.05, 0.01, -1.97], [-1.38, -0.70, 0.36], [-0.87, 1.56, 0.15]]], [[[0.26, 0.12, 0.49], [0.92, -0.55, 1.57], [-0.78, 0.52, -0.21]]], [[[-0.17, 0.67, 0.20], [1.61, -0.51, 0.52], [0.58, 2.11, 1.61]]], [[[0.70, 1.67, 0.85], [-0.78, 0.33, 1.23], [-0.52, 1.53, 0.36]]]]> : tensor<4x1x3x3xf32>
  %db = arith.constant dense<[-0.63, 0.46, -1.57, -0.69]> : tensor<4xf32>
  %w2 = arith.constant dense<[[[[-1.05]], [[3.99]], [[-2.05]], [[-25.03]]], [[[0.30]], [[-3.84]], [[-1.45]], [[-9.54]]]]> : tensor<2x4x1x1xf32>
  // expected-remark@+1 {{channel group of 2 channels read by 1 op(s): kept group/weight-norm}}
  %h = quill.conv %x, %w1, %b1 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1} : (tensor<1x2x6x6xf32>, tensor<4x2x1x1xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  %n = quill.batch_norm %h, %scale, %shift, %mean, %var {epsilon = 1.0e-5 : f32} : (tensor<1x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  %r = quill.relu %n : tensor<1x4x6x6xf32>
  %d = quill.conv %r, %dw, %db {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 4} : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  %p = quill.max_pool %d {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x4x6x6xf32> to tensor<1x4x3x3xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 1 op(s): kept group/weight-norm}}
  %y = quill.conv %p, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1} : (tensor<1x4x3x3xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// Global pooling keeps the channel axis, a flatten moves it, and a Gemm
// with a transposed weight sums over it (the weight's columns).
func.func @pool_gemm(%x: tensor<1x3x4x4xf32>) -> tensor<1x2xf32> {
  %w1 = arith.constant dense<[[[[1.05]], [[0.17]], [[-0.75]]], [[[2.80]], [[0.49]], [[1.91]]], [[[1.05]], [[1.37]], [[-0.88]]], [[[-0.57]], [[0.64]], [[-0.08]]]]> : tensor<4x3x1x1xf32>
  %w2 = arith.constant dense<[[0.08, 8.71, -4.61, -5.33], [1.54, -3.74, 0.08, 6.12]]> : tensor<2x4xf32>
  %c = arith.constant dense<[0.32, 0.32]> : tensor<2xf32>
  // expected-remark@+1 {{channel group of 3 channels read by 1 op(s): kept group/weight-norm}}
  %h = quill.conv %x, %w1 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1} : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x4x4xf32>
  %r = quill.relu %h : tensor<1x4x4x4xf32>
  %p = quill.global_average_pool %r : tensor<1x4x4x4xf32> to tensor<1x4x1x1xf32>
  %g = quill.reshape %p : tensor<1x4x1x1xf32> to tensor<1x4xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 1 op(s): kept group/weight-norm}}
  %y = quill.gemm %g, %w2, %c {trans_b} : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// LayerNorm (gamma and beta move, its statistics do not) and a Split into
// two slices, each read by a product: each half keeps its segment.
func.func @norm_split(%x: tensor<2x8xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %gamma = arith.constant dense<[-0.93, 0.33, -0.60, 1.58, -0.63, 0.26, -0.20, 1.13]> : tensor<8xf32>
  %beta = arith.constant dense<[0.12, 0.71, -0.56, -0.38, -0.95, -0.17, -0.28, -1.13]> : tensor<8xf32>
  %w1 = arith.constant dense<[[-1.26, 0.16, -0.17], [-5.65, -7.36, -8.86], [0.19, -1.07, -1.27], [-9.01, -7.58, -4.96]]> : tensor<4x3xf32>
  %w2 = arith.constant dense<[[0.08, -1.76, -0.26], [-9.62, -2.99, 9.96], [-3.83, -2.58, -1.04], [-36.78, 38.16, -10.16]]> : tensor<4x3xf32>
  %n = quill.layer_norm %x, %gamma, %beta {axis = 1, epsilon = 1.0e-5 : f32} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %lo = quill.slice %n {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<2x8xf32> to tensor<2x4xf32>
  %hi = quill.slice %n {starts = array<i64: 0, 4>, steps = array<i64: 1, 1>} : tensor<2x8xf32> to tensor<2x4xf32>
  // expected-remark@+1 {{channel group of 8 channels read by 2 op(s): kept group/weight-norm}}
  %a = quill.matmul %lo, %w1 : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %b = quill.matmul %hi, %w2 : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return %a, %b : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// An embedding table (a constant gathered along its rows) takes the
// permutation of its columns; a mean over the sequence (kept) subtracted
// with broadcasting carries it.
func.func @embedding(%ids: tensor<2x3xi64>) -> tensor<2x3x4xf32> {
  %table = arith.constant dense<[[1.61, -0.09, 1.18, 0.81, -0.31, 0.50, -0.66, -0.48], [1.49, -0.87, -0.91, 2.56, -0.39, 0.30, 1.64, -0.49], [-0.56, 1.83, -0.02, 0.27, -0.33, 0.53, -1.59, 0.17], [1.00, 0.96, -0.51, 0.64, 2.14, 0.12, 0.68, -0.36], [-1.73, 0.74, -0.96, -0.70, 0.06, -0.02, -0.12, 1.11], [0.14, 0.04, -1.08, 0.91, -1.28, -2.27, -0.81, 0.70], [0.35, 1.27, 0.40, 0.37, 0.33, -0.64, -0.46, -0.46], [0.18, -0.93, -0.42, 0.28, -0.08, -0.28, -0.21, -1.24], [-1.36, -0.80, 0.95, 0.78, 0.27, 0.62, 0.79, -2.37], [-0.55, 0.83, 1.76, 0.18, 1.72, 1.16, 0.14, -1.05]]> : tensor<10x8xf32>
  %w = arith.constant dense<[[-1.01, -0.06, 0.19, -0.07], [4.87, 4.56, 0.35, 3.50], [0.59, -3.77, -2.56, 0.63], [12.20, 1.52, -4.74, 3.36], [1.83, 0.70, -7.92, 1.28], [23.53, 3.77, 70.55, -45.38], [-5.42, 10.11, -3.00, -7.34], [-6.79, 9.93, -8.58, -5.07]]> : tensor<8x4xf32>
  %e = quill.gather %table, %ids {axis = 0} : (tensor<10x8xf32>, tensor<2x3xi64>) -> tensor<2x3x8xf32>
  %m = quill.reduce_mean %e {axes = array<i64: 1>, keepdims} : tensor<2x3x8xf32> to tensor<2x1x8xf32>
  %c = quill.sub %e, %m : (tensor<2x3x8xf32>, tensor<2x1x8xf32>) -> tensor<2x3x8xf32>
  // expected-remark@+1 {{channel group of 8 channels read by 1 op(s): kept group/weight-norm}}
  %y = quill.matmul %c, %w : (tensor<2x3x8xf32>, tensor<8x4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// PyTorch's MultiheadAttention packs the Q, K and V projections into one
// weight and slices its output: Q and K (multiplied together) tie the
// first two slices to one permutation, so the packed output's positions
// repeat every 4 channels and V and the output projection take the same
// permutation, within each head.
func.func @packed_attention(%x: tensor<1x4x4xf32>) -> tensor<1x4x4xf32> {
  %win = arith.constant dense<[[-0.40, 0.26, 0.61, -0.97, 0.77, 0.26, 0.78, 0.27, 1.16, -0.94, 1.78, 1.20], [-0.60, 0.66, 0.44, -1.75, 0.60, -0.59, -0.25, -0.60, -0.43, 0.07, 0.10, -1.56], [-0.27, -1.34, -1.27, -0.35, 0.86, 0.63, -0.60, -0.71, -0.83, 0.14, 0.94, 0.02], [0.69, 0.32, 1.50, -2.01, -2.13, -0.20, 0.64, -0.41, 0.43, -1.17, -1.26, -0.72]]> : tensor<4x12xf32>
  %b = arith.constant dense<[0.84, 0.70, -0.71, 0.18, -0.65, 0.02, -1.11, -0.05, -0.74, -0.04, -0.65, -0.82]> : tensor<12xf32>
  %wo = arith.constant dense<[[0.11, -0.34, 0.02, -0.42], [4.91, -6.53, 6.15, 10.66], [-0.54, 3.49, 4.06, 0.89], [-21.72, -25.85, -2.81, 28.41]]> : tensor<4x4xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 1 op(s): kept group/weight-norm}}
  %p = quill.matmul %x, %win : (tensor<1x4x4xf32>, tensor<4x12xf32>) -> tensor<1x4x12xf32>
  %pb = quill.add %p, %b : (tensor<1x4x12xf32>, tensor<12xf32>) -> tensor<1x4x12xf32>
  %q = quill.slice %pb {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<1x4x12xf32> to tensor<1x4x4xf32>
  %k = quill.slice %pb {starts = array<i64: 0, 0, 4>, steps = array<i64: 1, 1, 1>} : tensor<1x4x12xf32> to tensor<1x4x4xf32>
  %v = quill.slice %pb {starts = array<i64: 0, 0, 8>, steps = array<i64: 1, 1, 1>} : tensor<1x4x12xf32> to tensor<1x4x4xf32>
  %q2 = quill.reshape %q : tensor<1x4x4xf32> to tensor<1x4x2x2xf32>
  %q3 = quill.transpose %q2 {permutation = array<i64: 0, 2, 1, 3>} : tensor<1x4x2x2xf32> to tensor<1x2x4x2xf32>
  %k2 = quill.reshape %k : tensor<1x4x4xf32> to tensor<1x4x2x2xf32>
  %k3 = quill.transpose %k2 {permutation = array<i64: 0, 2, 3, 1>} : tensor<1x4x2x2xf32> to tensor<1x2x2x4xf32>
  %v2 = quill.reshape %v : tensor<1x4x4xf32> to tensor<1x4x2x2xf32>
  %v3 = quill.transpose %v2 {permutation = array<i64: 0, 2, 1, 3>} : tensor<1x4x2x2xf32> to tensor<1x2x4x2xf32>
  %s = quill.matmul %q3, %k3 : (tensor<1x2x4x2xf32>, tensor<1x2x2x4xf32>) -> tensor<1x2x4x4xf32>
  %a = quill.softmax %s {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %c = quill.matmul %a, %v3 : (tensor<1x2x4x4xf32>, tensor<1x2x4x2xf32>) -> tensor<1x2x4x2xf32>
  %c2 = quill.transpose %c {permutation = array<i64: 0, 2, 1, 3>} : tensor<1x2x4x2xf32> to tensor<1x4x2x2xf32>
  %c3 = quill.reshape %c2 : tensor<1x4x2x2xf32> to tensor<1x4x4xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 1 op(s): kept group/weight-norm}}
  %y = quill.matmul %c3, %wo : (tensor<1x4x4xf32>, tensor<4x4xf32>) -> tensor<1x4x4xf32>
  return %y : tensor<1x4x4xf32>
}


// -----

// A grouped convolution (neither one group nor one channel per group) mixes
// channels within groups: its output's group is left alone.
func.func @grouped_conv(%x: tensor<1x4x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %wg = arith.constant dense<[[[[0.75]], [[1.94]]], [[[0.76]], [[0.32]]], [[[-0.44]], [[0.75]]], [[[2.79]], [[-1.13]]]]> : tensor<4x2x1x1xf32>
  %w = arith.constant dense<[[[[-1.07]], [[-2.97]], [[1.44]], [[9.88]]], [[[-0.22]], [[-3.74]], [[2.71]], [[7.34]]]]> : tensor<2x4x1x1xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 1 op(s) left unpermuted at 'quill.conv': a grouped convolution}}
  %g = quill.conv %x, %wg {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2} : (tensor<1x4x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  %y = quill.conv %g, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1} : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// A reshape that merges the channel axis with another loses it.
func.func @merged_axes(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.33, -0.23], [9.15, -6.72], [4.12, -0.80], [-5.73, 6.99]]> : tensor<4x2xf32>
  %f = quill.reshape %x : tensor<3x4xf32> to tensor<12xf32>
  // expected-remark@+1 {{left unpermuted at 'quill.reshape': it splits or merges the channel axes with others}}
  %u = quill.reshape %f : tensor<12xf32> to tensor<3x4xf32>
  %y = quill.matmul %u, %w : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Channels chosen by a Gather along them cannot be permuted.
func.func @gathered_channels(%x: tensor<3x6xf32>) -> tensor<3x2xf32> {
  %i = arith.constant dense<[0, 2, 4, 5]> : tensor<4xi64>
  %w = arith.constant dense<[[-0.19, -0.60], [3.64, -5.16], [3.85, -1.38], [13.26, -12.05]]> : tensor<4x2xf32>
  // expected-remark@+1 {{left unpermuted at 'quill.gather': the channels come from its indices}}
  %g = quill.gather %x, %i {axis = 1} : (tensor<3x6xf32>, tensor<4xi64>) -> tensor<3x4xf32>
  %y = quill.matmul %g, %w : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

