//===- HadamardRotation.h - Hadamard rotations of products' inputs -*- C++ -*-//
//
// quill-hadamard as a function the driver calls directly (it needs the
// per-layer results for its report): rotates the reduction axis of each
// MatMul / Gemm with constant weights by a random Hadamard matrix M, offline
// (folded into the weights of the product that writes the activation) or
// online (a quill.hadamard on the activation), with M^T folded into the
// weights, so that the float function is unchanged and outliers spread over
// every channel of a block before quantization. ../shared/docs/TECHNIQUES.md
// section 3.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_QUANTIZATION_HADAMARDROTATION_H
#define QUILL_QUANTIZATION_HADAMARDROTATION_H

#include "quill/Quantization/Calibration.h"
#include "quill/Quantization/Options.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::quill {

/// Where rotations are applied (the pass's `mode`).
enum class RotationMode {
  /// A quill.hadamard before each product's activation quantize.
  Online,
  /// Only rotations that fold entirely into constants: a product's output
  /// channels rotated and undone by the products that read it (V -> O).
  Offline,
  /// Offline where it reaches, online for the other products.
  Both,
};
llvm::cl::ValuesClass getRotationModeValues();

/// How each product's block size is chosen (`quill-compile --rotate`).
enum class RotationChoice {
  /// Per product, the candidate (none, whole axis, the format's blocks) of
  /// least estimated quantized-product error.
  Auto,
  /// The whole reduction axis (the largest block that factorizes).
  Full,
  /// Blocks of the format's group size (MX 32, NVFP4 16, int4 blocks).
  Block,
};
llvm::cl::ValuesClass getRotationChoiceValues();

struct HadamardRotationOptions {
  RotationMode mode = RotationMode::Both;
  RotationChoice choice = RotationChoice::Full;
  /// A block size for every product (0: as `choice` says).
  int64_t blockSize = 0;
  /// The sign vectors' seed.
  uint64_t seed = 0;
  /// The format the rotation serves: its group size for Block, its
  /// quantizers for Auto's estimates. None: float (Auto keeps Full).
  std::optional<QuantFormat> format;
  /// int4 formats' weight and activation block sizes (0: per channel, per
  /// tensor).
  int64_t weightBlockSize = 0;
  int64_t activationBlockSize = 0;
  /// Calibration statistics with channel statistics (sampled rows), for
  /// Auto's estimates; without them the weights alone are measured.
  const CalibrationStatistics *statistics = nullptr;
  /// A remark per product: what was rotated, or why not.
  bool remarks = false;
};

/// One product the pass considered.
struct RotatedLayer {
  /// The product's ONNX node name (or its location).
  std::string name;
  /// The reduction axis' size and the block size kept (0: not rotated).
  int64_t size = 0;
  int64_t blockSize = 0;
  /// Whether its activation was rotated offline (folded into the weights
  /// of the product that writes it) rather than by a quill.hadamard.
  bool offline = false;
  /// Estimated SQNR (dB) of the quantized product without and with the
  /// rotation kept, when Auto measured them.
  std::optional<double> sqnrWithout, sqnrWith;
  /// Why a product was left alone.
  std::string reason;
};

/// Rotates the products of `function` as `options` say; an error (reported
/// on the op) for an option no product can take.
FailureOr<std::vector<RotatedLayer>>
rotateHadamard(func::FuncOp function, const HadamardRotationOptions &options);

} // namespace mlir::quill

#endif // QUILL_QUANTIZATION_HADAMARDROTATION_H
