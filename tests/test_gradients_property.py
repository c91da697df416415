"""Property test: tf.gradients on random graphs equals jax.grad and finite differences.

Hypothesis draws random DAGs over the op library (float64), random ys, random
xs (inputs and intermediate nodes, some unconnected) and random
stop_gradients. Three independent answers must agree:
  * tfgrad_jax: `tf.gradients` inside `tf.function`;
  * JAX: the same DAG written with jax.numpy, a zero probe added at each x,
    `lax.stop_gradient` at each stopped node, differentiated with `jax.grad`;
  * numpy: central finite differences of the same DAG, with stopped nodes
    frozen at their values (that is what "held constant" means).
Which xs get None is checked against a plain reachability walk of the DAG.
"""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tfgrad_jax as tf

SHAPE = (2, 3)

# name -> (arity, tfgrad_jax version, array-module version: f(m, *args)), differentiable?
OPS = {
    "add": (2, lambda a, b: a + b, lambda m, a, b: a + b, True),
    "sub": (2, lambda a, b: tf.subtract(a, b), lambda m, a, b: a - b, True),
    "mul": (2, lambda a, b: a * b, lambda m, a, b: a * b, True),
    "safe_div": (2, lambda a, b: a / (b * b + 1.0), lambda m, a, b: a / (b * b + 1.0), True),
    # TF's Maximum gradient gives a tie to x (x >= y), as this `where` does; JAX's maximum
    # splits it (maximum(x0, x0) and its kin tie everywhere).
    "maximum": (2, tf.maximum, lambda m, a, b: m.where(a >= b, a, b), True),
    "sin": (1, tf.sin, lambda m, a: m.sin(a), True),
    "tanh": (1, tf.tanh, lambda m, a: m.tanh(a), True),
    "square": (1, tf.square, lambda m, a: a * a, True),
    "sigmoid": (1, tf.sigmoid, lambda m, a: 1 / (1 + m.exp(-a)), True),
    "softplus_like": (1, lambda a: tf.math.log(tf.exp(a) + 1.0),
                      lambda m, a: m.log(m.exp(a) + 1.0), True),
    "row_sum": (1, lambda a: tf.reduce_sum(a, axis=1, keepdims=True) + a * 0.5,
                lambda m, a: m.sum(a, axis=1, keepdims=True) + a * 0.5, True),
    "int_round_trip": (1, lambda a: tf.cast(tf.cast(a * 3.0, tf.int32), tf.float64),
                       lambda m, a: (a * 3.0).astype(np.int32).astype(np.float64), False),
    "stop_gradient": (1, tf.stop_gradient, lambda m, a: a, False),
}


@st.composite
def random_graphs(draw):
    n_inputs = draw(st.integers(1, 3))
    n_nodes = draw(st.integers(1, 7))
    nodes = []  # (op name, argument indices into inputs+nodes)
    for k in range(n_nodes):
        name = draw(st.sampled_from(sorted(OPS)))
        arity = OPS[name][0]
        args = [draw(st.integers(0, n_inputs + k - 1)) for _ in range(arity)]
        nodes.append((name, args))
    total = n_inputs + n_nodes
    ys = draw(st.lists(st.integers(n_inputs, total - 1), min_size=1, max_size=2, unique=True))
    xs = draw(st.lists(st.integers(0, total - 1), min_size=1, max_size=3))
    stops = draw(st.lists(st.integers(n_inputs, total - 1), max_size=2, unique=True))
    seed = draw(st.integers(0, 2**16))
    return n_inputs, nodes, ys, xs, stops, seed


def _evaluate(m, inputs, nodes, stops, probes, hold=None):
    """Values of every node; probes[i] is added at node i (an x).

    `hold(i, value)` is applied where TF holds a value constant: at stopped
    nodes and at the outputs of non-differentiable ops.
    """
    values = []
    for i, v in enumerate(inputs):
        values.append(v + probes[i] if i in probes else v)
    for k, (name, args) in enumerate(nodes):
        i = len(inputs) + k
        v = OPS[name][2](m, *[values[a] for a in args])
        if hold is not None and (i in stops or not OPS[name][3]):
            v = hold(i, v)
        values.append(v + probes[i] if i in probes else v)
    return values


def _reaches(n_inputs, nodes, ys, stops, x):
    """Whether a gradient path runs from node x to some y (the graph-side truth)."""
    consumers = {}
    for k, (name, args) in enumerate(nodes):
        for a in args:
            consumers.setdefault(a, []).append(n_inputs + k)
    seen, stack = set(), [x]
    while stack:
        i = stack.pop()
        if i in ys:
            return True
        if i in seen:
            continue
        seen.add(i)
        for c in consumers.get(i, []):
            name = nodes[c - n_inputs][0]
            if OPS[name][3] and c not in stops:
                stack.append(c)
    return False


# derandomize: CI draws the same 60 graphs on every run (a failure is reproducible, not luck).
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_gradients_match_jax_and_finite_differences(graph_spec):
    n_inputs, nodes, ys, xs, stops, seed = graph_spec
    rng = np.random.default_rng(seed)
    inputs = [rng.normal(size=SHAPE) for _ in range(n_inputs)]
    weights = [rng.normal(size=SHAPE) for _ in ys]
    unique_xs = list(dict.fromkeys(xs))

    @tf.function
    def tf_grads(*input_tensors):
        values = list(input_tensors)
        for name, args in nodes:
            values.append(OPS[name][1](*[values[a] for a in args]))
        y_tensors = [values[i] * w for i, w in zip(ys, weights)]
        return tf.gradients(y_tensors, [values[i] for i in xs],
                            stop_gradients=[values[i] for i in stops])

    got = tf_grads(*inputs)
    assert len(got) == len(xs)

    def loss(m, probes, hold):
        values = _evaluate(m, inputs, nodes, stops, probes, hold)
        return sum(m.sum(values[i] * w) for i, w in zip(ys, weights))

    zero_probes = {i: jnp.zeros(SHAPE) for i in unique_xs}
    jax_grads = jax.grad(lambda p: loss(jnp, p, lambda i, v: jax.lax.stop_gradient(v)))(
        zero_probes)
    frozen = _evaluate(np, inputs, nodes, stops, {})
    # At a tie of maximum (maximum(x, x)) the function has no derivative: central
    # differences give the mean of both sides, where TF's rule picks one. Near a tie
    # (maximum(x, tanh(x)) at small x) the differences' step crosses the kink too.
    ties = any(name == "maximum" and np.any(np.abs(frozen[args[0]] - frozen[args[1]]) < 1e-4)
               for name, args in nodes)

    for pos, i in enumerate(xs):
        connected = _reaches(n_inputs, nodes, ys, stops, i)
        if not connected:
            assert got[pos] is None, f"x=node {i} does not reach ys but got a gradient"
            np.testing.assert_array_equal(np.asarray(jax_grads[i]), 0.0)
            continue
        assert got[pos] is not None, f"x=node {i} reaches ys but got None"
        g = np.asarray(got[pos])
        assert g.dtype == np.float64 and g.shape == SHAPE
        np.testing.assert_allclose(g, np.asarray(jax_grads[i]), rtol=1e-9, atol=1e-9)
        if ties:
            continue
        numeric = _finite_difference(lambda p: loss(np, p, lambda k, v: frozen[k]), unique_xs, i)
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-5)


def _finite_difference(f, xs, which, eps=1e-6):
    grad = np.zeros(SHAPE)
    for idx in np.ndindex(*SHAPE):
        plus = {i: np.zeros(SHAPE) for i in xs}
        minus = {i: np.zeros(SHAPE) for i in xs}
        plus[which][idx] = eps
        minus[which][idx] = -eps
        grad[idx] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def test_ties_in_maximum_follow_tf():
    # The drawn graph that found the reference's tie rule wrong: maximum(x0, x0), then
    # maximum(x0, that); TF gives every tie to the first argument.
    test_gradients_match_jax_and_finite_differences.hypothesis.inner_test(
        (2, [("maximum", [0, 0]), ("maximum", [0, 2])], [2, 3], [2], [], 0))
