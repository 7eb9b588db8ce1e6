// RUN: quill-opt %s | FileCheck %s
// RUN: quill-opt %s | quill-opt | FileCheck %s
// RUN: quill-opt %s -mlir-print-op-generic | quill-opt | FileCheck %s

// CHECK-LABEL: func.func @broadcast_binary
// CHECK: quill.add %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
// CHECK: quill.sub %{{.*}}, %{{.*}} : (tensor<3x1xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
// CHECK: quill.mul %{{.*}}, %{{.*}} : (tensor<2x3x4xi32>, tensor<i32>) -> tensor<2x3x4xi32>
// CHECK: quill.div %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
func.func @broadcast_binary(%a: tensor<2x3x4xf32>, %b: tensor<4xf32>, %c: tensor<3x1xf32>, %i: tensor<2x3x4xi32>, %s: tensor<i32>) {
  %0 = quill.add %a, %b : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %1 = quill.sub %c, %a : (tensor<3x1xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %2 = quill.mul %i, %s : (tensor<2x3x4xi32>, tensor<i32>) -> tensor<2x3x4xi32>
  %3 = quill.div %a, %a : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return
}

// CHECK-LABEL: func.func @relu
// CHECK: quill.relu %{{.*}} : tensor<2x3xf16>
func.func @relu(%x: tensor<2x3xf16>) -> tensor<2x3xf16> {
  %0 = quill.relu %x : tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// CHECK-LABEL: func.func @matmul
// CHECK: quill.matmul %{{.*}}, %{{.*}} : (tensor<64x784xf32>, tensor<784x1024xf32>) -> tensor<64x1024xf32>
// CHECK: quill.matmul %{{.*}}, %{{.*}} : (tensor<2x1x3x4xf32>, tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32>
// CHECK: quill.matmul %{{.*}}, %{{.*}} : (tensor<4xf32>, tensor<5x4x6xf32>) -> tensor<5x6xf32>
// CHECK: quill.matmul %{{.*}}, %{{.*}} : (tensor<4xf32>, tensor<4xf32>) -> tensor<f32>
func.func @matmul(%x: tensor<64x784xf32>, %w: tensor<784x1024xf32>, %a: tensor<2x1x3x4xf32>, %b: tensor<5x4x6xf32>, %v: tensor<4xf32>) {
  %0 = quill.matmul %x, %w : (tensor<64x784xf32>, tensor<784x1024xf32>) -> tensor<64x1024xf32>
  %1 = quill.matmul %a, %b : (tensor<2x1x3x4xf32>, tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32>
  %2 = quill.matmul %v, %b : (tensor<4xf32>, tensor<5x4x6xf32>) -> tensor<5x6xf32>
  %3 = quill.matmul %v, %v : (tensor<4xf32>, tensor<4xf32>) -> tensor<f32>
  return
}

// CHECK-LABEL: func.func @gemm
// CHECK: quill.gemm %{{.*}}, %{{.*}}, %{{.*}} {alpha = 5.000000e-01 : f32, trans_b} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK: quill.gemm %{{.*}}, %{{.*}} {beta = 0.000000e+00 : f32, trans_a} : (tensor<3x2xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
func.func @gemm(%a: tensor<2x3xf32>, %w: tensor<4x3xf32>, %c: tensor<4xf32>, %at: tensor<3x2xf32>, %b: tensor<3x4xf32>) {
  %0 = quill.gemm %a, %w, %c {trans_b, alpha = 0.5 : f32} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %1 = quill.gemm %at, %b {trans_a, beta = 0.0 : f32} : (tensor<3x2xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return
}
