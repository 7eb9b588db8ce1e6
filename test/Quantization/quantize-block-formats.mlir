// RUN: quill-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(quill-quantize{format=mxfp4}))' | FileCheck %s --check-prefix=MXFP4
// RUN: quill-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(quill-quantize{format=mxfp4-weights}))' | FileCheck %s --check-prefix=WEIGHTS
// RUN: quill-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(quill-quantize{format=mxfp4 block-scale-rounding=up recipe=%S/Inputs/block-recipe.txt stats-file=%S/Inputs/stats.json}))' | FileCheck %s --check-prefix=RECIPE

// MXFP4 (blocks of 32 along K): the activation is block-quantized at run
// time along its last axis, the weight (all 0.5: exponent -1 - emax 2 = -3,
// E8M0 byte 124; elements 0.5 / 2^-3 = 4) becomes constants read along
// axis 0.
// MXFP4-LABEL: func.func @matmul
// MXFP4-DAG: %[[WE:.*]] = arith.constant dense<4.000000e+00> : tensor<64x16xf4E2M1FN>
// MXFP4-DAG: %[[WS:.*]] = arith.constant dense<1.250000e-01> : tensor<2x16xf8E8M0FNU>
// MXFP4: %[[W:.*]] = quill.block_dequantize %[[WE]], %[[WS]] {axis = 0 : i32, format = #quill.block_format<mxfp4_e2m1>} : tensor<64x16xf4E2M1FN>, tensor<2x16xf8E8M0FNU> -> tensor<64x16xf32>
// MXFP4: %[[E:.*]], %[[S:.*]] = quill.block_quantize %arg0 {axis = 1 : i32, format = #quill.block_format<mxfp4_e2m1>} : tensor<1x64xf32> -> tensor<1x64xf4E2M1FN>, tensor<1x2xf8E8M0FNU>
// MXFP4: %[[X:.*]] = quill.block_dequantize %[[E]], %[[S]] {axis = 1 : i32, format = #quill.block_format<mxfp4_e2m1>}
// MXFP4: quill.matmul %[[X]], %[[W]]
//
// Weight-only: the activation stays float.
// WEIGHTS-LABEL: func.func @matmul
// WEIGHTS-NOT: quill.block_quantize
// WEIGHTS: quill.block_dequantize %{{.*}} {axis = 0 : i32, format = #quill.block_format<mxfp4_e2m1>}
// WEIGHTS: quill.matmul %arg0,
//
// The recipe gives "fc" NVFP4: tensor scales 448 * 6 / amax, the
// activation's from the statistics of x (amax 4: 672), the weight's its own
// (amax 0.5: 5376); block-scale-rounding is for MX formats only.
// RECIPE-LABEL: func.func @matmul
// RECIPE-DAG: quill.block_quantize %arg0 {axis = 1 : i32, format = #quill.block_format<nvfp4>, tensor_scale = 6.720000e+02 : f32} : tensor<1x64xf32> -> tensor<1x64xf4E2M1FN>, tensor<1x4xf8E4M3FN>
// RECIPE-DAG: quill.block_dequantize %{{.*}}, %{{.*}} {axis = 0 : i32, format = #quill.block_format<nvfp4>, tensor_scale = 5.376000e+03 : f32} : tensor<64x16xf4E2M1FN>, tensor<4x16xf8E4M3FN> -> tensor<64x16xf32>
func.func @matmul(%x: tensor<1x64xf32> {quill.name = "x"}) -> tensor<1x16xf32> {
  %w = arith.constant dense<0.5> : tensor<64x16xf32>
  %y = quill.matmul %x, %w : (tensor<1x64xf32>, tensor<64x16xf32>) -> tensor<1x16xf32> loc("fc")
  return %y : tensor<1x16xf32>
}

// -----

// The recipe keeps "kept" float; the other formats quantize it.
// MXFP4-LABEL: func.func @kept
// MXFP4: quill.block_quantize
// RECIPE-LABEL: func.func @kept
// RECIPE-NOT: quill.block
// RECIPE: quill.gemm %arg0, %cst
func.func @kept(%x: tensor<1x32xf32> {quill.name = "x"}) -> tensor<1x8xf32> {
  %w = arith.constant dense<0.25> : tensor<8x32xf32>
  %y = quill.gemm %x, %w {trans_b} : (tensor<1x32xf32>, tensor<8x32xf32>) -> tensor<1x8xf32> loc("kept")
  return %y : tensor<1x8xf32>
}

// -----

// Three input channels cannot make blocks of 32: the Conv stays float.
// MXFP4-LABEL: func.func @rgb_conv
// MXFP4-NOT: quill.block
func.func @rgb_conv(%x: tensor<1x3x8x8xf32> {quill.name = "x"}) -> tensor<1x4x8x8xf32> {
  %w = arith.constant dense<0.1> : tensor<4x3x1x1xf32>
  // expected-warning@+1 {{stays float: mxfp4_e2m1 blocks of 32 do not divide its reduction size 3}}
  %y = quill.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}
