// RUN: quill-opt --quill-lower-to-linalg --split-input-file --verify-diagnostics %s

// fp8 has no CPU lowering yet: the op is named.
func.func @fp8_quantize(%x: tensor<4xf32>) -> tensor<4x!quill.float_quant<f8E4M3FN:f32, 0.5>> {
  // expected-error @+1 {{failed to legalize operation 'quill.quantize'}}
  %0 = quill.quantize %x : tensor<4xf32> to tensor<4x!quill.float_quant<f8E4M3FN:f32, 0.5>>
  return %0 : tensor<4x!quill.float_quant<f8E4M3FN:f32, 0.5>>
}
