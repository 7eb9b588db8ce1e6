func.func @main(%a: tensor<64x32xf32> {quill.name = "a"}, %b: tensor<32x16xf32> {quill.name = "b"}) -> (tensor<64x16xf32> {quill.name = "y"}) {
  %p = quill.matmul %a, %b : (tensor<64x32xf32>, tensor<32x16xf32>) -> tensor<64x16xf32>
  %r = quill.relu %p : tensor<64x16xf32>
  return %r : tensor<64x16xf32>
}
