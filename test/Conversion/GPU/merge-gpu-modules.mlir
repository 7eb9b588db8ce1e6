// RUN: quill-opt %s -split-input-file --quill-merge-gpu-modules | FileCheck %s

// Kernels outlined into modules of their own move into the first module; a
// clashing name is made unique and the launch follows it.
// CHECK: gpu.module @main_kernel {
// CHECK: gpu.func @main_kernel(
// CHECK: gpu.func @main_kernel_0(
// CHECK-NOT: gpu.module
// CHECK: gpu.launch_func @main_kernel::@main_kernel
// CHECK: gpu.launch_func @main_kernel::@main_kernel_0
module attributes {gpu.container_module} {
  gpu.module @main_kernel {
    gpu.func @main_kernel(%m: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @main_kernel_0 {
    gpu.func @main_kernel(%m: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @main(%m: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @main_kernel::@main_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @main_kernel_0::@main_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    return
  }
}

// -----

// A helper that outlining copied into both kernel modules is kept once, and
// both kernels call it.
// CHECK-LABEL: gpu.module @k {
// CHECK: func.func @helper
// CHECK: gpu.func @k(
// CHECK: func.call @helper
// CHECK: gpu.func @k_0(
// CHECK: func.call @helper
// CHECK-NOT: func.func @helper
module attributes {gpu.container_module} {
  gpu.module @k {
    func.func @helper(%x: i32) -> i32 {
      return %x : i32
    }
    gpu.func @k(%x: i32) kernel {
      %y = func.call @helper(%x) : (i32) -> i32
      gpu.return
    }
  }
  gpu.module @k_1 {
    func.func @helper(%x: i32) -> i32 {
      return %x : i32
    }
    gpu.func @k(%x: i32) kernel {
      %y = func.call @helper(%x) : (i32) -> i32
      gpu.return
    }
  }
  func.func @main(%x: i32) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : i32)
    gpu.launch_func @k_1::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : i32)
    return
  }
}
