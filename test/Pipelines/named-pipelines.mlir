// The driver's phases, registered by name, are what quill-opt runs, and
// their options reach the passes (dumped while running on an empty module,
// or on this file's model for the phases after the kernel one).
// RUN: quill-opt %S/Inputs/empty.mlir --pass-pipeline='builtin.module(quill-prepare)' --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=PREPARE
// PREPARE: func.func(
// PREPARE-NEXT: canonicalize
// PREPARE-NEXT: quill-fold-batch-norm,
// PREPARE-NEXT: quill-fuse-layer-norm,
// PREPARE-NEXT: quill-fuse-gelu
// PREPARE: quill-qdq-to-integer,
//
// RUN: quill-opt %S/Inputs/empty.mlir --pass-pipeline='builtin.module(quill-integer-only{softmax-exp=shift gelu=i-gelu})' --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=INTEGER
// INTEGER: quill-dyadic{gelu=i-gelu softmax-exp=shift},
// INTEGER: quill-verify-integer-only
// RUN: not quill-opt %S/Inputs/empty.mlir --pass-pipeline='builtin.module(quill-integer-only{gelu=exact})' 2>&1 | FileCheck %s --check-prefix=INTEGER-OPTION
// INTEGER-OPTION: for the --gelu option: Cannot find option named 'exact'!
//
// RUN: quill-opt %s --pass-pipeline='builtin.module(quill-cpu-kernel)' --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=KERNEL
// KERNEL: builtin.module(
// KERNEL-NEXT: quill-prepare-entry-point,
// KERNEL-NEXT: quill-lower-to-linalg,
// KERNEL: quill-fuse-elementwise,
//
// RUN: quill-opt %s --pass-pipeline='builtin.module(quill-cpu-kernel,quill-cpu-llvm)' --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=LLVM
// LLVM: one-shot-bufferize{{.*}}bufferize-function-boundaries=true{{.*}}function-boundary-type-conversion=identity-layout-map
// LLVM: buffer-results-to-out-params{{.*}}hoist-static-allocs=true{{.*}}modify-public-functions=true
// LLVM: quill-linalg-to-microkernels
// LLVM: finalize-memref-to-llvm{{.*}}use-generic-functions=true
// LLVM: reconcile-unrealized-casts
//
// RUN: quill-opt %s --pass-pipeline='builtin.module(quill-cpu-kernel,quill-nvptx{gpu-arch=sm_80})' --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=NVPTX
// NVPTX: quill-matmul-to-gpu-loops
// NVPTX: scf-parallel-loop-tiling{no-min-max-bounds=true parallel-loop-tile-sizes={16,16}}
// NVPTX: quill-merge-gpu-modules
// NVPTX: nvvm-attach-target{{.*}}chip=sm_80{{.*}}features=+ptx80
// NVPTX: gpu-module-to-binary{{.*}}format=isa
// NVPTX: quill-gpu-device-memory
//
// A whole prefix runs: graph IR to kernel IR.
// RUN: quill-opt %s --pass-pipeline='builtin.module(quill-prepare,quill-cpu-kernel)' | FileCheck %s
// CHECK-LABEL: func.func @quill_model_main
// CHECK: linalg.generic
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = quill.relu %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
