"""Eager ops run as one compiled program per signature; eager constants compile nothing.

TF runs an eager op as one kernel. Here an op whose lowering is several JAX
primitives runs, eagerly, as one `jax.jit` program per signature
(framework/op_def.py, `_run_eager`) instead of one compiled program per
primitive; these tests check that it gives the same values, bit for bit, as
the lowering run op by op, keeps the op-by-op path where it must (tracers,
weak types, host values, state) and keeps GradientTape recording. Shapes here
are odd ones (7x13, 5x11) so that no other test has compiled them first.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax.framework import op_def

COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


class _Compiles:
    """Counts XLA backend compiles while active (JAX's monitoring events)."""

    def __init__(self):
        self.count = 0

    def _listen(self, event, duration, **kwargs):
        if event == COMPILE_EVENT:
            self.count += 1

    def __enter__(self):
        jax.monitoring.register_event_duration_secs_listener(self._listen)
        return self

    def __exit__(self, *exc):
        jax.monitoring.unregister_event_duration_listener(self._listen)


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(0).normal(size=(7, 13)).astype(np.float32)


def _op_by_op(op_type, arrays, attrs=None):
    """The lowering run primitive by primitive, as eager ops ran before."""
    return op_def.get_opdef(op_type).call_raw([jnp.asarray(a) for a in arrays], None, attrs or {})


def test_multi_primitive_op_is_one_compile_then_none(x):
    # Softsign lowers to abs, add and div: three programs op by op, one here.
    t = tf.constant(x)
    with _Compiles() as first:
        y = tf.nn.softsign(t)
    with _Compiles() as again:
        y2 = tf.nn.softsign(t)
    assert first.count == 1
    assert again.count == 0
    np.testing.assert_allclose(y.numpy(), x / (1 + np.abs(x)), rtol=1e-6)
    np.testing.assert_array_equal(y.numpy(), y2.numpy())


@pytest.mark.parametrize("op_type, fn, as_program", [
    ("Softsign", lambda t: tf.nn.softsign(t), True),
    # A sum of products: fused, XLA sums the float32 squares in another order (an ulp
    # off), so it stays op by op.
    ("L2Loss", lambda t: tf.nn.l2_loss(t), False),
    ("LogicalNot", lambda t: tf.logical_not(t > 0), None),
])
def test_program_equals_op_by_op_bit_for_bit(x, op_type, fn, as_program):
    t = tf.constant(x)
    if as_program is not None:
        program = op_def._eager_program_for(op_def.get_opdef(op_type), [t._value], None, {})
        assert (program is not None) == as_program
    got = fn(t).numpy()
    if op_type == "LogicalNot":
        x = x > 0
    want = np.asarray(_op_by_op(op_type, [x]))
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_single_primitive_op_stays_op_by_op(x):
    # One primitive is one compile either way; op by op its program is shared by
    # every op that binds the same primitive on the same shapes.
    opdef = op_def.get_opdef("Sin")
    assert op_def._eager_program_for(opdef, [jnp.asarray(x)], None, {}) is None


def test_tracers_weak_types_and_host_values_keep_op_by_op(x):
    opdef = op_def.get_opdef("Softsign")
    weak = jnp.asarray(1.5)  # a Python float: weakly typed
    assert weak.weak_type
    assert op_def._eager_program_for(opdef, [weak], None, {}) is None
    assert op_def._eager_program_for(opdef, [x], None, {}) is None  # numpy: host value
    seen = []

    @jax.jit
    def traced(a):
        seen.append(op_def._eager_program_for(opdef, [a], None, {}))
        return a

    traced(jnp.asarray(x))
    assert seen == [None]


def test_stateful_op_keeps_op_by_op():
    # A random op draws fresh numbers per call: never cached, never compiled as a program.
    opdef = op_def.get_opdef("RandomUniform")
    assert opdef.is_stateful
    assert op_def._eager_program_for(opdef, [jnp.asarray([2, 3], jnp.int32)], None,
                                     {"dtype": tf.float32, "seed": 0, "seed2": 0}) is None


def test_eager_errors_unchanged():
    # TF: the kernel's InvalidArgumentError naming the op, eagerly.
    with pytest.raises(tf.errors.InvalidArgumentError, match="ConcatV2"):
        tf.concat([tf.ones([2, 2]), tf.ones([2, 3])], 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        tf.nn.softsign(tf.ones([2])) + tf.ones([3])


def test_gradient_tape_records_program_ops(x):
    t = tf.constant(x.astype(np.float64))
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.nn.l2_loss(tf.nn.softsign(t))
    (g,) = tape.gradient(y, [t])
    want = jax.grad(lambda a: jnp.sum((a / (1 + jnp.abs(a))) ** 2) / 2)(x.astype(np.float64))
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-12)


def test_eager_constant_compiles_nothing_and_owns_its_buffer():
    # jnp.asarray of a numpy array compiles a program per shape and dtype in this JAX;
    # tf.constant copies the value to the device instead. TF copies too: changing the
    # numpy array afterwards does not change the tensor.
    a = np.arange(5 * 11, dtype=np.float64).reshape(5, 11)
    with _Compiles() as made:
        t = tf.constant(a)
        u = tf.constant(np.ones((5, 11), np.int16))
    a[0, 0] = 99.0
    assert made.count == 0
    assert t.numpy()[0, 0] == 0.0 and t.dtype == tf.float64 and u.dtype == tf.int16
    assert not t._value.weak_type
