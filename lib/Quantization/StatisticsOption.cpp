//===- StatisticsOption.cpp - A pass's stats-file option ------------------===//

#include "StatisticsOption.h"

using namespace mlir;
using namespace mlir::quill;

FailureOr<std::optional<CalibrationStatistics>>
mlir::quill::readStatisticsOption(Operation *op, StringRef pass,
                                  StringRef path) {
  if (path.empty())
    return std::optional<CalibrationStatistics>();
  llvm::Expected<CalibrationStatistics> read = readCalibrationStatistics(path);
  if (!read)
    return op->emitError(pass) << ": " << llvm::toString(read.takeError());
  return std::optional<CalibrationStatistics>(std::move(*read));
}
