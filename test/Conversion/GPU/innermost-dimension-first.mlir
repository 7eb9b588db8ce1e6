// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-innermost-dimension-first))' | FileCheck %s

// The contiguous (last) dimension of a top-level parallel loop becomes its
// first, which the GPU mapping gives to threadIdx.x; the body is unchanged.
// CHECK-LABEL: func.func @relu
// CHECK: scf.parallel (%[[C:.*]], %[[R:.*]]) = (%c0, %c0) to (%c16, %c64) step (%c1, %c1)
// CHECK: memref.load %arg0[%[[R]], %[[C]]]
// CHECK: memref.store %{{.*}}, %arg0[%[[R]], %[[C]]]
func.func @relu(%m: memref<64x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c16) step (%c1, %c1) {
    %v = memref.load %m[%i, %j] : memref<64x16xf32>
    %r = arith.maximumf %v, %zero : f32
    memref.store %r, %m[%i, %j] : memref<64x16xf32>
    scf.reduce
  }
  return
}

// One-dimensional loops, loops with reductions and nested loops stay.
// CHECK-LABEL: func.func @others
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c64)
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c64, %c16) step (%c1, %c1) init
func.func @others(%m: memref<64x16xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    memref.store %zero, %m[%i, %c0] : memref<64x16xf32>
    scf.reduce
  }
  %sum = scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c16) step (%c1, %c1) init (%zero) -> f32 {
    %v = memref.load %m[%i, %j] : memref<64x16xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}
