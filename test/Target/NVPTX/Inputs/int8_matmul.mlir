!x = !quant.uniform<u8:f32, 0.02:120>
!w = !quant.uniform<i8:f32:1, {0.5, 0.25, 0.5, 0.25}>
!y = !quant.uniform<u8:f32, 0.05:100>
func.func @main(%x: tensor<8x64xf32> {quill.name = "x"}) -> (tensor<8x4xf32> {quill.name = "y"}) {
  %xq = quill.quantize %x : tensor<8x64xf32> to tensor<8x64x!x>
  %xf = quill.dequantize %xq : tensor<8x64x!x> to tensor<8x64xf32>
  %wi = arith.constant dense<3> : tensor<64x4xi8>
  %wq = quill.storage_cast %wi : tensor<64x4xi8> to tensor<64x4x!w>
  %wf = quill.dequantize %wq : tensor<64x4x!w> to tensor<64x4xf32>
  %p = quill.matmul %xf, %wf : (tensor<8x64xf32>, tensor<64x4xf32>) -> tensor<8x4xf32>
  %q = quill.quantize %p : tensor<8x4xf32> to tensor<8x4x!y>
  %d = quill.dequantize %q : tensor<8x4x!y> to tensor<8x4xf32>
  return %d : tensor<8x4xf32>
}
