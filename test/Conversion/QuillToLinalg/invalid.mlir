// RUN: quill-opt --quill-lower-to-linalg --split-input-file --verify-diagnostics %s

// Block formats are lowered for static shapes only: the op is named.
func.func @mx_quantize_dynamic(%x: tensor<?x64xf32>) -> tensor<?x64xf8E4M3FN> {
  // expected-error @+1 {{failed to legalize operation 'quill.block_quantize'}}
  %e, %s = quill.block_quantize %x {axis = 1 : i32, format = #quill.block_format<mxfp8_e4m3>} : tensor<?x64xf32> -> tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>
  return %e : tensor<?x64xf8E4M3FN>
}
