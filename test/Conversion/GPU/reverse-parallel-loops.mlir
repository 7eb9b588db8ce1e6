// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-reverse-parallel-loops))' | FileCheck %s

// Each induction variable runs from the loop's last value down to its first:
// iv -> last + lb - iv, last = lb + ((ub - lb - 1) / step) * step.
// CHECK-LABEL: func.func @reverse
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c2, %c0) to (%c9, %c8) step (%c3, %c1)
// CHECK-DAG: %[[SPAN_I:.*]] = arith.subi %c9, %c2
// CHECK-DAG: %[[SPAN_I1:.*]] = arith.subi %[[SPAN_I]], %{{.*}}
// CHECK-DAG: %[[STEPS_I:.*]] = arith.divui %[[SPAN_I1]], %c3
// CHECK-DAG: %[[OFF_I:.*]] = arith.muli %[[STEPS_I]], %c3
// CHECK-DAG: %[[LAST_I:.*]] = arith.addi %c2, %[[OFF_I]]
// CHECK-DAG: %[[SUM_I:.*]] = arith.addi %[[LAST_I]], %c2
// CHECK-DAG: %[[REV_I:.*]] = arith.subi %[[SUM_I]], %[[I]]
// CHECK-DAG: %[[REV_J:.*]] = arith.subi %{{.*}}, %[[J]]
// CHECK: memref.store %{{.*}}, %arg0[%[[REV_I]], %[[REV_J]]]
func.func @reverse(%m: memref<9x8xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c9 = arith.constant 9 : index
  scf.parallel (%i, %j) = (%c2, %c0) to (%c9, %c8) step (%c3, %c1) {
    memref.store %v, %m[%i, %j] : memref<9x8xf32>
    scf.reduce
  }
  return
}
