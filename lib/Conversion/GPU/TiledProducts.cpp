//===- TiledProducts.cpp - Products as shared-memory tiled GPU kernels ----===//
//
// The tuning constants of the tiled kernels (block and thread tiles, slice
// depths, padding, the tensor cores' warp pieces) live here, with the kernel
// they shape.
//
//===----------------------------------------------------------------------===//

#include "GPUProducts.h"

#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::quill::products;

namespace {

/// Threads per block in each of x and y, the output elements each thread
/// computes in each, and the output tile of a block (their product).
constexpr int64_t kBlockThreads = 16;
constexpr int64_t kThreadElements = 4;
constexpr int64_t kBlockTile = kBlockThreads * kThreadElements;

/// A shared-memory tiled kernel (a gpu.launch) for products of at least
/// 64 x 64 outputs: a block of 16 x 16 threads computes a 64 x 64 tile of
/// the output (128 x 128 for large products on the tensor cores,
/// getBlockTile), each thread 4 x 4 elements 16 apart for floats (a warp's
/// threads read neighbouring columns, its stores coalesce). For each slice
/// of K, the block's threads together copy the tile's rows of A and of B
/// into shared memory (zeros past the product's edges), wait at a barrier,
/// accumulate from shared memory in registers, and wait again before the
/// next slice overwrites it; the next slice's elements are loaded into
/// registers meanwhile. Each element of A and B is then read from global
/// memory once per block instead of once per thread. Both tiles are stored
/// with K contiguous (B transposed), rows padded against bank conflicts
/// (getPaddedRow). int8 products (K a multiple of 4, signed) run on the
/// tensor cores: the slice holds 32-bit words of four bytes, and each warp
/// computes its piece of the tile (getWarpTileRows) with mma.sync m16n8k32
/// (the int8 shape that does the most per instruction, as CUTLASS uses on
/// sm_80+), whose operand registers are exactly such words.
struct TiledKernel : ProductLowering {
  void build(PatternRewriter &rewriter, Location loc) const {
    auto outType = cast<MemRefType>(out.getType());
    int64_t rank = getRank();
    int64_t rows = outType.getDimSize(rank - 2);
    int64_t columns = outType.getDimSize(rank - 1);
    int64_t depth = getDepth();
    int64_t batch = rank == 3 ? outType.getDimSize(0) : 1;
    Type lhsElement = cast<MemRefType>(lhs.getType()).getElementType();
    Type rhsElement = cast<MemRefType>(rhs.getType()).getElementType();
    int64_t depthTile = getDepthTile(lhsElement, rhsElement);
    int64_t blockTile = getBlockTile();
    int64_t warpTileRows = getWarpTileRows(blockTile);
    // The tensor cores' tiles hold each operand's four bytes along K as one
    // 32-bit word, an mma operand register (a byte array in shared memory
    // is only byte aligned).
    int64_t valuesPerElement = useTensorCores() ? 4 : 1;
    int64_t tileWidth = depthTile / valuesPerElement;
    auto workgroup = gpu::AddressSpaceAttr::get(rewriter.getContext(),
                                                gpu::AddressSpace::Workgroup);
    auto tileType = [&](Type element) {
      if (useTensorCores())
        element = rewriter.getI32Type();
      return MemRefType::get({blockTile, getPaddedRow(tileWidth, element)},
                             element, MemRefLayoutAttrInterface(), workgroup);
    };
    auto index = [&](int64_t value) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, value);
    };
    auto launch = gpu::LaunchOp::create(
        rewriter, loc, index(llvm::divideCeil(columns, blockTile)),
        index(llvm::divideCeil(rows, blockTile)), index(batch),
        index(kBlockThreads), index(kBlockThreads), index(1),
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        /*asyncDependencies=*/{},
        TypeRange{tileType(lhsElement), tileType(rhsElement)});
    OpBuilder::InsertionGuard guard(rewriter);
    Block &body = launch.getBody().front();
    rewriter.setInsertionPointToStart(&body);
    OpBuilder &b = rewriter;
    Value lhsTile = launch.getWorkgroupAttributions()[0];
    Value rhsTile = launch.getWorkgroupAttributions()[1];
    Value tx = launch.getThreadIds().x, ty = launch.getThreadIds().y;
    auto add = [&](Value x, Value y) -> Value {
      return arith::AddIOp::create(b, loc, x, y);
    };
    auto multiply = [&](Value x, int64_t y) -> Value {
      return arith::MulIOp::create(b, loc, x, index(y));
    };
    Value rowBase = multiply(launch.getBlockIds().y, blockTile);
    Value columnBase = multiply(launch.getBlockIds().x, blockTile);
    Value thread = add(multiply(ty, kBlockThreads), tx);
    SmallVector<Value> batchIvs;
    if (rank == 3)
      batchIvs.push_back(launch.getBlockIds().z);

    // The tile positions of the thread's accumulators: a 4 x 4 grid 16 apart,
    // or with tensor cores the thread's fragments of its warp's piece of the
    // tile (16 x 8 mma outputs, each with c0, c1 at row groupID, c2, c3 at
    // groupID + 8, columns 2 * threadID_in_group + {0, 1}), in the order
    // [m16 block][n8 block][c].
    Value warpRow, warpColumn, group, threadInGroup;
    SmallVector<std::pair<Value, Value>> positions;
    SmallVector<Value> tileRows, tileColumns;
    if (useTensorCores()) {
      Value warp = arith::DivUIOp::create(b, loc, thread, index(kWarpSize));
      Value lane = arith::RemUIOp::create(b, loc, thread, index(kWarpSize));
      int64_t warpRows = blockTile / warpTileRows;
      warpRow = multiply(arith::RemUIOp::create(b, loc, warp, index(warpRows)),
                         warpTileRows);
      warpColumn =
          multiply(arith::DivUIOp::create(b, loc, warp, index(warpRows)),
                   kWarpTileColumns);
      group = arith::DivUIOp::create(b, loc, lane, index(4));
      threadInGroup = arith::RemUIOp::create(b, loc, lane, index(4));
      Value pairColumn = multiply(threadInGroup, 2);
      for (int64_t m = 0; m < warpTileRows / 16; ++m)
        for (int64_t n = 0; n < kWarpTileColumns / 8; ++n)
          for (int64_t c = 0; c < 4; ++c)
            positions.push_back(
                {add(warpRow, add(group, index(16 * m + 8 * (c / 2)))),
                 add(warpColumn, add(pairColumn, index(8 * n + c % 2)))});
    } else {
      for (int64_t i = 0; i < kThreadElements; ++i) {
        tileRows.push_back(add(ty, index(i * kBlockThreads)));
        tileColumns.push_back(add(tx, index(i * kBlockThreads)));
      }
      for (Value tileRow : tileRows)
        for (Value tileColumn : tileColumns)
          positions.push_back({tileRow, tileColumn});
    }
    // Their output iterations, and whether each is inside the output (null:
    // always).
    SmallVector<SmallVector<Value>> elementIvs;
    SmallVector<Value> inBounds;
    for (auto [tileRow, tileColumn] : positions) {
      SmallVector<Value> ivs(batchIvs);
      ivs.push_back(add(rowBase, tileRow));
      ivs.push_back(add(columnBase, tileColumn));
      inBounds.push_back(getInBounds(b, loc,
                                     {{ivs[rank - 2], rows, blockTile},
                                      {ivs[rank - 1], columns, blockTile}}));
      elementIvs.push_back(ivs);
    }
    SmallVector<Value> inits;
    for (size_t element = 0; element < elementIvs.size(); ++element)
      inits.push_back(ifInBounds(
          b, loc, inBounds[element], getAccumulatorType(), [&](OpBuilder &nb) {
            return loadInitial(nb, loc, elementIvs[element]);
          }));

    // An operand's slice as the thread copies it: `copies` pieces, `threads`
    // apart. A piece is one tile element (a warp copying along the source's
    // contiguous dimension: K for A and B transposed, N for B), or for int8
    // B read along N in aligned words (`blocksAlongN`), a block of 4 x 4
    // bytes: four 32-bit loads (K rows k..k+3, columns n..n+3) transposed
    // in registers into the tile's words of columns n..n+3. Consecutive
    // threads take consecutive words along K there, so that a warp's stores
    // of a column's words fill the 32 banks once.
    struct Operand {
      Value source, base;
      int64_t bound;
      Value tile;
      bool kContiguous, blocksAlongN;
      int64_t copies;
    };
    int64_t threads = kBlockThreads * kBlockThreads;
    int64_t tileElements = blockTile * tileWidth;
    auto rhsType = cast<MemRefType>(rhs.getType());
    bool rhsBlocks = useTensorCores() && !rhsTransposed && columns % 4 == 0 &&
                     hasAlignedWords(rhsType);
    Operand operands[] = {{lhs, rowBase, rows, lhsTile, /*kContiguous=*/true,
                           /*blocksAlongN=*/false, tileElements / threads},
                          {rhs, columnBase, columns, rhsTile, rhsTransposed,
                           rhsBlocks,
                           tileElements / (rhsBlocks ? 4 : 1) / threads}};
    // The thread's pieces: their operand, tile position [row][K] (a block's
    // first column) and row of the source (the same for every slice).
    struct Piece {
      const Operand *operand;
      Value row, column, rowIv;
    };
    SmallVector<Piece> pieces;
    for (const Operand &operand : operands)
      for (int64_t copy = 0; copy < operand.copies; ++copy) {
        Value element = add(thread, index(copy * threads));
        Value width =
            index(operand.kContiguous || operand.blocksAlongN ? tileWidth
                                                              : blockTile);
        Value outer = arith::DivUIOp::create(b, loc, element, width);
        Value inner = arith::RemUIOp::create(b, loc, element, width);
        Value row = operand.blocksAlongN  ? multiply(outer, 4)
                    : operand.kContiguous ? outer
                                          : inner;
        Value column =
            operand.kContiguous || operand.blocksAlongN ? inner : outer;
        pieces.push_back({&operand, row, column, add(operand.base, row)});
      }
    // The thread's pieces of the slice at `k`, from global memory (zeros
    // past the product's edges), and their stores into the tiles.
    auto loadSlice = [&](Value k) {
      SmallVector<Value> values;
      for (const Piece &piece : pieces) {
        const Operand &operand = *piece.operand;
        Value kIv = add(k, multiply(piece.column, valuesPerElement));
        auto ivsAt = [&](int64_t value) {
          Value kAt = value ? add(kIv, index(value)) : kIv;
          SmallVector<Value> ivs(batchIvs);
          if (operand.kContiguous)
            ivs.append({piece.rowIv, kAt});
          else
            ivs.append({kAt, piece.rowIv});
          return ivs;
        };
        SmallVector<Bound> checks = {{piece.rowIv, operand.bound, blockTile},
                                     {kIv, depth, depthTile}};
        values.push_back(
            operand.blocksAlongN
                ? loadByteBlock(b, loc, operand.source, ivsAt, checks)
                : loadSliceElement(b, loc, operand.source, ivsAt, checks,
                                   operand.kContiguous));
      }
      return values;
    };
    auto storeSlice = [&](ValueRange values) {
      for (auto [piece, value] : llvm::zip(pieces, values)) {
        Value tile = piece.operand->tile;
        if (piece.operand->blocksAlongN) {
          for (int64_t c = 0; c < 4; ++c)
            memref::StoreOp::create(
                b, loc, vector::ExtractOp::create(b, loc, value, c), tile,
                ValueRange{add(piece.row, index(c)), piece.column});
        } else if (isa<VectorType>(value.getType())) {
          vector::StoreOp::create(b, loc, value, tile,
                                  ValueRange{piece.row, piece.column});
        } else {
          memref::StoreOp::create(b, loc, value, tile,
                                  ValueRange{piece.row, piece.column});
        }
      }
    };

    // The loop over K's slices carries the accumulators and the next
    // slice's elements: loaded while the current slice is used, so that
    // global memory's latency overlaps the arithmetic (with one shared
    // tile per operand, the loads wait in registers).
    size_t accumulators = inits.size();
    llvm::append_range(inits, loadSlice(index(0)));
    auto slices = scf::ForOp::create(
        b, loc, index(0), index(depth), index(depthTile), inits,
        [&](OpBuilder &nb, Location nl, Value k, ValueRange carried) {
          OpBuilder::InsertionGuard sliceGuard(rewriter);
          rewriter.setInsertionPointToStart(nb.getInsertionBlock());
          ValueRange staged = carried.drop_front(accumulators);
          storeSlice(staged);
          gpu::BarrierOp::create(b, nl);
          Value next = add(k, index(depthTile));
          Value hasNext = arith::CmpIOp::create(
              b, nl, arith::CmpIPredicate::ult, next, index(depth));
          auto prefetch = scf::IfOp::create(b, nl, staged.getTypes(), hasNext,
                                            /*withElseRegion=*/true);
          {
            OpBuilder::InsertionGuard prefetchGuard(rewriter);
            rewriter.setInsertionPointToStart(prefetch.thenBlock());
            scf::YieldOp::create(b, nl, loadSlice(next));
            rewriter.setInsertionPointToStart(prefetch.elseBlock());
            SmallVector<Value> zeros;
            for (Type type : staged.getTypes())
              zeros.push_back(
                  arith::ConstantOp::create(b, nl, type, b.getZeroAttr(type)));
            scf::YieldOp::create(b, nl, zeros);
          }
          SmallVector<Value> sums(carried.take_front(accumulators));
          if (useTensorCores()) {
            // m16n8k32 per 32 bytes of the slice and 16 x 8 output: A's
            // rows groupID and groupID + 8 of its m16 block, B's column
            // groupID of its n8 block, each the words threadID_in_group and
            // threadID_in_group + 4 of those bytes. Each A fragment serves
            // the warp's n8 blocks, each B fragment its m16 blocks.
            for (int64_t step = 0; step < depthTile / kMmaDepth; ++step) {
              Value word = add(threadInGroup, index(8 * step));
              Value nextWord = add(word, index(4));
              SmallVector<SmallVector<Value>> aFragments, bFragments;
              for (int64_t m = 0; m < warpTileRows / 16; ++m) {
                Value row = add(warpRow, add(group, index(16 * m)));
                Value nextRow = add(row, index(8));
                SmallVector<Value> &a = aFragments.emplace_back();
                for (auto [aRow, kWord] : {std::pair(row, word),
                                           {nextRow, word},
                                           {row, nextWord},
                                           {nextRow, nextWord}})
                  a.push_back(memref::LoadOp::create(b, nl, lhsTile,
                                                     ValueRange{aRow, kWord}));
              }
              for (int64_t n = 0; n < kWarpTileColumns / 8; ++n) {
                Value bRow = add(warpColumn, add(group, index(8 * n)));
                SmallVector<Value> &bWords = bFragments.emplace_back();
                for (Value kWord : {word, nextWord})
                  bWords.push_back(memref::LoadOp::create(
                      b, nl, rhsTile, ValueRange{bRow, kWord}));
              }
              for (auto [m, a] : llvm::enumerate(aFragments))
                for (auto [n, bWords] : llvm::enumerate(bFragments)) {
                  int64_t first = 4 * (m * bFragments.size() + n);
                  MutableArrayRef<Value> c(sums.data() + first, 4);
                  multiplyAccumulateTile(b, nl, a, bWords, c);
                }
            }
          } else {
            for (int64_t kk = 0; kk < depthTile; ++kk) {
              SmallVector<Value> aValues, bValues;
              for (Value tileRow : tileRows)
                aValues.push_back(loadFromTile(b, nl, lhsTile, tileRow, kk));
              for (Value tileColumn : tileColumns)
                bValues.push_back(loadFromTile(b, nl, rhsTile, tileColumn, kk));
              for (int64_t i = 0; i < kThreadElements; ++i)
                for (int64_t j = 0; j < kThreadElements; ++j) {
                  Value &sum = sums[i * kThreadElements + j];
                  sum = multiplyAdd(b, nl, aValues[i], bValues[j], sum);
                }
            }
          }
          gpu::BarrierOp::create(b, nl);
          llvm::append_range(sums, prefetch.getResults());
          scf::YieldOp::create(b, nl, sums);
        });
    for (auto [ivs, valid, sum] :
         llvm::zip(elementIvs, inBounds,
                   slices.getResults().take_front(accumulators))) {
      if (!valid) {
        storeResult(b, loc, ivs, sum);
        continue;
      }
      auto ifOp = scf::IfOp::create(b, loc, valid, /*withElseRegion=*/false);
      OpBuilder thenBuilder = ifOp.getThenBodyBuilder();
      storeResult(thenBuilder, loc, ivs, sum);
    }
    gpu::TerminatorOp::create(b, loc);
  }

  /// Whether a product gets this kernel: at least 64 rows and 64 columns,
  /// at least 16 steps of K, elements of whole bytes.
  static bool isProfitable(MemRefType lhsType, MemRefType rhsType,
                           MemRefType outType) {
    int64_t rank = outType.getRank();
    auto wholeBytes = [](MemRefType type) {
      return type.getElementTypeBitWidth() % 8 == 0;
    };
    return outType.getDimSize(rank - 2) >= kBlockTile &&
           outType.getDimSize(rank - 1) >= kBlockTile &&
           lhsType.getShape().back() >= kBlockThreads && wholeBytes(lhsType) &&
           wholeBytes(rhsType);
  }

private:
  static constexpr int64_t kWarpSize = 32;

  /// int8 products (those dp4a would take) run on the int8 tensor cores
  /// (every accepted architecture is sm_80 or newer).
  bool useTensorCores() const { return step == Step::Dp4a; }

  /// K per int8 tensor-core step.
  static constexpr int64_t kMmaDepth = 32;
  /// The columns of a warp's piece of a tensor-core tile (four n8 mma
  /// outputs); its rows follow from the block's tile (getWarpTileRows).
  static constexpr int64_t kWarpTileColumns = 32;
  /// The larger tensor-core tile, and the blocks a grid of such tiles must
  /// still have to fill a GPU about twice (an H100 has 132 SMs, an A100
  /// 108); products with fewer keep 64 x 64 tiles and their parallelism.
  static constexpr int64_t kLargeBlockTile = 128;
  static constexpr int64_t kMinLargeTileBlocks = 256;

  /// The output tile of a block: 128 x 128 for large products on the tensor
  /// cores, else 64 x 64.
  int64_t getBlockTile() const {
    if (!useTensorCores())
      return kBlockTile;
    auto outType = cast<MemRefType>(out.getType());
    int64_t rank = outType.getRank();
    int64_t blocks =
        llvm::divideCeil(outType.getDimSize(rank - 2), kLargeBlockTile) *
        llvm::divideCeil(outType.getDimSize(rank - 1), kLargeBlockTile) *
        (rank == 3 ? outType.getDimSize(0) : 1);
    return blocks >= kMinLargeTileBlocks ? kLargeBlockTile : kBlockTile;
  }

  /// The rows of a warp's piece of a tensor-core tile of `blockTile`: the
  /// 8 warps side by side in pieces kWarpTileColumns wide. 128 x 128 tiles
  /// give 64 x 32 pieces (4 x 4 mma outputs, each fragment serving four:
  /// 192 bytes from shared memory per mma, half of what 64 x 64 tiles' 16 x
  /// 32 pieces read; shared-memory bandwidth, not the tensor cores, bounds
  /// small pieces).
  static int64_t getWarpTileRows(int64_t blockTile) {
    int64_t warps = kBlockThreads * kBlockThreads / kWarpSize;
    return blockTile * blockTile / (warps * kWarpTileColumns);
  }

  /// One int8 tensor-core step, mma.sync m16n8k32 (A row-major, B
  /// column-major, wrapping int32 sums like dp4a): the warp's 16 x 8 output
  /// `c` (the thread's four accumulators) plus A's 16 x 32 bytes (the
  /// thread's four words `a`) times B's 32 x 8 (the thread's two `bWords`).
  static void multiplyAccumulateTile(OpBuilder &b, Location loc,
                                     ArrayRef<Value> a, ValueRange bWords,
                                     MutableArrayRef<Value> c) {
    Type i32 = b.getI32Type();
    auto result =
        LLVM::LLVMStructType::getLiteral(b.getContext(), {i32, i32, i32, i32});
    Value d = NVVM::MmaOp::create(
        b, loc, result, a, bWords, SmallVector<Value>(c),
        /*shape=*/{16, 8, kMmaDepth}, /*b1Op=*/std::nullopt,
        NVVM::MMAIntOverflow::wrapped,
        std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::s8, NVVM::MMATypes::s8},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    for (int64_t i = 0; i < 4; ++i)
      c[i] = LLVM::ExtractValueOp::create(b, loc, d, i);
  }

  /// K per shared-memory slice: 16 elements, 32 for bytes, 64 on the
  /// tensor cores (two mma steps, as CUTLASS's int8 tiles: more work per
  /// pair of barriers and per wait for global memory).
  int64_t getDepthTile(Type lhsElement, Type rhsElement) const {
    if (useTensorCores())
      return 2 * kMmaDepth;
    bool bytes = lhsElement.getIntOrFloatBitWidth() == 8 &&
                 rhsElement.getIntOrFloatBitWidth() == 8;
    return bytes ? 32 : 16;
  }

  /// A tile row's length in elements: `columns` and padding against shared
  /// memory bank conflicts (32 banks of 32-bit words). A warp's scalar steps
  /// read one element of 16 rows at once (floats, bytes): an odd number of
  /// words apart, those rows fall in distinct banks. Its mma fragments read
  /// words 0-3 (+ 4, ...) of 8 rows at once: rows 4 (mod 8) words apart
  /// fill the 32 banks exactly once (an odd stride of 9 puts row 7's words
  /// on row 0's banks).
  int64_t getPaddedRow(int64_t columns, Type element) const {
    if (useTensorCores())
      return columns + 4;
    int64_t bytes = element.getIntOrFloatBitWidth() / 8;
    return columns + std::max<int64_t>(1, 4 / bytes);
  }

  /// An index that a tile or slice of `step` positions reaches: it stays
  /// below `bound` where `step` divides it.
  struct Bound {
    Value value;
    int64_t bound;
    int64_t step;
  };

  /// The conjunction of `value < bound` over the `checks` that can fail, or
  /// null if none can.
  static Value getInBounds(OpBuilder &b, Location loc, ArrayRef<Bound> checks) {
    Value all;
    for (auto [value, bound, step] : checks) {
      if (bound % step == 0)
        continue;
      Value below =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, value,
                                arith::ConstantIndexOp::create(b, loc, bound));
      all = all ? arith::AndIOp::create(b, loc, all, below) : below;
    }
    return all;
  }

  /// `compute`'s value where `valid` holds (always if null), else zero.
  static Value ifInBounds(OpBuilder &b, Location loc, Value valid, Type type,
                          function_ref<Value(OpBuilder &)> compute) {
    if (!valid)
      return compute(b);
    auto ifOp = scf::IfOp::create(b, loc, type, valid, /*withElseRegion=*/true);
    OpBuilder thenBuilder = ifOp.getThenBodyBuilder();
    scf::YieldOp::create(thenBuilder, loc, compute(thenBuilder));
    OpBuilder elseBuilder = ifOp.getElseBodyBuilder();
    scf::YieldOp::create(
        elseBuilder, loc,
        arith::ConstantOp::create(elseBuilder, loc, type,
                                  elseBuilder.getZeroAttr(type))
            .getResult());
    return ifOp.getResult(0);
  }

  /// Whether the four bytes of every int8 word of `type` (K its last
  /// dimension, a multiple of 4) are one aligned 32-bit word in memory:
  /// K contiguous, and the offset and every other stride multiples of 4
  /// (device buffers start 256-byte aligned: cuMemAlloc).
  static bool hasAlignedWords(MemRefType type) {
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) ||
        ShapedType::isDynamic(offset) || offset % 4 != 0 || strides.back() != 1)
      return false;
    return llvm::all_of(ArrayRef(strides).drop_back(), [](int64_t stride) {
      return !ShapedType::isDynamic(stride) && stride % 4 == 0;
    });
  }

  /// The element of `source` at `ivsAt(0)` (zero outside `checks`); for
  /// int8 words the four bytes at `ivsAt(0..3)` (consecutive along K, which
  /// is a multiple of 4: all in or all out) as one vector<1xi32> word, with
  /// one 32-bit load where `source` keeps them in one aligned word
  /// (`kContiguous`, see hasAlignedWords), else byte by byte.
  Value loadSliceElement(OpBuilder &b, Location loc, Value source,
                         function_ref<SmallVector<Value>(int64_t)> ivsAt,
                         ArrayRef<Bound> checks, bool kContiguous) const {
    Value valid = getInBounds(b, loc, checks);
    if (!useTensorCores()) {
      Type element = cast<MemRefType>(source.getType()).getElementType();
      SmallVector<Value> ivs = ivsAt(0);
      return ifInBounds(b, loc, valid, element, [&](OpBuilder &nb) {
        return memref::LoadOp::create(nb, loc, source, ivs).getResult();
      });
    }
    auto word = VectorType::get({1}, b.getI32Type());
    auto bytesType = VectorType::get({4}, b.getI8Type());
    bool wordLoad =
        kContiguous && hasAlignedWords(cast<MemRefType>(source.getType()));
    SmallVector<SmallVector<Value>> byteIvs;
    for (int64_t i = 0; i < (wordLoad ? 1 : 4); ++i)
      byteIvs.push_back(ivsAt(i));
    return ifInBounds(b, loc, valid, word, [&](OpBuilder &nb) {
      Value vector;
      if (wordLoad) {
        vector =
            vector::LoadOp::create(nb, loc, bytesType, source, byteIvs.front(),
                                   /*nontemporal=*/false, llvm::Align(4));
      } else {
        SmallVector<Value> bytes;
        for (ArrayRef<Value> ivs : byteIvs)
          bytes.push_back(memref::LoadOp::create(nb, loc, source, ivs));
        vector = vector::FromElementsOp::create(nb, loc, bytesType, bytes);
      }
      return vector::BitCastOp::create(nb, loc, word, vector).getResult();
    });
  }

  /// The 4 x 4 bytes of `source` at `ivsAt(0..3)` (K rows k..k+3, each
  /// from column n an aligned 32-bit word; zero outside `checks`, which K
  /// and N, multiples of 4, meet for all or none), transposed: word c of
  /// the result holds column n + c's four bytes along K, an mma operand
  /// register.
  static Value loadByteBlock(OpBuilder &b, Location loc, Value source,
                             function_ref<SmallVector<Value>(int64_t)> ivsAt,
                             ArrayRef<Bound> checks) {
    Value valid = getInBounds(b, loc, checks);
    SmallVector<SmallVector<Value>> rowIvs;
    for (int64_t i = 0; i < 4; ++i)
      rowIvs.push_back(ivsAt(i));
    auto blockType = VectorType::get({4}, b.getI32Type());
    return ifInBounds(b, loc, valid, blockType, [&](OpBuilder &nb) {
      SmallVector<Value> kRows;
      for (ArrayRef<Value> ivs : rowIvs)
        kRows.push_back(vector::LoadOp::create(
            nb, loc, VectorType::get({4}, nb.getI8Type()), source, ivs,
            /*nontemporal=*/false, llvm::Align(4)));
      Value low = vector::ShuffleOp::create(nb, loc, kRows[0], kRows[1],
                                            {0, 1, 2, 3, 4, 5, 6, 7});
      Value high = vector::ShuffleOp::create(nb, loc, kRows[2], kRows[3],
                                             {0, 1, 2, 3, 4, 5, 6, 7});
      Value columns = vector::ShuffleOp::create(
          nb, loc, low, high,
          {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15});
      return vector::BitCastOp::create(nb, loc, blockType, columns).getResult();
    });
  }

  /// A scalar step's operand from a tile's row `row` at depth `kk`,
  /// extended.
  Value loadFromTile(OpBuilder &b, Location loc, Value tile, Value row,
                     int64_t kk) const {
    Value column = arith::ConstantIndexOp::create(b, loc, kk);
    return extend(
        b, loc, memref::LoadOp::create(b, loc, tile, ValueRange{row, column}));
  }
};

} // namespace

bool mlir::quill::products::isTiledKernelProfitable(MemRefType lhsType,
                                                    MemRefType rhsType,
                                                    MemRefType outType) {
  return TiledKernel::isProfitable(lhsType, rhsType, outType);
}

void mlir::quill::products::buildTiledKernel(const ProductLowering &product,
                                             PatternRewriter &rewriter,
                                             Location loc) {
  TiledKernel{product}.build(rewriter, loc);
}
