#!/usr/bin/python3
"""Writes python/quill/hadamard_table.txt: the Hadamard matrices H_K that
Quill's rotations combine with Walsh-Hadamard matrices (n = K * 2^p).

One table for the compiler (which embeds the file at build time), the
runtime kernels (which receive H_K from the compiler) and the numpy
reference (python/quill/hadamard.py), so that all three use the same
matrices: Paley matrices are not symmetric, and two constructions of the
same order differ. Built here from Paley's constructions over GF(q):
  Paley I,  q = 3 mod 4: K = q + 1      (12, 20, 44, 60, 108, 140)
  Paley II, q = 1 mod 4: K = 2 (q + 1)  (28 from 13, 36 from 17, 52 from 25)
Sloane's library also lists 156 and 172 (Williamson type, order 4 * 39 and
4 * 43); no Paley construction reaches them, so they are not in the table
and such sizes fall back to block-diagonal H_{2^p}.

Run from the repository root: /usr/bin/python3 scripts/make-hadamard-table.py
"""

import numpy as np

PALEY_I = (11, 19, 43, 59, 107, 139)
PALEY_II = (13, 17, 25)


def field(q):
    """Elements 0..q-1 of GF(q) for q prime or 25 (a + 5b with b the
    coefficient of a root of x^2 - 2, irreducible over GF(5)), as
    (subtract, elements)."""
    if q == 25:
        def subtract(x, y):
            return (x % 5 - y % 5) % 5 + 5 * ((x // 5 - y // 5) % 5)

        def multiply(x, y):
            a, b, c, d = x % 5, x // 5, y % 5, y // 5
            return (a * c + 2 * b * d) % 5 + 5 * ((a * d + b * c) % 5)
    else:
        def subtract(x, y):
            return (x - y) % q

        def multiply(x, y):
            return x * y % q
    return subtract, multiply


def jacobsthal(q):
    subtract, multiply = field(q)
    squares = {multiply(x, x) for x in range(1, q)}
    chi = [0] + [1 if a in squares else -1 for a in range(1, q)]
    return np.array([[chi[subtract(j, i)] for j in range(q)] for i in range(q)])


def paley_one(q):
    s = np.zeros((q + 1, q + 1), np.int64)
    s[0, 1:] = 1
    s[1:, 0] = -1
    s[1:, 1:] = jacobsthal(q)
    return np.eye(q + 1, dtype=np.int64) + s


def paley_two(q):
    c = np.zeros((q + 1, q + 1), np.int64)
    c[0, 1:] = 1
    c[1:, 0] = 1
    c[1:, 1:] = jacobsthal(q)
    return (np.kron(c, [[1, 1], [1, -1]]) +
            np.kron(np.eye(q + 1, dtype=np.int64), [[1, -1], [-1, -1]]))


def main():
    matrices = [paley_one(q) for q in PALEY_I] + [paley_two(q) for q in PALEY_II]
    matrices.sort(key=len)
    lines = ["# Hadamard matrices H_K, written by scripts/make-hadamard-table.py",
             "# (Paley I and II). Each: a line with K, then K rows of + and -."]
    for h in matrices:
        k = len(h)
        assert (h @ h.T == k * np.eye(k)).all(), k
        lines.append(str(k))
        lines.extend("".join("+" if v > 0 else "-" for v in row) for row in h)
    with open("python/quill/hadamard_table.txt", "w") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
