# RUN: %python %s --work-dir %t --import-xfails %S/../Import/ONNX/node-suite-xfail.txt --xfails %S/node-suite-xfail.txt
#
# Conformance on ONNX's node test suite: every in-scope model (the import
# test's selection) is compiled to a shared library with quill-compile -O3
# and run by quill-run on each of its test_data_set_N directories, outputs
# compared with the expected .pb files (|got - want| <= atol + rtol * |want|,
# rtol 1e-3 and atol 1e-5; integers exactly). Models that do not import are
# the import test's expected failures; models that import but do not pass
# here are listed with a reason in node-suite-xfail.txt. Inputs that a shape
# depends on are frozen (--freeze-input) to each data set's values, and the
# report lists them. An expected failure
# that passes fails the run, so the lists stay true. Prints passes per op and
# ends with `N passed, N failed`.

import argparse
import collections
import concurrent.futures
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Inputs"))
import node_suite  # noqa: E402


def find_tool(name):
    path = shutil.which(name)
    if not path:
        raise SystemExit("%s is not on PATH" % name)
    return path


def check_model(entry, work_dir, compiler, runner):
    """(passed, first line of the failure, frozen input names) for one
    node-suite model. Inputs a shape depends on (Resize scales, Slice starts,
    Pad pads ...) are frozen to each data set's values, so such a model is
    compiled once per data set and run on its other inputs."""
    name, path, _ = entry
    library = os.path.join(work_dir, name.replace("/", "__") + ".so")
    data_sets = node_suite.data_sets(path)
    arguments = ["-O3", "-o", library]
    first_inputs = data_sets[0][1] if data_sets else []
    result, frozen = node_suite.compile_freezing(compiler, path, arguments, first_inputs)
    for index, (data_set, inputs, outputs) in enumerate(data_sets):
        if index > 0 and frozen:
            result = subprocess.run([compiler, path] + arguments +
                                    node_suite.freeze_flags(path, inputs, frozen),
                                    capture_output=True, text=True)
        if result.returncode != 0:
            return False, "compile: " + (result.stderr.strip().splitlines() or ["?"])[0], frozen
        failure = node_suite.run_data_set(
            runner, library, node_suite.without_frozen(path, inputs, frozen), outputs)
        if failure:
            return False, "%s: %s" % (os.path.basename(data_set), failure), frozen
    if os.path.exists(library):
        os.remove(library)
    return True, "", frozen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--import-xfails", required=True)
    parser.add_argument("--xfails", required=True)
    parser.add_argument("--only", help="comma-separated test names to run")
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    compiler, runner = find_tool("quill-compile"), find_tool("quill-run")
    import_xfails = node_suite.read_xfails(args.import_xfails)
    xfails = node_suite.read_xfails(args.xfails)

    models = []
    not_imported = 0
    for entry in node_suite.in_scope_models():
        name, _, ops = entry
        if args.only and name.split("/", 1)[1] not in args.only.split(","):
            continue
        if node_suite.expected_failure(name, ops, import_xfails):
            not_imported += 1
        else:
            models.append(entry)

    passed, total = collections.Counter(), collections.Counter()
    failures, unexpected_passes, expected, with_frozen = [], [], 0, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = pool.map(lambda e: check_model(e, args.work_dir, compiler, runner), models)
        for (name, _, ops), (ok, message, frozen) in zip(models, results):
            reason = node_suite.expected_failure(name, ops, xfails)
            if frozen:
                with_frozen.append((name, frozen))
            for op in ops:
                total[op] += 1
                passed[op] += ok
            if ok and reason:
                unexpected_passes.append((name, reason))
            elif not ok and reason:
                expected += 1
            elif not ok:
                failures.append((name, message))

    print("node-suite conformance (compile -O3, run, compare): %d models" % len(models))
    print("%-28s %8s" % ("op", "passed"))
    for op in sorted(total):
        print("%-28s %4d/%-4d" % (op, passed[op], total[op]))
    for name, frozen in with_frozen:
        print("frozen %s: %s (from each test data set)" % (name, ", ".join(frozen)))
    for name, message in failures:
        print("FAIL %s: %s" % (name, message))
    for name, reason in unexpected_passes:
        print("UNEXPECTED PASS %s (listed as: %s)" % (name, reason))
    print("%d expected failures (node-suite-xfail.txt), %d models that do not import "
          "(Import/ONNX/node-suite-xfail.txt)" % (expected, not_imported))
    print("%d passed, %d failed" % (len(models) - len(failures) - expected,
                                    len(failures) + len(unexpected_passes)))
    return 1 if failures or unexpected_passes else 0


if __name__ == "__main__":
    sys.exit(main())
