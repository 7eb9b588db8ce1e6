// Two products large enough for the shared-memory tiled kernels: a float
// MatMul and a quantized one (int8 x int8 with dp4a, requantized in the
// kernel).
!x = !quant.uniform<u8:f32, 0.02:120>
!w = !quant.uniform<i8:f32, 0.25>
!y = !quant.uniform<u8:f32, 0.05:100>
func.func @main(%a: tensor<128x64xf32> {quill.name = "a"}, %b: tensor<64x96xf32> {quill.name = "b"},
                %x: tensor<128x128xf32> {quill.name = "x"})
    -> (tensor<128x96xf32> {quill.name = "c"}, tensor<128x64xf32> {quill.name = "y"}) {
  %c = quill.matmul %a, %b : (tensor<128x64xf32>, tensor<64x96xf32>) -> tensor<128x96xf32>
  %xq = quill.quantize %x : tensor<128x128xf32> to tensor<128x128x!x>
  %xf = quill.dequantize %xq : tensor<128x128x!x> to tensor<128x128xf32>
  %wi = arith.constant dense<3> : tensor<128x64xi8>
  %wq = quill.storage_cast %wi : tensor<128x64xi8> to tensor<128x64x!w>
  %wf = quill.dequantize %wq : tensor<128x64x!w> to tensor<128x64xf32>
  %p = quill.matmul %xf, %wf : (tensor<128x128xf32>, tensor<128x64xf32>) -> tensor<128x64xf32>
  %q = quill.quantize %p : tensor<128x64xf32> to tensor<128x64x!y>
  %d = quill.dequantize %q : tensor<128x64x!y> to tensor<128x64xf32>
  return %c, %d : tensor<128x96xf32>, tensor<128x64xf32>
}
