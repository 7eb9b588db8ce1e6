// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-quantize{format=fp8-e4m3 stats-file=%S/Inputs/stats.json}))' | FileCheck %s --check-prefix=FP8
// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-quantize{format=fp8-e5m2 stats-file=%S/Inputs/stats.json}))' | FileCheck %s --check-prefix=E5M2
// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-quantize{format=int4-weights}))' | FileCheck %s --check-prefix=INT4
// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-quantize{format=int4 stats-file=%S/Inputs/stats.json}))' | FileCheck %s --check-prefix=INT4-ACT
// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-quantize{format=int4 activation-block-size=3 recipe=%S/Inputs/int4-blocks-recipe.txt stats-file=%S/Inputs/stats.json}))' | FileCheck %s --check-prefix=INT4-BLOCKS

// The model and statistics of quantize.mlir: x in [-2, 4], the ReLU after
// the Gemm in [0, 6].
//
// fp8 e4m3: activations per tensor at amax / 448 (x: 4 / 448; the ReLU:
// 6 / 448), weights per output channel at their own amax / 448 (1 / 448 and
// 4 / 448), stored as e4m3 constants.
// FP8-LABEL: func.func @gemm_relu
// FP8: quill.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quill.float_quant<f8E4M3FN:f32, 0.0089285{{[0-9]*}}>>
// FP8: %[[W:.*]] = arith.constant dense<{{\[\[}}4.480000e+02, -2.240000e+02, 0.000000e+00], [1.120000e+02, 4.480000e+02, -4.480000e+02]]> : tensor<2x3xf8E4M3FN>
// FP8: quill.storage_cast %[[W]] : tensor<2x3xf8E4M3FN> to tensor<2x3x!quill.float_quant<f8E4M3FN:f32:0, {0.0022321{{[0-9]*}}, 0.0089285{{[0-9]*}}}>>
// FP8: %[[R:.*]] = quill.relu
// FP8: quill.quantize %[[R]] : tensor<2x2xf32> to tensor<2x2x!quill.float_quant<f8E4M3FN:f32, 0.013392{{[0-9]*}}>>
//
// e5m2: amax / 57344.
// E5M2: quill.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quill.float_quant<f8E5M2:f32, 6.975{{[0-9]*}}E-5>>
//
// int4 weights alone: symmetric in [-7, 7] per output channel (scales 1 / 7
// and 4 / 7 as f32: -0.5 / float(1 / 7) = -3.4999... rounds to -3);
// activations stay float.
// INT4-LABEL: func.func @gemm_relu
// INT4-NOT: quill.quantize
// INT4: %[[W:.*]] = arith.constant dense<{{\[\[}}7, -3, 0], [2, 7, -7]]> : tensor<2x3xi4>
// INT4: quill.storage_cast %[[W]] : tensor<2x3xi4> to tensor<2x3x!quant.uniform<i4<-7:7>:f32:0, {0.142857{{[0-9]*}},0.571428{{[0-9]*}}}>>
// INT4: quill.gemm %arg0, %{{.*}}, %{{.*}} {trans_b}
// INT4-NOT: quill.quantize
//
// int4: the same weights, and activations in 16 levels as int8 takes 256:
// x in [-2, 4] at scale 6 / 15 with zero point 5, the ReLU's [0, 6] at
// 6 / 15; the pairs stay around the float products.
// INT4-ACT-LABEL: func.func @gemm_relu
// INT4-ACT: %[[Q:.*]] = quill.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u4:f32, 0.4000000{{[0-9]*}}:5>>
// INT4-ACT: %[[X:.*]] = quill.dequantize %[[Q]]
// INT4-ACT: quill.storage_cast %{{.*}} : tensor<2x3xi4> to tensor<2x3x!quant.uniform<i4<-7:7>:f32:0, {0.142857{{[0-9]*}},0.571428{{[0-9]*}}}>>
// INT4-ACT: quill.gemm %[[X]], %{{.*}}, %{{.*}} {trans_b}
// INT4-ACT: %[[R:.*]] = quill.relu
// INT4-ACT: quill.quantize %[[R]] : tensor<2x2xf32> to tensor<2x2x!quant.uniform<u4:f32, 0.4000000{{[0-9]*}}>>
// INT4-ACT: quill.matmul
// int4 activations in blocks (of 3) for the Gemm; the MatMul a recipe puts
// at int8 keeps its per-tensor pair and no blocks.
// INT4-BLOCKS-LABEL: func.func @gemm_relu
// INT4-BLOCKS: quill.reshape {{.*}}quill.int4_blocks = 3
// INT4-BLOCKS: quill.gemm
// INT4-BLOCKS-NOT: quill.int4_blocks
// INT4-BLOCKS: quill.dequantize {{.*}}!quant.uniform<u8
// INT4-BLOCKS-NOT: quill.int4_blocks
// INT4-BLOCKS: quill.matmul
func.func @gemm_relu(%x: tensor<2x3xf32> {quill.name = "x"}) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, -0.5, 0.0], [1.0, 4.0, -4.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %y = quill.gemm %x, %w, %b {trans_b} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x2xf32> loc("fc")
  %r = quill.relu %y : tensor<2x2xf32> loc("fc_relu")
  %w2 = arith.constant dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %z = quill.matmul %r, %w2 : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32> loc("out")
  return %z : tensor<2x2xf32>
}
