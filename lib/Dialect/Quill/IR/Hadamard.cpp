//===- Hadamard.cpp - The matrices and arithmetic of quill.hadamard -------===//

#include "quill/Dialect/Quill/IR/Hadamard.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <map>
#include <vector>

namespace mlir::quill {

namespace {
#include "quill/Dialect/Quill/IR/HadamardTable.inc"

struct HadamardTable {
  std::map<int64_t, std::vector<int8_t>> matrices;
  llvm::SmallVector<int64_t> orders;
};

/// True when h (k x k, +1/-1) has H H^T = k I.
bool isHadamard(llvm::ArrayRef<int8_t> h, int64_t k) {
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j) {
      int64_t dot = 0;
      for (int64_t c = 0; c < k; ++c)
        dot += h[i * k + c] * h[j * k + c];
      if (dot != (i == j ? k : 0))
        return false;
    }
  return true;
}

const HadamardTable &getTable() {
  static const HadamardTable table = [] {
    HadamardTable result;
    llvm::SmallVector<llvm::StringRef> lines;
    llvm::StringRef(kHadamardTableText).split(lines, '\n', -1, false);
    llvm::erase_if(lines, [](llvm::StringRef line) {
      return line.trim().empty() || line.starts_with("#");
    });
    for (size_t i = 0; i < lines.size();) {
      int64_t k = 0;
      if (lines[i].trim().getAsInteger(10, k) || k <= 0 ||
          i + 1 + k > lines.size())
        llvm::report_fatal_error("malformed Hadamard table at an order line");
      std::vector<int8_t> matrix;
      for (int64_t row = 0; row < k; ++row) {
        llvm::StringRef text = lines[i + 1 + row].trim();
        if (int64_t(text.size()) != k)
          llvm::report_fatal_error("malformed Hadamard table row");
        for (char c : text)
          matrix.push_back(c == '+' ? 1 : -1);
      }
      if (!isHadamard(matrix, k))
        llvm::report_fatal_error("Hadamard table entry is not orthogonal");
      result.orders.push_back(k);
      result.matrices[k] = std::move(matrix);
      i += 1 + k;
    }
    llvm::sort(result.orders);
    return result;
  }();
  return table;
}
} // namespace

llvm::ArrayRef<int64_t> getHadamardTableOrders() { return getTable().orders; }

llvm::ArrayRef<int8_t> getHadamardTable(int64_t k) {
  static const int8_t one[] = {1};
  if (k == 1)
    return one;
  const auto &matrices = getTable().matrices;
  auto it = matrices.find(k);
  if (it == matrices.end())
    return {};
  return it->second;
}

std::optional<HadamardFactors> factorHadamardSize(int64_t blockSize) {
  if (blockSize <= 0)
    return std::nullopt;
  if (llvm::isPowerOf2_64(blockSize))
    return HadamardFactors{1, blockSize};
  for (int64_t k : getHadamardTableOrders())
    if (blockSize % k == 0 && llvm::isPowerOf2_64(blockSize / k))
      return HadamardFactors{k, blockSize / k};
  return std::nullopt;
}

int64_t getLargestHadamardBlock(int64_t size) {
  if (factorHadamardSize(size))
    return size;
  return size & -size;
}

llvm::SmallVector<float> getRandomSigns(int64_t size, uint64_t seed) {
  llvm::SmallVector<float> signs;
  signs.reserve(size);
  uint64_t state = seed;
  for (int64_t i = 0; i < size; ++i) {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    signs.push_back(z >> 63 ? -1.0f : 1.0f);
  }
  return signs;
}

void applyHadamard(llvm::MutableArrayRef<double> row, int64_t blockSize,
                   llvm::ArrayRef<float> signs) {
  std::optional<HadamardFactors> factors = factorHadamardSize(blockSize);
  if (!factors || row.size() % blockSize != 0)
    llvm::report_fatal_error("applyHadamard: unsupported block size");
  if (!signs.empty())
    for (auto [value, sign] : llvm::zip_equal(row, signs))
      value *= sign;
  int64_t k = factors->k, m = factors->powerOfTwo;
  llvm::ArrayRef<int8_t> table = getHadamardTable(k);
  std::vector<double> mixed(blockSize);
  double scale = 1.0 / std::sqrt(double(blockSize));
  for (size_t start = 0; start < row.size(); start += blockSize) {
    double *block = row.data() + start;
    // H_m on each of the k rows of the (k, m) view.
    for (int64_t r = 0; r < k; ++r)
      for (int64_t h = 1; h < m; h *= 2)
        for (int64_t i = 0; i < m; i += 2 * h)
          for (int64_t j = i; j < i + h; ++j) {
            double a = block[r * m + j], b = block[r * m + j + h];
            block[r * m + j] = a + b;
            block[r * m + j + h] = a - b;
          }
    // H_k across them: out[j] = sum_i in[i] H_k[i][j].
    for (int64_t c = 0; c < m; ++c)
      for (int64_t j = 0; j < k; ++j) {
        double sum = 0;
        for (int64_t i = 0; i < k; ++i)
          sum += block[i * m + c] * table[i * k + j];
        mixed[j * m + c] = sum;
      }
    for (int64_t i = 0; i < blockSize; ++i)
      block[i] = mixed[i] * scale;
  }
}

} // namespace mlir::quill
