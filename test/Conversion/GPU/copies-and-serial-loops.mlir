// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-copies-to-linalg))' | FileCheck %s --check-prefix=COPY
// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-wrap-serial-loops))' | FileCheck %s --check-prefix=WRAP

// A copy becomes linalg.copy, which becomes a parallel loop and a kernel.
// COPY-LABEL: func.func @copy
// COPY: linalg.copy ins(%arg0 : memref<4x8xf32>) outs(%arg1 : memref<4x8xf32>)
// COPY-NOT: memref.copy
func.func @copy(%a: memref<4x8xf32>, %b: memref<4x8xf32>) {
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
  return
}

// A top-level serial loop nest (a full reduction) runs in a one-iteration
// scf.parallel, so it becomes a one-thread kernel; loops already inside a
// parallel loop stay as they are.
// WRAP-LABEL: func.func @serial
// WRAP: scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c1{{.*}}) step (%c1{{.*}}) {
// WRAP-NEXT: scf.for
// WRAP: scf.parallel
// WRAP-NEXT: scf.for
// WRAP-NOT: scf.parallel
func.func @serial(%a: memref<8xf32>, %s: memref<f32>, %b: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %a[%i] : memref<8xf32>
    %acc = memref.load %s[] : memref<f32>
    %sum = arith.addf %x, %acc : f32
    memref.store %sum, %s[] : memref<f32>
  }
  scf.parallel (%r) = (%c0) to (%c4) step (%c1) {
    scf.for %j = %c0 to %c8 step %c1 {
      %x = memref.load %a[%j] : memref<8xf32>
      memref.store %x, %b[%r, %j] : memref<4x8xf32>
    }
  }
  return
}

// Scalar work on rank-0 buffers (a fill, an elementwise op on scalars) is
// wrapped with the arithmetic between it; arithmetic also needed after the
// run stays ahead of the kernel.
// WRAP-LABEL: func.func @scalar
// WRAP: %[[SCALE:.*]] = arith.mulf %arg2, %arg2
// WRAP: scf.parallel
// WRAP-NEXT: memref.store %arg2, %arg0[]
// WRAP-NEXT: memref.load %arg0[]
// WRAP-NEXT: arith.addf
// WRAP-NEXT: memref.store
// WRAP-NEXT: scf.reduce
// WRAP: memref.store %[[SCALE]], %arg1[]
func.func @scalar(%s: memref<f32>, %t: memref<f32>, %x: f32) {
  memref.store %x, %s[] : memref<f32>
  %scale = arith.mulf %x, %x : f32
  %v = memref.load %s[] : memref<f32>
  %w = arith.addf %v, %scale : f32
  memref.store %w, %s[] : memref<f32>
  func.call @use(%scale) : (f32) -> ()
  memref.store %scale, %t[] : memref<f32>
  return
}
func.func private @use(f32)

// A load whose value is used after its run cannot move: the run ends before
// it (and the host code would read device memory, which
// quill-gpu-device-memory reports).
// WRAP-LABEL: func.func @escaping_load
// WRAP: scf.parallel
// WRAP-NEXT: memref.store
// WRAP-NEXT: scf.reduce
// WRAP: %[[V:.*]] = memref.load
// WRAP-NEXT: call @use(%[[V]])
func.func @escaping_load(%s: memref<f32>, %x: f32) {
  memref.store %x, %s[] : memref<f32>
  %v = memref.load %s[] : memref<f32>
  func.call @use(%v) : (f32) -> ()
  return
}
