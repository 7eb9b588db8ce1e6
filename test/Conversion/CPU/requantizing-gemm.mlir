// RUN: quill-opt --split-input-file --quill-linalg-to-microkernels %s | FileCheck %s
// RUN: quill-opt --split-input-file --quill-linalg-to-microkernels=pack-constant-weights=false %s | FileCheck %s --check-prefix=UNPACKED

// An int8 product with constant weights whose int32 accumulator only a
// requantization reads becomes one call of the requantizing kernel: the
// zero fill, the matmul and the epilogue go; a 1-d generic computes the
// per-column offset (bias minus zero-point correction), multiplier,
// rounding and shift; the zero point, clamp and xor are constants; the
// workspace holds A packed whole: (64 + 13) rows x 10 groups x 4 bytes.
// CHECK-DAG: func.func private @quill_igemm_s8_packed_requantize(memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?xi8>, memref<?xi32>, memref<?xi32>, memref<?xi64>, memref<?xi64>, memref<?xi64>, i64, i64, i64, i64, memref<?xi8>, memref<?x?xi8, strided<[?, ?], offset: ?>>) attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @requantize
// CHECK-SAME: (%[[A:arg[0-9]+]]: memref<64x40xi8>, %[[COLSUM:arg[0-9]+]]: memref<5xi32>, %[[BIAS:arg[0-9]+]]: memref<5xi32>, %[[MUL:arg[0-9]+]]: memref<5xi32>, %[[SHIFT:arg[0-9]+]]: memref<5xi64>, %[[OUT:arg[0-9]+]]: memref<64x5xi8>)
// CHECK-NOT: linalg.fill
// CHECK-NOT: linalg.matmul
// CHECK-DAG: %[[ZP:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[LO:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[HI:.*]] = arith.constant 255 : i64
// CHECK-DAG: %[[FLIP:.*]] = arith.constant 128 : i64
// CHECK: %[[OFFSET:.*]] = memref.alloc() {alignment = 64 : i64} : memref<5xi32>
// CHECK: %[[MULTIPLIER:.*]] = memref.alloc() {alignment = 64 : i64} : memref<5xi64>
// CHECK: %[[ROUNDING:.*]] = memref.alloc() {alignment = 64 : i64} : memref<5xi64>
// CHECK: %[[SHIFTS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<5xi64>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%[[COLSUM]], %[[BIAS]], %[[MUL]], %[[SHIFT]] : {{.*}}) outs(%[[OFFSET]], %[[MULTIPLIER]], %[[ROUNDING]], %[[SHIFTS]] :
// CHECK: ^bb0(%[[S:[a-z0-9_]+]]: i32, %[[B:[a-z0-9_]+]]: i32, %[[M:[a-z0-9_]+]]: i32, %[[SH:[a-z0-9_]+]]: i64,
// CHECK: %[[ZPA:.*]] = arith.muli %[[S]], %{{.*}} : i32
// CHECK: %[[NEG:.*]] = arith.subi %{{.*}}, %[[ZPA]] : i32
// CHECK: %[[OFF:.*]] = arith.addi %[[NEG]], %[[B]] : i32
// CHECK: %[[M64:.*]] = arith.extsi %[[M]] : i32 to i64
// CHECK: %[[SH1:.*]] = arith.subi %[[SH]], %{{.*}} : i64
// CHECK: %[[HALF:.*]] = arith.shli %{{.*}}, %[[SH1]] : i64
// CHECK: linalg.yield %[[OFF]], %[[M64]], %[[HALF]], %[[SH]] : i32, i64, i64, i64
// CHECK: %[[WORKSPACE:.*]] = memref.alloc() {alignment = 64 : i64} : memref<3080xi8>
// CHECK: call @quill_igemm_s8_packed_requantize(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ZP]], %[[LO]], %[[HI]], %[[FLIP]], %{{.*}}, %{{.*}})
// CHECK-DAG: memref.dealloc %[[OFFSET]]
// CHECK-DAG: memref.dealloc %[[WORKSPACE]]
// CHECK-NOT: linalg.generic
// UNPACKED-LABEL: func.func @requantize
// UNPACKED: call @quill_igemm_s8(
// UNPACKED: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
memref.global "private" constant @weights : memref<40x5xi8> = dense<3>
func.func @requantize(%a: memref<64x40xi8>, %colsum: memref<5xi32>, %bias: memref<5xi32>, %mul: memref<5xi32>, %shift: memref<5xi64>, %out: memref<64x5xi8>) {
  %c0_i32 = arith.constant 0 : i32
  %c4_i32 = arith.constant 4 : i32
  %c1_i64 = arith.constant 1 : i64
  %c3_i64 = arith.constant 3 : i64
  %c0_i64 = arith.constant 0 : i64
  %c255_i64 = arith.constant 255 : i64
  %flip = arith.constant -128 : i8
  %w = memref.get_global @weights : memref<40x5xi8>
  %acc = memref.alloc() {alignment = 64 : i64} : memref<64x5xi32>
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<64x5xi32>)
  linalg.matmul ins(%a, %w : memref<64x40xi8>, memref<40x5xi8>) outs(%acc : memref<64x5xi32>)
  linalg.generic {indexing_maps = [#id, #col, #col, #col, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%acc, %colsum, %bias, %mul, %shift : memref<64x5xi32>, memref<5xi32>, memref<5xi32>, memref<5xi32>, memref<5xi64>) outs(%out : memref<64x5xi8>) {
  ^bb0(%in: i32, %s: i32, %b: i32, %m: i32, %sh: i64, %o: i8):
    %0 = arith.muli %s, %c4_i32 : i32
    %1 = arith.subi %in, %0 : i32
    %2 = arith.addi %1, %b : i32
    %3 = arith.extsi %m : i32 to i64
    %4 = arith.extsi %2 : i32 to i64
    %5 = arith.subi %sh, %c1_i64 : i64
    %6 = arith.shli %c1_i64, %5 : i64
    %7 = arith.muli %4, %3 : i64
    %8 = arith.addi %7, %6 : i64
    %9 = arith.shrsi %8, %sh : i64
    %10 = arith.addi %9, %c3_i64 : i64
    %11 = arith.maxsi %10, %c0_i64 : i64
    %12 = arith.minsi %11, %c255_i64 : i64
    %13 = arith.trunci %12 : i64 to i8
    %14 = arith.xori %13, %flip : i8
    linalg.yield %14 : i8
  }
  memref.dealloc %acc : memref<64x5xi32>
  return
}

// -----

// Per-tensor parameters (constants in the body, the clamp as max of min)
// and an epilogue writing the transpose (a convolution's move back to
// channels-first): Out goes through a transposed view; the accumulator's
// buffer, refilled for another product afterwards, may be shared.
// CHECK-LABEL: func.func @per_tensor_transposed
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} outs(
// CHECK: linalg.yield %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : i32, i64, i64, i64
// CHECK: %[[T:.*]] = memref.transpose %{{.*}} (d0, d1) -> (d1, d0)
// CHECK: %[[CAST:.*]] = memref.cast %[[T]]
// CHECK: call @quill_igemm_s8_packed_requantize({{.*}}, %[[CAST]])
// CHECK: linalg.fill
// CHECK: call @quill_igemm_s8_packed(
#id = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>
memref.global "private" constant @weights : memref<40x5xi8> = dense<3>
func.func @per_tensor_transposed(%a: memref<64x40xi8>, %out: memref<5x64xi8>, %c: memref<64x5xi32>) {
  %c0_i32 = arith.constant 0 : i32
  %c7_i32 = arith.constant 7 : i32
  %mul = arith.constant 1234567 : i64
  %half = arith.constant 4194304 : i64
  %shift = arith.constant 23 : i64
  %lo = arith.constant -128 : i64
  %hi = arith.constant 127 : i64
  %w = memref.get_global @weights : memref<40x5xi8>
  %acc = memref.alloc() {alignment = 64 : i64} : memref<64x5xi32>
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<64x5xi32>)
  linalg.matmul ins(%a, %w : memref<64x40xi8>, memref<40x5xi8>) outs(%acc : memref<64x5xi32>)
  linalg.generic {indexing_maps = [#id, #tr], iterator_types = ["parallel", "parallel"]} ins(%acc : memref<64x5xi32>) outs(%out : memref<5x64xi8>) {
  ^bb0(%in: i32, %o: i8):
    %0 = arith.addi %in, %c7_i32 : i32
    %1 = arith.extsi %0 : i32 to i64
    %2 = arith.muli %1, %mul : i64
    %3 = arith.addi %half, %2 : i64
    %4 = arith.shrsi %3, %shift : i64
    %5 = arith.minsi %4, %hi : i64
    %6 = arith.maxsi %5, %lo : i64
    %7 = arith.trunci %6 : i64 to i8
    linalg.yield %7 : i8
  }
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<64x5xi32>)
  linalg.matmul ins(%a, %w : memref<64x40xi8>, memref<40x5xi8>) outs(%acc : memref<64x5xi32>)
  linalg.copy ins(%acc : memref<64x5xi32>) outs(%c : memref<64x5xi32>)
  memref.dealloc %acc : memref<64x5xi32>
  return
}

// -----

// A convolution's epilogue: the [N*H*W, F] product read as [N, H, W, F]
// through an expand_shape (shared with a later reader of the same buffer),
// a [F, 1, 1] bias, the result written channels-first. Out becomes its
// [N*H*W, F] view: transposed to the product's order, rows collapsed
// (strides [1, H*W]). The second product, whose epilogue adds a
// per-element residual, stays a plain call.
// CHECK-LABEL: func.func @convolution
// CHECK: %[[EXPANDED:.*]] = memref.expand_shape
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel"]}
// CHECK: %[[T:.*]] = memref.transpose %{{.*}} (d0, d1, d2, d3) -> (d0, d2, d3, d1) : memref<1x8x4x4xi8> to memref<1x4x4x8xi8, strided<[128, 4, 1, 16]>>
// CHECK: %[[ROWS:.*]] = memref.collapse_shape %[[T]] {{\[\[}}0, 1, 2], [3]] : memref<1x4x4x8xi8, strided<[128, 4, 1, 16]>> into memref<16x8xi8, strided<[1, 16]>>
// CHECK: %[[CAST:.*]] = memref.cast %[[ROWS]]
// CHECK: call @quill_igemm_s8_packed_requantize({{.*}}, %[[CAST]])
// CHECK: call @quill_igemm_s8_packed(
// CHECK: linalg.generic {{.*}} ins(%[[EXPANDED]],
#nhwf = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
#f = affine_map<(d0, d1, d2, d3) -> (d1)>
#f11 = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
#nfhw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
memref.global "private" constant @filters : memref<8x36xi8> = dense<2>
func.func @convolution(%rows: memref<16x36xi8>, %colsum: memref<8xi32>, %bias: memref<8x1x1xi32>, %mul: memref<8xi32>, %shift: memref<8xi64>, %residual: memref<1x8x4x4xi8>, %out: memref<1x8x4x4xi8>, %out2: memref<1x8x4x4xi8>) {
  %c0_i32 = arith.constant 0 : i32
  %c4_i32 = arith.constant 4 : i32
  %c1_i64 = arith.constant 1 : i64
  %c0_i64 = arith.constant 0 : i64
  %c255_i64 = arith.constant 255 : i64
  %w = memref.get_global @filters : memref<8x36xi8>
  %acc = memref.alloc() {alignment = 64 : i64} : memref<16x8xi32>
  %nhwf = memref.expand_shape %acc [[0, 1, 2], [3]] output_shape [1, 4, 4, 8] : memref<16x8xi32> into memref<1x4x4x8xi32>
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<16x8xi32>)
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
    ins(%rows, %w : memref<16x36xi8>, memref<8x36xi8>) outs(%acc : memref<16x8xi32>)
  linalg.generic {indexing_maps = [#nhwf, #f, #f11, #f, #f, #nfhw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%nhwf, %colsum, %bias, %mul, %shift : memref<1x4x4x8xi32>, memref<8xi32>, memref<8x1x1xi32>, memref<8xi32>, memref<8xi64>) outs(%out : memref<1x8x4x4xi8>) {
  ^bb0(%in: i32, %s: i32, %b: i32, %m: i32, %sh: i64, %o: i8):
    %0 = arith.muli %s, %c4_i32 : i32
    %1 = arith.subi %in, %0 : i32
    %2 = arith.addi %1, %b : i32
    %3 = arith.extsi %m : i32 to i64
    %4 = arith.extsi %2 : i32 to i64
    %5 = arith.subi %sh, %c1_i64 : i64
    %6 = arith.shli %c1_i64, %5 : i64
    %7 = arith.muli %4, %3 : i64
    %8 = arith.addi %7, %6 : i64
    %9 = arith.shrsi %8, %sh : i64
    %10 = arith.maxsi %9, %c0_i64 : i64
    %11 = arith.minsi %10, %c255_i64 : i64
    %12 = arith.trunci %11 : i64 to i8
    linalg.yield %12 : i8
  }
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<16x8xi32>)
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
    ins(%rows, %w : memref<16x36xi8>, memref<8x36xi8>) outs(%acc : memref<16x8xi32>)
  linalg.generic {indexing_maps = [#nhwf, #f, #nfhw, #nfhw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%nhwf, %mul, %residual : memref<1x4x4x8xi32>, memref<8xi32>, memref<1x8x4x4xi8>) outs(%out2 : memref<1x8x4x4xi8>) {
  ^bb0(%in: i32, %m: i32, %r: i8, %o: i8):
    %r32 = arith.extsi %r : i8 to i32
    %s = arith.addi %in, %r32 : i32
    %3 = arith.extsi %m : i32 to i64
    %4 = arith.extsi %s : i32 to i64
    %7 = arith.muli %4, %3 : i64
    %9 = arith.shrsi %7, %c1_i64 : i64
    %10 = arith.maxsi %9, %c0_i64 : i64
    %11 = arith.minsi %10, %c255_i64 : i64
    %12 = arith.trunci %11 : i64 to i8
    linalg.yield %12 : i8
  }
  memref.dealloc %acc : memref<16x8xi32>
  return
}

// -----

// Two images: channels-first output rows collapse only image by image, so
// the kernel runs once per image on its rows of A (a buffer of its own,
// which no image's output can overwrite) and its output.
// CHECK-LABEL: func.func @two_images
// CHECK: %[[ROWS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<32x36xi8>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]}
// CHECK: %[[WORKSPACE:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1044xi8>
// CHECK: scf.for %[[N:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[ROW:.*]] = arith.muli %[[N]], %{{.*}} : index
// CHECK: memref.subview %[[ROWS]][%[[ROW]], 0] [16, 36] [1, 1]
// CHECK: %[[T:.*]] = memref.transpose %{{.*}} (d0, d1, d2, d3) -> (d0, d2, d3, d1)
// CHECK: %[[IMAGE:.*]] = memref.subview %[[T]][%[[N]], 0, 0, 0] [1, 4, 4, 8] [1, 1, 1, 1]
// CHECK: memref.collapse_shape %[[IMAGE]] {{\[\[}}0, 1], [2]] : memref<4x4x8xi8, strided<[4, 1, 16], offset: ?>> into memref<16x8xi8, strided<[1, 16], offset: ?>>
// CHECK: call @quill_igemm_s8_packed_requantize(
// CHECK: }
// CHECK: memref.dealloc %[[WORKSPACE]]
#nhwf = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
#f = affine_map<(d0, d1, d2, d3) -> (d1)>
#nfhw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
memref.global "private" constant @filters : memref<8x36xi8> = dense<2>
func.func @two_images(%input: memref<32x36xi8>, %mul: memref<8xi32>, %shift: memref<8xi64>, %out: memref<2x8x4x4xi8>) {
  %rows = memref.alloc() {alignment = 64 : i64} : memref<32x36xi8>
  memref.copy %input, %rows : memref<32x36xi8> to memref<32x36xi8>
  %c0_i32 = arith.constant 0 : i32
  %c1_i64 = arith.constant 1 : i64
  %c0_i64 = arith.constant 0 : i64
  %c255_i64 = arith.constant 255 : i64
  %w = memref.get_global @filters : memref<8x36xi8>
  %acc = memref.alloc() {alignment = 64 : i64} : memref<32x8xi32>
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<32x8xi32>)
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
    ins(%rows, %w : memref<32x36xi8>, memref<8x36xi8>) outs(%acc : memref<32x8xi32>)
  %nhwf = memref.expand_shape %acc [[0, 1, 2], [3]] output_shape [2, 4, 4, 8] : memref<32x8xi32> into memref<2x4x4x8xi32>
  linalg.generic {indexing_maps = [#nhwf, #f, #f, #nfhw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%nhwf, %mul, %shift : memref<2x4x4x8xi32>, memref<8xi32>, memref<8xi64>) outs(%out : memref<2x8x4x4xi8>) {
  ^bb0(%in: i32, %m: i32, %sh: i64, %o: i8):
    %3 = arith.extsi %m : i32 to i64
    %4 = arith.extsi %in : i32 to i64
    %5 = arith.subi %sh, %c1_i64 : i64
    %6 = arith.shli %c1_i64, %5 : i64
    %7 = arith.muli %4, %3 : i64
    %8 = arith.addi %7, %6 : i64
    %9 = arith.shrsi %8, %sh : i64
    %10 = arith.maxsi %9, %c0_i64 : i64
    %11 = arith.minsi %10, %c255_i64 : i64
    %12 = arith.trunci %11 : i64 to i8
    linalg.yield %12 : i8
  }
  memref.dealloc %acc : memref<32x8xi32>
  return
}

// -----

// Two images whose A and output are function arguments, which may be one
// buffer: the first image's output could overwrite the second's rows of A
// before they are packed. Not fused.
// CHECK-LABEL: func.func @two_images_may_alias
// CHECK-NOT: quill_igemm_s8_packed_requantize
// CHECK: call @quill_igemm_s8_packed(
#nhwf = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
#nfhw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
memref.global "private" constant @filters : memref<8x36xi8> = dense<2>
func.func @two_images_may_alias(%rows: memref<32x36xi8>, %out: memref<2x8x4x4xi8>) {
  %c0_i32 = arith.constant 0 : i32
  %c1_i64 = arith.constant 1 : i64
  %c3_i64 = arith.constant 3 : i64
  %c0_i64 = arith.constant 0 : i64
  %c255_i64 = arith.constant 255 : i64
  %w = memref.get_global @filters : memref<8x36xi8>
  %acc = memref.alloc() {alignment = 64 : i64} : memref<32x8xi32>
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<32x8xi32>)
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
    ins(%rows, %w : memref<32x36xi8>, memref<8x36xi8>) outs(%acc : memref<32x8xi32>)
  %nhwf = memref.expand_shape %acc [[0, 1, 2], [3]] output_shape [2, 4, 4, 8] : memref<32x8xi32> into memref<2x4x4x8xi32>
  linalg.generic {indexing_maps = [#nhwf, #nfhw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%nhwf : memref<2x4x4x8xi32>) outs(%out : memref<2x8x4x4xi8>) {
  ^bb0(%in: i32, %o: i8):
    %4 = arith.extsi %in : i32 to i64
    %7 = arith.muli %4, %c3_i64 : i64
    %8 = arith.addi %7, %c1_i64 : i64
    %9 = arith.shrsi %8, %c1_i64 : i64
    %10 = arith.maxsi %9, %c0_i64 : i64
    %11 = arith.minsi %10, %c255_i64 : i64
    %12 = arith.trunci %11 : i64 to i8
    linalg.yield %12 : i8
  }
  memref.dealloc %acc : memref<32x8xi32>
  return
}

// -----

// Not fused: the accumulator is read again after the epilogue; the
// epilogue dequantizes to float; it reads a per-element residual; the
// weights are not constant; something writes memory between the matmul and
// the epilogue; the accumulator is a view.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT: quill_igemm_s8_packed_requantize
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
memref.global "private" constant @weights : memref<40x5xi8> = dense<3>
func.func @not_fused(%a: memref<64x40xi8>, %b: memref<40x5xi8>, %residual: memref<64x5xi8>, %out: memref<64x5xi8>, %f: memref<64x5xf32>, %c: memref<64x5xi32>, %big: memref<2x64x5xi32>) {
  %c0_i32 = arith.constant 0 : i32
  %mul = arith.constant 1234567 : i64
  %half = arith.constant 4194304 : i64
  %shift = arith.constant 23 : i64
  %lo = arith.constant -128 : i64
  %hi = arith.constant 127 : i64
  %scale = arith.constant 0.5 : f32
  %w = memref.get_global @weights : memref<40x5xi8>
  %acc = memref.alloc() {alignment = 64 : i64} : memref<64x5xi32>

  // Read again afterwards.
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<64x5xi32>)
  linalg.matmul ins(%a, %w : memref<64x40xi8>, memref<40x5xi8>) outs(%acc : memref<64x5xi32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%acc : memref<64x5xi32>) outs(%out : memref<64x5xi8>) {
  ^bb0(%in: i32, %o: i8):
    %0 = arith.extsi %in : i32 to i64
    %1 = arith.muli %0, %mul : i64
    %2 = arith.addi %1, %half : i64
    %3 = arith.shrsi %2, %shift : i64
    %4 = arith.maxsi %3, %lo : i64
    %5 = arith.minsi %4, %hi : i64
    %6 = arith.trunci %5 : i64 to i8
    linalg.yield %6 : i8
  }
  linalg.copy ins(%acc : memref<64x5xi32>) outs(%c : memref<64x5xi32>)

  // Dequantizes.
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<64x5xi32>)
  linalg.matmul ins(%a, %w : memref<64x40xi8>, memref<40x5xi8>) outs(%acc : memref<64x5xi32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%acc : memref<64x5xi32>) outs(%f : memref<64x5xf32>) {
  ^bb0(%in: i32, %o: f32):
    %0 = arith.sitofp %in : i32 to f32
    %1 = arith.mulf %0, %scale : f32
    linalg.yield %1 : f32
  }

  // Adds a residual before requantizing.
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<64x5xi32>)
  linalg.matmul ins(%a, %w : memref<64x40xi8>, memref<40x5xi8>) outs(%acc : memref<64x5xi32>)
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%acc, %residual : memref<64x5xi32>, memref<64x5xi8>) outs(%out : memref<64x5xi8>) {
  ^bb0(%in: i32, %r: i8, %o: i8):
    %r32 = arith.extsi %r : i8 to i32
    %s = arith.addi %in, %r32 : i32
    %0 = arith.extsi %s : i32 to i64
    %1 = arith.muli %0, %mul : i64
    %2 = arith.addi %1, %half : i64
    %3 = arith.shrsi %2, %shift : i64
    %4 = arith.maxsi %3, %lo : i64
    %5 = arith.minsi %4, %hi : i64
    %6 = arith.trunci %5 : i64 to i8
    linalg.yield %6 : i8
  }

  // Weights that are not constant.
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<64x5xi32>)
  linalg.matmul ins(%a, %b : memref<64x40xi8>, memref<40x5xi8>) outs(%acc : memref<64x5xi32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%acc : memref<64x5xi32>) outs(%out : memref<64x5xi8>) {
  ^bb0(%in: i32, %o: i8):
    %0 = arith.extsi %in : i32 to i64
    %1 = arith.muli %0, %mul : i64
    %2 = arith.addi %1, %half : i64
    %3 = arith.shrsi %2, %shift : i64
    %4 = arith.maxsi %3, %lo : i64
    %5 = arith.minsi %4, %hi : i64
    %6 = arith.trunci %5 : i64 to i8
    linalg.yield %6 : i8
  }

  // A write between the matmul and its epilogue.
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<64x5xi32>)
  linalg.matmul ins(%a, %w : memref<64x40xi8>, memref<40x5xi8>) outs(%acc : memref<64x5xi32>)
  linalg.fill ins(%c0_i32 : i32) outs(%c : memref<64x5xi32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%acc : memref<64x5xi32>) outs(%out : memref<64x5xi8>) {
  ^bb0(%in: i32, %o: i8):
    %0 = arith.extsi %in : i32 to i64
    %1 = arith.muli %0, %mul : i64
    %2 = arith.addi %1, %half : i64
    %3 = arith.shrsi %2, %shift : i64
    %4 = arith.maxsi %3, %lo : i64
    %5 = arith.minsi %4, %hi : i64
    %6 = arith.trunci %5 : i64 to i8
    linalg.yield %6 : i8
  }
  memref.dealloc %acc : memref<64x5xi32>

  // An accumulator that is a view of a larger buffer.
  %view = memref.subview %big[0, 0, 0] [1, 64, 5] [1, 1, 1] : memref<2x64x5xi32> to memref<64x5xi32, strided<[5, 1]>>
  linalg.fill ins(%c0_i32 : i32) outs(%view : memref<64x5xi32, strided<[5, 1]>>)
  linalg.matmul ins(%a, %w : memref<64x40xi8>, memref<40x5xi8>) outs(%view : memref<64x5xi32, strided<[5, 1]>>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%view : memref<64x5xi32, strided<[5, 1]>>) outs(%out : memref<64x5xi8>) {
  ^bb0(%in: i32, %o: i8):
    %0 = arith.extsi %in : i32 to i64
    %1 = arith.muli %0, %mul : i64
    %2 = arith.addi %1, %half : i64
    %3 = arith.shrsi %2, %shift : i64
    %4 = arith.maxsi %3, %lo : i64
    %5 = arith.minsi %4, %hi : i64
    %6 = arith.trunci %5 : i64 to i8
    linalg.yield %6 : i8
  }
  return
}
