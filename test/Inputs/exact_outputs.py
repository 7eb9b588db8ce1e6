"""Bit-exact comparison of a compiled model's stored integer outputs with a
numpy reference, for the lit tests of integer kernels (dyadic.py,
integer-nonlinear.py, conv-int8.py, conv-transpose-int8.py)."""

import numpy as np


def stored_matches(name, output, expected, unsigned):
    """Whether `output` (a model's int8 storage, read as uint8 when
    `unsigned`) equals the int64 array `expected`; prints how many values
    differ and the first difference when it does not."""
    compiled = (output.view(np.uint8) if unsigned else output).astype(np.int64)
    same = compiled == expected
    if same.all():
        return True
    index = tuple(np.argwhere(~same)[0])
    print("%s: %d of %d differ; first at %s: compiled %d, reference %d" %
          (name, (~same).sum(), same.size, index, compiled[index], expected[index]))
    return False
