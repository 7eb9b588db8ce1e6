// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-fold-norms))' -split-input-file | FileCheck %s
// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-fold-norms))' -split-input-file -verify-diagnostics > /dev/null
// RUN: %python %S/Inputs/float_equivalence.py 'builtin.module(func.func(quill-fold-norms))' 'gamma and beta not folded' %s %t | FileCheck %s --check-prefix=EQUIVALENT

// LayerNorm gamma and beta folded into the products that read the
// normalized tensor. float_equivalence.py compiles every function before
// and after and checks that they compute the same outputs.
// EQUIVALENT: 5 passed, 0 failed

// Pre-LN attention input: three MatMuls read it, each followed by its bias
// add, which takes beta W; the normalization keeps its epsilon and loses
// gamma and beta.
// CHECK-LABEL: func.func @pre_norm_projections
// CHECK: %[[N:.*]] = quill.layer_norm %arg0, %{{.*}} {axis = 2 : i64, epsilon = 9.99999974E-6 : f32} : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
// CHECK-COUNT-3: quill.matmul %[[N]]
// CHECK-NOT: quill.layer_norm
func.func @pre_norm_projections(%x: tensor<1x4x8xf32>) -> (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x6xf32>) {
  %gamma = arith.constant dense<[-1.41,  1.26,  0.54, -0.05,  1.58,  2.86,  0.98, -1.36]> : tensor<8xf32>
  %beta = arith.constant dense<[ 0.41, -0.46,  1.  , -0.34,  0.71, -1.16,  1.71, -0.8 ]> : tensor<8xf32>
  %wq = arith.constant dense<[[-0.57,  0.35,  2.34, -0.07,  0.22, -2.24,  0.92, -0.31], [ 0.69,  1.74, -1.66, -0.34,  1.22,  1.4 ,  0.37, -0.99], [-0.81, -0.75,  0.22,  0.49,  0.18,  0.15,  0.36, -0.79], [ 0.03, -2.01, -0.84,  0.76,  0.49,  1.28, -1.6 ,  0.77], [-1.05,  0.68, -2.03, -0.76, -0.37, -1.68, -1.05,  1.94], [ 1.02,  0.36, -0.42, -0.49, -0.49,  2.52,  0.48,  0.75], [-0.41,  0.1 ,  0.58, -0.31,  0.19, -0.07, -0.12, -0.58], [ 0.62,  0.05,  0.98,  0.38, -0.86,  0.41,  0.38,  1.16]]> : tensor<8x8xf32>
  %wk = arith.constant dense<[[ 0.28,  0.5 ,  1.4 ,  1.09, -0.13,  1.65, -0.21, -0.09], [ 1.05,  0.04, -1.57,  0.02,  0.2 ,  1.56, -0.43, -1.11], [ 1.29,  0.34,  1.07,  0.07,  0.14,  0.16,  0.04, -0.59], [ 0.67, -0.82, -1.08, -0.15,  2.01, -2.69, -1.11, -2.2 ], [ 0.23, -0.6 , -1.77,  0.76, -1.24,  2.21,  0.51,  0.63], [-0.3 ,  0.84,  0.27, -1.37, -0.43, -0.95, -0.35, -0.58], [-0.39, -0.12, -1.01,  0.86, -2.03, -0.98, -1.79,  0.53], [-0.58,  0.12, -0.95,  0.31,  0.29,  0.22,  1.1 ,  0.98]]> : tensor<8x8xf32>
  %wv = arith.constant dense<[[-0.59, -1.88, -1.39,  0.68, -0.54,  0.51], [-1.7 ,  0.26, -0.46, -0.41, -0.67, -0.56], [ 0.53,  1.23,  0.38,  0.99,  0.69, -0.73], [-1.02,  0.69,  0.94,  2.23,  0.53, -0.43], [ 0.  ,  1.17, -0.15,  0.15, -3.13, -1.49], [ 2.45, -0.41, -0.35, -0.58,  0.16, -0.66], [-0.94, -0.64, -0.39,  1.2 ,  0.29,  0.11], [ 0.31,  1.24,  0.93,  0.44, -0.87, -1.03]]> : tensor<8x6xf32>
  %bq = arith.constant dense<[ 0.8 ,  0.32,  1.98, -0.22,  0.72, -0.09, -0.11, -0.03]> : tensor<8xf32>
  %bk = arith.constant dense<[ 0.04,  0.1 , -1.28, -0.52, -0.12,  1.26,  0.6 , -0.61]> : tensor<8xf32>
  %n = quill.layer_norm %x, %gamma, %beta {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %q0 = quill.matmul %n, %wq : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
  %q = quill.add %q0, %bq : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %k0 = quill.matmul %n, %wk : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
  %k = quill.add %bk, %k0 : (tensor<8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %v = quill.matmul %n, %wv : (tensor<1x4x8xf32>, tensor<8x6xf32>) -> tensor<1x4x6xf32>
  return %q, %k, %v : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x6xf32>
}

// -----

// A transposed Gemm with alpha and beta: C takes (alpha / beta) beta_LN W.
// Without C it gets one.
// CHECK-LABEL: func.func @gemms
// CHECK: quill.gemm %{{.*}}, %{{.*}}, %{{.*}} {alpha = 5.000000e-01 : f32, beta = 2.000000e+00 : f32, trans_b}
// CHECK: quill.gemm %{{.*}}, %{{.*}}, %{{.*}} {alpha = 1.500000e+00 : f32} : (tensor<3x8xf32>, tensor<8x4xf32>, tensor<4xf32>)
func.func @gemms(%x: tensor<3x8xf32>) -> (tensor<3x5xf32>, tensor<3x4xf32>) {
  %gamma = arith.constant dense<[ 3.3 ,  2.43, -0.71,  3.42, -2.98,  1.08,  4.03, -0.96]> : tensor<8xf32>
  %beta = arith.constant dense<[-0.05,  1.59,  0.  ,  0.34,  0.56,  1.92, -1.  , -1.3 ]> : tensor<8xf32>
  %w1 = arith.constant dense<[[ 1.92,  0.27, -1.18,  0.03,  1.05, -0.04,  1.13, -0.72], [ 0.19, -2.24, -0.32, -1.07,  1.76,  0.67,  0.95,  0.29], [-0.84, -0.7 , -0.39, -0.46, -0.42,  1.82, -0.97, -0.71], [-1.16,  0.63, -0.53, -1.04,  1.94,  0.13,  0.41,  0.95], [ 0.71, -0.05, -0.03,  0.26,  0.2 , -0.89,  0.48, -0.57]]> : tensor<5x8xf32>
  %c1 = arith.constant dense<[1.  , 1.73, 0.71, 1.15, 0.53]> : tensor<5xf32>
  %w2 = arith.constant dense<[[-0.15, -2.94, -2.06, -0.64], [-0.59,  1.09, -0.7 , -0.67], [-0.94, -1.25,  0.14,  2.21], [-0.78, -0.12,  0.82, -0.36], [-0.75,  0.41,  0.01,  0.01], [-1.28,  0.  , -0.04, -0.18], [ 0.71, -0.24, -1.23,  0.19], [-1.01, -0.84, -0.24, -1.83]]> : tensor<8x4xf32>
  %n = quill.layer_norm %x, %gamma, %beta {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<3x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<3x8xf32>
  %y1 = quill.gemm %n, %w1, %c1 {alpha = 0.5 : f32, beta = 2.0 : f32, trans_b} : (tensor<3x8xf32>, tensor<5x8xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  %y2 = quill.gemm %n, %w2 {alpha = 1.5 : f32} : (tensor<3x8xf32>, tensor<8x4xf32>) -> tensor<3x4xf32>
  return %y1, %y2 : tensor<3x5xf32>, tensor<3x4xf32>
}

// -----

// A MatMul with no bias of its own gets an add of beta W.
// CHECK-LABEL: func.func @new_bias
// CHECK: %[[P:.*]] = quill.matmul
// CHECK: quill.add %[[P]], %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
func.func @new_bias(%x: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %gamma = arith.constant dense<[ 2.92, -0.2 ,  2.11,  0.54,  2.23, -1.68,  1.25,  3.3 ]> : tensor<8xf32>
  %beta = arith.constant dense<[-1.4 ,  0.93,  0.54, -0.21,  1.12,  0.19, -1.12,  0.51]> : tensor<8xf32>
  %w = arith.constant dense<[[-0.67,  0.29, -0.62], [-1.71, -0.51,  0.57], [-1.5 ,  1.48,  0.1 ], [ 0.73,  0.48,  0.9 ], [-0.36, -1.21, -0.97], [ 0.42, -0.59,  0.36], [ 0.08,  1.02, -0.73], [-1.82,  1.03,  0.08]]> : tensor<8x3xf32>
  %n = quill.layer_norm %x, %gamma, %beta {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %y = quill.matmul %n, %w : (tensor<2x8xf32>, tensor<8x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Post-LN: the normalized tensor is the residual stream, read by an add:
// gamma and beta stay, with a remark.
// CHECK-LABEL: func.func @post_norm_residual
// CHECK: quill.layer_norm %arg0, %{{.*}}, %{{.*}}
func.func @post_norm_residual(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %gamma = arith.constant dense<[-2.73,  0.17,  5.39, -1.87,  3.23,  0.42, -2.58,  1.05]> : tensor<8xf32>
  %beta = arith.constant dense<[ 0.23,  1.06, -0.7 ,  1.5 ,  0.34, -1.65,  0.34, -1.  ]> : tensor<8xf32>
  %w = arith.constant dense<[[-0.59, -0.11,  0.43,  0.85, -0.47,  1.17, -0.46, -0.26], [-0.05, -1.4 , -2.03,  0.79,  0.02,  1.09,  1.19, -1.52], [ 0.72,  0.1 , -1.84,  0.58,  1.3 ,  1.48,  1.08,  0.81], [-1.3 ,  0.97,  0.15, -1.44,  3.67,  0.13,  0.7 ,  0.04], [ 0.56, -0.81, -0.13, -0.36, -0.34, -0.78,  2.92, -0.66], [ 0.21,  1.91, -0.88,  2.31, -1.04,  0.33, -0.1 , -0.95], [-0.21, -0.9 , -0.41, -0.44, -0.38, -1.62, -0.26, -0.34], [ 0.9 , -0.12, -0.23,  0.52, -1.23, -0.55,  0.93, -0.29]]> : tensor<8x8xf32>
  // expected-remark@+1 {{gamma and beta not folded: its output is read by 'quill.add', not only by products with constant weights}}
  %n = quill.layer_norm %x, %gamma, %beta {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %p = quill.matmul %n, %w : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %y = quill.add %p, %n : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Normalizing more than the last axis: not folded.
// CHECK-LABEL: func.func @two_axes
// CHECK: quill.layer_norm %arg0, %{{.*}} {axis = 1 : i64
func.func @two_axes(%x: tensor<2x2x4xf32>) -> tensor<2x2x4xf32> {
  %gamma = arith.constant dense<[[ 0.58,  1.7 ,  1.04, -0.66], [ 0.25,  2.28,  0.81, -1.09]]> : tensor<2x4xf32>
  // expected-remark@+1 {{gamma and beta not folded: expects a static f32 normalization of the last axis}}
  %n = quill.layer_norm %x, %gamma {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x2x4xf32>, tensor<2x4xf32>) -> tensor<2x2x4xf32>
  return %n : tensor<2x2x4xf32>
}
