//===- Einsum.cpp - ONNX Einsum as sums, transposes and matmuls -----------===//
//
// An Einsum is imported the way ONNX Runtime evaluates it: operands are
// contracted pairwise from the left; before each contraction, the labels
// no later operand and not the output needs are summed away; each pair is
// then transposed to [batch, free, contracted] and [batch, contracted,
// free], reshaped to a batched matrix product on the MatMul kernels, and
// the result transposed to the output's order. Ellipses broadcast as in
// numpy; a label repeated within one operand takes its diagonal first.
//
//===----------------------------------------------------------------------===//

#include "Einsum.h"
#include "NodeImporter.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

namespace {

/// An operand under contraction: its value and the label of each dimension.
struct Labeled {
  Value value;
  SmallVector<int> labels;
};

std::string describeLabel(int label) {
  if (label >= kEinsumEllipsis)
    return "an ellipsis dimension";
  return "'" + std::string(1, static_cast<char>(label)) + "'";
}

/// Parses one term of the equation (no spaces): letters and at most one
/// "...", into labels; `ellipsisRank` is how many dimensions the ellipsis
/// stands for, `ellipsisWidth` the widest ellipsis of all operands (ellipsis
/// dimensions align from the right).
std::optional<std::vector<int>> parseTerm(StringRef term, int64_t ellipsisRank,
                                          int64_t ellipsisWidth,
                                          std::string &error) {
  std::vector<int> labels;
  bool sawEllipsis = false;
  for (size_t i = 0; i < term.size();) {
    if (term.substr(i).starts_with("...")) {
      if (sawEllipsis) {
        error = "term '" + term.str() + "' has two ellipses";
        return std::nullopt;
      }
      sawEllipsis = true;
      for (int64_t d = 0; d < ellipsisRank; ++d)
        labels.push_back(kEinsumEllipsis + ellipsisWidth - ellipsisRank + d);
      i += 3;
      continue;
    }
    if (!llvm::isAlpha(term[i])) {
      error = "unexpected character '" + std::string(1, term[i]) +
              "' in term '" + term.str() + "' (labels are letters)";
      return std::nullopt;
    }
    labels.push_back(term[i]);
    ++i;
  }
  return labels;
}

} // namespace

std::optional<EinsumEquation> mlir::quill::onnx_import::parseEinsumEquation(
    StringRef equation, ArrayRef<int64_t> ranks, std::string &error) {
  std::string compact;
  for (char c : equation)
    if (!llvm::isSpace(c))
      compact.push_back(c);
  StringRef text(compact);
  auto [inputsText, outputText] = text.split("->");
  SmallVector<StringRef> terms;
  inputsText.split(terms, ',');
  if (terms.size() != ranks.size()) {
    error = "the equation has " + std::to_string(terms.size()) +
            " input terms for " + std::to_string(ranks.size()) + " inputs";
    return std::nullopt;
  }
  SmallVector<int64_t> ellipsisRanks;
  int64_t ellipsisWidth = 0;
  for (auto [index, term] : llvm::enumerate(terms)) {
    int64_t letters = llvm::count_if(term, llvm::isAlpha);
    bool hasEllipsis = term.contains("...");
    if (hasEllipsis ? letters > ranks[index] : letters != ranks[index]) {
      error = "term '" + term.str() + "' does not fit input " +
              std::to_string(index) + " of rank " +
              std::to_string(ranks[index]);
      return std::nullopt;
    }
    ellipsisRanks.push_back(hasEllipsis ? ranks[index] - letters : 0);
    ellipsisWidth = std::max(ellipsisWidth, ellipsisRanks.back());
  }
  EinsumEquation result;
  llvm::DenseMap<int, int> occurrences;
  for (auto [index, term] : llvm::enumerate(terms)) {
    std::optional<std::vector<int>> labels =
        parseTerm(term, ellipsisRanks[index], ellipsisWidth, error);
    if (!labels)
      return std::nullopt;
    for (int label : *labels)
      ++occurrences[label];
    result.inputs.push_back(std::move(*labels));
  }
  if (text.contains("->")) {
    std::optional<std::vector<int>> labels =
        parseTerm(outputText, ellipsisWidth, ellipsisWidth, error);
    if (!labels)
      return std::nullopt;
    for (int label : *labels) {
      if (!occurrences.count(label)) {
        error = "output label " + describeLabel(label) + " is in no input";
        return std::nullopt;
      }
      if (llvm::is_contained(result.output, label)) {
        error = "output label " + describeLabel(label) + " repeats";
        return std::nullopt;
      }
      result.output.push_back(label);
    }
    return result;
  }
  // numpy's implicit output: the ellipsis, then the letters used once, in
  // alphabetical order.
  for (int64_t d = 0; d < ellipsisWidth; ++d)
    result.output.push_back(kEinsumEllipsis + d);
  SmallVector<int> once;
  for (auto [label, count] : occurrences)
    if (count == 1 && label < kEinsumEllipsis)
      once.push_back(label);
  llvm::sort(once);
  llvm::append_range(result.output, once);
  return result;
}

std::optional<llvm::DenseMap<int, int64_t>>
mlir::quill::onnx_import::getEinsumLabelSizes(
    const EinsumEquation &equation, ArrayRef<SmallVector<int64_t>> shapes,
    std::string &error) {
  llvm::DenseMap<int, int64_t> sizes;
  for (auto [index, labels] : llvm::enumerate(equation.inputs)) {
    for (auto [label, size] : llvm::zip(labels, shapes[index])) {
      auto [it, inserted] = sizes.try_emplace(label, size);
      if (inserted || it->second == size || size == 1)
        continue;
      if (it->second != 1) {
        error = "label " + describeLabel(label) + " has size " +
                std::to_string(size) + " in input " + std::to_string(index) +
                " but " + std::to_string(it->second) + " before";
        return std::nullopt;
      }
      it->second = size;
    }
  }
  return sizes;
}

namespace {

class EinsumBuilder {
public:
  EinsumBuilder(NodeImporter &node, const llvm::DenseMap<int, int64_t> &sizes)
      : sizes(sizes), b(node.getBuilder()), loc(node.getLoc()) {}

  /// Sums `operand` over its dimensions whose labels are not in `keep`.
  Labeled sumAway(Labeled operand, const llvm::SmallSetVector<int, 8> &keep) {
    auto type = cast<RankedTensorType>(operand.value.getType());
    SmallVector<int64_t> axes, shape;
    SmallVector<int> labels;
    for (auto [dim, label] : llvm::enumerate(operand.labels)) {
      if (keep.contains(label)) {
        shape.push_back(type.getDimSize(dim));
        labels.push_back(label);
      } else {
        axes.push_back(dim);
      }
    }
    if (axes.empty())
      return operand;
    Value sum = ReduceSumOp::create(b, loc, type.clone(shape), operand.value,
                                    axes, false);
    return {sum, labels};
  }

  /// `operand` with each repeated label kept once: its diagonal, the
  /// elements where the repeated dimensions' indices agree, as the sum over
  /// the second dimension of the product with an identity mask.
  Labeled takeDiagonals(Labeled operand) {
    for (size_t second = 1; second < operand.labels.size(); ++second) {
      auto first = llvm::find(ArrayRef(operand.labels).take_front(second),
                              operand.labels[second]);
      if (first == operand.labels.begin() + second)
        continue;
      int64_t firstDim = first - operand.labels.begin();
      auto type = cast<RankedTensorType>(operand.value.getType());
      int64_t n = type.getDimSize(second);
      SmallVector<int64_t> maskShape(type.getRank(), 1);
      maskShape[firstDim] = maskShape[second] = n;
      Type elementType = type.getElementType();
      auto number = [&](double value) -> Attribute {
        if (isa<FloatType>(elementType))
          return b.getFloatAttr(elementType, value);
        return b.getIntegerAttr(elementType, static_cast<int64_t>(value));
      };
      SmallVector<Attribute> mask;
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j)
          mask.push_back(number(i == j ? 1 : 0));
      Value eye = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(type.clone(maskShape), mask));
      Value masked = MulOp::create(b, loc, type, operand.value, eye);
      SmallVector<int64_t> shape(type.getShape());
      shape.erase(shape.begin() + second);
      operand.value =
          ReduceSumOp::create(b, loc, type.clone(shape), masked,
                              ArrayRef<int64_t>{(int64_t)second}, false);
      operand.labels.erase(operand.labels.begin() + second);
      --second;
    }
    return operand;
  }

  /// `operand` transposed so that its labels come in `order`.
  Value permute(const Labeled &operand, ArrayRef<int> order) {
    SmallVector<int64_t> permutation;
    for (int label : order)
      permutation.push_back(llvm::find(operand.labels, label) -
                            operand.labels.begin());
    if (llvm::equal(permutation, llvm::seq<int64_t>(0, permutation.size())))
      return operand.value;
    return buildTranspose(b, loc, operand.value, permutation);
  }

  /// `operand` with each size-1 dimension whose label has a larger size
  /// stretched to it (numpy broadcasting of ellipsis dimensions).
  Labeled stretch(Labeled operand) {
    auto type = cast<RankedTensorType>(operand.value.getType());
    SmallVector<int64_t> shape;
    for (int label : operand.labels)
      shape.push_back(sizes.lookup(label));
    if (shape == type.getShape())
      return operand;
    return {ExpandOp::create(b, loc, type.clone(shape), operand.value),
            operand.labels};
  }

  /// The product of `lhs` and `rhs` summed over their shared labels not in
  /// `keep`, with labels batch, then lhs-only, then rhs-only.
  Labeled contract(Labeled lhs, Labeled rhs,
                   const llvm::SmallSetVector<int, 8> &keep) {
    lhs = stretch(lhs);
    rhs = stretch(rhs);
    SmallVector<int> batch, contracted, lhsFree, rhsFree;
    for (int label : lhs.labels) {
      bool shared = llvm::is_contained(rhs.labels, label);
      (shared ? (keep.contains(label) ? batch : contracted) : lhsFree)
          .push_back(label);
    }
    for (int label : rhs.labels)
      if (!llvm::is_contained(lhs.labels, label))
        rhsFree.push_back(label);
    auto product = [&](ArrayRef<int> labels) {
      int64_t size = 1;
      for (int label : labels)
        size *= sizes.lookup(label);
      return size;
    };
    int64_t batchSize = product(batch), m = product(lhsFree),
            k = product(contracted), n = product(rhsFree);
    SmallVector<int> lhsOrder(batch), rhsOrder(batch);
    llvm::append_range(lhsOrder, lhsFree);
    llvm::append_range(lhsOrder, contracted);
    llvm::append_range(rhsOrder, contracted);
    llvm::append_range(rhsOrder, rhsFree);
    Value lhsMatrix =
        buildReshape(b, loc, permute(lhs, lhsOrder), {batchSize, m, k});
    Value rhsMatrix =
        buildReshape(b, loc, permute(rhs, rhsOrder), {batchSize, k, n});
    Type elementType =
        cast<RankedTensorType>(lhs.value.getType()).getElementType();
    Value matrix = MatMulOp::create(
        b, loc, RankedTensorType::get({batchSize, m, n}, elementType),
        lhsMatrix, rhsMatrix);
    Labeled result;
    llvm::append_range(result.labels, batch);
    llvm::append_range(result.labels, lhsFree);
    llvm::append_range(result.labels, rhsFree);
    SmallVector<int64_t> shape;
    for (int label : result.labels)
      shape.push_back(sizes.lookup(label));
    result.value = buildReshape(b, loc, matrix, shape);
    return result;
  }

private:
  const llvm::DenseMap<int, int64_t> &sizes;
  OpBuilder &b;
  Location loc;
};

LogicalResult importEinsum(NodeImporter &node) {
  const onnx::AttributeProto *attr = node.getAttribute("equation");
  if (!attr || !attr->has_s())
    return node.emitError() << "expected an equation";
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(type))
    return failure();
  SmallVector<Value> values;
  SmallVector<int64_t> ranks;
  SmallVector<SmallVector<int64_t>> shapes;
  for (unsigned index = 0; index < node.getNumInputs(); ++index) {
    FailureOr<Value> value = node.getRequiredInput(index);
    if (failed(value))
      return failure();
    auto valueType = cast<RankedTensorType>(value->getType());
    values.push_back(*value);
    ranks.push_back(valueType.getRank());
    shapes.emplace_back(valueType.getShape());
  }
  std::string error;
  std::optional<EinsumEquation> equation =
      parseEinsumEquation(attr->s(), ranks, error);
  std::optional<llvm::DenseMap<int, int64_t>> sizes;
  if (equation)
    sizes = getEinsumLabelSizes(*equation, shapes, error);
  if (!sizes)
    return node.emitError() << error;

  EinsumBuilder builder(node, *sizes);
  SmallVector<Labeled> operands;
  for (auto [value, labels] : llvm::zip(values, equation->inputs))
    operands.push_back(builder.takeDiagonals(
        {value, SmallVector<int>(labels.begin(), labels.end())}));
  llvm::SmallSetVector<int, 8> output;
  output.insert(equation->output.begin(), equation->output.end());

  // Labels needed after operand `index`: the output's and later operands'.
  auto neededAfter = [&](size_t index) {
    llvm::SmallSetVector<int, 8> keep = output;
    for (size_t later = index + 1; later < operands.size(); ++later)
      keep.insert(operands[later].labels.begin(), operands[later].labels.end());
    return keep;
  };
  Labeled result = builder.sumAway(operands[0], neededAfter(0));
  for (size_t index = 1; index < operands.size(); ++index) {
    llvm::SmallSetVector<int, 8> keep = neededAfter(index);
    llvm::SmallSetVector<int, 8> keepLhs = keep, keepRhs = keep;
    keepLhs.insert(operands[index].labels.begin(),
                   operands[index].labels.end());
    keepRhs.insert(result.labels.begin(), result.labels.end());
    result = builder.contract(builder.sumAway(result, keepLhs),
                              builder.sumAway(operands[index], keepRhs), keep);
  }
  result = builder.stretch(result);
  Value value = builder.permute(result, output.getArrayRef());
  if (cast<RankedTensorType>(value.getType()).getShape() != type->getShape())
    return node.emitError() << "the equation gives shape " << value.getType()
                            << ", shape inference " << *type;
  node.setResults(value);
  return success();
}

} // namespace

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getEinsumOpImporters() {
  static const OpImportEntry entries[] = {{"", "Einsum", 12, importEinsum}};
  return entries;
}
