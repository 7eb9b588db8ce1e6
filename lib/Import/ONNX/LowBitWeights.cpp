//===- LowBitWeights.cpp - ONNX Runtime's 4-bit weight products -----------===//
//
// com.microsoft MatMulNBits, what ONNX Runtime's 4-bit weight quantizer
// writes: Y = A B^T (+ bias), B stored [N, blocks, block_size / 2] as uint4
// pairs (the low nibble first), one f32 scale per (column, block), optional
// uint4 zero points packed the same way (8 when absent). It is imported as
// the quill.dequantize of a [K, N] per-block !quant.uniform<u4> constant
// feeding quill.matmul, the form quill-quantize gives int4 weights, so it
// runs on the same block-weight kernel.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

/// The floats of a constant input (f32 or f16), or an error naming it.
static FailureOr<SmallVector<double>>
getConstantFloats(NodeImporter &node, unsigned index, StringRef what) {
  DenseElementsAttr values = node.getConstantInput(index);
  if (!values) {
    node.emitNotConstantError(index, what);
    return failure();
  }
  if (!isa<FloatType>(values.getElementType())) {
    node.emitError() << "expected float " << what << ", got "
                     << values.getElementType();
    return failure();
  }
  SmallVector<double> result;
  for (APFloat value : values.getValues<APFloat>())
    result.push_back(value.convertToDouble());
  return result;
}

/// The bytes of constant uint8 input `index`, or an error naming it.
static FailureOr<SmallVector<uint8_t>>
getConstantBytes(NodeImporter &node, unsigned index, StringRef what) {
  DenseElementsAttr values = node.getConstantInput(index);
  if (!values) {
    node.emitNotConstantError(index, what);
    return failure();
  }
  if (!values.getElementType().isUnsignedInteger(8)) {
    node.emitError() << "expected uint8 " << what << ", got "
                     << values.getElementType();
    return failure();
  }
  SmallVector<uint8_t> result;
  for (APInt value : values.getValues<APInt>())
    result.push_back(value.getZExtValue());
  return result;
}

static LogicalResult importMatMulNBits(NodeImporter &node) {
  int64_t k = node.getInt("K", 0), n = node.getInt("N", 0);
  int64_t bits = node.getInt("bits", 4);
  int64_t blockSize = node.getInt("block_size", 0);
  if (bits != 4)
    return node.emitError()
           << "bits=" << bits << " is not supported (Quill imports bits=4)";
  if (k <= 0 || n <= 0 || blockSize < 16 || (blockSize & (blockSize - 1)))
    return node.emitError() << "expected positive K and N and a power-of-two "
                               "block_size of at least 16, got K="
                            << k << ", N=" << n << ", block_size=" << blockSize;
  if (k % blockSize != 0)
    return node.emitError()
           << "K=" << k << " is not a multiple of block_size=" << blockSize
           << " (a padded last block)";
  if (node.getInput(4))
    return node.emitError() << "input 'g_idx' (act-order) is not supported";
  FailureOr<Value> a = node.getRequiredFloatInput(0);
  FailureOr<RankedTensorType> resultType = node.getOutputType(0);
  if (failed(a) || failed(resultType))
    return failure();
  int64_t blocks = k / blockSize;
  FailureOr<SmallVector<uint8_t>> packed = getConstantBytes(node, 1, "B");
  FailureOr<SmallVector<double>> scales = getConstantFloats(node, 2, "scales");
  if (failed(packed) || failed(scales))
    return failure();
  if (int64_t(packed->size()) != n * k / 2 ||
      int64_t(scales->size()) != n * blocks)
    return node.emitError()
           << "expected B of " << n * k / 2 << " bytes and " << n * blocks
           << " scales for K=" << k << ", N=" << n << ", got " << packed->size()
           << " and " << scales->size();
  // Zero points: uint4 pairs per column, 8 when absent.
  SmallVector<uint8_t> zeroPoints(n * blocks, 8);
  if (node.getInput(3)) {
    FailureOr<SmallVector<uint8_t>> stored =
        getConstantBytes(node, 3, "zero_points");
    if (failed(stored))
      return failure();
    int64_t perColumn = (blocks + 1) / 2;
    if (int64_t(stored->size()) != n * perColumn)
      return node.emitError() << "expected " << n * perColumn
                              << " zero-point bytes, got " << stored->size();
    for (int64_t col = 0; col < n; ++col)
      for (int64_t b = 0; b < blocks; ++b)
        zeroPoints[col * blocks + b] =
            ((*stored)[col * perColumn + b / 2] >> (4 * (b % 2))) & 15;
  }

  // The weight as [K, N]: element (k, col) of block b = k / blockSize.
  OpBuilder &builder = node.getBuilder();
  MLIRContext *context = builder.getContext();
  Type u4 = IntegerType::get(context, 4), f32 = builder.getF32Type();
  SmallVector<APInt> codes(k * n, APInt(4, 0));
  for (int64_t col = 0; col < n; ++col)
    for (int64_t row = 0; row < k; ++row) {
      uint8_t byte = (*packed)[(col * k + row) / 2];
      codes[row * n + col] = APInt(4, (byte >> (4 * (row % 2))) & 15);
    }
  SmallVector<float> blockScales(blocks * n);
  SmallVector<APInt> blockZeros(blocks * n, APInt(4, 0));
  for (int64_t col = 0; col < n; ++col)
    for (int64_t b = 0; b < blocks; ++b) {
      blockScales[b * n + col] = float((*scales)[col * blocks + b]);
      blockZeros[b * n + col] = APInt(4, zeroPoints[col * blocks + b]);
    }
  auto paramType = RankedTensorType::get({blocks, n}, f32);
  auto emitError = [&] { return node.emitError(); };
  auto element = quant::UniformQuantizedSubChannelType::getChecked(
      function_ref<InFlightDiagnostic()>(emitError), /*flags=*/0u, u4, f32,
      DenseElementsAttr::get(paramType, ArrayRef<float>(blockScales)),
      DenseElementsAttr::get(paramType.clone(u4), blockZeros),
      ArrayRef<int32_t>{0, 1}, ArrayRef<int64_t>{blockSize, 1}, int64_t(0),
      int64_t(15));
  if (!element)
    return failure();
  Location loc = node.getLoc();
  auto weightType = RankedTensorType::get({k, n}, f32);
  Value stored = arith::ConstantOp::create(
      builder, loc, DenseElementsAttr::get(weightType.clone(u4), codes));
  Value quantized =
      StorageCastOp::create(builder, loc, weightType.clone(element), stored);
  Value weight = DequantizeOp::create(builder, loc, weightType, quantized);
  Value product = MatMulOp::create(builder, loc, *resultType, *a, weight);
  if (Value bias = node.getInput(5))
    product = AddOp::create(builder, loc, *resultType, product, bias);
  node.setResults(product);
  return success();
}

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getLowBitWeightOpImporters() {
  static const OpImportEntry entries[] = {
      {"com.microsoft", "MatMulNBits", 1, importMatMulNBits},
  };
  return entries;
}
