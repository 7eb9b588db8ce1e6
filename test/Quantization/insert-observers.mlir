// RUN: quill-opt %s --split-input-file --quill-insert-observers | FileCheck %s

// Observed, once each in program order: the graph input x (read by the
// first Gemm), fc's output after the ReLU that is its only user (also the
// second Gemm's activation), fc2's output and the softmax's (every
// activation, for integer-only quantization). The original result stays
// first; the weights, the bias and fc's pre-ReLU value are not observed.
// The activations the Gemms sum over carry the axis they sum over
// (quill.channel_axis: where channel statistics are taken).
// CHECK-LABEL: func.func @mlp
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32> {quill.name = "x"})
// CHECK-SAME: -> (tensor<2x2xf32> {quill.name = "y"}, tensor<2x3xf32> {quill.channel_axis = 1 : i64, quill.name = "x"}, tensor<2x2xf32> {quill.channel_axis = 1 : i64, quill.name = "fc_relu"}, tensor<2x2xf32> {quill.name = "fc2"}, tensor<2x2xf32> {quill.name = "y"})
// CHECK: %[[R:.*]] = quill.relu
// CHECK: %[[Y:.*]] = quill.gemm %[[R]]
// CHECK: %[[S:.*]] = quill.softmax %[[Y]]
// CHECK: return %[[S]], %[[X]], %[[R]], %[[Y]], %[[S]]
func.func @mlp(%x: tensor<2x3xf32> {quill.name = "x"}) -> (tensor<2x2xf32> {quill.name = "y"}) {
  %w = arith.constant dense<[[1.0, -0.5, 0.0], [1.0, 4.0, -4.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %w2 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = quill.gemm %x, %w, %b {trans_b} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x2xf32> loc("fc")
  %r = quill.relu %h : tensor<2x2xf32> loc("fc_relu")
  %y = quill.gemm %r, %w2 : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32> loc("fc2")
  %s = quill.softmax %y {axis = 1 : i64} : tensor<2x2xf32> loc("y")
  return %s : tensor<2x2xf32>
}

// -----

// A MatMul of two activations: both named tensors are observed (the
// unnamed %w is not), for integer-only quantization.
// CHECK-LABEL: func.func @dynamic_weight
// CHECK-SAME: -> (tensor<2x2xf32>, tensor<2x3xf32> {quill.name = "x"}, tensor<2x2xf32> {quill.name = "mm"})
// CHECK: return %[[MM:.*]], %{{.*}}, %[[MM]] :
func.func @dynamic_weight(%x: tensor<2x3xf32> {quill.name = "x"}, %w: tensor<3x2xf32>) -> tensor<2x2xf32> {
  %y = quill.matmul %x, %w : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32> loc("mm")
  return %y : tensor<2x2xf32>
}
