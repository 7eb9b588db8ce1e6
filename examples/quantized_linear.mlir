// A quantized linear layer, y = relu(x * W^T), written the way Quill's
// quantization passes will produce it: constant float weights quantized per
// output channel, an int32 accumulator requantized to uint8 with the dyadic
// (multiplier, shift) pairs of HAWQ-V3, the ReLU fused into the clamp.
//
// `quill-opt --canonicalize` quantizes the weights at compile time (the
// quill.quantize of a constant becomes an int8 constant) and folds the
// requantization of the constant bias.

// The activations' scale is 0.02 (uint8, zero point 128); %acc is their
// int32 product with the weights.
func.func @quantized_linear(%acc: tensor<1x3xi32>)
    -> (tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.005}>>,
        tensor<1x3xi8>, tensor<1x3xi8>) {
  %w = arith.constant dense<[[0.50, -0.25, 1.00, 0.125],
                             [2.00, -1.50, 0.03, -0.75],
                             [0.10, 0.20, -0.30, 0.40]]> : tensor<3x4xf32>
  %wq = quill.quantize %w : tensor<3x4xf32>
      to tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.005}>>

  // Output scale 0.05, zero point 0, uint8, ReLU as clamp_min = 0:
  // M[o] = 0.02 * S_w[o] / 0.05 = {0.004, 0.008, 0.002}.
  %y = quill.requantize %acc {multiplier = array<i32: 1099511628, 1099511628, 1099511628>,
                              shift = array<i8: 38, 37, 39>, axis = 1 : i32,
                              output_unsigned, clamp_min = 0}
      : tensor<1x3xi32> to tensor<1x3xi8>

  %bias = arith.constant dense<[[1500, -800, 20000]]> : tensor<1x3xi32>
  %b = quill.requantize %bias {multiplier = array<i32: 1099511628, 1099511628, 1099511628>,
                               shift = array<i8: 38, 37, 39>, axis = 1 : i32,
                               output_unsigned, clamp_min = 0}
      : tensor<1x3xi32> to tensor<1x3xi8>
  return %wq, %y, %b : tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.005}>>,
                       tensor<1x3xi8>, tensor<1x3xi8>
}
