//===- LinalgToMicrokernels.cpp - matmuls to Quill's packed GEMMs ---------===//
//
// Upstream MLIR 22 tiles and vectorizes a matmul but has no packing
// schedule, so large products stay far below the FMA peak, and int8 products
// never reach VNNI's byte dot products; Quill's runtime carries BLIS-style
// packed kernels (lib/Runtime/Kernels/Sgemm.c for f32, Igemm.c for int8 x
// int8 -> int32) and this pass calls them. Operands are passed as strided
// memrefs, so transposed operands need no copy: the kernels' packing reads
// any strides. A constant int8 B (weights) is packed here, at compile time,
// into the layout the int8 kernel reads (quill/Runtime/IgemmLayout.h), so
// that the model does not repack its weights on every call. When such a
// product's only reader is a requantization (RequantizationEpilogue.h), the
// kernel applies it to its sums in registers and writes int8 directly
// (quill_igemm_s8_packed_requantize).
//
//===----------------------------------------------------------------------===//

#include "BlockWeightGemm.h"
#include "HadamardKernel.h"
#include "MicrokernelCalls.h"
#include "RequantizationEpilogue.h"

#include "quill/Conversion/Passes.h"
#include "quill/Runtime/IgemmLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_LINALGTOMICROKERNELSPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

/// A runtime GEMM: its name and the element types it multiplies.
struct Microkernel {
  StringLiteral name;
  Type operandType;
  Type resultType;
};

/// The kernel for a product of `lhs` and `rhs` into `out` memrefs of rank
/// `rank`: f32 x f32 -> f32, or int8 x int8 -> int32 with signed operands.
static std::optional<Microkernel> selectMicrokernel(Value lhs, Value rhs,
                                                    Value out, int64_t rank,
                                                    bool signedCast) {
  auto elementOf = [&](Value value) -> Type {
    auto type = dyn_cast<MemRefType>(value.getType());
    return type && type.getRank() == rank ? type.getElementType() : Type();
  };
  Type lhsType = elementOf(lhs), rhsType = elementOf(rhs),
       outType = elementOf(out);
  if (!lhsType || lhsType != rhsType || !outType)
    return std::nullopt;
  if (lhsType.isF32() && outType.isF32())
    return Microkernel{"quill_sgemm", lhsType, outType};
  if (signedCast && lhsType.isInteger(8) && outType.isInteger(32))
    return Microkernel{"quill_igemm_s8", lhsType, outType};
  return std::nullopt;
}

static Value transposeMatrix(OpBuilder &b, Location loc, Value matrix) {
  AffineMap swap =
      AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0}, b.getContext());
  return memref::TransposeOp::create(b, loc, matrix, AffineMapAttr::get(swap));
}

/// Emits `C += A * B` on 2-d views, transposing A and B views as told.
static void emitGemmCall(OpBuilder &b, Location loc, ModuleOp module,
                         const Microkernel &kernel, Value lhs,
                         bool transposeLhs, Value rhs, bool transposeRhs,
                         Value out) {
  if (transposeLhs)
    lhs = transposeMatrix(b, loc, lhs);
  if (transposeRhs)
    rhs = transposeMatrix(b, loc, rhs);
  MemRefType operand = getStridedMatrixType(kernel.operandType);
  MemRefType result = getStridedMatrixType(kernel.resultType);
  func::CallOp::create(
      b, loc,
      getOrDeclareKernel(module, kernel.name, {operand, operand, result}),
      ValueRange{castToStridedMatrix(b, loc, lhs),
                 castToStridedMatrix(b, loc, rhs),
                 castToStridedMatrix(b, loc, out)});
}

/// The int8 values of a constant global that `value` reads, if it does.
static std::optional<SmallVector<int8_t>> getConstantBytes(Operation *user,
                                                           Value value) {
  auto values = getConstantGlobal<DenseIntElementsAttr>(user, value);
  if (!values || !values.getElementType().isInteger(8))
    return std::nullopt;
  return llvm::to_vector(values.getValues<int8_t>());
}

/// A constant int8 B packed for the int8 kernel: its panels and their
/// corrections, as 1-d memrefs.
struct PackedWeights {
  Value panels;
  Value corrections;
};

/// Packs the constant int8 B that `weights` reads ([K, N], or [N, K] when
/// transposed) here, at compile time, into two new globals.
static PackedWeights packWeights(OpBuilder &b, Location loc, ModuleOp module,
                                 memref::GetGlobalOp weights,
                                 ArrayRef<int8_t> bytes, bool transposeRhs) {
  auto weightType = cast<MemRefType>(weights.getType());
  int64_t depth = weightType.getDimSize(transposeRhs ? 1 : 0);
  int64_t columns = weightType.getDimSize(transposeRhs ? 0 : 1);
  int64_t rowStride = transposeRhs ? 1 : columns;
  int64_t colStride = transposeRhs ? depth : 1;
  SmallVector<int8_t> packed(quillIgemmPackedBytes(depth, columns));
  SmallVector<int32_t> correction(columns);
  quillIgemmPackB(bytes.data(), rowStride, colStride, depth, columns,
                  packed.data(), correction.data());

  std::string name =
      (weights.getName() + (transposeRhs ? "_igemm_packed_t" : "_igemm_packed"))
          .str();
  auto packedType =
      RankedTensorType::get({(int64_t)packed.size()}, b.getI8Type());
  auto correctionType = RankedTensorType::get({columns}, b.getI32Type());
  memref::GlobalOp packedGlobal = getOrCreateConstantGlobal(
      module, name, DenseElementsAttr::get(packedType, ArrayRef(packed)));
  memref::GlobalOp correctionGlobal = getOrCreateConstantGlobal(
      module, name + "_correction",
      DenseElementsAttr::get(correctionType, ArrayRef(correction)));

  return {readGlobalAsVector(b, loc, packedGlobal),
          readGlobalAsVector(b, loc, correctionGlobal)};
}

/// Emits `C += A * B` for B packed at compile time.
static void emitPackedIgemmCall(OpBuilder &b, Location loc, ModuleOp module,
                                Value lhs, bool transposeLhs,
                                PackedWeights weights, Value out) {
  if (transposeLhs)
    lhs = transposeMatrix(b, loc, lhs);
  func::FuncOp callee = getOrDeclareKernel(
      module, "quill_igemm_s8_packed",
      {getStridedMatrixType(b.getI8Type()), weights.panels.getType(),
       weights.corrections.getType(), getStridedMatrixType(b.getI32Type())});
  func::CallOp::create(b, loc, callee,
                       ValueRange{castToStridedMatrix(b, loc, lhs),
                                  weights.panels, weights.corrections,
                                  castToStridedMatrix(b, loc, out)});
}

/// Emits `Out = requantize(A * B)` for an M x K A and B packed at compile
/// time, with the epilogue's per-column vectors and the kernel's workspace
/// allocated just before (and freed after); one call per image where the
/// output's rows collapse only image by image.
static void emitRequantizingIgemmCall(OpBuilder &b, Location loc,
                                      ModuleOp module, Value lhs,
                                      bool transposeLhs, PackedWeights weights,
                                      const RequantizationEpilogue &epilogue,
                                      int64_t rows, int64_t depth,
                                      int64_t columns) {
  if (transposeLhs)
    lhs = transposeMatrix(b, loc, lhs);
  MemRefType matrixType = getStridedMatrixType(b.getI8Type());
  // A and Out, per call, around these.
  SmallVector<Value> arguments = {Value(), weights.panels, weights.corrections};
  SmallVector<Value, 4> buffers =
      materializeColumnVectors(b, epilogue, columns);
  for (Value vector : buffers) {
    auto type = cast<MemRefType>(vector.getType());
    arguments.push_back(memref::CastOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, type.getElementType()),
        vector));
  }
  for (int64_t scalar :
       {epilogue.zeroPoint, epilogue.lo, epilogue.hi, epilogue.flip})
    arguments.push_back(
        arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(scalar)));
  int64_t images = getImageCount(epilogue), imageRows = rows / images;
  Value workspace = memref::AllocOp::create(
      b, loc,
      MemRefType::get({quillIgemmRequantizeWorkspaceBytes(imageRows, depth)},
                      b.getI8Type()),
      b.getI64IntegerAttr(64));
  buffers.push_back(workspace);
  arguments.push_back(memref::CastOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI8Type()),
      workspace));
  arguments.push_back(Value());
  SmallVector<Type> argumentTypes = {matrixType};
  for (Value argument : ArrayRef(arguments).slice(1, arguments.size() - 2))
    argumentTypes.push_back(argument.getType());
  argumentTypes.push_back(matrixType);
  func::FuncOp callee = getOrDeclareKernel(
      module, "quill_igemm_s8_packed_requantize", argumentTypes);

  auto call = [&](Value lhsRows, Value out) {
    arguments.front() = castToStridedMatrix(b, loc, lhsRows);
    arguments.back() = castToStridedMatrix(b, loc, out);
    func::CallOp::create(b, loc, callee, arguments);
  };
  if (!epilogue.perImage) {
    call(lhs, buildOutputMatrix(b, epilogue));
  } else {
    OpBuilder::InsertionGuard guard(b);
    auto loop =
        scf::ForOp::create(b, loc, arith::ConstantIndexOp::create(b, loc, 0),
                           arith::ConstantIndexOp::create(b, loc, images),
                           arith::ConstantIndexOp::create(b, loc, 1));
    b.setInsertionPointToStart(loop.getBody());
    Value image = loop.getInductionVar();
    Value firstRow = arith::MulIOp::create(
        b, loc, image, arith::ConstantIndexOp::create(b, loc, imageRows));
    Value lhsRows = memref::SubViewOp::create(
        b, loc, lhs, ArrayRef<OpFoldResult>{firstRow, b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(imageRows),
                               b.getIndexAttr(depth)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    call(lhsRows, buildOutputMatrix(b, epilogue, image));
  }
  for (Value buffer : buffers)
    memref::DeallocOp::create(b, loc, buffer);
}

/// A linalg.matmul the kernels can compute.
struct GemmMatch {
  Microkernel kernel;
  Value lhs;
  bool transposeLhs;
  Value rhs;
  bool transposeRhs;
  Value out;
  /// K: the product's reduction length.
  int64_t depth;
  /// B's bytes, when it is a constant the compiler may pack.
  std::optional<SmallVector<int8_t>> constantBytes;
};

/// `op` on buffers, plain or with transposed operand maps, with at least
/// `minFlops` multiply-adds.
static std::optional<GemmMatch> matchGemm(linalg::MatmulOp op, int64_t minFlops,
                                          bool packConstants) {
  if (!op.hasPureBufferSemantics())
    return std::nullopt;
  Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
  Value out = op.getDpsInits()[0];
  std::optional<Microkernel> kernel = selectMicrokernel(
      lhs, rhs, out, 2, op.getCast() == linalg::TypeFn::cast_signed);
  if (!kernel)
    return std::nullopt;
  std::optional<MatmulLayout> layout = getMatmulLayout(op);
  if (!layout)
    return std::nullopt;
  bool transposeLhs = layout->transposeLhs;
  bool transposeRhs = layout->transposeRhs;
  auto outType = cast<MemRefType>(out.getType());
  int64_t depth =
      cast<MemRefType>(lhs.getType()).getDimSize(transposeLhs ? 0 : 1);
  if (outType.getNumElements() * depth < minFlops)
    return std::nullopt;
  std::optional<SmallVector<int8_t>> constantBytes;
  if (packConstants && kernel->operandType.isInteger(8))
    constantBytes = getConstantBytes(op, rhs);
  return GemmMatch{*kernel,      lhs, transposeLhs, rhs,
                   transposeRhs, out, depth,        std::move(constantBytes)};
}

/// The buffer `value` is a view of, through view-like ops and casts.
static Value getUnderlyingBuffer(Value value) {
  while (true) {
    if (auto view = value.getDefiningOp<ViewLikeOpInterface>())
      value = view.getViewSource();
    else if (auto cast = value.getDefiningOp<memref::CastOp>())
      value = cast.getSource();
    else
      return value;
  }
}

/// Whether `a` and `b` are views of two different allocations (of this
/// function: arguments may alias each other).
static bool areDistinctBuffers(Value a, Value b) {
  Value bufferA = getUnderlyingBuffer(a), bufferB = getUnderlyingBuffer(b);
  auto isAllocation = [](Value buffer) {
    return isa_and_present<memref::AllocOp, memref::AllocaOp,
                           memref::GetGlobalOp>(buffer.getDefiningOp());
  };
  return bufferA != bufferB && (isAllocation(bufferA) || isAllocation(bufferB));
}

/// The requantization that is the only reader of `matmul`'s accumulator,
/// when the matmul and its zero fill can become one kernel call writing
/// the epilogue's output instead. The accumulator must be a buffer of this
/// block used whole (no views but the epilogue's expand_shape) by the fill,
/// the matmul, the epilogue and afterwards only by deallocation or a new
/// fill; nothing between the matmul and the epilogue may touch memory.
static std::optional<RequantizationEpilogue>
findFusableEpilogue(linalg::MatmulOp matmul, linalg::FillOp &fill) {
  Value accumulator = matmul.getDpsInits()[0];
  Block *block = matmul->getBlock();
  auto alloc = accumulator.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != block)
    return std::nullopt;
  // Each op using the accumulator, directly or through an expand_shape (a
  // convolution's epilogue reads the product so), with the value it reads.
  // Each must be a linalg op or deallocation of this block, reading one
  // value.
  SmallVector<Operation *> users;
  DenseMap<Operation *, Value> readValues;
  auto addUser = [&](Operation *user, Value read) {
    auto [entry, inserted] = readValues.try_emplace(user, read);
    if (inserted)
      users.push_back(user);
    return entry->second == read && user->getBlock() == block &&
           isa<linalg::LinalgOp, memref::DeallocOp>(user);
  };
  for (Operation *user : accumulator.getUsers()) {
    auto expand = dyn_cast<memref::ExpandShapeOp>(user);
    if (!expand) {
      if (!addUser(user, accumulator))
        return std::nullopt;
      continue;
    }
    for (Operation *expandUser : expand->getUsers())
      if (!addUser(expandUser, expand))
        return std::nullopt;
  }
  llvm::sort(users,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  auto position = llvm::find(users, matmul.getOperation()) - users.begin();
  if (position == 0 || position + 1 >= (int64_t)users.size())
    return std::nullopt;

  fill = dyn_cast<linalg::FillOp>(users[position - 1]);
  if (!fill || fill.getDpsInits()[0] != accumulator ||
      !matchPattern(fill.getDpsInputs()[0], m_Zero()))
    return std::nullopt;
  auto generic = dyn_cast<linalg::GenericOp>(users[position + 1]);
  if (!generic)
    return std::nullopt;
  Value epilogueInput = readValues[generic];
  if (llvm::is_contained(generic.getDpsInits(), epilogueInput))
    return std::nullopt;
  for (Operation *op = matmul->getNextNode(); op != generic;
       op = op->getNextNode())
    if (!isMemoryEffectFree(op) && !isa<memref::AllocOp>(op))
      return std::nullopt;
  if (position + 2 < (int64_t)users.size()) {
    Operation *next = users[position + 2];
    auto refill = dyn_cast<linalg::FillOp>(next);
    if (!isa<memref::DeallocOp>(next) &&
        !(refill && refill.getDpsInits()[0] == accumulator))
      return std::nullopt;
  }
  return matchRequantizationEpilogue(generic, epilogueInput);
}

namespace {

/// linalg.matmul, with or without transposed operand maps.
struct MatmulToGemm : OpRewritePattern<linalg::MatmulOp> {
  MatmulToGemm(MLIRContext *context, int64_t minFlops, bool packConstants)
      : OpRewritePattern(context), minFlops(minFlops),
        packConstants(packConstants) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<GemmMatch> gemm = matchGemm(op, minFlops, packConstants);
    if (!gemm)
      return failure();
    ModuleOp module = op->getParentOfType<ModuleOp>();
    if (gemm->constantBytes) {
      PackedWeights weights =
          packWeights(rewriter, op.getLoc(), module,
                      gemm->rhs.getDefiningOp<memref::GetGlobalOp>(),
                      *gemm->constantBytes, gemm->transposeRhs);
      emitPackedIgemmCall(rewriter, op.getLoc(), module, gemm->lhs,
                          gemm->transposeLhs, weights, gemm->out);
    } else {
      emitGemmCall(rewriter, op.getLoc(), module, gemm->kernel, gemm->lhs,
                   gemm->transposeLhs, gemm->rhs, gemm->transposeRhs,
                   gemm->out);
    }
    rewriter.eraseOp(op);
    return success();
  }

  int64_t minFlops;
  bool packConstants;
};

/// A zero fill, an int8 linalg.matmul with constant weights and the
/// requantization that reads it: one call of the requantizing kernel.
struct RequantizingMatmulToGemm : OpRewritePattern<linalg::MatmulOp> {
  RequantizingMatmulToGemm(MLIRContext *context, int64_t minFlops)
      : OpRewritePattern(context), minFlops(minFlops) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<GemmMatch> gemm =
        matchGemm(op, minFlops, /*packConstants=*/true);
    if (!gemm || !gemm->constantBytes)
      return failure();
    linalg::FillOp fill;
    std::optional<RequantizationEpilogue> epilogue =
        findFusableEpilogue(op, fill);
    if (!epilogue)
      return failure();
    // One call may write over A (the kernel packs all of A first); one call
    // per image may not: a later image's rows would be overwritten.
    if (epilogue->perImage &&
        !areDistinctBuffers(gemm->lhs, epilogue->generic.getDpsInits()[0]))
      return failure();
    ModuleOp module = op->getParentOfType<ModuleOp>();
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(epilogue->generic);
    PackedWeights weights = packWeights(
        rewriter, loc, module, gemm->rhs.getDefiningOp<memref::GetGlobalOp>(),
        *gemm->constantBytes, gemm->transposeRhs);
    auto outType = cast<MemRefType>(gemm->out.getType());
    emitRequantizingIgemmCall(
        rewriter, loc, module, gemm->lhs, gemm->transposeLhs, weights,
        *epilogue, outType.getDimSize(0), gemm->depth, outType.getDimSize(1));
    Value epilogueInput =
        epilogue->generic.getDpsInputs()[epilogue->accumulator.getArgNumber()];
    rewriter.eraseOp(epilogue->generic);
    if (auto expand = epilogueInput.getDefiningOp<memref::ExpandShapeOp>();
        expand && expand->use_empty())
      rewriter.eraseOp(expand);
    rewriter.eraseOp(op);
    rewriter.eraseOp(fill);
    return success();
  }

  int64_t minFlops;
};

/// linalg.batch_matmul: one kernel call per matrix of the batch.
struct BatchMatmulToGemm : OpRewritePattern<linalg::BatchMatmulOp> {
  BatchMatmulToGemm(MLIRContext *context, int64_t minFlops)
      : OpRewritePattern(context), minFlops(minFlops) {}

  LogicalResult matchAndRewrite(linalg::BatchMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics() ||
        !llvm::equal(op.getIndexingMapsArray(),
                     op.getDefaultIndexingMaps(getContext())))
      return failure();
    Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
    Value out = op.getDpsInits()[0];
    std::optional<Microkernel> kernel = selectMicrokernel(
        lhs, rhs, out, 3, op.getCast() == linalg::TypeFn::cast_signed);
    if (!kernel)
      return failure();
    auto outType = cast<MemRefType>(out.getType());
    auto lhsType = cast<MemRefType>(lhs.getType());
    if (outType.getDimSize(1) * outType.getDimSize(2) * lhsType.getDimSize(2) <
        minFlops)
      return failure();
    Location loc = op.getLoc();
    ModuleOp module = op->getParentOfType<ModuleOp>();
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value batch =
        arith::ConstantIndexOp::create(rewriter, loc, outType.getDimSize(0));
    auto loop = scf::ForOp::create(rewriter, loc, zero, batch, one);
    rewriter.setInsertionPointToStart(loop.getBody());
    Value index = loop.getInductionVar();
    auto matrixOf = [&](Value value) -> Value {
      auto type = cast<MemRefType>(value.getType());
      SmallVector<OpFoldResult> offsets = {index, rewriter.getIndexAttr(0),
                                           rewriter.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes = {
          rewriter.getIndexAttr(1), rewriter.getIndexAttr(type.getDimSize(1)),
          rewriter.getIndexAttr(type.getDimSize(2))};
      SmallVector<OpFoldResult> strides(3, rewriter.getIndexAttr(1));
      auto resultType = memref::SubViewOp::inferRankReducedResultType(
          {type.getDimSize(1), type.getDimSize(2)}, type, offsets, sizes,
          strides);
      return memref::SubViewOp::create(rewriter, loc,
                                       cast<MemRefType>(resultType), value,
                                       offsets, sizes, strides);
    };
    emitGemmCall(rewriter, loc, module, *kernel, matrixOf(lhs), false,
                 matrixOf(rhs), false, matrixOf(out));
    rewriter.eraseOp(op);
    return success();
  }

  int64_t minFlops;
};

struct LinalgToMicrokernelsPass
    : quill::impl::LinalgToMicrokernelsPassBase<LinalgToMicrokernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    // Fusions first: a plain call's cast of a shared accumulator buffer
    // would hide which ops read it from the fusion's check.
    if (packConstantWeights) {
      RewritePatternSet fusions(&getContext());
      fusions.add<RequantizingMatmulToGemm>(&getContext(), minFlops);
      if (failed(applyPatternsGreedily(getOperation(), std::move(fusions))))
        return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    if (packConstantWeights)
      populateBlockWeightGemmPatterns(patterns, lowBitCompute);
    populateHadamardKernelPatterns(patterns);
    patterns.add<MatmulToGemm>(&getContext(), minFlops, packConstantWeights);
    patterns.add<BatchMatmulToGemm>(&getContext(), minFlops);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
