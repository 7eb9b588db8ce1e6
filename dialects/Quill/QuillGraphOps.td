//===- QuillGraphOps.td - Graph-level ops with ONNX meaning ----*- tablegen -*-===//
//
// The graph IR keeps one op per ONNX meaning on static-shaped tensors, so
// quantization passes can recognise a matmul with constant weights or an
// add of two branches. Elementwise math that upstream already has with the
// same meaning on tensors (math.exp, math.sqrt, arith.negf, ...) is imported
// as the upstream op instead.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_GRAPH_OPS
#define QUILL_GRAPH_OPS

include "QuillBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Quill_NumericTensor : RankedTensorOf<[AnyFloat, AnyInteger]>;

//===----------------------------------------------------------------------===//
// Elementwise binary ops with numpy broadcasting
//===----------------------------------------------------------------------===//

class Quill_BroadcastBinaryOp<string mnemonic, string onnxName>
    : Quill_Op<mnemonic, [Pure, ResultsBroadcastableShape,
                          SameOperandsAndResultElementType]> {
  let summary = "elementwise " # onnxName # " with numpy broadcasting";
  let description = [{
    ONNX `}] # onnxName # [{`: the operands broadcast against each other as in
    numpy (trailing dimensions aligned, size-1 dimensions stretched) and the
    result has the broadcast shape.
  }];
  let arguments = (ins Quill_NumericTensor:$lhs, Quill_NumericTensor:$rhs);
  let results = (outs Quill_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

def Quill_AddOp : Quill_BroadcastBinaryOp<"add", "Add">;
def Quill_SubOp : Quill_BroadcastBinaryOp<"sub", "Sub">;
def Quill_MulOp : Quill_BroadcastBinaryOp<"mul", "Mul">;
def Quill_DivOp : Quill_BroadcastBinaryOp<"div", "Div">;

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

def Quill_ReluOp : Quill_Op<"relu", [Pure, SameOperandsAndResultType]> {
  let summary = "rectified linear unit";
  let description = [{
    ONNX `Relu`: `max(x, 0)` elementwise.
  }];
  let arguments = (ins Quill_NumericTensor:$input);
  let results = (outs Quill_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

def Quill_MatMulOp : Quill_Op<"matmul", [Pure, SameOperandsAndResultElementType]> {
  let summary = "numpy matrix product, batched with broadcasting";
  let description = [{
    ONNX `MatMul` (numpy `matmul`): for rank-2 operands `[M, K] x [K, N] ->
    [M, N]`; higher ranks are stacks of matrices whose batch dimensions
    broadcast; a rank-1 `lhs` is a row `[1, K]` and a rank-1 `rhs` a column
    `[K, 1]`, the inserted dimension dropped from the result.

    ```mlir
    %y = quill.matmul %x, %w : (tensor<64x784xf32>, tensor<784x1024xf32>) -> tensor<64x1024xf32>
    ```

    The verifier checks that the contraction sizes agree, that batch
    dimensions broadcast and that the result shape is the product's.
  }];
  let arguments = (ins Quill_NumericTensor:$lhs, Quill_NumericTensor:$rhs);
  let results = (outs Quill_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Quill_GemmOp : Quill_Op<"gemm", [Pure]> {
  let summary = "general matrix multiply: alpha * op(A) * op(B) + beta * C";
  let description = [{
    ONNX `Gemm`: `op(A)` is `A` or its transpose (`trans_a`), likewise `B`;
    `A'` is `[M, K]`, `B'` is `[K, N]`, the optional `C` broadcasts
    unidirectionally to `[M, N]`.

    ```mlir
    %y = quill.gemm %a, %b, %c {trans_b} : (tensor<64x784xf32>, tensor<1024x784xf32>, tensor<1024xf32>) -> tensor<64x1024xf32>
    ```
  }];
  let arguments = (ins
    TensorRankOf<[AnyFloat, AnyInteger], [2]>:$a,
    TensorRankOf<[AnyFloat, AnyInteger], [2]>:$b,
    Optional<Quill_NumericTensor>:$c,
    DefaultValuedAttr<F32Attr, "1.0">:$alpha,
    DefaultValuedAttr<F32Attr, "1.0">:$beta,
    UnitAttr:$trans_a,
    UnitAttr:$trans_b
  );
  let results = (outs TensorRankOf<[AnyFloat, AnyInteger], [2]>:$result);
  let assemblyFormat = [{
    $a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // QUILL_GRAPH_OPS
