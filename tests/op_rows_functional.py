"""Op table rows for the higher-order ops: map_fn, scan (foldl/foldr build the same op) and
vectorized_map (tests/test_op_table.py runs them).

Each op type has a stateless and a stateful form (MapFn/StatelessMapFn, ...): the stateful
one is built when `fn` holds a stateful op, here a seeded random op multiplied by zero, so
the values stay deterministic. Deeper tests (nesting, signatures, errors, second
derivatives) are in tests/test_functional_ops.py.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import tfgrad_jax as tf
from op_spec import OpSpec

F64, F32 = np.float64, np.float32


def _noise(x):
    """Zero, through a random op: makes the enclosing fn stateful."""
    return 0.0 * tf.random.normal(x.shape, dtype=x.dtype, seed=5)


def _extra(stateful, x):
    return _noise(x) if stateful else tf.zeros_like(x)


def _map(stateful):
    return lambda x: tf.map_fn(lambda v: tf.sin(v) * v + _extra(stateful, v), x)


def _map_ref(x):
    return jnp.sin(x) * x


def _scan(stateful):
    return lambda x: tf.scan(lambda a, v: a * tf.cos(v) + v + _extra(stateful, v), x)


def _scan_ref(x):
    step = lambda a, v: (a * jnp.cos(v) + v,) * 2  # noqa: E731
    return jnp.concatenate([x[:1], lax.scan(step, x[0], x[1:])[1]])


def _vectorized_map(stateful):
    return lambda x: tf.vectorized_map(lambda v: tf.tanh(v) * 2.0 + _extra(stateful, v), x)


def _vectorized_map_ref(x):
    return jax.vmap(lambda v: jnp.tanh(v) * 2.0)(x)


# The stateful forms run eagerly with a random op per element (slow to differentiate by
# finite differences, and each case costs XLA compilations), so they get one shape and
# dtype: elements that are vectors.
FULL = dict(shapes=[[(3,)], [(2, 2)]], dtypes=(F64, F32), rtol=1e-5, atol=1e-5)
ONE = dict(shapes=[[(2, 2)]], dtypes=(F64,), rtol=1e-5, atol=1e-5)

ROWS = []
for _stateful, _suffix, _cases in ((False, "Stateless", FULL), (True, "", ONE)):
    ROWS += [
        OpSpec(f"{_suffix}MapFn", _map(_stateful), _map_ref, **_cases),
        OpSpec(f"{_suffix}Scan", _scan(_stateful), _scan_ref, **_cases),
        OpSpec(f"{_suffix}VectorizedMap", _vectorized_map(_stateful), _vectorized_map_ref,
               **_cases),
    ]


# from_jax: a JAX function called as one op of the graph (tfgrad_jax.interop).
def _jax_fn(x, y):
    return jnp.sin(x) * y + jnp.cumsum(x, axis=-1)


ROWS.append(OpSpec("JaxCall", lambda x, y: tf.from_jax(_jax_fn)(x, y), _jax_fn,
                   shapes=[[(3,), (3,)], [(2, 2), (2, 2)]], dtypes=(F64, F32)))
