"""tf.cond, tf.case, tf.switch_case, tf.while_loop: values, gradients, TF's errors.

Values are checked against numpy; gradients against jax.grad of the same
computation written with lax.cond / lax.scan and against central finite
differences in float64. TF's behaviour (error classes and texts, None versus
zeros for unconnected gradients, op names) was checked against TensorFlow
2.21, as each test's comment says.
"""

import gc
import re
import weakref

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import tfgrad_jax as tf


def _np(t):
    return None if t is None else np.asarray(t)


def _central_difference(f, x, eps=1e-6):
    x = np.asarray(x, np.float64)
    grad = np.zeros_like(x)
    for j in range(x.size):
        step = np.zeros(x.size)
        step[j] = eps
        step = step.reshape(x.shape)
        grad.reshape(-1)[j] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def _check_gradient(tf_fn, jax_fn, x, **fn_kwargs):
    """tf.gradients of sum(tf_fn(x)) in a tf.function equals jax.grad and central differences."""
    @tf.function
    def grad(x):
        return tf.gradients(tf.reduce_sum(tf_fn(x, **fn_kwargs)), x)[0]

    @tf.function
    def value(x):
        return tf.reduce_sum(tf_fn(x, **fn_kwargs))

    got = np.asarray(grad(tf.constant(x)))
    want = jax.grad(lambda v: jnp.sum(jax_fn(v)))(jnp.asarray(x))
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-7, atol=1e-9)
    numeric = _central_difference(lambda v: float(value(tf.constant(v))), x)
    np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-6)
    return got


# ---------------------------------------------------------------------------
# tf.cond

def test_cond_values_and_gradients_both_branches():
    def tf_fn(x):
        return tf.cond(tf.reduce_sum(x) > 0, lambda: tf.sin(x) * x, lambda: tf.exp(x) - 1.0)

    def jax_fn(x):
        return lax.cond(jnp.sum(x) > 0, lambda v: jnp.sin(v) * v, lambda v: jnp.exp(v) - 1.0, x)

    for x in (np.array([0.5, 1.5]), np.array([-0.5, -1.5])):
        _check_gradient(tf_fn, jax_fn, x)


def test_cond_nested_structures_none_and_python_values():
    # TF: branches may return nested structures, None leaves and Python numbers.
    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: {"a": (x, None), "b": 1.0},
                       lambda: {"a": (-x, None), "b": 2.0})

    out = f(tf.constant(3.0))
    assert float(out["a"][0]) == 3.0 and out["a"][1] is None and float(out["b"]) == 1.0
    out = f(tf.constant(-3.0))
    assert float(out["a"][0]) == 3.0 and float(out["b"]) == 2.0


def test_cond_op_and_output_names_follow_tf():
    # TF 2.21 (cond_v2): one 'cond' op of type StatelessIf, outputs 'cond/Identity:0', ...
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(1.0)
        y, z = tf.cond(tf.constant(True), lambda: (x * 2, x), lambda: (x * 3, x), name="mycond")
        types = {op.name: op.type for op in g.get_operations()}
    assert types["mycond"] == "StatelessIf"
    assert (y.name, z.name) == ("mycond/Identity:0", "mycond/Identity_1:0")
    branch = g.get_operation_by_name("mycond").get_attr("then_branch")
    assert [op.type for op in branch.get_operations()] == ["Placeholder", "Const", "Mul"]
    assert branch.get_operations()[2].name == "mycond/mul"


def test_cond_is_eager_outside_graphs():
    # TF: eagerly, tf.cond just calls the chosen function (a Python bool is fine there).
    assert tf.cond(True, lambda: 1, lambda: 2) == 1
    assert float(tf.cond(tf.constant(False), lambda: tf.constant(1.0),
                         lambda: tf.constant(2.0))) == 2.0


def test_cond_errors_match_tf():
    x = tf.constant(1.0)

    def in_function(fn):
        return tf.function(fn)(x)

    # TF: TypeError('pred must not be a Python bool', True) in a graph.
    with pytest.raises(TypeError, match="pred must not be a Python bool"):
        in_function(lambda x: tf.cond(True, lambda: x, lambda: x))
    # TF: branches of different dtypes.
    with pytest.raises(TypeError, match=re.escape(
            "true_fn and false_fn arguments to tf.cond must have the same number, type, and "
            "overall structure of return values.")) as info:
        in_function(lambda x: tf.cond(x > 0, lambda: x, lambda: tf.cast(x, tf.int32)))
    assert "have different types" in str(info.value)
    # TF: different structures (dict keys, tuple against list).
    with pytest.raises(TypeError, match="don't have the same set of keys"):
        in_function(lambda x: tf.cond(x > 0, lambda: {"a": x}, lambda: {"b": x}))
    with pytest.raises(TypeError, match="don't have the same sequence type"):
        in_function(lambda x: tf.cond(x > 0, lambda: (x, x), lambda: [x, x]))
    # TF: TypeError "'true_fn' must be callable." / "cond(): 'false_fn' argument required".
    with pytest.raises(TypeError, match="'true_fn' must be callable"):
        in_function(lambda x: tf.cond(x > 0, x, lambda: x))
    with pytest.raises(TypeError, match="'false_fn' argument required"):
        in_function(lambda x: tf.cond(x > 0, lambda: x))
    # TF (graph mode): a vector pred is refused, "Shape must be rank 0 but is rank 1".
    with pytest.raises(ValueError, match="Shape must be rank 0 but is rank 1"):
        in_function(lambda x: tf.cond(tf.constant([True, False]), lambda: x, lambda: x))
    # Ours: XLA needs one shape per output (TF would give an unknown shape).
    with pytest.raises(ValueError, match="needs the same shape from every branch"):
        in_function(lambda x: tf.cond(x > 0, lambda: x, lambda: tf.stack([x, x])))


def test_cond_connectivity_matches_tf():
    # TF 2.21: an input any branch output depends on is connected to every output
    # (zeros where nothing flows); one no branch differentiates through gives None.
    @tf.function
    def f(x, y):
        z = tf.cond(x > 0, lambda: (x * 2, y * 1.0), lambda: (x * 3, y * 2.0))
        w = tf.cond(x > 0, lambda: tf.cast(tf.cast(x, tf.int32), tf.float32) + y,
                    lambda: tf.stop_gradient(x))
        return (tf.gradients(z[0], [x, y]), tf.gradients(w, [x, y]),
                tf.gradients(w, x, unconnected_gradients="zero"))

    first, second, zero = f(tf.constant(3.0), tf.constant(4.0))
    assert [float(g) for g in first] == [2.0, 0.0]
    assert second[0] is None and float(second[1]) == 1.0
    assert float(zero[0]) == 0.0


def test_stop_gradients_keep_their_meaning_through_branches():
    # TF 2.21: a stopped outer tensor read in a branch passes nothing (4.0, not 8.0);
    # a stop inside the branch stops there.
    @tf.function
    def f(x):
        a = x * 2.0
        z = tf.cond(x > 0, lambda: a * x, lambda: x)
        inner = tf.cond(x > 0, lambda: tf.stop_gradient(x) * x, lambda: x)
        return tf.gradients(z, x, stop_gradients=[a])[0], tf.gradients(z, x)[0], \
            tf.gradients(inner, x)[0]

    assert [float(v) for v in f(tf.constant(2.0))] == [4.0, 8.0, 2.0]


def test_missing_gradient_inside_a_branch_raises_lookup_error():
    # TF 2.21: LookupError naming the op inside the branch (cond/bincount/DenseBincount).
    @tf.function
    def f(x):
        z = tf.cond(x > 0, lambda: tf.reduce_sum(tf.math.bincount(
            tf.constant([0, 1]), weights=tf.stack([x, x]))), lambda: x)
        return tf.gradients(z, x)

    with pytest.raises(LookupError, match=re.escape(
            "No gradient defined for operation 'cond/bincount/DenseBincount'")):
        f(tf.constant(2.0))


def test_custom_gradient_inside_a_branch_is_used():
    # TF: a tf.custom_gradient inside a cond branch gives its gradient through the If op.
    @tf.custom_gradient
    def clipped(v):
        return v * v, lambda dy: dy * 100.0

    @tf.function
    def f(x):
        y = tf.cond(x > 0, lambda: clipped(x), lambda: x)
        return tf.gradients(y, x)[0]

    assert float(f(tf.constant(3.0))) == 100.0
    assert float(f(tf.constant(-3.0))) == 1.0


def test_cond_v1_spellings():
    # TF 1: tf.compat.v1.cond accepts fn1/fn2 and strict.
    @tf.function
    def f(x):
        return tf.compat.v1.cond(x > 0, fn1=lambda: x * 2.0, fn2=lambda: x * 3.0, strict=True)

    assert float(f(tf.constant(1.0))) == 2.0 and float(f(tf.constant(-1.0))) == -3.0


# ---------------------------------------------------------------------------
# tf.switch_case and tf.case

def test_switch_case_default_and_out_of_range():
    # TF 2.21: an index out of range (negative too) runs `default`, or the last branch.
    branches = [lambda: tf.constant(10.0), lambda: tf.constant(20.0)]

    @tf.function
    def with_default(i):
        return tf.switch_case(i, branches, default=lambda: tf.constant(-1.0))

    @tf.function
    def without(i):
        return tf.switch_case(i, branches)

    assert [float(with_default(tf.constant(i))) for i in (0, 1, 2, -1)] == [10, 20, -1, -1]
    assert [float(without(tf.constant(i))) for i in (0, 1, 5, -1)] == [10, 20, 20, 20]
    # Eagerly too.
    assert float(tf.switch_case(tf.constant(7), branches)) == 20.0


def test_switch_case_gradients():
    def tf_fn(x):
        i = tf.cast(tf.reduce_sum(x) > 0, tf.int32)
        return tf.switch_case(i, [lambda: tf.cos(x), lambda: x * x * 3.0])

    def jax_fn(x):
        return lax.switch((jnp.sum(x) > 0).astype(jnp.int32),
                          [jnp.cos, lambda v: v * v * 3.0], x)

    for x in (np.array([0.5, 1.0]), np.array([-0.5, -1.0])):
        _check_gradient(tf_fn, jax_fn, x)


def test_switch_case_errors_match_tf():
    x = tf.constant(1.0)
    # TF 2.21's messages.
    with pytest.raises(ValueError, match=re.escape(
            "branch indices (keys) must form contiguous range of [0 to 2) but found {1,3}")):
        tf.function(lambda i: tf.switch_case(i, {1: lambda: x, 3: lambda: x}))(tf.constant(1))
    with pytest.raises(TypeError, match="'branch_index' must be an integer Tensor"):
        tf.function(lambda i: tf.switch_case(i, [lambda: x]))(tf.constant(1.0))
    with pytest.raises(TypeError, match="has type int64 that does not match expected type "
                                        "of int32"):
        tf.function(lambda i: tf.switch_case(i, [lambda: x]))(tf.constant(1, tf.int64))
    with pytest.raises(ValueError, match="Must provide at least one item in 'branch_fns'"):
        tf.function(lambda i: tf.switch_case(i, []))(tf.constant(1))


def test_case_first_true_default_and_run_time_checks():
    # TF 2.21: the first true predicate wins; `exclusive` and a missing default are
    # checked when the graph runs (InvalidArgumentError with TF's texts).
    @tf.function
    def f(x, exclusive=False, default=True):
        pairs = [(x > 0, lambda: x), (x > 1, lambda: x * 2.0)]
        return tf.case(pairs, default=(lambda: x * 3.0) if default else None,
                       exclusive=exclusive)

    assert float(f(tf.constant(2.0))) == 2.0
    assert float(f(tf.constant(-2.0))) == -6.0
    assert float(f(tf.constant(0.5), exclusive=True)) == 0.5
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
            "assertion failed: [Input error: exclusive=True: more than 1 conditions")):
        f(tf.constant(2.0), exclusive=True)
    assert float(f(tf.constant(10.0), default=False)) == 10.0
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
            "assertion failed: [Input error: None of conditions evaluated as True:] [0 0]")):
        f(tf.constant(-1.0), default=False)


def test_assert_raises_eagerly_in_functions_and_sessions():
    # TF: tf.debugging.Assert raises InvalidArgumentError "assertion failed: [...]".
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
            "Expected 'False' to be true. Summarized data: b'x is'\n3")):
        tf.debugging.Assert(tf.constant(False), ["x is", tf.constant(3)])

    @tf.function
    def f(x):
        check = tf.debugging.Assert(x > 0, ["x must be positive:", x])
        with tf.control_dependencies([check]):
            return tf.identity(x)

    assert float(f(tf.constant(1.0))) == 1.0
    with pytest.raises(tf.errors.InvalidArgumentError, match="x must be positive:"):
        f(tf.constant(-1.0))
    g = tf.Graph()
    with g.as_default():
        p = tf.compat.v1.placeholder(tf.float32, [])
        check = tf.debugging.Assert(p > 0, [p])
        with tf.compat.v1.Session() as sess:
            sess.run(check, {p: 1.0})
            with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
                    "assertion failed: [-2]")):
                sess.run(check, {p: -2.0})
    # TF 2.21's graph formats: 3 entries by default, nested brackets, booleans as 1/0.
    for data, text in (([tf.constant([[1, 2], [3, 4]])], "[[1 2][3...]...]"),
                       ([tf.range(30), "and", tf.constant([True, False])],
                        "[0 1 2...] [and] [1 0]")):
        check = tf.function(lambda x: tf.debugging.Assert(x > 0, data))
        with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
                "assertion failed: " + text)):
            check(tf.constant(-1))


# ---------------------------------------------------------------------------
# tf.while_loop

def test_while_loop_values_nested_structures_and_names():
    # TF 2.21: loop variables may be nested; the results are the While op's outputs
    # from index 2 on ('while:2', ...), after the loop counter and maximum_iterations.
    Pair = __import__("collections").namedtuple("Pair", "a b")

    @tf.function
    def f(x):
        return tf.while_loop(lambda i, p: i < 4,
                             lambda i, p: (i + 1, Pair(p.a * 2.0, {"s": p.b["s"] + p.a})),
                             [0, Pair(x, {"s": tf.zeros_like(x)})])

    i, p = f(tf.constant([1.0, 2.0]))
    assert int(i) == 4 and isinstance(p, Pair)
    np.testing.assert_allclose(np.asarray(p.a), [16.0, 32.0])
    np.testing.assert_allclose(np.asarray(p.b["s"]), [15.0, 30.0])
    g = f.get_concrete_function(tf.constant([1.0, 2.0])).graph
    loop = [op for op in g.get_operations() if op.type == "StatelessWhile"]
    assert [op.name for op in loop] == ["while"]
    assert [t.name for t in loop[0].outputs[2:]] == ["while:2", "while:3", "while:4"]


def test_while_loop_single_variable_forms():
    # TF 2.21: a one-element list comes back as a list; the body may return the bare
    # tensor. tf.compat.v1.while_loop unpacks it unless return_same_structure.
    @tf.function
    def f(x):
        return (tf.while_loop(lambda v: v < 100.0, lambda v: v * x, [x]),
                tf.compat.v1.while_loop(lambda v: v < 100.0, lambda v: v * x, [x]))

    v2, v1 = f(tf.constant(2.0))
    assert isinstance(v2, list) and float(v2[0]) == 128.0 and float(v1) == 128.0


def test_while_loop_errors_match_tf():
    x = tf.constant([1.0])

    def in_function(fn):
        return tf.function(fn)(x)

    # TF 2.21: ValueError naming the tensor and both shapes.
    with pytest.raises(ValueError, match=re.escape(
            "Input tensor `x:0` enters the loop with shape (1,), but has shape (2,) after one "
            "iteration. To allow the shape to vary across iterations, use the "
            "`shape_invariants` argument of tf.while_loop to specify a less-specific shape.")):
        in_function(lambda x: tf.while_loop(lambda i, v: i < 3,
                                            lambda i, v: (i + 1, tf.concat([v, v], 0)), [0, x]))
    # TF 2.21: TypeError for a dtype change.
    with pytest.raises(TypeError, match=re.escape(
            "Loop var x:0 enters the loop with type <dtype: 'float32'> but has type "
            "<dtype: 'int32'> after 1 iteration. x:0 type should remain constant.")):
        in_function(lambda x: tf.while_loop(lambda i, v: i < 3,
                                            lambda i, v: (i + 1, tf.cast(v, tf.int32)), [0, x]))
    # TF 2.21: ValueError for a different structure.
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        in_function(lambda x: tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1,), [0, x]))
    # Ours: a shape the invariant lets change cannot be compiled by XLA.
    with pytest.raises(ValueError, match="needs each loop variable's shape fixed"):
        in_function(lambda x: tf.while_loop(
            lambda i, v: i < 3, lambda i, v: (i + 1, tf.concat([v, v], 0)), [0, x],
            shape_invariants=[tf.TensorShape([]), tf.TensorShape([None])]))


def test_shape_invariants_are_what_the_graph_knows():
    # TF: inside the body and after the loop, a loop variable has its invariant shape.
    seen = {}

    @tf.function
    def f(x):
        def body(v):
            seen["inside"] = v.shape
            return [v * 2.0]
        out = tf.while_loop(lambda v: tf.reduce_sum(v) < 10.0, body, [x],
                            shape_invariants=[tf.TensorShape([None])])
        seen["after"] = out[0].shape
        return out

    np.testing.assert_allclose(np.asarray(f(tf.constant([1.0, 2.0]))[0]), [4.0, 8.0])
    assert seen["inside"].as_list() == [None] and seen["after"].as_list() == [None]


def test_while_loop_with_static_trip_count_gradients_and_hessian():
    def tf_fn(x):
        return tf.while_loop(lambda i, v: i < 5, lambda i, v: (i + 1, tf.sin(v) * x), [0, x])[1]

    def jax_fn(x):
        return lax.fori_loop(0, 5, lambda i, v: jnp.sin(v) * x, x)

    x = np.array([0.3, -0.7])
    _check_gradient(tf_fn, jax_fn, x)

    @tf.function
    def hess(x):
        return tf.hessians(tf.reduce_sum(tf_fn(x)), x)[0]

    want = jax.hessian(lambda v: jnp.sum(jax_fn(v)))(jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(hess(tf.constant(x))), np.asarray(want), rtol=1e-7)


def test_data_dependent_trip_count_with_and_without_maximum_iterations():
    # The trip count depends on x (double until above a threshold): TF differentiates
    # it; here a scan masked after the loop's end (run-time bucket, or the bound).
    def tf_fn(x, maximum_iterations=None):
        def body(i, v):
            return i + 1, v * 1.5 + tf.sin(v)
        return tf.while_loop(lambda i, v: tf.reduce_max(v) < 50.0, body, [0, x],
                             maximum_iterations=maximum_iterations)[1]

    def jax_fn(x, bound=None):
        def cond(c):
            i, v = c
            go = jnp.max(v) < 50.0
            return go if bound is None else go & (i < bound)
        n = int(lax.while_loop(cond, lambda c: (c[0] + 1, c[1] * 1.5 + jnp.sin(c[1])),
                               (0, x))[0])
        return lax.fori_loop(0, n, lambda i, v: v * 1.5 + jnp.sin(v), x)

    for x in (np.array([1.0, 2.0]), np.array([0.01, 0.02]), np.array([30.0, 1.0])):
        _check_gradient(tf_fn, jax_fn, x)
        _check_gradient(tf_fn, lambda v: jax_fn(v, 4), x, maximum_iterations=4)


def test_run_time_trip_counts_grow_their_bucket():
    # One tf.function called with ever larger trip counts stays correct (the scan is
    # recompiled for the next power of two), also after a smaller one.
    @tf.function
    def f(x, n):
        v = tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, v * x), [0, x])[1]
        return v, tf.gradients(v, x)[0]

    for n in (3, 40, 5, 100):
        v, g = f(tf.constant(1.01, tf.float64), tf.constant(n))
        assert np.isclose(float(v), 1.01 ** (n + 1)) and np.isclose(float(g),
                                                                    (n + 1) * 1.01 ** n)


def test_cond_inside_while_and_while_inside_cond():
    def tf_fn(x):
        def body(i, v):
            v = tf.cond(tf.reduce_sum(v) > 4.0, lambda: v * 0.5, lambda: v * x + 1.0)
            return i + 1, v
        looped = tf.while_loop(lambda i, v: i < 6, body, [0, x])[1]
        return tf.cond(tf.reduce_sum(x) > 0,
                       lambda: tf.while_loop(lambda v: tf.reduce_sum(v) < 20.0,
                                             lambda v: [v * 1.3 + looped], [looped])[0],
                       lambda: looped)

    def jax_fn(x):
        def body(i, v):
            return lax.cond(jnp.sum(v) > 4.0, lambda v: v * 0.5, lambda v: v * x + 1.0, v)
        looped = lax.fori_loop(0, 6, body, x)
        n = int(lax.while_loop(lambda c: jnp.sum(c[1]) < 20.0,
                               lambda c: (c[0] + 1, c[1] * 1.3 + looped), (0, looped))[0])
        inner = lax.fori_loop(0, n, lambda i, v: v * 1.3 + looped, looped)
        return jnp.where(jnp.sum(x) > 0, inner, looped)

    for x in (np.array([0.4, 0.9]), np.array([-0.4, -0.2])):
        _check_gradient(tf_fn, jax_fn, x)


def test_while_connectivity_and_back_prop_false_match_tf():
    # TF 2.21: every float input of a While reaches every loop variable (zeros where
    # nothing flows); an input the loop does not read gives None; back_prop=False: None.
    @tf.function
    def f(x, y, z):
        _, v, w = tf.while_loop(lambda i, v, w: i < 3,
                                lambda i, v, w: (i + 1, v * 2.0, w * 3.0), [0, x, y])
        stopped = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * x), [0, x],
                                back_prop=False)[1]
        return tf.gradients(v, [x, y, z]), tf.gradients(w, [x, y]), tf.gradients(stopped, x)

    vs, ws, stopped = f(tf.constant(3.0), tf.constant(4.0), tf.constant(5.0))
    assert float(vs[0]) == 8.0 and float(vs[1]) == 0.0 and vs[2] is None
    assert float(ws[0]) == 0.0 and float(ws[1]) == 27.0
    assert stopped == [None]


def test_random_ops_in_a_loop_body_draw_per_iteration():
    # TF: a stateful random op in a loop body draws new numbers each iteration.
    @tf.function
    def f():
        return tf.while_loop(lambda i, a: i < 3, lambda i, a: (
            i + 1, tf.concat([a[2:], tf.random.uniform([2], seed=2)], 0)),
            [0, tf.zeros([6])], )[1]

    values = np.asarray(f()).reshape(3, 2)
    assert len({tuple(r) for r in values}) == 3 and np.all((values >= 0) & (values < 1))
    assert not np.array_equal(np.asarray(f()), np.asarray(f()))  # and per call


def test_eager_while_loop_runs_in_python():
    out = tf.while_loop(lambda i, v: i < 4, lambda i, v: (i + 1, v * 2.0),
                        [tf.constant(0), tf.constant(1.5)])
    assert int(out[0]) == 4 and float(out[1]) == 24.0
    out = tf.while_loop(lambda v: v < 100.0, lambda v: v * 3.0, [tf.constant(1.0)],
                        maximum_iterations=2)
    assert float(out[0]) == 9.0


def test_session_runs_a_loop_and_its_gradient():
    # TF 1 style: a placeholder trip count, fed per run; gradient through the loop.
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float64, [2])
        n = tf.compat.v1.placeholder(tf.int32, [])
        v = tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, v * x), [0, x])[1]
        (gx,) = tf.gradients(tf.reduce_sum(v), x)
        with tf.compat.v1.Session() as sess:
            for steps in (2, 7):
                value, grad = sess.run([v, gx], {x: [1.1, 0.9], n: steps})
                np.testing.assert_allclose(value, np.array([1.1, 0.9]) ** (steps + 1))
                np.testing.assert_allclose(grad, (steps + 1) * np.array([1.1, 0.9]) ** steps)


def test_a_thousand_iterations_are_one_loop_in_the_jaxpr():
    # Never unrolled: one while primitive forward, one scan for the gradient.
    @tf.function
    def forward(x):
        return tf.while_loop(lambda i, v: i < 1000, lambda i, v: (i + 1, tf.sin(v)), [0, x])[1]

    @tf.function
    def gradient(x):
        return tf.gradients(forward(x), x)[0]

    def primitives(jaxpr, names=()):
        found = []
        for eqn in jaxpr.eqns:
            found.append(eqn.primitive.name)
            for p in eqn.params.values():
                for sub in (p if isinstance(p, (tuple, list)) else [p]):
                    inner = getattr(sub, "jaxpr", sub)
                    if hasattr(inner, "eqns"):
                        found.extend(primitives(inner))
        return found

    x = tf.constant([0.5])
    fwd = primitives(forward.get_concrete_function(x).as_jaxpr().jaxpr)
    assert fwd.count("while") == 1 and "scan" not in fwd
    assert len(fwd) < 40
    grad = primitives(gradient.get_concrete_function(x).as_jaxpr().jaxpr)
    assert grad.count("scan") == 2 and "while" not in grad  # forward and transposed scan
    assert len(grad) < 120
    np.testing.assert_allclose(np.asarray(gradient(x))[0], float(jax.grad(
        lambda v: lax.fori_loop(0, 1000, lambda i, u: jnp.sin(u), v))(0.5)), rtol=1e-5)


# ---------------------------------------------------------------------------
# No cache keeps a graph alive.

def _graph_with_everything():
    @tf.function
    def helper(a):
        return a * 2.0

    @tf.custom_gradient
    def custom(u):
        return u * 3.0, lambda d: d * 7.0

    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [3])
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * x, lambda: -x)
        n = tf.compat.v1.placeholder(tf.int32, [])
        z = tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, v * 1.5 + helper(y)),
                          [0, y])[1]
        w = custom(z) + tf.random.normal([3])
        (gx,) = tf.gradients(tf.reduce_sum(w), x)
        (hx,) = tf.gradients(tf.reduce_sum(gx * gx), x)
        with tf.compat.v1.Session() as sess:
            out = sess.run([gx, hx], {x: np.ones(3, np.float32), n: 4})
    return weakref.ref(g), out


def _function_with_everything():
    @tf.function
    def f(x, n):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * x, lambda: -x)

        @tf.custom_gradient
        def custom(u):
            return u * 3.0, lambda d: d * 7.0

        z = tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, v * 1.5 + y), [0, y])[1]
        (gx,) = tf.gradients(tf.reduce_sum(custom(z)), x)
        return tf.gradients(tf.reduce_sum(gx * gx), x)[0]

    out = f(tf.ones([3]), tf.constant(4))
    return weakref.ref(f.get_concrete_function(tf.ones([3]), tf.constant(4)).graph), out


def test_deleted_graphs_and_functions_are_freed():
    graph, out = _graph_with_everything()
    # 7 * d(z)/d(y) * 2x with z = 1.5^4 y + 2 y (1.5^3 + 1.5^2 + 1.5 + 1) = 21.3125 y.
    np.testing.assert_allclose(out[0], [298.375] * 3)
    function_graph, _ = _function_with_everything()
    # JAX's own caches drop their entries for dead functions from weakref callbacks, run
    # during a collection; what those entries held goes in the next one.
    for _ in range(3):
        gc.collect()
    assert graph() is None, "a cache kept a deleted tf.Graph alive"
    assert function_graph() is None, "a cache kept a deleted tf.function's graph alive"


def test_a_tensor_of_a_loop_body_used_outside_is_out_of_scope():
    # TF 2.21: InaccessibleTensorError ("... is out of scope and cannot be used here"),
    # raised while tracing, for a body tensor leaked through a Python list.
    leaked = []

    def body(i):
        leaked.append(i)
        return i + 1

    @tf.function(autograph=False)
    def use_it(x):
        tf.while_loop(lambda i: i < 3, body, [x])
        return leaked[-1] * 2

    @tf.function(autograph=False)
    def return_it(x):
        tf.while_loop(lambda i: i < 3, body, [x])
        return leaked[-1]

    for f in (use_it, return_it):
        with pytest.raises(tf.errors.InaccessibleTensorError,
                           match="is out of scope and cannot be used here"):
            f(tf.constant(0))


def test_declared_output_avals_match_the_lowerings():
    # Ops carrying sub-graphs read their output shapes off those graphs (`out_avals`)
    # instead of tracing themselves again: each must agree with jax.eval_shape.
    from tfgrad_jax.framework import op_def
    from tfgrad_jax.framework.func_graph import sub_graphs

    @tf.function
    def inner(v):
        return v * 2.0, tf.reduce_sum(v)

    @tf.custom_gradient
    def custom(u):
        return u * 3.0, lambda d: d * 7.0

    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [3])
        n = tf.compat.v1.placeholder(tf.int32, [])
        y = tf.cond(n > 2, lambda: (x * x, n), lambda: (-x, n + 1))[0]
        z = tf.switch_case(n, [lambda: y, lambda: y * 2.0])
        w = tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, inner(v)[0] + z), [0, z])[1]
        (gx,) = tf.gradients(tf.reduce_sum(custom(w)), x)
        tf.gradients(tf.reduce_sum(gx * gx), x)

    checked = set()

    def check(graph):
        for op in graph.get_operations():
            if op._opdef.out_avals is not None:
                declared = op._opdef.out_avals(op.inputs, op._attrs)
                if declared is not None:
                    avals = tuple((t._aval.shape, t._aval.dtype) for t in op.inputs)
                    attrs = {k: v for k, v in op._attrs.items() if not k.startswith("_")}
                    traced = op_def._eval_shape(op._opdef, op._input_lengths, attrs, avals)
                    assert [(a.shape, a.dtype) for a in declared] == [
                        (a.shape, a.dtype) for a in traced], op.name
                    checked.add(op.type)
            for sub in sub_graphs(op):
                check(sub)

    check(g)
    assert {"StatelessIf", "StatelessCase", "StatelessWhile", "PartitionedCall",
            "SymbolicGradient", "CallWithGradient"} <= checked
