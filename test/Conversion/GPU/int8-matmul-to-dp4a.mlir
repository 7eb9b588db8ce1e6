// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-int8-matmul-to-dp4a))' | FileCheck %s

// An int8 x int8 -> int32 matmul on buffers: one parallel iteration per
// output, K stepped by 4 with dp4a on four bytes of A's row (one vector
// load) and four of B's column, accumulating onto C's value.
// CHECK-LABEL: func.func @int8
// CHECK: scf.parallel (%[[M:.*]], %[[N:.*]]) = (%c0, %c0) to (%c8, %c4)
// CHECK: %[[INIT:.*]] = memref.load %arg2[%[[M]], %[[N]]]
// CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %c0 to %c64 step %c4 iter_args(%[[ACC:.*]] = %[[INIT]])
// CHECK: %[[A:.*]] = vector.load %arg0[%[[M]], %[[K]]] : memref<8x64xi8>, vector<4xi8>
// CHECK-COUNT-4: memref.load %arg1
// CHECK: %[[B:.*]] = vector.from_elements
// CHECK: nvvm.dot.accumulate.4way %[[A]] <signed>, %[[B]] <signed>, %[[ACC]]
// CHECK: memref.store %[[SUM]], %arg2[%[[M]], %[[N]]]
// CHECK-NOT: linalg.matmul
func.func @int8(%a: memref<8x64xi8>, %b: memref<64x4xi8>, %c: memref<8x4xi32>) {
  linalg.matmul ins(%a, %b : memref<8x64xi8>, memref<64x4xi8>) outs(%c : memref<8x4xi32>)
  return
}

// K not a multiple of 4, and float products, keep linalg.matmul.
// CHECK-LABEL: func.func @other
// CHECK-COUNT-2: linalg.matmul
func.func @other(%a: memref<8x6xi8>, %b: memref<6x4xi8>, %c: memref<8x4xi32>, %x: memref<8x8xf32>, %y: memref<8x8xf32>, %z: memref<8x8xf32>) {
  linalg.matmul ins(%a, %b : memref<8x6xi8>, memref<6x4xi8>) outs(%c : memref<8x4xi32>)
  linalg.matmul ins(%x, %y : memref<8x8xf32>, memref<8x8xf32>) outs(%z : memref<8x8xf32>)
  return
}
