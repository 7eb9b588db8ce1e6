// RUN: quill-opt %s -split-input-file -verify-diagnostics

func.func @arg_max_shape(%x: tensor<2x5xf32>) {
  // expected-error@+1 {{'quill.arg_max' op expected result shape [2], got [2, 1]}}
  %0 = quill.arg_max %x {axis = 1 : i64} : tensor<2x5xf32> to tensor<2x1xi64>
  return
}

// -----

func.func @cumsum_axis(%x: tensor<2x5xf32>) {
  // expected-error@+1 {{'quill.cumsum' op expected axis in [0, 2), got 2}}
  %0 = quill.cumsum %x {axis = 2 : i64} : tensor<2x5xf32>
  return
}

// -----

func.func @top_k_too_many(%x: tensor<2x5xf32>) {
  // expected-error@+1 {{'quill.top_k' op expected k in [0, 5], got 6}}
  %0:2 = quill.top_k %x {k = 6 : i64, axis = 1 : i64} : tensor<2x5xf32> to tensor<2x6xf32>, tensor<2x6xi64>
  return
}

// -----

func.func @gather_elements_rank(%x: tensor<3x4xf32>, %i: tensor<3xi64>) {
  // expected-error@+1 {{'quill.gather_elements' op expected indices of the data's rank 2, got 1}}
  %0 = quill.gather_elements %x, %i {axis = 0 : i64} : (tensor<3x4xf32>, tensor<3xi64>) -> tensor<3xf32>
  return
}

// -----

func.func @gather_nd_tuple(%x: tensor<3x4xf32>, %i: tensor<2x3xi64>) {
  // expected-error@+1 {{'quill.gather_nd' op expected index tuples of 1 to 2 elements, got 3}}
  %0 = quill.gather_nd %x, %i {batch_dims = 0 : i64} : (tensor<3x4xf32>, tensor<2x3xi64>) -> tensor<2xf32>
  return
}

// -----

func.func @scatter_nd_updates(%x: tensor<3x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) {
  // expected-error@+1 {{'quill.scatter_nd' op expected updates of shape [2, 4], got [2, 3]}}
  %0 = quill.scatter_nd <add> %x, %i, %u : (tensor<3x4xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @scatter_bool_reduction(%x: tensor<3xi1>, %i: tensor<1xi64>, %u: tensor<1xi1>) {
  // expected-error@+1 {{'quill.scatter_elements' op expected numbers to combine, got booleans}}
  %0 = quill.scatter_elements <add> %x, %i, %u {axis = 0 : i64} : (tensor<3xi1>, tensor<1xi64>, tensor<1xi1>) -> tensor<3xi1>
  return
}

// -----

func.func @float_floored_mod(%x: tensor<4xf32>) {
  // expected-error@+1 {{'quill.mod' op expected fmod for float operands: floored remainder is defined for integers only}}
  %0 = quill.mod %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}
