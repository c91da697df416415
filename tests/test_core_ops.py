"""The core ops of issue #2, checked against numpy in eager mode, in a tf.Graph
and inside tf.function (where inputs are placeholders, so XLA computes them).

One row per op: (id, tf expression over the inputs, expected numpy value,
inputs, TF op type of the result when built in a graph). The expected dtype is
the numpy value's dtype, i.e. TF's (int32 for Python ints, float32 for floats).
"""

import jax
import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax.framework import lowering

A = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]], np.float32)
B = np.array([[0.5, 2.0, -1.0], [3.0, -0.5, 4.0]], np.float32)
P = np.array([[0.5, 2.0, 3.0], [1.5, 4.0, 9.0]], np.float32)  # positive
I = np.array([[3, -1, 4], [1, -5, 9]], np.int32)
BOOL_A = A > 0
BOOL_B = B > 0
D = np.array([1.5, -2.25, 4.0])  # float64


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


f32 = np.float32
OPS = [
    # Creation and conversion.
    ("constant", lambda: tf.constant([[1.0, 2.0]]), np.array([[1.0, 2.0]], f32), [], "Const"),
    ("constant_int", lambda: tf.constant([1, 2]), np.array([1, 2], np.int32), [], "Const"),
    ("constant_shape", lambda: tf.constant(7.0, shape=[2, 2]), np.full([2, 2], 7.0, f32), [],
     "Const"),
    ("convert_to_tensor", lambda: tf.convert_to_tensor([[1, 2], [3, 4]]),
     np.array([[1, 2], [3, 4]], np.int32), [], "Const"),
    ("ones", lambda: tf.ones([2, 3]), np.ones([2, 3], f32), [], "Const"),
    ("zeros_int64", lambda: tf.zeros([2], tf.int64), np.zeros([2], np.int64), [], "Const"),
    ("fill", lambda: tf.fill([2, 2], 7.0), np.full([2, 2], 7.0, f32), [], "Fill"),
    ("ones_like", lambda a: tf.ones_like(a), np.ones_like(A), [A], "Const"),
    ("zeros_like_int", lambda i: tf.zeros_like(i), np.zeros_like(I), [I], "Const"),
    ("ones_like_dtype", lambda a: tf.ones_like(a, dtype=tf.int32), np.ones([2, 3], np.int32),
     [A], "Const"),
    ("identity", lambda a: tf.identity(a), A, [A], "Identity"),
    ("stop_gradient", lambda a: tf.stop_gradient(a), A, [A], "StopGradient"),
    ("cast_int", lambda a: tf.cast(a * 1.5, tf.int32), (A * 1.5).astype(np.int32), [A], "Cast"),
    ("cast_float64", lambda i: tf.cast(i, tf.float64), I.astype(np.float64), [I], "Cast"),
    ("cast_bool", lambda a: tf.cast(a, tf.bool), A != 0, [A], "Cast"),
    # Elementwise math.
    ("add", lambda a, b: tf.add(a, b), A + B, [A, B], "AddV2"),
    ("add_broadcast", lambda a: tf.add(a, [1.0, 2.0, 3.0]), A + f32([1, 2, 3]), [A], "AddV2"),
    ("add_int", lambda i: tf.add(i, 2), I + 2, [I], "AddV2"),
    ("subtract", lambda a, b: tf.subtract(a, b), A - B, [A, B], "Sub"),
    ("multiply", lambda a, b: tf.multiply(a, b), A * B, [A, B], "Mul"),
    ("divide", lambda a, b: tf.divide(a, b), A / B, [A, B], "RealDiv"),
    ("truediv", lambda a, b: tf.truediv(a, b), A / B, [A, B], "RealDiv"),
    ("truediv_int", lambda i: tf.truediv(i, 2), I / 2, [I], "RealDiv"),  # int32 -> float64
    ("negative", lambda a: tf.negative(a), -A, [A], "Neg"),
    ("square", lambda a: tf.square(a), np.square(A), [A], "Square"),
    ("sqrt", lambda p: tf.sqrt(p), np.sqrt(P), [P], "Sqrt"),
    ("exp", lambda a: tf.exp(a), np.exp(A), [A], "Exp"),
    ("log", lambda p: tf.math.log(p), np.log(P), [P], "Log"),
    ("pow", lambda p, b: tf.pow(p, b), np.power(P, B), [P, B], "Pow"),
    ("pow_int", lambda i: tf.pow(i, 2), I ** 2, [I], "Pow"),
    ("abs", lambda a: tf.abs(a), np.abs(A), [A], "Abs"),
    ("abs_int", lambda i: tf.abs(i), np.abs(I), [I], "Abs"),
    ("sin", lambda a: tf.sin(a), np.sin(A), [A], "Sin"),
    ("cos", lambda a: tf.cos(a), np.cos(A), [A], "Cos"),
    ("tanh", lambda a: tf.tanh(a), np.tanh(A), [A], "Tanh"),
    ("sigmoid", lambda a: tf.sigmoid(a), _sigmoid(A), [A], "Sigmoid"),
    ("nn_sigmoid", lambda a: tf.nn.sigmoid(a), _sigmoid(A), [A], "Sigmoid"),
    ("maximum", lambda a, b: tf.maximum(a, b), np.maximum(A, B), [A, B], "Maximum"),
    ("minimum", lambda a, b: tf.minimum(a, b), np.minimum(A, B), [A, B], "Minimum"),
    ("float64_math", lambda d: tf.exp(d) * 2.0 - tf.sqrt(tf.abs(d)),
     np.exp(D) * 2 - np.sqrt(np.abs(D)), [D], "Sub"),
    # Matrix product and reductions.
    ("matmul", lambda a, b: tf.matmul(a, b, transpose_b=True), A @ B.T, [A, B], "MatMul"),
    ("matmul_transpose_a", lambda a, b: tf.matmul(a, b, transpose_a=True), A.T @ B, [A, B],
     "MatMul"),
    ("linalg_matmul_int", lambda i: tf.linalg.matmul(i, tf.transpose(i)), I @ I.T, [I], "MatMul"),
    ("reduce_sum", lambda a: tf.reduce_sum(a), A.sum(), [A], "Sum"),
    ("reduce_sum_axis", lambda a: tf.reduce_sum(a, axis=1), A.sum(axis=1), [A], "Sum"),
    ("reduce_sum_keepdims", lambda a: tf.reduce_sum(a, axis=[0, 1], keepdims=True),
     A.sum(keepdims=True), [A], "Sum"),
    ("reduce_mean", lambda a: tf.reduce_mean(a, axis=0), A.mean(axis=0), [A], "Mean"),
    ("reduce_mean_int", lambda i: tf.reduce_mean(i), np.int32(1), [I], "Mean"),  # TF truncates
    ("reduce_max", lambda a: tf.reduce_max(a, axis=-1, keepdims=True),
     A.max(axis=-1, keepdims=True), [A], "Max"),
    ("reduce_max_all", lambda i: tf.reduce_max(i), I.max(), [I], "Max"),
    # Shapes.
    ("reshape", lambda a: tf.reshape(a, [3, 2]), A.reshape(3, 2), [A], "Reshape"),
    ("reshape_infer", lambda a: tf.reshape(a, [-1]), A.reshape(-1), [A], "Reshape"),
    ("transpose", lambda a: tf.transpose(a), A.T, [A], "Transpose"),
    ("transpose_perm", lambda a: tf.transpose(tf.reshape(a, [1, 2, 3]), [2, 0, 1]),
     A.reshape(1, 2, 3).transpose(2, 0, 1), [A], "Transpose"),
    ("concat", lambda a, b: tf.concat([a, b], 0), np.concatenate([A, B], 0), [A, B], "ConcatV2"),
    ("concat_axis1", lambda a, b: tf.concat([a, b], axis=-1), np.concatenate([A, B], 1), [A, B],
     "ConcatV2"),
    ("stack", lambda a, b: tf.stack([a, b]), np.stack([A, B]), [A, B], "Pack"),
    ("stack_axis1", lambda a, b: tf.stack([a, b], axis=1), np.stack([A, B], 1), [A, B], "Pack"),
    ("range", lambda: tf.range(5), np.arange(5, dtype=np.int32), [], "Range"),
    ("range_start_delta", lambda: tf.range(1, 10, 3), np.arange(1, 10, 3, dtype=np.int32), [],
     "Range"),
    ("range_float", lambda: tf.range(0.0, 1.0, 0.25), np.arange(0, 1, 0.25, dtype=f32), [],
     "Range"),
    ("range_negative", lambda: tf.range(5, 0, -2), np.array([5, 3, 1], np.int32), [], "Range"),
    ("shape", lambda a: tf.shape(a), np.array([2, 3], np.int32), [A], "Const"),
    ("size", lambda a: tf.size(a), np.int32(6), [A], "Const"),
    ("rank", lambda a: tf.rank(a), np.int32(2), [A], "Const"),
    # Selection, comparison, logic.
    ("where", lambda a, b: tf.where(a > 0, a, b), np.where(A > 0, A, B), [A, B], "SelectV2"),
    ("where_broadcast", lambda a: tf.where(a > 0, a, 0.0), np.where(A > 0, A, 0), [A],
     "SelectV2"),
    ("equal", lambda a, b: tf.equal(a, tf.maximum(a, b)), A == np.maximum(A, B), [A, B],
     "Equal"),
    ("less", lambda a, b: tf.less(a, b), A < B, [A, B], "Less"),
    ("greater", lambda a, b: tf.greater(a, b), A > B, [A, B], "Greater"),
    ("greater_scalar", lambda i: tf.greater(i, 1), I > 1, [I], "Greater"),
    ("logical_and", lambda x, y: tf.logical_and(x, y), BOOL_A & BOOL_B, [BOOL_A, BOOL_B],
     "LogicalAnd"),
    ("logical_or", lambda x, y: tf.logical_or(x, y), BOOL_A | BOOL_B, [BOOL_A, BOOL_B],
     "LogicalOr"),
    ("logical_not", lambda x: tf.logical_not(x), ~BOOL_A, [BOOL_A], "LogicalNot"),
    # Neural-network ops.
    ("relu", lambda a: tf.nn.relu(a), np.maximum(A, 0), [A], "Relu"),
    ("relu_int", lambda i: tf.nn.relu(i), np.maximum(I, 0), [I], "Relu"),
    ("softmax", lambda a: tf.nn.softmax(a), _softmax(A), [A], "Softmax"),
    ("softmax_axis0", lambda a: tf.nn.softmax(a, axis=0), _softmax(A, 0), [A], "Softmax"),
    ("softmax_float64", lambda d: tf.nn.softmax(d), _softmax(D), [D], "Softmax"),
]

ROWS = [pytest.param(*row[1:], id=row[0]) for row in OPS]


def _check(result, expected):
    expected = np.asarray(expected)
    assert result.dtype is tf.as_dtype(expected.dtype), (result.dtype, expected.dtype)
    assert result.shape.as_list() == list(expected.shape)
    value = result.numpy() if hasattr(result, "numpy") else None
    return value


def _assert_values(got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("build, expected, inputs, op_type", ROWS)
def test_op_eager(build, expected, inputs, op_type):
    out = build(*[tf.constant(x) for x in inputs])
    _assert_values(_check(out, expected), expected)


def _failures(results):
    """Row ids whose result differs from numpy, with the reason (checks every row)."""
    failed = []
    for (row_id, _, expected, _, _), (dtype, shape, value) in zip(OPS, results):
        try:
            assert dtype is tf.as_dtype(np.asarray(expected).dtype), dtype
            assert shape.as_list() == list(np.shape(expected)), shape
            _assert_values(value, expected)
        except AssertionError as e:
            failed.append(f"{row_id}: {' '.join(str(e).split())[:200]}")
    return failed


def test_ops_in_graph():
    # All rows in one tf.Graph, evaluated by one jit-compiled lowering (fast).
    g = tf.Graph()
    with g.as_default():
        outs = [build(*[tf.constant(x) for x in inputs]) for _, build, _, inputs, _ in OPS]
    assert all(t.graph is g for t in outs)
    assert [t.op.type for t in outs] == [row[4] for row in OPS]
    values = jax.jit(lowering.lower([], outs))()
    assert _failures([(t.dtype, t.shape, v) for t, v in zip(outs, values)]) == []


def test_ops_in_tf_function():
    # All rows in one tf.function: inputs are placeholders, so XLA computes every op.
    built = []

    @tf.function
    def f(all_inputs):
        built[:] = [build(*args) for (_, build, _, _, _), args in zip(OPS, all_inputs)]
        return built

    results = f([[tf.constant(x) for x in inputs] for _, _, _, inputs, _ in OPS])
    assert not any(hasattr(t, "numpy") for t in built)  # symbolic, not eager
    assert [t.op.type for t in built if t.op.type != "Const"] == [
        row[4] for row in OPS if row[4] != "Const"]
    assert _failures([(t.dtype, t.shape, t.numpy()) for t in results]) == []
    assert f.experimental_get_tracing_count() == 1
