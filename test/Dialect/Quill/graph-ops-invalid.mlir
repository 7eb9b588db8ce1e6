// RUN: quill-opt %s -split-input-file -verify-diagnostics

func.func @add_not_broadcastable(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error@+1 {{'quill.add' op operands don't have broadcast-compatible shapes}}
  %0 = quill.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @add_element_types(%a: tensor<2xf32>, %b: tensor<2xf16>) {
  // expected-error@+1 {{'quill.add' op requires the same element type for all operands and results}}
  %0 = quill.add %a, %b : (tensor<2xf32>, tensor<2xf16>) -> tensor<2xf32>
  return
}

// -----

func.func @matmul_contraction(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{'quill.matmul' op expected contraction sizes to agree, got 3 and 4}}
  %0 = quill.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x3x4xf32>, %b: tensor<5x4x6xf32>) {
  // expected-error@+1 {{'quill.matmul' op expected batch dimensions that broadcast, got [2] and [5]}}
  %0 = quill.matmul %a, %b : (tensor<2x3x4xf32>, tensor<5x4x6xf32>) -> tensor<2x3x6xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<3x4xf32>, %v: tensor<4xf32>) {
  // expected-error@+1 {{'quill.matmul' op expected result shape [3], got [3, 1]}}
  %0 = quill.matmul %a, %v : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x1xf32>
  return
}

// -----

func.func @gemm_contraction(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error@+1 {{'quill.gemm' op expected contraction sizes to agree, got 3 and 4}}
  %0 = quill.gemm %a, %b : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @gemm_bias(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<3xf32>) {
  // expected-error@+1 {{'quill.gemm' op expected C to broadcast to [2, 4], got [3]}}
  %0 = quill.gemm %a, %b, %c : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @gemm_result(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) {
  // expected-error@+1 {{'quill.gemm' op expected result shape [2, 4], got [4, 2]}}
  %0 = quill.gemm %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @gemm_rank(%a: tensor<2x3x1xf32>, %b: tensor<3x4xf32>) {
  // expected-error@+1 {{'quill.gemm' op operand #0 must be 2D tensor}}
  %0 = quill.gemm %a, %b : (tensor<2x3x1xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @clip_bound_type(%x: tensor<4xf32>, %lo: tensor<1xf32>) {
  // expected-error@+1 {{'quill.clip' op expected bounds of type 'tensor<f32>', got 'tensor<1xf32>'}}
  %0 = quill.clip %x min %lo : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<2x4xf32>) {
  // expected-error@+1 {{'quill.softmax' op expected axis in [0, 2), got 2}}
  %0 = quill.softmax %x {axis = 2} : tensor<2x4xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{'quill.reshape' op expected the same number of elements, got 6 and 8}}
  %0 = quill.reshape %x : tensor<2x3xf32> to tensor<2x4xf32>
  return
}

// -----

func.func @transpose_permutation(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{'quill.transpose' op expected a permutation of [0, 2), got [0, 0]}}
  %0 = quill.transpose %x {permutation = array<i64: 0, 0>} : tensor<2x3xf32> to tensor<2x2xf32>
  return
}

// -----

func.func @transpose_result(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{'quill.transpose' op expected result shape [3, 2], got [2, 3]}}
  %0 = quill.transpose %x {permutation = array<i64: 1, 0>} : tensor<2x3xf32> to tensor<2x3xf32>
  return
}

// -----

func.func @concat_dims(%x: tensor<2x3xf32>, %y: tensor<3x3xf32>) {
  // expected-error@+1 {{'quill.concat' op expected inputs to agree on dimension 0, got 3 and 2}}
  %0 = quill.concat %x, %y {axis = 1} : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_result(%x: tensor<2x3xf32>, %y: tensor<2x4xf32>) {
  // expected-error@+1 {{'quill.concat' op expected result dimension 1 to be 7, got 6}}
  %0 = quill.concat %x, %y {axis = 1} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @reduce_axes(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{'quill.reduce_sum' op expected sorted, distinct axes in [0, 2), got [1, 0]}}
  %0 = quill.reduce_sum %x {axes = array<i64: 1, 0>} : tensor<2x3xf32> to tensor<f32>
  return
}

// -----

func.func @reduce_result(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{'quill.reduce_mean' op expected result shape [2, 1], got [2]}}
  %0 = quill.reduce_mean %x {axes = array<i64: 1>, keepdims} : tensor<2x3xf32> to tensor<2xf32>
  return
}

// -----

func.func @where_types(%c: tensor<2xi1>, %a: tensor<2xf32>, %b: tensor<2xf16>) {
  // expected-error@+1 {{'quill.where' op expected both values to have the result's element type 'f32'}}
  %0 = quill.where %c, %a, %b : (tensor<2xi1>, tensor<2xf32>, tensor<2xf16>) -> tensor<2xf32>
  return
}

// -----

func.func @expand_shape(%x: tensor<3x2xf32>) {
  // expected-error@+1 {{'quill.expand' op expected the input to broadcast to [3, 4]}}
  %0 = quill.expand %x : tensor<3x2xf32> to tensor<3x4xf32>
  return
}

// -----

func.func @gather_result(%x: tensor<3x4xf32>, %i: tensor<5xi64>) {
  // expected-error@+1 {{'quill.gather' op expected result shape [5, 4], got [3, 5]}}
  %0 = quill.gather %x, %i {axis = 0} : (tensor<3x4xf32>, tensor<5xi64>) -> tensor<3x5xf32>
  return
}

// -----

func.func @slice_bounds(%x: tensor<3x4xf32>) {
  // expected-error@+1 {{'quill.slice' op expected dimension 1 to read indices in [0, 4), got 2 to 4}}
  %0 = quill.slice %x {starts = array<i64: 0, 2>, steps = array<i64: 1, 1>} : tensor<3x4xf32> to tensor<3x3xf32>
  return
}

// -----

func.func @slice_step(%x: tensor<3x4xf32>) {
  // expected-error@+1 {{'quill.slice' op expected non-zero steps}}
  %0 = quill.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 1, 0>} : tensor<3x4xf32> to tensor<3x1xf32>
  return
}

// -----

func.func @pad_result(%x: tensor<3x4xf32>) {
  // expected-error@+1 {{'quill.pad' op expected result shape [5, 4], got [4, 4]}}
  %0 = quill.pad %x {pads = array<i64: 1, 0, 1, 0>, mode = #quill.pad_mode<edge>} : (tensor<3x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @pad_value_mode(%x: tensor<3x4xf32>, %v: tensor<f32>) {
  // expected-error@+1 {{'quill.pad' op expected no value outside constant mode}}
  %0 = quill.pad %x value %v {pads = array<i64: 1, 0, 1, 0>, mode = #quill.pad_mode<reflect>} : (tensor<3x4xf32>, tensor<f32>) -> tensor<5x4xf32>
  return
}

// -----

func.func @compare_element_types(%a: tensor<2xf32>, %b: tensor<2xi32>) {
  // expected-error@+1 {{'quill.compare' op expected operands of one element type, got 'f32' and 'i32'}}
  %0 = quill.compare <less> %a, %b : (tensor<2xf32>, tensor<2xi32>) -> tensor<2xi1>
  return
}

// -----

func.func @compare_result_not_bool(%a: tensor<2xf32>) {
  // expected-error@+1 {{'quill.compare' op result #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = quill.compare <less> %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @and_of_floats(%a: tensor<2xf32>) {
  // expected-error@+1 {{'quill.and' op operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = quill.and %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return
}
