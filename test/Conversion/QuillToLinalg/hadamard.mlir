// RUN: quill-opt --quill-lower-to-linalg %s | FileCheck %s

// quill.hadamard becomes one product generic over (row, block, j, i) whose
// coefficients are formed in the body: the sign (an operand), H_K's entry
// (read from a K x K table at i / 2^p, j / 2^p), the Walsh sign
// (-1)^popcount(i & j & (2^p - 1)) and 1/sqrt(b). The generic carries
// {block_size, seed} for the CPU's kernel call.

// CHECK-LABEL: func.func @blocks_of_384
// CHECK: %[[X:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [4, 2, 384]
// CHECK-DAG: %[[TABLE:.*]] = arith.constant dense<{{.*}}> : tensor<12x12xf32>
// CHECK-DAG: %[[SIGNS:.*]] = arith.constant dense<{{.*}}> : tensor<2x384xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[X]], %[[SIGNS]] : tensor<4x2x384xf32>, tensor<2x384xf32>)
// CHECK-SAME: quill.hadamard = {block_size = 384 : i64, seed = 7 : i64}
// CHECK: math.ctpop
// CHECK: arith.constant 0.0510310344 : f32
// CHECK: arith.divui %{{.*}}, %c32_i64
// CHECK: tensor.extract %[[TABLE]]
// CHECK: } -> tensor<4x2x384xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<4x2x384xf32> into tensor<4x768xf32>
func.func @blocks_of_384(%x: tensor<4x768xf32>) -> tensor<4x768xf32> {
  %0 = quill.hadamard %x {block_size = 384 : i64, seed = 7 : i64} : tensor<4x768xf32>
  return %0 : tensor<4x768xf32>
}

// A power of two needs no table; without a seed the signs are all +1.
// CHECK-LABEL: func.func @whole_axis
// CHECK: arith.constant dense<1.000000e+00> : tensor<1x64xf32>
// CHECK-NOT: tensor<1x1xf32>
// CHECK: quill.hadamard = {block_size = 64 : i64}
// CHECK-NOT: tensor.extract
func.func @whole_axis(%x: tensor<2x3x64xf32>) -> tensor<2x3x64xf32> {
  %0 = quill.hadamard %x {block_size = 64 : i64} : tensor<2x3x64xf32>
  return %0 : tensor<2x3x64xf32>
}
