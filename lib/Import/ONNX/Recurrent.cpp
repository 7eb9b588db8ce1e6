//===- Recurrent.cpp - Importers of ONNX LSTM, GRU and RNN ----------------===//
//
// Shapes are static, so the sequence length is known: a recurrent op is
// imported unrolled into graph ops. The input projection of every time step
// is one matrix product ([T * B, I] x [I, G * H]) with the input biases
// added once; each step then adds its recurrent product ([B, H] x [H, G * H])
// and applies the gates. Both products run on the GEMM kernels, and
// quantization sees ordinary MatMuls. Directions forward, reverse and
// bidirectional; layouts 0 and 1; initial states; peepholes; clip; the
// activations ONNX lists, with their alpha and beta.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

namespace {

enum class CellKind { RNN, GRU, LSTM };

/// Graph ops on the float tensors of one recurrent node.
struct CellBuilder {
  OpBuilder &b;
  Location loc;
  Type element;

  RankedTensorType type(ArrayRef<int64_t> shape) const {
    return RankedTensorType::get(shape, element);
  }
  static ArrayRef<int64_t> shapeOf(Value value) {
    return cast<RankedTensorType>(value.getType()).getShape();
  }
  Value slice(Value input, ArrayRef<int64_t> starts,
              ArrayRef<int64_t> sizes) const {
    return SliceOp::create(
        b, loc, type(sizes), input, b.getDenseI64ArrayAttr(starts),
        b.getDenseI64ArrayAttr(SmallVector<int64_t>(starts.size(), 1)));
  }
  Value reshape(Value input, ArrayRef<int64_t> shape) const {
    return buildReshape(b, loc, input, shape);
  }
  Value transpose(Value input, ArrayRef<int64_t> permutation) const {
    return buildTranspose(b, loc, input, permutation);
  }
  /// [M, K] x [K, N].
  Value matmul(Value lhs, Value rhs) const {
    return MatMulOp::create(b, loc, type({shapeOf(lhs)[0], shapeOf(rhs)[1]}),
                            lhs, rhs);
  }
  /// Elementwise; the operand of lower rank broadcasts to the other.
  static Type broadcastType(Value lhs, Value rhs) {
    return shapeOf(lhs).size() >= shapeOf(rhs).size() ? lhs.getType()
                                                      : rhs.getType();
  }
  Value add(Value lhs, Value rhs) const {
    return AddOp::create(b, loc, broadcastType(lhs, rhs), lhs, rhs);
  }
  Value sub(Value lhs, Value rhs) const {
    return SubOp::create(b, loc, broadcastType(lhs, rhs), lhs, rhs);
  }
  Value mul(Value lhs, Value rhs) const {
    return MulOp::create(b, loc, broadcastType(lhs, rhs), lhs, rhs);
  }
  Value scalar(double value) const {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(type({}), b.getFloatAttr(element, value)));
  }
  Value zeros(ArrayRef<int64_t> shape) const {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(type(shape), b.getFloatAttr(element, 0)));
  }
  Value concat(ArrayRef<Value> values, int64_t axis) const {
    if (values.size() == 1)
      return values.front();
    SmallVector<int64_t> shape(shapeOf(values.front()));
    shape[axis] = 0;
    for (Value value : values)
      shape[axis] += shapeOf(value)[axis];
    return ConcatOp::create(b, loc, type(shape), values, axis);
  }
  /// Gate `index` of `gates` [B, G * H].
  Value gate(Value gates, int64_t index, int64_t hidden) const {
    int64_t batch = shapeOf(gates)[0];
    return slice(gates, {0, index * hidden}, {batch, hidden});
  }
};

/// One activation of the node's `activations` list.
struct Activation {
  std::string name;
  float alpha = 0, beta = 0;
};

/// How many activations a direction takes, and the defaults.
ArrayRef<StringRef> defaultActivations(CellKind kind) {
  static const StringRef rnn[] = {"Tanh"};
  static const StringRef gru[] = {"Sigmoid", "Tanh"};
  static const StringRef lstm[] = {"Sigmoid", "Tanh", "Tanh"};
  return kind == CellKind::RNN   ? ArrayRef<StringRef>(rnn)
         : kind == CellKind::GRU ? ArrayRef<StringRef>(gru)
                                 : ArrayRef<StringRef>(lstm);
}

/// The activations of every direction, alphas and betas consumed in order by
/// the activations that take them, with ONNX's defaults otherwise.
FailureOr<SmallVector<Activation>>
readActivations(NodeImporter &node, CellKind kind, int64_t directions) {
  ArrayRef<StringRef> defaults = defaultActivations(kind);
  SmallVector<std::string> names;
  if (const onnx::AttributeProto *attr = node.getAttribute("activations"))
    names.assign(attr->strings().begin(), attr->strings().end());
  size_t expected = defaults.size() * directions;
  if (names.empty())
    for (int64_t d = 0; d < directions; ++d)
      for (StringRef name : defaults)
        names.push_back(name.str());
  if (names.size() != expected)
    return node.emitError()
           << "expected " << expected << " activations, got " << names.size();
  SmallVector<float> alphas, betas;
  if (const onnx::AttributeProto *attr = node.getAttribute("activation_alpha"))
    alphas.assign(attr->floats().begin(), attr->floats().end());
  if (const onnx::AttributeProto *attr = node.getAttribute("activation_beta"))
    betas.assign(attr->floats().begin(), attr->floats().end());
  size_t nextAlpha = 0, nextBeta = 0;
  auto take = [](SmallVector<float> &values, size_t &next, float fallback) {
    return next < values.size() ? values[next++] : fallback;
  };
  SmallVector<Activation> activations;
  for (const std::string &name : names) {
    Activation activation{name};
    if (name == "LeakyRelu") {
      activation.alpha = take(alphas, nextAlpha, 0.01f);
    } else if (name == "ThresholdedRelu" || name == "Elu") {
      activation.alpha = take(alphas, nextAlpha, 1.0f);
    } else if (name == "HardSigmoid") {
      activation.alpha = take(alphas, nextAlpha, 0.2f);
      activation.beta = take(betas, nextBeta, 0.5f);
    } else if (name != "Sigmoid" && name != "Tanh" && name != "Relu" &&
               name != "Softsign" && name != "Softplus") {
      return node.emitError() << "unsupported activation '" << name << "'";
    }
    activations.push_back(activation);
  }
  return activations;
}

Value applyActivation(const CellBuilder &cell, const Activation &activation,
                      Value x) {
  OpBuilder &b = cell.b;
  Location loc = cell.loc;
  const std::string &name = activation.name;
  if (name == "Sigmoid")
    return SigmoidOp::create(b, loc, x);
  if (name == "Tanh")
    return math::TanhOp::create(b, loc, x);
  if (name == "Relu")
    return ReluOp::create(b, loc, x);
  if (name == "Softsign")
    return SoftsignOp::create(b, loc, x);
  if (name == "Softplus")
    return SoftplusOp::create(b, loc, x);
  if (name == "LeakyRelu")
    return LeakyReluOp::create(b, loc, x, b.getF32FloatAttr(activation.alpha));
  if (name == "ThresholdedRelu")
    return ThresholdedReluOp::create(b, loc, x,
                                     b.getF32FloatAttr(activation.alpha));
  if (name == "Elu")
    return EluOp::create(b, loc, x, b.getF32FloatAttr(activation.alpha));
  return HardSigmoidOp::create(b, loc, x, b.getF32FloatAttr(activation.alpha),
                               b.getF32FloatAttr(activation.beta));
}

/// What every step of one direction reads.
struct Direction {
  Value inputProjection;     // [T, B, G * H], input biases (and GRU's z, r
                             // recurrent biases) added
  Value recurrentWeight;     // [H, G * H]
  Value recurrentHiddenBias; // GRU: Rb_h [H], else null
  Value peephole;            // LSTM: [3 * H] (i, o, f), or null
  ArrayRef<Activation> activations;
  bool reverse;
};

struct CellOptions {
  CellKind kind;
  int64_t hidden;
  std::optional<float> clip;
  bool inputForget = false;       // LSTM: f = 1 - i
  bool linearBeforeReset = false; // GRU
};

/// One time step: the new hidden state (and, for LSTM, cell state).
std::pair<Value, Value> step(const CellBuilder &cell,
                             const CellOptions &options,
                             const Direction &direction, Value projected,
                             Value hidden, Value state) {
  int64_t h = options.hidden;
  auto clipped = [&](Value x) {
    if (!options.clip)
      return x;
    return Value(ClipOp::create(cell.b, cell.loc, x.getType(), x,
                                cell.scalar(-*options.clip),
                                cell.scalar(*options.clip)));
  };
  ArrayRef<Activation> f = direction.activations;
  if (options.kind == CellKind::RNN) {
    Value gates =
        cell.add(projected, cell.matmul(hidden, direction.recurrentWeight));
    return {applyActivation(cell, f[0], clipped(gates)), Value()};
  }
  if (options.kind == CellKind::GRU) {
    Value recurrent = cell.matmul(hidden, direction.recurrentWeight);
    Value z = applyActivation(cell, f[0],
                              clipped(cell.add(cell.gate(projected, 0, h),
                                               cell.gate(recurrent, 0, h))));
    Value r = applyActivation(cell, f[0],
                              clipped(cell.add(cell.gate(projected, 1, h),
                                               cell.gate(recurrent, 1, h))));
    Value candidate;
    if (options.linearBeforeReset) {
      Value linear = cell.gate(recurrent, 2, h);
      if (direction.recurrentHiddenBias)
        linear = cell.add(linear, direction.recurrentHiddenBias);
      candidate = cell.add(cell.gate(projected, 2, h), cell.mul(r, linear));
    } else {
      Value hiddenWeight =
          cell.slice(direction.recurrentWeight, {0, 2 * h}, {h, h});
      Value reset = cell.matmul(cell.mul(r, hidden), hiddenWeight);
      if (direction.recurrentHiddenBias)
        reset = cell.add(reset, direction.recurrentHiddenBias);
      candidate = cell.add(cell.gate(projected, 2, h), reset);
    }
    Value c = applyActivation(cell, f[1], clipped(candidate));
    // (1 - z) * c + z * H = c + z * (H - c)
    return {cell.add(c, cell.mul(z, cell.sub(hidden, c))), Value()};
  }
  Value gates =
      cell.add(projected, cell.matmul(hidden, direction.recurrentWeight));
  Value peepholes[3];
  if (direction.peephole)
    for (int64_t i = 0; i < 3; ++i)
      peepholes[i] = cell.slice(direction.peephole, {i * h}, {h});
  auto withPeephole = [&](Value x, int64_t index, Value cellState) {
    return direction.peephole
               ? cell.add(x, cell.mul(peepholes[index], cellState))
               : x;
  };
  Value i = applyActivation(
      cell, f[0], clipped(withPeephole(cell.gate(gates, 0, h), 0, state)));
  Value forget;
  if (options.inputForget)
    forget = cell.sub(cell.scalar(1.0), i);
  else
    forget = applyActivation(
        cell, f[0], clipped(withPeephole(cell.gate(gates, 2, h), 2, state)));
  Value c = applyActivation(cell, f[1], clipped(cell.gate(gates, 3, h)));
  Value newState = cell.add(cell.mul(forget, state), cell.mul(i, c));
  Value o = applyActivation(
      cell, f[0], clipped(withPeephole(cell.gate(gates, 1, h), 1, newState)));
  return {cell.mul(o, applyActivation(cell, f[2], newState)), newState};
}

template <CellKind kind> LogicalResult importRecurrent(NodeImporter &node) {
  FailureOr<Value> x = node.getRequiredInput(0);
  FailureOr<Value> w = node.getRequiredInput(1);
  FailureOr<Value> r = node.getRequiredInput(2);
  if (failed(x) || failed(w) || failed(r))
    return failure();
  auto xType = cast<RankedTensorType>(x->getType());
  if (!isa<FloatType>(xType.getElementType()) || xType.getRank() != 3)
    return node.emitError() << "expected a rank-3 float input X, got " << xType;
  CellBuilder cell{node.getBuilder(), node.getLoc(), xType.getElementType()};
  int64_t gateCount = kind == CellKind::LSTM  ? 4
                      : kind == CellKind::GRU ? 3
                                              : 1;
  int64_t layout = node.getOpset() >= 14 ? node.getInt("layout", 0) : 0;
  if (layout != 0 && layout != 1)
    return node.emitError() << "unsupported layout " << layout;
  Value input = layout == 1 ? cell.transpose(*x, {1, 0, 2}) : *x;
  ArrayRef<int64_t> inputShape = CellBuilder::shapeOf(input);
  int64_t steps = inputShape[0], batch = inputShape[1], size = inputShape[2];
  ArrayRef<int64_t> wShape = CellBuilder::shapeOf(*w);
  int64_t directions = wShape[0];
  int64_t hidden = node.getInt("hidden_size", wShape[1] / gateCount);
  if (wShape[1] != gateCount * hidden || wShape[2] != size)
    return node.emitError()
           << "W has shape [" << wShape[0] << ", " << wShape[1] << ", "
           << wShape[2] << "], which does not match hidden_size " << hidden
           << " and the input size " << size;
  const onnx::AttributeProto *directionAttr = node.getAttribute("direction");
  std::string directionName = directionAttr ? directionAttr->s() : "forward";
  if ((directionName == "bidirectional") != (directions == 2) ||
      (directionName != "forward" && directionName != "reverse" &&
       directionName != "bidirectional"))
    return node.emitError() << "direction '" << directionName << "' with "
                            << directions << " weight direction(s)";
  if (node.getInput(4)) {
    DenseElementsAttr lengths = node.getConstantInput(4);
    if (!lengths)
      return node.emitNotConstantError(4, "sequence_lens");
    if (llvm::any_of(lengths.getValues<APInt>(),
                     [&](APInt v) { return v.getSExtValue() != steps; }))
      return node.emitError() << "sequence_lens shorter than the sequence ("
                              << steps << " steps) are not supported yet";
  }
  FailureOr<SmallVector<Activation>> activations =
      readActivations(node, kind, directions);
  if (failed(activations))
    return failure();
  std::optional<float> clip;
  if (const onnx::AttributeProto *attr = node.getAttribute("clip"))
    clip = attr->f();
  CellOptions options{kind, hidden, clip, node.getInt("input_forget", 0) != 0,
                      node.getInt("linear_before_reset", 0) != 0};

  int64_t width = gateCount * hidden;
  Value flatInput = cell.reshape(input, {steps * batch, size});
  Value bias = node.getInput(3);
  Value initialHidden = node.getInput(5);
  Value initialState = kind == CellKind::LSTM ? node.getInput(6) : Value();
  Value peephole = kind == CellKind::LSTM ? node.getInput(7) : Value();
  if (layout == 1) {
    if (initialHidden)
      initialHidden = cell.transpose(initialHidden, {1, 0, 2});
    if (initialState)
      initialState = cell.transpose(initialState, {1, 0, 2});
  }

  SmallVector<Value> outputs, lastHidden, lastState;
  for (int64_t d = 0; d < directions; ++d) {
    auto perDirection = [&](Value value, int64_t rows, int64_t cols) {
      return cell.reshape(cell.slice(value, {d, 0, 0}, {1, rows, cols}),
                          {rows, cols});
    };
    Direction direction;
    direction.reverse = directionName == "reverse" || d == 1;
    direction.activations = ArrayRef(*activations)
                                .slice(d * defaultActivations(kind).size(),
                                       defaultActivations(kind).size());
    Value inputWeight = cell.transpose(perDirection(*w, width, size), {1, 0});
    direction.recurrentWeight =
        cell.transpose(perDirection(*r, width, hidden), {1, 0});
    Value projected = cell.matmul(flatInput, inputWeight);
    if (bias) {
      Value biases =
          cell.reshape(cell.slice(bias, {d, 0}, {1, 2 * width}), {2 * width});
      Value inputBias = cell.slice(biases, {0}, {width});
      Value recurrentBias = cell.slice(biases, {width}, {width});
      if (kind == CellKind::GRU) {
        // Rb_h stays inside the reset gate; Rb_z and Rb_r join the input.
        direction.recurrentHiddenBias =
            cell.slice(recurrentBias, {2 * hidden}, {hidden});
        recurrentBias =
            cell.concat({cell.slice(recurrentBias, {0}, {2 * hidden}),
                         cell.zeros({hidden})},
                        0);
      }
      projected = cell.add(projected, cell.add(inputBias, recurrentBias));
    }
    direction.inputProjection = cell.reshape(projected, {steps, batch, width});
    if (peephole)
      direction.peephole = cell.reshape(
          cell.slice(peephole, {d, 0}, {1, 3 * hidden}), {3 * hidden});

    Value h = initialHidden ? perDirection(initialHidden, batch, hidden)
                            : cell.zeros({batch, hidden});
    Value c = kind != CellKind::LSTM ? Value()
              : initialState         ? perDirection(initialState, batch, hidden)
                                     : cell.zeros({batch, hidden});
    SmallVector<Value> perStep(steps);
    for (int64_t i = 0; i < steps; ++i) {
      int64_t t = direction.reverse ? steps - 1 - i : i;
      Value projectedStep = cell.reshape(
          cell.slice(direction.inputProjection, {t, 0, 0}, {1, batch, width}),
          {batch, width});
      std::tie(h, c) = step(cell, options, direction, projectedStep, h, c);
      perStep[t] = cell.reshape(h, {1, 1, batch, hidden});
    }
    outputs.push_back(cell.concat(perStep, 0));
    lastHidden.push_back(cell.reshape(h, {1, batch, hidden}));
    if (c)
      lastState.push_back(cell.reshape(c, {1, batch, hidden}));
  }
  Value y = cell.concat(outputs, 1);          // [T, D, B, H]
  Value yHidden = cell.concat(lastHidden, 0); // [D, B, H]
  Value yState = lastState.empty() ? Value() : cell.concat(lastState, 0);
  if (layout == 1) {
    y = cell.transpose(y, {2, 0, 1, 3});
    yHidden = cell.transpose(yHidden, {1, 0, 2});
    if (yState)
      yState = cell.transpose(yState, {1, 0, 2});
  }
  SmallVector<Value> results = {y, yHidden};
  if (yState)
    results.push_back(yState);
  results.resize(
      std::min<size_t>(results.size(), node.getNode().output_size()));
  node.setResults(results);
  return success();
}

} // namespace

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getRecurrentOpImporters() {
  static const OpImportEntry entries[] = {
      {"", "GRU", 7, importRecurrent<CellKind::GRU>},
      {"", "LSTM", 7, importRecurrent<CellKind::LSTM>},
      {"", "RNN", 7, importRecurrent<CellKind::RNN>},
  };
  return entries;
}
