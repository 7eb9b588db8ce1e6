// The model of small-floats.test.
func.func @main(%x: tensor<1x32xf32> {quill.name = "x"}, %e: tensor<1x32xf4E2M1FN> {quill.name = "e"},
                %s: tensor<1x1xf8E8M0FNU> {quill.name = "s"})
    -> (tensor<1x32xf4E2M1FN> {quill.name = "codes"}, tensor<1x1xf8E8M0FNU> {quill.name = "scales"},
        tensor<1x32xf32> {quill.name = "values"}) {
  %codes, %scales = quill.block_quantize %x {format = #quill.block_format<mxfp4_e2m1>, axis = 1 : i32} : tensor<1x32xf32> -> tensor<1x32xf4E2M1FN>, tensor<1x1xf8E8M0FNU>
  %values = quill.block_dequantize %e, %s {format = #quill.block_format<mxfp4_e2m1>, axis = 1 : i32} : tensor<1x32xf4E2M1FN>, tensor<1x1xf8E8M0FNU> -> tensor<1x32xf32>
  return %codes, %scales, %values : tensor<1x32xf4E2M1FN>, tensor<1x1xf8E8M0FNU>, tensor<1x32xf32>
}
