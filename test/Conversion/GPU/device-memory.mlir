// RUN: quill-opt %s --quill-gpu-device-memory --split-input-file --verify-diagnostics | FileCheck %s

// Host buffers come from the CUDA runtime's pool and a constant's address
// becomes its device copy's, with the global's size in bytes; kernels inside
// a gpu.module keep their globals.

// CHECK-LABEL: llvm.func @host
// CHECK-DAG: %[[SIZE:.*]] = llvm.mlir.constant(256 : i64) : i64
// CHECK-DAG: %[[HOST:.*]] = llvm.mlir.addressof @weights
// CHECK-DAG: %[[BYTES:.*]] = llvm.mlir.constant(64 : i64) : i64
// CHECK-DAG: %[[DEVICE:.*]] = llvm.call @quill_cuda_constant(%[[HOST]], %[[BYTES]])
// CHECK-DAG: %[[BUFFER:.*]] = llvm.call @quill_cuda_alloc(%[[SIZE]])
// CHECK: llvm.getelementptr %[[DEVICE]][0, 4]
// CHECK: gpu.launch_func @kernels::@scale {{.*}} args(%[[BUFFER]] : !llvm.ptr, %[[DEVICE]] : !llvm.ptr
// CHECK: llvm.call @quill_cuda_free(%[[BUFFER]])
// CHECK-NOT: @malloc
// CHECK-NOT: @free
// CHECK: gpu.module @kernels
// CHECK: llvm.mlir.addressof @table : !llvm.ptr<1>
module attributes {gpu.container_module} {
  llvm.mlir.global private constant @weights(dense<1.0> : tensor<16xf32>) {addr_space = 0 : i32} : !llvm.array<16 x f32>
  llvm.func @malloc(i64) -> !llvm.ptr
  llvm.func @free(!llvm.ptr)
  llvm.func @host() {
    %c1 = llvm.mlir.constant(1 : index) : i64
    %size = llvm.mlir.constant(256 : i64) : i64
    %buffer = llvm.call @malloc(%size) : (i64) -> !llvm.ptr
    %weights = llvm.mlir.addressof @weights : !llvm.ptr
    %row = llvm.getelementptr %weights[0, 4] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<16 x f32>
    gpu.launch_func @kernels::@scale blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%buffer : !llvm.ptr, %weights : !llvm.ptr, %row : !llvm.ptr)
    llvm.call @free(%buffer) : (!llvm.ptr) -> ()
    llvm.return
  }
  gpu.module @kernels {
    llvm.mlir.global internal constant @table(dense<2.0> : tensor<4xf32>) {addr_space = 1 : i32} : !llvm.array<4 x f32>
    llvm.func @scale(%out: !llvm.ptr, %in: !llvm.ptr, %row: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
      %table = llvm.mlir.addressof @table : !llvm.ptr<1>
      %v = llvm.load %in : !llvm.ptr -> f32
      llvm.store %v, %out : f32, !llvm.ptr
      llvm.return
    }
  }
}

// -----

// Host code that reads tensor memory itself would read GPU memory.
llvm.func @host_load(%p: !llvm.ptr) -> f32 {
  // expected-error @below {{host code would access memory itself; in a GPU model every tensor operation must run in a kernel}}
  %v = llvm.load %p : !llvm.ptr -> f32
  llvm.return %v : f32
}

// -----

// A runtime helper of the CPU (memref.copy's) cannot touch GPU memory.
llvm.func @memrefCopy(i64, !llvm.ptr, !llvm.ptr)
llvm.func @host_copy(%p: !llvm.ptr) {
  %c = llvm.mlir.constant(1 : i64) : i64
  // expected-error @below {{host code calls 'memrefCopy'; in a GPU model every tensor operation must run in a kernel}}
  llvm.call @memrefCopy(%c, %p, %p) : (i64, !llvm.ptr, !llvm.ptr) -> ()
  llvm.return
}

// -----

// Only constants get a device copy: a mutable global would go stale.
llvm.mlir.global private @state(0.0 : f32) : f32
llvm.func @host_state() -> !llvm.ptr {
  // expected-error @below {{host code passes the mutable global @state to the GPU; only constants get a device copy}}
  %p = llvm.mlir.addressof @state : !llvm.ptr
  llvm.return %p : !llvm.ptr
}
