// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-reorder-channels{format=int8}))' -verify-diagnostics
// RUN: not quill-opt %s --pass-pipeline='builtin.module(func.func(quill-reorder-channels{format=int4-weights}))' 2>&1 | FileCheck %s --check-prefix=INT4

// Formats without blocks give a permutation nothing to serve; int4 needs
// the block size.
// expected-error@+1 {{quill-reorder-channels: format 'int8' has no blocks for a permutation to serve}}
func.func @no_blocks(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  return %x : tensor<3x4xf32>
}
// INT4: format 'int4-weights' needs a positive block-size
