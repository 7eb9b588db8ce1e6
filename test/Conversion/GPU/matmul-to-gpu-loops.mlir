// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-matmul-to-gpu-loops))' | FileCheck %s

// An int8 x int8 -> int32 matmul on buffers: one parallel iteration per
// output, K stepped by 4 with dp4a on four bytes of A's row (one vector
// load) and four of B's column, accumulating in a register onto C's value,
// stored once.
// CHECK-LABEL: func.func @int8
// CHECK: scf.parallel (%[[M:.*]], %[[N:.*]]) = (%c0, %c0) to (%c8, %c4)
// CHECK: %[[INIT:.*]] = memref.load %arg2[%[[M]], %[[N]]]
// CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %c0 to %c64 step %c4 iter_args(%[[ACC:.*]] = %[[INIT]])
// CHECK: %[[A:.*]] = vector.load %arg0[%[[M]], %[[K]]] : memref<8x64xi8>, vector<4xi8>
// CHECK-COUNT-4: memref.load %arg1
// CHECK: %[[B:.*]] = vector.from_elements
// CHECK: nvvm.dot.accumulate.4way %[[A]] <signed>, %[[B]] <signed>, %[[ACC]]
// CHECK-NOT: memref.store
// CHECK: memref.store %[[SUM]], %arg2[%[[M]], %[[N]]]
// CHECK-NOT: linalg.matmul
func.func @int8(%a: memref<8x64xi8>, %b: memref<64x4xi8>, %c: memref<8x4xi32>) {
  linalg.matmul ins(%a, %b : memref<8x64xi8>, memref<64x4xi8>) outs(%c : memref<8x4xi32>)
  return
}

// A float product accumulates A[m, k] * B[k, n] in a register along K.
// CHECK-LABEL: func.func @f32
// CHECK: scf.parallel (%[[M:.*]], %[[N:.*]]) = (%c0, %c0) to (%c8, %c8)
// CHECK: %[[INIT:.*]] = memref.load %arg2[%[[M]], %[[N]]]
// CHECK: scf.for %[[K:.*]] = %c0 to %c6 step %c1 iter_args(%[[ACC:.*]] = %[[INIT]])
// CHECK: %[[X:.*]] = memref.load %arg0[%[[M]], %[[K]]]
// CHECK: %[[Y:.*]] = memref.load %arg1[%[[K]], %[[N]]]
// CHECK: %[[P:.*]] = arith.mulf %[[X]], %[[Y]]
// CHECK: arith.addf %[[ACC]], %[[P]]
// CHECK: memref.store
func.func @f32(%a: memref<8x6xf32>, %b: memref<6x8xf32>, %c: memref<8x8xf32>) {
  linalg.matmul ins(%a, %b : memref<8x6xf32>, memref<6x8xf32>) outs(%c : memref<8x8xf32>)
  return
}

// A batched product gets a parallel batch dimension; int8 with K not a
// multiple of 4 extends each byte and multiplies one at a time.
// CHECK-LABEL: func.func @batched_int8
// CHECK: scf.parallel (%[[BATCH:.*]], %[[M:.*]], %[[N:.*]]) = (%c0, %c0, %c0) to (%c2, %c8, %c4)
// CHECK: scf.for %[[K:.*]] = %c0 to %c6 step %c1
// CHECK: %[[X:.*]] = memref.load %arg0[%[[BATCH]], %[[M]], %[[K]]]
// CHECK: arith.extsi %[[X]] : i8 to i32
// CHECK: memref.load %arg1[%[[BATCH]], %[[K]], %[[N]]]
// CHECK: arith.muli
// CHECK: arith.addi
func.func @batched_int8(%a: memref<2x8x6xi8>, %b: memref<2x6x4xi8>, %c: memref<2x8x4xi32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x8x6xi8>, memref<2x6x4xi8>) outs(%c : memref<2x8x4xi32>)
  return
}

// Transposed operand maps keep linalg.matmul (then plain parallel loops).
// CHECK-LABEL: func.func @transposed
// CHECK: linalg.matmul
func.func @transposed(%a: memref<6x8xf32>, %b: memref<6x8xf32>, %c: memref<8x8xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<6x8xf32>, memref<6x8xf32>) outs(%c : memref<8x8xf32>)
  return
}
