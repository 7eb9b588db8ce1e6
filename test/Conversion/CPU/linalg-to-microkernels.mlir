// RUN: quill-opt --quill-linalg-to-microkernels %s | FileCheck %s
// RUN: quill-opt --quill-linalg-to-microkernels=min-flops=100000000 %s | FileCheck %s --check-prefix=SMALL

// CHECK: func.func private @quill_sgemm(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>) attributes {llvm.emit_c_interface}

// CHECK-LABEL: func.func @matmul
// CHECK: call @quill_sgemm
// CHECK-NOT: linalg.matmul
// SMALL-LABEL: func.func @matmul
// SMALL: linalg.matmul
func.func @matmul(%a: memref<64x128xf32>, %b: memref<128x32xf32>, %c: memref<64x32xf32>) {
  linalg.matmul ins(%a, %b : memref<64x128xf32>, memref<128x32xf32>) outs(%c : memref<64x32xf32>)
  return
}

// A transposed operand is a transposed view, not a copy.
// CHECK-LABEL: func.func @matmul_transposed_b
// CHECK: %[[T:.*]] = memref.transpose %{{.*}} (d0, d1) -> (d1, d0)
// CHECK: %[[CAST:.*]] = memref.cast %[[T]]
// CHECK: call @quill_sgemm(%{{.*}}, %[[CAST]], %{{.*}})
func.func @matmul_transposed_b(%a: memref<64x128xf32>, %b: memref<32x128xf32>, %c: memref<64x32xf32>) {
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
    ins(%a, %b : memref<64x128xf32>, memref<32x128xf32>) outs(%c : memref<64x32xf32>)
  return
}

// One call per matrix of a batch.
// CHECK-LABEL: func.func @batch_matmul
// CHECK: scf.for
// CHECK: memref.subview
// CHECK: call @quill_sgemm
func.func @batch_matmul(%a: memref<4x64x64xf32>, %b: memref<4x64x64xf32>, %c: memref<4x64x64xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<4x64x64xf32>, memref<4x64x64xf32>) outs(%c : memref<4x64x64xf32>)
  return
}

// Integer products stay in linalg.
// CHECK-LABEL: func.func @integer
// CHECK: linalg.matmul
func.func @integer(%a: memref<64x64xi32>, %b: memref<64x64xi32>, %c: memref<64x64xi32>) {
  linalg.matmul ins(%a, %b : memref<64x64xi32>, memref<64x64xi32>) outs(%c : memref<64x64xi32>)
  return
}

// -----

// int8 x int8 -> int32 (signed casts) calls the VNNI kernel; unsigned casts
// stay in linalg.
// CHECK-LABEL: func.func @int8_matmul
// CHECK: call @quill_igemm_s8(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xi32, strided<[?, ?], offset: ?>>) -> ()
// CHECK: linalg.matmul {cast = #linalg.type_fn<cast_unsigned>}
func.func @int8_matmul(%a: memref<64x128xi8>, %b: memref<128x32xi8>, %c: memref<64x32xi32>) {
  linalg.matmul ins(%a, %b : memref<64x128xi8>, memref<128x32xi8>) outs(%c : memref<64x32xi32>)
  linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %b : memref<64x128xi8>, memref<128x32xi8>) outs(%c : memref<64x32xi32>)
  return
}
