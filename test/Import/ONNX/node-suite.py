# RUN: %python %s quill-compile %S/node-suite-xfail.txt
#
# ONNX's node test suite (libonnx-testdata): every model whose ops are all in
# the import scope must import, verify and print (inputs that a shape depends
# on frozen to the first data set's values). Models that are known not
# to import yet are listed, with a reason, in node-suite-xfail.txt (by test
# or by op type); an expected failure that passes is reported too, so the
# list stays true. Prints the pass count per op and ends with the totals.

import collections
import concurrent.futures
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Inputs"))
import node_suite  # noqa: E402


def main():
    compiler, xfail_path = sys.argv[1], sys.argv[2]
    xfails = node_suite.read_xfails(xfail_path)
    models = node_suite.in_scope_models()

    def run(entry):
        name, path, ops = entry
        data_sets = node_suite.data_sets(path)
        result, frozen = node_suite.compile_freezing(
            compiler, path, ["--emit=import", "-o", os.devnull],
            data_sets[0][1] if data_sets else [])
        return entry, result.returncode == 0, result.stderr.strip(), frozen

    passed = collections.Counter()
    total = collections.Counter()
    failures, unexpected_passes, expected, with_frozen = [], [], 0, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for (name, path, ops), ok, stderr, frozen in pool.map(run, models):
            if frozen:
                with_frozen.append((name, frozen))
            reason = node_suite.expected_failure(name, ops, xfails)
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
        note = "  (expected: %s)" % xfails[1][op] if op in xfails[1] else ""
        print("%-28s %4d/%-4d%s" % (op, passed[op], total[op], note))
    print("%d models import with inputs frozen to their first test data set's values "
          "(--freeze-input): a shape depends on them" % len(with_frozen))
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
