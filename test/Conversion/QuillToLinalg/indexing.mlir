// RUN: quill-opt --quill-lower-to-linalg %s | FileCheck %s

// CHECK-DAG: #[[OTHER:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>

// ArgMax: the row maximum, then the lowest index holding it (a min
// reduction whose missing value is the row length).
// CHECK-LABEL: func.func @arg_max
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: arith.cmpf oeq
// CHECK: arith.constant 5 : i64
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.minsi
func.func @arg_max(%x: tensor<2x5xf32>) -> tensor<2xi64> {
  %0 = quill.arg_max %x {axis = 1 : i64} : tensor<2x5xf32> to tensor<2xi64>
  return %0 : tensor<2xi64>
}

// CumSum reduces over a second loop along the axis.
// CHECK-LABEL: func.func @cumsum
// CHECK: linalg.generic {indexing_maps = [#[[OTHER]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: arith.cmpi sle
func.func @cumsum(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = quill.cumsum %x {axis = 1 : i64} : tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// TopK: ranks, the index of each rank, then a gather of the values.
// CHECK-LABEL: func.func @top_k
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: tensor.extract
func.func @top_k(%x: tensor<2x5xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>) {
  %0:2 = quill.top_k %x {k = 3 : i64, axis = 1 : i64, largest} : tensor<2x5xf32> to tensor<2x3xf32>, tensor<2x3xi64>
  return %0#0, %0#1 : tensor<2x3xf32>, tensor<2x3xi64>
}

// Scatters write in the updates' order: a serial loop nest of inserts.
// CHECK-LABEL: func.func @scatter_nd
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract
// CHECK: arith.addf
// CHECK: tensor.insert
func.func @scatter_nd(%data: tensor<3x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4xf32>) -> tensor<3x4xf32> {
  %0 = quill.scatter_nd <add> %data, %i, %u : (tensor<3x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// Floored integer remainder: a truncated one moved by the divisor when the
// signs differ; a zero divisor gives 0.
// CHECK-LABEL: func.func @mod
// CHECK: arith.remsi
// CHECK: arith.xori
// CHECK: arith.select
func.func @mod(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = quill.mod %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}
