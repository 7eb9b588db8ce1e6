// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-quantize{stats-file=%S/Inputs/concat-stats.json}))' | FileCheck %s
// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-quantize{stats-file=%S/Inputs/concat-stats.json},quill-qdq-to-integer))' | FileCheck %s --check-prefix=INT

// Two products concatenated into a third one's input: their outputs are
// quantized to the concat's range ('cat': [0, 8], scale 8/255), one type,
// so the concat moves stored values and all three products run on
// integers. Inputs/concat-stats.json has no statistics for 'a' and 'b'.
// CHECK-LABEL: func.func @concat_of_products
// CHECK: %[[A:.*]] = quill.gemm {{.*}} {trans_b}
// CHECK: quill.quantize %[[A]] : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32, 0.031372{{[0-9]*}}>>
// CHECK: %[[B:.*]] = quill.gemm
// CHECK: quill.quantize %[[B]] : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32, 0.031372{{[0-9]*}}>>
// INT-LABEL: func.func @concat_of_products
// INT: %[[QA:.*]] = quill.storage_cast %{{.*}} : tensor<2x3xi8> to tensor<2x3x!quant.uniform<u8:f32, 0.031372{{[0-9]*}}>>
// INT: %[[QB:.*]] = quill.storage_cast %{{.*}} : tensor<2x3xi8> to tensor<2x3x!quant.uniform<u8:f32, 0.031372{{[0-9]*}}>>
// INT: %[[CAT:.*]] = quill.concat %[[QA]], %[[QB]] {axis = 1 : i64} : ({{.*}}) -> tensor<2x6x!quant.uniform<u8:f32, 0.031372{{[0-9]*}}>>
// INT: quill.quantized_matmul %[[CAT]]
// INT-NOT: quill.gemm
func.func @concat_of_products(%x: tensor<2x3xf32> {quill.name = "x"}) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, -0.5, 0.0], [1.0, 4.0, -4.0], [0.5, 0.5, 0.5]]> : tensor<3x3xf32>
  %bias = arith.constant dense<[0.5, -0.5, 0.0]> : tensor<3xf32>
  %a = quill.gemm %x, %w, %bias {trans_b} : (tensor<2x3xf32>, tensor<3x3xf32>, tensor<3xf32>) -> tensor<2x3xf32> loc("a")
  %b = quill.gemm %x, %w, %bias : (tensor<2x3xf32>, tensor<3x3xf32>, tensor<3xf32>) -> tensor<2x3xf32> loc("b")
  %cat = quill.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32> loc("cat")
  %w2 = arith.constant dense<1.0> : tensor<6x2xf32>
  %z = quill.matmul %cat, %w2 : (tensor<2x6xf32>, tensor<6x2xf32>) -> tensor<2x2xf32> loc("out")
  return %z : tensor<2x2xf32>
}
