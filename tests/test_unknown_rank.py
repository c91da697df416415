"""Tensors of unknown rank (issue #10): `placeholder(shape=None)`,
`placeholder_with_default(shape=None)` and `TensorSpec(shape=None)`.

TF's graph records `TensorShape(None)` and its shape inference moves on; here
too, and each run compiles for the shape it is fed. The static shapes below
are those TF 2.21 records for the same graph (checked there, hard-coded here);
values are checked against numpy, gradients against `jax.grad`. One graph and
one Session serve every case, fed once with a 2-D array and once with a 3-D
one, so the module compiles two programs.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tfgrad_jax as tf

v1 = tf.compat.v1
W = np.arange(12, dtype=np.float32).reshape(3, 4) / 10

# name -> (build(x, lr) with x: unknown rank float32 and lr: unknown rank (fed a
#          scalar), numpy reference(x, lr), the static shape TF 2.21 records)
CASES = {
    "add": (lambda x, lr: x * lr + 1.0, lambda x, lr: x * lr + 1, None),
    "reduce_all_axes": (lambda x, lr: tf.reduce_sum(tf.square(x)),
                        lambda x, lr: np.sum(x ** 2), ()),
    "mean_axis1": (lambda x, lr: tf.reduce_mean(x, axis=1), lambda x, lr: x.mean(1), None),
    "max_last_keepdims": (lambda x, lr: tf.reduce_max(x, axis=-1, keepdims=True),
                          lambda x, lr: x.max(-1, keepdims=True), None),
    "matmul": (lambda x, lr: tf.matmul(x, W), lambda x, lr: x @ W, None),
    "reshape": (lambda x, lr: tf.reshape(x, [-1, 3]), lambda x, lr: x.reshape(-1, 3),
                (None, 3)),
    "shape": (lambda x, lr: tf.shape(x), lambda x, lr: np.array(x.shape), (None,)),
    "size_rank": (lambda x, lr: tf.size(x) + tf.rank(x), lambda x, lr: x.size + x.ndim, ()),
    "zeros_of_shape": (lambda x, lr: tf.zeros(tf.shape(x)) + 2.0,
                       lambda x, lr: np.zeros(x.shape) + 2, None),
    "reshape_by_shape": (lambda x, lr: tf.reshape(x, [tf.shape(x)[0], -1]),
                         lambda x, lr: x.reshape(len(x), -1), (None, None)),
    "transpose": (lambda x, lr: tf.transpose(x), lambda x, lr: x.T, None),
    "concat_last": (lambda x, lr: tf.concat([x, x], axis=-1),
                    lambda x, lr: np.concatenate([x, x], -1), None),
    "softmax": (lambda x, lr: tf.nn.softmax(x),
                lambda x, lr: np.exp(x) / np.exp(x).sum(-1, keepdims=True), None),
    "argmax_last": (lambda x, lr: tf.argmax(x, axis=-1), lambda x, lr: x.argmax(-1), None),
    "expand_squeeze": (lambda x, lr: tf.squeeze(tf.expand_dims(x, 0)),
                       lambda x, lr: np.squeeze(x[None]), None),
    "slice": (lambda x, lr: x[1:, :2], lambda x, lr: x[1:, :2], None),
    "stack": (lambda x, lr: tf.stack([x, 2 * x], axis=1),
              lambda x, lr: np.stack([x, 2 * x], 1), None),
    "one_hot": (lambda x, lr: tf.one_hot(tf.cast(x > 0, tf.int32), 2),
                lambda x, lr: np.eye(2)[(x > 0).astype(int)], None),
    "cond": (lambda x, lr: tf.cond(lr > 0, lambda: x * 2.0, lambda: x),
             lambda x, lr: x * 2 if lr > 0 else x, None),
    "while": (lambda x, lr: tf.while_loop(lambda i, a: i < 3,
                                          lambda i, a: (i + 1, a * lr), [0, x])[1],
              lambda x, lr: x * lr ** 3, None),
}

# Gradients: name -> (loss(x, lr), the same loss in jax.numpy).
GRADIENTS = {
    "square": (lambda x, lr: tf.reduce_sum(tf.square(x) * lr),
               lambda x, lr: jnp.sum(x ** 2 * lr)),
    "matmul": (lambda x, lr: tf.reduce_sum(tf.matmul(x, W) ** 2),
               lambda x, lr: jnp.sum((x @ W) ** 2)),
    "softmax": (lambda x, lr: tf.reduce_sum(tf.nn.softmax(x) * x),
                lambda x, lr: jnp.sum(jax.nn.softmax(x) * x)),
}

FEEDS = {
    "2d": np.random.RandomState(0).randn(2, 3).astype(np.float32),
    "3d": np.random.RandomState(1).randn(4, 2, 3).astype(np.float32),
}
LR = np.float32(0.5)


@pytest.fixture(scope="module")
def built():
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, name="x")
        lr = v1.placeholder(tf.float32, shape=None, name="lr")
        outputs = {name: build(x, lr) for name, (build, _, _) in CASES.items()}
        # (zeros for lr where the loss does not use it: zeros_like of the fed value)
        grads = {name: tf.gradients(loss(x, lr), [x, lr], unconnected_gradients="zero")
                 for name, (loss, _) in GRADIENTS.items()}
    session = v1.Session(graph=graph)
    runs = {key: session.run((outputs, grads), {x: value, lr: LR})
            for key, value in FEEDS.items()}
    yield x, outputs, grads, runs
    session.close()


def test_placeholder_of_unknown_rank_records_unknown_rank(built):
    # TF: placeholder(tf.float32) has shape <unknown>; its rank is None.
    x = built[0]
    assert x.shape.rank is None and x.shape.dims is None
    assert str(x.shape) == "<unknown>"


@pytest.mark.parametrize("name", sorted(CASES))
def test_static_shapes_are_tfs(built, name):
    # TF 2.21 records these shapes for the same graph.
    expected = CASES[name][2]
    shape = built[1][name].shape
    if expected is None:
        assert shape.rank is None
    else:
        assert shape.as_list() == list(expected)


@pytest.mark.parametrize("feed", sorted(FEEDS))
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_for_each_fed_rank(built, name, feed):
    # TF runs the graph for whatever rank is fed: here a 2-D and a 3-D array.
    reference = CASES[name][1]
    got = built[3][feed][0][name]
    want = reference(FEEDS[feed], LR)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("feed", sorted(FEEDS))
@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradients_for_each_fed_rank(built, name, feed):
    # TF: tf.gradients of an unknown-rank x has unknown rank; fed, it is x's shape.
    grads = built[2][name]
    assert all(g.shape.rank is None for g in grads)
    got = built[3][feed][1][name]
    want = jax.grad(GRADIENTS[name][1], argnums=(0, 1))(FEEDS[feed], LR)
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_placeholder_with_default_of_unknown_rank():
    # TF: placeholder_with_default(input, shape=None) has unknown rank and may be fed
    # a value of another rank.
    graph = tf.Graph()
    with graph.as_default():
        p = v1.placeholder_with_default(tf.constant([1.0, 2.0]), shape=None)
        y = tf.reduce_sum(p * 2.0)
    assert p.shape.rank is None
    with v1.Session(graph=graph) as session:
        assert session.run(y) == 6.0
        assert session.run(y, {p: np.ones((2, 2), np.float32)}) == 8.0


def test_tensor_spec_of_unknown_rank_traces_once():
    # TF: input_signature=[TensorSpec(shape=None)] traces once; each call has its rank.
    traces = []

    @tf.function(input_signature=[tf.TensorSpec(shape=None, dtype=tf.float32)])
    def f(a):
        traces.append(a.shape)
        return tf.reduce_sum(a * a), tf.shape(a)

    total, shape = f(np.ones((2, 3), np.float32))
    assert total.numpy() == 6.0 and shape.numpy().tolist() == [2, 3]
    total, shape = f(np.arange(4, dtype=np.float32))
    assert total.numpy() == 14.0 and shape.numpy().tolist() == [4]
    assert len(traces) == 1 and traces[0].rank is None


def test_boolean_mask_needs_the_mask_rank():
    # TF's ValueError: a mask of unknown rank cannot be applied.
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32)
        with pytest.raises(ValueError, match="Number of mask dimensions must be specified"):
            tf.boolean_mask(x, x > 0)


def test_boolean_mask_of_unknown_rank_tensor():
    # TF: boolean_mask(x, mask) with x of unknown rank and a [None] mask runs.
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32)
        m = v1.placeholder(tf.bool, [None])
        y = tf.boolean_mask(x, m)
        (g,) = tf.gradients(tf.reduce_sum(y * y), x)
    value = np.arange(6, dtype=np.float32).reshape(3, 2)
    mask = np.array([True, False, True])
    with v1.Session(graph=graph) as session:
        got, grad = session.run((y, g), {x: value, m: mask})
    np.testing.assert_allclose(got, value[mask])
    np.testing.assert_allclose(grad, 2 * value * mask[:, None])


def test_cond_branches_with_unknown_dims_of_different_origins():
    # TF: tf.cond of two [None, 3] tensors (or [None, 3] and [2, 3]) records (None, 3) and
    # runs. XLA needs equal shapes when it runs: a mismatch then is a clear ValueError.
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, [None, 3])
        y = v1.placeholder(tf.float32, [None, 3])
        p = v1.placeholder(tf.bool, [])
        z = tf.cond(p, lambda: x * 2.0, lambda: y + 1.0)
        w = tf.cond(p, lambda: x, lambda: tf.zeros([2, 3]))
        gx, gy = tf.gradients(tf.reduce_sum(z), [x, y])
    assert z.shape.as_list() == [None, 3] and w.shape.as_list() == [None, 3]
    ones = np.ones((2, 3), np.float32)
    with v1.Session(graph=graph) as session:
        out = session.run([z, gx, gy], {x: ones, y: ones, p: False})
        np.testing.assert_allclose(out[0], 2 * ones)
        np.testing.assert_allclose(out[1], 0 * ones)
        np.testing.assert_allclose(out[2], ones)
        with pytest.raises(ValueError, match=r"output 0 with shapes \[2, 3\] and \[4, 3\]"):
            session.run(z, {x: ones, y: np.ones((4, 3), np.float32), p: True})
