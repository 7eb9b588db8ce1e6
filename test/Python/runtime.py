# RUN: rm -rf %t && mkdir -p %t
# RUN: %clang %quill_runtime_cflags -fPIC -c %S/../Runtime/Inputs/fake_model.c -o %t/model.o
# RUN: %link_quill_model %t/model.o -o %t/model.so
# RUN: %python %s %t/model.so
#
# quill.Model on the hand-written model of Inputs/fake_model.c (y = x * 2 + k,
# k_out:0 = k, positive = x > 0): metadata, runs with a dict and a list
# compared with numpy, and the errors for wrong inputs.

import sys

import numpy as np

import quill

model = quill.Model(sys.argv[1])
assert model.name == "fake", model.name
assert model.inputs == [("x", np.float32, (2, 3)), ("k", np.int64, (1,))], model.inputs
assert model.outputs == [("y", np.float32, (2, 3)), ("k_out:0", np.int64, (1,)),
                         ("positive", np.bool_, (2, 3))], model.outputs


def check(outputs, x, k):
    assert list(outputs) == ["y", "k_out:0", "positive"], list(outputs)
    y = outputs["y"]
    assert y.dtype == np.float32 and y.shape == (2, 3)
    np.testing.assert_array_equal(y, x * 2 + np.float32(k[0]))
    np.testing.assert_array_equal(outputs["k_out:0"], k)
    np.testing.assert_array_equal(outputs["positive"], x > 0)


rng = np.random.default_rng(0)
x = rng.standard_normal((2, 3)).astype(np.float32)
k = np.array([-4], np.int64)
check(model.run({"x": x, "k": k}), x, k)
check(model.run({"k": k, "x": x}), x, k)
check(model.run([x, k]), x, k)
# A tuple works as a list, and array-likes of the right type as arrays.
check(model.run((x, [-4])), x, k)
# A CPU model has no device time apart from the call's.
assert model.last_run_device_ms is None

# A non-contiguous view is copied to a dense array first.
wide = rng.standard_normal((3, 4)).astype(np.float32)
view = wide[:2, 1:]
assert not view.flags.c_contiguous
check(model.run([view, k]), np.ascontiguousarray(view), k)


def expect_error(error, message, feeds):
    try:
        model.run(feeds)
    except error as e:
        assert str(e) == message, f"{e!r} != {message!r}"
    else:
        raise AssertionError(f"no {error.__name__}: {message}")


expect_error(ValueError, "input 0 ('x'): expected element type float32, got float64",
             {"x": x.astype(np.float64), "k": k})
expect_error(ValueError, "input 1 ('k'): expected element type int64, got int32",
             [x, k.astype(np.int32)])
expect_error(ValueError, "input 0 ('x'): expected shape (2, 3), got (3, 2)",
             {"x": x.reshape(3, 2), "k": k})
expect_error(ValueError, "input 1 ('k'): expected shape (1,), got ()",
             [x, np.int64(3)])
expect_error(ValueError, "missing input 'k'", {"x": x})
expect_error(ValueError, "unknown input 'z'; the model's inputs are x, k",
             {"x": x, "k": k, "z": k})
expect_error(ValueError, "expected 2 inputs, got 1", [x])

# quill_run's own checks surface as RuntimeError with its message.
try:
    model._invoke([x], [np.empty((2, 3), np.float32)])
except RuntimeError as e:
    assert str(e) == "quill_run failed (wrong number of inputs): expected 2 inputs, got 1", e
else:
    raise AssertionError("no RuntimeError")
outputs = [np.empty(s, t) for _, t, s in model.outputs]
outputs[0] = np.empty((2, 3), np.float64)
try:
    model._invoke([x, k], outputs)
except RuntimeError as e:
    assert str(e) == ("quill_run failed (wrong element type): output 0 ('y'): "
                      "expected element type float32, got float64"), e
else:
    raise AssertionError("no RuntimeError")

try:
    quill.Model(sys.argv[1] + ".missing")
except OSError:
    pass
else:
    raise AssertionError("loaded a missing file")
