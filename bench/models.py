#!/usr/bin/python3
"""Generate the benchmark models (ONNX, float32, random weights) and one input set per model.

Run with Debian's /usr/bin/python3 (it has onnx 1.12 and numpy):

    /usr/bin/python3 bench/models.py OUT_DIR [--models matmul512,bert]

For each model NAME this writes OUT_DIR/NAME/NAME.onnx and OUT_DIR/NAME/inputs/<input name>.npy.
Weights and inputs come from a fixed seed, so every run produces the same files. Weights are scaled
(about 1/sqrt(fan_in)) so activations stay near unit size through deep graphs; the output comparison
in run.py relies on outputs of moderate magnitude.
"""

import argparse
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# LayerNormalization became a standard op in opset 17, the newest this onnx version supports.
OPSET = 17
SEED = 20240601


class GraphBuilder:
    """Collects nodes and initializers; names every value uniquely from a prefix."""

    def __init__(self, rng):
        self.rng = rng
        self.nodes = []
        self.initializers = []
        self.counter = 0

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}_{self.counter}"

    def constant(self, prefix, array):
        name = self.fresh(prefix)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def weight(self, prefix, shape, fan_in):
        values = self.rng.standard_normal(shape) / np.sqrt(fan_in)
        return self.constant(prefix, values.astype(np.float32))

    def node(self, op_type, inputs, prefix=None, **attributes):
        output = self.fresh(prefix or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=output, **attributes))
        return output

    def model(self, name, inputs, outputs):
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="quill-bench")
        model.ir_version = 8  # the IR version that goes with opset 17
        return model


def float_input(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def float_output(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def rename_last_output(builder, name):
    """Give the graph's final value a stable, readable name (its output file is NAME.npy)."""
    builder.nodes[-1].output[0] = name


def build_matmul(size, rng):
    b = GraphBuilder(rng)
    weight = b.weight("B", (size, size), size)
    b.node("MatMul", ["A", weight])
    rename_last_output(b, "Y")
    model = b.model(f"matmul{size}", [float_input("A", [size, size])], [float_output("Y", [size, size])])
    return model, {"A": rng.standard_normal((size, size)).astype(np.float32)}


def build_mlp(rng):
    batch, widths = 64, [784, 1024, 1024, 10]
    b = GraphBuilder(rng)
    x = "X"
    for layer, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        w = b.weight(f"fc{layer}_w", (fan_in, fan_out), fan_in)
        bias = b.constant(f"fc{layer}_b", (0.1 * rng.standard_normal(fan_out)).astype(np.float32))
        x = b.node("Gemm", [x, w, bias])
        if layer < len(widths) - 2:
            x = b.node("Relu", [x])
    rename_last_output(b, "Y")
    model = b.model("mlp", [float_input("X", [batch, widths[0]])], [float_output("Y", [batch, widths[-1]])])
    return model, {"X": rng.standard_normal((batch, widths[0])).astype(np.float32)}


def conv_bn(b, x, in_ch, out_ch, kernel, stride, relu, bn_gamma=1.0):
    """Conv (no bias, as in torchvision) + BatchNormalization (+ Relu), 'same'-style padding."""
    w = b.weight("conv_w", (out_ch, in_ch, kernel, kernel), in_ch * kernel * kernel)
    pad = kernel // 2
    x = b.node("Conv", [x, w], kernel_shape=[kernel, kernel], strides=[stride, stride], pads=[pad] * 4)
    rng = b.rng
    scale = b.constant("bn_scale", (bn_gamma * rng.uniform(0.5, 1.5, out_ch)).astype(np.float32))
    shift = b.constant("bn_bias", (0.1 * rng.standard_normal(out_ch)).astype(np.float32))
    mean = b.constant("bn_mean", (0.1 * rng.standard_normal(out_ch)).astype(np.float32))
    var = b.constant("bn_var", rng.uniform(0.5, 1.5, out_ch).astype(np.float32))
    x = b.node("BatchNormalization", [x, scale, shift, mean, var], epsilon=1e-5)
    return b.node("Relu", [x]) if relu else x


def basic_block(b, x, in_ch, out_ch, stride):
    # The second BN starts small (as zero-init-residual training does) so the residual sum stays bounded.
    y = conv_bn(b, x, in_ch, out_ch, 3, stride, relu=True)
    y = conv_bn(b, y, out_ch, out_ch, 3, 1, relu=False, bn_gamma=0.5)
    shortcut = x if stride == 1 and in_ch == out_ch else conv_bn(b, x, in_ch, out_ch, 1, stride, relu=False)
    return b.node("Relu", [b.node("Add", [y, shortcut])])


def build_resnet18(rng):
    b = GraphBuilder(rng)
    x = conv_bn(b, "input", 3, 64, 7, 2, relu=True)
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    in_ch = 64
    for stage, out_ch in enumerate([64, 128, 256, 512]):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            x = basic_block(b, x, in_ch, out_ch, stride)
            in_ch = out_ch
    x = b.node("GlobalAveragePool", [x])
    x = b.node("Flatten", [x], axis=1)
    fc_w = b.weight("fc_w", (1000, 512), 512)
    fc_b = b.constant("fc_b", (0.1 * rng.standard_normal(1000)).astype(np.float32))
    b.node("Gemm", [x, fc_w, fc_b], transB=1)
    rename_last_output(b, "logits")
    model = b.model("resnet18", [float_input("input", [1, 3, 224, 224])], [float_output("logits", [1, 1000])])
    return model, {"input": rng.standard_normal((1, 3, 224, 224)).astype(np.float32)}


def linear(b, x, fan_in, fan_out, prefix):
    """MatMul + Add, the form exporters produce for a 3-D activation times a 2-D weight."""
    w = b.weight(f"{prefix}_w", (fan_in, fan_out), fan_in)
    bias = b.constant(f"{prefix}_b", (0.02 * b.rng.standard_normal(fan_out)).astype(np.float32))
    return b.node("Add", [b.node("MatMul", [x, w]), bias])


def layer_norm(b, x, width):
    gamma = b.constant("ln_gamma", (1.0 + 0.1 * b.rng.standard_normal(width)).astype(np.float32))
    beta = b.constant("ln_beta", (0.1 * b.rng.standard_normal(width)).astype(np.float32))
    return b.node("LayerNormalization", [x, gamma, beta], axis=-1, epsilon=1e-5)


def gelu(b, x):
    """GELU as x * 0.5 * (1 + erf(x / sqrt(2))): opset 17 has no Gelu op, and this is what exporters emit."""
    scalar = lambda prefix, value: b.constant(prefix, np.array(value, dtype=np.float32))
    erf = b.node("Erf", [b.node("Div", [x, scalar("sqrt2", np.sqrt(2.0))])])
    one_plus = b.node("Add", [erf, scalar("one", 1.0)])
    return b.node("Mul", [b.node("Mul", [x, scalar("half", 0.5)]), one_plus])


def encoder_layer(b, x, seq, width, heads, ffn_width, pre_norm=False):
    """A BERT layer (post-norm: each sub-block's sum is normalized), or with `pre_norm` a GPT/LLaMA-style
    one: each sub-block reads a LayerNorm of the residual stream and adds to it unnormalized."""
    head_dim = width // heads
    to_heads = b.constant("heads_shape", np.array([1, seq, heads, head_dim], dtype=np.int64))
    from_heads = b.constant("hidden_shape", np.array([1, seq, width], dtype=np.int64))

    def split_heads(value, perm):
        return b.node("Transpose", [b.node("Reshape", [value, to_heads])], perm=perm)

    attention_in = layer_norm(b, x, width) if pre_norm else x
    q = split_heads(linear(b, attention_in, width, width, "q"), [0, 2, 1, 3])  # [1, heads, seq, head_dim]
    k = split_heads(linear(b, attention_in, width, width, "k"), [0, 2, 3, 1])  # [1, heads, head_dim, seq]
    v = split_heads(linear(b, attention_in, width, width, "v"), [0, 2, 1, 3])  # [1, heads, seq, head_dim]
    scale = b.constant("attn_scale", np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))
    scores = b.node("Mul", [b.node("MatMul", [q, k]), scale])
    probs = b.node("Softmax", [scores], axis=-1)
    context = b.node("Transpose", [b.node("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    context = b.node("Reshape", [context, from_heads])
    attended = linear(b, context, width, width, "attn_out")
    x = b.node("Add", [attended, x])
    if not pre_norm:
        x = layer_norm(b, x, width)

    hidden = gelu(b, linear(b, layer_norm(b, x, width) if pre_norm else x, width, ffn_width, "ffn_in"))
    ffn_out = linear(b, hidden, ffn_width, width, "ffn_out")
    x = b.node("Add", [ffn_out, x])
    return x if pre_norm else layer_norm(b, x, width)


def build_bert(rng, pre_norm=False, seq=128):
    """4 layers, d=256, 4 heads, seq 128; `pre_norm` layers end with a final LayerNorm."""
    layers, width, heads, ffn_width = 4, 256, 4, 1024
    b = GraphBuilder(rng)
    x = "hidden_states"
    for _ in range(layers):
        x = encoder_layer(b, x, seq, width, heads, ffn_width, pre_norm)
    if pre_norm:
        layer_norm(b, x, width)
    rename_last_output(b, "output")
    model = b.model("bert", [float_input("hidden_states", [1, seq, width])],
                    [float_output("output", [1, seq, width])])
    return model, {"hidden_states": rng.standard_normal((1, seq, width)).astype(np.float32)}


BUILDERS = {
    "matmul512": lambda rng: build_matmul(512, rng),
    "matmul1024": lambda rng: build_matmul(1024, rng),
    "mlp": build_mlp,
    "resnet18": build_resnet18,
    "bert": build_bert,
}
MODEL_NAMES = list(BUILDERS)


def model_path(out_dir, name):
    return os.path.join(out_dir, name, f"{name}.onnx")


def inputs_dir(out_dir, name):
    return os.path.join(out_dir, name, "inputs")


def calibration_dir(out_dir, name, label):
    """OUT_DIR/NAME/LABEL made afresh as calibration data of one sample, the model's input set
    (quill-compile --calibration-data reads one sample per subdirectory)."""
    path = os.path.join(out_dir, name, label)
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(inputs_dir(out_dir, name), os.path.join(path, "0"))
    return path


def generate(out_dir, names):
    for name in names:
        # One generator per model, so a model's files do not depend on which other models were asked for.
        rng = np.random.default_rng([SEED, MODEL_NAMES.index(name)])
        model, inputs = BUILDERS[name](rng)
        onnx.checker.check_model(model, full_check=True)
        os.makedirs(inputs_dir(out_dir, name), exist_ok=True)
        onnx.save(model, model_path(out_dir, name))
        for input_name, array in inputs.items():
            np.save(os.path.join(inputs_dir(out_dir, name), f"{input_name}.npy"), array)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--models", default=",".join(MODEL_NAMES),
                        help=f"comma-separated subset of {','.join(MODEL_NAMES)}")
    args = parser.parse_args()
    names = args.models.split(",")
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        sys.exit(f"unknown model(s): {', '.join(unknown)}; known: {', '.join(MODEL_NAMES)}")
    generate(args.out_dir, names)
    for name in names:
        print(model_path(args.out_dir, name))


if __name__ == "__main__":
    main()
