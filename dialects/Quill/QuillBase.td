//===- QuillBase.td - Quill dialect definition and constraints -*- tablegen -*-===//
//
// The quill dialect: Quill's graph-level quantization ops, the element types
// and attributes that carry their numeric parameters, and the type
// constraints the ops share.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_BASE
#define QUILL_BASE

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Quill_Dialect : Dialect {
  let name = "quill";
  let cppNamespace = "::mlir::quill";
  let summary = "Quill's quantization dialect";
  let description = [{
    The `quill` dialect makes quantization explicit in the IR. Values move
    between float and quantized form through `quill.quantize`,
    `quill.dequantize` and, for the block-scaled MX/NVFP4 formats,
    `quill.block_quantize` / `quill.block_dequantize`; integer values are
    rescaled by `quill.requantize`, the dyadic (multiplier, shift) form.

    Quantization parameters are carried by element types, never by side
    tables:
    * `!quant.uniform<...>` (upstream) for integer storage: per-tensor,
      per-axis (`!quant.uniform<i8:f32:1, {...}>`) and per-block
      (`!quant.uniform<i4:f32:{1:32}, {{...}}>`), symmetric (zero point 0,
      optionally narrow range `i8<-127:127>`) or affine;
    * `!quill.float_quant<...>` for float storage (fp8 e4m3 / e5m2), which
      the upstream type cannot express.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::quant::QuantDialect"
  ];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  // Folded constants become arith.constant.
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
  private:
    // Defined beside the type storage classes it needs complete.
    void registerTypes();
  }];
}

class Quill_Op<string mnemonic, list<Trait> traits = []>
    : Op<Quill_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Attribute constraints
//===----------------------------------------------------------------------===//

// Signless integer attributes read as signed values. Upstream I32Attr and
// I64Attr zero-extend, which would turn an illegal axis -1 into 4294967295.
class Quill_SignedValueAttr<I valueType, string cppType>
    : SignlessIntegerAttrBase<valueType,
          valueType.bitwidth # "-bit signless integer attribute"> {
  let returnType = cppType;
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}
def Quill_I32Attr : Quill_SignedValueAttr<I32, "int32_t">;
def Quill_I64Attr : Quill_SignedValueAttr<I64, "int64_t">;

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Quill_QuantizedElementType : Type<
    CPred<"::mlir::quill::isQuantizedElementType($_self)">,
    "quantized element type (!quant.uniform or !quill.float_quant)">;

def Quill_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Quill_QuantizedTensor : RankedTensorOf<[Quill_QuantizedElementType]>;
// Requantization works on storage integers of at most 32 bits.
def Quill_IntegerTensor : RankedTensorOf<[I<4>, I8, I16, I32]>;
// The exact sum of an integer product: int32, or int64 where int32 could
// overflow (quill-qdq-to-integer's accumulator bound).
def Quill_AccumulatorTensor : RankedTensorOf<[I32, I64]>;
// What requantization reads: stored integers or an accumulator.
def Quill_RequantizeInputTensor : RankedTensorOf<[I<4>, I8, I16, I32, I64]>;

#endif // QUILL_BASE
