"""tf.gradients: the documented examples, SPEC.md's facts, arguments, registries.

Expected values are TF 2.21's (checked against tensorflow-cpu 2.21); each test
names the TF behaviour it mirrors.
"""

import re
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tfgrad_jax as tf


def _values(tensors):
    return [None if t is None else np.asarray(t) for t in tensors]


# ---------------------------------------------------------------------------
# The documented examples, verbatim from the tf.gradients reference page.

DOC_EXAMPLES = [
    ("""
@tf.function
def example():
  a = tf.constant(0.)
  b = 2 * a
  return tf.gradients(a + b, [a, b], stop_gradients=[a, b])
result = example()
""", [1.0, 1.0]),
    ("""
@tf.function
def example():
  a = tf.constant(0.)
  b = 2 * a
  return tf.gradients(a + b, [a, b])
result = example()
""", [3.0, 1.0]),
    ("""
@tf.function
def example():
  a = tf.stop_gradient(tf.constant(0.))
  b = tf.stop_gradient(2 * a)
  return tf.gradients(a + b, [a, b])
result = example()
""", [1.0, 1.0]),
    ("""
@tf.function
def example(use_zero):
  a = tf.ones([1, 2])
  b = tf.ones([3, 1])
  if use_zero:
    return tf.gradients([b], [a], unconnected_gradients='zero')
  else:
    return tf.gradients([b], [a], unconnected_gradients='none')
result = [example(False), example(True)]
""", None),
    ("""
@tf.function
def example():
  Ws = tf.constant(0.)
  bs = 2 * Ws
  cost = Ws + bs  # This is just an example. Please ignore the formulas.
  g = tf.gradients(cost, [Ws, bs])
  dCost_dW, dCost_db = g
  return dCost_dW, dCost_db
result = example()
""", (3.0, 1.0)),
]


@pytest.mark.parametrize("source,expected", DOC_EXAMPLES)
def test_documented_examples_run_verbatim(source, expected):
    namespace = {"tf": tf}
    exec(textwrap.dedent(source), namespace)
    result = namespace["result"]
    if expected is None:  # the unconnected_gradients example
        none_case, zero_case = result
        assert none_case == [None]
        assert len(zero_case) == 1
        assert repr(zero_case[0]) == ("<tf.Tensor: shape=(1, 2), dtype=float32, numpy="
                                      "array([[0., 0.]], dtype=float32)>")
        return
    assert type(result) is type(expected)
    assert [float(t) for t in result] == list(expected)
    for t in result:
        assert repr(t) == f"<tf.Tensor: shape=(), dtype=float32, numpy={float(t)}>"


# ---------------------------------------------------------------------------
# SPEC.md: facts checked against TF 2.21.

def test_eager_call_raises_runtime_error():
    # TF: tf.gradients in eager mode raises RuntimeError with this text.
    with pytest.raises(RuntimeError, match=re.escape(
            "tf.gradients is not supported when eager execution is enabled. Use "
            "tf.GradientTape instead.")):
        tf.gradients(tf.constant(1.0), tf.constant(1.0))


def test_stop_gradient_output_is_unconnected():
    # TF: y = tf.stop_gradient(x) * 2; tf.gradients(y, x) -> [None]; 'zero' -> [0.0].
    @tf.function
    def f(x):
        y = tf.stop_gradient(x) * 2
        return tf.gradients(y, x), tf.gradients(y, x, unconnected_gradients="zero")

    none_case, zero_case = f(tf.constant(1.5))
    assert none_case == [None]
    assert float(zero_case[0]) == 0.0 and zero_case[0].dtype == tf.float32


def test_integer_tensors_are_constants():
    # TF: i = tf.constant(3); z = tf.cast(i, tf.float32) * x; tf.gradients(z, [i, x])
    # -> [None, 3.0]; with 'zero' -> [0 (int32), 3.0].
    @tf.function
    def f(x):
        i = tf.constant(3)
        z = tf.cast(i, tf.float32) * x
        return (tf.gradients(z, [i, x]),
                tf.gradients(z, [i, x], unconnected_gradients="zero"))

    plain, zero = f(tf.constant(2.0))
    assert plain[0] is None and float(plain[1]) == 3.0
    assert zero[0].dtype == tf.int32 and int(zero[0]) == 0
    assert float(zero[1]) == 3.0


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_gradients_keep_the_dtype_of_x(dtype):
    # TF: float64 in, float64 out (and likewise for the other float types).
    dtype = tf.as_dtype(dtype)

    @tf.function
    def f(x):
        return tf.gradients(x * x * 3.0, x)[0]

    g = f(tf.cast(tf.constant([1.0, 2.0]), dtype))
    assert g.dtype == dtype
    np.testing.assert_allclose(np.asarray(g, np.float64), [6.0, 12.0], rtol=1e-2)


def test_float_int_float_path_does_not_connect():
    # TF: Cast's gradient is None when either side is an integer type.
    @tf.function
    def f(x):
        y = tf.cast(tf.cast(x, tf.int32), tf.float32) * 2.0
        return tf.gradients(y, x), tf.gradients(y, x, unconnected_gradients="zero")

    none_case, zero_case = f(tf.constant(3.0))
    assert none_case == [None]
    assert float(zero_case[0]) == 0.0


def test_integer_x_that_is_y_gets_its_seed():
    # TF: tf.gradients(xi, xi) for an int32 xi is the default seed, ones of int32.
    @tf.function
    def f():
        xi = tf.constant(3)
        return tf.gradients(xi, xi), tf.gradients(xi * 2, xi, unconnected_gradients="zero")

    seed, zero = f()
    assert seed[0].dtype == tf.int32 and int(seed[0]) == 1
    assert zero[0].dtype == tf.int32 and int(zero[0]) == 0


def test_non_differentiable_ops_do_not_connect():
    # TF registers no gradient (NotDifferentiable) for comparisons, shape, floor-division.
    @tf.function
    def f(x):
        y = tf.cast(tf.greater(x, 1.0), tf.float32) + tf.cast(tf.shape(x)[0], tf.float32)
        return tf.gradients(y, x)

    assert f(tf.constant([2.0, 3.0])) == [None]


def test_stopping_one_output_stops_the_whole_op():
    # TF: stop_gradients work per op (TF's _StopOps); all outputs of tf.split stop.
    @tf.function
    def f(x):
        parts = tf.unstack(x * 1.0)
        y = parts[0] * 2.0 + parts[1] * 3.0
        return (tf.gradients(y, x, stop_gradients=[parts[0]]),
                tf.gradients(y, x))

    stopped, full = f(tf.constant([1.0, 1.0]))
    assert stopped == [None]
    np.testing.assert_allclose(np.asarray(full[0]), [2.0, 3.0])


def test_stopped_x_still_gets_its_partial_derivative():
    # TF: a tensor in both xs and stop_gradients gets d(y)/d(itself) (the doc's [1, 1]).
    @tf.function
    def f(x):
        a = x * 1.0
        b = a * a
        return tf.gradients(a + b, [a, b, x], stop_gradients=[a])

    ga, gb, gx = f(tf.constant(3.0))
    assert float(ga) == 1.0 + 6.0 and float(gb) == 1.0
    assert gx is None  # x reaches ys only through the stopped a


def test_x_listed_twice_and_ys_containing_x():
    # TF: a repeated x gets the same gradient twice; a y that is x adds its seed.
    @tf.function
    def f(x):
        return tf.gradients([x, x * 2.0], [x, x])

    g1, g2 = f(tf.constant(3.0))
    assert float(g1) == 3.0 and float(g2) == 3.0


def test_grad_ys_weight_each_y():
    # TF: grad_ys is the initial gradient of each y; None entries mean ones.
    @tf.function
    def f(x):
        return tf.gradients([x * 2.0, x * 3.0], [x], grad_ys=[tf.constant(2.0), None])

    assert float(f(tf.constant(1.0))[0]) == 7.0


def test_default_grad_ys_are_named_as_tf():
    # TF: default seeds are gradients/grad_ys_0, ...; the scope is made unique.
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(1.0)
        y = x * x
        tf.gradients(y, x)
        tf.gradients([y, y], x)
        names = [op.name for op in g.get_operations()]
    assert "gradients/grad_ys_0" in names
    assert "gradients_1/grad_ys_0" in names and "gradients_1/grad_ys_1" in names
    assert all(n.startswith(("gradients/", "gradients_1/")) for n in names[2:])


def test_custom_name_scope():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(1.0)
        (dx,) = tf.gradients(x * x, x, name="my_grads")
    assert dx.name.startswith("my_grads/")


def test_gradients_of_gradients_second_derivative():
    # TF: gradients are graph tensors that can be differentiated again.
    @tf.function
    def f(x):
        y = tf.reduce_sum(tf.sin(x) * x)
        (g,) = tf.gradients(y, x)
        (gg,) = tf.gradients(g, x)
        return g, gg

    x = np.array([0.3, -1.2, 2.0])
    g, gg = f(x)
    np.testing.assert_allclose(np.asarray(g), np.cos(x) * x + np.sin(x), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(gg), -np.sin(x) * x + 2 * np.cos(x), rtol=1e-12)


def test_hessians_shape_and_values():
    # TF: tf.hessians returns shape(x) + shape(x) per x.
    @tf.function
    def f(x):
        y = tf.reduce_sum(x * x * tf.reduce_sum(x))
        return tf.hessians(y, x)

    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    (h,) = f(x)
    expected = jax.hessian(lambda v: jnp.sum(v * v * jnp.sum(v)))(x)
    assert h.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(np.asarray(h), np.asarray(expected), rtol=1e-12)


def test_gradients_work_in_a_tf1_graph():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant([1.0, 2.0])
        (dx,) = tf.gradients(tf.reduce_sum(x * x), x)
        assert isinstance(dx, tf.Tensor) and dx.graph is g
    assert "SymbolicGradient" in g.as_text()


# ---------------------------------------------------------------------------
# TF's own gradient rules where they differ from JAX's derivative.

def test_tf_rules_at_ties_and_kinks():
    # TF: maximum/minimum give a tie wholly to x; abs and relu have gradient 0 at 0.
    @tf.function
    def f(a, b, z):
        return (tf.gradients(tf.maximum(a, b), [a, b]), tf.gradients(tf.minimum(a, b), [a, b]),
                tf.gradients(tf.abs(z), z), tf.gradients(tf.nn.relu(z), z))

    mx, mn, ab, rl = f(tf.constant(1.0), tf.constant(1.0), tf.constant(0.0))
    assert _values(mx) == [1.0, 0.0] and _values(mn) == [1.0, 0.0]
    assert _values(ab) == [0.0] and _values(rl) == [0.0]


def test_reduce_max_ties_share_equally():
    # TF: reduce_max's gradient is split equally among tied maxima.
    @tf.function
    def f(x):
        return tf.gradients(tf.reduce_max(x), x)[0]

    np.testing.assert_allclose(np.asarray(f(tf.constant([1.0, 3.0, 3.0]))), [0.0, 0.5, 0.5])


def test_pow_of_negative_base():
    # TF: d(x**y)/dy is 0 (not nan) where x <= 0.
    @tf.function
    def f(x, y):
        return tf.gradients(tf.pow(x, y), [x, y])

    assert _values(f(tf.constant(-2.0), tf.constant(2.0))) == [-4.0, 0.0]


def test_complex_gradient_is_the_conjugate_of_jax_cotangent():
    # TF: d(z*z) with grad_ys=1 is conj(2z) = 2-4j at z=1+2j; |z|^2 gives 2z.
    @tf.function
    def f(z):
        one = tf.constant(1 + 0j, tf.complex128)
        square = tf.gradients(z * z, z, grad_ys=[one])[0]
        return square

    assert complex(f(np.complex128(1 + 2j))) == 2 - 4j


def test_complex_y_without_grad_ys_raises_type_error():
    # TF: "Gradients of complex tensors (...) must set grad_ys (y.dtype = complex128)".
    g = tf.Graph()
    with g.as_default():
        z = tf.constant(1 + 2j)
        with pytest.raises(TypeError, match="must set grad_ys"):
            tf.gradients(z * z, z)


# ---------------------------------------------------------------------------
# Argument validation, with TF's classes and messages.

def _graph_with_square():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(2.0)
        y = x * x
    return g, x, y


def test_grad_ys_length_mismatch():
    g, x, y = _graph_with_square()
    with g.as_default(), pytest.raises(ValueError,
                                       match="Length mismatch. Passed 2 grad_ys for 1 ys"):
        tf.gradients([y], [x], grad_ys=[1.0, 2.0])


@pytest.mark.parametrize("grad_y,error", [
    (lambda: tf.constant(True), TypeError),                  # TF: must be real or integer
    (lambda: tf.constant(2.0, tf.float64), TypeError),       # TF: Mul dtype mismatch
    (lambda: tf.constant([1.0, 2.0]), ValueError),           # TF: incompatible shapes
])
def test_bad_grad_ys(grad_y, error):
    g, x, y = _graph_with_square()
    with g.as_default(), pytest.raises(error, match="grad_ys|Gradient type"):
        tf.gradients(y, x, grad_ys=[grad_y()])


def test_aggregation_methods():
    # TF: the AggregationMethod constants are 0, 0, 1, 2; anything else is a ValueError.
    assert (tf.AggregationMethod.ADD_N, tf.AggregationMethod.DEFAULT,
            tf.AggregationMethod.EXPERIMENTAL_TREE,
            tf.AggregationMethod.EXPERIMENTAL_ACCUMULATE_N) == (0, 0, 1, 2)

    @tf.function
    def f(x, method):
        y = x * x + tf.sin(x) * x
        return tf.gradients([y, y * 2.0], x, aggregation_method=method)[0]

    values = [float(f(tf.constant(0.7), m)) for m in (None, 0, 1, 2)]
    np.testing.assert_allclose(values, values[0], rtol=1e-6)
    g, x, y = _graph_with_square()
    with g.as_default(), pytest.raises(ValueError, match=re.escape(
            "Invalid `aggregation_method` specified 7. Accepted values are [0, 1, 2].")):
        tf.gradients(y, x, aggregation_method=7)


def test_unconnected_gradients_values():
    # TF: UnconnectedGradients.NONE/.ZERO or 'none'/'zero'; anything else ValueError.
    assert tf.UnconnectedGradients.NONE.value == "none"
    assert tf.UnconnectedGradients.ZERO.value == "zero"
    g, x, y = _graph_with_square()
    with g.as_default():
        other = tf.constant([1, 2], tf.int64)
        z = tf.gradients(y, [other], unconnected_gradients=tf.UnconnectedGradients.ZERO)[0]
        assert z.dtype == tf.int64 and z.shape == (2,)
        with pytest.raises(ValueError, match="Unknown value for unconnected_gradients: 'foo'"):
            tf.gradients(y, x, unconnected_gradients="foo")


def test_gate_gradients_groups_results_with_the_same_values():
    @tf.function
    def f(x, gate):
        return tf.gradients(tf.reduce_sum(x * x), [x], gate_gradients=gate)[0]

    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(np.asarray(f(x, True)), np.asarray(f(x, False)))
    jaxpr = str(f.get_concrete_function(x, True).as_jaxpr())
    assert "optimization_barrier" in jaxpr


def test_tensors_of_another_graph_raise_value_error():
    g1, x1, _ = _graph_with_square()
    g2, _, y2 = _graph_with_square()
    with g2.as_default(), pytest.raises(ValueError, match="another graph"):
        tf.gradients(y2, x1)


def test_python_number_in_xs_is_an_unconnected_constant():
    # TF: a non-tensor x is converted to a constant, which nothing depends on.
    g, x, y = _graph_with_square()
    with g.as_default():
        assert tf.gradients(y, [1.0]) == [None]


# ---------------------------------------------------------------------------
# Missing gradients (LookupError), decided on the graph.

def test_missing_gradient_raises_lookup_error_only_on_the_path():
    # TF: "No gradient defined for operation '<name>' (op type: <type>)" for an op with
    # no gradient function between x and y; an op off the path raises nothing.
    @tf.RegisterGradient("NoSuchGradientYet")  # registering a name is allowed once
    def _unused(op, grad):
        return grad

    g = tf.Graph()
    with g.as_default():
        x = tf.constant([1.0, 2.0])
        with g.gradient_override_map({"Square": "NotRegisteredAnywhere"}):
            y = tf.square(x)
        with pytest.raises(LookupError, match=re.escape(
                "No gradient defined for operation 'Square' (op type: Square)")):
            tf.gradients(tf.reduce_sum(y), x)
        # The same op off the path: y is not between x2 and the target.
        x2 = tf.constant(3.0)
        assert float(tf.gradients(x2 * 2.0, x2)[0] is not None)


def test_registering_twice_raises_key_error():
    # TF: registering a gradient name twice raises KeyError.
    tf.RegisterGradient("TwiceRegistered")(lambda op, g: g)
    with pytest.raises(KeyError, match="Registering two gradient with name 'TwiceRegistered'"):
        tf.RegisterGradient("TwiceRegistered")(lambda op, g: g)
    with pytest.raises(KeyError):
        tf.RegisterGradient("AddV2")(lambda op, g: (g, g))  # declared with a gradient


def test_gradient_override_map_and_register_gradient():
    # TF: gradient_override_map makes ops created in the block use another gradient.
    @tf.RegisterGradient("TimesTenSquareGrad")
    def _grad(op, grad):
        return grad * 10.0 * op.inputs[0]

    @tf.function
    def f(x):
        g = tf.get_default_graph()
        with g.gradient_override_map({"Square": "TimesTenSquareGrad"}):
            y = tf.square(x)
        return tf.gradients(y, x)[0], tf.gradients(tf.square(x), x)[0]

    overridden, plain = f(tf.constant(3.0))
    assert float(overridden) == 30.0 and float(plain) == 6.0


def test_no_gradient_registered_as_none_stops():
    # TF: tf.no_gradient("T") makes ops of type T pass no gradient (no error).
    tf.no_gradient("NoGradientForThisName")

    @tf.function
    def f(x):
        g = tf.get_default_graph()
        with g.gradient_override_map({"Sin": "NoGradientForThisName"}):
            y = tf.sin(x) + x
        return tf.gradients(y, x)[0]

    assert float(f(tf.constant(0.5))) == 1.0


def test_registered_gradient_can_be_differentiated_again():
    @tf.RegisterGradient("CubeGradTwice")
    def _grad(op, grad):
        x = op.inputs[0]
        return grad * 3.0 * x * x

    @tf.function
    def f(x):
        with tf.get_default_graph().gradient_override_map({"Identity": "CubeGradTwice"}):
            y = tf.identity(x)
        (g,) = tf.gradients(y, x)
        (gg,) = tf.gradients(g, x)
        return g, gg

    g, gg = f(tf.constant(2.0))
    assert float(g) == 12.0 and float(gg) == 12.0


# ---------------------------------------------------------------------------
# tf.custom_gradient in graph mode.

def test_custom_gradient_one_input():
    # TF: the gradient of a custom_gradient function is what grad_fn returns.
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))

        return tf.math.log(1 + e), grad

    @tf.function
    def f(x):
        return tf.gradients(log1pexp(x), x)[0]

    np.testing.assert_allclose(np.asarray(f(tf.constant(100.0))), 1.0)
    np.testing.assert_allclose(np.asarray(f(tf.constant(0.0))), 0.5)


def test_custom_gradient_several_inputs_and_variables_argument():
    @tf.custom_gradient
    def scaled_product(x, y):
        def grad(dz, variables=None):
            return (dz * y * 100.0, dz * x), []

        return x * y, grad

    @tf.function
    def f(x, y):
        return tf.gradients(scaled_product(x, y), [x, y])

    gx, gy = f(tf.constant(2.0), tf.constant(3.0))
    assert float(gx) == 300.0 and float(gy) == 2.0


def test_bincount_on_the_path_raises_lookup_error_off_the_path_not():
    # TF: DenseBincount has no gradient; weights flowing into it from x -> LookupError.
    # An integer path into bincount is cut before it, so nothing is raised.
    @tf.function
    def on_path(w):
        counts = tf.math.bincount(tf.constant([0, 1, 1]), weights=w, minlength=3, maxlength=3,
                                  dtype=tf.float32)
        return tf.gradients(tf.reduce_sum(counts), w)

    with pytest.raises(LookupError, match=re.escape("(op type: DenseBincount)")):
        on_path(tf.constant([1.0, 2.0, 3.0]))

    @tf.function
    def int_path(x):
        counts = tf.math.bincount(tf.cast(x, tf.int32), minlength=4, maxlength=4)
        return tf.gradients(tf.reduce_sum(tf.cast(counts, tf.float32)) * x, x)

    assert _values(int_path(tf.constant(2.0))) == [1.0]  # one count of the value 2


def test_register_gradient_for_an_op_without_one():
    # TF: RegisterGradient gives a gradient to an op type that has none.
    @tf.RegisterGradient("DenseBincount")
    def _bincount_grad(op, grad):
        return [None, tf.gather(grad, op.inputs[0])]

    try:
        @tf.function
        def f(w):
            counts = tf.math.bincount(tf.constant([0, 2, 2]), weights=w, minlength=3,
                                      maxlength=3, dtype=tf.float32)
            return tf.gradients(tf.reduce_sum(counts * tf.constant([1.0, 10.0, 100.0])), w)

        np.testing.assert_allclose(np.asarray(f(tf.constant([1.0, 1.0, 1.0]))[0]),
                                   [1.0, 100.0, 100.0])
    finally:
        import importlib
        importlib.import_module("tfgrad_jax.gradients")._GRADIENT_FUNCTIONS.pop("DenseBincount")


def test_gather_gradient_is_indexed_slices():
    # TF: the gradient of params used only through tf.gather is an IndexedSlices
    # (values = output gradient rows, indices = the gather indices); several gathers
    # concatenate; a dense use as well makes the sum dense.
    @tf.function
    def f(params, idx):
        y = tf.reduce_sum(tf.gather(params, idx) ** 2)
        two = y + tf.reduce_sum(tf.gather(params, [1]))
        dense = y + tf.reduce_sum(params)
        return (tf.gradients(y, params)[0], tf.gradients(two, params)[0],
                tf.gradients(dense, params)[0])

    params = np.arange(6.0).reshape(3, 2)
    idx = np.array([2, 0, 2])
    single, double, dense = f(params, idx)
    assert isinstance(single, tf.IndexedSlices) and isinstance(double, tf.IndexedSlices)
    np.testing.assert_array_equal(np.asarray(single.indices), idx)
    np.testing.assert_allclose(np.asarray(single.values), 2 * params[idx])
    np.testing.assert_array_equal(np.asarray(single.dense_shape), [3, 2])
    np.testing.assert_array_equal(np.asarray(double.indices), [2, 0, 2, 1])
    expected = jax.grad(lambda p: jnp.sum(p[idx] ** 2))(params)
    np.testing.assert_allclose(np.asarray(tf.convert_to_tensor(single)), expected)
    np.testing.assert_allclose(np.asarray(dense), expected + 1.0)
    assert not isinstance(dense, tf.IndexedSlices)


# ---------------------------------------------------------------------------
# Found by a differential audit against TF 2.21 (values hard-coded from TF).

def test_sqrt_rsqrt_reciprocal_pass_zero_where_the_incoming_gradient_is_zero():
    # TF: SqrtGrad/RsqrtGrad/ReciprocalGrad return 0 where dy == 0, so the masked-off
    # branch of tf.where(x > 0, tf.sqrt(x), 0) gives 0 at x <= 0, not nan.
    @tf.function
    def f(x):
        return (tf.gradients(tf.where(x > 0, tf.sqrt(x), tf.zeros_like(x)), x)[0],
                tf.gradients(tf.where(x > 0, tf.math.rsqrt(x), x), x)[0],
                tf.gradients(tf.where(tf.not_equal(x, 0.0), tf.math.reciprocal(x), x), x)[0],
                tf.gradients(tf.sqrt(x), x)[0])

    sq, rs, rc, plain = f(tf.constant([-1.0, 0.0, 4.0]))
    np.testing.assert_array_equal(np.asarray(sq), [0.0, 0.0, 0.25])
    np.testing.assert_array_equal(np.asarray(rs), [1.0, 1.0, -0.0625])
    np.testing.assert_array_equal(np.asarray(rc), [-1.0, 1.0, -0.0625])
    np.testing.assert_array_equal(np.asarray(plain), [np.nan, np.inf, 0.25])


def test_unused_output_of_a_differentiated_op_gets_zeros():
    # TF fills zeros for the outputs without gradient of an op it differentiates:
    # a, b = tf.unstack(x); tf.gradients(a, [b, x]) -> [zeros, ...]; but with
    # xs=[b] alone the op is not differentiated -> [None].
    @tf.function
    def f(x):
        a, b = tf.unstack(x)
        return tf.gradients(a, [b, x]), tf.gradients(a, [b])

    both, alone = f(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(np.asarray(both[0]), [0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(both[1]), [[1.0, 1.0], [0.0, 0.0]])
    assert alone == [None]


def test_registered_gradient_returning_none_disconnects_that_input():
    # TF: an input whose registered gradient is None gets None (not zeros) through that
    # op, and the ops above it are not asked for a gradient (no LookupError for a
    # DenseBincount inside a tf.custom_gradient forward).
    @tf.custom_gradient
    def scaled(x, y):
        return x * y, lambda d: (d * 7.0, None)

    @tf.custom_gradient
    def counted(w):
        def grad(d):
            return tf.ones_like(w) * tf.reduce_sum(d) * 5.0
        return tf.math.bincount(tf.constant([0, 1, 1]), weights=w), grad

    @tf.function
    def f(x, y, w):
        return tf.gradients(scaled(x, y), [x, y]), tf.gradients(counted(w), w)

    xy, ww = f(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]), tf.constant([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(np.asarray(xy[0]), [7.0, 7.0])
    assert xy[1] is None
    np.testing.assert_array_equal(np.asarray(ww[0]), [10.0, 10.0, 10.0])


def test_override_returning_none_and_extra_none_for_tf_tensor_inputs():
    # TF: a gradient_override_map function returning None for an input gives None;
    # GatherV2's gradient function returns 3 values in TF (its axis is an input) -
    # here axis is an attribute, and the trailing None is accepted.
    @tf.RegisterGradient("AuditMulFirstOnly")
    def _mul_grad(op, grad):
        return grad * op.inputs[1], None

    @tf.RegisterGradient("AuditGatherSevens")
    def _gather_grad(op, grad):
        return tf.ones_like(op.inputs[0]) * 7.0, None, None

    import importlib
    registry = importlib.import_module("tfgrad_jax.gradients")._GRADIENT_FUNCTIONS
    try:
        g = tf.Graph()
        with g.as_default():
            x, w = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
            with g.gradient_override_map({"Mul": "AuditMulFirstOnly",
                                          "GatherV2": "AuditGatherSevens"}):
                y = x * w
                z = tf.gather(x, [1])
            dx, dw = tf.gradients(y, [x, w])
            (dz,) = tf.gradients(z, x)
            assert dw is None
            with tf.compat.v1.Session() as sess:
                vx, vz = sess.run([dx, dz])
        np.testing.assert_array_equal(vx, [3.0, 4.0])
        np.testing.assert_array_equal(vz, [7.0, 7.0])
    finally:
        registry.pop("AuditMulFirstOnly")
        registry.pop("AuditGatherSevens")


def test_float_grad_ys_for_an_integer_cast_flows_back():
    # TF's Cast gradient casts the gradient it receives: a float grad_ys for
    # y = tf.cast(x, tf.int32) reaches x; an integer grad_ys does not.
    @tf.function
    def f(x):
        c = tf.cast(x * 2.0, tf.int32)
        return (tf.gradients(c, [c, x], grad_ys=[tf.constant([2.0, 3.0])]),
                tf.gradients(c, x, grad_ys=[tf.constant([2, 3])]))

    floats, ints = f(tf.constant([1.0, 0.0]))
    np.testing.assert_array_equal(np.asarray(floats[0]), [2.0, 3.0])
    np.testing.assert_array_equal(np.asarray(floats[1]), [4.0, 6.0])
    assert ints == [None]


def test_gather_sparse_only_at_axis_zero_as_written():
    # TF: IndexedSlices only when the gather's axis is 0 as given (axis=-1 of a vector,
    # axis=-2 of a matrix: dense); axis defaults to batch_dims; an intermediate x used
    # only by gathers is sparse too, and so is the gradient of a sparse gradient.
    @tf.function
    def f(v, m, x):
        h = x * 2.0
        g = tf.gradients(tf.reduce_sum(tf.gather(x, [1, 0]) ** 3), x)[0]
        return (tf.gradients(tf.gather(v, [1], axis=-1), v)[0],
                tf.gradients(tf.gather(m, [0], axis=-2), m)[0],
                tf.gather(m, [[1, 0], [0, 0]], batch_dims=1),
                tf.gradients(tf.gather(h, [0, 0]), [h, x]),
                tf.gradients(g.values, x)[0])

    v, m, x = tf.constant([1.0, 2.0, 3.0]), tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant(
        [1.0, 2.0, 3.0])
    dv, dm, batched, (dh, dx), second = f(v, m, x)
    assert not isinstance(dv, tf.IndexedSlices) and not isinstance(dm, tf.IndexedSlices)
    np.testing.assert_array_equal(np.asarray(dv), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(np.asarray(dm), [[1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(np.asarray(batched), [[2.0, 1.0], [3.0, 3.0]])
    assert isinstance(dh, tf.IndexedSlices) and not isinstance(dx, tf.IndexedSlices)
    np.testing.assert_array_equal(np.asarray(dh.values), [1.0, 1.0])
    np.testing.assert_array_equal(np.asarray(dh.indices), [0, 0])
    np.testing.assert_array_equal(np.asarray(dx), [4.0, 0.0, 0.0])
    assert isinstance(second, tf.IndexedSlices)
    np.testing.assert_array_equal(np.asarray(second.values), [12.0, 6.0])
    np.testing.assert_array_equal(np.asarray(second.indices), [1, 0])


def test_gradient_of_a_gradient_connects_only_through_floats():
    # TF differentiates the gradient graph op by op: d(3x)/dx = 3 holds no x, so its
    # gradient is None; maximum's mask is boolean (None); relu's gradient kernel takes
    # the features (zeros); the second derivative of pow at a negative base keeps
    # TF's log term 0; SoftmaxCrossEntropyWithLogits sends nothing from its backprop
    # output to the labels.
    @tf.function
    def f(x, y, w, logits, labels):
        lin = tf.gradients(x * 3.0 + y * y, [x, y])
        mx = tf.gradients(tf.maximum(x, y), x)[0]
        rl = tf.gradients(tf.reduce_sum(tf.nn.relu(tf.matmul([[1.0, -2.0]], w))), w)[0]
        pw = tf.gradients(tf.pow(x, y), x)[0]
        ce = tf.gradients(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits),
                          logits)[0]
        return (tf.gradients(lin[0], [x, y]), tf.gradients(lin[1], [x, y]),
                tf.gradients(mx, [x, y]), tf.gradients(rl, w), tf.gradients(pw, y),
                tf.gradients(ce, labels))

    lin_x, lin_y, mx, rl, pw, ce = f(
        tf.constant([0.5, -2.0]), tf.constant([2.0, 3.0]), tf.constant([[0.3, -0.2], [0.1, 0.4]]),
        tf.constant([[0.5, -1.0, 2.0]]), tf.constant([[0.2, 0.3, 0.5]]))
    assert lin_x == [None, None]
    assert lin_y[0] is None
    np.testing.assert_array_equal(np.asarray(lin_y[1]), [2.0, 2.0])
    assert mx == [None, None]
    np.testing.assert_array_equal(np.asarray(rl[0]), np.zeros((2, 2)))
    np.testing.assert_allclose(np.asarray(pw[0]), [-0.19314718, 4.0], rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(ce[0]), [[0.0, 0.0, 0.0]])


def test_hessians_eagerly_raise_tf_gradients_message():
    # TF's hessians calls tf.gradients, whose eager RuntimeError it shows.
    with pytest.raises(RuntimeError, match=re.escape("tf.gradients is not supported when eager")):
        tf.hessians(tf.constant(1.0), tf.constant(1.0))
