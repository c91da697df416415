"""Shape arithmetic on unknown dims, resolved when the graph is lowered (issue #10).

In a graph where x has a None dim, `tf.zeros([tf.shape(x)[0], 3])` and its kin
run: lowering is per concrete input shape, where `tf.shape` folds to numpy and
the shape-like argument is static for XLA. The static shapes the graph records
are those TF 2.21 records (checked there, hard-coded here). Each idiom runs in
a tf.function (input_signature with None dims) and in a TF-1 Session, with two
batch sizes.
"""

import numpy as np
import pytest

import tfgrad_jax as tf

# name -> (build(x, y) with x: [None, 4] float32, y: [None] float32,
#          numpy reference(x, y) or None (random: only the shape is checked),
#          the static shape TF 2.21 records)
IDIOMS = {
    "zeros": (lambda x, y: tf.zeros([tf.shape(x)[0], 3]),
              lambda x, y: np.zeros((len(x), 3)), (None, 3)),
    "ones_known_dim": (lambda x, y: tf.ones([tf.shape(x)[1] * 2]),
                       lambda x, y: np.ones(8), (8,)),
    "fill_stack": (lambda x, y: tf.fill(tf.stack([tf.shape(x)[0] * 2, 2]), 7.0),
                   lambda x, y: np.full((2 * len(x), 2), 7.0), (None, 2)),
    "zeros_concat": (lambda x, y: tf.zeros(tf.concat([tf.shape(y), [2]], 0)),
                     lambda x, y: np.zeros((len(y), 2)), (None, 2)),
    "zeros_cast": (lambda x, y: tf.zeros([tf.cast(tf.cast(tf.shape(x)[0], tf.float32) * 0.5,
                                                  tf.int32), 3]),
                   lambda x, y: np.zeros((len(x) // 2, 3)), (None, 3)),
    "zeros_size_rank": (lambda x, y: tf.zeros([tf.rank(x), tf.size(x) // 4]),
                        lambda x, y: np.zeros((2, len(x))), (2, None)),
    "reshape": (lambda x, y: tf.reshape(x, [tf.shape(x)[0], -1]),
                lambda x, y: x.reshape(len(x), -1), (None, None)),
    "reshape_known": (lambda x, y: tf.reshape(x, [tf.shape(x)[0], 2, 2]),
                      lambda x, y: x.reshape(len(x), 2, 2), (None, 2, 2)),
    "reshape_floordiv": (lambda x, y: tf.reshape(x, [tf.shape(x)[0] // 2, 8]),
                         lambda x, y: x.reshape(-1, 8), (None, 8)),
    "tile": (lambda x, y: tf.tile(y[:, None], [1, tf.shape(x)[0]]),
             lambda x, y: np.tile(y[:, None], (1, len(x))), (None, None)),
    "broadcast_to": (lambda x, y: tf.broadcast_to(tf.constant(1.5), [tf.shape(x)[0], 3]),
                     lambda x, y: np.full((len(x), 3), 1.5), (None, 3)),
    "range": (lambda x, y: tf.range(tf.shape(x)[0]),
              lambda x, y: np.arange(len(x)), (None,)),
    "range_step": (lambda x, y: tf.range(1, tf.shape(x)[0], 2),
                   lambda x, y: np.arange(1, len(x), 2), (None,)),
    "random_normal": (lambda x, y: tf.random.normal([tf.shape(x)[0], 3]), None, (None, 3)),
    "random_uniform": (lambda x, y: tf.random.uniform([tf.shape(y)[0]]), None, (None,)),
    "truncated_normal": (lambda x, y: tf.random.truncated_normal([tf.shape(x)[0], 2]), None,
                         (None, 2)),
    "getitem": (lambda x, y: x[:tf.shape(y)[0]], lambda x, y: x[:len(y)], (None, 4)),
    "getitem_both": (lambda x, y: x[1:tf.shape(x)[0] - 1, 2], lambda x, y: x[1:-1, 2], (None,)),
    "getitem_columns": (lambda x, y: x[:, :tf.shape(y)[0] - 2],
                        lambda x, y: x[:, :len(y) - 2], (None, None)),
    "slice": (lambda x, y: tf.slice(x, [0, 0], [tf.shape(y)[0], 2]),
              lambda x, y: x[:len(y), :2], (None, 2)),
    "slice_to_end": (lambda x, y: tf.slice(x, [1, 0], [tf.shape(x)[0] - 1, -1]),
                     lambda x, y: x[1:], (None, None)),
}
NAMES = sorted(IDIOMS)
BATCHES = ((6, 5), (4, 3))  # (rows of x, length of y)


def _inputs(b):
    rng = np.random.default_rng(b[0])
    return (rng.standard_normal((b[0], 4)).astype(np.float32),
            rng.standard_normal(b[1]).astype(np.float32))


def _check(name, value, x, y):
    reference = IDIOMS[name][1]
    if reference is None:
        assert value.shape[0] == (len(x) if name != "random_uniform" else len(y))
    else:
        want = reference(x, y)
        assert value.shape == want.shape, name
        np.testing.assert_allclose(value, want, rtol=1e-6, err_msg=name)


@pytest.fixture(scope="module")
def function_run():
    """One tf.function holding every idiom: its static shapes, and its values per batch."""
    static = {}

    @tf.function(input_signature=[tf.TensorSpec([None, 4]), tf.TensorSpec([None])])
    def f(x, y):
        out = {name: IDIOMS[name][0](x, y) for name in NAMES}
        static.update({name: t.shape.as_list() for name, t in out.items()})
        return out

    runs = [(_inputs(b), {k: v.numpy() for k, v in f(*_inputs(b)).items()}) for b in BATCHES]
    return static, runs


@pytest.fixture(scope="module")
def session_run():
    """The same in a TF-1 graph with None-dim placeholders, run by a Session."""
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 4])
        y = tf.compat.v1.placeholder(tf.float32, [None])
        out = {name: IDIOMS[name][0](x, y) for name in NAMES}
        static = {name: t.shape.as_list() for name, t in out.items()}
        with tf.compat.v1.Session() as sess:
            runs = []
            for b in BATCHES:
                xv, yv = _inputs(b)
                runs.append(((xv, yv), sess.run(out, {x: xv, y: yv})))
    return static, runs


@pytest.mark.parametrize("where", ["function_run", "session_run"])
@pytest.mark.parametrize("name", NAMES)
def test_idiom(request, where, name):
    # In a tf.function with an input_signature, and in a TF-1 Session with placeholders.
    static, runs = request.getfixturevalue(where)
    assert static[name] == list(IDIOMS[name][2])
    for (x, y), values in runs:
        _check(name, values[name], x, y)


def test_shape_size_rank_fold_when_lowered():
    """tf.shape of an unknown dim is a constant where the graph is lowered: the
    arithmetic on it leaves no op in the compiled program."""
    @tf.function(input_signature=[tf.TensorSpec([None, 4])])
    def f(x):
        n = tf.shape(x)[0]
        return tf.stack([n * 2, tf.size(x) // n, tf.rank(x)])

    for b in (2, 7):
        np.testing.assert_array_equal(f(np.zeros((b, 4), np.float32)), [2 * b, 4, 2])


def test_gradient_through_reshape_in_function():
    w0 = np.arange(1, 5, dtype=np.float32)

    @tf.function(input_signature=[tf.TensorSpec([None, 4]), tf.TensorSpec([4])])
    def g(x, w):
        y = tf.reduce_sum(tf.reshape(x, [tf.shape(x)[0], -1]) * w
                          + tf.zeros([tf.shape(x)[0], 4]))
        return tf.gradients(y, [x, w])

    for b in (2, 5):
        x = _inputs((b, 1))[0]
        gx, gw = g(x, w0)
        np.testing.assert_allclose(gx, np.broadcast_to(w0, (b, 4)))
        np.testing.assert_allclose(gw, x.sum(0), rtol=1e-5)


def test_gradient_through_reshape_in_session():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 4])
        r = tf.reshape(x, [tf.shape(x)[0], 2, -1])
        (gx,) = tf.gradients(tf.reduce_sum(r * r), [x])
        with tf.compat.v1.Session() as sess:
            for b in (2, 3):
                xv = _inputs((b, 1))[0]
                np.testing.assert_allclose(sess.run(gx, {x: xv}), 2 * xv, rtol=1e-6)


def test_shape_from_data_inside_a_branch_is_a_clear_error():
    """A shape computed from values cannot be static inside a compiled branch
    (at the top level such ops run between compiled segments instead)."""
    @tf.function(input_signature=[tf.TensorSpec([None, 4]), tf.TensorSpec([], tf.bool)])
    def f(x, p):
        return tf.cond(p, lambda: tf.reduce_sum(
            tf.zeros([tf.reduce_sum(tf.cast(x > 0, tf.int32)), 2])), lambda: 0.0)

    with pytest.raises(ValueError, match="Argument `shape` of Fill depends on run-time data"):
        f(np.ones((2, 4), np.float32), True)
