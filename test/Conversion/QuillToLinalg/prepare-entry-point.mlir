// RUN: quill-opt %s -split-input-file -verify-diagnostics --quill-prepare-entry-point | FileCheck %s

// The model function gets the entry point's name, read-only inputs, and one
// result per returned value (the entry point copies the repeated one).
// CHECK-LABEL: func.func @quill_model_main(
// CHECK-SAME: %[[X:.*]]: tensor<4xf32> {bufferization.writable = false, quill.name = "x"}
// CHECK-SAME: %[[Y:.*]]: tensor<4xf32> {bufferization.writable = false}
// CHECK-SAME: -> (tensor<4xf32> {quill.name = "sum"}, tensor<4xf32>)
// CHECK: %[[SUM:.*]] = arith.addf %[[X]], %[[Y]]
// CHECK: return %[[SUM]], %[[X]] : tensor<4xf32>, tensor<4xf32>
func.func @main(%x: tensor<4xf32> {quill.name = "x"}, %y: tensor<4xf32>)
    -> (tensor<4xf32> {quill.name = "sum"}, tensor<4xf32>, tensor<4xf32>) {
  %sum = arith.addf %x, %y : tensor<4xf32>
  return %sum, %x, %sum : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Private helpers are left alone.
// CHECK-LABEL: func.func private @helper
// CHECK-LABEL: func.func @quill_model_main
func.func private @helper(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
func.func @model(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = func.call @helper(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// expected-error@+1 {{expected one public function, found 'first' and 'second'}}
module {
  func.func @first() {
    return
  }
  func.func @second() {
    return
  }
}

// -----

// expected-error@+1 {{no public function to compile}}
module {
  func.func private @only_private() {
    return
  }
}
