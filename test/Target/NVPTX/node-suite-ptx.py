# RUN: %python %s --work-dir %t --import-xfails %S/../../Import/ONNX/node-suite-xfail.txt --cpu-xfails %S/../../Conformance/node-suite-xfail.txt --xfails %S/node-suite-xfail.txt
#
# Every node-suite model that passes on the CPU (Conformance/node-suite.py)
# compiles for NVIDIA GPUs too: quill-compile --target=nvptx --emit=ptx, and
# the PTX assembles with ptxas for sm_80 and for sm_90 (ptxas from PATH or
# /usr/local/cuda/bin; without it only the compilation is checked, and the
# run says so). Kernels with math such as sqrt call CUDA's libdevice; where
# no CUDA installation provides it, quill-compile refuses them with an error
# naming the functions, and the run counts them as skipped, saying why.
# Models that do not compile are listed with a reason in
# node-suite-xfail.txt here; an expected failure that passes fails the run.
# Ends with `N passed, N failed`.

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Inputs"))
import node_suite  # noqa: E402

ARCHITECTURES = ("sm_80", "sm_90")


def find_ptxas():
    return shutil.which("ptxas") or next(
        (p for p in ["/usr/local/cuda/bin/ptxas"] if os.access(p, os.X_OK)), None)


LIBDEVICE_MISSING = "from CUDA's libdevice, which was not found"


def find_libdevice():
    """Where quill-compile finds libdevice (lib/Target/NVPTX/PTX.cpp)."""
    for variable in ("CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"):
        if variable in os.environ:
            toolkit = os.environ[variable]
            break
    else:
        toolkit = "/usr/local/cuda"
    path = os.path.join(toolkit, "nvvm", "libdevice", "libdevice.10.bc")
    return path if os.path.exists(path) else None


def check_model(entry, work_dir, compiler, ptxas):
    """(passed, first line of the failure) for one node-suite model; passed
    is None when the model needs a libdevice that is not installed."""
    name, path, _ = entry
    stem = os.path.join(work_dir, name.replace("/", "__"))
    for arch in ARCHITECTURES:
        ptx = "%s.%s.ptx" % (stem, arch)
        result = subprocess.run([compiler, path, "--target=nvptx", "--gpu-arch=" + arch,
                                 "--emit=ptx", "-o", ptx], capture_output=True, text=True)
        if result.returncode != 0:
            if LIBDEVICE_MISSING in result.stderr:
                return None, ""
            return False, "compile: " + (result.stderr.strip().splitlines() or ["?"])[0]
        if ptxas:
            result = subprocess.run([ptxas, "-arch=" + arch, ptx, "-o", os.devnull],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                return False, "ptxas %s: %s" % (
                    arch, (result.stderr.strip().splitlines() or ["?"])[0])
        os.remove(ptx)
    return True, ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--import-xfails", required=True)
    parser.add_argument("--cpu-xfails", required=True)
    parser.add_argument("--xfails", required=True)
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    compiler = shutil.which("quill-compile")
    if not compiler:
        raise SystemExit("quill-compile is not on PATH")
    ptxas = find_ptxas()
    print("ptxas: %s" % (ptxas or "not found; PTX is generated but not assembled"))
    print("libdevice: %s" % (find_libdevice() or
                             "not found; models whose kernels call it are skipped"))
    import_xfails = node_suite.read_xfails(args.import_xfails)
    cpu_xfails = node_suite.read_xfails(args.cpu_xfails)
    xfails = node_suite.read_xfails(args.xfails)
    models = [entry for entry in node_suite.in_scope_models()
              if not node_suite.expected_failure(entry[0], entry[2], import_xfails)
              and not node_suite.expected_failure(entry[0], entry[2], cpu_xfails)]

    failures, unexpected_passes, expected, skipped = [], [], 0, 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = pool.map(lambda e: check_model(e, args.work_dir, compiler, ptxas), models)
        for (name, _, ops), (ok, message) in zip(models, results):
            reason = node_suite.expected_failure(name, ops, xfails)
            if ok is None:
                skipped += 1
            elif ok and reason:
                unexpected_passes.append((name, reason))
            elif not ok and reason:
                expected += 1
            elif not ok:
                failures.append((name, message))

    print("node-suite for nvptx (%s): %d models that pass on the CPU" %
          (", ".join(ARCHITECTURES), len(models)))
    for name, message in failures:
        print("FAIL %s: %s" % (name, message))
    for name, reason in unexpected_passes:
        print("UNEXPECTED PASS %s (listed as: %s)" % (name, reason))
    print("%d expected failures (node-suite-xfail.txt), %d skipped (they need "
          "libdevice, not installed)" % (expected, skipped))
    print("%d passed, %d failed" % (len(models) - len(failures) - expected - skipped,
                                    len(failures) + len(unexpected_passes)))
    return 1 if failures or unexpected_passes else 0


if __name__ == "__main__":
    sys.exit(main())
