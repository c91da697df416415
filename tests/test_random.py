"""tf.random: TF's seeding semantics, per-op state, distributions, shapes and dtypes.

The bits differ from TF's; what is checked is TF's behaviour (see the
random_ops module docstring): set_seed makes a program repeat, an op's
repeated runs give new values, a new tf.function trace starts again, and
within one call every use of a random op - tf.gradients included - sees the
same values.
"""

import numpy as np
import pytest

import tfgrad_jax as tf


@pytest.fixture(autouse=True)
def _reset_seed():
    yield
    tf.random.set_seed(None)


def values(*tensors):
    return [np.asarray(t) for t in tensors]


def test_eager_set_seed_repeats_the_program():
    tf.random.set_seed(1234)
    a, b = values(tf.random.uniform([3]), tf.random.normal([3]))
    tf.random.set_seed(1234)
    a2, b2 = values(tf.random.uniform([3]), tf.random.normal([3]))
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_array_equal(b, b2)
    assert not np.allclose(a, values(tf.random.uniform([3]))[0])


def test_eager_op_seed_advances_its_kernel_and_set_seed_resets_it():
    a1, a2 = values(tf.random.uniform([2], seed=1), tf.random.uniform([2], seed=1))
    assert not np.allclose(a1, a2)  # TF: the same kernel, its counter advanced
    tf.random.set_seed(7)
    b1, b2 = values(tf.random.uniform([2], seed=1), tf.random.uniform([2], seed=1))
    tf.random.set_seed(7)
    c1, c2 = values(tf.random.uniform([2], seed=1), tf.random.uniform([2], seed=1))
    np.testing.assert_array_equal(b1, c1)
    np.testing.assert_array_equal(b2, c2)
    assert not np.allclose(b1, b2)


def test_get_seed_follows_tf():
    assert tf.random.get_seed(None) == (None, None)
    assert tf.random.get_seed(5) == (87654321, 5)
    tf.random.set_seed(3)
    assert tf.random.get_seed(5) == (3, 5)
    assert tf.random.get_seed(None)[0] == 3
    tf.random.set_seed(0)
    assert tf.random.get_seed(0) == (0, 2 ** 31 - 1)  # TF avoids (0, 0)
    g = tf.Graph()
    with g.as_default():
        tf.random.set_seed(11)  # in a graph: the graph's seed
        assert [tf.random.get_seed(None) for _ in range(3)] == [(11, 0), (11, 1), (11, 2)]


def _two_uniforms():
    return tf.random.uniform([2]), tf.random.uniform([2])


def test_tf_function_calls_advance_and_a_new_trace_starts_again():
    tf.random.set_seed(1234)
    f = tf.function(_two_uniforms)
    a1, b1 = values(*f())
    a2, b2 = values(*f())
    assert not np.allclose(a1, b1)          # two ops, two sequences
    assert not np.allclose(a1, a2)          # each call advances each op
    g = tf.function(_two_uniforms)          # a fresh program: the same sequence, as TF
    a1g, b1g = values(*g())
    a2g, b2g = values(*g())
    np.testing.assert_array_equal(a1, a1g)
    np.testing.assert_array_equal(b1, b1g)
    np.testing.assert_array_equal(a2, a2g)


def test_tf_function_ops_with_the_same_seeds_give_the_same_values():
    tf.random.set_seed(1234)

    @tf.function
    def foo():
        return tf.random.uniform([3], seed=1), tf.random.uniform([3], seed=1)

    a1, b1 = values(*foo())
    a2, b2 = values(*foo())
    np.testing.assert_array_equal(a1, b1)   # TF's (A1, A1), then (A2, A2)
    np.testing.assert_array_equal(a2, b2)
    assert not np.allclose(a1, a2)


def test_unseeded_programs_differ():
    f = tf.function(lambda: tf.random.normal([4]))
    g = tf.function(lambda: tf.random.normal([4]))
    assert not np.allclose(f(), g())


def test_gradients_see_the_same_random_values_as_the_forward_pass():
    @tf.function
    def f(x):
        y = x * tf.random.uniform([5], dtype=tf.float64, seed=3)
        z = tf.nn.dropout(x, 0.5, seed=4)
        return y, tf.gradients(y, x)[0], z, tf.gradients(z, x)[0]

    x = np.arange(1.0, 6.0)
    for _ in range(2):
        y, gy, z, gz = values(*f(x))
        np.testing.assert_allclose(gy, y / x)
        np.testing.assert_allclose(gz, z / x)


def test_plain_graph_session_runs_draw_new_values_and_graph_seeds_repeat():
    def build():
        g = tf.Graph()
        with g.as_default():
            tf.random.set_seed(5)
            u = tf.random.uniform([3])
        return g, u

    runs = []
    for _ in range(2):
        g, u = build()
        with tf.compat.v1.Session(graph=g) as sess:
            runs.append([sess.run(u) for _ in range(2)])
    assert not np.allclose(runs[0][0], runs[0][1])
    np.testing.assert_array_equal(runs[0][0], runs[1][0])


def test_uniform_moments_range_and_dtypes():
    u = np.asarray(tf.random.uniform([20000], seed=1, dtype=tf.float64))
    assert u.dtype == np.float64 and u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.005
    v = np.asarray(tf.random.uniform([4000], -3.0, 5.0, seed=2))
    assert v.dtype == np.float32 and v.min() >= -3 and v.max() < 5
    assert abs(v.mean() - 1.0) < 0.15
    assert tf.random.uniform([2, 3], dtype=tf.float16).shape == (2, 3)
    i = np.asarray(tf.random.uniform([5000], 2, 6, dtype=tf.int64, seed=3))
    assert i.dtype == np.int64 and set(np.unique(i)) == {2, 3, 4, 5}
    with pytest.raises(ValueError, match="maxval"):
        tf.random.uniform([2], dtype=tf.int32)


def test_normal_and_truncated_normal_moments():
    n = np.asarray(tf.random.normal([20000], mean=2.0, stddev=3.0, seed=1))
    assert abs(n.mean() - 2.0) < 0.1 and abs(n.std() - 3.0) < 0.1
    t = np.asarray(tf.random.truncated_normal([20000], stddev=2.0, dtype=tf.float64, seed=2))
    assert t.dtype == np.float64 and np.abs(t).max() <= 4.0
    assert abs(t.std() - 2.0 * 0.87962566) < 0.05  # std of N(0, 1) cut at +-2


def test_categorical_frequencies_shape_and_dtype():
    probs = np.array([0.2, 0.5, 0.3])
    logits = np.log(np.stack([probs, probs[::-1]]))
    draws = tf.random.categorical(logits, 6000, seed=4)
    assert draws.dtype == tf.int64 and draws.shape == (2, 6000)
    counts = np.stack([np.bincount(d, minlength=3) / 6000 for d in np.asarray(draws)])
    np.testing.assert_allclose(counts, [probs, probs[::-1]], atol=0.03)
    assert tf.random.categorical(logits, 2, dtype=tf.int32).dtype == tf.int32
    with pytest.raises(ValueError):
        tf.random.categorical(logits, 2, dtype=tf.float32)


def test_shuffle_permutes_the_first_axis():
    x = np.arange(20).reshape(10, 2)
    s = np.asarray(tf.random.shuffle(x, seed=1))
    assert sorted(s[:, 0].tolist()) == list(range(0, 20, 2))
    np.testing.assert_array_equal(s[:, 1] - s[:, 0], np.ones(10))
    assert not np.array_equal(s, x)


def test_dropout_rate_scale_and_noise_shape():
    x = np.ones((200, 50), np.float32)
    y = np.asarray(tf.nn.dropout(x, 0.3, seed=1))
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.03
    z = np.asarray(tf.nn.dropout(x, 0.5, noise_shape=[200, 1], seed=2))
    assert (z == z[:, :1]).all()  # one mask value per row
    with pytest.raises(ValueError):
        tf.nn.dropout(x, 1.0)
    with pytest.raises(ValueError):
        tf.nn.dropout(np.ones(3, np.int32), 0.5)


def test_random_ops_are_not_differentiable_and_not_folded():
    @tf.function
    def f(m):
        r = tf.random.normal([2], mean=m, seed=1)
        return tf.gradients(r, m)[0]

    assert float(f(np.float32(1.0))) == pytest.approx(2.0)  # through the AddV2 only
    from tfgrad_jax.framework.constant_folding import constant_value
    g = tf.Graph()
    with g.as_default():
        assert constant_value(tf.random.uniform([2])) is None
