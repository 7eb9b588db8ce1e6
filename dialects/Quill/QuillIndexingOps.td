//===- QuillIndexingOps.td - Ops that compute or follow indices -*- tablegen -*-===//
//
// The graph ops of ONNX's index-valued operators: positions of extrema,
// running sums, sorting by value, and the gathers and scatters that read or
// write elements at computed positions. Like QuillGraphOps.td, one op per
// ONNX meaning on static shapes; indices are i64 (or i32 where ONNX allows
// it) and negative indices count from the end of their axis.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_INDEXING_OPS
#define QUILL_INDEXING_OPS

include "QuillBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Quill_ArgExtremumOp<string mnemonic, string onnxName, string extremum>
    : Quill_Op<mnemonic, [Pure]> {
  let summary = "index of the " # extremum # " along an axis (ONNX " # onnxName # ")";
  let description = [{
    ONNX `}] # onnxName # [{`: the index along `axis` of the }] # extremum # [{ of
    each row, the first one among equal values, or the last one with
    `select_last_index`. With `keepdims` the axis stays with size 1.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat, AnyInteger]>:$input,
                       Quill_I64Attr:$axis, UnitAttr:$keepdims,
                       UnitAttr:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def Quill_ArgMaxOp : Quill_ArgExtremumOp<"arg_max", "ArgMax", "maximum">;
def Quill_ArgMinOp : Quill_ArgExtremumOp<"arg_min", "ArgMin", "minimum">;

def Quill_CumSumOp : Quill_Op<"cumsum", [Pure, SameOperandsAndResultType]> {
  let summary = "running sum along an axis (ONNX CumSum)";
  let description = [{
    `result[..., i, ...] = sum of input[..., j, ...]` over `j <= i`; with
    `exclusive` over `j < i`; with `reverse` over `j >= i` (or `j > i`).

    ```mlir
    %y = quill.cumsum %x {axis = 1 : i64, exclusive} : tensor<2x5xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat, AnyInteger]>:$input,
                       Quill_I64Attr:$axis, UnitAttr:$exclusive,
                       UnitAttr:$reverse);
  let results = (outs RankedTensorOf<[AnyFloat, AnyInteger]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Quill_TopKOp : Quill_Op<"top_k", [Pure]> {
  let summary = "the k largest or smallest elements along an axis (ONNX TopK)";
  let description = [{
    The `k` largest (or, without `largest`, smallest) elements of each row
    along `axis`, in order (largest first, or smallest first), with their
    indices; among equal values the lower index comes first, as ONNX
    specifies. `values` has the input's element type, `indices` i64; both
    have the input's shape with `k` along `axis`.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat, AnyInteger]>:$input,
                       Quill_I64Attr:$k, Quill_I64Attr:$axis,
                       UnitAttr:$largest);
  let results = (outs RankedTensorOf<[AnyFloat, AnyInteger]>:$values,
                      RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `to` type($values) `,` type($indices)
  }];
  let hasVerifier = 1;
}

def Quill_GatherElementsOp : Quill_Op<"gather_elements", [Pure]> {
  let summary = "gathers elements by per-element indices (ONNX GatherElements)";
  let description = [{
    `result[p] = data[p with p[axis] replaced by indices[p]]`: the result
    has the indices' shape and the data's element type.
  }];
  let arguments = (ins AnyRankedTensor:$data,
                       RankedTensorOf<[I32, I64]>:$indices,
                       Quill_I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Quill_GatherNDOp : Quill_Op<"gather_nd", [Pure]> {
  let summary = "gathers slices by index tuples (ONNX GatherND)";
  let description = [{
    `indices` has shape `[b..., n..., k]`: its last axis holds a tuple of `k`
    indices into the data's axes after the `batch_dims` leading (batch)
    axes, which the data and indices share. The result has shape
    `[b..., n..., data.shape[batch_dims + k:]...]`.
  }];
  let arguments = (ins AnyRankedTensor:$data,
                       RankedTensorOf<[I64]>:$indices,
                       Quill_I64Attr:$batch_dims);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Quill_ScatterReduction : I32EnumAttr<"ScatterReduction",
    "how a scatter combines an update with the element it lands on", [
  I32EnumAttrCase<"None", 0, "none">,
  I32EnumAttrCase<"Add", 1, "add">,
  I32EnumAttrCase<"Mul", 2, "mul">,
  I32EnumAttrCase<"Max", 3, "max">,
  I32EnumAttrCase<"Min", 4, "min">
]> {
  let cppNamespace = "::mlir::quill";
  let genSpecializedAttr = 0;
}

def Quill_ScatterReductionAttr
    : EnumAttr<Quill_Dialect, Quill_ScatterReduction, "scatter_reduction"> {
  let assemblyFormat = "`<` $value `>`";
}

class Quill_ScatterOp<string mnemonic, string onnxName, string target,
                      dag extraArgs>
    : Quill_Op<mnemonic, [Pure]> {
  let summary = "writes updates at indexed positions (ONNX " # onnxName # ")";
  let description = [{
    ONNX `}] # onnxName # [{`: the result is `data` with each update written
    at }] # target # [{, in the updates' row-major order; `reduction`
    combines the update with the element there instead of replacing it
    (several updates to one position then accumulate in that order).
  }];
  let arguments = !con((ins AnyRankedTensor:$data,
                            RankedTensorOf<[I32, I64]>:$indices,
                            AnyRankedTensor:$updates,
                            Quill_ScatterReductionAttr:$reduction),
                       extraArgs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $reduction $data `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Quill_ScatterElementsOp : Quill_ScatterOp<"scatter_elements",
    "ScatterElements",
    "the update's own position with its `axis` coordinate replaced by the index beside it",
    (ins Quill_I64Attr:$axis)>;
def Quill_ScatterNDOp : Quill_ScatterOp<"scatter_nd", "ScatterND",
    "the slice that the index tuple in the last axis of `indices` names",
    (ins)>;

#endif // QUILL_INDEXING_OPS
