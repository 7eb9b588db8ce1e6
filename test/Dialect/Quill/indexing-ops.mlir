// RUN: quill-opt %s | FileCheck %s
// RUN: quill-opt %s | quill-opt | FileCheck %s
// RUN: quill-opt %s -mlir-print-op-generic | quill-opt | FileCheck %s

// CHECK-LABEL: func.func @positions
// CHECK: quill.arg_max %{{.*}} {axis = 1 : i64, keepdims} : tensor<2x5xf32> to tensor<2x1xi64>
// CHECK: quill.arg_min %{{.*}} {axis = 0 : i64, select_last_index} : tensor<2x5xf32> to tensor<5xi64>
// CHECK: quill.cumsum %{{.*}} {axis = 1 : i64, exclusive, reverse} : tensor<2x5xf32>
// CHECK: quill.top_k %{{.*}} {axis = 1 : i64, k = 3 : i64, largest} : tensor<2x5xf32> to tensor<2x3xf32>, tensor<2x3xi64>
func.func @positions(%x: tensor<2x5xf32>) {
  %0 = quill.arg_max %x {axis = 1 : i64, keepdims} : tensor<2x5xf32> to tensor<2x1xi64>
  %1 = quill.arg_min %x {axis = 0 : i64, select_last_index} : tensor<2x5xf32> to tensor<5xi64>
  %2 = quill.cumsum %x {axis = 1 : i64, exclusive, reverse} : tensor<2x5xf32>
  %3:2 = quill.top_k %x {k = 3 : i64, axis = 1 : i64, largest} : tensor<2x5xf32> to tensor<2x3xf32>, tensor<2x3xi64>
  return
}

// CHECK-LABEL: func.func @gathers_and_scatters
// CHECK: quill.gather_elements %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
// CHECK: quill.gather_nd %{{.*}}, %{{.*}} {batch_dims = 0 : i64} : (tensor<3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
// CHECK: quill.scatter_elements <add> %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x2xf32>) -> tensor<3x4xf32>
// CHECK: quill.scatter_nd <none> %{{.*}}, %{{.*}}, %{{.*}} : (tensor<3x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<3x4xf32>
func.func @gathers_and_scatters(%data: tensor<3x4xf32>, %elements: tensor<3x2xi64>, %updates: tensor<3x2xf32>, %rows: tensor<2x1xi64>, %row_updates: tensor<2x4xf32>) {
  %0 = quill.gather_elements %data, %elements {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  %1 = quill.gather_nd %data, %rows {batch_dims = 0 : i64} : (tensor<3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  %2 = quill.scatter_elements <add> %data, %elements, %updates {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x2xf32>) -> tensor<3x4xf32>
  %3 = quill.scatter_nd <none> %data, %rows, %row_updates : (tensor<3x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<3x4xf32>
  return
}

// CHECK-LABEL: func.func @remainder_and_product
// CHECK: quill.mod %{{.*}}, %{{.*}} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
// CHECK: quill.mod %{{.*}}, %{{.*}} {fmod} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK: quill.reduce_prod %{{.*}} {axes = array<i64: 0>} : tensor<4xf32> to tensor<f32>
func.func @remainder_and_product(%a: tensor<4xi32>, %b: tensor<4xi32>, %x: tensor<4xf32>, %y: tensor<f32>) {
  %0 = quill.mod %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = quill.mod %x, %y {fmod} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %2 = quill.reduce_prod %x {axes = array<i64: 0>} : tensor<4xf32> to tensor<f32>
  return
}
