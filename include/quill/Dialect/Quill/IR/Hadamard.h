//===- Hadamard.h - The matrices and arithmetic of quill.hadamard -*- C++
//-*-===//
//
// What quill.hadamard means, in one place for its verifier, the rotation
// passes that fold its inverse into weights, and its lowering: the size rule
// n = K * 2^p, the H_K table (python/quill/hadamard_table.txt, embedded at
// build time and shared with the numpy reference python/quill/hadamard.py),
// the seeded sign vector, and the transform of one block in double.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DIALECT_QUILL_IR_HADAMARD_H
#define QUILL_DIALECT_QUILL_IR_HADAMARD_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>

namespace mlir::quill {

/// A block size b = k * powerOfTwo, with H_b = H_k (x) H_powerOfTwo.
struct HadamardFactors {
  int64_t k;
  int64_t powerOfTwo;
};

/// The factors of `blockSize` with the smallest k of the table (or 1) that
/// leaves a power of two: every order is tried, not only the first divisor.
std::optional<HadamardFactors> factorHadamardSize(int64_t blockSize);

/// The largest block size that divides `size` and factorizes: `size` itself
/// when it does, otherwise the largest power of two dividing it.
int64_t getLargestHadamardBlock(int64_t size);

/// H_k, k x k entries +1/-1 row major, checked orthogonal (H H^T = k I) when
/// the table is first read; {1} for k = 1. Empty for an order not in the
/// table.
llvm::ArrayRef<int8_t> getHadamardTable(int64_t k);

/// The orders the table holds, ascending.
llvm::ArrayRef<int64_t> getHadamardTableOrders();

/// +1/-1 for each of `size` elements: the top bit of the i-th output of
/// splitmix64 started at `seed`.
llvm::SmallVector<float> getRandomSigns(int64_t size, uint64_t seed);

/// quill.hadamard on one row of the rotated axis, in place, in double:
/// every block of `blockSize` becomes (x * s) (H_k (x) H_2^p) / sqrt(b).
/// `signs` is empty or has row.size() entries.
void applyHadamard(llvm::MutableArrayRef<double> row, int64_t blockSize,
                   llvm::ArrayRef<float> signs);

} // namespace mlir::quill

#endif // QUILL_DIALECT_QUILL_IR_HADAMARD_H
