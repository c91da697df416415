"""tf.GradientTape: eager recording, nesting, jacobians, custom gradients, in tf.function.

Values are compared with jax.grad / jax.jacrev / jax.hessian of the same computation;
TF behaviours (None for unwatched sources, reset, stop_recording, the non-persistent
RuntimeError, nested structures) were checked against TensorFlow 2.21.
"""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tfgrad_jax as tf

A = np.random.default_rng(0).normal(size=(4, 3))


def _loss(w, x):
    return jnp.sum(jnp.tanh(A @ w) * x)


def test_gradient_eagerly_matches_jax_grad():
    w = tf.Variable(np.linspace(-1.0, 1.0, 3))
    x = tf.constant(np.arange(4.0))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(tf.tanh(tf.linalg.matvec(tf.constant(A), w)) * x)
    gw, gx = tape.gradient(loss, [w, x])
    want_w, want_x = jax.grad(_loss, argnums=(0, 1))(np.linspace(-1.0, 1.0, 3), np.arange(4.0))
    np.testing.assert_allclose(np.asarray(gw), want_w, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(gx), want_x, rtol=1e-12)


def test_tape_semantics_match_tf():
    # TF 2.21: stop_recording hides ops; unwatched / non-trainable sources give None
    # ('zero' gives zeros); nested targets and sources keep their structure.
    x, y0 = tf.constant(3.0), tf.constant(2.0)
    v, w = tf.Variable(1.0), tf.Variable(2.0, trainable=False)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        a = x * x
        with tape.stop_recording():
            b = x * 5.0
        c = a + b + v * w
    assert [None if g is None else float(g) for g in tape.gradient(c, [x, v, w, y0])] == [
        6.0, 2.0, None, None]
    assert [v.name for v in tape.watched_variables()] == [v.name]
    assert tape.gradient(y0 * 2, x) is None
    assert float(tape.gradient(y0 * 2, x, unconnected_gradients="zero")) == 0.0
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = {"a": x * x, "b": [x * 2.0]}
    got = tape.gradient(y, {"k": x, "l": [x]})
    assert float(got["k"]) == 8.0 and float(got["l"][0]) == 8.0
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.stack([x * x, x * 3.0])
    assert float(tape.gradient(y, x, output_gradients=tf.constant([1.0, 10.0]))) == 36.0
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        z = x * 3.0
    assert tape.gradient(z + y, x) is None


def test_non_persistent_tape_raises_on_a_second_use():
    # TF 2.21's RuntimeError text (also for a tape never entered).
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 6.0
    message = re.escape("A non-persistent GradientTape can only be used to compute one set "
                        "of gradients (or jacobians)")
    with pytest.raises(RuntimeError, match=message):
        tape.gradient(y, x)
    with pytest.raises(RuntimeError, match=message):
        tf.GradientTape().gradient(x, x)


def test_nested_tapes_give_higher_order_derivatives():
    def f(c):
        return jnp.sin(c) * c ** 3

    c = tf.constant(0.7, tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(c)
        with tf.GradientTape() as inner:
            inner.watch(c)
            y = tf.sin(c) * c ** 3
        g = inner.gradient(y, c)
    gg = outer.gradient(g, c)
    assert float(g) == pytest.approx(float(jax.grad(f)(0.7)), rel=1e-12)
    assert float(gg) == pytest.approx(float(jax.grad(jax.grad(f))(0.7)), rel=1e-12)


def test_jacobian_and_batch_jacobian_match_jax():
    w0 = np.linspace(-1.0, 1.0, 6).reshape(3, 2)
    x0 = np.arange(6.0).reshape(2, 3) / 10.0
    w = tf.Variable(w0)
    x = tf.constant(x0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        out = tf.tanh(tf.matmul(x, w))
    jac = tape.jacobian(out, w)
    want = jax.jacrev(lambda W: jnp.tanh(x0 @ W))(w0)
    assert jac.shape == [2, 2, 3, 2]
    np.testing.assert_allclose(np.asarray(jac), want, rtol=1e-12)
    batch = tape.batch_jacobian(out, x)
    full = jax.jacrev(lambda X: jnp.tanh(X @ w0))(x0)
    np.testing.assert_allclose(np.asarray(batch), np.stack([full[b, :, b, :] for b in range(2)]),
                               rtol=1e-12)
    assert tape.jacobian(out, tf.constant(1.0)) is None


def test_hessians_are_one_vectorised_pullback():
    # tf.hessians of sum(tanh(A x)) against jax.hessian; the graph holds one gradient op
    # for the Jacobian of the gradient, not one per element.
    a = np.random.default_rng(1).normal(size=(8, 8))

    @tf.function
    def hess(x):
        return tf.hessians(tf.reduce_sum(tf.tanh(tf.linalg.matvec(tf.constant(a), x))), x)[0]

    x = np.linspace(-1.0, 1.0, 8)
    want = jax.hessian(lambda v: jnp.sum(jnp.tanh(a @ v)))(x)
    np.testing.assert_allclose(np.asarray(hess(x)), want, rtol=1e-10, atol=1e-12)
    ops = hess.get_concrete_function(x).graph.get_operations()
    assert sum(op.type == "SymbolicGradient" for op in ops) == 2


def test_tape_inside_tf_function_and_a_training_step():
    w = tf.Variable([[1.0, -1.0]])

    @tf.function
    def grad_of_square(a):
        with tf.GradientTape() as tape:
            tape.watch(a)
            b = a * a
        return tape.gradient(b, a)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((w * x) ** 2)
        w.assign_sub(0.1 * tape.gradient(loss, w))
        return loss

    assert float(grad_of_square(tf.constant(3.0))) == 6.0
    assert float(step(tf.constant(1.0))) == 2.0
    np.testing.assert_allclose(w.numpy(), [[0.8, -0.8]])

    @tf.function
    def outside(a):
        b = a * a  # computed before the tape: not recorded
        with tf.GradientTape() as tape:
            tape.watch(a)
            c = b * 2.0
        return tape.gradient(c, a)

    assert outside(tf.constant(3.0)) is None


def test_custom_gradient_eagerly_with_variables():
    # TF: eagerly too, grad_fn replaces the forward ops' gradient; with `variables=`,
    # grad_fn gets the variables f read and returns their gradients.
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))

        return tf.math.log(1 + e), grad

    x = tf.constant(100.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    assert float(tape.gradient(y, x)) == 1.0
    v = tf.Variable(2.0)

    @tf.custom_gradient
    def scaled(u):
        def grad(dy, variables=None):
            assert [var.name for var in variables] == [v.name]
            return dy * 10.0, [dy * 100.0]

        return u * v, grad

    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scaled(x)
    assert [float(g) for g in tape.gradient(y, [x, v])] == [10.0, 100.0]
    graph_grads = tf.function(lambda a: tf.gradients(scaled(a), [a, v]))(tf.constant(3.0))
    assert [float(g) for g in graph_grads] == [10.0, 100.0]
