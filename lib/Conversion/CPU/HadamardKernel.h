//===- HadamardKernel.h - quill.hadamard as a runtime kernel call -*- C++
//-*-===//

#ifndef QUILL_LIB_CONVERSION_CPU_HADAMARDKERNEL_H
#define QUILL_LIB_CONVERSION_CPU_HADAMARDKERNEL_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::quill {

/// The tagged generic of a quill.hadamard, on buffers, becomes a call to
/// the runtime's quill_hadamard.
void populateHadamardKernelPatterns(RewritePatternSet &patterns);

} // namespace mlir::quill

#endif // QUILL_LIB_CONVERSION_CPU_HADAMARDKERNEL_H
