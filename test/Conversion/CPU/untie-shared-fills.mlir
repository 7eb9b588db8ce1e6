// RUN: quill-opt --quill-untie-shared-fills %s | FileCheck %s
// RUN: quill-opt --quill-untie-shared-fills --one-shot-bufferize="bufferize-function-boundaries" %s | FileCheck %s --check-prefix=BUFFERS

// Two matmuls accumulate into one zero fill: each gets its own, so the
// buffers are filled in place and nothing is copied.
// CHECK-LABEL: func.func @shared_accumulator
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x4xi32>
// CHECK: %[[F1:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%[[E]] : tensor<4x4xi32>)
// CHECK: linalg.matmul ins(%arg0, %arg1 : tensor<4x8xi8>, tensor<8x4xi8>) outs(%[[F1]] : tensor<4x4xi32>)
// CHECK: %[[F2:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%[[E]] : tensor<4x4xi32>)
// CHECK: linalg.matmul ins(%arg0, %arg2 : tensor<4x8xi8>, tensor<8x4xi8>) outs(%[[F2]] : tensor<4x4xi32>)
// BUFFERS-LABEL: func.func @shared_accumulator
// BUFFERS-NOT: memref.copy
// BUFFERS: return
func.func @shared_accumulator(%a: tensor<4x8xi8>, %b: tensor<8x4xi8>, %c: tensor<8x4xi8>) -> (tensor<4x4xi32>, tensor<4x4xi32>) {
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<4x4xi32>
  %fill = linalg.fill ins(%zero : i32) outs(%empty : tensor<4x4xi32>) -> tensor<4x4xi32>
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xi8>, tensor<8x4xi8>) outs(%fill : tensor<4x4xi32>) -> tensor<4x4xi32>
  %1 = linalg.matmul ins(%a, %c : tensor<4x8xi8>, tensor<8x4xi8>) outs(%fill : tensor<4x4xi32>) -> tensor<4x4xi32>
  return %0, %1 : tensor<4x4xi32>, tensor<4x4xi32>
}

// A fill that is also read as an input keeps its writers' clones apart from
// that reader.
// CHECK-LABEL: func.func @fill_also_read
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: %[[G:.*]] = linalg.fill
// CHECK: linalg.matmul {{.*}} outs(%[[G]] : tensor<4x4xi32>)
// CHECK: linalg.add ins(%{{.*}}, %[[F]] : tensor<4x4xi32>, tensor<4x4xi32>)
func.func @fill_also_read(%a: tensor<4x8xi8>, %b: tensor<8x4xi8>) -> tensor<4x4xi32> {
  %one = arith.constant 1 : i32
  %empty = tensor.empty() : tensor<4x4xi32>
  %fill = linalg.fill ins(%one : i32) outs(%empty : tensor<4x4xi32>) -> tensor<4x4xi32>
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xi8>, tensor<8x4xi8>) outs(%fill : tensor<4x4xi32>) -> tensor<4x4xi32>
  %1 = linalg.add ins(%0, %fill : tensor<4x4xi32>, tensor<4x4xi32>) outs(%empty : tensor<4x4xi32>) -> tensor<4x4xi32>
  return %1 : tensor<4x4xi32>
}

// A fill with one user is left alone.
// CHECK-LABEL: func.func @single_user
// CHECK-COUNT-1: linalg.fill
// CHECK-NOT: linalg.fill
func.func @single_user(%a: tensor<4x8xi8>, %b: tensor<8x4xi8>) -> tensor<4x4xi32> {
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<4x4xi32>
  %fill = linalg.fill ins(%zero : i32) outs(%empty : tensor<4x4xi32>) -> tensor<4x4xi32>
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xi8>, tensor<8x4xi8>) outs(%fill : tensor<4x4xi32>) -> tensor<4x4xi32>
  return %0 : tensor<4x4xi32>
}
