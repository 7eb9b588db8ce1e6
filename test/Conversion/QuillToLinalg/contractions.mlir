// RUN: quill-opt --quill-lower-to-linalg %s | FileCheck %s

// Gemm accumulates into its bias; transposed operands are indexing maps,
// not copies.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[BT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[IM2COL:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 * 2 + d2, d5 * 2 + d3)>
// CHECK-LABEL: func.func @gemm_trans_b
// CHECK: %[[BIAS:.*]] = linalg.generic
// CHECK: linalg.matmul indexing_maps = [#[[A]], #[[BT]], #[[C]]] ins(%{{.*}}, %{{.*}} : tensor<64x784xf32>, tensor<1024x784xf32>) outs(%[[BIAS]] : tensor<64x1024xf32>)
func.func @gemm_trans_b(%a: tensor<64x784xf32>, %b: tensor<1024x784xf32>, %c: tensor<1024xf32>) -> tensor<64x1024xf32> {
  %0 = quill.gemm %a, %b, %c {trans_b} : (tensor<64x784xf32>, tensor<1024x784xf32>, tensor<1024xf32>) -> tensor<64x1024xf32>
  return %0 : tensor<64x1024xf32>
}

// A stack of rows times one matrix is one taller product.
// CHECK-LABEL: func.func @matmul_rows
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<1x128x256xf32> into tensor<128x256xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<128x256xf32>, tensor<256x64xf32>)
func.func @matmul_rows(%a: tensor<1x128x256xf32>, %b: tensor<256x64xf32>) -> tensor<1x128x64xf32> {
  %0 = quill.matmul %a, %b : (tensor<1x128x256xf32>, tensor<256x64xf32>) -> tensor<1x128x64xf32>
  return %0 : tensor<1x128x64xf32>
}

// Batch dimensions broadcast, then collapse into one.
// CHECK-LABEL: func.func @matmul_batched
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<8x16x32xf32>, tensor<8x32x16xf32>)
func.func @matmul_batched(%a: tensor<2x4x16x32xf32>, %b: tensor<4x32x16xf32>) -> tensor<2x4x16x16xf32> {
  %0 = quill.matmul %a, %b : (tensor<2x4x16x32xf32>, tensor<4x32x16xf32>) -> tensor<2x4x16x16xf32>
  return %0 : tensor<2x4x16x16xf32>
}

// A 2-d convolution with one group: zero padding, im2col gather, matmul
// into the broadcast bias.
// CHECK-LABEL: func.func @conv_im2col
// CHECK: tensor.pad
// CHECK: linalg.generic {indexing_maps = [#[[IM2COL]]
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x27xf32>, tensor<27x64xf32>)
func.func @conv_im2col(%x: tensor<1x3x16x16xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x8x8xf32> {
  %0 = quill.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x16x16xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// Depthwise: one generic over [N, G, M/G, O..., C/G, K...].
// CHECK-LABEL: func.func @conv_depthwise
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
func.func @conv_depthwise(%x: tensor<1x4x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %0 = quill.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}
