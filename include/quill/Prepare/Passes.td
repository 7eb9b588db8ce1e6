//===- Passes.td - Preparing an imported graph ----------------*- tablegen -*-===//
//
// The prepare phase: passes that normalize an imported graph so that the
// quantization passes see one op per meaning.
//

#ifndef QUILL_PREPARE_PASSES
#define QUILL_PREPARE_PASSES

include "mlir/Pass/PassBase.td"

def FoldBatchNormPass : Pass<"quill-fold-batch-norm", "func::FuncOp"> {
  let summary = "folds inference batch normalization into the preceding conv";
  let description = [{
    A `quill.batch_norm` whose input is a `quill.conv` with constant weights
    (and bias, if any) and no other user becomes that conv with rescaled
    constants, as HAWQ-V3 and every deployment flow do before quantization:

    ```
    W'[m] = W[m] * gamma[m] / sqrt(var[m] + eps)
    b'[m] = (b[m] - mean[m]) * gamma[m] / sqrt(var[m] + eps) + beta[m]
    ```

    Before: `%c = quill.conv %x, %w` / `%y = quill.batch_norm %c, %g, %b, %m, %v`.
    After: `%y = quill.conv %x, %w2, %b2` with new constants. Batch norms
    whose parameters are not constants are left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def FuseLayerNormPass : Pass<"quill-fuse-layer-norm", "func::FuncOp"> {
  let summary = "recognises decomposed layer normalization";
  let description = [{
    Exporters before opset 17 write LayerNorm as
    `d = x - ReduceMean(x)`, `y = d / Sqrt(ReduceMean(d^2) + eps)`, then
    `y * gamma + beta`, over the trailing axes (`Pow(d, 2)` or `d * d`).
    This pass replaces the chain with one `quill.layer_norm`, absorbing a
    following multiply and add by constants broadcastable to the normalized
    axes into its scale and bias, so quantization passes see one op.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def FuseGeluPass : Pass<"quill-fuse-gelu", "func::FuncOp"> {
  let summary = "recognises decomposed GELU (erf and tanh forms)";
  let description = [{
    Replaces `x * 0.5 * (1 + erf(x / sqrt(2)))` (or `x * 0.7071...` inside
    the erf) with `quill.gelu`, and
    `0.5 * x * (1 + tanh(0.7978845608 * (x + 0.044715 * x^3)))` with
    `quill.gelu {tanh_approximation}`, whatever the association of the
    products. Constants match within a relative tolerance of 1e-4.
  }];
}

#endif // QUILL_PREPARE_PASSES
