// RUN: quill-opt %s --quill-reductions-to-gpu-loops --split-input-file | FileCheck %s

// A row sum after a fill of its output: one parallel iteration per row,
// starting from the fill's value, the row's elements added in a register,
// one store. The fill goes away.
// CHECK-LABEL: func.func @row_sum
// CHECK-SAME: (%[[IN:.*]]: memref<4x8xf32>, %[[OUT:.*]]: memref<4xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NOT: linalg.fill
// CHECK: scf.parallel (%[[ROW:.*]]) = (%c0) to (%c4) step (%c1)
// CHECK-NEXT: %[[SUM:.*]] = scf.for %[[COL:.*]] = %c0{{.*}} to %c8 step %c1{{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32)
// CHECK-NEXT: %[[X:.*]] = memref.load %[[IN]][%[[ROW]], %[[COL]]]
// CHECK-NEXT: %[[NEXT:.*]] = arith.addf %[[X]], %[[ACC]] : f32
// CHECK-NEXT: scf.yield %[[NEXT]] : f32
// CHECK: memref.store %[[SUM]], %[[OUT]][%[[ROW]]]
// CHECK-NOT: linalg.generic
func.func @row_sum(%in: memref<4x8xf32>, %out: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<4xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%in : memref<4x8xf32>) outs(%out : memref<4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Without a fill just before (here a store in between), the output's
// element is loaded once. Outputs indexed by a permutation of the parallel
// dimensions: the reduction dimension in the middle, loops in order.
// CHECK-LABEL: func.func @column_max_after_store
// CHECK: linalg.fill
// CHECK: memref.store
// CHECK: scf.parallel (%[[I:.*]], %[[K:.*]]) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1)
// CHECK-NEXT: %[[START:.*]] = memref.load %arg1[%[[K]], %[[I]]]
// CHECK-NEXT: scf.for %[[J:.*]] = {{.*}} iter_args(%{{.*}} = %[[START]])
// CHECK-NEXT: memref.load %arg0[%[[I]], %[[J]], %[[K]]]
// CHECK-NEXT: arith.maximumf
// CHECK: memref.store %{{.*}}, %arg1[%[[K]], %[[I]]]
func.func @column_max_after_store(%in: memref<2x5x3xf32>, %out: memref<3x2xf32>) {
  %low = arith.constant 0xFF800000 : f32
  %c0 = arith.constant 0 : index
  linalg.fill ins(%low : f32) outs(%out : memref<3x2xf32>)
  memref.store %low, %out[%c0, %c0] : memref<3x2xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d2, d0)>],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%in : memref<2x5x3xf32>) outs(%out : memref<3x2xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %m = arith.maximumf %x, %acc : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// Two outputs (an argmax: value and index) carried together; linalg.index
// is the loop's index.
// CHECK-LABEL: func.func @argmax
// CHECK: scf.parallel (%[[ROW:.*]]) =
// CHECK: %[[V0:.*]] = memref.load %arg1[%[[ROW]]]
// CHECK: %[[I0:.*]] = memref.load %arg2[%[[ROW]]]
// CHECK: %{{.*}}:2 = scf.for %[[COL:.*]] = {{.*}} iter_args(%{{.*}} = %[[V0]], %{{.*}} = %[[I0]]) -> (f32, index)
// CHECK: arith.cmpf ogt
// CHECK: arith.select %{{.*}}, %[[COL]], %{{.*}} : index
// CHECK: scf.yield %{{.*}}, %{{.*}} : f32, index
// CHECK: memref.store %{{.*}}, %arg1[%[[ROW]]]
// CHECK: memref.store %{{.*}}, %arg2[%[[ROW]]]
func.func @argmax(%in: memref<4x8xf32>, %best: memref<4xf32>, %at: memref<4xindex>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%in : memref<4x8xf32>) outs(%best, %at : memref<4xf32>, memref<4xindex>) {
  ^bb0(%x: f32, %v: f32, %i: index):
    %j = linalg.index 1 : index
    %greater = arith.cmpf ogt, %x, %v : f32
    %nv = arith.select %greater, %x, %v : f32
    %ni = arith.select %greater, %j, %i : index
    linalg.yield %nv, %ni : f32, index
  }
  return
}

// -----

// A reduction to one element: the loops alone (no parallel dimension), the
// element loaded and stored once.
// CHECK-LABEL: func.func @total
// CHECK-NOT: scf.parallel
// CHECK: %[[START:.*]] = memref.load %arg1[]
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[START]])
// CHECK: scf.for
// CHECK: arith.addf
// CHECK: memref.store %{{.*}}, %arg1[]
func.func @total(%in: memref<4x8xf32>, %out: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>],
                  iterator_types = ["reduction", "reduction"]}
      ins(%in : memref<4x8xf32>) outs(%out : memref<f32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Left alone: an output that some parallel iterations share (its map omits
// a parallel dimension: they would race), and elementwise generics.
// CHECK-LABEL: func.func @left_alone
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-NOT: scf.parallel
func.func @left_alone(%in3: memref<4x2x8xf32>, %in: memref<4x8xf32>, %out: memref<4xf32>, %copy: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%in3 : memref<4x2x8xf32>) outs(%out : memref<4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%in : memref<4x8xf32>) outs(%copy : memref<4x8xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  }
  return
}
