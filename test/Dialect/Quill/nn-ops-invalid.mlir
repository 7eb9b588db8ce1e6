// RUN: quill-opt %s -split-input-file -verify-diagnostics

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error@+1 {{'quill.conv' op expected the weight to take 3 input channels, it takes 2}}
  %0 = quill.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1} : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_group(%x: tensor<1x6x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error@+1 {{'quill.conv' op expected input channels 6 to be a multiple of group 4}}
  %0 = quill.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 4} : (tensor<1x6x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_window(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{'quill.conv' op expected 2 strides and dilations and 4 pads, got 2, 2 and 2}}
  %0 = quill.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>, group = 1} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_stride(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{'quill.conv' op expected positive strides and dilations}}
  %0 = quill.conv %x, %w {strides = array<i64: 0, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_result(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{'quill.conv' op expected result shape [1, 4, 4, 4], got [1, 4, 6, 6]}}
  %0 = quill.conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error@+1 {{'quill.conv' op expected a bias of shape [4]}}
  %0 = quill.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_transpose_result(%x: tensor<1x1x3x3xf32>, %w: tensor<1x2x3x3xf32>) {
  // expected-error@+1 {{'quill.conv_transpose' op expected result shape [1, 2, 5, 5], got [1, 2, 6, 6]}}
  %0 = quill.conv_transpose %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, group = 1} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @pool_kernel(%x: tensor<1x1x4x4xf32>) {
  // expected-error@+1 {{'quill.max_pool' op expected 2 positive kernel sizes, got [2]}}
  %0 = quill.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x1x4x4xf32> to tensor<1x1x3x3xf32>
  return
}

// -----

func.func @pool_pads(%x: tensor<1x1x4x4xf32>) {
  // expected-error@+1 {{'quill.average_pool' op expected non-negative pads}}
  %0 = quill.average_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: -1, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x1x4x4xf32> to tensor<1x1x3x3xf32>
  return
}

// -----

// ceil_mode drops a last window that would start in the end padding only.
func.func @pool_ceil_result(%x: tensor<1x1x5x5xf32>) {
  // expected-error@+1 {{'quill.max_pool' op expected result shape [1, 1, 2, 2], got [1, 1, 3, 3]}}
  %0 = quill.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode} : tensor<1x1x5x5xf32> to tensor<1x1x3x3xf32>
  return
}

// -----

func.func @global_pool_result(%x: tensor<1x3x4x4xf32>) {
  // expected-error@+1 {{'quill.global_average_pool' op expected result shape [1, 3, 1, 1], got [1, 3]}}
  %0 = quill.global_average_pool %x : tensor<1x3x4x4xf32> to tensor<1x3xf32>
  return
}

// -----

func.func @batch_norm_params(%x: tensor<2x3x4xf32>, %c: tensor<3xf32>, %bad: tensor<4xf32>) {
  // expected-error@+1 {{'quill.batch_norm' op expected per-channel parameters of shape [3], got [4]}}
  %0 = quill.batch_norm %x, %c, %c, %bad, %c {epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @layer_norm_scale(%x: tensor<2x3x4xf32>, %g: tensor<3xf32>) {
  // expected-error@+1 {{'quill.layer_norm' op expected scale and bias to broadcast to [4], got [3]}}
  %0 = quill.layer_norm %x, %g {axis = 2, epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @layer_norm_axis(%x: tensor<2x3x4xf32>, %g: tensor<4xf32>) {
  // expected-error@+1 {{'quill.layer_norm' op expected axis in [0, 3), got 3}}
  %0 = quill.layer_norm %x, %g {axis = 3, epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @resize_scales(%x: tensor<1x3x4x4xf32>) {
  // expected-error@+1 {{'quill.resize' op expected 4 positive scales, got [1.000000e+00, 1.000000e+00, 2.000000e+00]}}
  %0 = quill.resize %x {scales = array<f32: 1.0, 1.0, 2.0>, mode = #quill.resize_mode<nearest>, coordinate_transform = #quill.coordinate_transform<asymmetric>, nearest_mode = #quill.nearest_mode<floor>} : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
  return
}

// -----

func.func @resize_result(%x: tensor<1x3x4x4xf32>) {
  // expected-error@+1 {{'quill.resize' op expected result shape [1, 3, 6, 6], got [1, 3, 8, 8]}}
  %0 = quill.resize %x {scales = array<f32: 1.0, 1.0, 1.5, 1.5>, mode = #quill.resize_mode<nearest>, coordinate_transform = #quill.coordinate_transform<asymmetric>, nearest_mode = #quill.nearest_mode<floor>} : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
  return
}

// -----

func.func @resize_roi(%x: tensor<1x3x4x4xf32>) {
  // expected-error@+1 {{'quill.resize' op expected a roi for tf_crop_and_resize}}
  %0 = quill.resize %x {scales = array<f32: 1.0, 1.0, 2.0, 2.0>, mode = #quill.resize_mode<linear>, coordinate_transform = #quill.coordinate_transform<tf_crop_and_resize>, nearest_mode = #quill.nearest_mode<floor>} : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
  return
}

// -----

func.func @hadamard_block_not_dividing(%x: tensor<2x96xf32>) {
  // expected-error@+1 {{'quill.hadamard' op expected a block size that divides the last axis (96), got 64}}
  %0 = quill.hadamard %x {block_size = 64 : i64} : tensor<2x96xf32>
  return
}

// -----

func.func @hadamard_no_order(%x: tensor<2x336xf32>) {
  // expected-error@+1 {{'quill.hadamard' op expected a block size K * 2^p with K in {1, 12, 20, 28, 36, 44, 52, 60, 108, 140}, got 336}}
  %0 = quill.hadamard %x {block_size = 336 : i64} : tensor<2x336xf32>
  return
}

// -----

func.func @hadamard_dynamic(%x: tensor<2x?xf32>) {
  // expected-error@+1 {{'quill.hadamard' op expected a static last axis to rotate}}
  %0 = quill.hadamard %x {block_size = 16 : i64} : tensor<2x?xf32>
  return
}
