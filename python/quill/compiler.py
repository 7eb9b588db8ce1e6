"""Compiling ONNX models with quill-compile from Python.

    so = quill.compile("model.onnx", opt_level=3, input_shape={"x": [1, 3]})
    outputs = quill.Model(so).run({"x": x})

    # int8 post-training quantization, calibrated on samples:
    so = quill.compile("model.onnx", quantize="int8", calibrator="entropy",
                       calibration=[{"x": x0}, {"x": x1}, ...])
"""

import os
import shutil
import subprocess
import tempfile

_SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class CompileError(RuntimeError):
    """quill-compile failed; `message` is what it printed on stderr (its
    diagnostics, each naming the file, node or option at fault) and
    `returncode` its exit status."""

    def __init__(self, message, returncode):
        super().__init__(f"quill-compile failed (exit {returncode}):\n"
                         f"{message}")
        self.message = message
        self.returncode = returncode


def find_tool(name):
    """A Quill tool (quill-compile, quill-run, quill-opt): from
    $QUILL_HOME/bin, else the build/ of the source tree this package was
    imported from, else PATH. $QUILL_COMPILE names quill-compile itself."""
    if name == "quill-compile" and os.environ.get("QUILL_COMPILE"):
        return os.environ["QUILL_COMPILE"]
    candidates = []
    if os.environ.get("QUILL_HOME"):
        candidates.append(os.path.join(os.environ["QUILL_HOME"], "bin", name))
    candidates.append(os.path.join(_SOURCE_ROOT, "build", "bin", name))
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(
            f"{name} not found: set QUILL_HOME to the build or install "
            f"directory that holds bin/{name}, or put it on PATH")
    return found


def find_compiler():
    """quill-compile, as find_tool finds it."""
    return find_tool("quill-compile")


def _flags(options):
    """quill-compile flags for keyword `options`: opt_level=3 -> -O3,
    input_shape={"x": [1, 3]} -> --input-shape=x=1x3, foo_bar=v ->
    --foo-bar=v, True -> --foo-bar; False and None are left out, lists
    repeat the flag."""
    flags = []
    for key, value in options.items():
        if key == "opt_level":
            flags.append(f"-O{value}")
            continue
        if key == "input_shape":
            value = [f"{name}={'x'.join(str(d) for d in dims)}"
                     for name, dims in value.items()]
        flag = "--" + key.replace("_", "-")
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item is True:
                flags.append(flag)
            elif item is not False and item is not None:
                flags.append(f"{flag}={item}")
    return flags


def _default_output(model_path):
    directory = os.path.dirname(os.path.abspath(model_path))
    name = os.path.splitext(os.path.basename(model_path))[0] + ".so"
    if not os.access(directory, os.W_OK):
        directory = tempfile.mkdtemp(prefix="quill-")
    return os.path.join(directory, name)


def _write_calibration(samples, directory):
    """Stacks calibration samples ({input name: array} each) into an .npz
    of [N, ...] arrays, the layout --calibration-data reads."""
    import numpy as np

    samples = list(samples)
    if not samples:
        raise ValueError("calibration: no samples")
    names = set(samples[0])
    for index, sample in enumerate(samples):
        if set(sample) != names:
            raise ValueError(f"calibration sample {index} has inputs "
                             f"{sorted(sample)}, sample 0 has {sorted(names)}")
    path = os.path.join(directory, "calibration.npz")
    np.savez(path, **{name: np.stack([np.asarray(s[name]) for s in samples])
                      for name in names})
    return path


def _freeze_flags(freeze_inputs, directory):
    """--freeze-input values for {input name: value}: paths as they are,
    numbers as text, arrays written to .npy files in `directory`."""
    import numpy as np

    flags = []
    for index, (name, value) in enumerate(freeze_inputs.items()):
        if isinstance(value, (str, os.PathLike)):
            flags.append(f"{name}={value}")
        elif isinstance(value, np.ndarray):
            path = os.path.join(directory, f"frozen_{index}.npy")
            np.save(path, value)
            flags.append(f"{name}={path}")
        else:
            numbers = np.asarray(value).reshape(-1)
            if numbers.dtype == bool:
                numbers = numbers.astype(np.int64)
            flags.append(f"{name}={','.join(repr(n.item()) for n in numbers)}")
    return flags


def compile(model_path, output=None, calibration=None, freeze_inputs=None,
            **options):
    """Compiles the ONNX model at `model_path` with quill-compile and returns
    the output path (by default the model's path with a .so suffix, or a
    temporary directory when the model's directory is not writable).
    `calibration` is a path for --calibration-data, or samples, each a dict
    from input name to array. `freeze_inputs` maps input names to values the
    model is specialized to (--freeze-input): an array, a number or list of
    numbers, or a .npy/.pb path. Other keyword options become flags (see
    `_flags`). Raises CompileError carrying quill-compile's diagnostics when
    it fails."""
    output = output or _default_output(model_path)
    with tempfile.TemporaryDirectory(prefix="quill-") as scratch:
        if calibration is not None:
            options["calibration_data"] = (
                calibration if isinstance(calibration, (str, os.PathLike))
                else _write_calibration(calibration, scratch))
        if freeze_inputs:
            options["freeze_input"] = _freeze_flags(freeze_inputs, scratch)
        command = [find_compiler(), str(model_path), "-o", str(output),
                   *_flags(options)]
        result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise CompileError(result.stderr, result.returncode)
    return str(output)
