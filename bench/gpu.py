#!/usr/bin/python3
"""MatMul throughput on this machine's NVIDIA GPU, fp32 and int8, as a fraction of the GPU's peak.

    /usr/bin/python3 bench/gpu.py [--models matmul1024] [--runs 50] [--work-dir /tmp/quill-bench]

For each model (bench/models.py; MatMul NxN by a constant NxN weight): compile it with
`quill-compile --target=nvptx` for the GPU's architecture, in fp32 and quantized to int8 (calibrated on
the benchmark input), time it with `quill-run --bench`, and read the kernels' device time (the `bench
device:` line: CUDA events around the run's kernels, without the host copies). Prints the median, the
throughput and its fraction of the peak computed from the device's SM count and clock. On a GPU
machine without Quill's toolchain, `--prebuilt DIR --quill-run PATH` measures libraries compiled
elsewhere (scripts/gpu-bundle.py packs them, for sm_90):

    fp32: 2 flops per FMA x FP32 FMAs per clock per SM (64 on sm_80, 128 on sm_86/89/90)
    int8: dense int8 tensor-core ops per clock per SM (4096 on sm_80, 2048 on sm_86/89, 8192 on sm_90:
          the A100, RTX 3090/4090 and H100 datasheet TOPS over SMs x boost clock)

The int8 MatMul is tiled and runs mma.sync m16n8k32 (sm_90's full rate needs wgmma, which Quill does not
emit: expect a lower fraction there). The dp4a peak (8 ops x 64 per clock per SM) is printed for reference.
Exits 1, saying why, without a CUDA driver and GPU.
"""

import argparse
import ctypes
import os
import re
import subprocess
import sys

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
sys.path.insert(0, BENCH_DIR)
import models  # noqa: E402

FP32_FMA_PER_CLOCK = {80: 64, 86: 128, 89: 128, 90: 128}
DP4A_PER_CLOCK = {80: 64, 86: 64, 89: 64, 90: 64}
INT8_TENSOR_OPS_PER_CLOCK = {80: 4096, 86: 2048, 89: 2048, 90: 8192}
ARCHITECTURES = (80, 86, 89, 90)
DEVICE_LINE = re.compile(r"bench device: runs=\d+ min_ms=\S+ median_ms=([\d.eE+-]+)")


def describe_gpu():
    """(name, compute capability, SMs, clock in GHz) of device 0, or None with the reason."""
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError as error:
        return None, f"no CUDA driver ({error})"
    count = ctypes.c_int(0)
    if cuda.cuInit(0) != 0 or cuda.cuDeviceGetCount(ctypes.byref(count)) != 0 or count.value == 0:
        return None, "the CUDA driver found no GPU"

    def attribute(code):
        value = ctypes.c_int(0)
        cuda.cuDeviceGetAttribute(ctypes.byref(value), code, 0)
        return value.value

    name = ctypes.create_string_buffer(128)
    cuda.cuDeviceGetName(name, 128, 0)
    # CU_DEVICE_ATTRIBUTE_ COMPUTE_CAPABILITY_MAJOR/MINOR, MULTIPROCESSOR_COUNT, CLOCK_RATE (kHz).
    capability = 10 * attribute(75) + attribute(76)
    return (name.value.decode(), capability, attribute(16), attribute(13) / 1e6), None


KINDS = ("fp32", "int8")


def compile_flags(kind, calibration):
    """quill-compile's flags for a library of KIND (int8: calibrated on CALIBRATION)."""
    return [] if kind == "fp32" else ["--quantize=int8", f"--calibration-data={calibration}"]


def library_name(model_name, kind):
    return f"{model_name}.gpu_{kind}.so"


def device_median_ms(runner, library, inputs_dir, runs):
    command = [runner, library, "--quiet", "--bench", str(runs)]
    for file in sorted(os.listdir(inputs_dir)):
        command += ["--input", f"{os.path.splitext(file)[0]}={os.path.join(inputs_dir, file)}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = DEVICE_LINE.search(output)
    if not match:
        raise SystemExit(f"quill-run printed no device time for {library}:\n{output}")
    return float(match.group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="matmul1024")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--work-dir", default="/tmp/quill-bench")
    parser.add_argument("--prebuilt", help="measure the libraries in PREBUILT/MODEL/ (and their "
                        "inputs/) instead of compiling (scripts/gpu-bundle.py packs them)")
    parser.add_argument("--quill-run", default=os.path.join(ROOT, "build", "bin", "quill-run"))
    args = parser.parse_args()
    gpu, reason = describe_gpu()
    if not gpu:
        print(f"bench/gpu.py: nothing measured: {reason}")
        return 1
    name, capability, sms, clock_ghz = gpu
    if sms <= 0 or clock_ghz <= 0 or capability < min(ARCHITECTURES):
        print(f"bench/gpu.py: nothing measured: {name} reports sm_{capability}, {sms} SMs at "
              f"{clock_ghz:.2f} GHz (no peak to compare with)")
        return 1
    arch = max(a for a in ARCHITECTURES if a <= capability)
    peaks = {"fp32": 2 * FP32_FMA_PER_CLOCK[arch] * sms * clock_ghz / 1e3,
             "int8": INT8_TENSOR_OPS_PER_CLOCK[arch] * sms * clock_ghz / 1e3}
    dp4a_peak = 8 * DP4A_PER_CLOCK[arch] * sms * clock_ghz / 1e3
    print(f"{name}: sm_{capability}, {sms} SMs at {clock_ghz:.2f} GHz; peaks (TFLOP/s, TOP/s): "
          f"fp32 {peaks['fp32']:.1f}, int8 tensor cores {peaks['int8']:.1f} (dp4a {dp4a_peak:.1f})")
    compiler = os.path.join(ROOT, "build", "bin", "quill-compile")
    names = args.models.split(",")
    if not args.prebuilt:
        models.generate(args.work_dir, names)
    print("model       kind  device_ms  T(FL)OP/s  fraction_of_peak")
    for model_name in names:
        size = int(model_name[len("matmul"):])
        operations = 2 * size ** 3
        if args.prebuilt:
            directory = os.path.join(args.prebuilt, model_name)
            inputs = os.path.join(directory, "inputs")
        else:
            directory = os.path.join(args.work_dir, model_name)
            inputs = models.inputs_dir(args.work_dir, model_name)
            # One calibration sample: the benchmark input.
            calibration = models.calibration_dir(args.work_dir, model_name, "gpu_calibration")
        for kind in KINDS:
            library = os.path.join(directory, library_name(model_name, kind))
            if not args.prebuilt:
                subprocess.run([compiler, models.model_path(args.work_dir, model_name),
                                "--target=nvptx", f"--gpu-arch=sm_{arch}",
                                *compile_flags(kind, calibration), "-o", library], check=True)
            median = device_median_ms(args.quill_run, library, inputs, args.runs)
            throughput = operations / (median * 1e-3) / 1e12
            print(f"{model_name:<11} {kind:<5} {median:9.4f}  {throughput:9.2f}  "
                  f"{throughput / peaks[kind]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
