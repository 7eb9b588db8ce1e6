// RUN: quill-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(quill-quantize{format=int4-weights weight-block-size=2}))' | FileCheck %s

// int4 weights in blocks of 2 along the reduction axis (rows of a MatMul
// weight), one scale per block and column: amax 1, 2, 4, 1 over 7 (as f32,
// so 0.5 / float(1 / 7) = 3.4999... rounds to 3).
// CHECK-LABEL: func.func @matmul_blocks
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[}}7, 7], [3, -3], [7, 0], [-3, 7]]> : tensor<4x2xi4>
// CHECK: quill.storage_cast %[[W]] : tensor<4x2xi4> to tensor<4x2x!quant.uniform<i4<-7:7>:f32:{0:2, 1:1}, {{\{\{}}0.142857{{[0-9]*}}, 0.285714{{[0-9]*}}}, {0.571428{{[0-9]*}}, 0.142857{{[0-9]*}}}}>>
func.func @matmul_blocks(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [0.5, -1.0], [4.0, 0.0], [-2.0, 1.0]]> : tensor<4x2xf32>
  %y = quill.matmul %x, %w : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @indivisible(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, -0.5], [0.0, 1.0], [4.0, -4.0]]> : tensor<3x2xf32>
  // expected-error @+1 {{weight-block-size 2 does not divide the reduction dimension (3) of the weight}}
  %y = quill.matmul %x, %w : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

