"""ONNX's node test suite (libonnx-testdata) as Quill's tests use it: which
models are in scope, and the expected-failure lists (one per test) that say
why a model does not pass yet."""

import glob
import os
import re
import subprocess

import onnx

SUITE_ROOTS = ["node", "pytorch-converted", "pytorch-operator", "simple"]
DATA = "/usr/share/libonnx-testdata/data"
# Output comparison: |got - want| <= ATOL + RTOL * |want|, integers exactly.
RTOL, ATOL = "1e-3", "1e-5"

# The ops the importer reads (ONNX default domain), plus the com.microsoft
# ops that ORT's quantizer emits.
SCOPE = set("""
Conv ConvTranspose MatMul Gemm Add Sub Mul Div Pow Max Min Abs Neg Reciprocal
Sqrt Exp Log Erf Relu LeakyRelu PRelu Clip Sigmoid HardSigmoid HardSwish Tanh
Softmax LogSoftmax LayerNormalization BatchNormalization InstanceNormalization
MaxPool AveragePool GlobalAveragePool GlobalMaxPool ReduceMean ReduceSum
ReduceMax Reshape Transpose Concat Flatten Gather Slice Split Squeeze
Unsqueeze Expand Shape Cast Where Pad Identity ConstantOfShape Constant Resize
Gelu Dropout QuantizeLinear DequantizeLinear DynamicQuantizeLinear QLinearConv
QLinearMatMul MatMulInteger ConvInteger
Equal Greater GreaterOrEqual Less LessOrEqual Not And Or Xor
Sign Floor Ceil Round Softplus Softsign Elu Selu Celu ThresholdedRelu
LSTM GRU RNN
ReduceMin ReduceL1 ReduceL2 ReduceSumSquare ReduceLogSum ReduceLogSumExp
DepthToSpace SpaceToDepth Tile Trilu Size Upsample MeanVarianceNormalization
ArgMax ArgMin Hardmax TopK CumSum OneHot GatherElements GatherND Scatter
ScatterElements ScatterND Mod LpNormalization ReduceProd Einsum If Loop Scan
""".split())
MS_SCOPE = {"QLinearAdd", "QLinearMul", "QLinearConcat", "QLinearGlobalAveragePool",
            "QLinearSigmoid", "QLinearLeakyRelu", "QGemm"}


def in_scope(node):
    if node.domain in ("", "ai.onnx"):
        return node.op_type in SCOPE
    return node.domain == "com.microsoft" and node.op_type in MS_SCOPE


def read_xfails(path):
    by_test, by_op = {}, {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            key, reason = line.split(None, 1)
            kind, name = key.split(":", 1)
            (by_test if kind == "test" else by_op)[name] = reason
    return by_test, by_op


def in_scope_models():
    """(suite/test name, model path, sorted op types) of every model whose ops
    are all in scope."""
    if not os.path.isdir(DATA):
        raise SystemExit("missing %s: install libonnx-testdata (scripts/setup.sh does)" % DATA)
    models = []
    for root in SUITE_ROOTS:
        for test in sorted(os.listdir(os.path.join(DATA, root))):
            path = os.path.join(DATA, root, test, "model.onnx")
            if not os.path.exists(path):
                continue
            model = onnx.load(path, load_external_data=False)
            nodes = list(model.graph.node)
            if nodes and all(in_scope(n) for n in nodes):
                ops = sorted({n.op_type for n in nodes})
                models.append((root + "/" + test, path, ops))
    return models


def models_not_listed(xfail_lists):
    """in_scope_models() less those any of `xfail_lists` (read_xfails)
    expects to fail."""
    return [entry for entry in in_scope_models()
            if not any(expected_failure(entry[0], entry[2], xfails) for xfails in xfail_lists)]


def expected_failure(name, ops, xfails):
    """The reason `name` (suite/test) is listed in `xfails`, or None."""
    by_test, by_op = xfails
    test = name.split("/", 1)[1]
    return by_test.get(test) or next((by_op[op] for op in ops if op in by_op), None)


def data_sets(model_path):
    """(data set directory, input .pb files, expected output .pb files) for
    each test_data_set_N beside `model_path`, files in index order."""
    def by_index(paths):
        return sorted(paths, key=lambda p: int(p.rsplit("_", 1)[1][:-3]))
    return [(data_set, by_index(glob.glob(os.path.join(data_set, "input_*.pb"))),
             by_index(glob.glob(os.path.join(data_set, "output_*.pb"))))
            for data_set in sorted(glob.glob(os.path.join(os.path.dirname(model_path),
                                                          "test_data_set_*")))]


def graph_inputs(model_path):
    """The names of the model's graph inputs that are not initializers, in
    order: the order of a data set's input_N.pb files."""
    graph = onnx.load(model_path, load_external_data=False).graph
    initializers = {tensor.name for tensor in graph.initializer}
    return [info.name for info in graph.input if info.name not in initializers]


# quill-compile's error for a shape that depends on the value of graph inputs.
FREEZE_HINT = re.compile(r"computed from graph inputs? '(.*?)'; its value must be known at compile time")


def freeze_flags(model_path, input_files, names):
    """--freeze-input flags for `names`, each input's value taken from its
    file among a data set's `input_files`."""
    order = graph_inputs(model_path)
    return ["--freeze-input=%s=%s" % (name, input_files[order.index(name)]) for name in names]


def compile_freezing(compiler, model_path, arguments, input_files):
    """Runs quill-compile on `model_path` with `arguments`, freezing the graph
    inputs it says a shape depends on (their values from `input_files`, one
    data set's) until it compiles or names no new one. Returns the last
    result and the frozen input names."""
    frozen = []
    while True:
        result = subprocess.run([compiler, model_path] + arguments +
                                freeze_flags(model_path, input_files, frozen),
                                capture_output=True, text=True)
        named = [name for match in FREEZE_HINT.finditer(result.stderr)
                 for name in match.group(1).split("', '")]
        new = [name for name in dict.fromkeys(named) if name not in frozen]
        if result.returncode == 0 or not new or not input_files:
            return result, frozen
        frozen += new


def run_data_set(runner, library, inputs, outputs, compare=True, environment=None,
                 markers=("MISMATCH", "error")):
    """Runs `library` with quill-run on `inputs`, comparing its outputs with
    `outputs` when `compare` (RTOL, ATOL). None, or the first output line
    holding one of `markers` when the run fails."""
    command = [runner, library, "--quiet"]
    for input_file in inputs:
        command += ["--input", input_file]
    if compare:
        command += ["--rtol", RTOL, "--atol", ATOL]
        for output_file in outputs:
            command += ["--expect", output_file]
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    if result.returncode == 0:
        return None
    lines = [line.strip() for line in (result.stdout + result.stderr).splitlines()
             if any(marker in line for marker in markers)]
    return lines[0] if lines else "exit %d" % result.returncode


def without_frozen(model_path, input_files, frozen):
    """A data set's `input_files` less those of the `frozen` inputs."""
    if not frozen:
        return input_files
    order = graph_inputs(model_path)
    return [path for name, path in zip(order, input_files) if name not in frozen]


def run_data_sets(runner, library, model_path, compare=True, environment=None,
                  markers=("MISMATCH", "error"), frozen=()):
    """Runs `library` with quill-run on every data set of the model at
    `model_path` (run_data_set); a library compiled with `frozen` inputs
    (frozen to the first data set's values) runs the first data set, on its
    other inputs. None, or the data set and the first failing line of the
    first failing run."""
    chosen = data_sets(model_path)
    for data_set, inputs, outputs in chosen[:1] if frozen else chosen:
        failure = run_data_set(runner, library, without_frozen(model_path, inputs, frozen),
                               outputs, compare, environment, markers)
        if failure:
            return "%s: %s" % (os.path.basename(data_set), failure)
    return None
