// RUN: quill-opt --quill-lower-to-linalg %s | FileCheck %s

// Float reductions may be reassociated, so that LLVM vectorizes them;
// integer ones need no flag.
// CHECK-LABEL: func.func @reduce_sum
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
func.func @reduce_sum(%x: tensor<2x4xf32>) -> tensor<2xf32> {
  %0 = quill.reduce_sum %x {axes = array<i64: 1>} : tensor<2x4xf32> to tensor<2xf32>
  return %0 : tensor<2xf32>
}

// CHECK-LABEL: func.func @softmax
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
// CHECK: math.exp
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
func.func @softmax(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = quill.softmax %x {axis = 1} : tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
