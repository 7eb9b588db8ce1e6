// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-matmul-to-gpu-loops))' | FileCheck %s

// An int8 x int8 -> int32 matmul on buffers: one parallel iteration per
// output, K stepped by 4 with dp4a on four bytes of A's row (one vector
// load) and four of B's column, accumulating in a register onto C's value,
// stored once.
// CHECK-LABEL: func.func @int8
// CHECK: scf.parallel (%[[M:.*]], %[[N:.*]]) = (%c0, %c0) to (%c8, %c4)
// CHECK: %[[INIT:.*]] = memref.load %arg2[%[[M]], %[[N]]]
// CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %c0 to %c64 step %c4 iter_args(%[[ACC:.*]] = %[[INIT]])
// CHECK-COUNT-4: memref.load %arg1
// CHECK: %[[B:.*]] = vector.from_elements
// CHECK: %[[A:.*]] = vector.load %arg0[%[[M]], %[[K]]] : memref<8x64xi8>, vector<4xi8>
// CHECK: nvvm.dot.accumulate.4way %[[A]] <signed>, %[[B]] <signed>, %[[ACC]]
// CHECK-NOT: memref.store
// CHECK: memref.store %[[SUM]], %arg2[%[[M]], %[[N]]]
// CHECK-NOT: linalg.matmul
func.func @int8(%a: memref<8x64xi8>, %b: memref<64x4xi8>, %c: memref<8x4xi32>) {
  linalg.matmul ins(%a, %b : memref<8x64xi8>, memref<64x4xi8>) outs(%c : memref<8x4xi32>)
  return
}

// A float product accumulates A[m, k] * B[k, n] in a register along K, one
// fused multiply-add per step.
// CHECK-LABEL: func.func @f32
// CHECK: scf.parallel (%[[M:.*]], %[[N:.*]]) = (%c0, %c0) to (%c8, %c8)
// CHECK: %[[INIT:.*]] = memref.load %arg2[%[[M]], %[[N]]]
// CHECK: scf.for %[[K:.*]] = %c0 to %c6 step %c1 iter_args(%[[ACC:.*]] = %[[INIT]])
// CHECK: %[[Y:.*]] = memref.load %arg1[%[[K]], %[[N]]]
// CHECK: %[[X:.*]] = memref.load %arg0[%[[M]], %[[K]]]
// CHECK: math.fma %[[X]], %[[Y]], %[[ACC]]
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
// CHECK: %[[Y:.*]] = memref.load %arg1[%[[BATCH]], %[[K]], %[[N]]]
// CHECK: arith.extsi %[[Y]] : i8 to i32
// CHECK: memref.load %arg0[%[[BATCH]], %[[M]], %[[K]]]
// CHECK: arith.muli
// CHECK: arith.addi
func.func @batched_int8(%a: memref<2x8x6xi8>, %b: memref<2x6x4xi8>, %c: memref<2x8x4xi32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x8x6xi8>, memref<2x6x4xi8>) outs(%c : memref<2x8x4xi32>)
  return
}

// A transposed A keeps linalg.matmul (then plain parallel loops).
// CHECK-LABEL: func.func @transposed
// CHECK: linalg.matmul
func.func @transposed(%a: memref<6x8xf32>, %b: memref<6x8xf32>, %c: memref<8x8xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<6x8xf32>, memref<6x8xf32>) outs(%c : memref<8x8xf32>)
  return
}

// A product's epilogue fuses into its loop: the fill's value starts the
// accumulator, the elementwise body runs on it, and the one store writes the
// epilogue's output; the temporary accumulator buffer goes away.
// CHECK-LABEL: func.func @epilogue
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.fill
// CHECK: scf.parallel (%[[M:.*]], %[[N:.*]]) = (%c0, %c0) to (%c8, %c4)
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %c0 to %c64 step %c4 iter_args(%{{.*}} = %c0_i32)
// CHECK: %[[BIAS:.*]] = memref.load %arg2[%[[N]]]
// CHECK: %[[BIASED:.*]] = arith.addi %[[SUM]], %[[BIAS]]
// CHECK: %[[NARROW:.*]] = arith.trunci %[[BIASED]] : i32 to i8
// CHECK: memref.store %[[NARROW]], %arg3[%[[M]], %[[N]]]
// CHECK-NOT: linalg
// CHECK: return
#identity = affine_map<(m, n) -> (m, n)>
#columns = affine_map<(m, n) -> (n)>
func.func @epilogue(%a: memref<8x64xi8>, %b: memref<64x4xi8>, %bias: memref<4xi32>, %out: memref<8x4xi8>) {
  %zero = arith.constant 0 : i32
  %acc = memref.alloc() : memref<8x4xi32>
  linalg.fill ins(%zero : i32) outs(%acc : memref<8x4xi32>)
  linalg.matmul ins(%a, %b : memref<8x64xi8>, memref<64x4xi8>) outs(%acc : memref<8x4xi32>)
  linalg.generic {indexing_maps = [#identity, #columns, #identity], iterator_types = ["parallel", "parallel"]}
      ins(%acc, %bias : memref<8x4xi32>, memref<4xi32>) outs(%out : memref<8x4xi8>) {
  ^bb0(%x: i32, %y: i32, %o: i8):
    %s = arith.addi %x, %y : i32
    %t = arith.trunci %s : i32 to i8
    linalg.yield %t : i8
  }
  memref.dealloc %acc : memref<8x4xi32>
  return
}

// An epilogue that writes back into the accumulator (read later) fuses too,
// and the buffer stays.
// CHECK-LABEL: func.func @in_place
// CHECK: %[[ACC:.*]] = memref.alloc
// CHECK: scf.parallel
// CHECK: iter_args(%{{.*}} = %c0_i32)
// CHECK: arith.muli
// CHECK: memref.store %{{.*}}, %[[ACC]]
// CHECK-NOT: linalg.generic
// CHECK: memref.copy %[[ACC]], %arg2
func.func @in_place(%a: memref<8x64xi8>, %b: memref<64x4xi8>, %out: memref<8x4xi32>) {
  %zero = arith.constant 0 : i32
  %two = arith.constant 2 : i32
  %acc = memref.alloc() : memref<8x4xi32>
  linalg.fill ins(%zero : i32) outs(%acc : memref<8x4xi32>)
  linalg.matmul ins(%a, %b : memref<8x64xi8>, memref<64x4xi8>) outs(%acc : memref<8x4xi32>)
  linalg.generic {indexing_maps = [#identity, #identity], iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<8x4xi32>) outs(%acc : memref<8x4xi32>) {
  ^bb0(%x: i32, %o: i32):
    %s = arith.muli %x, %two : i32
    linalg.yield %s : i32
  }
  memref.copy %acc, %out : memref<8x4xi32> to memref<8x4xi32>
  memref.dealloc %acc : memref<8x4xi32>
  return
}

// No fusion when something touches memory between the product and the
// generic, or when the epilogue's output is an input of the product.
// CHECK-LABEL: func.func @not_fused
// CHECK-COUNT-2: linalg.generic
func.func @not_fused(%a: memref<8x64xi8>, %b: memref<64x8xi8>, %c: memref<8x8xi8>, %out: memref<8x8xi32>) {
  %zero = arith.constant 0 : i32
  %acc = memref.alloc() : memref<8x8xi32>
  linalg.fill ins(%zero : i32) outs(%acc : memref<8x8xi32>)
  linalg.matmul ins(%a, %b : memref<8x64xi8>, memref<64x8xi8>) outs(%acc : memref<8x8xi32>)
  memref.copy %acc, %out : memref<8x8xi32> to memref<8x8xi32>
  linalg.generic {indexing_maps = [#identity, #identity], iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<8x8xi32>) outs(%out : memref<8x8xi32>) {
  ^bb0(%x: i32, %o: i32):
    linalg.yield %x : i32
  }
  %acc2 = memref.alloc() : memref<8x8xi32>
  linalg.fill ins(%zero : i32) outs(%acc2 : memref<8x8xi32>)
  %b2 = memref.subview %b[0, 0] [8, 8] [1, 1] : memref<64x8xi8> to memref<8x8xi8, strided<[8, 1]>>
  linalg.matmul ins(%c, %b2 : memref<8x8xi8>, memref<8x8xi8, strided<[8, 1]>>) outs(%acc2 : memref<8x8xi32>)
  linalg.generic {indexing_maps = [#identity, #identity], iterator_types = ["parallel", "parallel"]}
      ins(%acc2 : memref<8x8xi32>) outs(%c : memref<8x8xi8>) {
  ^bb0(%x: i32, %o: i8):
    %t = arith.trunci %x : i32 to i8
    linalg.yield %t : i8
  }
  memref.dealloc %acc : memref<8x8xi32>
  memref.dealloc %acc2 : memref<8x8xi32>
  return
}

// A tall product gives each iteration four rows: the rows step by 4, B's
// element is loaded once per step for the four accumulators, and each row is
// stored once.
// CHECK-LABEL: func.func @tall
// CHECK: scf.parallel (%[[M:.*]], %[[N:.*]]) = (%c0, %c0) to (%c64, %c8) step (%c4, %c1)
// CHECK: %[[M1:.*]] = arith.addi %[[M]], %c1
// CHECK: %[[M2:.*]] = arith.addi %[[M]], %c2
// CHECK: %[[M3:.*]] = arith.addi %[[M]], %c3
// CHECK: scf.for %[[K:.*]] = %c0 to %c16 step %c1 iter_args(%[[A0:.*]] = %{{.*}}, %[[A1:.*]] = %{{.*}}, %[[A2:.*]] = %{{.*}}, %[[A3:.*]] = %{{.*}})
// CHECK: %[[B:.*]] = memref.load %arg1[%[[K]], %[[N]]]
// CHECK-NOT: memref.load %arg1
// CHECK-COUNT-4: memref.load %arg0
// CHECK: scf.yield
// CHECK: memref.store %{{.*}}, %arg2[%[[M]], %[[N]]]
// CHECK: memref.store %{{.*}}, %arg2[%[[M1]], %[[N]]]
// CHECK: memref.store %{{.*}}, %arg2[%[[M2]], %[[N]]]
// CHECK: memref.store %{{.*}}, %arg2[%[[M3]], %[[N]]]
func.func @tall(%a: memref<64x16xf32>, %b: memref<16x8xf32>, %c: memref<64x8xf32>) {
  linalg.matmul ins(%a, %b : memref<64x16xf32>, memref<16x8xf32>) outs(%c : memref<64x8xf32>)
  return
}

// Products of at least 64 x 64 outputs become a shared-memory tiled kernel:
// blocks of 16 x 16 threads over 64 x 64 output tiles (the batch on the
// grid's z), two workgroup tiles (A's slice and B's transposed). int8 on
// the tensor cores: each warp a 16 x 32 piece (4 mma outputs, 16
// accumulators per thread), words of four bytes along K in rows padded to
// 16 + 4 words against bank conflicts, K in slices of 64 bytes. A's words
// (K contiguous and 4-byte aligned in memory) are one 32-bit load each; B
// (N contiguous) comes in blocks of 4 x 4 bytes, four aligned 32-bit loads
// along N transposed into four words along K. The first slice is loaded before
// the loop; each iteration stores the slice it carries into the tiles,
// meets at a barrier, loads the next slice (if any) into registers, runs
// two K steps of 4 mma.sync m16n8k32 from the tiles, and meets again. Rows
// are a whole tile (no guard); columns (100) and K (40) are not: loads read
// zeros and stores are skipped past the edges.
// CHECK-LABEL: func.func @tiled_int8
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %[[BZ:.*]]) in (%{{.*}} = %[[C2]], %{{.*}} = %[[C1]], %{{.*}} = %[[C2]])
// CHECK-SAME: threads(%{{.*}}) in (%{{.*}} = %[[C16]], %{{.*}} = %[[C16]], %{{.*}} = %[[C1]])
// CHECK-SAME: workgroup(%[[ATILE:.*]] : memref<64x20xi32, #gpu.address_space<workgroup>>, %[[BTILE:.*]] : memref<64x20xi32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-16: memref.load %arg2[%[[BZ]],
// CHECK: %[[KIN:.*]] = arith.cmpi ult, %{{.*}}, %c40
// CHECK: scf.if %{{.*}} -> (vector<1xi32>)
// CHECK-NEXT: vector.load %arg0[%[[BZ]], %{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<2x64x40xi8>, vector<4xi8>
// CHECK-NEXT: vector.bitcast %{{.*}} : vector<4xi8> to vector<1xi32>
// CHECK: scf.if %{{.*}} -> (vector<4xi32>)
// CHECK-COUNT-4: vector.load %arg1[%[[BZ]], %{{.*}}, %[[N:.*]]] {alignment = 4 : i64} : memref<2x40x100xi8>, vector<4xi8>
// CHECK-NEXT: vector.shuffle
// CHECK-NEXT: vector.shuffle
// CHECK-NEXT: vector.shuffle %{{.*}}, %{{.*}} [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]
// CHECK-NEXT: vector.bitcast %{{.*}} : vector<16xi8> to vector<4xi32>
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK-NOT: memref.load
// CHECK-COUNT-4: vector.store %{{.*}}, %[[ATILE]]
// CHECK-COUNT-4: memref.store %{{.*}}, %[[BTILE]]
// CHECK: gpu.barrier
// CHECK: %[[NEXT:.*]] = arith.addi %[[K]], %c64
// CHECK: %[[HAS_NEXT:.*]] = arith.cmpi ult, %[[NEXT]], %c40
// CHECK: scf.if %[[HAS_NEXT]] -> (vector<1xi32>, vector<1xi32>,
// CHECK: vector.load %arg0
// CHECK: scf.yield %{{.*}}, %{{.*}} : vector<1xi32>, vector<1xi32>
// CHECK-NEXT: } else {
// CHECK-NEXT: scf.yield %{{.*}}, %{{.*}} : vector<1xi32>, vector<1xi32>
// CHECK-NEXT: }
// CHECK-NOT: memref.load %arg
// CHECK-COUNT-4: memref.load %[[ATILE]]
// CHECK-COUNT-8: memref.load %[[BTILE]]
// CHECK: nvvm.mma.sync A[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] B[%{{.*}}, %{{.*}}] C[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}]
// CHECK-SAME: intOverflowBehavior = #nvvm.mma_int_overflow<wrapped>
// CHECK-SAME: layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>
// CHECK-SAME: multiplicandAPtxType = #nvvm.mma_type<s8>, multiplicandBPtxType = #nvvm.mma_type<s8>
// CHECK-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 32>
// CHECK-COUNT-7: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK: scf.if
// CHECK-NEXT: memref.store %{{.*}}, %arg2[%[[BZ]],
// CHECK: gpu.terminator
// CHECK-NOT: linalg.batch_matmul
func.func @tiled_int8(%a: memref<2x64x40xi8>, %b: memref<2x40x100xi8>, %c: memref<2x64x100xi32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x64x40xi8>, memref<2x40x100xi8>) outs(%c : memref<2x64x100xi32>)
  return
}

// With at least 256 blocks of 128 x 128 (enough to fill a GPU about twice),
// int8 products take 128 x 128 tiles: each warp a 64 x 32 piece (4 x 4 mma
// outputs, 64 accumulators per thread), four A fragments and four B
// fragments per K step, 16 mma each. Whole tiles: no guards.
// CHECK-LABEL: func.func @tiled_int8_large_tiles
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c1, %{{.*}} = %c1, %{{.*}} = %c256)
// CHECK-SAME: workgroup(%[[ATILE:.*]] : memref<128x20xi32, #gpu.address_space<workgroup>>, %[[BTILE:.*]] : memref<128x20xi32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-64: memref.load %arg2[
// CHECK-NOT: scf.if
// CHECK: scf.for
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK: } else {
// CHECK-COUNT-16: memref.load %[[ATILE]]
// CHECK-COUNT-8: memref.load %[[BTILE]]
// CHECK-COUNT-16: nvvm.mma.sync
// CHECK-COUNT-16: memref.load %[[ATILE]]
// CHECK-COUNT-8: memref.load %[[BTILE]]
// CHECK-COUNT-16: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.barrier
// CHECK-COUNT-64: memref.store %{{.*}}, %arg2[
// CHECK: gpu.terminator
func.func @tiled_int8_large_tiles(%a: memref<256x128x64xi8>, %b: memref<256x64x128xi8>, %c: memref<256x128x128xi32>) {
  linalg.batch_matmul ins(%a, %b : memref<256x128x64xi8>, memref<256x64x128xi8>) outs(%c : memref<256x128x128xi32>)
  return
}

// A float product with an epilogue: 64 x 64 tiles, the tile's slices hold
// f32 (rows of 17 words), K in slices of 16 (the next one loaded into
// registers while the current one is used), one multiply-add per step and
// accumulator; the epilogue's body runs on each finished sum. Whole tiles:
// no guards.
// CHECK-LABEL: func.func @tiled_f32_epilogue
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch
// CHECK-SAME: workgroup(%{{.*}} : memref<64x17xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x17xf32, #gpu.address_space<workgroup>>)
// CHECK-NOT: scf.if
// CHECK: scf.for
// CHECK: gpu.barrier
// CHECK: scf.if %{{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK-COUNT-8: memref.load %arg
// CHECK: } else {
// CHECK-COUNT-256: math.fma
// CHECK: gpu.barrier
// CHECK-COUNT-16: arith.maximumf
// CHECK-NOT: scf.if
// CHECK: gpu.terminator
// CHECK-NOT: memref.alloc
#map2 = affine_map<(m, n) -> (m, n)>
func.func @tiled_f32_epilogue(%a: memref<128x32xf32>, %b: memref<32x64xf32>, %out: memref<128x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<128x64xf32>
  linalg.fill ins(%zero : f32) outs(%acc : memref<128x64xf32>)
  linalg.matmul ins(%a, %b : memref<128x32xf32>, memref<32x64xf32>) outs(%acc : memref<128x64xf32>)
  linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<128x64xf32>) outs(%out : memref<128x64xf32>) {
  ^bb0(%x: f32, %y: f32):
    %r = arith.maximumf %x, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %acc : memref<128x64xf32>
  return
}

// A fill of C right before the product (and no epilogue) is the
// accumulators' start: C is written once, by the product.
// CHECK-LABEL: func.func @fill_then_product
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NOT: linalg.fill
// CHECK: scf.parallel
// CHECK-NOT: memref.load %arg2
// CHECK: scf.for %{{.*}} = %c0 to %c6 step %c1 iter_args(%{{.*}} = %[[ZERO]])
// CHECK: memref.store %{{.*}}, %arg2
func.func @fill_then_product(%a: memref<8x6xf32>, %b: memref<6x8xf32>, %c: memref<8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<8x8xf32>)
  linalg.matmul ins(%a, %b : memref<8x6xf32>, memref<6x8xf32>) outs(%c : memref<8x8xf32>)
  return
}

// B read transposed (B[n, k], the int8 convolutions' weights): the same
// loops, B's bytes read along its rows.
// CHECK-LABEL: func.func @rhs_transposed
// CHECK: scf.parallel (%[[M:.*]], %[[N:.*]]) = (%c0, %c0) to (%c8, %c4)
// CHECK: scf.for %[[K:.*]] = %c0 to %c64 step %c4
// CHECK: memref.load %arg1[%[[N]], %[[K]]]
// CHECK: nvvm.dot.accumulate.4way
// CHECK-NOT: linalg.matmul
func.func @rhs_transposed(%a: memref<8x64xi8>, %b: memref<4x64xi8>, %c: memref<8x4xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<8x64xi8>, memref<4x64xi8>) outs(%c : memref<8x4xi32>)
  return
}

// Tiled int8 words come from memory as one aligned 32-bit load only where
// K is contiguous and every word starts 4-byte aligned: here B (read
// transposed, [N, K], rows of 64 bytes), not A, whose rows are 66 bytes
// apart.
// CHECK-LABEL: func.func @tiled_int8_word_alignment
// CHECK: gpu.launch
// CHECK-COUNT-4: memref.load %arg0[
// CHECK-NEXT: vector.from_elements
// CHECK-NOT: memref.load %arg1[
// CHECK: vector.load %arg1[%{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<64x64xi8>, vector<4xi8>
// CHECK: scf.for
func.func @tiled_int8_word_alignment(%a: memref<64x64xi8, strided<[66, 1]>>, %b: memref<64x64xi8>, %c: memref<64x64xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<64x64xi8, strided<[66, 1]>>, memref<64x64xi8>) outs(%c : memref<64x64xi32>)
  return
}

// B read along N whose rows are not whole 32-bit words (66 bytes) keeps
// its four byte loads per word along K.
// CHECK-LABEL: func.func @tiled_int8_unaligned_rhs_rows
// CHECK: gpu.launch
// CHECK-NOT: vector.load %arg1
// CHECK: scf.if %{{.*}} -> (vector<1xi32>)
// CHECK-COUNT-4: memref.load %arg1[
// CHECK-NEXT: vector.from_elements
// CHECK: scf.for
func.func @tiled_int8_unaligned_rhs_rows(%a: memref<64x64xi8>, %b: memref<64x66xi8>, %c: memref<64x66xi32>) {
  linalg.matmul ins(%a, %b : memref<64x64xi8>, memref<64x66xi8>) outs(%c : memref<64x66xi32>)
  return
}
