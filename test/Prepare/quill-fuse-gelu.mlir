// RUN: quill-opt %s -quill-fuse-gelu -split-input-file | FileCheck %s

// The PyTorch export of nn.GELU(): x * 0.5 * (1 + erf(x / sqrt 2)).
// CHECK-LABEL: func.func @erf_form
// CHECK: %[[Y:.*]] = quill.gelu %arg0 : tensor<4x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @erf_form(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %sqrt2 = arith.constant dense<1.41421354> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %a = quill.div %x, %sqrt2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %e = math.erf %a : tensor<4x8xf32>
  %p = quill.add %e, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %m = quill.mul %x, %p : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = quill.mul %m, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Another association and x * (1/sqrt 2) inside the erf.
// CHECK-LABEL: func.func @erf_form_reassociated
// CHECK: quill.gelu %arg0 : tensor<8xf32>
func.func @erf_form_reassociated(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = arith.constant dense<0.707106769> : tensor<1xf32>
  %one = arith.constant dense<1.0> : tensor<1xf32>
  %half = arith.constant dense<0.5> : tensor<1xf32>
  %a = quill.mul %c, %x : (tensor<1xf32>, tensor<8xf32>) -> tensor<8xf32>
  %e = math.erf %a : tensor<8xf32>
  %p = quill.add %one, %e : (tensor<1xf32>, tensor<8xf32>) -> tensor<8xf32>
  %h = quill.mul %half, %x : (tensor<1xf32>, tensor<8xf32>) -> tensor<8xf32>
  %y = quill.mul %h, %p : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// The tanh approximation, with x^3 as Pow.
// CHECK-LABEL: func.func @tanh_form
// CHECK: quill.gelu %arg0 {tanh_approximation} : tensor<8xf32>
func.func @tanh_form(%x: tensor<8xf32>) -> tensor<8xf32> {
  %three = arith.constant dense<3.0> : tensor<f32>
  %k = arith.constant dense<0.044715> : tensor<f32>
  %s = arith.constant dense<0.797884583> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %cube = quill.pow %x, %three : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %kc = quill.mul %k, %cube : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %inner = quill.add %x, %kc : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %arg = quill.mul %inner, %s : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %t = math.tanh %arg : tensor<8xf32>
  %p = quill.add %t, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %h = quill.mul %x, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %y = quill.mul %h, %p : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// x^3 written as x * x * x.
// CHECK-LABEL: func.func @tanh_form_products
// CHECK: quill.gelu %arg0 {tanh_approximation} : tensor<8xf32>
func.func @tanh_form_products(%x: tensor<8xf32>) -> tensor<8xf32> {
  %k = arith.constant dense<0.044715> : tensor<f32>
  %s = arith.constant dense<0.797884583> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %xx = quill.mul %x, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %cube = quill.mul %xx, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %kc = quill.mul %cube, %k : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %inner = quill.add %kc, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %arg = quill.mul %s, %inner : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %t = math.tanh %arg : tensor<8xf32>
  %p = quill.add %one, %t : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %h = quill.mul %half, %p : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %y = quill.mul %x, %h : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// A wrong constant (sqrt 3 instead of sqrt 2) is not GELU.
// CHECK-LABEL: func.func @wrong_constant
// CHECK-NOT: quill.gelu
func.func @wrong_constant(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = arith.constant dense<1.7320508> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %a = quill.div %x, %c : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = math.erf %a : tensor<8xf32>
  %p = quill.add %e, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %m = quill.mul %x, %p : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %y = quill.mul %m, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// erf of a different value than the one multiplied is not GELU.
// CHECK-LABEL: func.func @different_operands
// CHECK-NOT: quill.gelu
func.func @different_operands(%x: tensor<8xf32>, %z: tensor<8xf32>) -> tensor<8xf32> {
  %sqrt2 = arith.constant dense<1.41421354> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %a = quill.div %z, %sqrt2 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = math.erf %a : tensor<8xf32>
  %p = quill.add %e, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %m = quill.mul %x, %p : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %y = quill.mul %m, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}
