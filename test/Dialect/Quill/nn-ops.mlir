// RUN: quill-opt %s | FileCheck %s
// RUN: quill-opt %s | quill-opt | FileCheck %s
// RUN: quill-opt %s -mlir-print-op-generic | quill-opt | FileCheck %s

// CHECK-LABEL: func.func @conv
// CHECK: quill.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
// CHECK: quill.conv %{{.*}}, %{{.*}} {dilations = array<i64: 1>, group = 8 : i64, pads = array<i64: 1, 1>, strides = array<i64: 1>} : (tensor<2x8x10xf32>, tensor<8x1x3xf32>) -> tensor<2x8x10xf32>
// CHECK: quill.conv_transpose %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 3, 2>} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x10x8xf32>
func.func @conv(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %b: tensor<64xf32>, %s: tensor<2x8x10xf32>, %dw: tensor<8x1x3xf32>, %t: tensor<1x1x3x3xf32>, %tw: tensor<1x2x3x3xf32>) {
  %0 = quill.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 3, 3, 3, 3>, dilations = array<i64: 1, 1>, group = 1} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  %1 = quill.conv %s, %dw {strides = array<i64: 1>, pads = array<i64: 1, 1>, dilations = array<i64: 1>, group = 8} : (tensor<2x8x10xf32>, tensor<8x1x3xf32>) -> tensor<2x8x10xf32>
  %2 = quill.conv_transpose %t, %tw {strides = array<i64: 3, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, group = 1} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x10x8xf32>
  return
}

// CHECK-LABEL: func.func @pool
// CHECK: quill.max_pool %{{.*}} {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x64x112x112xf32> to tensor<1x64x56x56xf32>
// CHECK: quill.average_pool %{{.*}} {ceil_mode, count_include_pad, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x1x5x5xf32> to tensor<1x1x2x2xf32>
// CHECK: quill.global_average_pool %{{.*}} : tensor<1x64x112x112xf32> to tensor<1x64x1x1xf32>
// CHECK: quill.global_max_pool %{{.*}} : tensor<1x64x112x112xf32> to tensor<1x64x1x1xf32>
func.func @pool(%x: tensor<1x64x112x112xf32>, %small: tensor<1x1x5x5xf32>) {
  %0 = quill.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x64x112x112xf32> to tensor<1x64x56x56xf32>
  %1 = quill.average_pool %small {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode, count_include_pad} : tensor<1x1x5x5xf32> to tensor<1x1x2x2xf32>
  %2 = quill.global_average_pool %x : tensor<1x64x112x112xf32> to tensor<1x64x1x1xf32>
  %3 = quill.global_max_pool %x : tensor<1x64x112x112xf32> to tensor<1x64x1x1xf32>
  return
}

// CHECK-LABEL: func.func @norm
// CHECK: quill.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
// CHECK: quill.instance_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
// CHECK: quill.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, epsilon = 9.99999974E-6 : f32} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
func.func @norm(%x: tensor<2x3x4xf32>, %c: tensor<3xf32>, %g: tensor<3x4xf32>, %b: tensor<4xf32>) {
  %0 = quill.batch_norm %x, %c, %c, %c, %c {epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  %1 = quill.instance_norm %x, %c, %c {epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  %2 = quill.layer_norm %x, %g, %b {axis = 1, epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return
}

// CHECK-LABEL: func.func @resize
// CHECK: quill.resize %{{.*}} {coordinate_transform = #quill.coordinate_transform<half_pixel>, mode = #quill.resize_mode<linear>, nearest_mode = #quill.nearest_mode<floor>, scales = array<f32: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>} : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
// CHECK: quill.resize %{{.*}} {coordinate_transform = #quill.coordinate_transform<tf_crop_and_resize>, cubic_coeff_a = -5.000000e-01 : f32, exclude_outside, mode = #quill.resize_mode<cubic>, nearest_mode = #quill.nearest_mode<round_prefer_ceil>, roi = array<f32: 0.000000e+00, 0.000000e+00, 1.000000e+00, 1.000000e+00>, scales = array<f32: 1.000000e+00, 5.000000e-01>} : tensor<2x4xf32> to tensor<2x2xf32>
func.func @resize(%x: tensor<1x3x4x4xf32>, %m: tensor<2x4xf32>) {
  %0 = quill.resize %x {scales = array<f32: 1.0, 1.0, 2.0, 2.0>, mode = #quill.resize_mode<linear>, coordinate_transform = #quill.coordinate_transform<half_pixel>, nearest_mode = #quill.nearest_mode<floor>} : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
  %1 = quill.resize %m {scales = array<f32: 1.0, 0.5>, mode = #quill.resize_mode<cubic>, coordinate_transform = #quill.coordinate_transform<tf_crop_and_resize>, nearest_mode = #quill.nearest_mode<round_prefer_ceil>, cubic_coeff_a = -0.5 : f32, exclude_outside, roi = array<f32: 0.0, 0.0, 1.0, 1.0>} : tensor<2x4xf32> to tensor<2x2xf32>
  return
}

// CHECK-LABEL: func.func @hadamard
// CHECK: quill.hadamard %{{.*}} {block_size = 384 : i64, seed = 7 : i64} : tensor<4x768xf32>
// CHECK: quill.hadamard %{{.*}} {block_size = 16 : i64} : tensor<2x336xf32>
func.func @hadamard(%x: tensor<4x768xf32>, %y: tensor<2x336xf32>) -> (tensor<4x768xf32>, tensor<2x336xf32>) {
  %0 = quill.hadamard %x {block_size = 384 : i64, seed = 7 : i64} : tensor<4x768xf32>
  %1 = quill.hadamard %y {block_size = 16 : i64} : tensor<2x336xf32>
  return %0, %1 : tensor<4x768xf32>, tensor<2x336xf32>
}
