"""tf.Variable eagerly, in tf.function (an input, never a constant; assignments written
back in program order, also from branches and loop bodies) and in TF-1 graphs.

TF behaviours mirrored were checked against TensorFlow 2.21; each test says which.
"""

import logging
import re

import numpy as np
import pytest

import tfgrad_jax as tf


# ---------------------------------------------------------------------------
# Eagerly.

def test_eager_variable_basics_match_tf():
    # TF 2.21: names, repr, assignment results, operators.
    v = tf.Variable(1.0)
    w = tf.Variable([1.0, 2.0], name="w")
    assert (v.name, w.name, tf.Variable(3, name="w").name) == ("Variable:0", "w:0", "w:0")
    assert repr(w) == ("<tf.Variable 'w:0' shape=(2,) dtype=float32, "
                       "numpy=array([1., 2.], dtype=float32)>")
    assert v.assign(3.0) is v and float(v) == 3.0
    v.assign_add(1.0)
    v.assign_sub(0.5)
    assert float(v.numpy()) == 3.5
    np.testing.assert_array_equal(np.asarray(w * 2.0 + 1.0), [3.0, 5.0])
    np.testing.assert_array_equal(np.asarray(-w), [-1.0, -2.0])
    assert float(w[1]) == 2.0 and w.shape == [2] and w.dtype is tf.float32
    u = tf.Variable([1.0, 2.0, 3.0])
    u.scatter_update(tf.IndexedSlices(tf.constant([9.0]), tf.constant([1])))
    np.testing.assert_array_equal(u.numpy(), [1.0, 9.0, 3.0])
    assert tf.Variable(1, dtype=tf.float32).dtype is tf.float32
    assert tf.Variable(lambda: tf.ones([2])).shape == [2]
    assert tf.Variable(1.0, trainable=False).trainable is False


def test_eager_variable_errors_match_tf():
    w = tf.Variable([1.0, 2.0], name="w")
    with pytest.raises(ValueError, match=re.escape(
            "Cannot assign value to variable ' w:0': Shape mismatch.The variable shape (2,), "
            "and the assigned value shape (3,) are incompatible.")):
        w.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Tensor conversion requested dtype float32 for "
                                         "Tensor with dtype int32"):
        w.assign(tf.constant([1, 2]))
    with pytest.raises(TypeError, match="Cannot convert 1.0 to EagerTensor of dtype int32"):
        tf.Variable(1.0, dtype=tf.int32)
    with pytest.raises(TypeError, match="Variable is unhashable"):
        hash(w)
    assert {w.ref(): 1}[w.ref()] == 1


def test_variables_take_eager_name_scopes_as_tf():
    # TF 2.21: eager scopes nest as given and are never made unique.
    with tf.name_scope("foo"):
        v = tf.Variable(1.0)
        with tf.name_scope("bar"):
            w = tf.Variable(1.0, name="w")
        with tf.name_scope("foo"):
            u = tf.Variable(1.0)
    with tf.name_scope("foo/"):
        z = tf.Variable(1.0)
    assert [t.name for t in (v, w, u, z)] == ["foo/Variable:0", "foo/bar/w:0",
                                              "foo/foo/Variable:0", "foo/Variable:0"]


# ---------------------------------------------------------------------------
# In tf.function.

def test_a_variable_is_an_input_and_its_assignments_are_outputs():
    v = tf.Variable(123.456)

    @tf.function
    def step(x):
        v.assign_add(x)
        return v.read_value() * 2.0

    assert float(step(tf.constant(1.0))) == pytest.approx(248.912, rel=1e-6)
    assert float(v.numpy()) == pytest.approx(124.456)
    jaxpr = step.get_concrete_function(tf.constant(1.0)).as_jaxpr()
    # Two inputs (x and the variable), two outputs (the result and v's new value), and
    # the value nowhere as a constant.
    assert len(jaxpr.jaxpr.invars) == 2 and len(jaxpr.jaxpr.outvars) == 2
    text = str(jaxpr)
    assert "123.4" not in text and "124.4" not in text and not jaxpr.consts
    v.assign(0.0)  # a new value is seen without retracing
    assert float(step(tf.constant(1.0))) == 2.0
    assert step.experimental_get_tracing_count() == 1


def test_two_functions_sharing_a_variable_see_each_others_updates():
    v = tf.Variable(0.0)
    add = tf.function(lambda x: v.assign_add(x).read_value())
    double = tf.function(lambda: v.assign(v * 2.0).read_value())
    add(tf.constant(1.0))
    assert float(double()) == 2.0
    assert float(add(tf.constant(3.0))) == 5.0
    assert float(v.numpy()) == 5.0


def test_variable_arguments_key_the_trace_by_spec_as_tf():
    # TF 2.21: two variables of one dtype and shape share a trace; each is updated.
    @tf.function
    def f(var, x):
        var.assign_add(x)
        return var.read_value()

    a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable([1.0, 2.0])
    assert float(f(a, 1.0)) == 2.0 and float(f(b, 1.0)) == 3.0
    assert f.experimental_get_tracing_count() == 1
    assert (float(a.numpy()), float(b.numpy())) == (2.0, 3.0)
    np.testing.assert_array_equal(np.asarray(f(c, [1.0, 1.0])), [2.0, 3.0])
    assert f.experimental_get_tracing_count() == 2


def test_singleton_variable_creation_rule_as_tf():
    # TF 2.21: created on the first call only -> traced twice, works; created on
    # every call -> ValueError on the first call.
    class Model:
        def __init__(self):
            self.w = None

        @tf.function
        def __call__(self, x):
            if self.w is None:
                self.w = tf.Variable(x * 2.0)  # its initial value needs the argument
            self.w.assign_add(1.0)
            return self.w * x

    m = Model()
    assert float(m(tf.constant(3.0))) == 21.0 and float(m.w.numpy()) == 7.0
    assert float(m(tf.constant(3.0))) == 24.0 and float(m.w.numpy()) == 8.0
    assert Model.__call__.__get__(m, Model).experimental_get_tracing_count() == 2

    @tf.function
    def every_call(x):
        return tf.Variable(1.0) + x

    with pytest.raises(ValueError, match="tf.function only supports singleton tf.Variables "
                                         "created on the first call"):
        every_call(tf.constant(1.0))


def test_assignments_in_branches_loops_and_nested_functions():
    v = tf.Variable(1.0)
    w = tf.Variable([1.0, 2.0])

    @tf.function
    def inner(s):
        w.assign(w * s)

    @tf.function
    def f(x, n):
        def grow():
            v.assign_add(x)

        def scale():
            inner(tf.constant(2.0))

        tf.cond(x > 0, grow, scale)

        def body(i, acc):
            v.assign(v * 2.0)
            return i + 1, acc + v

        return tf.while_loop(lambda i, acc: i < n, body, [0, tf.constant(0.0)])[1]

    assert float(f(tf.constant(1.0), tf.constant(3))) == 28.0  # v: 2 -> 4, 8, 16
    assert float(v.numpy()) == 16.0
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    assert float(f(tf.constant(-1.0), tf.constant(2))) == 96.0  # v: 32, 64
    np.testing.assert_array_equal(w.numpy(), [2.0, 4.0])


def test_gradients_with_respect_to_variables_sum_over_reads():
    # TF 2.21: d/dx of (x*x + x) with an assignment between the reads is 5 at x=2; a
    # gathered variable gives IndexedSlices; a variable read in a loop body connects.
    x = tf.Variable(2.0)
    e = tf.Variable(np.arange(6.0).reshape(3, 2))
    v = tf.Variable(1.5)

    @tf.function
    def f():
        y = x * x
        x.assign(5.0)
        g_x = tf.gradients(y + x, x)[0]
        g_e = tf.gradients(tf.reduce_sum(tf.gather(e, [0, 2])), e)[0]
        loop = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * v),
                             [0, tf.constant(1.0)])[1]
        return g_x, g_e, tf.gradients(loop, v)[0]

    g_x, g_e, g_v = f()
    assert float(g_x) == 5.0
    assert isinstance(g_e, tf.IndexedSlices)
    np.testing.assert_array_equal(np.asarray(g_e.indices), [0, 2])
    assert float(g_v) == pytest.approx(3 * 1.5 ** 2)


def test_regression_with_tf_gradients_and_assign_sub_reaches_least_squares():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    Y = X @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.01 * rng.normal(size=64)
    w = tf.Variable(np.zeros(3))
    b = tf.Variable(0.0, dtype=tf.float64)

    @tf.function
    def step(x, y):
        loss = tf.reduce_mean((tf.linalg.matvec(x, w) + b - y) ** 2)
        gw, gb = tf.gradients(loss, [w, b])
        w.assign_sub(0.2 * gw)
        b.assign_sub(0.2 * gb)
        return loss

    for _ in range(400):
        step(X, Y)
    design = np.hstack([X, np.ones((64, 1))])
    solution = np.linalg.lstsq(design, Y, rcond=None)[0]
    np.testing.assert_allclose(np.append(w.numpy(), b.numpy()), solution, atol=1e-4)
    assert step.experimental_get_tracing_count() == 1


# ---------------------------------------------------------------------------
# TF-1 graphs.

def test_tf1_variables_initializers_and_session_state():
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable(np.zeros(2, np.float32), name="w")
        b = tf.Variable(0.0, name="b")
        x = tf.compat.v1.placeholder(tf.float32, [16, 2])
        y = tf.compat.v1.placeholder(tf.float32, [16])
        loss = tf.reduce_mean((tf.reduce_sum(x * w, axis=1) + b - y) ** 2)
        gw, gb = tf.gradients(loss, [w, b])
        train = tf.group(w.assign_sub(0.1 * gw), b.assign_sub(0.1 * gb))
        assert [v.name for v in g.get_collection("trainable_variables")] == ["w:0", "b:0"]
        rng = np.random.default_rng(1)
        X = rng.normal(size=(16, 2)).astype(np.float32)
        Y = X @ np.array([2.0, -1.0], np.float32) + 0.5
        with tf.compat.v1.Session() as sess:
            # TF-1: reading before initialization is a FailedPreconditionError.
            with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized"):
                sess.run(loss, {x: X, y: Y})
            sess.run([w.initializer, b.initializer])
            first, _ = sess.run([loss, train], {x: X, y: Y})
            # The loss of a run that also trains sees the values from the run's start.
            assert first == pytest.approx(float(np.mean(Y ** 2)), rel=1e-5)
            for _ in range(300):
                sess.run(train, {x: X, y: Y})
            np.testing.assert_allclose(sess.run(w), [2.0, -1.0], atol=1e-3)
            assert sess.run(b) == pytest.approx(0.5, abs=1e-3)
        with tf.compat.v1.Session() as other:  # each session holds its own state
            other.run(w.initializer)
            np.testing.assert_array_equal(other.run(w), [0.0, 0.0])


# ---------------------------------------------------------------------------
# Switches and warnings.

def test_run_functions_eagerly_and_the_retracing_warning(caplog):
    seen = []

    @tf.function
    def f(x):
        seen.append(tf.executing_eagerly())
        return x * 2

    tf.config.run_functions_eagerly(True)
    try:
        assert float(f(tf.constant(1.0))) == 2.0 and seen == [True]
    finally:
        tf.config.run_functions_eagerly(False)
    assert not tf.config.functions_run_eagerly()
    # TF 2.21: "5 out of the last 5 calls to <function ...> triggered tf.function
    # retracing", at most twice per Python function.
    with caplog.at_level(logging.WARNING, logger="tfgrad_jax"):
        for i in range(8):
            f(tf.constant([1.0] * (i + 1)))
    warnings = [r.getMessage() for r in caplog.records if "retracing" in r.getMessage()]
    assert len(warnings) == 2
    assert warnings[0].startswith("5 out of the last 5 calls to <function")
    assert "triggered tf.function retracing. Tracing is expensive" in warnings[0]


def test_scatter_updates_eagerly_and_in_a_function():
    # TF: scatter_update/add/sub change the rows at the IndexedSlices' indices.
    v = tf.Variable([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    rows = tf.IndexedSlices(tf.constant([[10.0, 20.0]]), tf.constant([2]))

    @tf.function
    def update():
        v.scatter_add(rows)
        v.scatter_sub(tf.IndexedSlices(tf.constant([[1.0, 1.0]]), tf.constant([0])))
        return v.scatter_update(tf.IndexedSlices(tf.constant([[7.0, 7.0]]), tf.constant([1])))

    np.testing.assert_array_equal(np.asarray(update()), [[0, 0], [7, 7], [13, 23]])
    v.scatter_sub(rows)
    np.testing.assert_array_equal(v.numpy(), [[0, 0], [7, 7], [3, 3]])
