// RUN: quill-opt --quill-lower-to-linalg %s | FileCheck %s

// uint8 activations are flipped to int8 (q ^ 0x80, zero point 130 - 128 = 2):
// one int8 x int8 -> int32 matmul, then 2 * colsum(w) subtracted.
// CHECK-LABEL: func.func @quantized_matmul
// CHECK: %[[FLIP:.*]] = linalg.generic
// CHECK: arith.xori %{{.*}}, %c-128_i8 : i8
// CHECK: %[[ACC:.*]] = linalg.matmul ins(%[[FLIP]], %arg1 : tensor<4x3xi8>, tensor<3x2xi8>) outs(%{{.*}} : tensor<4x2xi32>)
// CHECK: %[[COLSUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%arg1 : tensor<3x2xi8>)
// CHECK: arith.extsi
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %[[COLSUM]] : tensor<4x2xi32>, tensor<2xi32>)
// CHECK: %[[TERM:.*]] = arith.muli %{{.*}}, %c2_i32 : i32
// CHECK: arith.subi %{{.*}}, %[[TERM]] : i32
func.func @quantized_matmul(%a: tensor<4x3x!quant.uniform<u8:f32, 0.5:130>>, %w: tensor<3x2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) -> tensor<4x2xi32> {
  %acc = quill.quantized_matmul %a, %w : (tensor<4x3x!quant.uniform<u8:f32, 0.5:130>>, tensor<3x2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) -> tensor<4x2xi32>
  return %acc : tensor<4x2xi32>
}

// Constant weights: the flip of uint8 weights to int8 and their column sums
// are computed at compile time, not by the model.
// CHECK-LABEL: func.func @quantized_matmul_constant_weights
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[-127, 2], [3, -128], [127, 0]]> : tensor<3x2xi8>
// CHECK: linalg.matmul ins(%{{.*}}, %[[W]] : tensor<4x3xi8>, tensor<3x2xi8>)
// CHECK-NOT: "reduction"
// CHECK: %[[SUMS:.*]] = arith.constant dense<[3, -126]> : tensor<2xi32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[SUMS]] : tensor<4x2xi32>, tensor<2xi32>)
func.func @quantized_matmul_constant_weights(%a: tensor<4x3x!quant.uniform<u8:f32, 0.5:130>>) -> tensor<4x2xi32> {
  %bytes = arith.constant dense<[[1, -126], [-125, 0], [-1, -128]]> : tensor<3x2xi8>
  %w = quill.storage_cast %bytes : tensor<3x2xi8> to tensor<3x2x!quant.uniform<u8:f32, 0.5:128>>
  %acc = quill.quantized_matmul %a, %w : (tensor<4x3x!quant.uniform<u8:f32, 0.5:130>>, tensor<3x2x!quant.uniform<u8:f32, 0.5:128>>) -> tensor<4x2xi32>
  return %acc : tensor<4x2xi32>
}

// Per-channel (multiplier, shift) read along axis 1; 64-bit rounding shift,
// zero point and clamp.
// CHECK-LABEL: func.func @requantize
// CHECK-DAG: %[[M:.*]] = arith.constant dense<[1073741824, 1518500250]> : tensor<2xi64>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<[31, 35]> : tensor<2xi64>
// CHECK: linalg.generic {{.*}} ins(%arg0, %[[M]], %[[S]] : tensor<4x2xi32>, tensor<2xi64>, tensor<2xi64>)
// CHECK: ^bb0(%[[X:.*]]: i32, %[[MUL:.*]]: i64, %[[SHIFT:.*]]: i64, %{{.*}}: i8):
// CHECK: %[[WIDE:.*]] = arith.extsi %[[X]] : i32 to i64
// CHECK: %[[HALF:.*]] = arith.shli %c1_i64
// CHECK: %[[P:.*]] = arith.muli %{{.*}}, %[[MUL]] : i64
// CHECK: %[[R:.*]] = arith.addi %[[P]], %[[HALF]] : i64
// CHECK: %[[Y:.*]] = arith.shrsi %[[R]], %[[SHIFT]] : i64
// CHECK: arith.maxsi %{{.*}}, %c5_i64
// CHECK: arith.minsi %{{.*}}, %c255_i64
// CHECK: arith.trunci %{{.*}} : i64 to i8
func.func @requantize(%acc: tensor<4x2xi32>) -> tensor<4x2xi8> {
  %y = quill.requantize %acc {axis = 1 : i32, multiplier = array<i32: 1073741824, 1518500250>, shift = array<i8: 31, 35>, output_zero_point = 5 : i32, output_unsigned, clamp_min = 5 : i64} : tensor<4x2xi32> to tensor<4x2xi8>
  return %y : tensor<4x2xi8>
}

// fp8 values are i8 bit patterns: quantize rounds the f32 bits at the
// mantissa's last place (subnormals by counting steps), saturates and
// selects NaN; dequantize rebuilds the f32 bits. Per-axis scales are read
// through a map on the axis.
// CHECK-LABEL: func.func @fp8_quantize
// CHECK: linalg.generic {indexing_maps = [#[[ID:map[0-9]*]], #[[AXIS:map[0-9]+]], #[[AXIS]], #[[ID]]]
// CHECK: arith.divf
// CHECK: arith.minnumf
// CHECK: arith.shrui
// CHECK: math.roundeven
// CHECK: arith.cmpf uno
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK: linalg.generic
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.bitcast %{{.*}} : i32 to f32
// CHECK: arith.mulf
func.func @fp8_quantize(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %q = quill.quantize %x : tensor<2x3xf32> to tensor<2x3x!quill.float_quant<f8E5M2:f32:0, {0.5, 2.0}>>
  %y = quill.dequantize %q : tensor<2x3x!quill.float_quant<f8E5M2:f32:0, {0.5, 2.0}>> to tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
