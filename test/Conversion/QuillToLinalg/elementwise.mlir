// RUN: quill-opt --quill-lower-to-linalg %s | FileCheck %s

// Numpy broadcasting becomes indexing maps: a size-1 dimension reads index 0,
// missing leading dimensions are dropped.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<2x1x4xf32>, %b: tensor<3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = quill.add %a, %b : (tensor<2x1x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// Unsigned tensors become signless storage, also in the signature; the
// unsigned meaning picks the operation.
// CHECK-LABEL: func.func @div_unsigned
// CHECK-SAME: (%{{.*}}: tensor<4xi8>, %{{.*}}: tensor<4xi8>) -> tensor<4xi8>
// CHECK: arith.divui
func.func @div_unsigned(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  %0 = quill.div %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// CHECK-LABEL: func.func @clip_min_only
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK-NOT: arith.minimumf
func.func @clip_min_only(%x: tensor<4xf32>, %lo: tensor<f32>) -> tensor<4xf32> {
  %0 = quill.clip %x min %lo : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// Float to integer truncates toward zero; unsigned sources widen unsigned.
// CHECK-LABEL: func.func @casts
// CHECK: arith.fptosi %{{.*}} : f32 to i32
// CHECK: arith.uitofp %{{.*}} : i8 to f32
func.func @casts(%x: tensor<4xf32>, %y: tensor<4xui8>) -> (tensor<4xi32>, tensor<4xf32>) {
  %0 = quill.cast %x : tensor<4xf32> to tensor<4xi32>
  %1 = quill.cast %y : tensor<4xui8> to tensor<4xf32>
  return %0, %1 : tensor<4xi32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @gelu_erf
// CHECK: math.erf
func.func @gelu_erf(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = quill.gelu %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// Comparisons pick the predicate by element type: ordered for floats,
// unsigned for unsigned integers.
// CHECK-LABEL: func.func @compare
// CHECK: arith.cmpf oge
// CHECK: arith.cmpi ult
// CHECK: arith.cmpi sgt
func.func @compare(%a: tensor<4xf32>, %b: tensor<4xui8>, %c: tensor<4xi32>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %0 = quill.compare <greater_or_equal> %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %1 = quill.compare <less> %b, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  %2 = quill.compare <greater> %c, %c : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  return %0, %1, %2 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// Sign keeps a float zero or NaN as it is.
// CHECK-LABEL: func.func @sign
// CHECK: linalg.generic
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf olt
// CHECK: arith.select
// CHECK: arith.select
func.func @sign(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = quill.sign %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
