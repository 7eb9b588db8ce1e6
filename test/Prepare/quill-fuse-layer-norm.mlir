// RUN: quill-opt %s -quill-fuse-layer-norm -split-input-file | FileCheck %s

// The PyTorch export of nn.LayerNorm before opset 17.
// CHECK-LABEL: func.func @decomposed
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x16xf32>)
// CHECK-DAG: %[[GAMMA:.*]] = arith.constant dense<2.000000e+00> : tensor<16xf32>
// CHECK-DAG: %[[BETA:.*]] = arith.constant dense<5.000000e-01> : tensor<16xf32>
// CHECK: %[[Y:.*]] = quill.layer_norm %[[X]], %[[GAMMA]], %[[BETA]] {axis = 2 : i64, epsilon = 9.99999974E-6 : f32} : (tensor<2x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
// CHECK: return %[[Y]]
func.func @decomposed(%x: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-5> : tensor<f32>
  %gamma = arith.constant dense<2.0> : tensor<16xf32>
  %beta = arith.constant dense<0.5> : tensor<16xf32>
  %mean = quill.reduce_mean %x {axes = array<i64: 2>, keepdims} : tensor<2x8x16xf32> to tensor<2x8x1xf32>
  %d = quill.sub %x, %mean : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %sq = quill.pow %d, %two : (tensor<2x8x16xf32>, tensor<f32>) -> tensor<2x8x16xf32>
  %var = quill.reduce_mean %sq {axes = array<i64: 2>, keepdims} : tensor<2x8x16xf32> to tensor<2x8x1xf32>
  %ve = quill.add %var, %eps : (tensor<2x8x1xf32>, tensor<f32>) -> tensor<2x8x1xf32>
  %std = math.sqrt %ve : tensor<2x8x1xf32>
  %n = quill.div %d, %std : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %scaled = quill.mul %n, %gamma : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  %y = quill.add %scaled, %beta : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

// Over the last two axes, squares as d * d, constants on the left, no beta.
// CHECK-LABEL: func.func @two_axes
// CHECK: %[[Y:.*]] = quill.layer_norm %arg0, %{{.*}} {axis = 1 : i64, epsilon = 1.000000e-03 : f32} : (tensor<2x8x16xf32>, tensor<8x16xf32>) -> tensor<2x8x16xf32>
// CHECK: return %[[Y]]
func.func @two_axes(%x: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %eps = arith.constant dense<1.0e-3> : tensor<1xf32>
  %gamma = arith.constant dense<3.0> : tensor<8x16xf32>
  %mean = quill.reduce_mean %x {axes = array<i64: 1, 2>, keepdims} : tensor<2x8x16xf32> to tensor<2x1x1xf32>
  %d = quill.sub %x, %mean : (tensor<2x8x16xf32>, tensor<2x1x1xf32>) -> tensor<2x8x16xf32>
  %sq = quill.mul %d, %d : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %var = quill.reduce_mean %sq {axes = array<i64: 1, 2>, keepdims} : tensor<2x8x16xf32> to tensor<2x1x1xf32>
  %ve = quill.add %eps, %var : (tensor<1xf32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %std = math.sqrt %ve : tensor<2x1x1xf32>
  %n = quill.div %d, %std : (tensor<2x8x16xf32>, tensor<2x1x1xf32>) -> tensor<2x8x16xf32>
  %y = quill.mul %gamma, %n : (tensor<8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

// Reducing a leading axis is not a layer norm over trailing axes.
// CHECK-LABEL: func.func @leading_axis
// CHECK-NOT: quill.layer_norm
func.func @leading_axis(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %eps = arith.constant dense<1.0e-5> : tensor<f32>
  %mean = quill.reduce_mean %x {axes = array<i64: 0>, keepdims} : tensor<8x16xf32> to tensor<1x16xf32>
  %d = quill.sub %x, %mean : (tensor<8x16xf32>, tensor<1x16xf32>) -> tensor<8x16xf32>
  %sq = quill.mul %d, %d : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %var = quill.reduce_mean %sq {axes = array<i64: 0>, keepdims} : tensor<8x16xf32> to tensor<1x16xf32>
  %ve = quill.add %var, %eps : (tensor<1x16xf32>, tensor<f32>) -> tensor<1x16xf32>
  %std = math.sqrt %ve : tensor<1x16xf32>
  %n = quill.div %d, %std : (tensor<8x16xf32>, tensor<1x16xf32>) -> tensor<8x16xf32>
  return %n : tensor<8x16xf32>
}

// -----

// The variance of something other than x - mean is not a layer norm.
// CHECK-LABEL: func.func @other_variance
// CHECK-NOT: quill.layer_norm
func.func @other_variance(%x: tensor<8x16xf32>, %z: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %eps = arith.constant dense<1.0e-5> : tensor<f32>
  %mean = quill.reduce_mean %x {axes = array<i64: 1>, keepdims} : tensor<8x16xf32> to tensor<8x1xf32>
  %d = quill.sub %x, %mean : (tensor<8x16xf32>, tensor<8x1xf32>) -> tensor<8x16xf32>
  %sq = quill.mul %z, %z : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %var = quill.reduce_mean %sq {axes = array<i64: 1>, keepdims} : tensor<8x16xf32> to tensor<8x1xf32>
  %ve = quill.add %var, %eps : (tensor<8x1xf32>, tensor<f32>) -> tensor<8x1xf32>
  %std = math.sqrt %ve : tensor<8x1xf32>
  %n = quill.div %d, %std : (tensor<8x16xf32>, tensor<8x1xf32>) -> tensor<8x16xf32>
  return %n : tensor<8x16xf32>
}
