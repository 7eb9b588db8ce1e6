func.func @main(%a: tensor<4x8xf32> {quill.name = "a"}) -> (tensor<4x8xf32> {quill.name = "y"}, tensor<4x8xf32> {quill.name = "z"}) {
  %r = quill.relu %a : tensor<4x8xf32>
  return %r, %r : tensor<4x8xf32>, tensor<4x8xf32>
}
