"""Random ops (`tf.random`): TF's seeds, JAX's counter-based PRNG.

Seeds, exactly as TF (`random_seed.get_seed`). An op draws from two seeds,
(seed, seed2), derived from the global seed (`tf.random.set_seed`; in a graph,
the graph's seed, which a `tf.function` graph takes from the global seed) and
the op's own `seed` argument:
  * both set: (global, op);
  * only the global seed: (global, n), where n counts the random ops built so
    far in this graph (in a graph), or is drawn from a Python `random.Random`
    seeded with the global seed (eagerly: `set_seed` restarts that sequence);
  * only the op seed: (87654321, op) - TF's DEFAULT_GRAPH_SEED;
  * neither: fresh seeds from the OS, so values differ from run to run.

State. TF's random ops are stateful kernels: each keeps a Philox position that
advances every time it runs, so the same op gives new numbers on every call,
and a new kernel (a new program) starts from its seeds again. Here an op's
numbers are a pure function of its seeds and one int64 input, the number of
times that op has run before: key = fold_in(fold_in(key(seed), seed2), count)
(threefry; the bits differ from TF's, the behaviour does not):
  * eagerly, one counter per "kernel" - op type, seeds and attributes, as TF's
    kernel cache - and `set_seed` drops them all, as TF clears its cache;
  * in a `tf.function`, each random op gets its own counter, captured into the
    function like a variable: every call reads it once, which advances it. So
    repeated calls give new values, every use of the op within one call (its
    re-evaluation inside `tf.gradients` included) sees the same values, and a
    new trace - a fresh program - starts again from 0, as TF's (A1, A2 | A1, A2);
  * in a TF-1 graph run by a Session (no per-call inputs), the counter is read
    and advanced by a host callback (a RandomOpCounter op) each time the
    compiled graph runs; unlike TF, a new Session does not restart it;
  * inside a loop body, the key also folds in the iteration number of each
    enclosing loop, so every iteration draws new numbers, as TF's kernel does.
The ops are stateful (never constant-folded) and not differentiable, as TF's.
"""

import random as _py_random

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import io_callback

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework import lowering
from tfgrad_jax.framework.dtypes import ALL_TYPES, FLOATING
from tfgrad_jax.framework.op_def import (NOT_DIFFERENTIABLE, apply_op, convert_to_tensor, def_op,
                                         op_scope, public)
from tfgrad_jax.framework.tensor import EagerTensor
from tfgrad_jax.framework.tensor_shape import TensorShape
from tfgrad_jax.ops import math_ops
from tfgrad_jax.ops.array_ops import _shape_arg

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2 ** 31 - 1


class _GlobalSeed:
    """The eager context's seed state (TF keeps it on its process-wide eager context)."""

    def __init__(self):
        self.seed = None
        self.op_seeds = None     # random.Random(seed): eager op seeds, as TF
        self.kernels = {}        # eager "kernel" -> how many times it has run


_global = _GlobalSeed()


def set_seed(seed):
    """Sets the global random seed, as `tf.random.set_seed`.

    Eagerly it sets the global seed, restarts the sequence of op seeds drawn
    from it and resets every random op's counter (TF clears its kernel
    cache), so re-running a program after `set_seed` repeats its numbers.
    Inside a graph (a `tf.function` being traced) it sets that graph's seed.
    """
    graph = graph_mod.current_graph_or_none()
    if graph is not None:
        graph.seed = seed
        return
    if seed is not None:
        seed = int(np.asarray(seed))
    _global.seed = seed
    _global.op_seeds = _py_random.Random(seed)
    _global.kernels = {}


set_random_seed = set_seed  # tf.compat.v1.set_random_seed


def _graph_seed(graph):
    if graph.seed is None and graph.building_function:
        return _global.seed  # TF: a FuncGraph takes the global seed when it is created
    return graph.seed


def get_seed(op_seed):
    """The (seed, seed2) pair an op uses, given its own seed, as `tf.random.get_seed`.

    Returns (None, None) when neither a global nor an op seed is set.
    """
    graph = graph_mod.current_graph_or_none()
    global_seed = _global.seed if graph is None else _graph_seed(graph)
    if global_seed is not None:
        if op_seed is None:
            if graph is None:
                if _global.op_seeds is None:
                    _global.op_seeds = _py_random.Random(global_seed)
                op_seed = _global.op_seeds.randint(0, _MAXINT32)
            else:
                op_seed = graph._seed_offset
                graph._seed_offset += 1
        seeds = (int(global_seed) % _MAXINT32, int(op_seed) % _MAXINT32)
    elif op_seed is not None:
        seeds = (DEFAULT_GRAPH_SEED, int(op_seed) % _MAXINT32)
    else:
        seeds = (None, None)
    if seeds == (0, 0):  # TF: (0, 0) would mean "nondeterministic" to the kernel
        return (0, _MAXINT32)
    return seeds


def _op_seeds(seed):
    seed1, seed2 = get_seed(seed)
    if seed1 is None:  # no seed anywhere: nondeterministic, as TF
        entropy = _py_random.SystemRandom()
        seed1, seed2 = entropy.randint(1, _MAXINT32), entropy.randint(1, _MAXINT32)
    return seed1, seed2


# ---------------------------------------------------------------------------
# The per-op counter: the one input of every random op.

class _Counter:
    """How many times one random op has run (TF's per-kernel Philox position).

    A tf.function captures it like a variable: `read_value` is called once per
    call of the function and advances the count.
    """

    __slots__ = ("count", "__weakref__")
    dtype = dtypes.int64
    shape = TensorShape([])

    def __init__(self):
        self.count = 0

    def next(self):
        value = np.int64(self.count)
        self.count += 1
        return value

    def read_value(self):
        return EagerTensor(jnp.asarray(self.next()), dtypes.int64)

    def numpy(self):
        return np.int64(self.count)

    def _read_in_graph(self, graph):
        with graph.as_default():
            return apply_op(READ_COUNTER, [], {"counter": self}, name="RandomOpCounter")

    def __repr__(self):
        return f"<random op counter at {self.count}>"


def _read_counter_lowering(*, counter):
    return io_callback(counter.next, jax.ShapeDtypeStruct((), np.int64), ordered=True)


# A TF-1 graph's counter read (no TF equivalent: TF keeps it inside the kernel).
READ_COUNTER = def_op("RandomOpCounter", _read_counter_lowering, inputs="",
                      grad=NOT_DIFFERENTIABLE, stateful=True)


def _counter_input(op_type, seeds, attrs):
    """The count for a new random op: a number eagerly, a graph tensor in a graph."""
    graph = graph_mod.current_graph_or_none()
    if graph is None:
        key = (op_type, seeds) + tuple(sorted((k, v) for k, v in attrs.items()
                                              if k not in ("shape", "num_samples")))
        count = _global.kernels.get(key, 0)
        _global.kernels[key] = count + 1
        return np.int64(count)
    # A tf.function graph captures it (read once per call); a TF-1 graph reads it
    # with a RandomOpCounter op (`_Counter._read_in_graph`).
    return graph.capture(_Counter())


def _key(seed, seed2, count):
    key = jax.random.key(seed, impl="threefry2x32")
    key = jax.random.fold_in(key, seed2)
    key = jax.random.fold_in(key, count)
    # Inside loops, each iteration draws new numbers, as TF's stateful kernel does.
    for iteration in lowering.context.iterations:
        key = jax.random.fold_in(key, iteration)
    return key


def _random(opdef, inputs, attrs, seed, name):
    seed1, seed2 = _op_seeds(seed)
    attrs = dict(attrs, seed=seed1, seed2=seed2)
    count = _counter_input(opdef.type, (seed1, seed2), attrs)
    return apply_op(opdef, [count] + list(inputs), attrs, name=name)


def _shape(shape):
    """The shape as a tuple, or an int tensor known only when the graph runs (an input of
    the op, read at lowering: `array_ops._shape_arg`)."""
    return _shape_arg(shape, "shape")


# ---------------------------------------------------------------------------
# The ops. Each takes the counter first, then TF's tensor inputs.

def _uniform_lowering(count, *, shape, dtype, seed, seed2):
    return jax.random.uniform(_key(seed, seed2, count), shape, dtype.as_numpy_dtype)


def _uniform_int_lowering(count, minval, maxval, *, shape, seed, seed2):
    return jax.random.randint(_key(seed, seed2, count), shape, minval, maxval, minval.dtype)


def _normal_lowering(count, *, shape, dtype, seed, seed2):
    return jax.random.normal(_key(seed, seed2, count), shape, dtype.as_numpy_dtype)


def _truncated_normal_lowering(count, *, shape, dtype, seed, seed2):
    return jax.random.truncated_normal(_key(seed, seed2, count), -2.0, 2.0, shape,
                                       dtype.as_numpy_dtype)


def _multinomial_lowering(count, logits, *, num_samples, output_dtype, seed, seed2):
    batch = logits.shape[:-1]
    draws = jax.random.categorical(_key(seed, seed2, count), logits, axis=-1,
                                   shape=(num_samples,) + batch)
    return jnp.moveaxis(draws, 0, -1).astype(output_dtype.as_numpy_dtype)


def _shuffle_lowering(count, value, *, seed, seed2):
    return jax.random.permutation(_key(seed, seed2, count), value, axis=0, independent=False)


_INT_OUT = (dtypes.int32, dtypes.int64)

RANDOM_UNIFORM = def_op("RandomUniform", _uniform_lowering, "counter",
                        grad=NOT_DIFFERENTIABLE, stateful=True,
                        static_attrs={"shape": tuple})
RANDOM_UNIFORM_INT = def_op("RandomUniformInt", _uniform_int_lowering,
                            "counter, minval: Tout, maxval: Tout", Tout=_INT_OUT,
                            grad=NOT_DIFFERENTIABLE, stateful=True,
                            static_attrs={"shape": tuple})


@public(RANDOM_UNIFORM, RANDOM_UNIFORM_INT)
def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform values in [minval, maxval), as `tf.random.uniform`.

    Floats come from a RandomUniform op on [0, 1), scaled and shifted unless
    minval is the int 0 and maxval the int 1 (TF skips those ops too);
    integers from RandomUniformInt, which needs `maxval` (ValueError). The
    bits differ from TF's; the seeding behaviour is TF's (module docstring).
    """
    dtype = dtypes.as_dtype(dtype)
    if dtype not in FLOATING + _INT_OUT:
        raise ValueError(f"Invalid dtype {dtype!r}")
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    with op_scope(name, "random_uniform") as scope:
        shape = _shape(shape)
        minval_is_zero = isinstance(minval, int) and minval == 0
        maxval_is_one = isinstance(maxval, int) and maxval == 1
        if not minval_is_zero or not maxval_is_one or dtype.is_integer:
            minval = convert_to_tensor(minval, dtype=dtype, name="min")
            maxval = convert_to_tensor(maxval, dtype=dtype, name="max")
        if dtype.is_integer:
            return _random(RANDOM_UNIFORM_INT, [minval, maxval], {"shape": shape}, seed,
                           scope or "RandomUniformInt")
        result = _random(RANDOM_UNIFORM, [], {"shape": shape, "dtype": dtype}, seed,
                         "RandomUniform")
        if minval_is_zero:
            if not maxval_is_one:
                result = math_ops.multiply(result, maxval)
        else:
            result = math_ops.add(result * (maxval - minval), minval, name=scope)
        return result


RANDOM_STANDARD_NORMAL = def_op("RandomStandardNormal", _normal_lowering, "counter",
                                grad=NOT_DIFFERENTIABLE, stateful=True,
                                static_attrs={"shape": tuple})
TRUNCATED_NORMAL = def_op("TruncatedNormal", _truncated_normal_lowering, "counter",
                          grad=NOT_DIFFERENTIABLE, stateful=True,
                          static_attrs={"shape": tuple})


def _scaled(opdef, default_name, shape, mean, stddev, dtype, seed, name):
    dtype = dtypes.as_dtype(dtype)
    if dtype not in FLOATING:
        raise TypeError(f"Value passed to parameter 'dtype' has DataType {dtype.name} not in "
                        "list of allowed values: float16, bfloat16, float32, float64")
    with op_scope(name, default_name) as scope:
        shape = _shape(shape)
        mean = convert_to_tensor(mean, dtype=dtype, name="mean")
        stddev = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        rnd = _random(opdef, [], {"shape": shape, "dtype": dtype}, seed, opdef.type)
        return math_ops.add(rnd * stddev, mean, name=scope)


@public(RANDOM_STANDARD_NORMAL)
def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values, as `tf.random.normal`: RandomStandardNormal * stddev + mean."""
    return _scaled(RANDOM_STANDARD_NORMAL, "random_normal", shape, mean, stddev, dtype, seed,
                   name)


@public(TRUNCATED_NORMAL)
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values redrawn beyond 2 stddev, as `tf.random.truncated_normal`."""
    return _scaled(TRUNCATED_NORMAL, "truncated_normal", shape, mean, stddev, dtype, seed, name)


MULTINOMIAL = def_op("Multinomial", _multinomial_lowering, "counter, logits: T",
                     T=dtypes.REAL_NUMERIC, grad=NOT_DIFFERENTIABLE, stateful=True)


@public(MULTINOMIAL)
def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Draws class indices from `logits` [batch, classes], as `tf.random.categorical`.

    Returns [batch, num_samples] of int64 (or `dtype`: int32/int64, else
    ValueError). `num_samples` must be known when the graph is built.
    """
    with op_scope(name, "categorical"):
        logits = convert_to_tensor(logits, name="logits")
        dtype = dtypes.as_dtype(dtype) if dtype else dtypes.int64
        if dtype not in _INT_OUT:
            raise ValueError(f"Argument `dtype` got invalid value {dtype!r}. Accepted dtypes "
                             "are tf.int32, tf.int64.")
        if logits.shape.rank is not None and logits.shape.rank != 2:
            raise ValueError(f"logits should be a matrix, got shape {logits.shape}")
        from tfgrad_jax.framework.constant_folding import static_value
        num_samples = int(static_value(num_samples, "num_samples"))
        return _random(MULTINOMIAL, [logits], {"num_samples": num_samples,
                                               "output_dtype": dtype}, seed, "Multinomial")


RANDOM_SHUFFLE = def_op("RandomShuffle", _shuffle_lowering, "counter, value: T", T=ALL_TYPES,
                        grad=NOT_DIFFERENTIABLE, stateful=True)


@public(RANDOM_SHUFFLE)
def shuffle(value, seed=None, name=None):
    """Shuffles `value` along its first dimension, as `tf.random.shuffle`."""
    value = convert_to_tensor(value, name="value")
    if value.shape.rank == 0:
        return value
    return _random(RANDOM_SHUFFLE, [value], {}, seed, name or "RandomShuffle")
