//===- QuillToLinalg.cpp - The graph IR to kernel IR conversion pass ------===//

#include "LoweringUtils.h"

#include "quill/Conversion/Passes.h"
#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::quill {
#define GEN_PASS_DEF_CONVERTQUILLTOLINALGPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::lowering;

namespace {

/// Constants of unsigned or quantized elements keep their bits under the
/// signless storage type.
struct ConstantLowering : OpConversionPattern<arith::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(arith::ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    auto value = dyn_cast<DenseElementsAttr>(op.getValue());
    if (!type || !value)
      return failure();
    auto storageType =
        cast<RankedTensorType>(getTypeConverter()->convertType(type));
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, value.bitcast(storageType.getElementType()));
    return success();
  }
};

struct ConvertQuillToLinalgPass
    : quill::impl::ConvertQuillToLinalgPassBase<ConvertQuillToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    StorageTypeConverter converter;
    RewritePatternSet patterns(context);
    populateElementwisePatterns(converter, patterns);
    populateReductionPatterns(converter, patterns);
    populateDataMovementPatterns(converter, patterns);
    populateMatMulPatterns(converter, patterns);
    populateConvolutionPatterns(converter, patterns);
    populateResizePatterns(converter, patterns);
    populatePoolingPatterns(converter, patterns);
    populateQuantizationPatterns(converter, patterns);
    populateIntegerNormalizationPatterns(converter, patterns);
    populateIndexingPatterns(converter, patterns);
    populateBlockFormatPatterns(converter, patterns);
    populateHadamardPatterns(converter, patterns);
    patterns.add<ConstantLowering>(converter, context);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);

    ConversionTarget target(*context);
    target.addIllegalDialect<QuillDialect>();
    target.addLegalOp<ModuleOp>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           math::MathDialect, scf::SCFDialect>();
    target.addDynamicallyLegalDialect<arith::ArithDialect>(
        [&](Operation *op) { return converter.isLegal(op); });
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return converter.isLegal(op); });
    if (failed(
            applyFullConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
