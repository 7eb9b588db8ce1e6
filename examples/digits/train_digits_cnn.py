#!/usr/bin/python3
"""Trains the example model: a small CNN on scikit-learn's handwritten digits.

    train_digits_cnn.py OUTPUT.onnx

The data are the 1797 8x8 grey images shipped with scikit-learn (values
0..16, scaled to [0, 1]); the first 1200 train, the other 597 test. The
network, NCHW with batch 1:

    image [1,1,8,8] -> Conv 3x3 (16, pad 1) -> Relu -> MaxPool 2x2
          -> Flatten [1,256] -> Gemm 256x64 -> Relu -> Gemm 64x10 -> logits

trained in numpy (float64, full-batch Adam, fixed seed, 1000 steps: about a
minute), so the same script gives the same model (up to the last bits of
BLAS's sums). Prints its test accuracy; digits_cnn.onnx beside this script
is its output.
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits

TRAIN = 1200
CHANNELS, HIDDEN, CLASSES = 16, 64, 10


def load():
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float64)[:, None]  # N,1,8,8
    return images, digits.target


def im2col(x):
    """[N,C,8,8] -> [N*64, C*9]: each 3x3 window (zero padding 1)."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.empty((n, h, w, c, 3, 3))
    for i in range(3):
        for j in range(3):
            cols[..., i, j] = padded[:, :, i:i + h, j:j + w].transpose(0, 2, 3, 1)
    return cols.reshape(n * h * w, c * 9)


def forward(params, x):
    w1, b1, w2, b2, w3, b3 = params
    n = x.shape[0]
    cols = im2col(x)
    conv = (cols @ w1.reshape(CHANNELS, -1).T + b1).reshape(n, 8, 8, CHANNELS)
    relu = np.maximum(conv, 0)
    windows = relu.reshape(n, 4, 2, 4, 2, CHANNELS)
    pooled = windows.max(axis=(2, 4))  # n,4,4,C
    flat = pooled.transpose(0, 3, 1, 2).reshape(n, -1)  # NCHW flatten
    hidden = np.maximum(flat @ w2 + b2, 0)
    logits = hidden @ w3 + b3
    return logits, (cols, conv, windows, pooled, flat, hidden)


def gradients(params, x, y):
    w1, b1, w2, b2, w3, b3 = params
    n = x.shape[0]
    logits, (cols, conv, windows, pooled, flat, hidden) = forward(params, x)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    d_logits = (p - np.eye(CLASSES)[y]) / n
    d_w3, d_b3 = hidden.T @ d_logits, d_logits.sum(0)
    d_hidden = (d_logits @ w3.T) * (hidden > 0)
    d_w2, d_b2 = flat.T @ d_hidden, d_hidden.sum(0)
    d_pooled = (d_hidden @ w2.T).reshape(n, CHANNELS, 4, 4).transpose(0, 2, 3, 1)
    # The gradient goes to the (first) maximum of each window.
    mask = windows == pooled[:, :, None, :, None, :]
    mask &= np.cumsum(np.cumsum(mask, axis=2), axis=4) == 1
    d_relu = (mask * d_pooled[:, :, None, :, None, :]).reshape(n, 8, 8, CHANNELS)
    d_conv = (d_relu * (conv > 0)).reshape(n * 64, CHANNELS)
    d_w1 = (d_conv.T @ cols).reshape(w1.shape)
    return [d_w1, d_conv.sum(0), d_w2, d_b2, d_w3, d_b3]


def train(x, y, steps=1000, rate=0.005, seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.normal(0, np.sqrt(2 / 9), (CHANNELS, 1, 3, 3)), np.zeros(CHANNELS),
              rng.normal(0, np.sqrt(2 / 256), (256, HIDDEN)), np.zeros(HIDDEN),
              rng.normal(0, np.sqrt(2 / HIDDEN), (HIDDEN, CLASSES)), np.zeros(CLASSES)]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    for step in range(1, steps + 1):
        for k, g in enumerate(gradients(params, x, y)):
            moments[k] = 0.9 * moments[k] + 0.1 * g
            squares[k] = 0.999 * squares[k] + 0.001 * g * g
            m = moments[k] / (1 - 0.9 ** step)
            v = squares[k] / (1 - 0.999 ** step)
            params[k] -= rate * m / (np.sqrt(v) + 1e-8)
    return params


def export(params, path):
    w1, b1, w2, b2, w3, b3 = [p.astype(np.float32) for p in params]
    inits = [numpy_helper.from_array(a, n) for a, n in
             [(w1, "conv.weight"), (b1, "conv.bias"), (w2, "fc1.weight"),
              (b2, "fc1.bias"), (w3, "fc2.weight"), (b3, "fc2.bias")]]
    nodes = [
        helper.make_node("Conv", ["image", "conv.weight", "conv.bias"], ["conv"],
                         name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["conv_relu"], name="conv_relu"),
        helper.make_node("MaxPool", ["conv_relu"], ["pool"], name="pool",
                         kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["pool"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc1.weight", "fc1.bias"], ["fc1"],
                         name="fc1"),
        helper.make_node("Relu", ["fc1"], ["fc1_relu"], name="fc1_relu"),
        helper.make_node("Gemm", ["fc1_relu", "fc2.weight", "fc2.bias"],
                         ["logits"], name="fc2"),
    ]
    graph = helper.make_graph(
        nodes, "digits_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, CLASSES])],
        inits)
    model = helper.make_model(graph, producer_name="quill-examples",
                              opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    images, labels = load()
    params = train(images[:TRAIN], labels[:TRAIN])
    logits, _ = forward(params, images[TRAIN:])
    accuracy = np.mean(logits.argmax(1) == labels[TRAIN:]) * 100
    print(f"test accuracy {accuracy:.2f}% on {len(labels) - TRAIN} images")
    export(params, sys.argv[1])


if __name__ == "__main__":
    main()
