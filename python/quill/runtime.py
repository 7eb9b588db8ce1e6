"""Loading and running models compiled by quill-compile.

A compiled model is a shared library exporting the C ABI of
include/quill/Runtime/quill_model.h; `Model` calls it through ctypes, so
running one needs only numpy:

    model = quill.Model("model.so")
    outputs = model.run({"x": x})      # {output name: ndarray}

Tensors without a name are called input_K / output_K. bfloat16 tensors, which
numpy lacks, are passed as uint16 arrays of their bits.
"""

import ctypes
import os

import numpy as np

ABI_VERSION = 1

# quill_dtype codes (ONNX TensorProto.DataType) to numpy.
_DTYPES = {
    1: np.float32,
    2: np.uint8,
    3: np.int8,
    4: np.uint16,
    5: np.int16,
    6: np.int32,
    7: np.int64,
    9: np.bool_,
    10: np.float16,
    11: np.float64,
    12: np.uint32,
    13: np.uint64,
    16: np.uint16,  # bfloat16, as its bits
    # fp8 e4m3fn / e5m2, fp4 e2m1, e8m0, fp6 e3m2 / e2m3: bits, one per byte
    17: np.uint8,
    19: np.uint8,
    23: np.uint8,
    24: np.uint8,
    64: np.uint8,
    65: np.uint8,
}

# numpy to quill_dtype: uint16 and uint8 are themselves unless the model says
# bfloat16 or a small float (their bits).
_CODES = {np.dtype(np.uint16): 4, np.dtype(np.uint8): 2}
_CODES.update({np.dtype(t): c for c, t in _DTYPES.items()
               if np.dtype(t) not in _CODES})


class _Tensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("dtype", ctypes.c_int),
        ("rank", ctypes.c_int32),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
    ]


def _tensors(arrays, described, keepalive):
    """A quill_tensor array over `arrays`; `keepalive` holds the shapes."""
    result = (_Tensor * max(1, len(arrays)))()
    for i, array in enumerate(arrays):
        code = _CODES.get(array.dtype, 0)
        if i < len(described) and described[i][1] == array.dtype:
            code = described[i][3]
        shape = (ctypes.c_int64 * max(1, array.ndim))(*array.shape)
        keepalive.append(shape)
        result[i] = _Tensor(array.ctypes.data, code, array.ndim, shape)
    return result


def _declare(lib):
    i32, cstr = ctypes.c_int32, ctypes.c_char_p
    shape = ctypes.POINTER(ctypes.c_int64)
    signatures = {
        "quill_abi_version": (i32, []),
        "quill_model_name": (cstr, []),
        "quill_num_inputs": (i32, []),
        "quill_num_outputs": (i32, []),
        "quill_input_name": (cstr, [i32]),
        "quill_input_dtype": (ctypes.c_int, [i32]),
        "quill_input_rank": (i32, [i32]),
        "quill_input_shape": (shape, [i32]),
        "quill_output_name": (cstr, [i32]),
        "quill_output_dtype": (ctypes.c_int, [i32]),
        "quill_output_rank": (i32, [i32]),
        "quill_output_shape": (shape, [i32]),
        "quill_run": (ctypes.c_int, [ctypes.POINTER(_Tensor), i32,
                                     ctypes.POINTER(_Tensor), i32]),
        "quill_last_error": (cstr, []),
        "quill_status_string": (cstr, [ctypes.c_int]),
    }
    for name, (restype, argtypes) in signatures.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            raise RuntimeError(
                f"{lib._name}: no symbol '{name}'; is it a model compiled by "
                "quill-compile?") from None
        function.restype = restype
        function.argtypes = argtypes


class Model:
    """A compiled model loaded from its shared library."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self._lib = ctypes.CDLL(self.path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
        _declare(self._lib)
        version = self._lib.quill_abi_version()
        if version != ABI_VERSION:
            raise RuntimeError(f"{path}: model ABI version {version}, this "
                               f"module reads version {ABI_VERSION}")
        self.name = self._lib.quill_model_name().decode()
        self._inputs = self._describe("input", self._lib.quill_num_inputs())
        self._outputs = self._describe("output", self._lib.quill_num_outputs())

    def _describe(self, kind, count):
        query = lambda what: getattr(self._lib, f"quill_{kind}_{what}")
        tensors = []
        for i in range(count):
            name = query("name")(i).decode() or f"{kind}_{i}"
            code = query("dtype")(i)
            if code not in _DTYPES:
                raise RuntimeError(f"{self.path}: {kind} {i} ('{name}') has "
                                   f"the unknown element type {code}")
            shape = query("shape")(i)
            dims = tuple(shape[d] for d in range(query("rank")(i)))
            tensors.append((name, np.dtype(_DTYPES[code]), dims, code))
        return tensors

    @property
    def inputs(self):
        """[(name, numpy dtype, shape)] of the inputs, in order."""
        return [t[:3] for t in self._inputs]

    @property
    def outputs(self):
        """[(name, numpy dtype, shape)] of the outputs, in order."""
        return [t[:3] for t in self._outputs]

    def run(self, feeds):
        """Runs the model on `feeds`, a dict {input name: array} or a list in
        input order; returns {output name: ndarray}. Raises ValueError for a
        missing, unknown or mistyped input (arrays are never converted to
        another dtype or shape)."""
        names = [t[0] for t in self._inputs]
        if isinstance(feeds, dict):
            unknown = [n for n in feeds if n not in names]
            if unknown:
                raise ValueError(f"unknown input '{unknown[0]}'; the model's "
                                 f"inputs are {', '.join(names)}")
            missing = [n for n in names if n not in feeds]
            if missing:
                raise ValueError(f"missing input '{missing[0]}'")
            feeds = [feeds[n] for n in names]
        elif len(feeds) != len(names):
            raise ValueError(
                f"expected {len(names)} inputs, got {len(feeds)}")

        arrays = []
        for i, ((name, dtype, shape, _), value) in enumerate(
                zip(self._inputs, feeds)):
            array = np.asarray(value)
            if array.dtype != dtype:
                raise ValueError(f"input {i} ('{name}'): expected element "
                                 f"type {dtype}, got {array.dtype}")
            if array.shape != shape:
                raise ValueError(f"input {i} ('{name}'): expected shape "
                                 f"{shape}, got {array.shape}")
            arrays.append(np.ascontiguousarray(array))
        outputs = [np.empty(shape, dtype) for _, dtype, shape, _ in
                   self._outputs]
        self._invoke(arrays, outputs)
        return {t[0]: array for t, array in zip(self._outputs, outputs)}

    @property
    def last_run_device_ms(self):
        """A GPU model's kernel time in milliseconds for this thread's last
        successful run (without the copies of inputs and outputs), or None for
        a model that runs on the host."""
        query = getattr(self._lib, "quill_last_run_device_ms", None)
        if query is None:
            return None
        query.restype = ctypes.c_double
        query.argtypes = []
        milliseconds = query()
        return milliseconds if milliseconds >= 0 else None

    def _invoke(self, inputs, outputs):
        """Calls quill_run on C-contiguous arrays, which it checks itself."""
        keepalive = []
        status = self._lib.quill_run(
            _tensors(inputs, self._inputs, keepalive), len(inputs),
            _tensors(outputs, self._outputs, keepalive), len(outputs))
        if status != 0:
            raise RuntimeError(
                f"quill_run failed "
                f"({self._lib.quill_status_string(status).decode()}): "
                f"{self._lib.quill_last_error().decode()}")

    def __repr__(self):
        return f"Model({self.path!r})"
