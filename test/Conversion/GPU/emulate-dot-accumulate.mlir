// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-emulate-dot-accumulate))' | FileCheck %s

// dp4a as the arithmetic it does: each operand's four bytes extended as its
// signedness says, multiplied lane by lane, summed onto the accumulator.
// CHECK-LABEL: func.func @signed_bytes
// CHECK: %[[A:.*]] = arith.extsi %arg0 : vector<4xi8> to vector<4xi32>
// CHECK: %[[B:.*]] = arith.extsi %arg1 : vector<4xi8> to vector<4xi32>
// CHECK: %[[P:.*]] = arith.muli %[[A]], %[[B]] : vector<4xi32>
// CHECK: %[[S:.*]] = vector.reduction <add>, %[[P]], %arg2 : vector<4xi32> into i32
// CHECK: return %[[S]]
// CHECK-NOT: nvvm.dot.accumulate
func.func @signed_bytes(%a: vector<4xi8>, %b: vector<4xi8>, %c: i32) -> i32 {
  %r = nvvm.dot.accumulate.4way %a <signed>, %b <signed>, %c : vector<4xi8>, vector<4xi8>
  return %r : i32
}

// CHECK-LABEL: func.func @unsigned_times_signed
// CHECK: arith.extui %arg0 : vector<4xi8> to vector<4xi32>
// CHECK: arith.extsi %arg1 : vector<4xi8> to vector<4xi32>
func.func @unsigned_times_signed(%a: vector<4xi8>, %b: vector<4xi8>, %c: i32) -> i32 {
  %r = nvvm.dot.accumulate.4way %a <unsigned>, %b <signed>, %c : vector<4xi8>, vector<4xi8>
  return %r : i32
}
