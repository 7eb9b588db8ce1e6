# Lit configuration for Quill's regression tests.

import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "Quill"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py", ".test"]
config.excludes = ["CMakeLists.txt", "Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.quill_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%quill_src_root", config.quill_src_root))
config.substitutions.append(("%quill_obj_root", config.quill_obj_root))

llvm_config.use_default_substitutions()

# Debian's interpreter has numpy and onnx; the python3 first on PATH may not.
# In a sanitizer build, uninstrumented programs that load models (Python,
# test drivers written in C; %sanitizer_env prefixes them) need the shared
# sanitizer runtime loaded first. Their own leaks are not Quill's.
sanitizer_env = ""
if config.quill_sanitize:
    asan = subprocess.run([os.path.join(config.llvm_tools_dir, "clang"),
                           "-print-file-name=libclang_rt.asan-x86_64.so"],
                          capture_output=True, text=True).stdout.strip()
    sanitizer_env = "env LD_PRELOAD={} ASAN_OPTIONS=detect_leaks=0".format(asan)
    config.available_features.add("sanitizer")
config.substitutions.append(("%sanitizer_env", sanitizer_env))
# Replaces lit's own %python (the interpreter running lit).
config.substitutions = [s for s in config.substitutions if s[0] != "%python"]
config.substitutions.append(("%python", (sanitizer_env + " /usr/bin/python3").strip()))
# What a C test driver linking the (instrumented) runtime archive adds.
config.substitutions.append(("%sanitizer_link", asan if config.quill_sanitize else ""))
config.environment["PYTHONPATH"] = os.path.join(config.quill_src_root, "python")

# FileCheck, not and count live in the LLVM tools directory, not on PATH.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# Test scripts find Quill's tools by name.
llvm_config.with_environment("PATH", config.quill_tools_dir, append_path=True)
tool_dirs = [config.quill_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["quill-compile", "quill-opt", "quill-run"], tool_dirs)
# /usr/bin/llvm-nm may be an older LLVM's.
llvm_config.add_tool_substitutions(["llvm-nm", "llvm-readelf"], [config.llvm_tools_dir])

# The runtime tests build hand-written models. %link_quill_model links one
# as compiled models are linked: a shared library of the model's object and
# the whole runtime (the object references none of the ABI functions, so
# without --whole-archive the archive would contribute only memrefCopy),
# needing only libc and libm. ld.lld has no default library path.
clang = os.path.join(config.llvm_tools_dir, "clang")
libc = subprocess.run([clang, "-print-file-name=libc.so"], capture_output=True,
                      text=True).stdout.strip()
runtime_lib = os.path.join(config.quill_obj_root, "lib", "libquill_runtime.a")
config.substitutions.append(("%clang", clang))
config.substitutions.append(("%quill_runtime_cflags", "-I{0}/include -I{0}/lib/Runtime".format(
    config.quill_src_root)))
config.substitutions.append(("%quill_runtime_lib", runtime_lib))
# The runtime's kernels pick their ISA with __builtin_cpu_supports, which
# compiler-rt's builtins implement.
builtins = subprocess.run([clang, "-print-libgcc-file-name", "--rtlib=compiler-rt"],
                          capture_output=True, text=True).stdout.strip()
# A sanitizer build's runtime needs the sanitizer's (lib/Target/CPU/Link.cpp).
sanitizer_runtime = ""
if config.quill_sanitize:
    sanitizer_runtime = "{0} -rpath {1}".format(asan, os.path.dirname(asan))
config.substitutions.append(("%link_quill_model", "{} -shared --whole-archive {} --no-whole-archive "
                             "{} {} -L{} -lm -lc".format(os.path.join(config.llvm_tools_dir, "ld.lld"),
                                                         runtime_lib, builtins, sanitizer_runtime,
                                                         os.path.dirname(libc))))

# The real-model corpus (test/Models) exports with Debian's PyTorch and
# compares with ONNX Runtime from npm (bench/node_modules); scripts/setup.sh
# installs both. Without them its test is reported unsupported.
# find_spec looks the packages up without importing them (torch takes
# seconds to import, and lit reads this file on every run).
if subprocess.run(["/usr/bin/python3", "-c",
                   "import importlib.util as u, sys; sys.exit(not all("
                   "u.find_spec(m) for m in ('torch', 'torchvision')))"],
                  capture_output=True).returncode == 0:
    config.available_features.add("torch")
if os.path.isdir(os.path.join(config.quill_src_root, "bench", "node_modules",
                              "onnxruntime-node")) and shutil.which("node"):
    config.available_features.add("onnxruntime-node")
# Under the sanitizers each of the corpus' 52 compilations is several times
# slower (about 40 minutes in all); a sanitizer build checks one model of
# each importer path (shape folding, recurrent, attention) at two opsets.
config.substitutions.append(("%corpus_selection", (
    "--models shufflenet_v2_x0_5,vit_small,bilstm_speech,gru_speech --opsets 9,17"
    if config.quill_sanitize else "")))

# ptxas (CUDA) assembles emitted PTX when it is installed; tests that need it
# say REQUIRES: ptxas and are reported unsupported without it.
ptxas = shutil.which("ptxas") or next(
    (p for p in ["/usr/local/cuda/bin/ptxas"] if os.access(p, os.X_OK)), None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
    # With fatbinary beside it, GPU libraries can carry a fatbin.
    if os.access(os.path.join(os.path.dirname(ptxas), "fatbinary"), os.X_OK):
        config.available_features.add("fatbinary")

# A CUDA driver with a GPU runs GPU models for real: tests that need one say
# REQUIRES: cuda-gpu and are reported unsupported elsewhere. %cuda_gpu_arch is
# the newest --gpu-arch the device runs (PTX for older architectures JITs
# forward).
def find_cuda_gpu_arch():
    import ctypes
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return None
    count, major, minor = ctypes.c_int(0), ctypes.c_int(0), ctypes.c_int(0)
    if (cuda.cuInit(0) != 0 or cuda.cuDeviceGetCount(ctypes.byref(count)) != 0
            or count.value == 0):
        return None
    cuda.cuDeviceGetAttribute(ctypes.byref(major), 75, 0)
    cuda.cuDeviceGetAttribute(ctypes.byref(minor), 76, 0)
    capability = 10 * major.value + minor.value
    runnable = [arch for arch in (80, 86, 89, 90) if arch <= capability]
    return "sm_%d" % runnable[-1] if runnable else None


cuda_gpu_arch = find_cuda_gpu_arch()
if cuda_gpu_arch:
    config.available_features.add("cuda-gpu")
    config.substitutions.append(("%cuda_gpu_arch", cuda_gpu_arch))
