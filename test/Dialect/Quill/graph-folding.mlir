// RUN: quill-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @broadcast_arithmetic
// CHECK-DAG: arith.constant dense<{{\[\[}}1.100000e+01, 2.200000e+01], [1.300000e+01, 2.400000e+01]]> : tensor<2x2xf32>
// CHECK-DAG: arith.constant dense<{{\[\[}}-9.000000e+00, -1.800000e+01], [-7.000000e+00, -1.600000e+01]]> : tensor<2x2xf32>
// CHECK-DAG: arith.constant dense<{{\[\[}}1.000000e+01, 4.000000e+01], [3.000000e+01, 8.000000e+01]]> : tensor<2x2xf32>
// CHECK-DAG: arith.constant dense<{{\[\[}}1.000000e-01, 1.000000e-01], [3.000000e-01, 2.000000e-01]]> : tensor<2x2xf32>
// CHECK-NOT: quill.
func.func @broadcast_arithmetic() -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
  %a = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = arith.constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = quill.add %a, %b : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %1 = quill.sub %a, %b : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %2 = quill.mul %b, %a : (tensor<2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %3 = quill.div %a, %b : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %0, %1, %2, %3 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// Integer division truncates toward zero; unsigned operands compare
// unsigned; a division by zero stays for run time.
// CHECK-LABEL: func.func @integers
// CHECK-DAG: arith.constant dense<[-3, 3, -3]> : tensor<3xi64>
// CHECK-DAG: arith.constant dense<[200, 7]> : tensor<2xui8>
// CHECK: quill.div %{{.*}}, %{{.*}} : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
func.func @integers() -> (tensor<3xi64>, tensor<2xui8>, tensor<2xi32>) {
  %a = arith.constant dense<[-7, 7, 7]> : tensor<3xi64>
  %b = arith.constant dense<[2, 2, -2]> : tensor<3xi64>
  %q = quill.div %a, %b : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %u = arith.constant dense<[200, 3]> : tensor<2xui8>
  %v = arith.constant dense<[100, 7]> : tensor<2xui8>
  %m = quill.max %u, %v : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xui8>
  %x = arith.constant dense<[1, 2]> : tensor<2xi32>
  %zero = arith.constant dense<[1, 0]> : tensor<2xi32>
  %z = quill.div %x, %zero : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %q, %m, %z : tensor<3xi64>, tensor<2xui8>, tensor<2xi32>
}

// -----

// Max and Min propagate NaN; PRelu scales the negative values only.
// CHECK-LABEL: func.func @max_min_prelu
// CHECK-DAG: arith.constant dense<[0x7FC00000, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: arith.constant dense<[0x7FC00000, -1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: arith.constant dense<[-2.500000e-01, 3.000000e+00]> : tensor<2xf32>
func.func @max_min_prelu() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %a = arith.constant dense<[0x7FC00000, -1.0]> : tensor<2xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = quill.max %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = quill.min %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %x = arith.constant dense<[-1.0, 3.0]> : tensor<2xf32>
  %slope = arith.constant dense<0.25> : tensor<f32>
  %2 = quill.prelu %x, %slope : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
  return %0, %1, %2 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @layout
// CHECK-DAG: arith.constant dense<{{\[\[}}1, 4], [2, 5], [3, 6]]> : tensor<3x2xi32>
// CHECK-DAG: arith.constant dense<[1, 2, 3, 4, 5, 6]> : tensor<6xi32>
// CHECK: %[[R:.*]] = quill.reshape %arg0 : tensor<2x3xf32> to tensor<6xf32>
// CHECK: return {{.*}}, {{.*}}, %[[R]], %arg0
func.func @layout(%x: tensor<2x3xf32>) -> (tensor<3x2xi32>, tensor<6xi32>, tensor<6xf32>, tensor<2x3xf32>) {
  %c = arith.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
  %t = quill.transpose %c {permutation = array<i64: 1, 0>} : tensor<2x3xi32> to tensor<3x2xi32>
  %r = quill.reshape %c : tensor<2x3xi32> to tensor<6xi32>
  // A reshape of a reshape reads the original; an identity transpose goes.
  %a = quill.reshape %x : tensor<2x3xf32> to tensor<3x2xf32>
  %b = quill.reshape %a : tensor<3x2xf32> to tensor<6xf32>
  %i = quill.transpose %x {permutation = array<i64: 0, 1>} : tensor<2x3xf32> to tensor<2x3xf32>
  return %t, %r, %b, %i : tensor<3x2xi32>, tensor<6xi32>, tensor<6xf32>, tensor<2x3xf32>
}

// -----

// Cast: float to integer truncates toward zero; uint8 reads unsigned;
// an out-of-range value stays for run time.
// CHECK-LABEL: func.func @casts
// CHECK-DAG: arith.constant dense<[-2, 2, 0]> : tensor<3xi32>
// CHECK-DAG: arith.constant dense<[2.550000e+02, 1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: arith.constant dense<[true, false]> : tensor<2xi1>
// CHECK: quill.cast %{{.*}} : tensor<1xf32> to tensor<1xi8>
func.func @casts() -> (tensor<3xi32>, tensor<2xf32>, tensor<2xi1>, tensor<1xi8>) {
  %f = arith.constant dense<[-2.7, 2.7, 0.5]> : tensor<3xf32>
  %0 = quill.cast %f : tensor<3xf32> to tensor<3xi32>
  %u = arith.constant dense<[255, 1]> : tensor<2xui8>
  %1 = quill.cast %u : tensor<2xui8> to tensor<2xf32>
  %g = arith.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %2 = quill.cast %g : tensor<2xf32> to tensor<2xi1>
  %big = arith.constant dense<[1000.0]> : tensor<1xf32>
  %3 = quill.cast %big : tensor<1xf32> to tensor<1xi8>
  return %0, %1, %2, %3 : tensor<3xi32>, tensor<2xf32>, tensor<2xi1>, tensor<1xi8>
}

// -----

// Logical ops of constant booleans fold, broadcasting.
// CHECK-LABEL: func.func @logical
// CHECK-DAG: arith.constant dense<[true, false]> : tensor<2xi1>
// CHECK-DAG: arith.constant dense<true> : tensor<2xi1>
// CHECK-DAG: arith.constant dense<[false, true]> : tensor<2xi1>
// CHECK-NOT: quill.
func.func @logical() -> (tensor<2xi1>, tensor<2xi1>, tensor<2xi1>) {
  %a = arith.constant dense<[true, false]> : tensor<2xi1>
  %b = arith.constant dense<true> : tensor<i1>
  %0 = quill.and %a, %b : (tensor<2xi1>, tensor<i1>) -> tensor<2xi1>
  %1 = quill.or %a, %b : (tensor<2xi1>, tensor<i1>) -> tensor<2xi1>
  %2 = quill.xor %a, %b : (tensor<2xi1>, tensor<i1>) -> tensor<2xi1>
  return %0, %1, %2 : tensor<2xi1>, tensor<2xi1>, tensor<2xi1>
}
