// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-quantize{stats-file=%S/Inputs/activations.json all-activations}))' | FileCheck %s

// Every activation gets its own range (Inputs/activations.json): the input x,
// the MatMul + bias (named proj: the MatMul alone, whose only user adds the
// bias, is not quantized), the scaled scores, the softmax and the LayerNorm.
// The transpose keeps proj's type. Constants (weight aside) stay float.
// CHECK-LABEL: func.func @attention_like
// CHECK: %[[XQ:.*]] = quill.quantize %arg0 : tensor<2x4xf32> to tensor<2x4x!quant.uniform<u8:f32, 0.0235294{{[0-9]*}}:85>>
// CHECK: %[[X:.*]] = quill.dequantize %[[XQ]]
// CHECK: %[[MM:.*]] = quill.matmul %[[X]], %{{.*}} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: %[[P:.*]] = quill.add %[[MM]], %{{.*}}
// CHECK-NEXT: %[[PQ:.*]] = quill.quantize %[[P]] : tensor<2x4xf32> to tensor<2x4x!quant.uniform<u8:f32, 0.00999999{{[0-9]*}}:100>>
// CHECK-NEXT: %[[PD:.*]] = quill.dequantize %[[PQ]]
// CHECK-NEXT: %[[T:.*]] = quill.transpose %[[PD]]
// CHECK-NEXT: %[[TQ:.*]] = quill.quantize %[[T]] : tensor<4x2xf32> to tensor<4x2x!quant.uniform<u8:f32, 0.00999999{{[0-9]*}}:100>>
// CHECK-NEXT: %[[TD:.*]] = quill.dequantize %[[TQ]]
// CHECK: quill.matmul %[[PD]], %[[TD]]
// CHECK-NEXT: quill.quantize %{{.*}} : tensor<2x2xf32> to tensor<2x2x!quant.uniform<u8:f32, 0.0799999{{[0-9]*}}:100>>
// CHECK: quill.mul
// CHECK-NEXT: quill.quantize %{{.*}} : tensor<2x2xf32> to tensor<2x2x!quant.uniform<u8:f32, 0.0399999{{[0-9]*}}:100>>
// CHECK: quill.softmax
// CHECK-NEXT: quill.quantize %{{.*}} : tensor<2x2xf32> to tensor<2x2x!quant.uniform<u8:f32, 0.00392156{{[0-9]*}}>>
// CHECK: quill.layer_norm
// CHECK-NEXT: quill.quantize %{{.*}} : tensor<2x2xf32> to tensor<2x2x!quant.uniform<u8:f32, 0.0235294{{[0-9]*}}:127>>
// CHECK-NEXT: %[[OUT:.*]] = quill.dequantize
// CHECK-NEXT: return %[[OUT]]
func.func @attention_like(%x: tensor<2x4xf32> {quill.name = "x"}) -> tensor<2x2xf32> {
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %b = arith.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %c = arith.constant dense<0.125> : tensor<f32>
  %g = arith.constant dense<1.0> : tensor<2xf32>
  %mm = quill.matmul %x, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32> loc("mm")
  %p = quill.add %mm, %b : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32> loc("proj")
  %t = quill.transpose %p {permutation = array<i64: 1, 0>} : tensor<2x4xf32> to tensor<4x2xf32> loc("t")
  %s = quill.matmul %p, %t : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32> loc("qk")
  %m = quill.mul %s, %c : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32> loc("scores")
  %e = quill.softmax %m {axis = 1 : i64} : tensor<2x2xf32> loc("probs")
  %n = quill.layer_norm %e, %g {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32> loc("norm")
  return %n : tensor<2x2xf32>
}

