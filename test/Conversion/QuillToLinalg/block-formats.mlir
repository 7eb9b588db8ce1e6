// RUN: quill-opt --quill-lower-to-linalg %s | FileCheck %s

// The axis is split into (blocks, 32); a max-reduction of |x| gives each
// block's amax, one generic its E8M0 byte (the exponent field of amax less
// emax = 2 for E2M1, clamped to [-127, 127], NaN to 0xFF), one generic the
// elements' bits; the scales' shape is the reduced split shape.
// CHECK-LABEL: func.func @mxfp4_quantize
// CHECK-SAME: (%[[X:.*]]: tensor<4x64xf32>) -> (tensor<4x64xi8>, tensor<4x2xi8>)
// CHECK: %[[SPLIT:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2]] output_shape [4, 2, 32]
// CHECK: %[[AMAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%[[SPLIT]] : tensor<4x2x32xf32>)
// CHECK:   math.absf
// CHECK:   arith.maximumf
// CHECK: %[[SCALES:.*]] = linalg.generic {{.*}} ins(%[[AMAX]] : tensor<4x2xf32>) outs(%{{.*}} : tensor<4x2xi8>)
// CHECK:   arith.shrui
// CHECK:   arith.constant 129 : i32
// CHECK:   arith.maxsi
// CHECK:   arith.minsi
// CHECK: %[[ELEMENTS:.*]] = linalg.generic {{.*}} ins(%[[SPLIT]], %[[SCALES]] : tensor<4x2x32xf32>, tensor<4x2xi8>) outs(%{{.*}} : tensor<4x2x32xi8>)
// CHECK:   arith.divf
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[ELEMENTS]] {{\[}}[0], [1, 2]]
// CHECK: return %[[FLAT]], %[[SCALES]]
func.func @mxfp4_quantize(%x: tensor<4x64xf32>) -> (tensor<4x64xf4E2M1FN>, tensor<4x2xf8E8M0FNU>) {
  %e, %s = quill.block_quantize %x {format = #quill.block_format<mxfp4_e2m1>, axis = 1 : i32} : tensor<4x64xf32> -> tensor<4x64xf4E2M1FN>, tensor<4x2xf8E8M0FNU>
  return %e, %s : tensor<4x64xf4E2M1FN>, tensor<4x2xf8E8M0FNU>
}

// NVFP4 dequantizes along axis 0 in blocks of 16: (element * scale) / 2.0.
// CHECK-LABEL: func.func @nvfp4_dequantize
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [2, 16, 3]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x16x3xi8>, tensor<2x3xi8>) outs(%{{.*}} : tensor<2x16x3xf32>)
// CHECK:   arith.mulf
// CHECK:   arith.divf
// CHECK: tensor.collapse_shape
func.func @nvfp4_dequantize(%e: tensor<32x3xf4E2M1FN>, %s: tensor<2x3xf8E4M3FN>) -> tensor<32x3xf32> {
  %x = quill.block_dequantize %e, %s {format = #quill.block_format<nvfp4>, axis = 0 : i32, tensor_scale = 2.0 : f32} : tensor<32x3xf4E2M1FN>, tensor<2x3xf8E4M3FN> -> tensor<32x3xf32>
  return %x : tensor<32x3xf32>
}
