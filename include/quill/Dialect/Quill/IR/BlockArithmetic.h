//===- BlockArithmetic.h - Scalar rules of the block formats ----*- C++ -*-===//
//
// The exact arithmetic of quill.block_quantize and quill.block_dequantize
// (MX and NVFP4) on one block, in f32, as the ops' descriptions state it.
// Constant folding and quill-quantize use it; the lowering builds the same
// steps as IR, and python/quill/reference.py implements the rules
// independently for the bit-exact tests.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DIALECT_QUILL_IR_BLOCKARITHMETIC_H
#define QUILL_DIALECT_QUILL_IR_BLOCKARITHMETIC_H

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/ADT/APFloat.h"

#include <cstdint>

namespace mlir::quill {

/// What the arithmetic of one block format needs to know.
struct BlockFormatRules {
  BlockFormat format;
  /// The element format; null for MXINT8's integers.
  const llvm::fltSemantics *elementSemantics;
  /// The largest finite element value (MXINT8: 127 / 64).
  float largestElement;
  /// floor(log2(largestElement)): the emax of the OCP rule.
  int elementMaxExponent;
  int64_t blockSize;
  /// The bits an element takes in a compiled library: 4, 6 (packed four to
  /// three bytes) or 8.
  int64_t storedElementBits() const;
};
BlockFormatRules getBlockFormatRules(BlockFormat format);

/// The bits of f32 `x` rounded to nearest even in `semantics` (8 bits or
/// fewer), saturated to its largest finite value; NaN becomes the format's
/// NaN, or +0 in formats without one.
uint8_t encodeSmallFloat(float x, const llvm::fltSemantics &semantics);
/// The f32 value of the small float whose bits are `code`.
float decodeSmallFloat(uint8_t code, const llvm::fltSemantics &semantics);

/// The f32 value of an E8M0 scale byte: 2^(code - 127), NaN for 0xFF.
float decodeE8M0(uint8_t code);

/// NVFP4's second-level scale for a tensor whose largest magnitude is
/// `absMax`: 448 * 6 / absMax, so that the largest block scale is E4M3's
/// largest value (1 for an all-zero or non-finite tensor).
float getNVFP4TensorScale(double absMax);

/// Quantizes one block: `codes` receives each element's bits (MXINT8: its
/// two's complement byte), the result is the block's scale byte (E8M0 for
/// MX, E4M3 for NVFP4). `tensorScale` is NVFP4's; ignored for MX.
uint8_t quantizeBlock(const BlockFormatRules &rules, ArrayRef<float> block,
                      float tensorScale, BlockScaleRounding rounding,
                      MutableArrayRef<uint8_t> codes);

/// Quantizes one block with the scale byte, among the rule's and its
/// neighbours (MX: the OCP exponent and one above; NVFP4: the two E4M3
/// values either side of the rounded scale), whose decoded block is closest
/// to `block` in squared error. Any scale decodes correctly, so constant
/// weights may take the best one.
uint8_t quantizeBlockLeastError(const BlockFormatRules &rules,
                                ArrayRef<float> block, float tensorScale,
                                MutableArrayRef<uint8_t> codes);

/// The f32 value of element `code` in a block whose scale byte is `scale`.
float dequantizeBlockElement(const BlockFormatRules &rules, uint8_t code,
                             uint8_t scale, float tensorScale);

/// Quantizes the float constant `values` (read as f32) in blocks along
/// `axis`, each block by `quantizeOne` (which returns its scale byte):
/// element codes in the tensor's layout, scale bytes in the layout of the
/// shape with `axis` divided by the block size.
void quantizeInBlocks(
    DenseFPElementsAttr values, int64_t axis, int64_t blockSize,
    function_ref<uint8_t(ArrayRef<float>, MutableArrayRef<uint8_t>)>
        quantizeOne,
    SmallVectorImpl<uint8_t> &codes, SmallVectorImpl<uint8_t> &scales);

/// A constant of `type` (a float type of 8 bits or fewer, or i8) whose
/// elements have the bits `codes`.
DenseElementsAttr getElementsFromCodes(RankedTensorType type,
                                       ArrayRef<uint8_t> codes);

} // namespace mlir::quill

#endif // QUILL_DIALECT_QUILL_IR_BLOCKARITHMETIC_H
