//===- QuillTypes.td - Quill element types ---------------------*- tablegen -*-===//

#ifndef QUILL_TYPES
#define QUILL_TYPES

include "QuillBase.td"

def Quill_FloatQuantType : TypeDef<Quill_Dialect, "FloatQuant"> {
  let mnemonic = "float_quant";
  let summary = "scaled floating-point storage (fp8 e4m3 / e5m2)";
  let description = [{
    A quantized element whose stored value is a narrow float rather than an
    integer, as in "FP8 Formats for Deep Learning" and "Efficient
    Post-training Quantization with FP8 Formats". A stored value `q` stands
    for `q * scale`; quantization computes `q = convert(x / scale)` rounding
    to nearest even and saturating to the format's largest finite value
    (448 for e4m3, 57344 for e5m2), as NVIDIA's `cvt.rn.satfinite` does.
    There is no zero point: the formats are symmetric around zero.

    Per-tensor form: one scale. Per-axis form: the quantized axis follows the
    expressed type and one scale per index along that axis.

    ```mlir
    !quill.float_quant<f8E4M3FN:f32, 2.500000e-01>
    !quill.float_quant<f8E5M2:f32:1, {1.000000e+00, 5.000000e-01}>
    ```

    The type checks that the storage format is a supported fp8 format, that
    the expressed type is wider than it, that every scale is positive and
    finite, and that the axis is not negative. Whether the axis exists and
    has as many indices as scales is checked by the ops that use the type.
  }];
  let parameters = (ins
    "::mlir::FloatType":$storageType,
    "::mlir::FloatType":$expressedType,
    "::mlir::DenseF64ArrayAttr":$scales,
    OptionalParameter<"std::optional<int32_t>">:$axis
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Largest finite magnitude of the storage format.
    double getStorageMax() const;
    bool isPerAxis() const { return getAxis().has_value(); }
  }];
}

#endif // QUILL_TYPES
