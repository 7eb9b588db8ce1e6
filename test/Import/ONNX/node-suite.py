# RUN: %python %s quill-compile %S/node-suite-xfail.txt
#
# ONNX's node test suite (libonnx-testdata): every model whose ops are all in
# the import scope must import, verify and print. Models that are known not
# to import yet are listed, with a reason, in node-suite-xfail.txt (by test
# or by op type); an expected failure that passes is reported too, so the
# list stays true. Prints the pass count per op and ends with the totals.

import collections
import concurrent.futures
import os
import subprocess
import sys

import onnx

SUITE_ROOTS = ["node", "pytorch-converted", "pytorch-operator", "simple"]
DATA = "/usr/share/libonnx-testdata/data"

# The ops issue 3 asks the importer to read (ONNX default domain), plus the
# com.microsoft ops that ORT's quantizer emits.
SCOPE = set("""
Conv ConvTranspose MatMul Gemm Add Sub Mul Div Pow Max Min Abs Neg Reciprocal
Sqrt Exp Log Erf Relu LeakyRelu PRelu Clip Sigmoid HardSigmoid HardSwish Tanh
Softmax LogSoftmax LayerNormalization BatchNormalization InstanceNormalization
MaxPool AveragePool GlobalAveragePool GlobalMaxPool ReduceMean ReduceSum
ReduceMax Reshape Transpose Concat Flatten Gather Slice Split Squeeze
Unsqueeze Expand Shape Cast Where Pad Identity ConstantOfShape Constant Resize
Gelu Dropout QuantizeLinear DequantizeLinear DynamicQuantizeLinear QLinearConv
QLinearMatMul MatMulInteger ConvInteger
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


def main():
    compiler, xfail_path = sys.argv[1], sys.argv[2]
    xfail_tests, xfail_ops = read_xfails(xfail_path)
    if not os.path.isdir(DATA):
        sys.exit("missing %s: install libonnx-testdata (scripts/setup.sh does)" % DATA)

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

    def run(entry):
        name, path, ops = entry
        result = subprocess.run([compiler, "--emit=import", path, "-o", os.devnull],
                                capture_output=True, text=True)
        return entry, result.returncode == 0, result.stderr.strip()

    passed = collections.Counter()
    total = collections.Counter()
    failures, unexpected_passes, expected = [], [], 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for (name, path, ops), ok, stderr in pool.map(run, models):
            test = name.split("/", 1)[1]
            reason = xfail_tests.get(test) or next(
                (xfail_ops[op] for op in ops if op in xfail_ops), None)
            for op in ops:
                total[op] += 1
                passed[op] += ok
            if ok and reason:
                unexpected_passes.append((name, reason))
            elif not ok and reason:
                expected += 1
            elif not ok:
                failures.append((name, stderr.splitlines()[0] if stderr else "no message"))

    print("node-suite import, models whose ops are all in scope: %d" % len(models))
    print("%-28s %8s" % ("op", "imported"))
    for op in sorted(total):
        note = "  (expected: %s)" % xfail_ops[op] if op in xfail_ops else ""
        print("%-28s %4d/%-4d%s" % (op, passed[op], total[op], note))
    for name, message in failures:
        print("FAIL %s: %s" % (name, message))
    for name, reason in unexpected_passes:
        print("UNEXPECTED PASS %s (listed as: %s)" % (name, reason))
    imported = len(models) - len(failures) - expected
    print("%d expected failures (node-suite-xfail.txt)" % expected)
    print("%d passed, %d failed" % (imported, len(failures) + len(unexpected_passes)))
    return 1 if failures or unexpected_passes else 0


if __name__ == "__main__":
    sys.exit(main())
