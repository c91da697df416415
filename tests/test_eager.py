"""Eager mode: ops run at once on jax arrays; values, reprs and dtype rules as TF's.

The expected reprs and strs were printed by TensorFlow 2.21 for the same values.
"""

import ml_dtypes
import numpy as np
import pytest

import tfgrad_jax as tf

REPRS = [
    (lambda: tf.constant(1.0), "<tf.Tensor: shape=(), dtype=float32, numpy=1.0>",
     "tf.Tensor(1.0, shape=(), dtype=float32)"),
    (lambda: tf.constant(1), "<tf.Tensor: shape=(), dtype=int32, numpy=1>",
     "tf.Tensor(1, shape=(), dtype=int32)"),
    (lambda: tf.constant(True), "<tf.Tensor: shape=(), dtype=bool, numpy=True>",
     "tf.Tensor(True, shape=(), dtype=bool)"),
    (lambda: tf.constant(2.5, tf.float64), "<tf.Tensor: shape=(), dtype=float64, numpy=2.5>",
     "tf.Tensor(2.5, shape=(), dtype=float64)"),
    # TF prints a float32 scalar through Python's float: 0.1 shows its float32 error.
    (lambda: tf.constant(0.1), "<tf.Tensor: shape=(), dtype=float32, numpy=0.10000000149011612>",
     "tf.Tensor(0.1, shape=(), dtype=float32)"),
    (lambda: tf.constant(1.0, tf.bfloat16), "<tf.Tensor: shape=(), dtype=bfloat16, numpy=1.0>",
     "tf.Tensor(1, shape=(), dtype=bfloat16)"),
    (lambda: tf.constant(np.int64(7)), "<tf.Tensor: shape=(), dtype=int64, numpy=7>",
     "tf.Tensor(7, shape=(), dtype=int64)"),
    (lambda: tf.constant([1.0, 2.0]),
     "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>",
     "tf.Tensor([1. 2.], shape=(2,), dtype=float32)"),
    (lambda: tf.constant([1, 2, 3]),
     "<tf.Tensor: shape=(3,), dtype=int32, numpy=array([1, 2, 3], dtype=int32)>",
     "tf.Tensor([1 2 3], shape=(3,), dtype=int32)"),
    (lambda: tf.constant([[1.0, 2.0], [3.0, 4.0]]),
     "<tf.Tensor: shape=(2, 2), dtype=float32, numpy=\narray([[1., 2.],\n       [3., 4.]], "
     "dtype=float32)>",
     "tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)"),
    (lambda: tf.constant([[1, 2], [3, 4]]),
     "<tf.Tensor: shape=(2, 2), dtype=int32, numpy=\narray([[1, 2],\n       [3, 4]], "
     "dtype=int32)>",
     "tf.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)"),
    (lambda: tf.constant([[True, False]]),
     "<tf.Tensor: shape=(1, 2), dtype=bool, numpy=array([[ True, False]])>",
     "tf.Tensor([[ True False]], shape=(1, 2), dtype=bool)"),
    (lambda: tf.constant(np.arange(6.0).reshape(2, 3)),
     "<tf.Tensor: shape=(2, 3), dtype=float64, numpy=\narray([[0., 1., 2.],\n       "
     "[3., 4., 5.]])>",
     "tf.Tensor(\n[[0. 1. 2.]\n [3. 4. 5.]], shape=(2, 3), dtype=float64)"),
    (lambda: tf.constant([]), "<tf.Tensor: shape=(0,), dtype=float32, numpy=array([], "
     "dtype=float32)>", "tf.Tensor([], shape=(0,), dtype=float32)"),
    (lambda: tf.constant(np.arange(2000.0)),
     "<tf.Tensor: shape=(2000,), dtype=float64, numpy=\narray([0.000e+00, 1.000e+00, "
     "2.000e+00, ..., 1.997e+03, 1.998e+03,\n       1.999e+03], shape=(2000,))>",
     "tf.Tensor([0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03], "
     "shape=(2000,), dtype=float64)"),
]


@pytest.mark.parametrize("make, want_repr, want_str", REPRS, ids=lambda v: None)
def test_repr_and_str_match_tf(make, want_repr, want_str):
    t = make()
    assert repr(t) == want_repr
    assert str(t) == want_str


def test_eager_values_and_numpy_interop():
    assert tf.executing_eagerly()
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.matmul(x, x) + 1.0  # runs at once
    np.testing.assert_allclose(y.numpy(), np.array([[8.0, 11.0], [16.0, 23.0]]))
    assert isinstance(y.numpy(), np.ndarray) and y.numpy().dtype == np.float32
    assert y.shape == tf.TensorShape([2, 2]) and y.shape.as_list() == [2, 2]
    assert y.dtype is tf.float32 and y.ndim == 2
    assert np.asarray(y).dtype == np.float32
    np.testing.assert_allclose(np.asarray(y), y.numpy())
    np.testing.assert_allclose(np.add(y, 1), y.numpy() + 1)
    s = tf.reduce_sum(y)
    assert isinstance(s.numpy(), np.float32) and float(s) == 58.0
    assert int(tf.constant(3)) == 3 and bool(tf.constant(True)) is True
    assert [float(v) for v in tf.constant([1.0, 2.0])] == [1.0, 2.0]
    assert len(tf.constant([1, 2, 3])) == 3
    assert f"{tf.constant(1.5):.2f}" == "1.50"
    assert isinstance(y, tf.Tensor) and tf.is_tensor(y) and not tf.is_tensor(y.numpy())
    with pytest.raises(AttributeError):
        y.op  # TF: Tensor.op is undefined when eager execution is enabled.
    with pytest.raises(AttributeError):
        y.name


def test_eager_tensors_compare_elementwise_and_are_unhashable():
    a = tf.constant([1, 2, 3])
    eq = a == tf.constant([1, 0, 3])
    assert eq.dtype is tf.bool
    np.testing.assert_array_equal(eq.numpy(), [True, False, True])
    with pytest.raises(TypeError, match="unhashable"):
        hash(a)
    assert a.ref() == a.ref() and a.ref().deref() is a


def test_eager_getitem_and_iteration():
    t = tf.constant(np.arange(12).reshape(3, 4).astype(np.int32))
    np.testing.assert_array_equal(t[::-1, 1::2].numpy(), np.arange(12).reshape(3, 4)[::-1, 1::2])
    rows = list(t)
    assert len(rows) == 3 and rows[1].dtype is tf.int32
    np.testing.assert_array_equal(rows[2].numpy(), [8, 9, 10, 11])


# ---------------------------------------------------------------------------
# Dtype rules (the same in eager and graph mode).

def test_python_numbers_default_to_32_bits():
    assert tf.constant(1.5).dtype is tf.float32
    assert tf.constant(1).dtype is tf.int32
    assert tf.constant([1, 2.5]).dtype is tf.float32
    assert tf.constant(True).dtype is tf.bool
    assert tf.constant(2**40).dtype is tf.int64  # TF: too big for int32
    assert tf.convert_to_tensor(1.5).dtype is tf.float32
    assert tf.constant(True, tf.float32).numpy() == 1.0  # TF converts bools to numbers


@pytest.mark.parametrize("graph_mode", [False, True], ids=["eager", "graph"])
def test_64_bit_values_are_not_downcast(graph_mode):
    def build():
        f64 = tf.constant(np.array([1.0, 2.0]))
        i64 = tf.constant(np.array([2**40, 3]))
        return (f64, i64, f64 + 1, i64 + 1, f64 * 1.5, tf.reduce_sum(f64),
                tf.constant(np.float64(1e-200)) * 1e-10, tf.constant(1.0, tf.float64) / 3.0)

    if graph_mode:
        from tfgrad_jax.framework import lowering
        with tf.Graph().as_default():
            outs = build()
        values = lowering.lower([], list(outs))()
    else:
        outs = build()
        values = [t.numpy() for t in outs]
    dtypes = [t.dtype for t in outs]
    assert dtypes == [tf.float64, tf.int64, tf.float64, tf.int64, tf.float64, tf.float64,
                      tf.float64, tf.float64]
    assert [np.asarray(v).dtype for v in values] == [np.float64, np.int64, np.float64, np.int64,
                                                     np.float64, np.float64, np.float64, np.float64]
    assert np.asarray(values[3])[0] == 2**40 + 1  # would be lost in 32 bits
    assert np.asarray(values[6]) == pytest.approx(1e-210, rel=1e-12)  # 0.0 in float32
    assert np.asarray(values[7]) == 1.0 / 3.0  # exact in float64


def test_python_operand_keeps_tensor_dtype():
    for dtype in (tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64):
        x = tf.ones([2], dtype)
        for y in (x + 1, 1 + x, x * 2, x - 1, 2 - x):
            assert y.dtype is dtype
    assert tf.ones([2], tf.bfloat16).numpy().dtype == ml_dtypes.bfloat16
    assert (tf.ones([2], tf.float16) / 2).dtype is tf.float16
    assert (tf.constant(3) / 2).dtype is tf.float64  # TF: int32 true division -> float64
    assert (tf.constant(3) // 2).dtype is tf.int32


@pytest.mark.parametrize("graph_mode", [False, True], ids=["eager", "graph"])
def test_mixed_dtypes_raise_type_error(graph_mode):
    import contextlib
    ctx = tf.Graph().as_default() if graph_mode else contextlib.nullcontext()
    # TF raises TypeError when it builds a graph, and InvalidArgumentError eagerly,
    # each with its own text.
    error = TypeError if graph_mode else tf.errors.InvalidArgumentError
    with ctx:
        f = tf.constant([1.0, 2.0])
        i = tf.constant([1, 2])
        # TF: "Input 'y' of 'AddV2' Op has type int32 that does not match type float32
        # of argument 'x'."; eagerly "cannot compute AddV2 as input #1(zero-based) was
        # expected to be a float tensor but is a int32 tensor [Op:AddV2]".
        with pytest.raises(error, match="Input 'y' of 'AddV2' Op has type int32 that does "
                                        "not match type float32 of argument 'x'" if graph_mode
                           else r"input #1\(zero-based\) was expected to be a float tensor "
                           r"but is a int32 tensor \[Op:AddV2\]"):
            f + i
        with pytest.raises(error, match="'y'" if graph_mode else "double"):
            tf.multiply(f, tf.constant([1.0, 2.0], tf.float64))
        with pytest.raises(error):
            tf.matmul(tf.ones([2, 2]), tf.ones([2, 2], tf.int32))
        with pytest.raises(error, match="'y'" if graph_mode else "but is a float tensor"):
            i + 1.5  # a Python float cannot become int32


def test_tensors_of_two_graphs_raise_value_error():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        a = tf.constant(1.0)
    with g2.as_default():
        b = tf.constant(2.0)
        # TF: ValueError "... must be from the same graph as ...".
        with pytest.raises(ValueError, match="must be from the same graph"):
            a + b
        with pytest.raises(ValueError, match="must be from the same graph"):
            tf.stack([a, b])
    assert len(g2.get_operations()) == 1 and len(g1.get_operations()) == 1
