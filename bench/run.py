#!/usr/bin/python3
"""Benchmark Quill against ONNX Runtime on generated models, single-threaded on one core.

    /usr/bin/python3 bench/run.py [--models matmul512,bert] [--runs N] [--quill-only | --ort-only]

For each model: generate it (models.py), compile it with `quill-compile -O3` (timed), time it with
`quill-run --bench` and with ONNX Runtime (ort_bench.js), check that both produce the same outputs,
and print a table of medians. Both peers time inside their own process after a warm-up, so model
load and compile are not in the run times.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import onnx

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
import models  # noqa: E402  (bench/models.py, found through the path set above)

# Timed runs per model: enough for a stable median while the whole benchmark stays within a few minutes.
DEFAULT_RUNS = {"matmul512": 200, "matmul1024": 50, "mlp": 200, "resnet18": 50, "bert": 100}

def cpu_name():
    """The CPU's model name from /proc/cpuinfo, for the report."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def measure_peaks(work_dir):
    """One core's fp32 FMA and int8 VNNI peaks, measured by bench/peak.c on this CPU (machines of this kind
    differ), as {"fp32_gflops": X, "int8_gops": Y}; {} when no C compiler builds it."""
    compiler = shutil.which("clang-22") or shutil.which("clang") or shutil.which("cc")
    if not compiler:
        return {}
    binary = os.path.join(work_dir, "peak")
    os.makedirs(work_dir, exist_ok=True)
    try:
        subprocess.run([compiler, "-O2", os.path.join(BENCH_DIR, "peak.c"), "-o", binary], check=True,
                       capture_output=True)
        output = subprocess.run(pin_to_one_core() + [binary], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {key: float(value) for key, value in (line.split() for line in output.splitlines())}

# A fast wrong answer is worthless: outputs must agree to this relative tolerance, and to this
# absolute tolerance scaled by the reference output's magnitude (at least 1).
RTOL = 1e-3
ATOL = 1e-3

BENCH_LINE = re.compile(r"bench: runs=(\d+) min_ms=([\d.eE+-]+) median_ms=([\d.eE+-]+) mean_ms=([\d.eE+-]+)")


class StepFailed(Exception):
    """A tool failed for one model; the message says which and why, and the benchmark goes on."""


def pin_to_one_core():
    # The same core for both peers, so neither gets a less busy one.
    return ["taskset", "-c", "0"] if shutil.which("taskset") else []


def run_tool(what, command, timeout):
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise StepFailed(f"{what} timed out after {timeout} s: {' '.join(command)}")
    except OSError as error:
        raise StepFailed(f"{what} could not start: {error}")
    if result.returncode != 0:
        tail = "\n".join((result.stderr + result.stdout).strip().splitlines()[-20:])
        raise StepFailed(f"{what} exited with {result.returncode}: {' '.join(command)}\n{tail}")
    return result.stdout


def parse_bench(what, stdout):
    match = BENCH_LINE.search(stdout)
    if not match:
        raise StepFailed(f"{what} printed no 'bench:' line; its output was:\n{stdout.strip()}")
    return {"runs": int(match[1]), "min_ms": float(match[2]), "median_ms": float(match[3]),
            "mean_ms": float(match[4])}


def fresh_dir(path):
    # Remove files from an earlier run, so a tool that writes nothing cannot pass on stale outputs.
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def graph_io_names(model_file):
    graph = onnx.load(model_file, load_external_data=False).graph
    initializers = {t.name for t in graph.initializer}
    return [i.name for i in graph.input if i.name not in initializers], [o.name for o in graph.output]


def compile_quill(tools, model_file, library, timeout, flags=()):
    if os.path.exists(library):
        os.remove(library)
    start = time.perf_counter()
    run_tool("quill-compile", [os.path.join(tools, "quill-compile"), model_file, "-O3", "-o", library, *flags],
             timeout)
    return time.perf_counter() - start


def bench_quill(tools, library, inputs_dir, input_names, runs, output_dir, timeout):
    command = pin_to_one_core() + [os.path.join(tools, "quill-run"), library]
    for name in input_names:
        command += ["--input", f"{name}={os.path.join(inputs_dir, name + '.npy')}"]
    command += ["--bench", str(runs), "--output-dir", output_dir]
    return parse_bench("quill-run", run_tool("quill-run", command, timeout))


def bench_ort(model_file, inputs_dir, runs, output_dir, timeout):
    command = pin_to_one_core() + ["node", os.path.join(BENCH_DIR, "ort_bench.js"), model_file, inputs_dir,
                                   str(runs), "1", output_dir]
    return parse_bench("ort_bench.js", run_tool("ort_bench.js", command, timeout))


def load_output_pairs(output_names, first_dir, second_dir):
    """Each output as written to both directories (float64), checked present and of one shape."""
    for name in output_names:
        files = [os.path.join(d, name + ".npy") for d in (first_dir, second_dir)]
        missing = [f for f in files if not os.path.exists(f)]
        if missing:
            raise StepFailed(f"output {name!r} not written: {', '.join(missing)}")
        first, second = (np.load(f).astype(np.float64) for f in files)
        if first.shape != second.shape:
            raise StepFailed(f"output {name!r}: shapes {first.shape} ({first_dir}) and {second.shape} "
                             f"({second_dir}) differ")
        yield name, first, second


def compare_outputs(output_names, quill_dir, ort_dir):
    """Largest |quill - ort| over all outputs, and whether every output is within tolerance."""
    worst, agree = 0.0, True
    for name, got, want in load_output_pairs(output_names, quill_dir, ort_dir):
        diff = float(np.max(np.abs(got - want))) if got.size else 0.0
        magnitude = float(np.max(np.abs(want))) if want.size else 0.0
        atol = ATOL * max(1.0, magnitude)
        close = bool(np.allclose(got, want, rtol=RTOL, atol=atol))
        print(f"  check {name}: max_abs_diff={diff:.3g} max|ort|={magnitude:.3g} "
              f"allclose(rtol={RTOL:g}, atol={atol:.3g})={'ok' if close else 'MISMATCH'}")
        worst, agree = max(worst, diff), agree and close
    return worst, agree


def sqnr_db(output_names, reference_dir, quantized_dir):
    """Signal-to-quantization-noise ratio (dB) of all outputs together against the float reference."""
    signal = noise = 0.0
    for _, reference, quantized in load_output_pairs(output_names, reference_dir, quantized_dir):
        signal += float(np.sum(reference ** 2))
        noise += float(np.sum((reference - quantized) ** 2))
    return float("inf") if noise == 0.0 else 10.0 * np.log10(signal / noise)


def bench_model(name, args, tools):
    """Benchmark one model; returns its table row (a dict), with failures recorded rather than raised."""
    model_dir = os.path.join(args.work_dir, name)
    model_file = models.model_path(args.work_dir, name)
    inputs_dir = models.inputs_dir(args.work_dir, name)
    input_names, output_names = graph_io_names(model_file)
    runs = args.runs or DEFAULT_RUNS[name]
    row = {"model": name}
    print(f"== {name} ({runs} runs)")

    if not args.ort_only:
        try:
            library = os.path.join(model_dir, f"{name}.so")
            row["compile_s"] = compile_quill(tools, model_file, library, args.timeout)
            print(f"  quill-compile: {row['compile_s']:.2f} s")
            quill_dir = fresh_dir(os.path.join(model_dir, "quill_out"))
            row["quill"] = bench_quill(tools, library, inputs_dir, input_names, runs, quill_dir, args.timeout)
            print(f"  quill: median {row['quill']['median_ms']:.3f} ms, min {row['quill']['min_ms']:.3f} ms")
        except StepFailed as error:
            row["quill_error"] = str(error)
            print(f"  FAILED: {error}")

    if not args.quill_only:
        try:
            ort_dir = fresh_dir(os.path.join(model_dir, "ort_out"))
            row["ort"] = bench_ort(model_file, inputs_dir, runs, ort_dir, args.timeout)
            print(f"  ort:   median {row['ort']['median_ms']:.3f} ms, min {row['ort']['min_ms']:.3f} ms")
        except StepFailed as error:
            row["ort_error"] = str(error)
            print(f"  ORT FAILED: {error}")

    if "quill" in row and "ort" in row:
        try:
            row["max_abs_diff"], row["agree"] = compare_outputs(output_names, quill_dir, ort_dir)
        except StepFailed as error:
            row["agree"] = False
            print(f"  check FAILED: {error}")
    return row


def bench_int8_model(name, args, tools):
    """int8 row: Quill fp32, Quill int8 (calibrated on the benchmark input) and ONNX Runtime running the
    same calibration as a QDQ model (Quill's --emit=qdq-onnx), each int8 output's SQNR against Quill
    fp32's."""
    model_dir = os.path.join(args.work_dir, name)
    model_file = models.model_path(args.work_dir, name)
    inputs_dir = models.inputs_dir(args.work_dir, name)
    input_names, output_names = graph_io_names(model_file)
    runs = args.runs or DEFAULT_RUNS[name]
    row = {"model": name}
    print(f"== {name} int8 ({runs} runs)")
    calibration = models.calibration_dir(args.work_dir, name, "calibration")
    quantize = ["--quantize=int8", f"--calibration-data={calibration}"]
    qdq_model = os.path.join(model_dir, f"{name}.qdq.onnx")
    try:
        out_dirs = {}
        for peer, flags in (("quill", ()), ("quill_int8", quantize)):
            library = os.path.join(model_dir, f"{name}.{peer}.so")
            compile_quill(tools, model_file, library, args.timeout, flags)
            out_dirs[peer] = fresh_dir(os.path.join(model_dir, f"{peer}_out"))
            row[peer] = bench_quill(tools, library, inputs_dir, input_names, runs, out_dirs[peer], args.timeout)
            print(f"  {peer}: median {row[peer]['median_ms']:.3f} ms")
        row["quill_int8_sqnr"] = sqnr_db(output_names, out_dirs["quill"], out_dirs["quill_int8"])
        print(f"  SQNR of Quill int8 against Quill fp32: {row['quill_int8_sqnr']:.1f} dB")
    except StepFailed as error:
        row["error"] = str(error)
        print(f"  FAILED: {error}")
        return row
    # The peer: a model Quill cannot export (folded batch norms) keeps its Quill columns.
    try:
        run_tool("quill-compile", [os.path.join(tools, "quill-compile"), model_file, *quantize,
                                   "--emit=qdq-onnx", "-o", qdq_model], args.timeout)
        out_dirs["ort"] = fresh_dir(os.path.join(model_dir, "ort_qdq_out"))
        row["ort"] = bench_ort(qdq_model, inputs_dir, runs, out_dirs["ort"], args.timeout)
        row["ort_sqnr"] = sqnr_db(output_names, out_dirs["quill"], out_dirs["ort"])
        print(f"  ort_qdq: median {row['ort']['median_ms']:.3f} ms, SQNR {row['ort_sqnr']:.1f} dB")
    except StepFailed as error:
        row["ort_error"] = str(error).splitlines()[-1]
        print(f"  ort_qdq FAILED: {row['ort_error']}")
    # Integer-only against the same quantization computed in float between the integer products
    # (every activation quantized, the ops between on dequantized values).
    for peer, flags in (("quill_simulated", ["--quantize-all-activations"]),
                        ("quill_integer", ["--integer-only"])):
        try:
            library = os.path.join(model_dir, f"{name}.{peer}.so")
            compile_quill(tools, model_file, library, args.timeout, quantize + flags)
            out_dir = fresh_dir(os.path.join(model_dir, f"{peer}_out"))
            row[peer] = bench_quill(tools, library, inputs_dir, input_names, runs, out_dir, args.timeout)
            row[f"{peer}_sqnr"] = sqnr_db(output_names, out_dirs["quill"], out_dir)
            print(f"  {peer}: median {row[peer]['median_ms']:.3f} ms, SQNR {row[f'{peer}_sqnr']:.1f} dB")
        except StepFailed as error:
            row[f"{peer}_error"] = str(error).splitlines()[0]
            print(f"  {peer} FAILED: {row[f'{peer}_error']}")
    return row


def print_integer_table(rows):
    header = ("model", "quill_int8_ms", "simulated_ms", "integer_only_ms", "ratio(simulated/integer)",
              "ratio(int8/integer)", "sqnr_simulated_db", "sqnr_integer_db")
    lines = []
    for row in rows:
        if "quill_integer" not in row or "quill_simulated" not in row:
            error = row.get("quill_integer_error") or row.get("quill_simulated_error") or row.get("error")
            lines.append((row["model"], "FAILED: " + str(error)) + ("",) * (len(header) - 2))
            continue
        int8, simulated, integer = (row[p]["median_ms"] for p in ("quill_int8", "quill_simulated",
                                                                    "quill_integer"))
        lines.append((row["model"], f"{int8:.3f}", f"{simulated:.3f}", f"{integer:.3f}",
                      f"{simulated / integer:.2f}", f"{int8 / integer:.2f}",
                      f"{row['quill_simulated_sqnr']:.1f}", f"{row['quill_integer_sqnr']:.1f}"))
    print_rows(header, lines)
    print("(simulated: every activation quantized, the ops between products computed in float on dequantized "
          "values; integer-only: the same quantization with no float between input and output)")


def print_rows(header, lines):
    widths = [max(len(line[i]) for line in [header] + lines) for i in range(len(header))]
    print()
    for line in [header] + lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())


def print_int8_table(rows):
    header = ("model", "quill_fp32_ms", "quill_int8_ms", "ort_qdq_ms", "int8_speedup(fp32/int8)",
              "ratio(ort_qdq/quill_int8)", "sqnr_quill_int8_db", "sqnr_ort_qdq_db")
    lines = []
    for row in rows:
        if "error" in row:
            lines.append((row["model"],) + ("FAILED",) * (len(header) - 1))
            continue
        fp32, int8 = (row[p]["median_ms"] for p in ("quill", "quill_int8"))
        ort = row["ort"]["median_ms"] if "ort" in row else None
        lines.append((row["model"], f"{fp32:.3f}", f"{int8:.3f}", "-" if ort is None else f"{ort:.3f}",
                      f"{fp32 / int8:.2f}", "-" if ort is None else f"{ort / int8:.2f}",
                      f"{row['quill_int8_sqnr']:.1f}", "-" if ort is None else f"{row['ort_sqnr']:.1f}"))
    print_rows(header, lines)
    for row in rows:
        if "ort_error" in row:
            print(f"({row['model']}: no ONNX Runtime column: {row['ort_error']})")
    print("(SQNR: all outputs against Quill fp32's. The export quantizes every product's output, as ONNX "
          "Runtime's quantizer does and as ONNX Runtime runs fastest; Quill int8 keeps outputs read as "
          "float in int32)")


def print_table(rows):
    def ms(row, peer):
        if f"{peer}_error" in row:
            return "FAILED"
        return f"{row[peer]['median_ms']:.3f}" if peer in row else "-"

    header = ("model", "quill_ms", "ort_ms", "ratio(ort/quill)", "max_abs_diff", "compile_s", "outputs")
    lines = [header]
    for row in rows:
        ratio = (f"{row['ort']['median_ms'] / row['quill']['median_ms']:.2f}"
                 if "quill" in row and "ort" in row else "-")
        diff = f"{row['max_abs_diff']:.3g}" if "max_abs_diff" in row else "-"
        compile_s = f"{row['compile_s']:.2f}" if "compile_s" in row else "-"
        outputs = "-" if "agree" not in row else ("agree" if row["agree"] else "MISMATCH")
        lines.append((row["model"], ms(row, "quill"), ms(row, "ort"), ratio, diff, compile_s, outputs))
    print_rows(header, lines[1:])


def print_matmul_efficiency(rows, peaks):
    """Throughput on matmul1024 (2*n^3 operations) and its share of one core's measured peak: fp32 against
    the FMA peak, int8 against the VNNI peak."""
    row = next((r for r in rows if r["model"] == "matmul1024"), None)
    if row is None:
        return
    operations = 2 * 1024 ** 3
    parts = []
    for peer, label, peak_key in (("quill", "Quill fp32", "fp32_gflops"), ("ort", "ORT", None),
                                  ("quill_int8", "Quill int8", "int8_gops")):
        if peer not in row:
            continue
        if peer == "ort":
            peak_key = "int8_gops" if "quill_int8" in row else "fp32_gflops"
        rate = operations / (row[peer]["median_ms"] * 1e-3) / 1e9
        share = f" ({100 * rate / peaks[peak_key]:.0f}% of peak)" if peak_key in peaks else ""
        parts.append(f"{label} {rate:.1f} G{'OP' if peak_key == 'int8_gops' else 'FLOP'}/s{share}")
    if parts:
        print("\nmatmul1024 (median): " + ", ".join(parts))


def main():
    repo = os.path.dirname(BENCH_DIR)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(models.MODEL_NAMES),
                        help=f"comma-separated subset of {','.join(models.MODEL_NAMES)}")
    parser.add_argument("--runs", type=int, help="timed runs per model (default: per model, see DEFAULT_RUNS)")
    parser.add_argument("--work-dir", default="/tmp/quill-bench", help="where models, libraries and outputs go")
    parser.add_argument("--build-dir", default=os.path.join(repo, "build"), help="Quill build dir (tools in bin/)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed for each tool invocation")
    peers = parser.add_mutually_exclusive_group()
    peers.add_argument("--quill-only", action="store_true", help="skip ONNX Runtime (and the output check)")
    peers.add_argument("--ort-only", action="store_true", help="skip Quill (and the output check)")
    peers.add_argument("--int8", action="store_true",
                       help="int8: Quill fp32, Quill int8 and ONNX Runtime on the same model quantized (QDQ)")
    args = parser.parse_args()

    names = args.models.split(",")
    unknown = [n for n in names if n not in models.BUILDERS]
    if unknown:
        sys.exit(f"unknown model(s): {', '.join(unknown)}; known: {', '.join(models.MODEL_NAMES)}")
    if args.runs is not None and args.runs < 1:
        sys.exit("--runs must be at least 1")
    tools = os.path.join(args.build_dir, "bin")
    if not args.quill_only and not os.path.isdir(os.path.join(BENCH_DIR, "node_modules", "onnxruntime-node")):
        sys.exit(f"onnxruntime-node is missing: run `npm install --ignore-scripts` in {BENCH_DIR}")

    models.generate(args.work_dir, names)
    pinned = "pinned to core 0" if pin_to_one_core() else "not pinned (no taskset)"
    peaks = measure_peaks(args.work_dir)
    measured = ", ".join(f"{value:g} {'GOP/s int8' if key == 'int8_gops' else 'GFLOP/s fp32'}"
                         for key, value in peaks.items()) or "not measured (no C compiler)"
    print(f"{cpu_name()}; one core's peak: {measured}")
    print(f"models in {args.work_dir}; single-threaded, {pinned}")
    if args.int8:
        rows = [bench_int8_model(name, args, tools) for name in names]
        print_int8_table(rows)
        print_integer_table(rows)
    else:
        rows = [bench_model(name, args, tools) for name in names]
        print_table(rows)
    print_matmul_efficiency(rows, peaks)


if __name__ == "__main__":
    main()
