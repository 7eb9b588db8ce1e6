#!/usr/bin/python3
"""Quill's GPU checks for a machine with an NVIDIA GPU but without Quill's
toolchain (LLVM/MLIR 22, ONNX, protobuf from Debian), such as the device
machines lent to development sessions. `pack` compiles everything on this
machine into a directory; `run` runs it on the GPU machine, which needs
only Python 3 with numpy and onnx, and a CUDA driver:

    /usr/bin/python3 scripts/gpu-bundle.py pack DIR [--gpu-arch sm_90] [--archive]
    python3 scripts/gpu-bundle.py run DIR [--results FILE]

DIR holds:
  bin/quill-run, lib/    quill-run and the libraries a CUDA image may lack
                         (ONNX's protobuf messages, protobuf);
  node/NAME/             every ONNX node-suite model that passes on the CPU
                         (node-suite-gpu.py's selection, less its expected
                         failures) as a GPU library with its test data sets:
                         run compares the outputs with ONNX's as on the CPU;
  models/NAME/           GPU libraries of larger models, their inputs and the
                         CPU build's outputs: int8 and integer-only models
                         must give the CPU's bits (integer-only: every
                         output; int8: integer outputs, float ones within
                         1e-3 relative, as float work between products may
                         round differently);
  bench/                 bench/gpu.py's MatMul libraries and inputs: run
                         prints their throughput as a fraction of the GPU's
                         peak.
`pack --target=gpu-emulator` compiles for this CPU's GPU emulator instead,
so that `run` can check the bundle itself here (test/Target/NVPTX/
gpu-bundle.test). Both end with `N passed, N failed`.
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "Inputs"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "python"))
import node_suite  # noqa: E402
from quill.runtime import Model  # noqa: E402

# The importer's, the CPU's and the GPU's expected failures.
XFAIL_LISTS = ("test/Import/ONNX/node-suite-xfail.txt",
               "test/Conformance/node-suite-xfail.txt",
               "test/Target/NVPTX/node-suite-xfail.txt")
# quill-run's libraries that a CUDA image does not have.
RUNNER_LIBRARIES = ("libonnx_proto", "libprotobuf")
FLOAT_RTOL, FLOAT_ATOL = 1e-3, 1e-5
BENCH_MODELS = ("matmul1024",)
ARCHIVE = "bundle.tar.gz"


def tool(name):
    """A Quill tool: the one on PATH (as in lit), else this checkout's build."""
    return shutil.which(name) or os.path.join(ROOT, "build", "bin", name)


def target_flags(args):
    if args.target == "gpu-emulator":
        return ["--target=gpu-emulator"]
    return ["--target=nvptx", "--gpu-arch=" + args.gpu_arch]


def compile_model(source, output, flags):
    """None, or the first line of quill-compile's error."""
    result = subprocess.run([tool("quill-compile"), source,
                             "-o", output, *flags], capture_output=True, text=True)
    if result.returncode == 0:
        return None
    return (result.stderr.strip().splitlines() or ["exit %d" % result.returncode])[0]


def pack_runner(bundle):
    runner = tool("quill-run")
    os.makedirs(os.path.join(bundle, "bin"))
    os.makedirs(os.path.join(bundle, "lib"))
    shutil.copy(runner, os.path.join(bundle, "bin"))
    linked = subprocess.run(["ldd", runner], capture_output=True, text=True, check=True).stdout
    for line in linked.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].startswith(RUNNER_LIBRARIES):
            shutil.copy(parts[2], os.path.join(bundle, "lib", parts[0]))


def pack_node_suite(bundle, args):
    """The CPU-passing node-suite models' GPU libraries and data sets;
    returns how many compiled and [(name, reason)] of those that did not."""
    xfails = [node_suite.read_xfails(os.path.join(ROOT, path)) for path in XFAIL_LISTS]
    models = [(name, path) for name, path, _ in node_suite.models_not_listed(xfails)
              if not args.only or name.split("/", 1)[1] in args.only]
    unknown = set(args.only or []) - {name.split("/", 1)[1] for name, _ in models}
    if unknown:
        raise SystemExit("--only: %s: not a node-suite test that passes on the CPU and is "
                         "not an expected GPU failure" % ", ".join(sorted(unknown)))

    def pack(entry):
        name, path = entry
        directory = os.path.join(bundle, "node", name.replace("/", "__"))
        os.makedirs(directory)
        data_sets = node_suite.data_sets(path)
        # Inputs a shape depends on are frozen to the first data set's values,
        # as on the CPU; that data set then goes without their files.
        first_inputs = data_sets[0][1] if data_sets else []
        _, frozen = node_suite.compile_freezing(
            tool("quill-compile"), path, ["--emit=import", "-o", os.devnull], first_inputs)
        for data_set, inputs, outputs in data_sets[:1] if frozen else data_sets:
            target = os.path.join(directory, os.path.basename(data_set))
            os.makedirs(target)
            for index, input_file in enumerate(node_suite.without_frozen(path, inputs, frozen)):
                shutil.copy(input_file, os.path.join(target, "input_%d.pb" % index))
            for output_file in outputs:
                shutil.copy(output_file, target)
        error = compile_model(path, os.path.join(directory, "model.so"),
                              target_flags(args) + node_suite.freeze_flags(path, first_inputs, frozen))
        return (name, error) if error else None

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failures = [f for f in pool.map(pack, models) if f]
    print("node suite: %d models packed, %d did not compile" % (len(models) - len(failures),
                                                                len(failures)))
    return len(models) - len(failures), failures


def model_sources(args):
    """(name, source, compile flags, inputs directory or None for random
    inputs, check) of the CPU-vs-GPU models; check is 'exact' (every output
    bit for bit) or 'integers' (integer outputs bit for bit, float ones
    within FLOAT_RTOL)."""
    import models as bench_models  # bench/models.py: fixed-seed ONNX models
    sources = [("tiled_products", os.path.join(ROOT, "test/Target/NVPTX/Inputs/tiled_products.mlir"),
                [], None, "integers")]
    if args.only:
        return sources
    bench_models.generate(args.bench_dir, ["resnet18", "bert"])
    for name, flags, check in (("resnet18", ["--quantize=int8"], "integers"),
                               ("bert", ["--quantize=int8"], "integers"),
                               ("bert", ["--quantize=int8", "--integer-only"], "exact")):
        inputs = bench_models.inputs_dir(args.bench_dir, name)
        # One calibration sample: the model's input set.
        calibration = bench_models.calibration_dir(args.bench_dir, name, "gpu_bundle_calibration")
        label = name + "_" + ("integer" if "--integer-only" in flags else "int8")
        sources.append((label, bench_models.model_path(args.bench_dir, name),
                        flags + ["--calibration-data=" + calibration], inputs, check))
    return sources


def random_inputs(model):
    rng = np.random.default_rng(20261122)
    feeds = {}
    for name, dtype, shape in model.inputs:
        if np.issubdtype(dtype, np.floating):
            feeds[name] = rng.standard_normal(shape).astype(dtype)
        else:
            info = np.iinfo(dtype)
            feeds[name] = rng.integers(max(info.min, -128), min(info.max, 127) + 1, shape,
                                       dtype=dtype)
    return feeds


def pack_models(bundle, args):
    """GPU libraries of larger models with inputs and the CPU build's
    outputs; returns [(name, reason)] of those that did not compile."""
    failures, entries = [], []
    for name, source, flags, inputs_dir, check in model_sources(args):
        directory = os.path.join(bundle, "models", name)
        os.makedirs(os.path.join(directory, "inputs"))
        os.makedirs(os.path.join(directory, "cpu"))
        cpu_library = os.path.join(args.work_dir, name + ".cpu.so")
        error = (compile_model(source, cpu_library, flags)
                 or compile_model(source, os.path.join(directory, "model.so"),
                                  flags + target_flags(args)))
        if error:
            failures.append((name, error))
            continue
        cpu = Model(cpu_library)
        if inputs_dir:
            feeds = {n: np.load(os.path.join(inputs_dir, n + ".npy")) for n, _, _ in cpu.inputs}
        else:
            feeds = random_inputs(cpu)
        for input_name, value in feeds.items():
            np.save(os.path.join(directory, "inputs", input_name + ".npy"), value)
        for output_name, value in cpu.run(feeds).items():
            np.save(os.path.join(directory, "cpu", output_name + ".npy"), value)
        entries.append({"name": name, "check": check})
    print("models: %d packed, %d did not compile" % (len(entries), len(failures)))
    return entries, failures


def pack_bench(bundle, args):
    """bench/gpu.py's libraries: MatMul in fp32 and int8."""
    import gpu as bench_gpu
    import models as bench_models
    bench_models.generate(args.bench_dir, list(BENCH_MODELS))
    for model_name in BENCH_MODELS:
        inputs = bench_models.inputs_dir(args.bench_dir, model_name)
        directory = os.path.join(bundle, "bench", model_name)
        shutil.copytree(inputs, os.path.join(directory, "inputs"))
        calibration = bench_models.calibration_dir(args.bench_dir, model_name, "gpu_calibration")
        for kind in bench_gpu.KINDS:
            error = compile_model(bench_models.model_path(args.bench_dir, model_name),
                                  os.path.join(directory, bench_gpu.library_name(model_name, kind)),
                                  bench_gpu.compile_flags(kind, calibration) + target_flags(args))
            if error:
                raise SystemExit("bench %s %s: %s" % (model_name, kind, error))


def pack(args):
    bundle = os.path.abspath(args.bundle)
    if os.path.exists(bundle):
        shutil.rmtree(bundle)
    os.makedirs(args.work_dir, exist_ok=True)
    pack_runner(bundle)
    node_packed, node_failures = pack_node_suite(bundle, args)
    model_entries, model_failures = pack_models(bundle, args)
    with_bench = args.target == "nvptx" and not args.only
    if with_bench:
        pack_bench(bundle, args)
    commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    manifest = {"commit": commit, "target": args.target, "gpu_arch": args.gpu_arch,
                "pack_failures": node_failures + model_failures, "models": model_entries,
                "bench": list(BENCH_MODELS) if with_bench else []}
    with open(os.path.join(bundle, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(bundle) for f in files)
    print("packed %s: %.1f MiB (commit %s, %s)" % (bundle, size / 2**20, commit,
                                                   " ".join(target_flags(args))))
    failed = len(manifest["pack_failures"])
    for name, reason in manifest["pack_failures"]:
        print("FAIL %s: %s" % (name, reason))
    if args.archive:
        # Libraries and data compress to about 2/3 (the models' int8
        # weights do not), under what a device machine's call carries.
        archive = os.path.join(args.work_dir, ARCHIVE)
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(bundle, arcname=".")
        shutil.rmtree(bundle)
        os.makedirs(bundle)
        shutil.move(archive, bundle)
        print("archived: %s (%.1f MiB)" % (os.path.join(bundle, ARCHIVE),
                                           os.path.getsize(os.path.join(bundle, ARCHIVE)) / 2**20))
    print("%d passed, %d failed" % (node_packed + len(model_entries), failed))
    return 1 if failed else 0


def compare(check, got, want):
    """None, or how `got` differs from the CPU's `want`."""
    if got.shape != want.shape or got.dtype != want.dtype:
        return "%s %s, the CPU gave %s %s" % (got.dtype, got.shape, want.dtype, want.shape)
    if np.array_equal(got, want, equal_nan=np.issubdtype(want.dtype, np.floating)):
        return None
    floating = np.issubdtype(want.dtype, np.floating)
    difference = np.abs(got.astype(np.float64) - want.astype(np.float64))
    summary = "%d of %d differ, at most by %g" % (np.count_nonzero(difference), want.size,
                                                 np.nanmax(difference))
    if check == "exact" or not floating:
        return summary
    bound = FLOAT_ATOL + FLOAT_RTOL * np.abs(want.astype(np.float64))
    if np.all(difference <= bound):
        print("  %s (within rtol %g)" % (summary, FLOAT_RTOL))
        return None
    return summary + " (beyond rtol %g)" % FLOAT_RTOL


def run_node_suite(bundle, environment):
    runner = os.path.join(bundle, "bin", "quill-run")
    node_dir = os.path.join(bundle, "node")
    names = [name for name in sorted(os.listdir(node_dir))
             if os.path.exists(os.path.join(node_dir, name, "model.so"))]

    def check(name):
        # data_sets() reads the data sets beside the model's path.
        return node_suite.run_data_sets(runner, os.path.join(node_dir, name, "model.so"),
                                        os.path.join(node_dir, name, "model.onnx"),
                                        environment=environment)

    # Each quill-run makes its own CUDA context, most of a small model's
    # run: several at once share the GPU.
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        errors = list(pool.map(check, names))
    failures = [(name.replace("__", "/"), error) for name, error in zip(names, errors) if error]
    passed = len(names) - len(failures)
    print("node suite: %d passed, %d failed (outputs against ONNX's)" % (passed, len(failures)))
    return passed, failures


def run_models(bundle, manifest):
    failures, passed = [], 0
    for entry in manifest["models"]:
        directory = os.path.join(bundle, "models", entry["name"])
        model = Model(os.path.join(directory, "model.so"))
        feeds = {n: np.load(os.path.join(directory, "inputs", n + ".npy")) for n, _, _ in model.inputs}
        try:
            outputs = model.run(feeds)
            model.run(feeds)
            if model.last_run_device_ms is not None:
                print("%s: kernels %.3f ms" % (entry["name"], model.last_run_device_ms))
        except RuntimeError as error:
            failures.append((entry["name"], str(error).splitlines()[0]))
            continue
        problems = []
        for output_name, value in outputs.items():
            problem = compare(entry["check"], value,
                              np.load(os.path.join(directory, "cpu", output_name + ".npy")))
            if problem:
                problems.append("%s: %s" % (output_name, problem))
        if problems:
            failures.append((entry["name"], "; ".join(problems)))
        else:
            passed += 1
    print("models: %d passed, %d failed (outputs against the CPU build's)" % (passed, len(failures)))
    return passed, failures


def run(args):
    bundle = os.path.abspath(args.bundle)
    archive = os.path.join(bundle, ARCHIVE)
    if not os.path.exists(archive):
        return run_bundle(bundle, args)
    with tempfile.TemporaryDirectory(prefix="quill-gpu-bundle-") as unpacked:
        with tarfile.open(archive) as tar:
            # Python's safe extraction where it has it (3.12; 3.11.4).
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(unpacked, **safe)
        return run_bundle(unpacked, args)


def run_bundle(bundle, args):
    with open(os.path.join(bundle, "manifest.json")) as f:
        manifest = json.load(f)
    print("bundle of commit %s, %s %s" % (manifest["commit"], manifest["target"],
                                          manifest["gpu_arch"]))
    if manifest["target"] == "nvptx":
        import gpu as bench_gpu
        gpu, reason = bench_gpu.describe_gpu()
        if not gpu:
            print("nothing run: %s" % reason)
            return 1
        print("%s: sm_%d, %d SMs at %.2f GHz" % gpu)
    environment = dict(os.environ)
    environment["LD_LIBRARY_PATH"] = os.pathsep.join(
        [os.path.join(bundle, "lib")] + [p for p in [os.environ.get("LD_LIBRARY_PATH")] if p])
    node_passed, node_failures = run_node_suite(bundle, environment)
    model_passed, model_failures = run_models(bundle, manifest)
    failures = [tuple(f) for f in manifest["pack_failures"]] + node_failures + model_failures
    bench_failed = 0
    for model_name in manifest["bench"]:
        result = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gpu.py"),
                                 "--models", model_name,
                                 "--prebuilt", os.path.join(bundle, "bench"),
                                 "--quill-run", os.path.join(bundle, "bin", "quill-run")],
                                env=environment)
        bench_failed += result.returncode != 0
    for name, reason in failures:
        print("FAIL %s: %s" % (name, reason))
    summary = "%d passed, %d failed" % (node_passed + model_passed, len(failures) + bench_failed)
    if args.results:
        with open(args.results, "w") as f:
            json.dump({"commit": manifest["commit"], "summary": summary,
                       "failures": failures}, f, indent=1)
    print(summary)
    return 1 if failures or bench_failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pack_parser = commands.add_parser("pack", help="compile the checks into BUNDLE (this machine)")
    pack_parser.add_argument("bundle")
    pack_parser.add_argument("--target", choices=("nvptx", "gpu-emulator"), default="nvptx")
    pack_parser.add_argument("--gpu-arch", default="sm_90")
    pack_parser.add_argument("--archive", action="store_true",
                             help="leave only BUNDLE/%s (what run also reads)" % ARCHIVE)
    pack_parser.add_argument("--only", type=lambda s: s.split(","),
                             help="node-suite tests to pack (test_relu,...); no large models")
    pack_parser.add_argument("--work-dir", default="/tmp/quill-gpu-bundle",
                             help="CPU builds of the models")
    pack_parser.add_argument("--bench-dir", default="/tmp/quill-bench",
                             help="bench/models.py's models (generated when missing)")
    run_parser = commands.add_parser("run", help="run BUNDLE's checks (the GPU machine)")
    run_parser.add_argument("bundle")
    run_parser.add_argument("--results", help="also write the failures here (JSON)")
    args = parser.parse_args()
    return pack(args) if args.command == "pack" else run(args)


if __name__ == "__main__":
    sys.exit(main())
