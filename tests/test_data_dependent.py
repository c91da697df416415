"""Ops whose output sizes depend on the data, inside graphs (issue #10).

tf.unique, tf.where(c), tf.boolean_mask with a run-time mask,
tf.dynamic_partition and tf.range with a run-time limit run in tf.function and
Session.run as TF runs them: the
program runs in compiled segments with these ops in between, on the host
(`framework.lowering`). Values against numpy for two input sizes each (the
second size recompiles the segments after the op), gradients against
jax.grad, TF's LookupError for Unique.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax.framework.program import Program

v1 = tf.compat.v1
SIZES = (5, 8)


def _np_unique(x):
    _, first, inverse = np.unique(x, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return [x[np.sort(first)], rank[inverse.reshape(-1)].astype(np.int32)]


def _np_partition(x, p, n):
    return [x[p == i] for i in range(n)]


# name: (fn of tensors, reference of arrays, inputs for a size n). The mask and the
# partitions are computed inside the graph from run-time values.
CASES = {
    "where": (lambda x: tf.where(x > 0), lambda x: np.argwhere(x > 0),
              lambda n: [np.linspace(-1, 1, n * 2).reshape(n, 2)]),
    "unique": (lambda x: list(tf.unique(x)), lambda x: _np_unique(x),
               lambda n: [np.arange(n, dtype=np.int32) % 3 * 7]),
    "boolean_mask": (lambda x, m: tf.boolean_mask(x, m > 0.0),
                     lambda x, m: x[m > 0],
                     lambda n: [np.arange(n * 3.).reshape(n, 3), np.cos(np.arange(n))]),
    "boolean_mask_axis1": (lambda x, m: tf.boolean_mask(x, m > 0.0, axis=1),
                           lambda x, m: x[:, m > 0],
                           lambda n: [np.arange(n * 2.).reshape(2, n), np.sin(np.arange(n))]),
    # A shape-like argument computed from values (G's `static_attrs`) runs on the host too.
    "range": (lambda m: tf.range(tf.reduce_sum(tf.cast(m > 0.0, tf.int32))),
              lambda m: np.arange((m > 0).sum()),
              lambda n: [np.cos(np.arange(n))]),
    "reshape_by_values": (lambda x, m: tf.reshape(
        x, [tf.reduce_sum(tf.cast(m > 0.0, tf.int32)), -1]),
                          lambda x, m: x.reshape((m > 0).sum(), -1),
                          lambda n: [np.arange(n * 6.), np.r_[np.ones(3), -np.ones(n - 3)]]),
    "dynamic_partition": (
        lambda x, p: tf.dynamic_partition(x, tf.cast(p, tf.int32), 3),
        lambda x, p: _np_partition(x, p.astype(np.int32), 3),
        lambda n: [np.arange(n * 2.).reshape(n, 2), np.arange(n) * 7 % 3]),
}


def _check(got, want):
    got = got if isinstance(got, (list, tuple)) else [got]
    want = want if isinstance(want, list) else [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g = np.asarray(g)
        assert g.shape == np.shape(w)
        np.testing.assert_allclose(g, w)


@pytest.mark.parametrize("name", sorted(CASES))
def test_tf_function_runs_data_dependent_ops(name):
    fn, ref, inputs = CASES[name]
    f = tf.function(fn)
    for n in SIZES:
        args = inputs(n)
        _check(f(*args), ref(*args))


@pytest.mark.parametrize("name", sorted(CASES))
def test_session_run_runs_data_dependent_ops(name):
    fn, ref, inputs = CASES[name]
    with tf.Graph().as_default():
        # None for the dims that change between the two sizes.
        phs = [v1.placeholder(tf.as_dtype(a.dtype), [d if d == e else None
                                                     for d, e in zip(a.shape, b.shape)])
               for a, b in zip(inputs(SIZES[0]), inputs(SIZES[1]))]
        out = fn(*phs)
        with v1.Session() as sess:
            for n in SIZES:
                args = inputs(n)
                _check(sess.run(out, dict(zip(phs, args))), ref(*args))


def test_graph_records_unknown_sizes_as_tf():
    @tf.function
    def f(x, p):
        w = tf.where(x > 0)
        u = tf.unique(p)
        y = tf.boolean_mask(x, x[:, 0] > 0)
        parts = tf.dynamic_partition(x, p, 2)
        assert w.shape.as_list() == [None, 2] and w.dtype == tf.int64
        assert u.y.shape.as_list() == [None] and u.idx.shape.as_list() == [4]
        assert y.shape.as_list() == [None, 3]
        assert [t.shape.as_list() for t in parts] == [[None, 3], [None, 3]]
        return w

    f(np.ones((4, 3)), np.array([0, 1, 1, 0], np.int32))
    ops = f.get_concrete_function(np.ones((4, 3)), np.array([0, 1, 1, 0], np.int32)).graph
    types = {op.type for op in ops.get_operations()}
    assert {"Where", "Unique", "DynamicPartition", "GatherV2"} <= types


def test_segments_chain_and_input_signature():
    """Several boundaries in a row; None dims in the signature; one compile per shapes."""
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        y = tf.boolean_mask(x, x > 0.0)           # boundary 1
        u = tf.unique(tf.cast(tf.round(y), tf.int32))  # boundary 2
        return tf.reduce_sum(tf.cast(u.y, tf.float32)) + tf.cast(tf.size(u.idx), tf.float32)

    for x in ([1.2, -3.0, 2.0, 1.0], [0.5, 2.2, -1.0, 5.0, 5.0, 2.0, -7.0]):
        x = np.asarray(x, np.float32)
        kept = np.round(x[x > 0]).astype(np.int32)
        np.testing.assert_allclose(f(x), np.unique(kept).sum() + kept.size)


def test_shapes_of_data_dependent_results_are_static_in_the_next_segment():
    """tf.shape of a masked result is a constant where the next segment is compiled, so
    a reshape by it (and its gradient) compiles; constants are copied into each segment."""
    @tf.function
    def f(x, m):
        y = tf.boolean_mask(x, m)
        z = tf.reshape(y, [tf.shape(y)[0], 1]) * 2.0
        return z, tf.gradients(tf.reduce_sum(z * z), x)[0], tf.constant(7)

    for n in SIZES:
        x, m = np.arange(1.0, n + 1.0), np.arange(n) % 3 != 1
        z, g, c = f(x, m)
        np.testing.assert_allclose(z, 2.0 * x[m][:, None])
        np.testing.assert_allclose(g, 8.0 * x * m)
        assert int(c) == 7


def test_fast_path_unchanged_without_data_dependent_ops():
    @tf.function
    def f(x):
        return tf.reduce_sum(x * x)

    g = tf.function(lambda x: tf.reduce_sum(tf.boolean_mask(x, x > 0.0)))
    cf, cg = f.get_concrete_function(np.ones(3)), g.get_concrete_function(np.ones(3))
    assert cf._program._segments is None and cg._program._segments is not None
    assert "reduce_sum" in str(cf.as_jaxpr()) or "reduce" in str(cf.as_jaxpr())
    with pytest.raises(NotImplementedError, match="segments"):
        cg.as_hlo_text()


def test_gradient_through_boolean_mask_matches_jax():
    def loss_ref(x, m):  # m: the true rows (known here), so that jax.jit compiles it
        return jnp.sum(jnp.sin(x[np.flatnonzero(m)]) * 2.0)

    @tf.function
    def f(x, w):
        y = tf.boolean_mask(x * w, x[:, 0] > 0.0)
        loss = tf.reduce_sum(tf.sin(y) * 2.0)
        return loss, tf.gradients(loss, [x, w])

    for n in SIZES:
        x = np.cos(np.arange(n * 2.)).reshape(n, 2)
        w = np.linspace(0.5, 1.5, 2)
        mask = x[:, 0] > 0
        loss, (gx, gw) = f(x, w)
        want = jax.jit(jax.grad(lambda a, b: loss_ref(a * b, mask), argnums=(0, 1)))(x, w)
        np.testing.assert_allclose(loss, loss_ref(x * w, mask))
        np.testing.assert_allclose(gx, want[0], rtol=1e-6)
        np.testing.assert_allclose(gw, want[1], rtol=1e-6)


def test_gradient_through_dynamic_partition_and_gather_matches_jax():
    @tf.function
    def f(x, p):
        a, b = tf.dynamic_partition(x, p, 2)
        picked = tf.gather(b, tf.where(tf.reduce_sum(b, axis=1) > 1.0)[:, 0])
        loss = tf.reduce_sum(a * a) + 3.0 * tf.reduce_sum(picked)
        return loss, tf.gradients(loss, x)[0]

    for n in SIZES:
        x = np.arange(n * 2.).reshape(n, 2) / n
        p = (np.arange(n) % 2).astype(np.int32)

        keep_rows = x[p == 1].sum(1) > 1.0  # the masks, known from the values

        def ref(x):
            return (jnp.sum(x[np.flatnonzero(p == 0)] ** 2)
                    + 3.0 * jnp.sum(x[np.flatnonzero(p == 1)][np.flatnonzero(keep_rows)]))

        loss, gx = f(x, p)
        want_loss = ref(x)
        np.testing.assert_allclose(loss, want_loss)
        np.testing.assert_allclose(gx, jax.jit(jax.grad(ref))(x))


def test_gradient_through_unique_is_lookup_error_as_tf():
    @tf.function
    def f(x):
        return tf.gradients(tf.reduce_sum(tf.unique(x).y), x)

    with pytest.raises(LookupError, match="No gradient defined for operation 'Unique'"):
        f(np.array([1.0, 2.0, 1.0]))
    # Its int output is a constant: a gather by it is differentiated (as TF).
    g = tf.function(lambda x: tf.gradients(tf.reduce_sum(tf.gather(x, tf.unique(x).idx)), x))
    (grad,) = g(np.array([1.0, 2.0, 1.0]))
    np.testing.assert_allclose(tf.convert_to_tensor(grad), [2.0, 1.0, 0.0])


def test_session_trains_on_masked_rows():
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, [None, 2])
        w = tf.Variable([[1.0], [-1.0]])
        y = tf.matmul(x, w)[:, 0]
        loss = tf.reduce_sum(tf.square(tf.boolean_mask(y, y > 0.0)))
        step = v1.train.GradientDescentOptimizer(0.1).minimize(loss)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            xv = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]], np.float32)
            before = sess.run(loss, {x: xv})
            sess.run(step, {x: xv})
            after = sess.run(loss, {x: xv})
    assert before == pytest.approx(1.0 + 1.0) and after < before


def test_nested_function_and_cond_holding_one_run_on_the_host_in_segments():
    @tf.function
    def inner(x):
        return tf.boolean_mask(x, x > 0.0)

    @tf.function
    def f(x):
        y = inner(x) * 2.0
        return y, tf.cond(x[0] > 0, lambda: tf.reduce_sum(tf.boolean_mask(x, x > 1.0)),
                          lambda: tf.constant(-1.0))

    for x in ([1.0, -1.0, 3.0], [-1.0, 2.0, 0.5, 4.0]):
        x = np.asarray(x, np.float32)
        y, c = f(x)
        np.testing.assert_allclose(y, 2.0 * x[x > 0])
        assert float(c) == (x[x > 1].sum() if x[0] > 0 else -1.0)


def test_data_dependent_op_in_a_loop_body_is_not_split_out():
    @tf.function
    def f(x):
        def body(i, acc):
            return i + 1, acc + tf.reduce_sum(tf.boolean_mask(x, x > tf.cast(i, tf.float32)))
        return tf.while_loop(lambda i, a: i < 3, body, [tf.constant(0), tf.constant(0.0)])

    with pytest.raises(NotImplementedError, match="between compiled segments"):
        f(np.array([1.0, -1.0], np.float32))


def test_dynamic_partition_errors_and_eager():
    parts = tf.dynamic_partition(tf.constant([1.0, 2.0, 3.0]), tf.constant([1, 0, 1]), 2)
    np.testing.assert_allclose(parts[1], [1.0, 3.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"partitions\[1\] = 5 is not in"):
        tf.function(lambda x, p: tf.dynamic_partition(x, p, 2))(
            np.array([1.0, 2.0, 3.0]), np.array([0, 5, 1], np.int32))


def test_list_ops_marks_data_dependent_ops():
    ops = {op.type: op for op in tf.list_ops()}
    assert {t for t, op in ops.items() if op.data_dependent} >= {
        "Where", "Unique", "DynamicPartition"}
    assert not ops["GatherV2"].data_dependent
    assert "data" in [line for line in str(tf.list_ops()).splitlines()
                      if line.startswith("Unique ")][0]


def test_program_without_the_flag_is_one_jit():
    assert Program(lambda x: [x])._segments is None
