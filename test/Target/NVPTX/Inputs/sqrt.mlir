func.func @main(%x: tensor<8xf32> {quill.name = "x"}) -> (tensor<8xf32> {quill.name = "y"}) {
  %y = math.sqrt %x : tensor<8xf32>
  return %y : tensor<8xf32>
}
