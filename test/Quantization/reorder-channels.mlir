// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-reorder-channels{format=int4-weights block-size=2 objective=group statistic=weight-norm}))' -split-input-file -verify-diagnostics | FileCheck %s

// A hidden layer: the first product's output columns, its bias, the ReLU and
// the second product's rows form one group; the rows of %w2 have norms 1,
// 10, 2, 20, so sorting puts channels 3, 1, 2, 0 first to last. The input
// group (rows of %w1, equal norms) keeps its order.
// CHECK-LABEL: func.func @hidden_layer
// CHECK-NOT: quill.gather
// CHECK-DAG: %[[W1:.*]] = arith.constant dense<{{\[}}[4.000000e+00, 2.000000e+00, 3.000000e+00, 1.000000e+00]]> : tensor<1x4xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[4.000000e-01, 2.000000e-01, 3.000000e-01, 1.000000e-01]> : tensor<4xf32>
// CHECK-DAG: %[[W2:.*]] = arith.constant dense<{{\[}}[2.000000e+01, 0.000000e+00], [1.000000e+01, 0.000000e+00], [2.000000e+00, 0.000000e+00], [1.000000e+00, 0.000000e+00]]> : tensor<4x2xf32>
// CHECK-DAG: %[[H:.*]] = quill.matmul %arg0, %[[W1]]
// CHECK-DAG: %[[A:.*]] = quill.add %[[H]], %[[B]]
// CHECK-DAG: %[[R:.*]] = quill.relu %[[A]]
// CHECK-DAG: quill.matmul %[[R]], %[[W2]]
func.func @hidden_layer(%x: tensor<3x1xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf32>
  %b = arith.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %w2 = arith.constant dense<[[1.0, 0.0], [10.0, 0.0], [2.0, 0.0], [20.0, 0.0]]> : tensor<4x2xf32>
  %h = quill.matmul %x, %w1 : (tensor<3x1xf32>, tensor<1x4xf32>) -> tensor<3x4xf32>
  %a = quill.add %h, %b : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  %r = quill.relu %a : tensor<3x4xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 1 op(s): kept group/weight-norm}}
  %y = quill.matmul %r, %w2 : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A residual stream read by two products and returned: the graph input is
// gathered once on entry, the returned value gathered back, and both
// readers' rows (norm order 3, 1, 2, 0) move together.
// CHECK-LABEL: func.func @residual_stream
// CHECK: %[[I:.*]] = arith.constant dense<[3, 1, 2, 0]> : tensor<4xi64>
// CHECK: %[[X:.*]] = quill.gather %arg0, %[[I]] {axis = 1 : i64}
// CHECK: quill.matmul %[[X]]
// CHECK: %[[S:.*]] = quill.add
// CHECK: quill.matmul %[[S]]
// CHECK: %[[J:.*]] = arith.constant dense<[3, 1, 2, 0]> : tensor<4xi64>
// CHECK: %[[OUT:.*]] = quill.gather %[[S]], %[[J]] {axis = 1 : i64}
// CHECK: return %[[OUT]]
func.func @residual_stream(%x: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>) {
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 10.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 20.0]]> : tensor<4x4xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 2 op(s): kept group/weight-norm}}
  %f = quill.matmul %x, %w : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
  %s = quill.add %x, %f : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %g = quill.matmul %s, %w : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
  return %s, %g : tensor<3x4xf32>, tensor<3x4xf32>
}

// -----

// Concat puts its inputs side by side: each input's channels keep their
// segment (offsets 0 and 2), so the sort stays within segments.
// CHECK-LABEL: func.func @concat
// CHECK-DAG: arith.constant dense<{{\[}}[2.000000e+00, 1.000000e+00]]> : tensor<1x2xf32>
// CHECK-DAG: arith.constant dense<{{\[}}[4.000000e+00, 3.000000e+00]]> : tensor<1x2xf32>
// CHECK-DAG: arith.constant dense<{{\[}}[0.000000e+00, 5.000000e+00], [0.000000e+00, 1.000000e+00], [0.000000e+00, 3.000000e+00], [0.000000e+00, 2.000000e+00]]> : tensor<4x2xf32>
func.func @concat(%x: tensor<3x1xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %w2 = arith.constant dense<[[3.0, 4.0]]> : tensor<1x2xf32>
  %w3 = arith.constant dense<[[0.0, 1.0], [0.0, 5.0], [0.0, 2.0], [0.0, 3.0]]> : tensor<4x2xf32>
  %a = quill.matmul %x, %w1 : (tensor<3x1xf32>, tensor<1x2xf32>) -> tensor<3x2xf32>
  %b = quill.matmul %x, %w2 : (tensor<3x1xf32>, tensor<1x2xf32>) -> tensor<3x2xf32>
  %c = quill.concat %a, %b {axis = 1 : i64} : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x4xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 1 op(s): kept group/weight-norm}}
  %y = quill.matmul %c, %w3 : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// An op the analysis does not follow leaves the whole group in order.
// CHECK-LABEL: func.func @refused
// CHECK-NOT: quill.gather
// CHECK: dense<{{\[}}[1.000000e+00], [1.000000e+01], [2.000000e+00], [2.000000e+01]]>
func.func @refused(%x: tensor<3x4xf32>) -> tensor<3x1xf32> {
  %w = arith.constant dense<[[1.0], [10.0], [2.0], [20.0]]> : tensor<4x1xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 1 op(s) left unpermuted at 'quill.top_k': an op the analysis does not follow}}
  %v, %i = quill.top_k %x {k = 4 : i64, axis = 1 : i64, largest} : tensor<3x4xf32> to tensor<3x4xf32>, tensor<3x4xi64>
  %y = quill.matmul %v, %w : (tensor<3x4xf32>, tensor<4x1xf32>) -> tensor<3x1xf32>
  return %y : tensor<3x1xf32>
}


// -----

// Attention with two heads of two channels. The output projection's rows
// (norms 1, 5, 2, 10) are sorted within each head, not across heads: V's
// columns and Wo's rows take [1, 0, 3, 2]. Q and K share their own group,
// which no quantizable op sums over; the residual stream's readers have
// equal row norms and keep their order.
// CHECK-LABEL: func.func @attention_heads
// CHECK-NOT: quill.gather
// CHECK-DAG: arith.constant dense<{{\[}}[2.000000e+00, 1.000000e+00, 4.000000e+00, 3.000000e+00], {{.*}}> : tensor<4x4xf32>
// CHECK-DAG: arith.constant dense<{{\[}}[0.000000e+00, 5.000000e+00], [1.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+01], [2.000000e+00, 0.000000e+00]]> : tensor<4x2xf32>
func.func @attention_heads(%x: tensor<1x4x4xf32>) -> tensor<1x4x2xf32> {
  %wq = arith.constant dense<1.0> : tensor<4x4xf32>
  %wv = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]> : tensor<4x4xf32>
  %wo = arith.constant dense<[[1.0, 0.0], [0.0, 5.0], [2.0, 0.0], [0.0, 10.0]]> : tensor<4x2xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 3 op(s): kept group/weight-norm}}
  %q = quill.matmul %x, %wq : (tensor<1x4x4xf32>, tensor<4x4xf32>) -> tensor<1x4x4xf32>
  %k = quill.matmul %x, %wq : (tensor<1x4x4xf32>, tensor<4x4xf32>) -> tensor<1x4x4xf32>
  %v = quill.matmul %x, %wv : (tensor<1x4x4xf32>, tensor<4x4xf32>) -> tensor<1x4x4xf32>
  %q2 = quill.reshape %q : tensor<1x4x4xf32> to tensor<1x4x2x2xf32>
  %q3 = quill.transpose %q2 {permutation = array<i64: 0, 2, 1, 3>} : tensor<1x4x2x2xf32> to tensor<1x2x4x2xf32>
  %k2 = quill.reshape %k : tensor<1x4x4xf32> to tensor<1x4x2x2xf32>
  %k3 = quill.transpose %k2 {permutation = array<i64: 0, 2, 3, 1>} : tensor<1x4x2x2xf32> to tensor<1x2x2x4xf32>
  %v2 = quill.reshape %v : tensor<1x4x4xf32> to tensor<1x4x2x2xf32>
  %v3 = quill.transpose %v2 {permutation = array<i64: 0, 2, 1, 3>} : tensor<1x4x2x2xf32> to tensor<1x2x4x2xf32>
  %s = quill.matmul %q3, %k3 : (tensor<1x2x4x2xf32>, tensor<1x2x2x4xf32>) -> tensor<1x2x4x4xf32>
  %p = quill.softmax %s {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %c = quill.matmul %p, %v3 : (tensor<1x2x4x4xf32>, tensor<1x2x4x2xf32>) -> tensor<1x2x4x2xf32>
  %c2 = quill.transpose %c {permutation = array<i64: 0, 2, 1, 3>} : tensor<1x2x4x2xf32> to tensor<1x4x2x2xf32>
  %c3 = quill.reshape %c2 : tensor<1x4x2x2xf32> to tensor<1x4x4xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 1 op(s): kept group/weight-norm}}
  %o = quill.matmul %c3, %wo : (tensor<1x4x4xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  return %o : tensor<1x4x2xf32>
}

// -----

// A V cache: the past values (a graph input) are concatenated along the
// sequence and returned as the present ones. Both join the V / output
// projection group: the input is gathered on entry, the returned cache
// gathered back into its order.
// CHECK-LABEL: func.func @value_cache
// CHECK: %[[I:.*]] = arith.constant dense<[1, 0, 3, 2]> : tensor<4xi64>
// CHECK: %[[PAST:.*]] = quill.gather %arg1, %[[I]] {axis = 2 : i64}
// CHECK: %[[ALL:.*]] = quill.concat %[[PAST]]
// CHECK: %[[J:.*]] = arith.constant dense<[1, 0, 3, 2]> : tensor<4xi64>
// CHECK: %[[PRESENT:.*]] = quill.gather %[[ALL]], %[[J]] {axis = 2 : i64}
// CHECK: return %{{.*}}, %[[PRESENT]]
func.func @value_cache(%x: tensor<1x1x4xf32>, %past: tensor<1x3x4xf32>, %p: tensor<1x2x1x4xf32>) -> (tensor<1x1x2xf32>, tensor<1x4x4xf32>) {
  %wv = arith.constant dense<1.0> : tensor<4x4xf32>
  %wo = arith.constant dense<[[1.0, 0.0], [0.0, 5.0], [2.0, 0.0], [0.0, 10.0]]> : tensor<4x2xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 1 op(s): kept group/weight-norm}}
  %v = quill.matmul %x, %wv : (tensor<1x1x4xf32>, tensor<4x4xf32>) -> tensor<1x1x4xf32>
  %all = quill.concat %past, %v {axis = 1 : i64} : (tensor<1x3x4xf32>, tensor<1x1x4xf32>) -> tensor<1x4x4xf32>
  %v2 = quill.reshape %all : tensor<1x4x4xf32> to tensor<1x4x2x2xf32>
  %v3 = quill.transpose %v2 {permutation = array<i64: 0, 2, 1, 3>} : tensor<1x4x2x2xf32> to tensor<1x2x4x2xf32>
  %c = quill.matmul %p, %v3 : (tensor<1x2x1x4xf32>, tensor<1x2x4x2xf32>) -> tensor<1x2x1x2xf32>
  %c2 = quill.transpose %c {permutation = array<i64: 0, 2, 1, 3>} : tensor<1x2x1x2xf32> to tensor<1x1x2x2xf32>
  %c3 = quill.reshape %c2 : tensor<1x1x2x2xf32> to tensor<1x1x4xf32>
  // expected-remark@+1 {{channel group of 4 channels read by 1 op(s): kept group/weight-norm}}
  %o = quill.matmul %c3, %wo : (tensor<1x1x4xf32>, tensor<4x2xf32>) -> tensor<1x1x2xf32>
  return %o, %all : tensor<1x1x2xf32>, tensor<1x4x4xf32>
}
