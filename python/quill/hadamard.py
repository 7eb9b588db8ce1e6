"""numpy reference of quill.hadamard: the random Hadamard rotation of the
last axis, in blocks, computed in float64 by a route of its own (an explicit
H_K product and a reshaping Walsh-Hadamard transform) so that tests can check
the compiler's folding and the runtime's kernels against it.

For a block of b = K * 2^p values x (K = 1 or an order of
hadamard_table.txt, the smallest that leaves a power of two):
    y = (x * s) (H_K (x) H_{2^p}) / sqrt(b)
with s the block's slice of the sign vector of the whole axis
(random_signs(n, seed); all ones without a seed), x viewed as (K, 2^p) row
major, and H_{2^p} Sylvester's matrix. The same formula applied to each
column of a weight matrix along its reduction axis folds the inverse
rotation into the weights: (x M)(M^T W) = x W.
"""

import os

import numpy as np

_TABLE = os.path.join(os.path.dirname(__file__), "hadamard_table.txt")
_MATRICES = None


def sloane_matrices():
    """{K: H_K} from hadamard_table.txt (entries +1 and -1)."""
    global _MATRICES
    if _MATRICES is None:
        lines = [line.strip() for line in open(_TABLE)
                 if line.strip() and not line.startswith("#")]
        _MATRICES, i = {}, 0
        while i < len(lines):
            k = int(lines[i])
            rows = lines[i + 1:i + 1 + k]
            _MATRICES[k] = np.array([[1 if c == "+" else -1 for c in row]
                                     for row in rows], np.float64)
            i += 1 + k
    return _MATRICES


def factor(n):
    """(K, 2^p) with n = K * 2^p and K the smallest order that allows it, or
    None."""
    for k in [1] + sorted(sloane_matrices()):
        if n % k == 0 and (n // k) & (n // k - 1) == 0:
            return k, n // k
    return None


def random_signs(n, seed):
    """+1/-1 per element: the top bit of splitmix64's i-th output."""
    mask = (1 << 64) - 1
    state, signs = seed & mask, np.empty(n)
    for i in range(n):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        signs[i] = -1.0 if z >> 63 else 1.0
    return signs


def walsh_hadamard(x):
    """x (H_m along the last axis), m a power of two, unnormalized."""
    m = x.shape[-1]
    h = 1
    while h < m:
        pairs = x.reshape(x.shape[:-1] + (m // (2 * h), 2, h))
        a, b = pairs[..., 0, :], pairs[..., 1, :]
        x = np.stack([a + b, a - b], axis=-2).reshape(x.shape)
        h *= 2
    return x


def hadamard(x, block_size, seed=None):
    """quill.hadamard of x (last axis, blocks of block_size) in float64."""
    x = np.asarray(x, np.float64)
    n = x.shape[-1]
    k, m = factor(block_size)
    if seed is not None:
        x = x * random_signs(n, seed)
    blocks = x.reshape(x.shape[:-1] + (n // block_size, k, m))
    blocks = walsh_hadamard(blocks)
    if k > 1:
        blocks = np.einsum("...im,ij->...jm", blocks, sloane_matrices()[k])
    return blocks.reshape(x.shape) / np.sqrt(block_size)
