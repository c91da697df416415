"""tf.map_fn, tf.scan, tf.foldl, tf.foldr and tf.vectorized_map (ops/functional_ops.py).

Values are checked against numpy, eagerly and in one tf.function; gradients
(float64) against jax.grad of the same computation written with lax.scan /
jax.vmap and against central differences. Errors are TF 2.21's classes and
messages (checked against tensorflow 2.21); each case names the TF behaviour.
Each tf.function here is traced once.
"""

import functools
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import tfgrad_jax as tf
from tfgrad_jax.framework.errors import InvalidArgumentError, OutOfRangeError
from tfgrad_jax.framework.tensor import EagerTensor

X = np.array([0.5, -1.2, 2.0, 0.3])
X3 = np.array([1.0, -2.0, 0.5])
M = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
XI = np.array([3, 1, 4, 1], np.int32)
W = np.array([0.7, -0.4])
ONE = np.float64(1.0)


def _c(value, dtype=tf.float64):
    return tf.constant(value, dtype)


def _central_differences(f, x, eps=1e-6):
    """{name: d f(x)[name] / dx} by central differences, for `f` returning {name: number}."""
    x = np.array(x, np.float64)
    grads = {}
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = eps
        up, down = f(x + step), f(x - step)
        for name in up:
            grads.setdefault(name, np.zeros_like(x))[idx] = (up[name] - down[name]) / (2 * eps)
    return grads


def _loop(fn, acc, values):
    for v in values:
        acc = fn(acc, v)
    return acc


def _scan_np(fn, acc, values):
    out = []
    for v in values:
        acc = fn(acc, v)
        out.append(acc)
    return np.array(out)


# ---------------------------------------------------------------------------
# Values: each case built from (x, x3, m, xi), with its numpy reference.

VALUE_CASES = {
    "map_fn": (
        lambda x, x3, m, xi: tf.map_fn(lambda v: v * v + 1.0, x),
        lambda: X * X + 1.0),
    "map_fn nested elems and fn_output_signature": (
        lambda x, x3, m, xi: tf.map_fn(
            lambda d: {"s": d["a"] + tf.reduce_sum(d["b"]),
                       "p": (d["a"] * 2.0, tf.stack([d["b"][1], d["b"][0]]))},
            {"a": x3, "b": m},
            fn_output_signature={"s": tf.float64, "p": (tf.float64, tf.float64)}),
        lambda: {"s": X3 + M.sum(1), "p": (X3 * 2.0, M[:, ::-1])}),
    "map_fn fn_output_signature with other dtypes": (
        lambda x, x3, m, xi: tf.map_fn(lambda v: (v, tf.cast(v > 0, tf.int32)), x,
                                       fn_output_signature=(tf.float64, tf.int32)),
        lambda: (X, (X > 0).astype(np.int32))),
    "map_fn deprecated dtype": (
        lambda x, x3, m, xi: tf.map_fn(lambda v: tf.cast(v * 10.0, tf.int64), x, dtype=tf.int64),
        lambda: np.array([5, -12, 20, 3], np.int64)),
    "map_fn TensorSpec signature": (
        lambda x, x3, m, xi: tf.map_fn(lambda v: tf.stack([v, -v]), x,
                                       fn_output_signature=tf.TensorSpec([2], tf.float64)),
        lambda: np.stack([X, -X], 1)),
    "map_fn int elems": (
        lambda x, x3, m, xi: tf.map_fn(lambda v: v * 2 + 1, xi),
        lambda: XI * 2 + 1),
    "map_fn Python number result": (  # TF converts it to the TensorArray's dtype
        lambda x, x3, m, xi: tf.map_fn(lambda v: 1.5, x),
        lambda: np.full(4, 1.5)),
    "scan": (
        lambda x, x3, m, xi: tf.scan(lambda a, v: a + v, x),
        lambda: np.cumsum(X)),
    "scan reverse": (
        lambda x, x3, m, xi: tf.scan(lambda a, v: a + v, x, reverse=True),
        lambda: np.cumsum(X[::-1])[::-1]),
    "scan initializer": (
        lambda x, x3, m, xi: tf.scan(lambda a, v: a * 0.5 + v, x, initializer=ONE),
        lambda: _scan_np(lambda a, v: a * 0.5 + v, 1.0, X)),
    "scan reverse initializer": (
        lambda x, x3, m, xi: tf.scan(lambda a, v: a * 0.5 + v, x, initializer=ONE, reverse=True),
        lambda: _scan_np(lambda a, v: a * 0.5 + v, 1.0, X[::-1])[::-1]),
    "scan nested initializer": (
        lambda x, x3, m, xi: tf.scan(lambda acc, v: {"s": acc["s"] + v[0], "p": acc["p"] * v[1]},
                                     (x3, m), initializer={"s": np.float64(0), "p": np.ones(2)}),
        lambda: {"s": np.cumsum(X3), "p": np.cumprod(M, 0)}),
    "scan nested without initializer": (
        lambda x, x3, m, xi: tf.scan(lambda a, v: (a[0] + v[0], a[1] * v[1]), (x, x)),
        lambda: (np.cumsum(X), np.cumprod(X))),
    "scan int": (
        lambda x, x3, m, xi: tf.scan(lambda a, v: a * 10 + v, xi, initializer=0),
        lambda: np.array([3, 31, 314, 3141], np.int32)),
    "foldl": (
        lambda x, x3, m, xi: tf.foldl(lambda a, v: a * 2.0 - v, x),
        lambda: _loop(lambda a, v: a * 2.0 - v, X[0], X[1:])),
    "foldl initializer": (
        lambda x, x3, m, xi: tf.foldl(lambda a, v: a * 2.0 - v, x, initializer=ONE),
        lambda: _loop(lambda a, v: a * 2.0 - v, 1.0, X)),
    "foldr": (
        lambda x, x3, m, xi: tf.foldr(lambda a, v: a * 2.0 - v, x),
        lambda: _loop(lambda a, v: a * 2.0 - v, X[-1], X[-2::-1])),
    "foldr initializer": (
        lambda x, x3, m, xi: tf.foldr(lambda a, v: a * 2.0 - v, x, initializer=ONE),
        lambda: _loop(lambda a, v: a * 2.0 - v, 1.0, X[::-1])),
    "foldl nested": (
        lambda x, x3, m, xi: tf.foldl(lambda a, v: (a[0] + v["u"], a[1] * v["w"]),
                                      {"u": x3, "w": m}, initializer=(np.float64(0), np.ones(2))),
        lambda: (X3.sum(), M.prod(0))),
    "foldr nested without initializer": (
        lambda x, x3, m, xi: tf.foldr(
            lambda a, v: {"u": a["u"] * 2.0 - v["u"], "w": a["w"] + v["w"]}, {"u": x3, "w": m}),
        lambda: {"u": _loop(lambda a, v: a * 2.0 - v, X3[-1], X3[-2::-1]), "w": M.sum(0)}),
    "foldl int": (
        lambda x, x3, m, xi: tf.foldl(lambda a, v: a * 10 + v, xi),
        lambda: np.int32(3141)),
    "vectorized_map": (
        lambda x, x3, m, xi: tf.vectorized_map(lambda v: tf.reduce_sum(v * v), m),
        lambda: (M * M).sum(1)),
    "vectorized_map nested": (
        lambda x, x3, m, xi: tf.vectorized_map(
            lambda d: {"s": d["a"] * tf.reduce_sum(d["b"]), "t": (d["b"], d["a"])},
            {"a": x3, "b": m}),
        lambda: {"s": X3 * M.sum(1), "t": (M, X3)}),
    "vectorized_map broadcasts a first dimension of 1": (
        lambda x, x3, m, xi: tf.vectorized_map(lambda v: v[0] * v[1], (x3, _c([10.0]))),
        lambda: X3 * 10.0),
    "vectorized_map output independent of the elements": (
        lambda x, x3, m, xi: tf.vectorized_map(lambda v: _c(2.0), x),
        lambda: np.full(4, 2.0)),
    "vectorized_map matvec": (
        lambda x, x3, m, xi: tf.vectorized_map(
            lambda r: tf.linalg.matvec(_c([[1.0, 2.0], [0.0, -1.0]]), r), m),
        lambda: M @ np.array([[1.0, 2.0], [0.0, -1.0]]).T),
}


def _inputs():
    return _c(X), _c(X3), _c(M), _c(XI, tf.int32)


@functools.lru_cache(maxsize=None)
def _graph_results():
    """Every value case in one tf.function, traced once."""
    @tf.function
    def all_cases(x, x3, m, xi):
        return {name: build(x, x3, m, xi) for name, (build, _) in VALUE_CASES.items()}
    return all_cases(*_inputs())


def _assert_matches(got, want, name):
    tf.nest.assert_same_structure(want, got)
    for g, w in zip(tf.nest.flatten(got), tf.nest.flatten(want)):
        w = np.asarray(w)
        assert g.dtype == tf.as_dtype(w.dtype), f"{name}: {g.dtype} != {w.dtype}"
        assert tuple(g.shape) == w.shape, f"{name}: {g.shape} != {w.shape}"
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", sorted(VALUE_CASES))
def test_values_eagerly_and_in_a_function(name):
    build, reference = VALUE_CASES[name]
    want = reference()
    eager = build(*_inputs())
    assert all(isinstance(t, EagerTensor) for t in tf.nest.flatten(eager))
    _assert_matches(eager, want, name + " (eager)")
    _assert_matches(_graph_results()[name], want, name + " (tf.function)")


def test_eager_fn_receives_eager_tensors():
    # TF runs map_fn's loop eagerly: fn gets eager tensors and may read their values.
    out = tf.map_fn(lambda v: tf.constant(v.numpy() * 2.0), _c(X))
    np.testing.assert_allclose(out.numpy(), X * 2.0)
    acc = tf.foldl(lambda a, v: a + float(v.numpy()), _c(X), initializer=ONE)
    np.testing.assert_allclose(acc.numpy(), 1.0 + X.sum())


def test_empty_elems_and_an_eager_tensor_returned_by_fn():
    # TF: with no elements, eager map_fn never calls fn and returns shape (0,); in a graph
    # fn is traced, so the shape is (0, 2). A scan with an initializer gives (0,) + its shape.
    c = _c(5.0)
    zeros = _c(np.zeros([0, 2]))
    assert tuple(tf.map_fn(lambda v: v * 2.0, zeros).shape) == (0,)
    assert tuple(tf.scan(lambda a, v: a + v, zeros, initializer=_c([1.0, 2.0])).shape) == (0, 2)

    @tf.function
    def f(x, e):
        return tf.map_fn(lambda v: v * 2.0, e), tf.map_fn(lambda v: c, x), tf.foldl(
            lambda a, v: a + v, e, initializer=_c([1.0, 2.0]))

    mapped, constant, folded = f(_c(X), zeros)
    assert tuple(mapped.shape) == (0, 2)
    np.testing.assert_array_equal(constant.numpy(), np.full(4, 5.0))
    np.testing.assert_array_equal(folded.numpy(), [1.0, 2.0])


# ---------------------------------------------------------------------------
# Gradients: against jax.grad of the same computation in JAX, and finite differences.

def _jax_scan(fn, init, xs, reverse=False):
    return lax.scan(lambda a, v: (fn(a, v),) * 2, init, xs, reverse=reverse)


GRAD_CASES = {
    "map_fn": (
        lambda x, w: tf.reduce_sum(tf.map_fn(lambda v: tf.sin(v * w[0]) * v + w[1], x)),
        lambda x, w: jnp.sum(lax.map(lambda v: jnp.sin(v * w[0]) * v + w[1], x))),
    "scan": (
        lambda x, w: tf.reduce_sum(tf.scan(lambda a, v: a * w[0] + tf.sin(v), x,
                                           initializer=w[1]) ** 2),
        lambda x, w: jnp.sum(_jax_scan(lambda a, v: a * w[0] + jnp.sin(v), w[1], x)[1] ** 2)),
    "scan reverse without initializer": (
        lambda x, w: tf.reduce_sum(tf.scan(lambda a, v: a * tf.tanh(v * w[0]), x, reverse=True)
                                   * w[1]),
        lambda x, w: jnp.sum(jnp.concatenate([
            _jax_scan(lambda a, v: a * jnp.tanh(v * w[0]), x[-1], x[:-1], reverse=True)[1],
            x[-1:]]) * w[1])),
    "foldl without initializer": (
        lambda x, w: tf.foldl(lambda a, v: a * tf.cos(v) + w[0] * v, x) * w[1],
        lambda x, w: _jax_scan(lambda a, v: a * jnp.cos(v) + w[0] * v, x[0], x[1:])[0] * w[1]),
    "foldr with initializer": (
        lambda x, w: tf.foldr(lambda a, v: tf.sin(a * w[0]) + v * v, x, initializer=w[1]),
        lambda x, w: _jax_scan(lambda a, v: jnp.sin(a * w[0]) + v * v, w[1], x, reverse=True)[0]),
    "nested scan": (
        lambda x, w: tf.nest.map_structure(tf.reduce_sum, tf.scan(
            lambda acc, v: (acc[0] * v[1] + w[0], acc[1] + acc[0] * v[0]), (x, x * x),
            initializer=(w[1], tf.zeros([], tf.float64))))[1],
        lambda x, w: jnp.sum(lax.scan(
            lambda acc, v: ((acc[0] * v[1] + w[0], acc[1] + acc[0] * v[0]),) * 2,
            (w[1], 0.0), (x, x * x))[1][1])),
    "vectorized_map": (
        lambda x, w: tf.reduce_sum(tf.vectorized_map(lambda v: tf.sin(v * w[0]) * w[1], x) ** 2),
        lambda x, w: jnp.sum(jax.vmap(lambda v: jnp.sin(v * w[0]) * w[1])(x) ** 2)),
    "vectorized_map broadcast elem": (
        lambda x, w: tf.reduce_sum(tf.vectorized_map(lambda d: d[0] * tf.exp(d[1]),
                                                     (x, tf.reshape(w[0] * w[1], [1])))),
        lambda x, w: jnp.sum(jax.vmap(lambda v: v * jnp.exp(w[0] * w[1]))(x))),
}


@functools.lru_cache(maxsize=None)
def _all_gradients():
    """Every gradient case in one tf.function (traced once): the losses and gradients at
    (X, W), and central differences of each loss, in x and in w."""
    @tf.function
    def run(x, w):
        losses = {name: build(x, w) for name, (build, _) in GRAD_CASES.items()}
        return losses, {name: tf.gradients(loss, [x, w]) for name, loss in losses.items()}

    def losses_at(x, w):
        return {name: loss.numpy() for name, loss in run(_c(x), _c(w))[0].items()}

    return (run(_c(X), _c(W)), _central_differences(lambda x: losses_at(x, W), X),
            _central_differences(lambda w: losses_at(X, w), W))


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients_match_jax_and_finite_differences(name):
    (losses, grads), fd_x, fd_w = _all_gradients()
    loss, (gx, gw) = losses[name], grads[name]
    want_loss, (want_gx, want_gw) = jax.jit(jax.value_and_grad(GRAD_CASES[name][1],
                                                               argnums=(0, 1)))(
        jnp.array(X), jnp.array(W))
    assert gx.dtype == tf.float64 and gw.dtype == tf.float64
    np.testing.assert_allclose(loss.numpy(), want_loss, rtol=1e-12)
    np.testing.assert_allclose(gx.numpy(), want_gx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gw.numpy(), want_gw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gx.numpy(), fd_x[name], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gw.numpy(), fd_w[name], rtol=1e-6, atol=1e-8)


def test_second_derivatives():
    x2 = X[:2]  # tf.hessians differentiates once per element of the gradient

    @tf.function
    def run(x):
        folded = tf.foldl(lambda a, v: a * tf.sin(v) + v * v, x, initializer=_c(1.0))
        g_map = tf.gradients(tf.reduce_sum(tf.map_fn(lambda v: v ** 3, x)), x)[0]
        g_vmap = tf.gradients(tf.reduce_sum(tf.vectorized_map(lambda v: tf.sin(v) * v, x)), x)[0]
        return (tf.hessians(folded, x)[0], tf.gradients(tf.reduce_sum(g_map * g_map), x)[0],
                tf.gradients(tf.reduce_sum(g_vmap), x)[0])

    h_fold, gg_map, gg_vmap = run(_c(x2))

    def fold_jax(x):
        return lax.scan(lambda a, v: (a * jnp.sin(v) + v * v, None), 1.0, x)[0]

    np.testing.assert_allclose(h_fold.numpy(), jax.jit(jax.hessian(fold_jax))(jnp.array(x2)),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gg_map.numpy(), 36 * x2 ** 3, rtol=1e-12)  # sum((3x^2)^2)'
    np.testing.assert_allclose(gg_vmap.numpy(), 2 * np.cos(x2) - x2 * np.sin(x2), rtol=1e-12)


def test_map_fn_inside_a_while_loop_and_a_cond():
    m = _c(M)

    @tf.function
    def run(w):
        def body(i, acc):
            row_sums = tf.map_fn(lambda r: tf.reduce_sum(tf.sin(r * w)), m)
            return i + 1, acc + tf.reduce_sum(row_sums) * tf.cast(i + 1, tf.float64)

        _, total = tf.while_loop(lambda i, a: i < 3, body, [0, _c(0.0)])
        extra = tf.cond(total > 0, lambda: tf.reduce_sum(tf.scan(lambda a, v: a * v, w)),
                        lambda: tf.reduce_sum(tf.map_fn(lambda v: v * v, w)))
        loss = total + extra
        return loss, tf.gradients(loss, w)[0]

    def loss_jax(w):
        row_sums = lax.map(lambda r: jnp.sum(jnp.sin(r * w)), jnp.array(M))
        total = jnp.sum(row_sums) * 6.0
        extra = lax.cond(total > 0, lambda: jnp.sum(jnp.cumprod(w)), lambda: jnp.sum(w * w))
        return total + extra

    reference = jax.jit(jax.value_and_grad(loss_jax))
    for w0 in (W, -W):  # each branch of the cond
        loss, gw = run(_c(w0))
        want_loss, want_gw = reference(jnp.array(w0))
        np.testing.assert_allclose(loss.numpy(), want_loss, rtol=1e-12)
        np.testing.assert_allclose(gw.numpy(), want_gw, rtol=1e-10)
        fd = _central_differences(lambda v: {"loss": run(_c(v))[0].numpy()}, w0)["loss"]
        np.testing.assert_allclose(gw.numpy(), fd, rtol=1e-6)


def test_tf1_graph_and_session():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float64, [3])
        y = tf.map_fn(lambda v: tf.sin(v) * v, x)
        product = tf.foldr(lambda a, v: a * v, x, initializer=_c(1.0))
        grad = tf.gradients(tf.reduce_sum(y) + product, x)[0]
        hess = tf.hessians(product, x)[0]
        types = {op.type for op in g.get_operations()}
        with tf.compat.v1.Session() as sess:
            got = sess.run([y, product, grad, hess], {x: X3})
    assert {"StatelessMapFn", "StatelessScan"} <= types
    a, b, c = X3
    np.testing.assert_allclose(got[0], np.sin(X3) * X3, rtol=1e-12)
    np.testing.assert_allclose(got[1], a * b * c, rtol=1e-12)
    np.testing.assert_allclose(got[2], np.cos(X3) * X3 + np.sin(X3) + [b * c, a * c, a * b],
                               rtol=1e-12)
    np.testing.assert_allclose(got[3], [[0, c, b], [c, 0, a], [b, a, 0]], rtol=1e-12)


def test_back_prop_false_stops_gradients():
    # TF 2: back_prop=False is a stop_gradient on the results.
    @tf.function
    def run(x):
        y = tf.map_fn(lambda v: v * 2.0, x, back_prop=False)
        z = tf.foldl(lambda a, v: a + v, x, back_prop=False)
        return tf.gradients(tf.reduce_sum(y), x), tf.gradients(z, x)

    assert run(_c(X)) == ([None], [None])


def test_random_ops_draw_new_numbers_per_element():
    # TF's stateful random ops draw new numbers on each iteration of the loop, and pfor
    # draws one number per element.
    @tf.function
    def run(x):
        # (scan and the folds share map_fn's op lowering)
        return (tf.map_fn(lambda v: v + tf.random.uniform([], dtype=tf.float64), x),
                tf.vectorized_map(lambda v: v + tf.random.uniform([], dtype=tf.float64), x))

    zeros = _c(np.zeros(6))
    first, second = run(zeros), run(zeros)
    for a, b in zip(first, second):
        assert len(set(a.numpy().tolist())) == 6  # different per element
        assert not np.array_equal(a.numpy(), b.numpy())  # and per call
    graph = run.get_concrete_function(zeros).graph
    types = {op.type for op in graph.get_operations()}
    assert {"MapFn", "VectorizedMap"} <= types  # the stateful forms
    for mapper in (tf.map_fn, tf.vectorized_map):  # eagerly too
        eager = mapper(lambda v: v + tf.random.uniform([], dtype=tf.float64), zeros)
        assert len(set(eager.numpy().tolist())) == 6


def _count_primitives(jaxpr, name):
    count = 0
    for eqn in jaxpr.eqns:
        count += eqn.primitive.name == name
        for param in eqn.params.values():
            for sub in param if isinstance(param, (list, tuple)) else [param]:
                inner = getattr(sub, "jaxpr", sub)  # ClosedJaxpr -> Jaxpr
                if hasattr(inner, "eqns"):
                    count += _count_primitives(inner, name)
    return count


def test_map_fn_over_1000_elements_is_one_scan_not_unrolled():
    @tf.function
    def run(x):
        return tf.map_fn(lambda v: tf.sin(v) * 2.0, x)

    closed = run.get_concrete_function(_c(np.zeros(1000))).as_jaxpr()
    assert _count_primitives(closed.jaxpr, "scan") == 1
    assert _count_primitives(closed.jaxpr, "sin") == 1


def test_unknown_first_dimension():
    # An input_signature with None: the length is symbolic and the static shape unknown.
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float64)])
    def run(m):
        mapped = tf.map_fn(lambda r: r * 2.0, m)
        summed = tf.scan(lambda a, r: a + r, m)
        norms = tf.vectorized_map(lambda r: tf.reduce_sum(r * r), m)
        assert mapped.shape.as_list() == [None, 2] and norms.shape.as_list() == [None]
        return mapped, summed, norms, tf.gradients(tf.reduce_sum(summed) + tf.reduce_sum(norms),
                                                   m)[0]

    mapped, summed, norms, grad = run(_c(M))
    np.testing.assert_allclose(mapped.numpy(), M * 2.0)
    np.testing.assert_allclose(summed.numpy(), np.cumsum(M, 0))
    np.testing.assert_allclose(norms.numpy(), (M * M).sum(1))
    np.testing.assert_allclose(grad.numpy(), np.array([[3.0], [2.0], [1.0]]) + 2 * M)


# ---------------------------------------------------------------------------
# TF's errors. Each row: what TF 2.21 raises, eagerly ("eager") and while a graph is built
# ("graph"); where TF only fails when its graph runs, the error is raised here when the
# graph is built, with TF's class (its eager message).

x3f = lambda: tf.constant([1.0, 2.0, 3.0])  # noqa: E731

ERRORS = [
    # TF: map_fn checks that the first elem is not a scalar.
    ("map_fn scalar elems", "both", lambda: tf.map_fn(lambda v: v, tf.constant(1.0)),
     ValueError, "Elements in elems must be 1+ dimensional Tensors, not scalars"),
    ("map_fn no elems", "both", lambda: tf.map_fn(lambda v: v, []), ValueError,
     "elems must be a Tensor or (possibly nested) sequence of Tensors. Got [], which does "
     "not contain any Tensors."),
    # TF formats fn.__name__ into its TypeError, so a number raises AttributeError.
    ("map_fn not callable", "both", lambda: tf.map_fn(3, x3f()), AttributeError,
     "'int' object has no attribute '__name__'"),
    ("scan not callable", "both", lambda: tf.scan(3, x3f()), AttributeError,
     "'int' object has no attribute '__name__'"),
    # TF: nest.assert_same_structure(fn_output_signature or elems, result).
    ("map_fn structure", "both", lambda: tf.map_fn(lambda v: (v, v), x3f()), ValueError,
     "The two structures don't have the same nested structure."),
    ("map_fn signature structure", "both",
     lambda: tf.map_fn(lambda v: v, x3f(), fn_output_signature=(tf.float32, tf.float32)),
     ValueError, "The two structures don't have the same nested structure."),
    ("map_fn list versus tuple", "both",
     lambda: tf.map_fn(lambda v: (v, v), x3f(), fn_output_signature=[tf.float32, tf.float32]),
     TypeError, "The two structures don't have the same nested structure."),
    # TF's TensorArray write (in a graph TF fails when it runs).
    ("map_fn dtype", "both", lambda: tf.map_fn(lambda v: tf.cast(v, tf.int32), x3f()),
     InvalidArgumentError, "TensorArray dtype is float32 but Op is trying to write dtype int32 "),
    ("map_fn signature dtype", "both",
     lambda: tf.map_fn(lambda v: v, x3f(), fn_output_signature=tf.int32),
     InvalidArgumentError, "TensorArray dtype is int32 but Op is trying to write dtype float32 "),
    ("map_fn TensorSpec shape", "graph",
     lambda: tf.map_fn(lambda v: v, x3f(), fn_output_signature=tf.TensorSpec([2], tf.float32)),
     ValueError, "Inconsistent shapes: saw () but expected (2,) "),
    ("map_fn TensorSpec shape", "eager",
     lambda: tf.map_fn(lambda v: v, x3f(), fn_output_signature=tf.TensorSpec([2], tf.float32)),
     ValueError, "Incompatible shape for value (()), expected ((2,))"),
    ("map_fn first dimensions", "both",
     lambda: tf.map_fn(lambda v: v[0] + v[1], (x3f(), tf.constant([1.0, 2.0]))),
     ValueError, "Dimensions 3 and 2 are not compatible"),
    ("map_fn returns None", "graph", lambda: tf.map_fn(lambda v: None, x3f()), ValueError,
     "None values not supported."),
    ("map_fn returns None", "eager", lambda: tf.map_fn(lambda v: None, x3f()), ValueError,
     "Attempt to convert a value (None) with an unsupported type (<class 'NoneType'>) to a "
     "Tensor."),
    # TF reads shape[0] / elems_flat[0] of scan's and the folds' elems.
    ("scan scalar elems", "both", lambda: tf.scan(lambda a, v: a + v, tf.constant(1.0)),
     IndexError, "tuple index out of range"),
    ("foldl no elems", "both", lambda: tf.foldl(lambda a, v: a + v, []), IndexError,
     "list index out of range"),
    # TF reads element 0 (foldr, a reverse scan: -1) of an empty TensorArray.
    ("scan empty", "graph", lambda: tf.scan(lambda a, v: a + v, tf.zeros([0])),
     InvalidArgumentError, "Trying to access element 0 in a list with 0 elements."),
    ("scan empty", "eager", lambda: tf.scan(lambda a, v: a + v, tf.zeros([0])),
     OutOfRangeError, "Tried to read from index 0 but array size is: 0 "),
    ("foldl empty", "eager", lambda: tf.foldl(lambda a, v: a + v, tf.zeros([0])),
     OutOfRangeError, "Tried to read from index 0 but array size is: 0 "),
    ("foldr empty", "graph", lambda: tf.foldr(lambda a, v: a + v, tf.zeros([0])),
     InvalidArgumentError, "Trying to access element -1 in a list with 0 elements."),
    ("foldr empty", "eager", lambda: tf.foldr(lambda a, v: a + v, tf.zeros([0])),
     OutOfRangeError, "Reading from negative indices (index -1) is not allowed."),
    # TF: scan compares fn's result with the initializer (or elems) structure.
    ("scan structure", "both", lambda: tf.scan(lambda a, v: (a, v), x3f()), ValueError,
     "The two structures don't have the same nested structure."),
    ("scan list versus tuple", "both",
     lambda: tf.scan(lambda a, v: (a[0] + v, a[1]), x3f(), initializer=[0.0, 1.0]),
     TypeError, "The two structures don't have the same nested structure."),
    # A fold's eager while_loop tells a list from a tuple (its graph form does not).
    ("foldl list versus tuple", "eager",
     lambda: tf.foldl(lambda a, v: (a[0] + v, a[1]), x3f(), initializer=[0.0, 1.0]),
     TypeError, "The two structures don't have the same nested structure."),
    # TF's while_loop: a loop variable keeps its dtype (graph); the eager TensorArray write.
    ("scan dtype", "graph", lambda: tf.scan(lambda a, v: tf.cast(a, tf.int32), x3f()),
     TypeError, "enters the loop with type <dtype: 'float32'> but has type <dtype: 'int32'> "
     "after 1 iteration."),
    ("scan dtype", "eager", lambda: tf.scan(lambda a, v: tf.cast(a, tf.int32), x3f()),
     InvalidArgumentError, "TensorArray dtype is float32 but Op is trying to write dtype int32 "),
    ("foldl dtype", "graph", lambda: tf.foldl(lambda a, v: tf.cast(a, tf.int32), x3f()),
     TypeError, "type should remain constant."),
    # TF's TensorArray write (scan) and while_loop (folds) check the accumulator's shape.
    ("scan shape", "graph", lambda: tf.scan(lambda a, v: tf.stack([a, a]), x3f()),
     ValueError, "Inconsistent shapes: saw (2,) but expected () "),
    ("scan shape", "eager", lambda: tf.scan(lambda a, v: tf.stack([a, a]), x3f()),
     ValueError, "Incompatible shape for value ((2,)), expected (())"),
    ("foldr shape", "graph", lambda: tf.foldr(lambda a, v: tf.stack([a, a]), x3f()),
     ValueError, "enters the loop with shape (), but has shape (2,) after one iteration. To "
     "allow the shape to vary across iterations, use the `shape_invariants` argument"),
    ("scan returns None", "graph", lambda: tf.scan(lambda a, v: None, x3f(), initializer=1.0),
     ValueError, "None values not supported."),
    # TF's pfor gathers index i of every elem; batch size is the largest first dimension.
    ("vectorized_map first dimensions", "both",
     lambda: tf.vectorized_map(lambda v: v[0] * v[1], (x3f(), tf.constant([1.0, 2.0]))),
     InvalidArgumentError, "indices[2] = 2 is not in [0, 2)"),
    ("vectorized_map scalar", "both", lambda: tf.vectorized_map(lambda v: v, tf.constant(1.0)),
     IndexError, "list index out of range"),
    ("vectorized_map no elems", "both", lambda: tf.vectorized_map(lambda v: v, []), ValueError,
     "max() arg is an empty sequence"),
    ("vectorized_map not callable", "both", lambda: tf.vectorized_map(3, x3f()), TypeError,
     "'int' object is not callable"),
]

ERROR_ROWS = [(name, mode, build, cls, msg) for name, modes, build, cls, msg in ERRORS
              for mode in (("eager", "graph") if modes == "both" else (modes,))]


@pytest.mark.parametrize("name, mode, build, cls, message", ERROR_ROWS,
                         ids=[f"{r[0]} ({r[1]})" for r in ERROR_ROWS])
def test_tensorflow_errors(name, mode, build, cls, message):
    with pytest.raises(cls, match=re.escape(message)):
        if mode == "graph":
            with tf.Graph().as_default():
                build()
        else:
            build()


def test_eager_folds_let_the_accumulator_change_as_tf_does():
    # TF's eager while_loop does not check dtypes or shapes; its graph form does (above).
    assert tf.foldl(lambda a, v: tf.cast(a, tf.int32), x3f()).dtype == tf.int32
    assert tuple(tf.foldr(lambda a, v: tf.stack([a, a]), x3f()).shape) == (2, 2)

    @tf.function
    def graph_fold(x):  # and in a graph, lists and tuples are interchangeable
        return tf.foldl(lambda a, v: (a[0] + v, a[1]), x, initializer=[0.0, 1.0])

    result = graph_fold(x3f())
    assert isinstance(result, list)
    np.testing.assert_allclose([t.numpy() for t in result], [6.0, 1.0])


def _sign_flip(v):
    if v > 0:
        return v
    return -v


def _accumulate_sign_flip(a, v):
    if v > 0:
        return a + v
    return a - v


def test_map_fn_converts_fn_with_autograph_as_tf_does():
    # TF's map_fn calls autograph.tf_convert(fn); scan and the folds call fn as it is, so
    # Python control flow on a tensor there raises OperatorNotAllowedInGraphError.
    with tf.Graph().as_default():
        x = tf.constant([1.0, -2.0, 3.0])
        assert tf.map_fn(_sign_flip, x).shape.as_list() == [3]
        with pytest.raises(tf.OperatorNotAllowedInGraphError):
            tf.scan(_accumulate_sign_flip, x)
    np.testing.assert_array_equal(tf.map_fn(_sign_flip, tf.constant([1.0, -2.0])).numpy(),
                                  [1.0, 2.0])


def test_connectivity_matches_tf():
    # TF 2.21 builds map_fn and scan from a While loop: every float input reaches every
    # output (zeros where nothing flows); vectorized_map converts fn op by op (None).
    @tf.function
    def f(x, y):
        a, _ = tf.map_fn(lambda e: (e[0] * 2.0, e[1] * 3.0), (x, y))
        s, _ = tf.scan(lambda acc, e: (acc[0] + e[0], acc[1] * 1.0), (x, y),
                       initializer=(tf.constant(0.0), tf.constant(1.0)))
        v, _ = tf.vectorized_map(lambda e: (e[0] * 2.0, e[1] * 3.0), (x, y))
        return tf.gradients(a, [x, y]), tf.gradients(s, [x, y]), tf.gradients(v, [x, y])

    mapped, scanned, vectorized = f(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]))
    np.testing.assert_array_equal(np.asarray(mapped[0]), [2.0, 2.0])
    np.testing.assert_array_equal(np.asarray(mapped[1]), [0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(scanned[0]), [2.0, 1.0])
    np.testing.assert_array_equal(np.asarray(scanned[1]), [0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(vectorized[0]), [2.0, 2.0])
    assert vectorized[1] is None
