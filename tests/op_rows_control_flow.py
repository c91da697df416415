"""Op table rows for the ops that carry sub-graphs: cond, switch_case, while_loop and a
nested tf.function call (tests/test_op_table.py runs them).

Each op type has a stateless and a stateful form (TF's If/StatelessIf, ...): the
stateful one is built when a branch or body holds a stateful op, here a seeded
random op multiplied by zero, so the values stay deterministic. Deeper tests
(nesting, errors, run-time trip counts, AutoGraph) are in tests/test_control_flow.py.
"""

import jax.numpy as jnp
import numpy as np

import tfgrad_jax as tf
from op_spec import OpSpec

F64, F32 = np.float64, np.float32


def _noise(x):
    """Zero, through a random op: makes the enclosing branch or body stateful."""
    return 0.0 * tf.random.normal(x.shape, dtype=x.dtype, seed=3)


def _cond(stateful):
    def fn(x):
        extra = (lambda: _noise(x)) if stateful else (lambda: tf.zeros_like(x))
        return tf.cond(tf.reduce_sum(x) > 0, lambda: x * x + extra(), lambda: tf.sin(x))
    return fn


def _cond_ref(x):
    return jnp.where(jnp.sum(x) > 0, x * x, jnp.sin(x))


def _switch(stateful):
    def fn(x):
        index = tf.cast(tf.reduce_sum(x) > 0, tf.int32) + tf.cast(tf.reduce_sum(x) > 1,
                                                                    tf.int32)
        extra = (lambda: _noise(x)) if stateful else (lambda: tf.zeros_like(x))
        return tf.switch_case(index, [lambda: tf.cos(x), lambda: x * 3.0 + extra(),
                                      lambda: tf.exp(x)])
    return fn


def _switch_ref(x):
    s = jnp.sum(x)
    return jnp.where(s > 1, jnp.exp(x), jnp.where(s > 0, x * 3.0, jnp.cos(x)))


def _while(stateful):
    def fn(x):
        def body(i, v):
            step = tf.sin(v) * 1.5
            return i + 1, step + _noise(v) if stateful else step
        return tf.while_loop(lambda i, v: i < 3, body, [0, x])[1]
    return fn


def _while_ref(x):
    for _ in range(3):
        x = jnp.sin(x) * 1.5
    return x


def _call(stateful):
    @tf.function
    def inner(v):
        return tf.tanh(v) * 2.0 + (_noise(v) if stateful else 0.0)

    return lambda x: inner(x)


def _call_ref(x):
    return jnp.tanh(x) * 2.0


# The stateless forms run two shapes and dtypes; the stateful ones, built the same way
# but for the random op, one (each case costs XLA compilations).
FULL = dict(shapes=[[(3,)], [(2, 2)]], dtypes=(F64, F32), rtol=1e-5, atol=1e-5)
ONE = dict(shapes=[[(2, 2)]], dtypes=(F64,), rtol=1e-5, atol=1e-5)

ROWS = []
for _stateful, _suffix, _cases in ((False, "Stateless", FULL), (True, "", ONE)):
    ROWS += [
        OpSpec(f"{_suffix}If", _cond(_stateful), _cond_ref, **_cases),
        OpSpec(f"{_suffix}Case", _switch(_stateful), _switch_ref, **_cases),
        OpSpec(f"{_suffix}While", _while(_stateful), _while_ref, **_cases),
    ]
ROWS += [
    OpSpec("PartitionedCall", _call(False), _call_ref, **FULL),
    OpSpec("StatefulPartitionedCall", _call(True), _call_ref, **ONE),
]
