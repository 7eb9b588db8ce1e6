!x = !quant.uniform<i8:f32, 0.05:3>
!g = !quant.uniform<u8:f32, 0.03:20>
!p = !quant.uniform<u8:f32, 0.00392156862745098:0>
func.func @gelu_softmax(%x: tensor<2x8xf32> {quill.name = "x"}) -> (tensor<2x8xf32> {quill.name = "p"}) {
  %xq = quill.quantize %x : tensor<2x8xf32> to tensor<2x8x!x>
  %xf = quill.dequantize %xq : tensor<2x8x!x> to tensor<2x8xf32>
  %g = quill.gelu %xf : tensor<2x8xf32>
  %gq = quill.quantize %g : tensor<2x8xf32> to tensor<2x8x!g>
  %gf = quill.dequantize %gq : tensor<2x8x!g> to tensor<2x8xf32>
  %s = quill.softmax %gf {axis = 1 : i64} : tensor<2x8xf32>
  %sq = quill.quantize %s : tensor<2x8xf32> to tensor<2x8x!p>
  %sf = quill.dequantize %sq : tensor<2x8x!p> to tensor<2x8xf32>
  return %sf : tensor<2x8xf32>
}
