// RUN: quill-opt --quill-lower-to-linalg %s | FileCheck %s
// RUN: quill-opt --quill-lower-to-linalg %s | FileCheck %s --check-prefix=BLOCKS

// The maps of the integer convolution: the padded input read channels last,
// im2col's window over it, the weight matrix read transposed, the
// pixel-major product read as [N, F, OH, OW].
// CHECK-DAG: #[[CHANNELS_LAST:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1, d2)>
// CHECK-DAG: #[[WINDOW:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>
// CHECK-DAG: #[[WT:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[NHWC:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>

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

// A widened product (quill-qdq-to-integer's accumulator bound) sums in
// int64: the same int8 operands, an int64 matmul and int64 zero-point terms.
// CHECK-LABEL: func.func @quantized_matmul_int64
// CHECK: %[[ACC:.*]] = linalg.matmul ins(%{{.*}}, %arg1 : tensor<4x3xi8>, tensor<3x2xi8>) outs(%{{.*}} : tensor<4x2xi64>)
// CHECK: %[[COLSUM:.*]] = linalg.generic {{.*}} ins(%arg1 : tensor<3x2xi8>) outs(%{{.*}} : tensor<2xi64>)
// CHECK: arith.extsi %{{.*}} : i8 to i64
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %[[COLSUM]] : tensor<4x2xi64>, tensor<2xi64>)
// CHECK: arith.muli %{{.*}}, %c2_i64 : i64
func.func @quantized_matmul_int64(%a: tensor<4x3x!quant.uniform<u8:f32, 0.5:130>>, %w: tensor<3x2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) -> tensor<4x2xi64> {
  %acc = quill.quantized_matmul %a, %w : (tensor<4x3x!quant.uniform<u8:f32, 0.5:130>>, tensor<3x2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) -> tensor<4x2xi64>
  return %acc : tensor<4x2xi64>
}

// input_dilations (a ConvTranspose): the input, flipped to signed storage,
// goes into a tensor of its zero point (130 - 128 = 2) with stride 2.
// CHECK-LABEL: func.func @quantized_conv_input_dilations
// CHECK: %[[ZP:.*]] = arith.constant 2 : i8
// CHECK: %[[FILL:.*]] = linalg.fill ins(%[[ZP]] : i8) outs(%{{.*}} : tensor<1x1x5x5xi8>)
// CHECK: tensor.insert_slice %{{.*}} into %[[FILL]][0, 0, 0, 0] [1, 1, 3, 3] [1, 1, 2, 2] : tensor<1x1x3x3xi8> into tensor<1x1x5x5xi8>
func.func @quantized_conv_input_dilations(%x: tensor<1x1x3x3x!quant.uniform<u8:f32, 0.5:130>>, %w: tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x1x4x4xi32> {
  %acc = quill.quantized_conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, input_dilations = array<i64: 2, 2>} : (tensor<1x1x3x3x!quant.uniform<u8:f32, 0.5:130>>, tensor<1x1x2x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x1x4x4xi32>
  return %acc : tensor<1x1x4x4xi32>
}

// A grouped convolution widened to int64 computes its loop nest in int64.
// CHECK-LABEL: func.func @quantized_grouped_conv_int64
// CHECK: arith.extsi %{{.*}} : i8 to i64
// CHECK: linalg.generic {{.*}}"reduction"{{.*}} outs(%{{.*}} : tensor<1x2x1x5x5xi64>)
// CHECK: arith.muli %{{.*}} : i64
func.func @quantized_grouped_conv_int64(%x: tensor<1x2x5x5x!quant.uniform<i8:f32, 0.5:-3>>, %w: tensor<2x1x3x3x!quant.uniform<u8:f32, 0.5:128>>) -> tensor<1x2x5x5xi64> {
  %acc = quill.quantized_conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x2x5x5x!quant.uniform<i8:f32, 0.5:-3>>, tensor<2x1x3x3x!quant.uniform<u8:f32, 0.5:128>>) -> tensor<1x2x5x5xi64>
  return %acc : tensor<1x2x5x5xi64>
}

// A 2-d convolution with one group: the uint8 input flipped to int8 (zero
// point 130 - 128 = 2) and padded with 2, its real zero, then moved to
// channels last; im2col rows [pixels, KH*KW*C] times the constant weight
// matrix [F, KH*KW*C] (reordered at compile time) transposed (the packed
// GEMM's constant B), 2 * rowsum(w) (a compile-time constant) subtracted,
// and the result moved to [N, F, OH, OW].
// CHECK-LABEL: func.func @quantized_conv_constant_weights
// CHECK: arith.xori
// CHECK: %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %c2_i8 : i8
// CHECK: %[[NHWC_INPUT:.*]] = linalg.generic {indexing_maps = [#[[CHANNELS_LAST]], #{{.*}}]{{.*}} ins(%[[PAD]] : tensor<1x2x7x7xi8>) outs(%{{.*}} : tensor<1x7x7x2xi8>)
// CHECK: %[[ROWS:.*]] = linalg.generic {indexing_maps = [#[[WINDOW]], #{{.*}}]{{.*}} ins(%[[NHWC_INPUT]] : tensor<1x7x7x2xi8>) outs(%{{.*}} : tensor<1x3x3x3x3x2xi8>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[ROWS]] {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<1x3x3x3x3x2xi8> into tensor<9x18xi8>
// CHECK: %[[W:.*]] = arith.constant dense<1> : tensor<3x18xi8>
// CHECK: %[[ACC:.*]] = linalg.matmul indexing_maps = [#{{.*}}, #[[WT]], #{{.*}}] ins(%[[FLAT]], %[[W]] : tensor<9x18xi8>, tensor<3x18xi8>) outs(%{{.*}} : tensor<9x3xi32>)
// CHECK: %[[SUMS:.*]] = arith.constant dense<18> : tensor<3xi32>
// CHECK: %[[FIXED:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[SUMS]] : tensor<9x3xi32>, tensor<3xi32>)
// CHECK: arith.muli %{{.*}}, %c2_i32
// CHECK: %[[PM:.*]] = tensor.expand_shape %[[FIXED]] {{.*}} into tensor<1x3x3x3xi32>
// CHECK: linalg.generic {indexing_maps = [#[[NHWC]], #{{.*}}]{{.*}} ins(%[[PM]] : tensor<1x3x3x3xi32>) outs(%{{.*}} : tensor<1x3x3x3xi32>)
func.func @quantized_conv_constant_weights(%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:130>>) -> tensor<1x3x3x3xi32> {
  %bytes = arith.constant dense<1> : tensor<3x2x3x3xi8>
  %w = quill.storage_cast %bytes : tensor<3x2x3x3xi8> to tensor<3x2x3x3x!quant.uniform<i8:f32:0, {0.5, 0.25, 0.125}>>
  %acc = quill.quantized_conv %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:130>>, tensor<3x2x3x3x!quant.uniform<i8:f32:0, {0.5, 0.25, 0.125}>>) -> tensor<1x3x3x3xi32>
  return %acc : tensor<1x3x3x3xi32>
}

// Grouped (here depthwise) convolutions: both operands minus their zero
// points in int32 (the uint8 weight's 128 becomes 0 after the flip), padded
// with 0, then one linalg.generic.
// CHECK-LABEL: func.func @quantized_depthwise_conv
// CHECK: arith.xori
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: arith.subi %{{.*}}, %c-3_i32 : i32
// CHECK: %[[WZ:.*]] = arith.constant dense<0> : tensor<2xi32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[WZ]] : tensor<2x1x3x3xi8>, tensor<2xi32>)
// CHECK: tensor.yield %c0_i32 : i32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
// CHECK: arith.muli %{{.*}}, %{{.*}} : i32
func.func @quantized_depthwise_conv(%x: tensor<1x2x5x5x!quant.uniform<i8:f32, 0.5:-3>>, %w: tensor<2x1x3x3x!quant.uniform<u8:f32, 0.5:128>>) -> tensor<1x2x5x5xi32> {
  %acc = quill.quantized_conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x2x5x5x!quant.uniform<i8:f32, 0.5:-3>>, tensor<2x1x3x3x!quant.uniform<u8:f32, 0.5:128>>) -> tensor<1x2x5x5xi32>
  return %acc : tensor<1x2x5x5xi32>
}

// A table lookup: the table as a constant of the result's storage (printed
// as hex bytes: the uint8 entries 200 and 255 last, C8 and FF), indexed by
// q - qmin (signed int8: q + 128).
// CHECK-LABEL: func.func @table_lookup
// CHECK: %[[LUT:.*]] = arith.constant dense<"0x00010203{{.*}}FCFDC8FF"> : tensor<256xi8>
// CHECK: linalg.generic
// CHECK: %[[WIDE:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK: %[[OFFSET:.*]] = arith.subi %[[WIDE]], %c-128_i32 : i32
// CHECK: %[[INDEX:.*]] = arith.index_cast %[[OFFSET]] : i32 to index
// CHECK: tensor.extract %[[LUT]][%[[INDEX]]] : tensor<256xi8>
func.func @table_lookup(%x: tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x!quant.uniform<u8:f32, 0.25>> {
  %y = quill.table_lookup %x {table = array<i32: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 200, 255>} : tensor<4x!quant.uniform<i8:f32, 0.5>> to tensor<4x!quant.uniform<u8:f32, 0.25>>
  return %y : tensor<4x!quant.uniform<u8:f32, 0.25>>
}

// Per-channel (multiplier, shift) read along axis 1; the multipliers stay
// int32 and are sign-extended in the loop (a 32 x 32 -> 64-bit product);
// 64-bit rounding shift, zero point and clamp.
// CHECK-LABEL: func.func @requantize
// CHECK-DAG: %[[M:.*]] = arith.constant dense<[1073741824, 1518500250]> : tensor<2xi32>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<[31, 35]> : tensor<2xi64>
// CHECK: linalg.generic {{.*}} ins(%arg0, %[[M]], %[[S]] : tensor<4x2xi32>, tensor<2xi32>, tensor<2xi64>)
// CHECK: ^bb0(%[[X:.*]]: i32, %[[MUL32:.*]]: i32, %[[SHIFT:.*]]: i64, %{{.*}}: i8):
// CHECK-DAG: %[[MUL:.*]] = arith.extsi %[[MUL32]] : i32 to i64
// CHECK-DAG: %[[WIDE:.*]] = arith.extsi %[[X]] : i32 to i64
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

// An int64 accumulator requantizes in 128-bit arithmetic: its difference
// times a 31-bit multiplier can pass 2^63.
// CHECK-LABEL: func.func @requantize_int64
// CHECK: arith.extsi %{{.*}} : i64 to i128
// CHECK: arith.muli %{{.*}} : i128
// CHECK: arith.shrsi %{{.*}} : i128
// CHECK: arith.trunci %{{.*}} : i128 to i8
func.func @requantize_int64(%acc: tensor<4xi64>) -> tensor<4xi8> {
  %y = quill.requantize %acc {multiplier = array<i32: 1073741824>, shift = array<i8: 40>, output_zero_point = -3 : i32} : tensor<4xi64> to tensor<4xi8>
  return %y : tensor<4xi8>
}

// fp8 values are i8 bit patterns: quantize rounds the f32 bits at the
// mantissa's last place (subnormals by counting steps), saturates and
// selects NaN; dequantize rebuilds the f32 bits. Per-axis scales are read
// through a map on the axis; zero points, all 0, are not read.
// CHECK-LABEL: func.func @fp8_quantize
// CHECK: linalg.generic {indexing_maps = [#[[ID:map[0-9]*]], #[[AXIS:map[0-9]+]], #[[ID]]]
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

// Per-block int4 weights: scales and zero points read through a map that
// divides the blocked axis by the block size. A 4-bit weight matrix blocked
// along one axis and per index of the other carries what the CPU's
// block-weight kernel reads instead of the generic.
// BLOCKS: #[[BLOCKS:map[0-9]*]] = affine_map<(d0, d1) -> (d0 floordiv 4, d1)>
// BLOCKS-LABEL: func.func @int4_blocks
// BLOCKS: linalg.generic {indexing_maps = [#{{map[0-9]*}}, #[[BLOCKS]], #[[BLOCKS]], #{{map[0-9]*}}]{{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<8x2xi4>, tensor<2x2xf32>, tensor<2x2xf32>)
// BLOCKS-SAME: quill.block_dequantize = {axis = 0 : i32, block_size = 4 : i64, signed = false}
// BLOCKS: arith.subf
// BLOCKS: arith.mulf
func.func @int4_blocks(%q: tensor<8x2x!quant.uniform<u4:f32:{0:4, 1:1}, {{0.5:8, 0.25:7}, {1.0:8, 2.0:9}}>>) -> tensor<8x2xf32> {
  %y = quill.dequantize %q : tensor<8x2x!quant.uniform<u4:f32:{0:4, 1:1}, {{0.5:8, 0.25:7}, {1.0:8, 2.0:9}}>> to tensor<8x2xf32>
  return %y : tensor<8x2xf32>
}
