#!/usr/bin/python3
"""Weight-only low-bit products: Quill's block formats against Quill fp32 and ONNX Runtime.

    /usr/bin/python3 bench/low_bit.py [--models gemv4096,mlp_b1,mlp_b16] [--runs N] [--work-dir DIR]

The models are the LLM decode shapes: a 4096 x 4096 GEMV and a decoder-style MLP (MatMul 4096 -> 11008, ReLU,
MatMul 11008 -> 4096) at batch 1 and 16, with random N(0, 0.02) weights. Quill compiles each in fp32 and with
weight-only MXFP4, NVFP4, MXFP6 (E2M3), MXFP8 (E4M3) and int4 (blocks of 32) weights, MXFP4 and int4 also with int8
activations (--low-bit-compute=int8), and compiles the int4 MatMulNBits model (blocks of 32, symmetric, what
ONNX Runtime's 4-bit quantizer writes; f32 and int8 activations) that ONNX Runtime runs at its default accuracy
level (fp32 arithmetic) and at accuracy level 4 (int8 activations); ONNX Runtime also runs the fp32 model. Everything runs on one core; the table
gives medians, ratios against Quill fp32 measured in the same run, each output's SQNR against Quill fp32's,
and library / model sizes.
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
import run  # noqa: E402  (bench/run.py: tool runners and table printing)

SHAPES = {"gemv4096": (1, [4096, 4096]), "mlp_b1": (1, [4096, 11008, 4096]),
          "mlp_b16": (16, [4096, 11008, 4096])}
INT4 = ["--quantize=int4-weights", "--weight-block-size=32"]
INT8_ACTIVATIONS = ["--low-bit-compute=int8"]
QUILL_FORMATS = [("mxfp4-weights", ["--quantize=mxfp4-weights"]),
                 ("nvfp4-weights", ["--quantize=nvfp4-weights"]),
                 ("mxfp6-e2m3-weights", ["--quantize=mxfp6-e2m3-weights"]),
                 ("mxfp8-e4m3-weights", ["--quantize=mxfp8-e4m3-weights"]),
                 ("int4-weights", INT4),
                 ("mxfp4-weights int8-act", ["--quantize=mxfp4-weights"] + INT8_ACTIVATIONS),
                 ("int4-weights int8-act", INT4 + INT8_ACTIVATIONS)]
DEFAULT_RUNS = {"gemv4096": 200, "mlp_b1": 30, "mlp_b16": 20}


def quantize_int4_blocks(w, block=32):
    """MatMulNBits' B, scales and zero points for W [K, N]: per column, per block of `block` along K,
    symmetric int4 (scale amax / 7) stored as q + 8 in [0, 15], two per byte (low nibble first)."""
    k, n = w.shape
    blocks = w.T.reshape(n, k // block, block)
    scales = np.abs(blocks).max(axis=2) / 7.0
    scales[scales == 0] = 1.0
    q = np.clip(np.rint(blocks / scales[..., None]), -8, 7).astype(np.int32) + 8
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    zero_points = np.full((n, (k // block + 1) // 2), 0x88, np.uint8)
    return packed, scales.astype(np.float32), zero_points


def build(name, path, nbits_path, rng):
    batch, widths = SHAPES[name]
    float_nodes, nbits_nodes, initializers, nbits_initializers = [], [], [], []
    previous = "x"
    for layer, (k, n) in enumerate(zip(widths, widths[1:])):
        w = (rng.standard_normal((k, n)) * 0.02).astype(np.float32)
        out = "y" if layer == len(widths) - 2 else "h%d" % layer
        product = out if out == "y" else out + "_pre"
        initializers.append(numpy_helper.from_array(w, "w%d" % layer))
        float_nodes.append(helper.make_node("MatMul", [previous, "w%d" % layer], [product],
                                           name="proj%d" % layer))
        packed, scales, zero_points = quantize_int4_blocks(w)
        nbits_initializers += [numpy_helper.from_array(packed, "b%d" % layer),
                               numpy_helper.from_array(scales.reshape(-1), "s%d" % layer),
                               numpy_helper.from_array(zero_points, "z%d" % layer)]
        nbits_nodes.append(helper.make_node(
            "MatMulNBits", [previous, "b%d" % layer, "s%d" % layer, "z%d" % layer], [product],
            domain="com.microsoft", K=k, N=n, bits=4, block_size=32, name="proj%d" % layer))
        if out != "y":
            for nodes in (float_nodes, nbits_nodes):
                nodes.append(helper.make_node("Relu", [product], [out]))
        previous = out
    io = ([helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, widths[0]])],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, widths[-1]])])
    onnx.save(helper.make_model(helper.make_graph(float_nodes, name, *io, initializers),
                                opset_imports=[helper.make_opsetid("", 17)]), path)
    for level, suffix in ((0, ""), (4, "_level4")):
        for node in nbits_nodes:
            if node.op_type == "MatMulNBits":
                del node.attribute[:]
                k = next(t for t in nbits_initializers if t.name == node.input[1]).dims[1] * 32
                n = next(t for t in nbits_initializers if t.name == node.input[1]).dims[0]
                node.attribute.extend([helper.make_attribute(a, v) for a, v in (
                    ("K", k), ("N", n), ("bits", 4), ("block_size", 32), ("accuracy_level", level))])
        onnx.save(helper.make_model(helper.make_graph(nbits_nodes, name, *io, nbits_initializers),
                                    opset_imports=[helper.make_opsetid("", 17),
                                                   helper.make_opsetid("com.microsoft", 1)]),
                  nbits_path.replace(".onnx", suffix + ".onnx"))
    return batch, widths


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(SHAPES))
    parser.add_argument("--runs", type=int)
    parser.add_argument("--work-dir", default="/tmp/quill-bench-low-bit")
    parser.add_argument("--timeout", type=int, default=1200)
    args = parser.parse_args()
    tools = os.path.join(os.path.dirname(BENCH_DIR), "build", "bin")
    rng = np.random.default_rng(24)
    print("CPU: %s; one core (taskset -c 0)" % run.cpu_name())
    rows = []
    for name in args.models.split(","):
        work = os.path.join(args.work_dir, name)
        os.makedirs(work, exist_ok=True)
        path, nbits = os.path.join(work, name + ".onnx"), os.path.join(work, name + ".nbits.onnx")
        batch, widths = build(name, path, nbits, rng)
        inputs = run.fresh_dir(os.path.join(work, "inputs"))
        np.save(os.path.join(inputs, "x.npy"), rng.standard_normal((batch, widths[0])).astype(np.float32))
        runs = args.runs or DEFAULT_RUNS[name]
        print("== %s (%d runs)" % (name, runs))
        results, outputs = {}, {}
        peers = [("quill fp32", path, [])]
        peers += [("quill " + label, path, flags) for label, flags in QUILL_FORMATS]
        # The very weights ONNX Runtime runs: Quill compiling the MatMulNBits model.
        peers.append(("quill MatMulNBits int4", nbits, []))
        peers.append(("quill MatMulNBits int4 int8-act", nbits, INT8_ACTIVATIONS))
        for peer, model, flags in peers:
            library = os.path.join(work, peer.replace(" ", "_") + ".so")
            run.compile_quill(tools, model, library, args.timeout, flags)
            out = run.fresh_dir(os.path.join(work, peer.replace(" ", "_") + "_out"))
            results[peer] = (run.bench_quill(tools, library, inputs, ["x"], runs, out, args.timeout),
                             os.path.getsize(library))
            outputs[peer] = out
            print("  %-28s %8.3f ms" % (peer, results[peer][0]["median_ms"]))
        for peer, model in (("ort fp32", path), ("ort MatMulNBits int4", nbits),
                            ("ort MatMulNBits int4 level 4", nbits.replace(".onnx", "_level4.onnx"))):
            out = run.fresh_dir(os.path.join(work, peer.replace(" ", "_") + "_out"))
            try:
                results[peer] = (run.bench_ort(model, inputs, runs, out, args.timeout), os.path.getsize(model))
                outputs[peer] = out
                print("  %-28s %8.3f ms" % (peer, results[peer][0]["median_ms"]))
            except run.StepFailed as error:
                print("  %s FAILED: %s" % (peer, str(error).splitlines()[-1]))
        fp32 = results["quill fp32"][0]["median_ms"]
        for peer, (timing, size) in results.items():
            sqnr = run.sqnr_db(["y"], outputs["quill fp32"], outputs[peer])
            rows.append((name, peer, "%.3f" % timing["median_ms"], "%.2f" % (fp32 / timing["median_ms"]),
                         "inf" if np.isinf(sqnr) else "%.1f" % sqnr, "%.1f" % (size / 2 ** 20)))
    run.print_rows(("model", "peer", "median_ms", "speedup(quill_fp32/peer)", "sqnr_vs_quill_fp32_db",
                    "library_or_model_MiB"), rows)


if __name__ == "__main__":
    main()
