# RUN: rm -rf %t && mkdir -p %t
# RUN: %clang -shared -fPIC -O1 %S/Inputs/fake_cuda_driver.c -o %t/libfake_cuda.so
# RUN: %python %s --work-dir %t --fake-driver %t/libfake_cuda.so --import-xfails %S/../../Import/ONNX/node-suite-xfail.txt --cpu-xfails %S/../../Conformance/node-suite-xfail.txt --xfails %S/node-suite-xfail.txt
#
# Every node-suite model that passes on the CPU (Conformance/node-suite.py)
# compiles for NVIDIA GPUs too:
#  - quill-compile --target=nvptx --emit=ptx for sm_80 and sm_90, and the PTX
#    assembles with ptxas (from PATH or /usr/local/cuda/bin; without it only
#    the compilation is checked, and the run says so);
#  - the GPU library (sm_80, PTX) runs every test data set with --fake-driver
#    (Inputs/fake_cuda_driver.c): the host code stages the tensors, uploads
#    the constants and launches every kernel, each launch checked to get only
#    device memory. Outputs are not computed there;
#  - --target=gpu-emulator runs the same kernels' loop nests (dp4a included)
#    serially on the CPU, and their outputs are compared with the expected
#    ones, as on the CPU;
#  - with --on-gpu instead (node-suite-on-gpu.test, on a machine with an
#    NVIDIA GPU), the library for --gpu-arch runs on the GPU and its outputs
#    are compared with the expected ones, as on the CPU.
# Kernels with math such as sqrt call CUDA's libdevice; where no CUDA
# installation provides it, quill-compile refuses them with an error naming
# the functions, and the run counts them as skipped, saying why. Models that
# do not compile are listed with a reason in node-suite-xfail.txt here; an
# expected failure that passes fails the run. Ends with `N passed, N failed`.

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Inputs"))
import node_suite  # noqa: E402

PTX_ARCHITECTURES = ("sm_80", "sm_90")
LIBRARY_ARCHITECTURE = "sm_80"
LIBDEVICE_MISSING = "from CUDA's libdevice, which was not found"


class Skipped(Exception):
    """The model needs libdevice, which is not installed."""


def find_ptxas():
    return shutil.which("ptxas") or next(
        (p for p in ["/usr/local/cuda/bin/ptxas"] if os.access(p, os.X_OK)), None)


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


def first_line(text):
    return (text.strip().splitlines() or ["?"])[0]


def compile_model(compiler, path, output, flags):
    """None, or the first line of quill-compile's error."""
    result = subprocess.run([compiler, path, "-o", output, *flags],
                            capture_output=True, text=True)
    if result.returncode == 0:
        return None
    if LIBDEVICE_MISSING in result.stderr:
        raise Skipped()
    return "compile %s: %s" % (" ".join(flags), first_line(result.stderr))


def gpu_flags(arch, emit, *more):
    return ["--target=nvptx", "--gpu-arch=" + arch, "--emit=" + emit, *more]


def check_ptx(path, stem, compiler, ptxas, freeze):
    for arch in PTX_ARCHITECTURES:
        ptx = "%s.%s.ptx" % (stem, arch)
        error = compile_model(compiler, path, ptx, gpu_flags(arch, "ptx", *freeze))
        if error:
            return error
        if ptxas:
            result = subprocess.run([ptxas, "-arch=" + arch, ptx, "-o", os.devnull],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                return "ptxas %s: %s" % (arch, first_line(result.stderr))
        os.remove(ptx)
    return None


def check_model(entry, args, tools):
    """(passed, first line of the failure) for one node-suite model; passed
    is None when the model needs a libdevice that is not installed."""
    name, path, _ = entry
    stem = os.path.join(args.work_dir, name.replace("/", "__"))
    library = stem + ".so"
    compiler, runner = tools["compiler"], tools["runner"]
    # Inputs a shape depends on are frozen to the first data set's values, as
    # on the CPU.
    data_sets = node_suite.data_sets(path)
    first_inputs = data_sets[0][1] if data_sets else []
    _, frozen = node_suite.compile_freezing(compiler, path, ["--emit=import", "-o", os.devnull],
                                            first_inputs)
    freeze = node_suite.freeze_flags(path, first_inputs, frozen)
    try:
        if args.on_gpu:
            error = (compile_model(compiler, path, library, gpu_flags(args.gpu_arch, "lib", *freeze))
                     or node_suite.run_data_sets(runner, library, path, frozen=frozen))
        else:
            fake = dict(os.environ, QUILL_CUDA_DRIVER=args.fake_driver)
            # PTX libraries: the fake driver checks their kernels' parameters.
            error = (check_ptx(path, stem, compiler, tools["ptxas"], freeze)
                     or compile_model(compiler, path, library,
                                      gpu_flags(LIBRARY_ARCHITECTURE, "lib", "--gpu-binary=ptx",
                                                *freeze))
                     or node_suite.run_data_sets(runner, library, path, compare=False,
                                                 environment=fake,
                                                 markers=("error", "fake-cuda"), frozen=frozen)
                     or compile_model(compiler, path, library, ["--target=gpu-emulator", *freeze])
                     or node_suite.run_data_sets(runner, library, path, frozen=frozen))
    except Skipped:
        return None, ""
    if error:
        return False, error
    os.remove(library)
    return True, ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--import-xfails", required=True)
    parser.add_argument("--cpu-xfails", required=True)
    parser.add_argument("--xfails", required=True)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--fake-driver", help="the fake CUDA driver library")
    mode.add_argument("--on-gpu", action="store_true",
                      help="run on this machine's GPU and compare outputs")
    parser.add_argument("--gpu-arch", default="sm_90", help="with --on-gpu")
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    tools = {"compiler": shutil.which("quill-compile"), "runner": shutil.which("quill-run"),
             "ptxas": None if args.on_gpu else find_ptxas()}
    if not tools["compiler"] or not tools["runner"]:
        raise SystemExit("quill-compile and quill-run must be on PATH")
    if not args.on_gpu:
        print("ptxas: %s" % (tools["ptxas"] or
                             "not found; PTX is generated but not assembled"))
    print("libdevice: %s" % (find_libdevice() or
                             "not found; models whose kernels call it are skipped"))
    import_xfails = node_suite.read_xfails(args.import_xfails)
    cpu_xfails = node_suite.read_xfails(args.cpu_xfails)
    xfails = node_suite.read_xfails(args.xfails)
    models = node_suite.models_not_listed([import_xfails, cpu_xfails])

    failures, unexpected_passes, expected, skipped = [], [], 0, 0
    # GPU runs share one device: one model at a time.
    workers = 1 if args.on_gpu else os.cpu_count() or 2
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda e: check_model(e, args, tools), models)
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

    if args.on_gpu:
        print("node-suite on the GPU (%s): %d models that pass on the CPU, outputs "
              "compared" % (args.gpu_arch, len(models)))
    else:
        print("node-suite for nvptx (PTX for %s; %s libraries run on the fake "
              "driver; outputs of the GPU emulator compared): %d models that pass "
              "on the CPU" %
              (", ".join(PTX_ARCHITECTURES), LIBRARY_ARCHITECTURE, len(models)))
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
