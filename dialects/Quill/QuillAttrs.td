//===- QuillAttrs.td - Quill attributes ------------------------*- tablegen -*-===//

#ifndef QUILL_ATTRS
#define QUILL_ATTRS

include "QuillBase.td"
include "mlir/IR/EnumAttr.td"

def Quill_BlockFormat : I32EnumAttr<"BlockFormat",
    "a block-scaled number format (OCP Microscaling or NVFP4)", [
  I32EnumAttrCase<"MXFP8_E4M3", 0, "mxfp8_e4m3">,
  I32EnumAttrCase<"MXFP8_E5M2", 1, "mxfp8_e5m2">,
  I32EnumAttrCase<"MXFP6_E3M2", 2, "mxfp6_e3m2">,
  I32EnumAttrCase<"MXFP6_E2M3", 3, "mxfp6_e2m3">,
  I32EnumAttrCase<"MXFP4_E2M1", 4, "mxfp4_e2m1">,
  I32EnumAttrCase<"MXINT8", 5, "mxint8">,
  I32EnumAttrCase<"NVFP4", 6, "nvfp4">
]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::quill";
}

def Quill_BlockFormatAttr : EnumAttr<Quill_Dialect, Quill_BlockFormat,
                                     "block_format"> {
  let summary = "block-scaled number format";
  let description = [{
    Names a format in which every block of consecutive elements along one
    axis shares a scale computed from that block's values:

    | format      | element     | block | block scale                |
    |-------------|-------------|-------|----------------------------|
    | mxfp8_e4m3  | f8E4M3FN    | 32    | f8E8M0FNU (power of two)   |
    | mxfp8_e5m2  | f8E5M2      | 32    | f8E8M0FNU                  |
    | mxfp6_e3m2  | f6E3M2FN    | 32    | f8E8M0FNU                  |
    | mxfp6_e2m3  | f6E2M3FN    | 32    | f8E8M0FNU                  |
    | mxfp4_e2m1  | f4E2M1FN    | 32    | f8E8M0FNU                  |
    | mxint8      | i8          | 32    | f8E8M0FNU                  |
    | nvfp4       | f4E2M1FN    | 16    | f8E4M3FN, times an f32 tensor scale |
  }];
  let assemblyFormat = "`<` $value `>`";
}

def Quill_BlockScaleRounding : I32EnumAttr<"BlockScaleRounding",
    "how an MX block's shared exponent is chosen", [
  I32EnumAttrCase<"Floor", 0, "floor">,
  I32EnumAttrCase<"Up", 1, "up">
]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::quill";
}

def Quill_BlockScaleRoundingAttr : EnumAttr<Quill_Dialect,
                                            Quill_BlockScaleRounding,
                                            "block_scale_rounding"> {
  let summary = "MX shared exponent: the OCP floor rule or rounded up";
  let description = [{
    `floor` is the OCP Microscaling v1.0 rule, `floor(log2(amax)) - emax`:
    the block's largest values may saturate. `up` is the smallest exponent
    whose scale keeps `amax` within the element's largest finite value,
    `ceil(log2(amax / max_element))`: nothing saturates, at the price of one
    step of resolution for some blocks.
  }];
  let assemblyFormat = "`<` $value `>`";
}


def Quill_ExpApproximation : I32EnumAttr<"ExpApproximation",
    "the integer exponential of quill.integer_softmax", [
  I32EnumAttrCase<"IExp", 0, "i_exp">,
  I32EnumAttrCase<"Shift", 1, "shift">
]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::quill";
}

def Quill_ExpApproximationAttr : EnumAttr<Quill_Dialect, Quill_ExpApproximation,
                                          "exp_approximation"> {
  let summary = "integer exponential: I-BERT's i-exp or I-ViT's Shiftmax";
  let assemblyFormat = "`<` $value `>`";
}

#endif // QUILL_ATTRS
