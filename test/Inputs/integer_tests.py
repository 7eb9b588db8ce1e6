"""Shared by the lit tests of integer kernels (test/Target/CPU: dyadic.py,
integer-nonlinear.py, integer-model.py, conv-int8.py, conv-transpose-int8.py):
the MLIR type text their models are written in, and the bit-exact comparison
of a compiled model's stored outputs with a numpy reference."""

import numpy as np


def tensor(shape, element):
    """`tensor<AxBxE>`."""
    return "tensor<%sx%s>" % ("x".join(map(str, shape)), element)


def qtype(params):
    """The `!quant.uniform` type of (scale, zero point, (min, max)): uint8
    storage when the range starts at 0, else int8."""
    scale, zero, (low, _) = params
    return "!quant.uniform<%s:f32, %r:%d>" % ("u8" if low == 0 else "i8", scale, zero)


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
