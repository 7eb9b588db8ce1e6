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

// CHECK-LABEL: func.func @elementwise_more
// CHECK: quill.max %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: quill.min %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: quill.pow %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
func.func @elementwise_more(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %e: tensor<i64>) {
  %0 = quill.max %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = quill.min %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %2 = quill.pow %a, %e : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return
}

// CHECK-LABEL: func.func @activations
// CHECK: quill.sigmoid %{{.*}} : tensor<4xf32>
// CHECK: quill.hard_swish %{{.*}} : tensor<4xf32>
// CHECK: quill.hard_sigmoid %{{.*}} {alpha = 2.500000e-01 : f32} : tensor<4xf32>
// CHECK: quill.leaky_relu %{{.*}} : tensor<4xf32>
// CHECK: quill.clip %{{.*}} min %{{.*}} max %{{.*}} : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
// CHECK: quill.clip %{{.*}} max %{{.*}} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK: quill.softmax %{{.*}} {axis = 1 : i64} : tensor<2x4xf32>
// CHECK: quill.log_softmax %{{.*}} {axis = 0 : i64} : tensor<2x4xf32>
func.func @activations(%x: tensor<4xf32>, %lo: tensor<f32>, %hi: tensor<f32>, %m: tensor<2x4xf32>) {
  %0 = quill.sigmoid %x : tensor<4xf32>
  %1 = quill.hard_swish %x : tensor<4xf32>
  %2 = quill.hard_sigmoid %x {alpha = 0.25 : f32} : tensor<4xf32>
  %3 = quill.leaky_relu %x : tensor<4xf32>
  %4 = quill.clip %x min %lo max %hi : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  %5 = quill.clip %x max %hi : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %6 = quill.softmax %m {axis = 1} : tensor<2x4xf32>
  %7 = quill.log_softmax %m {axis = 0} : tensor<2x4xf32>
  return
}

// CHECK-LABEL: func.func @layout
// CHECK: quill.reshape %{{.*}} : tensor<2x3x4xf32> to tensor<6x4xf32>
// CHECK: quill.transpose %{{.*}} {permutation = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> to tensor<4x2x3xf32>
// CHECK: quill.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x5x4xf32>) -> tensor<2x8x4xf32>
func.func @layout(%x: tensor<2x3x4xf32>, %y: tensor<2x5x4xf32>) {
  %0 = quill.reshape %x : tensor<2x3x4xf32> to tensor<6x4xf32>
  %1 = quill.transpose %x {permutation = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> to tensor<4x2x3xf32>
  %2 = quill.concat %x, %y {axis = 1} : (tensor<2x3x4xf32>, tensor<2x5x4xf32>) -> tensor<2x8x4xf32>
  return
}

// CHECK-LABEL: func.func @reductions
// CHECK: quill.reduce_mean %{{.*}} {axes = array<i64: 1, 2>, keepdims} : tensor<2x3x4xf32> to tensor<2x1x1xf32>
// CHECK: quill.reduce_sum %{{.*}} {axes = array<i64: 0>} : tensor<2x3x4xf32> to tensor<3x4xf32>
// CHECK: quill.reduce_max %{{.*}} {axes = array<i64: 0, 1, 2>} : tensor<2x3x4xf32> to tensor<f32>
func.func @reductions(%x: tensor<2x3x4xf32>) {
  %0 = quill.reduce_mean %x {axes = array<i64: 1, 2>, keepdims} : tensor<2x3x4xf32> to tensor<2x1x1xf32>
  %1 = quill.reduce_sum %x {axes = array<i64: 0>} : tensor<2x3x4xf32> to tensor<3x4xf32>
  %2 = quill.reduce_max %x {axes = array<i64: 0, 1, 2>} : tensor<2x3x4xf32> to tensor<f32>
  return
}

// CHECK-LABEL: func.func @data_movement
// CHECK: quill.cast %{{.*}} : tensor<3x1xf32> to tensor<3x1xui8>
// CHECK: quill.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<3x4xi1>, tensor<3x1xf32>, tensor<4xf32>) -> tensor<3x4xf32>
// CHECK: quill.expand %{{.*}} : tensor<3x1xf32> to tensor<2x3x4xf32>
// CHECK: quill.gather %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<3x4xf32>, tensor<5xi32>) -> tensor<3x5xf32>
// CHECK: quill.slice %{{.*}} {starts = array<i64: 2, 3>, steps = array<i64: -1, 1>} : tensor<3x4xf32> to tensor<3x1xf32>
// CHECK: quill.pad %{{.*}} value %{{.*}} {mode = #quill.pad_mode<constant>, pads = array<i64: 1, 0, 0, -1>} : (tensor<3x4xf32>, tensor<f32>) -> tensor<4x3xf32>
// CHECK: quill.pad %{{.*}} {mode = #quill.pad_mode<edge>, pads = array<i64: 0, 2, 0, 2>} : (tensor<3x4xf32>) -> tensor<3x8xf32>
// CHECK: quill.prelu %{{.*}}, %{{.*}} : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
func.func @data_movement(%x: tensor<3x1xf32>, %c: tensor<3x4xi1>, %y: tensor<4xf32>, %m: tensor<3x4xf32>, %i: tensor<5xi32>, %v: tensor<f32>) {
  %0 = quill.cast %x : tensor<3x1xf32> to tensor<3x1xui8>
  %1 = quill.where %c, %x, %y : (tensor<3x4xi1>, tensor<3x1xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  %2 = quill.expand %x : tensor<3x1xf32> to tensor<2x3x4xf32>
  %3 = quill.gather %m, %i {axis = 1} : (tensor<3x4xf32>, tensor<5xi32>) -> tensor<3x5xf32>
  %4 = quill.slice %m {starts = array<i64: 2, 3>, steps = array<i64: -1, 1>} : tensor<3x4xf32> to tensor<3x1xf32>
  %5 = quill.pad %m value %v {pads = array<i64: 1, 0, 0, -1>, mode = #quill.pad_mode<constant>} : (tensor<3x4xf32>, tensor<f32>) -> tensor<4x3xf32>
  %6 = quill.pad %m {pads = array<i64: 0, 2, 0, 2>, mode = #quill.pad_mode<edge>} : (tensor<3x4xf32>) -> tensor<3x8xf32>
  %7 = quill.prelu %m, %y : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return
}

// Comparisons give booleans; logical ops take them.
// CHECK-LABEL: func.func @compare_and_logic
// CHECK: quill.compare <less_or_equal> %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK: quill.compare <equal> %{{.*}}, %{{.*}} : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xi1>
// CHECK: quill.and %{{.*}}, %{{.*}} : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
// CHECK: quill.or
// CHECK: quill.xor
func.func @compare_and_logic(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<3xui8>) -> (tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>) {
  %0 = quill.compare <less_or_equal> %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %1 = quill.compare <equal> %c, %c : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xi1>
  %2 = quill.and %0, %1 : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  %3 = quill.or %0, %1 : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  %4 = quill.xor %0, %1 : (tensor<2x3xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  return %2, %3, %4 : tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>
}

// CHECK-LABEL: func.func @more_activations
// CHECK: quill.softplus %{{.*}} : tensor<4xf32>
// CHECK: quill.softsign %{{.*}} : tensor<4xf32>
// CHECK: quill.sign %{{.*}} : tensor<4xi32>
// CHECK: quill.elu %{{.*}} {alpha = 5.000000e-01 : f32} : tensor<4xf32>
// CHECK: quill.celu %{{.*}} : tensor<4xf32>
// CHECK: quill.selu %{{.*}} {gamma = 2.000000e+00 : f32} : tensor<4xf32>
// CHECK: quill.thresholded_relu %{{.*}} : tensor<4xf32>
func.func @more_activations(%x: tensor<4xf32>, %i: tensor<4xi32>) {
  %0 = quill.softplus %x : tensor<4xf32>
  %1 = quill.softsign %x : tensor<4xf32>
  %2 = quill.sign %i : tensor<4xi32>
  %3 = quill.elu %x {alpha = 0.5 : f32} : tensor<4xf32>
  %4 = quill.celu %x : tensor<4xf32>
  %5 = quill.selu %x {gamma = 2.0 : f32} : tensor<4xf32>
  %6 = quill.thresholded_relu %x : tensor<4xf32>
  return
}
