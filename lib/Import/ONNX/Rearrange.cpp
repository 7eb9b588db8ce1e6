//===- Rearrange.cpp - Importers of ops that rearrange elements -----------===//
//
// DepthToSpace, SpaceToDepth, Tile and Trilu move or mask elements in
// patterns fixed by their attributes and static shapes, so each is imported
// as the graph ops that spell the pattern out: reshape, transpose, expand,
// or a select with a constant mask.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

Value mlir::quill::onnx_import::buildReshape(OpBuilder &b, Location loc,
                                             Value input,
                                             ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(input.getType());
  return ReshapeOp::create(b, loc, type.clone(shape), input);
}

Value mlir::quill::onnx_import::buildTranspose(OpBuilder &b, Location loc,
                                               Value input,
                                               ArrayRef<int64_t> permutation) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape;
  for (int64_t axis : permutation)
    shape.push_back(type.getDimSize(axis));
  return TransposeOp::create(b, loc, type.clone(shape), input,
                             b.getDenseI64ArrayAttr(permutation));
}

namespace {

/// The [N, C, H, W] input of DepthToSpace or SpaceToDepth and its blocksize,
/// with an error when they do not fit each other.
FailureOr<std::pair<Value, int64_t>> readBlockInput(NodeImporter &node,
                                                    bool toSpace) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  int64_t block = node.getInt("blocksize", 0);
  if (type.getRank() != 4 || block <= 0)
    return node.emitError() << "expected a rank-4 input and a positive "
                               "blocksize, got "
                            << type << " and " << block;
  bool fits = toSpace ? type.getDimSize(1) % (block * block) == 0
                      : type.getDimSize(2) % block == 0 &&
                            type.getDimSize(3) % block == 0;
  if (!fits)
    return node.emitError()
           << "blocksize " << block << " does not divide "
           << (toSpace ? "the channels" : "the height and width") << " of "
           << type;
  return std::pair(*input, block);
}

LogicalResult importDepthToSpace(NodeImporter &node) {
  FailureOr<std::pair<Value, int64_t>> read = readBlockInput(node, true);
  if (failed(read))
    return failure();
  auto [x, b] = *read;
  ArrayRef<int64_t> s = cast<RankedTensorType>(x.getType()).getShape();
  int64_t n = s[0], c = s[1] / (b * b), h = s[2], w = s[3];
  const onnx::AttributeProto *modeAttr = node.getAttribute("mode");
  std::string mode = modeAttr ? modeAttr->s() : "DCR";
  if (mode != "DCR" && mode != "CRD")
    return node.emitError() << "unsupported mode '" << mode << "'";
  OpBuilder &builder = node.getBuilder();
  Location loc = node.getLoc();
  Value blocks =
      mode == "DCR"
          ? buildTranspose(builder, loc,
                           buildReshape(builder, loc, x, {n, b, b, c, h, w}),
                           {0, 3, 4, 1, 5, 2})
          : buildTranspose(builder, loc,
                           buildReshape(builder, loc, x, {n, c, b, b, h, w}),
                           {0, 1, 4, 2, 5, 3});
  node.setResults(buildReshape(builder, loc, blocks, {n, c, h * b, w * b}));
  return success();
}

LogicalResult importSpaceToDepth(NodeImporter &node) {
  FailureOr<std::pair<Value, int64_t>> read = readBlockInput(node, false);
  if (failed(read))
    return failure();
  auto [x, b] = *read;
  ArrayRef<int64_t> s = cast<RankedTensorType>(x.getType()).getShape();
  int64_t n = s[0], c = s[1], h = s[2] / b, w = s[3] / b;
  OpBuilder &builder = node.getBuilder();
  Location loc = node.getLoc();
  Value blocks = buildTranspose(
      builder, loc, buildReshape(builder, loc, x, {n, c, h, b, w, b}),
      {0, 3, 5, 1, 2, 4});
  node.setResults(buildReshape(builder, loc, blocks, {n, c * b * b, h, w}));
  return success();
}

/// Tile: each axis d becomes [repeats[d], size[d]] by an expand of
/// [1, size[d]], then the pairs merge.
LogicalResult importTile(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input) || failed(node.getRequiredInput(1)))
    return failure();
  DenseElementsAttr repeatsAttr = node.getConstantInput(1);
  if (!repeatsAttr)
    return node.emitNotConstantError(1, "repeats");
  auto type = cast<RankedTensorType>(input->getType());
  SmallVector<int64_t> repeats(repeatsAttr.getValues<int64_t>());
  if (static_cast<int64_t>(repeats.size()) != type.getRank() ||
      llvm::any_of(repeats, [](int64_t r) { return r < 0; }))
    return node.emitError()
           << "expected " << type.getRank() << " non-negative repeats";
  SmallVector<int64_t> interleaved, expanded, result;
  for (auto [size, repeat] : llvm::zip(type.getShape(), repeats)) {
    interleaved.append({1, size});
    expanded.append({repeat, size});
    result.push_back(repeat * size);
  }
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value spread = ExpandOp::create(b, loc, type.clone(expanded),
                                  buildReshape(b, loc, *input, interleaved));
  node.setResults(buildReshape(b, loc, spread, result));
  return success();
}

/// Trilu: a select between the input and zero by a constant mask over the
/// last two axes.
LogicalResult importTrilu(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  int64_t k = 0;
  if (node.getInput(1)) {
    FailureOr<int64_t> value = node.getConstantScalarInput(1, "k");
    if (failed(value))
      return failure();
    k = *value;
  }
  auto type = cast<RankedTensorType>(input->getType());
  if (type.getRank() < 2)
    return node.emitError()
           << "expected an input of rank 2 or more, got " << type;
  bool upper = node.getInt("upper", 1) != 0;
  int64_t rows = type.getDimSize(type.getRank() - 2);
  int64_t cols = type.getDimSize(type.getRank() - 1);
  SmallVector<bool> keep;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      keep.push_back(upper ? j - i >= k : j - i <= k);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto maskType = RankedTensorType::get({rows, cols}, b.getI1Type());
  Value mask = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(maskType, ArrayRef(keep)));
  Value zero = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({}, type.getElementType()),
                             b.getZeroAttr(type.getElementType())));
  node.setResults(
      WhereOp::create(b, loc, type, mask, *input, zero)->getResults());
  return success();
}

} // namespace

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getRearrangeOpImporters() {
  static const OpImportEntry entries[] = {
      {"", "DepthToSpace", 1, importDepthToSpace},
      {"", "SpaceToDepth", 1, importSpaceToDepth},
      {"", "Tile", 6, importTile},
      {"", "Trilu", 14, importTrilu},
  };
  return entries;
}
