// RUN: quill-opt %s --pass-pipeline='builtin.module(func.func(quill-matmul-to-gpu-loops))' | FileCheck %s

// The MXFP4 weight of test/Conversion/CPU/block-weight-gemm.mlir (64 x 16,
// two blocks of 32 along K) on the GPU path: each thread's reduction loop
// reads the weight's codes and E8M0 scales at (k / 32, k % 32, n) and
// (k / 32, n) and decodes them in registers (the dequantize generic's body)
// right before its FMA; the dequantize and its f32 buffer go away.

// CHECK-LABEL: func.func @quill_model_main
// CHECK-DAG: %[[SCALES:.*]] = memref.get_global @__constant_2x16xi8
// CHECK-DAG: %[[CODES:.*]] = memref.get_global @__constant_2x32x16xi8
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.generic
// CHECK: scf.parallel (%[[M:.*]], %[[N:.*]]) =
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32)
// CHECK-DAG: %[[T:.*]] = arith.remui %[[K]], %c32
// CHECK-DAG: %[[BLOCK:.*]] = arith.divui %[[K]], %c32
// CHECK: %[[CODE:.*]] = memref.load %[[CODES]][%[[BLOCK]], %[[T]], %[[N]]]
// CHECK: %[[SCALE:.*]] = memref.load %[[SCALES]][%[[BLOCK]], %[[N]]]
// The element (code value x scale, E8M0 decoded from its byte) is the last
// product before the FMA.
// CHECK: arith.extui %[[SCALE]] : i8 to i32
// CHECK: %[[SCALE_VALUE:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK-NEXT: %[[W:.*]] = arith.mulf %{{.*}}, %[[SCALE_VALUE]] : f32
// CHECK: %[[A:.*]] = memref.load %arg0[%[[M]], %[[K]]]
// CHECK: math.fma %[[A]], %[[W]], %[[ACC]] : f32
// CHECK-NOT: memref.alloc

#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d2)>
module {
  memref.global "private" constant @__constant_2x32x16xi8 : memref<2x32x16xi8> = dense<"0x000306090C0F0205080B0E0104070A0D05080B0E0104070A0D000306090C0F020A0D000306090C0F0205080B0E0104070F0205080B0E0104070A0D000306090C04070A0D000306090C0F0205080B0E01090C0F0205080B0E0104070A0D0003060E0104070A0D000306090C0F0205080B0306090C0F0205080B0E0104070A0D00080B0E0104070A0D000306090C0F02050D000306090C0F0205080B0E0104070A0205080B0E0104070A0D000306090C0F070A0D000306090C0F0205080B0E01040C0F0205080B0E0104070A0D000306090104070A0D000306090C0F0205080B0E06090C0F0205080B0E0104070A0D00030B0E0104070A0D000306090C0F020508000306090C0F0205080B0E0104070A0D05080B0E0104070A0D000306090C0F020A0D000306090C0F0205080B0E0104070F0205080B0E0104070A0D000306090C04070A0D000306090C0F0205080B0E01090C0F0205080B0E0104070A0D0003060E0104070A0D000306090C0F0205080B0306090C0F0205080B0E0104070A0D00080B0E0104070A0D000306090C0F02050D000306090C0F0205080B0E0104070A0205080B0E0104070A0D000306090C0F070A0D000306090C0F0205080B0E01040C0F0205080B0E0104070A0D000306090104070A0D000306090C0F0205080B0E06090C0F0205080B0E0104070A0D00030B0E0104070A0D000306090C0F020508000306090C0F0205080B0E0104070A0D05080B0E0104070A0D000306090C0F020A0D000306090C0F0205080B0E0104070F0205080B0E0104070A0D000306090C04070A0D000306090C0F0205080B0E01090C0F0205080B0E0104070A0D0003060E0104070A0D000306090C0F0205080B0306090C0F0205080B0E0104070A0D00080B0E0104070A0D000306090C0F02050D000306090C0F0205080B0E0104070A0205080B0E0104070A0D000306090C0F070A0D000306090C0F0205080B0E01040C0F0205080B0E0104070A0D000306090104070A0D000306090C0F0205080B0E06090C0F0205080B0E0104070A0D00030B0E0104070A0D000306090C0F020508000306090C0F0205080B0E0104070A0D05080B0E0104070A0D000306090C0F020A0D000306090C0F0205080B0E0104070F0205080B0E0104070A0D000306090C04070A0D000306090C0F0205080B0E01090C0F0205080B0E0104070A0D0003060E0104070A0D000306090C0F0205080B0306090C0F0205080B0E0104070A0D00080B0E0104070A0D000306090C0F02050D000306090C0F0205080B0E0104070A0205080B0E0104070A0D000306090C0F070A0D000306090C0F0205080B0E01040C0F0205080B0E0104070A0D000306090104070A0D000306090C0F0205080B0E06090C0F0205080B0E0104070A0D00030B0E0104070A0D000306090C0F020508"> {alignment = 64 : i64}
  memref.global "private" constant @__constant_2x16xi8 : memref<2x16xi8> = dense<[[127, -128, 126, -127, 127, -128, 126, -127, 127, -128, 126, -127, 127, -128, 126, -127], [-128, 126, -127, 127, -128, 126, -127, 127, -128, 126, -127, 127, -128, 126, -127, 127]]> {alignment = 64 : i64}
  func.func @quill_model_main(%arg0: memref<1x64xf32>, %arg1: memref<1x16xf32>) {
    %cst = arith.constant 0.000000e+00 : f32
    %c2143289344_i32 = arith.constant 2143289344 : i32
    %c255_i32 = arith.constant 255 : i32
    %c4194304_i32 = arith.constant 4194304 : i32
    %c0_i32 = arith.constant 0 : i32
    %cst_0 = arith.constant 5.000000e-01 : f32
    %c22_i32 = arith.constant 22 : i32
    %c23_i32 = arith.constant 23 : i32
    %c126_i32 = arith.constant 126 : i32
    %c3_i32 = arith.constant 3 : i32
    %c1_i32 = arith.constant 1 : i32
    %c28_i32 = arith.constant 28 : i32
    %c8_i32 = arith.constant 8 : i32
    %c15_i32 = arith.constant 15 : i32
    %0 = memref.get_global @__constant_2x16xi8 : memref<2x16xi8>
    %1 = memref.get_global @__constant_2x32x16xi8 : memref<2x32x16xi8>
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<2x32x16xf32>
    linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%1, %0 : memref<2x32x16xi8>, memref<2x16xi8>) outs(%alloc : memref<2x32x16xf32>) attrs =  {quill.block_dequantize = {axis = 0 : i32, format = #quill.block_format<mxfp4_e2m1>}} {
    ^bb0(%in: i8, %in_1: i8, %out: f32):
      %2 = arith.extui %in : i8 to i32
      %3 = arith.andi %2, %c15_i32 : i32
      %4 = arith.andi %3, %c8_i32 : i32
      %5 = arith.shli %4, %c28_i32 : i32
      %6 = arith.shrui %3, %c1_i32 : i32
      %7 = arith.andi %6, %c3_i32 : i32
      %8 = arith.andi %3, %c1_i32 : i32
      %9 = arith.addi %7, %c126_i32 : i32
      %10 = arith.shli %9, %c23_i32 : i32
      %11 = arith.shli %8, %c22_i32 : i32
      %12 = arith.ori %10, %11 : i32
      %13 = arith.sitofp %8 : i32 to f32
      %14 = arith.mulf %13, %cst_0 : f32
      %15 = arith.bitcast %14 : f32 to i32
      %16 = arith.cmpi eq, %7, %c0_i32 : i32
      %17 = arith.select %16, %15, %12 : i32
      %18 = arith.ori %17, %5 : i32
      %19 = arith.bitcast %18 : i32 to f32
      %20 = arith.extui %in_1 : i8 to i32
      %21 = arith.shli %20, %c23_i32 : i32
      %22 = arith.cmpi eq, %20, %c0_i32 : i32
      %23 = arith.select %22, %c4194304_i32, %21 : i32
      %24 = arith.cmpi eq, %20, %c255_i32 : i32
      %25 = arith.select %24, %c2143289344_i32, %23 : i32
      %26 = arith.bitcast %25 : i32 to f32
      %27 = arith.mulf %19, %26 : f32
      linalg.yield %27 : f32
    }
    %collapse_shape = memref.collapse_shape %alloc [[0, 1], [2]] : memref<2x32x16xf32> into memref<64x16xf32>
    linalg.fill ins(%cst : f32) outs(%arg1 : memref<1x16xf32>)
    linalg.matmul ins(%arg0, %collapse_shape : memref<1x64xf32>, memref<64x16xf32>) outs(%arg1 : memref<1x16xf32>)
    memref.dealloc %alloc : memref<2x32x16xf32>
    return
  }
}


