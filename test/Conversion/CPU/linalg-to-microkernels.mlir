// RUN: quill-opt --quill-linalg-to-microkernels %s | FileCheck %s
// RUN: quill-opt --quill-linalg-to-microkernels=min-flops=100000000 %s | FileCheck %s --check-prefix=SMALL
// RUN: quill-opt --split-input-file --quill-linalg-to-microkernels %s | FileCheck %s --check-prefix=PACKED
// RUN: quill-opt --split-input-file --quill-linalg-to-microkernels=pack-constant-weights=false %s | FileCheck %s --check-prefix=UNPACKED

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

// -----

// A constant int8 B is packed at compile time: 32-column panels of 4-byte
// groups of k, zero-padded (40 x 5 -> 1 panel x 10 groups = 1280 bytes), and
// corrections -128 * column sums. B[k][j] = k + 1 for j = 0, -1 for j = 1,
// 0 otherwise: column sums 820 and -40. A transposed B (the Gemm transB
// case) gets its own packing; the same one is reused, the weights' own
// get_global goes.
// PACKED-DAG: memref.global "private" constant @weights_igemm_packed : memref<1280xi8> = dense<"0x0{{.*}}"> {alignment = 64 : i64}
// PACKED-DAG: memref.global "private" constant @weights_igemm_packed_correction : memref<5xi32> = dense<[-104960, 5120, 0, 0, 0]> {alignment = 64 : i64}
// PACKED-DAG: memref.global "private" constant @weights_t_igemm_packed_t : memref<1280xi8>
// PACKED-DAG: memref.global "private" constant @weights_t_igemm_packed_t_correction : memref<5xi32> = dense<[-104960, 5120, 0, 0, 0]>
// PACKED-DAG: func.func private @quill_igemm_s8_packed(memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?xi8>, memref<?xi32>, memref<?x?xi32, strided<[?, ?], offset: ?>>) attributes {llvm.emit_c_interface}
// PACKED-LABEL: func.func @constant_weights
// PACKED: %[[P:.*]] = memref.get_global @weights_igemm_packed : memref<1280xi8>
// PACKED: %[[PC:.*]] = memref.cast %[[P]] : memref<1280xi8> to memref<?xi8>
// PACKED: %[[C:.*]] = memref.get_global @weights_igemm_packed_correction : memref<5xi32>
// PACKED: %[[CC:.*]] = memref.cast %[[C]] : memref<5xi32> to memref<?xi32>
// PACKED: call @quill_igemm_s8_packed(%{{.*}}, %[[PC]], %[[CC]], %{{.*}})
// PACKED: memref.get_global @weights_igemm_packed :
// PACKED: call @quill_igemm_s8_packed
// PACKED: memref.get_global @weights_t_igemm_packed_t :
// PACKED: call @quill_igemm_s8_packed
// PACKED-NOT: call @quill_igemm_s8(
// PACKED-NOT: memref.get_global @weights :
// UNPACKED-LABEL: func.func @constant_weights
// UNPACKED-COUNT-3: call @quill_igemm_s8(
memref.global "private" constant @weights : memref<40x5xi8> = dense<[[1, -1, 0, 0, 0], [2, -1, 0, 0, 0], [3, -1, 0, 0, 0], [4, -1, 0, 0, 0], [5, -1, 0, 0, 0], [6, -1, 0, 0, 0], [7, -1, 0, 0, 0], [8, -1, 0, 0, 0], [9, -1, 0, 0, 0], [10, -1, 0, 0, 0], [11, -1, 0, 0, 0], [12, -1, 0, 0, 0], [13, -1, 0, 0, 0], [14, -1, 0, 0, 0], [15, -1, 0, 0, 0], [16, -1, 0, 0, 0], [17, -1, 0, 0, 0], [18, -1, 0, 0, 0], [19, -1, 0, 0, 0], [20, -1, 0, 0, 0], [21, -1, 0, 0, 0], [22, -1, 0, 0, 0], [23, -1, 0, 0, 0], [24, -1, 0, 0, 0], [25, -1, 0, 0, 0], [26, -1, 0, 0, 0], [27, -1, 0, 0, 0], [28, -1, 0, 0, 0], [29, -1, 0, 0, 0], [30, -1, 0, 0, 0], [31, -1, 0, 0, 0], [32, -1, 0, 0, 0], [33, -1, 0, 0, 0], [34, -1, 0, 0, 0], [35, -1, 0, 0, 0], [36, -1, 0, 0, 0], [37, -1, 0, 0, 0], [38, -1, 0, 0, 0], [39, -1, 0, 0, 0], [40, -1, 0, 0, 0]]>
memref.global "private" constant @weights_t : memref<5x40xi8> = dense<[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40], [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]>
func.func @constant_weights(%a: memref<64x40xi8>, %c: memref<64x5xi32>) {
  %w = memref.get_global @weights : memref<40x5xi8>
  linalg.matmul ins(%a, %w : memref<64x40xi8>, memref<40x5xi8>) outs(%c : memref<64x5xi32>)
  %w2 = memref.get_global @weights : memref<40x5xi8>
  linalg.matmul ins(%a, %w2 : memref<64x40xi8>, memref<40x5xi8>) outs(%c : memref<64x5xi32>)
  %wt = memref.get_global @weights_t : memref<5x40xi8>
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
    ins(%a, %wt : memref<64x40xi8>, memref<5x40xi8>) outs(%c : memref<64x5xi32>)
  return
}
