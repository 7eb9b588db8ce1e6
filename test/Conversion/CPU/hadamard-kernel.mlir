// RUN: quill-opt --quill-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --quill-linalg-to-microkernels %s | FileCheck %s

// On the CPU the tagged generic of a quill.hadamard becomes a call to the
// runtime's fast Walsh-Hadamard kernel on [rows, n] views, with the sign
// vector and H_K as constant globals; the zero fill it accumulated into goes.

// CHECK-DAG: memref.global "private" constant @quill_hadamard_signs_768_7 : memref<768xf32>
// CHECK-DAG: memref.global "private" constant @quill_hadamard_table_12 : memref<144xf32>
// CHECK-DAG: func.func private @quill_hadamard(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32>, memref<?xf32>, i64, i64) attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @rotate
// CHECK-NOT: linalg.fill
// CHECK-NOT: linalg.generic
// CHECK: %[[OUT:.*]] = memref.collapse_shape %[[BUFFER:.*]] {{\[\[}}0], [1, 2]] : memref<4x2x384xf32> into memref<4x768xf32>
// CHECK-DAG: %[[X:.*]] = memref.cast %arg0 : memref<4x768xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK-DAG: %[[Y:.*]] = memref.cast %[[OUT]] : memref<4x768xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: call @quill_hadamard(%[[X]], %[[Y]], %{{.*}}, %{{.*}}, %c12_i64, %c384_i64)
// CHECK-NOT: linalg.generic
func.func @rotate(%x: tensor<4x768xf32>) -> tensor<4x768xf32> {
  %0 = quill.hadamard %x {block_size = 384 : i64, seed = 7 : i64} : tensor<4x768xf32>
  return %0 : tensor<4x768xf32>
}
