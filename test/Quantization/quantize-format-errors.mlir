// Options of quill-quantize that no function can satisfy. The format is an
// enum option: the pipeline parser refuses an unknown one.
// RUN: not quill-opt %s --pass-pipeline='builtin.module(func.func(quill-quantize{format=int2 stats-file=x.json}))' 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not quill-opt %s --pass-pipeline='builtin.module(func.func(quill-quantize{weight-block-size=32 stats-file=x.json}))' 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not quill-opt %s --pass-pipeline='builtin.module(func.func(quill-quantize{format=int4-weights weight-block-size=-1}))' 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// FORMAT: for the --format option: Cannot find option named 'int2'!
// BLOCK: error: weight-block-size must be positive and is for int4-weights and int4, got 32 with format 'int8'
// NEGATIVE: error: weight-block-size must be positive and is for int4-weights and int4, got -1 with format 'int4-weights'
func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
