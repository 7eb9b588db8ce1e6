//===- Passes.td - Passes that compile and run the model ---*- tablegen -*-===//
//
// Passes that need the whole compiler (they compile and run a copy of the
// model), so they live above the pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DRIVER_PASSES
#define QUILL_DRIVER_PASSES

include "mlir/Pass/PassBase.td"

def CalibratePass : Pass<"quill-calibrate", "ModuleOp"> {
  let summary = "runs the model on calibration data and saves statistics";
  let description = [{
    Post-training calibration as a pass: compiles a copy of the module (a
    prepared graph) with `quill-insert-observers` for the host CPU, runs it
    in-process on every sample of `data`, and writes the min, max, count and
    2048-bin |x| histogram of each observed tensor to `stats-file` (JSON),
    from which `quill-quantize` chooses ranges with any calibrator. The
    module itself is unchanged.

    `data` is a directory with one sub-directory per sample holding
    `NAME.npy` / `NAME.pb` per model input (ONNX's
    `test_data_set_N/input_K.pb` layout too), or an `.npz` with one array per
    input stacking the samples along the first axis.
  }];
  let options = [
    Option<"dataPath", "data", "std::string", /*default=*/"",
           "calibration samples: a directory or an .npz">,
    Option<"statsFile", "stats-file", "std::string", /*default=*/"",
           "where to write the statistics (JSON)">,
  ];
}

#endif // QUILL_DRIVER_PASSES
