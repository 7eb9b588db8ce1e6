//===- QuillNNOps.td - Convolution, pooling, normalization -*- tablegen -*-===//
//
// The graph ops of ONNX's neural-network operators, channels first: the
// products quantization turns into integer kernels and the layers around
// them. Like QuillGraphOps.td, one op per ONNX meaning on static shapes.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_NN_OPS
#define QUILL_NN_OPS

include "QuillBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Convolution and pooling (channels first: [N, C, D1, ..., Dn])
//===----------------------------------------------------------------------===//

def Quill_ConvOp : Quill_Op<"conv", [Pure]> {
  let summary = "N-d convolution with groups and dilations (ONNX Conv)";
  let description = [{
    ONNX `Conv` on `[N, C, D1..Dn]` inputs and `[M, C / group, K1..Kn]`
    weights, with an optional bias `[M]`. `pads` lists the begin paddings of
    every spatial axis, then the end paddings; the importer resolves
    `auto_pad` into them. Output size per axis:
    `floor((D + pad_begin + pad_end - dilation * (K - 1) - 1) / stride) + 1`.

    ```mlir
    %y = quill.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>,
                                dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
    ```
  }];
  let arguments = (ins
    RankedTensorOf<[AnyFloat, AnyInteger]>:$input,
    RankedTensorOf<[AnyFloat, AnyInteger]>:$weight,
    Optional<RankedTensorOf<[AnyFloat, AnyInteger]>>:$bias,
    DenseI64ArrayAttr:$strides,
    DenseI64ArrayAttr:$pads,
    DenseI64ArrayAttr:$dilations,
    Quill_I64Attr:$group
  );
  let results = (outs RankedTensorOf<[AnyFloat, AnyInteger]>:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Quill_ConvTransposeOp : Quill_Op<"conv_transpose", [Pure]> {
  let summary = "N-d transposed convolution (ONNX ConvTranspose)";
  let description = [{
    ONNX `ConvTranspose` on `[N, C, D1..Dn]` inputs and `[C, M / group,
    K1..Kn]` weights, optional bias `[M]`. `pads` (begins, then ends) and
    `output_padding` are explicit; the importer resolves `auto_pad` and
    `output_shape` into them. Output size per axis:
    `stride * (D - 1) + output_padding + dilation * (K - 1) + 1 - pad_begin - pad_end`.
  }];
  let arguments = (ins
    RankedTensorOf<[AnyFloat]>:$input,
    RankedTensorOf<[AnyFloat]>:$weight,
    Optional<RankedTensorOf<[AnyFloat]>>:$bias,
    DenseI64ArrayAttr:$strides,
    DenseI64ArrayAttr:$pads,
    DenseI64ArrayAttr:$dilations,
    DenseI64ArrayAttr:$output_padding,
    Quill_I64Attr:$group
  );
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class Quill_PoolOp<string mnemonic, string onnxName, dag extraArgs,
                   list<Type> elementTypes>
    : Quill_Op<mnemonic, [Pure, SameOperandsAndResultElementType]> {
  let summary = "ONNX " # onnxName;
  let description = [{
    ONNX `}] # onnxName # [{` over `[N, C, D1..Dn]` windows of
    `kernel_shape`, `pads` listing begins then ends (`auto_pad` resolved by
    the importer). With `ceil_mode` the output size rounds up, and a window
    starting past the end of the padded input is dropped.
  }];
  let arguments = !con((ins RankedTensorOf<elementTypes>:$input,
                            DenseI64ArrayAttr:$kernel_shape,
                            DenseI64ArrayAttr:$strides,
                            DenseI64ArrayAttr:$pads,
                            DenseI64ArrayAttr:$dilations,
                            UnitAttr:$ceil_mode), extraArgs);
  let results = (outs RankedTensorOf<elementTypes>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

// The largest of quantized values (one scale, one zero point) is the
// quantized largest value, so max pooling also runs on quantized tensors.
def Quill_MaxPoolOp
    : Quill_PoolOp<"max_pool", "MaxPool", (ins),
                   [AnyFloat, AnyInteger, Quill_QuantizedElementType]>;
def Quill_AveragePoolOp
    : Quill_PoolOp<"average_pool", "AveragePool",
                   (ins UnitAttr:$count_include_pad), [AnyFloat, AnyInteger]>;

class Quill_GlobalPoolOp<string mnemonic, string onnxName>
    : Quill_Op<mnemonic, [Pure, SameOperandsAndResultElementType]> {
  let summary = "ONNX " # onnxName;
  let description = [{
    ONNX `}] # onnxName # [{`: reduces every spatial axis of
    `[N, C, D1..Dn]` to size 1.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat, AnyInteger]>:$input);
  let results = (outs RankedTensorOf<[AnyFloat, AnyInteger]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def Quill_GlobalAveragePoolOp
    : Quill_GlobalPoolOp<"global_average_pool", "GlobalAveragePool">;
def Quill_GlobalMaxPoolOp : Quill_GlobalPoolOp<"global_max_pool", "GlobalMaxPool">;

//===----------------------------------------------------------------------===//
// Normalization (inference)
//===----------------------------------------------------------------------===//

def Quill_BatchNormOp : Quill_Op<"batch_norm", [Pure]> {
  let summary = "inference batch normalization (ONNX BatchNormalization)";
  let description = [{
    `y = scale * (x - mean) / sqrt(var + epsilon) + bias`, the per-channel
    parameters `[C]` applied along axis 1 of `[N, C, ...]`.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input,
                       TensorRankOf<[AnyFloat], [1]>:$scale,
                       TensorRankOf<[AnyFloat], [1]>:$bias,
                       TensorRankOf<[AnyFloat], [1]>:$mean,
                       TensorRankOf<[AnyFloat], [1]>:$variance,
                       F32Attr:$epsilon);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Quill_InstanceNormOp : Quill_Op<"instance_norm", [Pure]> {
  let summary = "instance normalization (ONNX InstanceNormalization)";
  let description = [{
    Normalizes every `[n, c]` slice of `[N, C, D1..Dn]` over its spatial
    elements: `scale[c] * (x - mean) / sqrt(var + epsilon) + bias[c]`.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input,
                       TensorRankOf<[AnyFloat], [1]>:$scale,
                       TensorRankOf<[AnyFloat], [1]>:$bias,
                       F32Attr:$epsilon);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Quill_LayerNormOp : Quill_Op<"layer_norm", [Pure]> {
  let summary = "layer normalization (ONNX LayerNormalization)";
  let description = [{
    Normalizes over the dimensions from `axis` to the last:
    `(x - mean) / sqrt(var + epsilon) * scale + bias`, where `scale` and the
    optional `bias` broadcast to those dimensions.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input,
                       RankedTensorOf<[AnyFloat]>:$scale,
                       Optional<RankedTensorOf<[AnyFloat]>>:$bias,
                       Quill_I64Attr:$axis,
                       F32Attr:$epsilon);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// quill.hadamard
//===----------------------------------------------------------------------===//

def Quill_HadamardOp : Quill_Op<"hadamard", [Pure, SameOperandsAndResultType]> {
  let summary = "random Hadamard rotation of the last axis, in blocks";
  let description = [{
    Rotates the last axis (size `n`) in blocks of `block_size` values `b`,
    each by the orthonormal matrix `diag(s) H_b / sqrt(b)`:

    ```
    y = (x * s) (H_K (x) H_{2^p}) / sqrt(b)     // per block, x a row vector
    ```

    where `b = K * 2^p` with `K` the smallest order of Quill's table
    (python/quill/hadamard_table.txt: Paley matrices of orders 12, 20, 28,
    36, 44, 52, 60, 108, 140) or 1 that leaves a power of two, `H_{2^p}` is
    Sylvester's Walsh-Hadamard matrix, the block is viewed as `(K, 2^p)` row
    major, and `s` is the block's slice of the sign vector of the whole axis:
    +1/-1 from the top bit of splitmix64's outputs from `seed`, or all +1
    without a seed. Because the matrix is orthogonal, a product that reads
    `y` keeps its function when the same transform is applied to each column
    of its weights along the reduction axis: `(x M)(M^T W) = x W`.
    `quill-hadamard` inserts the op and folds the weights; the CPU lowering
    calls a fast Walsh-Hadamard kernel, computed in f32.

    ```mlir
    %y = quill.hadamard %x {block_size = 384 : i64, seed = 7 : i64} : tensor<4x768xf32>
    ```

    The verifier checks a static last axis that `block_size` divides and a
    block size of the form `K * 2^p`.
  }];
  let arguments = (ins Quill_FloatTensor:$input, Quill_I64Attr:$block_size,
                       OptionalAttr<I64Attr>:$seed);
  let results = (outs Quill_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

#endif // QUILL_NN_OPS
