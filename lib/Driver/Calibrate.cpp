//===- Calibrate.cpp - Running a model to collect statistics --------------===//

#include "quill/Driver/Calibrate.h"

#include "InstrumentedModels.h"

#include "quill/Driver/CalibrationData.h"
#include "quill/Driver/Compiler.h"
#include "quill/Driver/Passes.h"
#include "quill/Quantization/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>

namespace mlir::quill {
#define GEN_PASS_DEF_CALIBRATEPASS
#include "quill/Driver/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;
using ::quill::host::ModelLibrary;
using ::quill::host::Tensor;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Samples done, rate and time left, rewritten in place on a terminal.
class Progress {
public:
  Progress(StringRef activity, size_t total, bool enabled)
      : activity(activity.str()), total(total),
        enabled(enabled && llvm::sys::Process::StandardErrIsDisplayed()),
        start(Clock::now()), lastPrint(start) {}

  void update(size_t done) {
    if (!enabled)
      return;
    Clock::time_point now = Clock::now();
    if (done != total && now - lastPrint < std::chrono::milliseconds(200))
      return;
    lastPrint = now;
    double seconds = std::chrono::duration<double>(now - start).count();
    double rate = seconds > 0 ? done / seconds : 0.0;
    llvm::errs() << "\rquill: " << activity << ": " << done << "/" << total
                 << " samples, " << llvm::format("%.1f", rate) << "/s";
    if (done != total && rate > 0)
      llvm::errs() << ", " << llvm::format("%.0f", (total - done) / rate)
                   << " s left";
    llvm::errs() << (done == total ? "\n" : "   ");
  }

private:
  using Clock = std::chrono::steady_clock;
  std::string activity;
  size_t total;
  bool enabled;
  Clock::time_point start, lastPrint;
};

} // namespace

func::FuncOp mlir::quill::getEntryFunction(ModuleOp module) {
  for (auto function : module.getOps<func::FuncOp>())
    if (function.isPublic())
      return function;
  return nullptr;
}

llvm::Expected<OwningOpRef<ModuleOp>>
mlir::quill::instrumentForCalibration(ModuleOp module) {
  OwningOpRef<ModuleOp> instrumented = module.clone();
  func::FuncOp entry = getEntryFunction(*instrumented);
  if (!entry)
    return makeError("calibration: the module has no public function");
  unsigned numModelOutputs = entry.getNumResults();
  PassManager observe(module.getContext());
  observe.addNestedPass<func::FuncOp>(createInsertObserversPass());
  if (failed(observe.run(*instrumented)))
    return makeError("");
  if (entry.getNumResults() == numModelOutputs)
    return makeError("calibration: nothing to observe: the model has no "
                     "MatMul, Gemm, Conv or ConvTranspose with a constant "
                     "float weight");
  return instrumented;
}

llvm::Expected<std::unique_ptr<ModelLibrary>>
mlir::quill::compileAndLoad(ModuleOp module, const CPUTargetOptions &target) {
  SmallString<128> libraryPath;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "quill-calibration", "so", libraryPath))
    return makeError("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeLibrary(libraryPath);
  std::string error;
  if (failed(compileGraphToSharedLibrary(module, libraryPath, target, error)))
    return makeError(error);
  std::unique_ptr<ModelLibrary> model =
      ModelLibrary::load(libraryPath.str().str(), error);
  if (!model)
    return makeError(error);
  return model;
}

llvm::Error mlir::quill::runOnSamples(
    ArrayRef<const ModelLibrary *> models, StringRef dataPath,
    StringRef activity, bool showProgress,
    function_ref<void(ArrayRef<std::vector<Tensor>>)> consume) {
  std::string error;
  std::optional<CalibrationData> data =
      CalibrationData::open(dataPath.str(), models.front()->getInputs(), error);
  if (!data)
    return makeError(error);
  if (data->size() == 0)
    return makeError(dataPath + ": no calibration samples");

  std::vector<std::vector<Tensor>> outputs;
  std::vector<std::vector<quill_tensor>> outputViews;
  for (const ModelLibrary *model : models) {
    outputs.push_back(model->allocateOutputs());
    outputViews.emplace_back();
    for (Tensor &output : outputs.back())
      outputViews.back().push_back(output.view());
  }
  Progress progress(activity, data->size(), showProgress);
  for (size_t i = 0; i < data->size(); ++i) {
    std::optional<CalibrationSample> sample = data->load(i, error);
    if (!sample)
      return makeError(error);
    std::vector<quill_tensor> inputViews;
    for (Tensor &input : *sample)
      inputViews.push_back(input.view());
    for (auto [model, views] : llvm::zip(models, outputViews))
      if (!model->run(inputViews, views, error))
        return makeError("calibration sample " + llvm::Twine(i) + ": " + error);
    consume(outputs);
    progress.update(i + 1);
  }
  return llvm::Error::success();
}

llvm::Expected<CalibrationStatistics>
mlir::quill::runCalibration(ModuleOp module, llvm::StringRef dataPath,
                            const CalibrationRunOptions &options) {
  llvm::Expected<OwningOpRef<ModuleOp>> instrumented =
      instrumentForCalibration(module);
  if (!instrumented)
    return instrumented.takeError();
  // Instrumented, so the module has its entry function.
  unsigned numModelOutputs = getEntryFunction(module).getNumResults();
  // The channel axis of each observed result that has one (before the
  // instrumented module is lowered).
  func::FuncOp entry = getEntryFunction(**instrumented);
  SmallVector<std::optional<int64_t>> channelAxes;
  for (unsigned k = 0; k < entry.getNumResults(); ++k) {
    auto axis = entry.getResultAttrOfType<IntegerAttr>(k, "quill.channel_axis");
    channelAxes.push_back(options.channelStatistics && axis
                              ? std::optional<int64_t>(axis.getInt())
                              : std::nullopt);
  }

  llvm::Expected<std::unique_ptr<ModelLibrary>> model =
      compileAndLoad(**instrumented, options.target);
  if (!model)
    return model.takeError();

  CalibrationStatistics statistics;
  const std::vector<::quill::host::TensorInfo> &infos = (*model)->getOutputs();
  llvm::Error error = runOnSamples(
      {model->get()}, dataPath, "calibrating", options.showProgress,
      [&](ArrayRef<std::vector<Tensor>> outputs) {
        for (size_t k = numModelOutputs; k < infos.size(); ++k) {
          const Tensor &observed = outputs.front()[k];
          llvm::ArrayRef<float> values(
              reinterpret_cast<const float *>(observed.data.data()),
              observed.numElements());
          TensorStatistics &tensor = statistics[infos[k].name];
          tensor.observe(values);
          if (channelAxes[k])
            tensor.observeChannels().observe(values, observed.shape,
                                             *channelAxes[k]);
        }
      });
  if (error)
    return std::move(error);
  return statistics;
}

llvm::Expected<double>
mlir::quill::measureFloatDifference(ModuleOp reference, ModuleOp changed,
                                    StringRef dataPath,
                                    const CalibrationRunOptions &run) {
  SmallVector<std::unique_ptr<ModelLibrary>> models;
  for (ModuleOp module : {reference, changed}) {
    OwningOpRef<ModuleOp> copy = module.clone();
    llvm::Expected<std::unique_ptr<ModelLibrary>> model =
        compileAndLoad(*copy, run.target);
    if (!model)
      return model.takeError();
    models.push_back(std::move(*model));
  }
  size_t outputs = models.front()->getOutputs().size();
  SmallVector<double> largest(outputs, 0.0), difference(outputs, 0.0);
  llvm::Error error = runOnSamples(
      {models[0].get(), models[1].get()}, dataPath, "comparing",
      run.showProgress, [&](ArrayRef<std::vector<Tensor>> results) {
        for (size_t k = 0; k < outputs; ++k) {
          const Tensor &before = results[0][k], &after = results[1][k];
          if (before.dtype != QUILL_DTYPE_FLOAT32)
            continue;
          for (size_t i = 0, e = before.numElements(); i < e; ++i) {
            double value = before.elementAsDouble(i);
            largest[k] = std::max(largest[k], std::abs(value));
            difference[k] = std::max(
                difference[k], std::abs(value - after.elementAsDouble(i)));
          }
        }
      });
  if (error)
    return std::move(error);
  double relative = 0.0;
  for (size_t k = 0; k < outputs; ++k)
    if (largest[k] > 0.0)
      relative = std::max(relative, difference[k] / largest[k]);
  return relative;
}

namespace {

struct CalibratePass : mlir::quill::impl::CalibratePassBase<CalibratePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (dataPath.empty() || statsFile.empty()) {
      module.emitError("quill-calibrate needs both 'data' and 'stats-file'");
      return signalPassFailure();
    }
    llvm::Expected<CalibrationStatistics> statistics =
        runCalibration(module, dataPath, CalibrationRunOptions());
    llvm::Error error = statistics
                            ? writeCalibrationStatistics(*statistics, statsFile)
                            : statistics.takeError();
    if (error) {
      std::string message = llvm::toString(std::move(error));
      if (!message.empty())
        module.emitError(message);
      return signalPassFailure();
    }
  }
};

} // namespace
