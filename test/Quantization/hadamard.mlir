// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-hadamard{mode=online seed=3}))' -split-input-file | FileCheck %s
// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-hadamard{mode=online seed=3}))' -split-input-file -verify-diagnostics > /dev/null
// RUN: %python %S/Inputs/float_equivalence.py 'builtin.module(func.func(quill-hadamard{mode=online seed=3}))' 'not rotated' %s %t | FileCheck %s --check-prefix=EQUIVALENT
// RUN: not quill-opt %s --pass-pipeline='builtin.module(func.func(quill-hadamard{stats-file=%t.missing.json}))' -split-input-file 2>&1 | FileCheck %s --check-prefix=STATS
// STATS: error: quill-hadamard: {{.*}}missing.json

// Online rotation of each product's reduction axis, and the remark for each
// product left alone. float_equivalence.py compiles every function before
// and after the pass and checks that they compute the same outputs.
// EQUIVALENT: 7 passed, 0 failed

// Two products read one activation of 24 = 12 * 2 channels: one
// quill.hadamard serves both, and each weight is rotated along its
// reduction axis (MatMul's rows, transposed Gemm's columns).
// CHECK-LABEL: func.func @shared_activation
// CHECK: %[[R:.*]] = quill.hadamard %arg0 {block_size = 24 : i64, seed = 3 : i64} : tensor<3x24xf32>
// CHECK-NOT: quill.hadamard
// CHECK: quill.matmul %[[R]], %{{.*}} : (tensor<3x24xf32>, tensor<24x5xf32>)
// CHECK: quill.gemm %[[R]], %{{.*}}, %{{.*}} {trans_b}
func.func @shared_activation(%x: tensor<3x24xf32>) -> (tensor<3x5xf32>, tensor<3x4xf32>) {
  %w = arith.constant dense<[[-1.93, -3.02,  1.15,  1.56,  1.33], [-0.43, -0.07, -0.29,  1.37,  0.87], [ 0.06,  0.71,  1.36,  0.37, -1.09], [-0.07, -0.43, -1.59, -2.05,  0.15], [-1.05,  0.41, -0.8 ,  0.8 ,  0.89], [ 0.38, -1.2 , -2.04,  2.14, -0.05], [ 2.05, -0.24, -1.18,  0.  , -1.23], [ 0.05,  1.65,  0.9 ,  3.1 ,  0.37], [ 0.35, -0.9 , -0.93,  0.28, -0.89], [-0.31, -0.3 , -1.16,  2.34, -1.94], [ 0.16,  1.  ,  1.14, -0.41, -1.03], [ 2.48,  2.22,  0.18,  0.05,  0.13], [-1.11, -0.02,  1.14,  0.78, -0.94], [ 0.82, -0.82, -1.64,  0.39,  0.69], [ 1.53, -0.84,  1.11,  0.59,  0.29], [-0.41, -0.23,  0.53,  0.36, -1.21], [-0.59, -0.08,  1.01,  0.49, -0.03], [-0.25,  1.63, -0.47, -0.79, -0.46], [ 0.37,  0.01, -0.56, -0.48,  0.55], [ 0.5 ,  0.33, -0.96,  0.02,  1.25], [-0.74,  1.75,  0.25,  0.99, -1.02], [ 1.43,  0.1 ,  0.46,  0.77,  1.68], [-0.11,  0.71,  0.28, -1.46, -1.1 ], [-1.35, -0.06,  0.33,  0.61,  1.1 ]]> : tensor<24x5xf32>
  %v = arith.constant dense<[[ 0.36, -1.19,  1.88,  0.26, -0.53, -1.55,  0.66, -1.48,  1.28,  0.3 , -1.75, -0.4 ,  1.91, -1.9 , -0.52, -2.15,  0.13,  1.87, -0.06, -0.16, -0.35, -0.31, -0.39,  0.66], [ 1.05, -2.45, -2.74,  1.  ,  1.  , -1.54, -0.35,  0.3 ,  0.67,  0.08,  0.25, -0.29,  0.74, -0.08, -0.32, -0.41, -0.78,  0.64,  0.25,  0.21, -0.37,  0.69,  0.23, -1.22], [-2.6 , -0.57, -0.16,  2.05,  1.37,  0.77,  2.42, -0.59,  0.16,  0.8 , -0.04, -0.21,  0.4 , -0.19,  1.16, -2.02,  0.45,  1.71, -0.63, -0.85,  0.31, -0.04,  0.48, -0.52], [ 0.24,  0.7 , -2.35, -0.06,  0.49, -1.25, -1.33,  0.87, -0.72,  0.27,  0.78,  0.79, -1.63,  0.19, -0.69, -2.16,  0.29,  0.78, -0.44,  0.57,  0.31,  0.19, -1.89,  0.6 ]]> : tensor<4x24xf32>
  %b = arith.constant dense<[-1.41, -1.59, -0.75,  1.22]> : tensor<4xf32>
  // expected-remark@+1 {{rotated online: 24 channels in blocks of 24 (12 x 2)}}
  %y = quill.matmul %x, %w : (tensor<3x24xf32>, tensor<24x5xf32>) -> tensor<3x5xf32>
  // expected-remark@+1 {{rotated online: 24 channels in blocks of 24 (12 x 2)}}
  %z = quill.gemm %x, %v, %b {trans_b} : (tensor<3x24xf32>, tensor<4x24xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %y, %z : tensor<3x5xf32>, tensor<3x4xf32>
}

// -----

// 56 = 28 * 2 channels after a nonlinearity (the input of a down
// projection): the rotation follows its producer.
// CHECK-LABEL: func.func @paley_28
// CHECK: %[[A:.*]] = quill.relu
// CHECK-NEXT: %[[R:.*]] = quill.hadamard %[[A]] {block_size = 56 : i64, seed = 3 : i64}
// CHECK: quill.matmul %[[R]]
func.func @paley_28(%x: tensor<2x56xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[ 0.58,  1.4 , -0.33], [ 0.53, -0.44, -0.58], [ 0.48, -0.07, -1.88], [ 0.54, -0.59,  1.9 ], [-0.01,  0.25, -1.53], [ 1.08,  0.64, -0.99], [-0.39, -1.32,  1.91], [-1.28,  1.11, -1.05], [ 2.42,  1.65,  0.94], [-0.17, -0.55,  0.63], [ 0.34, -1.08,  1.11], [ 0.45, -0.41, -0.1 ], [ 0.52,  0.63,  0.09], [ 0.18, -1.72,  1.89], [-0.06, -1.07,  0.71], [-1.51, -0.15, -2.79], [-0.31, -0.96, -0.08], [ 1.14,  1.28, -0.44], [ 1.45,  1.79,  1.12], [-1.1 , -0.56,  1.04], [-1.56,  0.99,  0.05], [ 2.35,  0.03,  0.74], [-0.42, -1.27,  0.09], [-0.78,  0.88,  0.88], [ 0.31, -0.17,  0.09], [-0.57, -0.13,  0.21], [ 0.43, -0.31,  0.18], [-1.07,  0.17,  1.95], [ 0.29, -0.13, -0.37], [-1.3 ,  0.27,  0.64], [ 0.22, -0.57,  0.04], [-0.42,  1.19, -0.45], [ 0.9 , -0.59, -0.89], [ 0.  ,  0.07, -0.53], [ 0.96, -1.41, -0.2 ], [ 0.01, -0.77,  0.27], [-1.44, -1.47,  0.19], [ 0.15,  1.12,  0.4 ], [ 0.13,  0.21,  0.46], [-1.3 ,  0.52, -0.16], [ 0.54, -1.46,  0.98], [ 1.32,  0.4 ,  2.31], [-1.46, -0.58, -0.04], [ 0.61,  0.11,  0.38], [ 0.62, -0.57,  1.26], [ 1.27, -0.52, -0.81], [-0.52, -0.93,  0.16], [-0.09,  0.52, -1.25], [-0.07,  0.  ,  0.34], [ 0.38,  0.38,  0.03], [-1.21, -0.2 ,  1.68], [ 0.95,  0.69, -1.6 ], [ 0.58,  0.87, -0.12], [-1.57,  1.29, -0.7 ], [ 0.14,  0.79,  0.95], [ 0.68, -2.32, -0.22]]> : tensor<56x3xf32>
  %a = quill.relu %x : tensor<2x56xf32>
  // expected-remark@+1 {{rotated online: 56 channels in blocks of 56 (28 x 2)}}
  %y = quill.matmul %a, %w : (tensor<2x56xf32>, tensor<56x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// 168 = 21 * 8 has no order of the table with a power of two: the
// rotation is block-diagonal, H_8 on each of 21 blocks.
// CHECK-LABEL: func.func @block_diagonal
// CHECK: quill.hadamard %arg0 {block_size = 8 : i64, seed = 3 : i64} : tensor<2x168xf32>
func.func @block_diagonal(%x: tensor<2x168xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[-1.05, -0.05], [-0.81,  1.78], [-1.54,  1.11], [-0.16,  0.47], [-0.31, -0.42], [-0.81,  1.35], [ 0.16, -0.22], [ 0.41,  0.24], [-0.34,  0.34], [ 0.52,  1.76], [-1.06, -2.05], [-0.42,  1.89], [ 0.62, -0.07], [-0.35, -1.44], [ 1.41,  1.1 ], [ 1.72, -0.98], [ 1.43,  0.95], [ 0.69, -1.02], [ 0.09, -0.61], [ 0.1 , -1.7 ], [-1.07, -0.43], [-1.99,  0.28], [ 0.75, -0.43], [-0.18, -0.08], [ 1.07,  0.77], [ 0.99,  0.6 ], [ 0.29,  0.75], [ 1.3 ,  2.5 ], [ 1.03, -0.43], [-0.48, -0.81], [ 0.33,  0.54], [-0.81, -0.38], [ 0.45,  1.1 ], [-0.03,  2.24], [ 0.66,  0.45], [-0.98,  1.02], [-0.33, -0.11], [-1.72,  1.22], [ 2.03,  0.19], [-0.26,  0.01], [-0.39,  0.74], [ 0.55, -0.17], [-1.17, -0.46], [-0.11, -0.71], [ 1.99, -1.46], [-1.13, -0.28], [ 0.98, -0.43], [-0.61,  0.83], [ 1.77, -0.39], [ 1.02,  1.18], [-0.1 , -0.91], [-0.09, -0.09], [ 0.88, -0.51], [ 2.45,  1.28], [ 0.19,  0.27], [-0.2 , -1.36], [ 0.18,  0.58], [-0.1 ,  1.02], [ 0.09, -0.  ], [-0.8 ,  0.76], [-1.42, -0.28], [-0.35,  1.59], [-1.22,  0.06], [ 0.96, -0.26], [ 1.17, -0.06], [ 0.31,  0.95], [ 0.84, -0.65], [ 1.24, -0.59], [ 1.94, -0.55], [ 0.63, -0.36], [ 1.32,  1.21], [ 0.5 ,  0.66], [-2.3 , -0.68], [ 0.13, -0.07], [ 0.1 ,  0.55], [ 1.89,  0.25], [ 0.02,  0.26], [ 0.89,  0.99], [ 0.64,  1.68], [ 0.43,  0.39], [-0.45,  0.97], [-0.16,  1.53], [-0.46,  0.75], [ 0.19, -1.04], [-3.68,  0.37], [-0.21, -0.68], [-1.01,  0.8 ], [-0.06, -1.69], [ 2.02, -0.81], [-0.9 ,  0.37], [-1.45,  0.06], [ 1.81,  0.23], [ 0.05,  0.33], [-0.37, -1.79], [ 0.02,  0.44], [-0.51, -0.85], [-0.02, -0.12], [ 1.19,  0.42], [ 0.29, -0.31], [-1.42, -0.92], [ 0.18,  0.58], [ 0.43, -1.27], [ 1.14, -0.69], [ 0.49,  0.94], [-0.63,  1.18], [-1.49, -0.41], [-1.16,  1.  ], [ 0.53,  2.36], [ 1.  ,  0.27], [-1.45, -0.56], [-0.01, -0.34], [ 1.01, -0.43], [-0.73, -0.64], [-1.13, -2.06], [ 0.64,  0.81], [-0.18, -0.39], [-1.96,  2.45], [ 0.8 , -0.58], [-0.75, -0.03], [ 1.72, -0.68], [-0.49, -1.24], [-0.63,  1.06], [-0.02, -1.04], [ 2.17, -0.73], [ 0.79,  0.85], [-1.68, -1.56], [ 0.06, -0.75], [ 1.07,  0.41], [-2.21,  1.87], [-1.09, -0.3 ], [ 0.78,  0.24], [ 0.09,  0.11], [ 0.22,  0.67], [-1.41,  0.42], [ 0.05,  1.08], [ 0.62, -1.47], [-1.88,  0.81], [-1.3 ,  0.84], [ 1.29, -0.05], [ 0.35, -2.19], [ 1.17, -0.6 ], [ 0.98,  0.27], [ 0.55, -0.71], [-0.53, -3.63], [ 0.33, -1.4 ], [-0.06, -2.19], [-0.83, -0.84], [-0.3 , -0.97], [-0.12,  2.62], [-0.31, -0.85], [-0.12,  0.09], [ 1.87, -0.79], [ 0.29, -1.84], [ 0.4 , -0.31], [-1.6 ,  1.13], [-2.08, -0.74], [-1.26, -1.09], [ 0.2 , -2.38], [ 0.08,  1.13], [-0.79,  0.46], [ 0.44,  0.41], [-0.1 ,  0.11], [-1.17, -0.17], [-1.97,  1.25], [-0.01, -1.58], [ 1.13, -0.4 ], [-0.13,  0.22], [-1.41,  0.54]]> : tensor<168x2xf32>
  // expected-remark@+1 {{rotated online: 168 channels in blocks of 8 (1 x 8)}}
  %y = quill.matmul %x, %w : (tensor<2x168xf32>, tensor<168x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Tokens in a batch: the last axis (20 = 20 * 1) is rotated, whatever the
// leading axes.
// CHECK-LABEL: func.func @tokens
// CHECK: quill.hadamard %arg0 {block_size = 20 : i64, seed = 3 : i64} : tensor<2x3x20xf32>
func.func @tokens(%x: tensor<2x3x20xf32>) -> tensor<2x3x4xf32> {
  %w = arith.constant dense<[[-0.59,  1.59, -2.05,  1.76], [-0.16,  0.73, -0.95,  0.38], [ 0.11,  0.51, -0.09,  1.51], [ 1.3 ,  0.82,  0.67, -0.55], [ 2.39,  0.28, -0.18,  0.23], [-1.26, -0.73,  0.99, -0.77], [ 1.33, -0.48,  2.34,  0.45], [-0.28,  0.61,  0.45, -0.26], [ 0.4 ,  0.29, -2.57, -1.18], [ 0.88, -1.03,  1.28, -0.21], [ 0.02, -0.86, -0.07,  1.11], [ 1.87, -1.  ,  0.46, -1.59], [-2.13, -1.53,  0.02, -0.25], [ 0.1 ,  1.16,  0.99, -0.12], [-0.95, -0.59, -0.05,  0.54], [-0.14,  0.09, -1.77, -0.5 ], [-0.26, -2.32, -1.15, -0.72], [ 0.05, -0.1 , -2.1 ,  0.03], [ 1.37,  0.75, -0.83, -1.12], [ 1.39, -0.56, -0.68, -1.87]]> : tensor<20x4xf32>
  // expected-remark@+1 {{rotated online: 20 channels in blocks of 20 (20 x 1)}}
  %y = quill.matmul %x, %w : (tensor<2x3x20xf32>, tensor<20x4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @odd_reduction
// CHECK-NOT: quill.hadamard
func.func @odd_reduction(%x: tensor<2x7xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[ 1.69, -0.2 , -1.51], [-0.52,  0.08,  1.22], [ 0.1 , -0.93,  0.44], [-0.34,  0.08,  0.12], [-0.3 , -0.34, -1.88], [ 0.84, -0.51,  0.05], [ 0.43, -0.47,  0.77]]> : tensor<7x3xf32>
  // expected-remark@+1 {{not rotated: its reduction axis of 7 has no Hadamard block larger than 1}}
  %y = quill.matmul %x, %w : (tensor<2x7xf32>, tensor<7x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @convolution
// CHECK-NOT: quill.hadamard
func.func @convolution(%x: tensor<1x4x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<[[[[ 0.56]],  [[ 1.  ]],  [[ 0.39]],  [[ 0.88]]], [[[ 1.45]],  [[-0.62]],  [[-1.6 ]],  [[-0.41]]]]> : tensor<2x4x1x1xf32>
  // expected-remark@+1 {{not rotated: convolutions rotate their channel axis, which is not the last; only MatMul and Gemm inputs are rotated}}
  %y = quill.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x4x3x3xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// Running the pass twice rotates nothing twice.
// CHECK-LABEL: func.func @already_rotated
// CHECK: quill.hadamard
// CHECK-NOT: quill.hadamard
func.func @already_rotated(%x: tensor<2x16xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[ 0.24, -1.14, -0.56], [ 0.66,  1.35, -0.39], [ 0.71,  0.43, -0.91], [-0.26,  0.68,  0.02], [ 0.51, -1.33, -0.12], [-0.86, -1.34,  0.11], [-0.31, -1.41,  0.82], [-1.75, -1.03,  1.1 ], [ 0.53,  0.84, -0.48], [-0.07, -1.88, -1.21], [ 1.17,  0.4 , -0.04], [ 0.77,  0.85, -1.2 ], [ 0.04,  0.38, -1.09], [ 0.47, -0.65,  0.99], [ 0.43, -0.12, -1.2 ], [ 0.82, -0.05, -0.34]]> : tensor<16x3xf32>
  %r = quill.hadamard %x {block_size = 16 : i64} : tensor<2x16xf32>
  // expected-remark@+1 {{not rotated: its activation is already rotated}}
  %y = quill.matmul %r, %w : (tensor<2x16xf32>, tensor<16x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
