"""The JAX bridge (issue #12): `to_jax` (our graphs as JAX functions, with TF's
gradient rules under JAX's reverse mode) and `from_jax` (a JAX function as an op)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tfgrad_jax as tf

X = np.random.RandomState(0).randn(4, 3).astype(np.float32)
W = np.random.RandomState(1).randn(3, 2).astype(np.float32)


@tf.function
def _model(x, w):
    return tf.reduce_sum(tf.tanh(tf.matmul(x, w)) ** 2)


def _model_ref(x, w):
    return jnp.sum(jnp.tanh(x @ w) ** 2)


@pytest.fixture(scope="module")
def model():
    return tf.to_jax(_model)


def close(a, b, tol=1e-4):
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=tol, atol=tol)


@pytest.mark.parametrize("transform", ["call", "jit", "grad", "vmap", "jvp", "jacfwd",
                                       "jacrev", "hessian", "grad_of_vmap"])
def test_every_jax_transformation(model, transform):
    apply = {
        "call": lambda f: f(X, W),
        "jit": lambda f: jax.jit(f)(X, W),
        "grad": lambda f: jax.grad(f, argnums=(0, 1))(X, W),
        "vmap": lambda f: jax.vmap(f, in_axes=(0, None))(np.stack([X, 2 * X]), W),
        "jvp": lambda f: jax.jvp(lambda x: f(x, W), (X,), (X,)),
        "jacfwd": lambda f: jax.jacfwd(f, argnums=1)(X, W),
        "jacrev": lambda f: jax.jacrev(f, argnums=1)(X, W),
        "hessian": lambda f: jax.hessian(lambda w: f(X, w))(W),
        "grad_of_vmap": lambda f: jax.grad(
            lambda w: jnp.sum(jax.vmap(f, in_axes=(0, None))(np.stack([X, -X]), w)))(W),
    }[transform]
    close(apply(model), apply(_model_ref), tol=1e-3)


@tf.RegisterGradient("TestInteropHalfSquare")
def _half_square_gradient(op, grad):
    return grad * op.inputs[0]


@tf.function
def _overridden(x):
    with tf.compat.v1.get_default_graph().gradient_override_map(
            {"Square": "TestInteropHalfSquare"}):
        return tf.reduce_sum(tf.square(x))


def test_registered_gradient_applies_in_reverse_mode():
    # Reverse mode transposes with tf.gradients: the override gives x, not 2x. Forward
    # mode has no TF rule to use: JAX's derivative, 2x.
    f = tf.to_jax(_overridden)
    x = np.array([1.0, 2.0], np.float32)
    close(jax.grad(f)(x), x)
    close(jax.jvp(f, (x,), (np.ones(2, np.float32),))[1], 2 * x.sum())


def test_tf_rule_at_a_kink_in_reverse_mode():
    # TF: d|x|/dx at 0 is sign(0) = 0.
    f = tf.to_jax(tf.function(lambda x: tf.reduce_sum(tf.abs(x))))
    close(jax.grad(f)(np.array([0.0, -2.0], np.float32)), np.array([0.0, -1.0]))


def test_concrete_function_keeps_its_output_structure():
    concrete = tf.function(lambda x: {"double": 2 * x, "pair": (x, x + 1)}).get_concrete_function(
        tf.TensorSpec([2], tf.float32))
    out = tf.to_jax(concrete)(np.array([1.0, 2.0], np.float32))
    close(out["double"], np.array([2.0, 4.0]))
    close(out["pair"][1], np.array([2.0, 3.0]))


def test_tf1_graph_with_named_inputs_and_outputs():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None], name="x")
        tf.identity(tf.reduce_sum(tf.exp(x) * 3.0), name="y")
    f = tf.to_jax(graph, inputs=["x:0"], outputs=["y"])
    value = np.array([0.0, 1.0], np.float32)
    close(f(value)[0], 3 * np.exp(value).sum())
    close(jax.grad(lambda v: f(v)[0])(value), 3 * np.exp(value))


def test_from_jax_in_a_graph_and_eagerly():
    fn = tf.from_jax(lambda a, b: (jnp.sin(a) * b, a + b))

    @tf.function
    def grads(a, b):
        u, v = fn(a, b)
        assert u.shape == () and u.dtype == tf.float32  # from jax.eval_shape
        return tf.gradients(u + v, [a, b])

    ga, gb = grads(np.float32(0.5), np.float32(2.0))
    close([ga, gb], [2 * np.cos(0.5) + 1, np.sin(0.5) + 1])
    u, v = fn(tf.constant(1.0), tf.constant(2.0))
    close([u.numpy(), v.numpy()], [2 * np.sin(1.0), 3.0])


def test_bad_input_errors():
    with pytest.raises(TypeError, match="expected a tf.function, a ConcreteFunction or a "
                                        "tf.Graph, got int"):
        tf.to_jax(42)
    with pytest.raises(ValueError, match="give `inputs` and `outputs`"):
        tf.to_jax(tf.Graph())
    graph = tf.Graph()
    with graph.as_default():
        tf.constant(1.0, name="c")
    with pytest.raises(ValueError, match="`outputs` names 'nope:0'"):
        tf.to_jax(graph, inputs=[], outputs=["nope:0"])
    with pytest.raises(TypeError, match="from_jax: expected a JAX function"):
        tf.from_jax(3)
