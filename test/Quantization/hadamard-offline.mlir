// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-hadamard{mode=offline seed=5}))' -split-input-file | FileCheck %s
// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-hadamard{mode=offline seed=5}))' -split-input-file -verify-diagnostics > /dev/null
// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-hadamard{mode=both seed=5}))' -split-input-file | FileCheck %s --check-prefix=BOTH
// RUN: %python %S/Inputs/float_equivalence.py 'builtin.module(func.func(quill-hadamard{mode=offline seed=5}))' "goes through 'quill.gelu'" %s %t | FileCheck %s --check-prefix=EQUIVALENT
// RUN: %python %S/Inputs/float_equivalence.py 'builtin.module(func.func(quill-hadamard{mode=both seed=5}))' 'never refused' %s %t.both | FileCheck %s --check-prefix=EQUIVALENT

// Offline rotations: a product's output channels rotated (weight, bias)
// and undone by the products that read it, through ops that commute with a
// rotation of the last axis; nothing runs at run time. float_equivalence.py
// compiles each function before and after (offline, then both) and checks
// that they compute the same outputs.
// EQUIVALENT: 3 passed, 0 failed

// Attention's V -> O path (2 heads of 8): V's projection and bias, the head
// split, P V, the head merge and the output projection. The block is the
// head dimension; no quill.hadamard is inserted. With mode=both the input
// of V's projection is rotated online (its producer is the graph input)
// and the output projection's is not (it is rotated offline).
// CHECK-LABEL: func.func @value_to_output
// CHECK-NOT: quill.hadamard
// BOTH-LABEL: func.func @value_to_output
// BOTH: quill.hadamard %arg0 {block_size = 16 : i64, seed = 5 : i64}
// BOTH-NOT: quill.hadamard
func.func @value_to_output(%x: tensor<1x8x16xf32>, %p: tensor<1x2x8x8xf32>) -> tensor<1x8x16xf32> {
  %wv = arith.constant dense<[[ 1.25,  0.78,  0.96, -1.08,  0.87, -0.17, -0.19,  1.12, -0.44, -1.28, -0.47, -1.2 , -1.84, -0.15,  0.4 , -2.16], [ 0.01,  0.26,  0.17, -1.27, -0.31, -0.19,  0.43, -1.29,  0.38,  0.99, -2.29,  0.22, -1.53, -0.17, -0.68,  1.27], [ 0.06,  0.8 , -1.05,  0.46,  1.42, -0.71,  0.67,  0.48, -0.06, -1.25,  0.28, -0.27,  0.6 ,  0.78,  1.53, -0.84], [ 0.87,  0.7 ,  0.08,  0.61,  0.13,  0.67,  0.39, -0.56,  0.11,  0.66, -0.85, -0.4 ,  1.31,  0.32, -0.62, -0.56], [ 1.42,  0.47, -1.89,  0.53, -0.88, -0.1 , -1.58, -0.27, -0.76, -1.2 ,  0.92,  2.48,  0.57,  0.2 , -1.23, -0.25], [-0.67, -1.87,  0.55, -0.06, -0.73, -1.5 ,  0.44,  1.35,  0.1 , -0.51,  0.61, -0.98, -2.18,  1.71,  1.69, -0.3 ], [ 0.07,  1.67, -1.1 ,  0.12,  0.87,  1.74, -0.8 , -0.82,  0.19, -0.58,  1.55, -0.75,  0.19,  0.17, -0.27, -1.68], [ 1.32,  0.2 ,  0.68,  0.59, -0.56, -0.44, -0.44,  1.16, -0.52, -2.25, -0.32, -0.92,  0.93, -0.66,  0.4 , -0.06], [ 0.17, -0.9 , -0.47, -0.08,  0.44,  0.38, -1.19, -0.33,  0.95,  0.68, -0.57, -0.52,  1.54,  0.7 , -1.72,  2.08], [ 0.68,  0.26, -0.5 , -1.1 , -0.65, -0.8 , -1.17, -2.05,  1.38,  1.32,  0.57,  0.12, -0.64, -0.48, -0.06, -0.9 ], [ 0.28, -0.06, -0.34,  0.17,  0.06,  0.96, -0.26, -0.99,  0.31,  1.29,  1.84,  0.92, -1.25, -0.72, -1.51,  0.13], [-0.15, -0.99,  1.6 ,  0.93, -0.35,  0.92, -1.99,  0.52,  0.23,  2.31,  1.41,  0.73, -0.21, -0.32,  0.45, -0.08], [-0.57,  1.4 , -0.36, -1.64,  0.46, -0.45,  0.26,  0.95, -1.18, -1.78, -0.97,  0.81,  1.8 ,  1.6 , -0.39, -0.01], [ 0.43, -0.75,  0.02, -0.17,  1.14, -0.43,  1.89,  0.86,  0.17, -1.62,  0.22,  0.1 ,  1.41,  0.39,  2.22, -0.07], [-1.63,  0.59, -1.33,  0.13, -0.68,  1.19, -0.85,  0.82, -1.7 ,  1.04, -1.11,  0.33,  1.13, -0.44, -0.08,  1.33], [ 0.18,  0.13,  1.35,  0.55, -0.04,  0.41, -2.12, -2.61, -0.96,  0.54, -0.89, -0.55,  0.3 ,  0.72,  0.66, -0.55]]> : tensor<16x16xf32>
  %bv = arith.constant dense<[ 0.54, -0.16,  0.16,  1.22,  2.58, -1.76, -0.63, -1.56, -1.09,  1.34,  2.71,  1.06, -0.54, -1.6 , -1.93,  1.23]> : tensor<16xf32>
  %wo = arith.constant dense<[[ 0.98, -0.27,  1.31,  0.7 ,  1.17, -0.32,  1.46, -1.39,  0.43,  1.54, -0.32,  0.45,  0.29, -0.22, -0.69, -0.96], [-0.08,  2.49, -0.35, -0.34,  1.21, -2.55, -1.02, -0.52,  0.16, -0.56, -0.28, -0.69, -0.48,  0.04, -1.23,  1.77], [-2.02,  0.88,  0.84,  0.08,  0.69, -1.48,  0.98,  0.14,  0.55,  0.94,  0.75,  1.46,  0.49,  1.4 , -0.98,  1.07], [-1.73, -0.56, -3.03, -0.03,  1.66, -1.88, -0.8 , -0.48, -0.9 ,  1.52, -1.29,  2.29,  1.32, -0.3 ,  1.68,  0.31], [-0.47,  0.08,  1.11, -0.01, -0.19, -0.2 , -0.83,  0.55,  0.13, -0.98, -0.4 , -0.12, -1.48,  0.25, -0.7 ,  0.59], [-0.69,  0.27, -0.09,  0.06,  0.3 ,  1.14,  0.68, -0.36, -0.89,  1.97, -0.3 , -0.41, -1.33, -0.36, -1.91, -0.42], [ 0.44, -0.34,  2.12,  0.64,  1.67, -1.04, -1.27, -1.12,  0.57, -1.48,  0.27, -0.34,  1.05, -0.69, -0.47,  0.95], [-1.83,  0.43,  0.15, -0.36, -0.2 ,  1.09,  1.08,  1.23,  1.22, -0.59,  0.77,  0.13,  2.22,  0.83,  0.35, -1.05], [ 0.59,  0.45, -0.15, -1.77,  0.09,  1.68,  0.01,  0.09,  0.38,  1.04,  0.01,  0.35, -2.28, -0.89, -1.44,  0.81], [-0.27,  0.48, -2.53, -1.66, -0.21,  0.33,  1.69,  1.03, -0.93, -1.29, -1.77,  1.53,  0.75, -0.13,  1.15,  0.24], [-1.01,  1.72, -2.05,  0.79,  0.01, -0.71,  0.6 , -1.17,  1.79, -0.05, -2.19, -0.49,  0.25, -0.62, -0.86, -0.32], [ 0.23,  1.02,  0.57,  0.5 ,  0.17,  1.19,  0.36, -0.95,  1.48,  0.33, -0.45,  0.93,  0.62, -0.17, -1.3 ,  0.17], [-0.07, -0.51, -0.57, -0.04,  0.21,  0.82, -0.08, -1.3 , -0.44, -0.16, -0.24, -0.82,  1.72, -0.69, -1.61, -1.48], [ 0.26, -1.4 ,  0.11,  0.01, -0.63, -0.35,  0.53, -0.31,  0.25, -1.77,  1.27, -2.35,  1.48,  1.01,  1.22, -0.36], [ 0.14, -1.28, -0.08, -0.49,  0.14, -0.09,  0.5 , -0.03,  0.89, -0.82,  0.56,  1.26,  1.01, -0.27,  0.46, -0.68], [ 0.23, -0.48, -0.44,  0.91, -0.37,  1.66,  0.84, -1.29,  2.39, -0.25, -0.92, -0.49, -0.42, -0.13, -0.16,  0.7 ]]> : tensor<16x16xf32>
  // expected-remark@+1 {{not rotated: no offline rotation reaches it}}
  %v0 = quill.matmul %x, %wv : (tensor<1x8x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16xf32>
  %v1 = quill.add %v0, %bv : (tensor<1x8x16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
  %v2 = quill.reshape %v1 : tensor<1x8x16xf32> to tensor<1x8x2x8xf32>
  %v3 = quill.transpose %v2 {permutation = array<i64: 0, 2, 1, 3>} : tensor<1x8x2x8xf32> to tensor<1x2x8x8xf32>
  %c0 = quill.matmul %p, %v3 : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %c1 = quill.transpose %c0 {permutation = array<i64: 0, 2, 1, 3>} : tensor<1x2x8x8xf32> to tensor<1x8x2x8xf32>
  %c2 = quill.reshape %c1 : tensor<1x8x2x8xf32> to tensor<1x8x16xf32>
  // expected-remark@+2 {{rotated offline: 16 channels in blocks of 8, folded into the weights of the product that writes them}}
  // expected-remark@+1 {{no offline rotation of its output: the path to its consumers goes through 'func.return'}}
  %y = quill.matmul %c2, %wo : (tensor<1x8x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

// A scalar multiply on the way, and a transposed Gemm with a bias as the
// producer and a Gemm as the consumer: 24 = 12 * 2 channels, one block.
// CHECK-LABEL: func.func @gemm_chain
// BOTH-LABEL: func.func @gemm_chain
// BOTH: quill.hadamard %arg0 {block_size = 8 : i64, seed = 5 : i64}
// BOTH-NOT: quill.hadamard
// CHECK-NOT: quill.hadamard
func.func @gemm_chain(%x: tensor<3x8xf32>) -> tensor<3x5xf32> {
  %w1 = arith.constant dense<[[ 0.35, -1.1 , -1.08, -1.92,  0.88, -1.04,  0.09, -0.11], [-0.9 ,  0.13, -0.33, -0.86,  0.49, -0.78,  0.04,  0.42], [ 1.6 , -0.19, -0.32,  0.14, -1.12,  1.08, -0.38, -0.43], [ 0.44, -1.41, -1.11,  0.53,  1.66, -2.01,  0.05,  1.13], [-0.24, -0.17,  1.01,  0.58,  0.26, -1.43,  0.01,  0.66], [-0.34, -0.2 , -0.53, -0.03, -0.66,  0.54,  0.36,  0.54], [-0.98, -1.82,  0.64, -0.99,  0.7 ,  0.49, -0.01, -1.99], [ 0.32,  0.21,  1.96,  0.67, -0.26, -1.6 ,  1.23, -1.04], [-0.59,  0.35, -0.15,  0.92, -0.23,  0.96,  0.64, -1.22], [-1.3 ,  0.14,  0.74,  1.59, -0.83, -1.06,  1.09, -0.14], [ 0.78, -1.03,  1.26, -0.64,  0.42, -0.39, -0.2 ,  1.65], [-0.15,  1.77,  1.63,  0.89, -0.23, -2.08, -2.24,  0.68], [-1.51, -0.49, -0.69,  0.58, -0.95,  0.8 ,  1.71,  1.71], [-0.09, -0.78, -0.31,  1.76, -1.51, -1.63, -1.12,  2.77], [ 0.47, -0.49, -0.44,  1.1 , -0.89, -1.16, -0.57, -0.3 ], [-0.46,  1.23,  2.16,  0.55, -0.84, -1.48,  0.35, -0.37], [-0.69,  0.74, -1.65, -0.36, -1.44, -0.1 , -0.37,  1.13], [ 1.18,  1.59,  1.09, -0.36,  0.49, -0.22,  1.62, -1.41], [ 2.77,  1.42,  0.73,  1.01, -1.01,  1.69, -0.76,  0.98], [ 0.75,  0.19, -0.69,  1.14, -0.65,  0.22,  0.81,  0.42], [ 1.21,  0.28,  1.07,  0.33, -1.07, -1.52,  1.94,  0.99], [-1.84,  0.49,  0.12, -0.65,  0.95,  1.53,  0.92,  1.14], [-1.27,  0.15, -0.56, -1.12,  0.23,  1.01, -2.21,  2.72], [-0.83,  0.23,  0.68, -1.3 , -1.18,  0.87,  0.21,  1.43]]> : tensor<24x8xf32>
  %b1 = arith.constant dense<[ 0.13,  0.16,  2.15, -0.76, -1.05,  0.78,  0.67, -0.7 ,  0.73,  0.43,  1.12,  0.5 ,  1.55,  0.9 ,  1.45,  0.9 ,  0.13,  0.76, -0.49,  0.07, -0.1 ,  0.46, -0.9 , -1.17]> : tensor<24xf32>
  %s = arith.constant dense<0.5> : tensor<f32>
  %w2 = arith.constant dense<[[ 0.62, -2.2 ,  1.22,  0.65, -0.11], [ 0.05,  0.11, -0.26, -0.44, -0.21], [ 0.39, -0.86, -0.7 ,  0.27, -1.54], [-0.36,  0.87, -1.25,  0.06, -0.06], [ 0.71, -1.34,  0.1 ,  0.3 , -1.51], [-0.17, -0.05, -0.9 , -0.63, -0.61], [ 0.44, -1.36,  0.84,  0.8 , -0.2 ], [ 1.9 ,  0.05,  1.56,  0.09,  0.12], [ 0.32,  1.61,  0.39,  0.42, -0.21], [-0.11, -1.09,  0.28, -0.48,  1.43], [-0.56,  1.06,  1.36, -0.17,  0.91], [-0.09, -0.49, -0.18, -0.21,  0.86], [ 0.93, -0.66, -0.19,  1.07,  0.36], [-0.13, -1.64,  1.2 , -1.1 ,  0.13], [ 0.41,  0.47,  0.18, -0.04,  0.79], [-0.13,  0.31,  0.11,  1.16, -0.04], [-1.44, -0.5 ,  0.36, -1.16,  2.07], [ 0.25, -0.61,  1.35,  1.02, -0.79], [-0.85,  0.46, -0.46, -1.28,  1.18], [ 0.  ,  1.32,  0.53, -0.23, -0.65], [ 0.49,  1.61,  0.61,  0.41, -1.52], [ 0.36,  0.56,  1.15,  0.51, -0.46], [ 0.82,  2.41, -0.26, -0.13, -1.03], [ 1.  ,  0.19, -0.42,  1.53, -0.24]]> : tensor<24x5xf32>
  // expected-remark@+1 {{not rotated: no offline rotation reaches it}}
  %h = quill.gemm %x, %w1, %b1 {trans_b} : (tensor<3x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<3x24xf32>
  %m = quill.mul %h, %s : (tensor<3x24xf32>, tensor<f32>) -> tensor<3x24xf32>
  // expected-remark@+2 {{rotated offline: 24 channels in blocks of 24, folded into the weights of the product that writes them}}
  // expected-remark@+1 {{no offline rotation of its output: the path to its consumers goes through 'func.return'}}
  %y = quill.gemm %m, %w2 : (tensor<3x24xf32>, tensor<24x5xf32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// A nonlinearity between two products: no offline rotation, a remark
// names it.
// CHECK-LABEL: func.func @through_gelu
// BOTH-LABEL: func.func @through_gelu
// BOTH-COUNT-2: quill.hadamard
// CHECK-NOT: quill.hadamard
func.func @through_gelu(%x: tensor<2x16xf32>) -> tensor<2x4xf32> {
  %w1 = arith.constant dense<[[-1.06,  0.96, -0.66, -1.03,  1.57, -2.62, -1.59,  0.13,  2.11, -0.26,  0.6 , -0.47, -1.25, -2.59,  0.65,  0.9 ], [ 0.02,  0.23,  1.49, -0.59,  0.91,  0.52, -1.29, -1.08,  1.85,  0.51, -0.05,  0.16, -1.47,  2.01,  1.16, -1.68], [ 0.68, -1.49,  1.24,  0.24, -1.4 , -1.3 ,  0.2 , -0.66,  2.18, -0.18, -1.07,  0.41,  1.05, -0.24,  0.32, -0.55], [-1.37, -0.52,  0.95,  0.08,  0.52, -0.4 ,  0.16,  0.61,  1.49,  0.42, -1.93, -0.85,  0.48,  0.68, -1.34, -0.63], [-1.48, -0.75, -0.15,  0.12,  0.61, -0.34,  1.01,  1.82,  1.32,  1.34, -0.08, -1.12, -0.61, -0.57, -1.96, -0.8 ], [ 1.78,  1.31, -0.2 ,  1.66,  0.21,  2.12,  0.15,  0.17,  0.17, -0.13,  1.67, -1.48, -0.3 ,  0.34,  1.05,  0.27], [-0.24, -2.74, -0.77,  0.66, -1.11, -0.24,  1.48, -1.11,  1.23,  0.87,  0.03,  1.01,  2.72,  0.06, -0.39,  0.09], [-1.74,  0.69,  1.04, -1.09,  0.15, -0.02,  0.02, -0.57, -0.31,  1.08, -0.24,  0.02,  0.41,  0.96,  0.44,  1.47], [ 0.63,  0.75, -0.72,  0.63, -0.97,  0.69, -0.68,  0.51, -0.9 ,  0.22, -1.09,  0.77, -1.46,  1.15,  0.5 ,  2.6 ], [ 2.14, -1.  ,  2.58,  0.71,  0.28, -1.58, -1.25,  0.65, -0.5 ,  0.04,  0.15, -1.24,  0.89, -1.8 ,  0.65,  0.68], [ 2.11, -0.34, -0.29, -1.54, -1.08,  0.18,  0.72,  0.14,  1.56,  0.35, -1.13, -0.22, -0.16, -0.87, -1.4 ,  0.61], [ 1.42,  0.12, -0.31, -0.83,  0.3 ,  0.16,  0.64, -0.12,  1.36, -0.16,  0.25, -0.63,  1.31, -0.42,  1.51, -1.21], [-0.1 ,  0.92,  1.22,  0.33,  0.58, -0.83, -0.17, -0.95,  0.8 , -0.63, -0.28, -1.32,  0.05, -0.14, -0.89,  0.37], [ 0.17, -0.78, -0.57, -0.47,  0.03, -0.29, -0.71, -0.02,  0.26,  0.22, -1.28, -0.94,  0.  ,  0.53,  1.68,  0.31], [-1.63,  0.46,  2.02,  0.57, -1.87, -0.38, -0.14,  0.37, -1.26, -0.39,  0.14, -1.02, -0.44,  0.87, -1.46,  0.67], [ 1.02, -0.77, -0.33, -0.43,  0.41, -0.25,  0.14, -1.19,  0.01,  0.01,  2.23, -0.39, -0.46, -1.05,  0.75, -0.45]]> : tensor<16x16xf32>
  %w2 = arith.constant dense<[[-0.3 ,  0.81, -0.18,  1.97], [ 0.88, -1.08, -2.06,  0.2 ], [ 0.18, -0.49, -0.25,  0.71], [ 1.14,  1.74,  1.93,  0.75], [ 1.23,  1.49, -0.28, -0.2 ], [ 0.66, -1.24,  0.49,  0.48], [ 0.22, -0.21,  0.95, -0.5 ], [ 1.22,  0.78,  0.45, -0.08], [ 0.32,  0.19,  1.68, -1.04], [ 0.22, -0.43,  2.67,  0.79], [ 0.55, -0.27,  0.99, -1.06], [ 1.  , -0.08,  1.4 ,  2.15], [-0.11, -0.07, -0.03, -0.72], [-0.34,  0.85,  0.1 , -0.61], [-0.07, -1.1 ,  0.49, -1.46], [ 0.32,  0.69,  0.12, -0.77]]> : tensor<16x4xf32>
  // expected-remark@+2 {{not rotated: no offline rotation reaches it}}
  // expected-remark@+1 {{no offline rotation of its output: the path to its consumers goes through 'quill.gelu'}}
  %h = quill.matmul %x, %w1 : (tensor<2x16xf32>, tensor<16x16xf32>) -> tensor<2x16xf32>
  %g = quill.gelu %h : tensor<2x16xf32>
  // expected-remark@+2 {{not rotated: no offline rotation reaches it}}
  // expected-remark@+1 {{no offline rotation of its output: the path to its consumers goes through 'func.return'}}
  %y = quill.matmul %g, %w2 : (tensor<2x16xf32>, tensor<16x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
