// RUN: quill-opt --quill-fuse-elementwise %s | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
#mk = affine_map<(d0, d1, d2) -> (d0, d2)>
#kn = affine_map<(d0, d1, d2) -> (d2, d1)>
#mn = affine_map<(d0, d1, d2) -> (d0, d1)>

// Bias add then ReLU: one generic.
// CHECK-LABEL: func.func @bias_relu
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
func.func @bias_relu(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %0 = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %b : tensor<4x8xf32>, tensor<8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%0 : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// An elementwise producer of a reduction stays apart: fused, it would run
// once per step of the reduction.
// CHECK-LABEL: func.func @relu_into_matmul
// CHECK: linalg.generic
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
func.func @relu_into_matmul(%x: tensor<4x8xf32>, %w: tensor<8x2xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %1 = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]} ins(%0, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%acc : tensor<4x2xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<4x2xf32>
  return %1 : tensor<4x2xf32>
}

// A per-row value (here a division) read broadcast stays its own loop over
// the rows: fused, it would be recomputed for every element of the row.
// CHECK-LABEL: func.func @row_reciprocal_stays_apart
// CHECK: linalg.generic {{.*}} ins(%arg1 : tensor<4xi64>)
// CHECK: arith.divsi
// CHECK: linalg.generic
// CHECK-NOT: arith.divsi
// CHECK: arith.muli
#col = affine_map<(d0, d1) -> (d0)>
#vec = affine_map<(d0) -> (d0)>
func.func @row_reciprocal_stays_apart(%x: tensor<4x8xi64>, %sum: tensor<4xi64>) -> tensor<4x8xi64> {
  %one = arith.constant 1073741824 : i64
  %er = tensor.empty() : tensor<4xi64>
  %e = tensor.empty() : tensor<4x8xi64>
  %0 = linalg.generic {indexing_maps = [#vec, #vec], iterator_types = ["parallel"]} ins(%sum : tensor<4xi64>) outs(%er : tensor<4xi64>) {
  ^bb0(%s: i64, %o: i64):
    %r = arith.divsi %one, %s : i64
    linalg.yield %r : i64
  } -> tensor<4xi64>
  %1 = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %0 : tensor<4x8xi64>, tensor<4xi64>) outs(%e : tensor<4x8xi64>) {
  ^bb0(%a: i64, %r: i64, %o: i64):
    %p = arith.muli %a, %r : i64
    linalg.yield %p : i64
  } -> tensor<4x8xi64>
  return %1 : tensor<4x8xi64>
}

// A table lookup (a gather, which keeps its loop scalar) is not fused with
// the arithmetic before it, so that arithmetic still vectorizes.
// CHECK-LABEL: func.func @table_lookup_stays_apart
// CHECK: linalg.generic
// CHECK: arith.addi
// CHECK: linalg.generic
// CHECK: tensor.extract
func.func @table_lookup_stays_apart(%x: tensor<4x8xi8>, %table: tensor<256xi8>) -> tensor<4x8xi8> {
  %c = arith.constant 3 : i8
  %e = tensor.empty() : tensor<4x8xi8>
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xi8>) outs(%e : tensor<4x8xi8>) {
  ^bb0(%a: i8, %o: i8):
    %s = arith.addi %a, %c : i8
    linalg.yield %s : i8
  } -> tensor<4x8xi8>
  %1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%0 : tensor<4x8xi8>) outs(%e : tensor<4x8xi8>) {
  ^bb0(%a: i8, %o: i8):
    %i = arith.index_castui %a : i8 to index
    %v = tensor.extract %table[%i] : tensor<256xi8>
    linalg.yield %v : i8
  } -> tensor<4x8xi8>
  return %1 : tensor<4x8xi8>
}

// A matmul epilogue's zero-point correction (2-d) and the layer's
// dequantization (3-d, through an expand_shape) fuse: the consumer's loops
// collapse to 2-d and the expand_shape moves to the fused result.
// CHECK-LABEL: func.func @fuse_through_expand_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: arith.subi
// CHECK: arith.sitofp
// CHECK: } -> tensor<4x8xf32>
// CHECK-NOT: linalg.generic
// CHECK: tensor.expand_shape {{.*}} into tensor<1x4x8xf32>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @fuse_through_expand_shape(%acc: tensor<4x8xi32>, %zp: tensor<8xi32>) -> tensor<1x4x8xf32> {
  %e = tensor.empty() : tensor<4x8xi32>
  %0 = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%acc, %zp : tensor<4x8xi32>, tensor<8xi32>) outs(%e : tensor<4x8xi32>) {
  ^bb0(%a: i32, %z: i32, %o: i32):
    %d = arith.subi %a, %z : i32
    linalg.yield %d : i32
  } -> tensor<4x8xi32>
  %1 = tensor.expand_shape %0 [[0, 1], [2]] output_shape [1, 4, 8] : tensor<4x8xi32> into tensor<1x4x8xi32>
  %e3 = tensor.empty() : tensor<1x4x8xf32>
  %2 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%1 : tensor<1x4x8xi32>) outs(%e3 : tensor<1x4x8xf32>) {
  ^bb0(%a: i32, %o: f32):
    %f = arith.sitofp %a : i32 to f32
    linalg.yield %f : f32
  } -> tensor<1x4x8xf32>
  return %2 : tensor<1x4x8xf32>
}

// A convolution's epilogue: the 2-d zero-point correction of its [N*H*W, F]
// product, the move to [N, F, H, W] (which reads the expand_shape permuted,
// so its loops cannot collapse: the correction's loops expand instead) and
// a bias of shape [F, 1, 1] read at 0 on its unit dimensions: one generic
// reading the expanded product.
// CHECK-LABEL: func.func @convolution_epilogue
// CHECK: %[[EXPANDED:.*]] = tensor.expand_shape %arg0 {{\[\[}}0, 1, 2], [3]]
// CHECK: linalg.generic {{.*}} ins(%[[EXPANDED]], %arg1, %arg2 : tensor<1x2x2x8xi32>, tensor<8xi32>, tensor<8x1x1xi32>)
// CHECK: arith.subi
// CHECK: arith.addi
// CHECK: } -> tensor<1x8x2x2xi32>
// CHECK-NOT: linalg.generic
#nhwf = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#f11 = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
func.func @convolution_epilogue(%acc: tensor<4x8xi32>, %zp: tensor<8xi32>, %bias: tensor<8x1x1xi32>) -> tensor<1x8x2x2xi32> {
  %e = tensor.empty() : tensor<4x8xi32>
  %0 = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%acc, %zp : tensor<4x8xi32>, tensor<8xi32>) outs(%e : tensor<4x8xi32>) {
  ^bb0(%a: i32, %z: i32, %o: i32):
    %d = arith.subi %a, %z : i32
    linalg.yield %d : i32
  } -> tensor<4x8xi32>
  %1 = tensor.expand_shape %0 [[0, 1, 2], [3]] output_shape [1, 2, 2, 8] : tensor<4x8xi32> into tensor<1x2x2x8xi32>
  %e4 = tensor.empty() : tensor<1x8x2x2xi32>
  %2 = linalg.generic {indexing_maps = [#nhwf, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%1 : tensor<1x2x2x8xi32>) outs(%e4 : tensor<1x8x2x2xi32>) {
  ^bb0(%a: i32, %o: i32):
    linalg.yield %a : i32
  } -> tensor<1x8x2x2xi32>
  %3 = linalg.generic {indexing_maps = [#id4, #f11, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%2, %bias : tensor<1x8x2x2xi32>, tensor<8x1x1xi32>) outs(%e4 : tensor<1x8x2x2xi32>) {
  ^bb0(%a: i32, %b: i32, %o: i32):
    %s = arith.addi %a, %b : i32
    linalg.yield %s : i32
  } -> tensor<1x8x2x2xi32>
  return %3 : tensor<1x8x2x2xi32>
}
