"""TF-1 initializers (`tf.compat.v1.*_initializer`, `tf.compat.v1.initializers`).

An initializer is an object called as `init(shape, dtype=None, partition_info=None)`
that builds the ops making a value of that shape: in a graph ops named as TF
names them (`zeros`, `random_uniform`, `truncated_normal`, ...), eagerly a
tensor. The random ones draw with `tfgrad_jax.ops.random_ops` and pass their
`seed` as the op seed, so TF's seeding rules hold; the numbers themselves are
JAX's, not TF's. `partition_info` is accepted and ignored: tfgrad_jax does not
partition variables.
"""

import math

import numpy as np

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.op_def import constant
from tfgrad_jax.framework.tensor import to_numpy
from tfgrad_jax.ops import array_ops, control_flow_ops, linalg_ops, math_ops, random_ops

__all__ = ["zeros_initializer", "ones_initializer", "constant_initializer",
           "random_normal_initializer", "truncated_normal_initializer",
           "random_uniform_initializer", "glorot_uniform_initializer",
           "glorot_normal_initializer", "variance_scaling_initializer",
           "orthogonal_initializer", "variables_initializer", "global_variables_initializer",
           "local_variables_initializer", "initialize_variables", "initialize_all_variables",
           "initialize_local_variables"]


def _float_dtype(dtype):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Argument `dtype` is expected to be floating point. Received: {dtype}.")
    return dtype


class Initializer:
    """Base of the TF-1 initializers: `__call__(shape, dtype=None, partition_info=None)`.

    `dtype` given at the call wins over the one given to the constructor, as
    in TF; `get_config`/`from_config` round-trip the constructor arguments.
    """

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def _dtype(self, dtype):
        return self.dtype if dtype is None else dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError

    def get_config(self):
        return {"dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Zeros(Initializer):
    """`tf.compat.v1.zeros_initializer`: a `zeros` constant of any dtype."""

    def __call__(self, shape, dtype=None, partition_info=None):
        return array_ops.zeros(shape, self._dtype(dtype))


class Ones(Initializer):
    """`tf.compat.v1.ones_initializer`: a `ones` constant of any dtype."""

    def __call__(self, shape, dtype=None, partition_info=None):
        return array_ops.ones(shape, self._dtype(dtype))


class Constant(Initializer):
    """`tf.compat.v1.constant_initializer(value=0, dtype=float32, verify_shape=False)`.

    As TF-1's `constant`: a scalar fills the shape; a list of fewer elements
    than the shape is padded with its last element; more elements raise
    ValueError; `verify_shape=True` requires the value's own shape (TypeError).
    A tensor `value` is refused (TypeError), as TF.
    """

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        if not isinstance(value, (int, float, complex, bool, list, tuple, np.ndarray,
                                  np.generic)):
            raise TypeError(f"Invalid type for initial value={value} of type: "
                            f"{type(value).__name__}. Expected Python scalar, list or tuple of "
                            "values, or numpy.ndarray.")
        super().__init__(dtype)
        self.value = value
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        dtype = self._dtype(dtype)
        verify = self._verify_shape if verify_shape is None else verify_shape
        value = to_numpy(self.value, dtype)
        shape = tuple(int(d) for d in shape)
        if verify and value.shape != shape:
            raise TypeError(f"Expected Tensor's shape: {shape}, but got {value.shape}.")
        size = math.prod(shape)
        flat = value.reshape(-1)
        if flat.size > size:
            raise ValueError(f"Too many elements provided. Takes at most {size}, but got "
                             f"{flat.size}.")
        if 0 < flat.size < size:  # TF-1: pad with the last element
            flat = np.concatenate([flat, np.full(size - flat.size, flat[-1], flat.dtype)])
        return constant(flat.reshape(shape), dtype=dtype)

    def get_config(self):
        return {"value": self.value, "dtype": self.dtype.name}


class RandomNormal(Initializer):
    """`tf.compat.v1.random_normal_initializer(mean=0.0, stddev=1.0, seed=None)`."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        super().__init__(_float_dtype(dtype))
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.normal(shape, self.mean, self.stddev, self._dtype(dtype), self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": self.dtype.name}


class TruncatedNormal(RandomNormal):
    """`tf.compat.v1.truncated_normal_initializer`: normal values redrawn beyond 2 stddev."""

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.truncated_normal(shape, self.mean, self.stddev, self._dtype(dtype),
                                           self.seed)


class RandomUniform(Initializer):
    """`tf.compat.v1.random_uniform_initializer(minval=0.0, maxval=None, seed=None)`.

    `maxval=None` means 1 for floats; integer dtypes need `maxval`, as TF.
    """

    def __init__(self, minval=0.0, maxval=None, seed=None, dtype=dtypes.float32):
        super().__init__(dtype)
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.uniform(shape, self.minval, self.maxval, self._dtype(dtype),
                                  self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed,
                "dtype": self.dtype.name}


def _fans(shape):
    """(fan_in, fan_out) of a weight shape, as TF: conv kernels count their receptive field."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


# The stddev of a standard normal truncated to [-2, 2], which TF divides out.
_TRUNCATED_STDDEV = 0.87962566103423978


class VarianceScaling(Initializer):
    """`tf.compat.v1.variance_scaling_initializer(scale=1.0, mode='fan_in',
    distribution='truncated_normal', seed=None)`.

    Values of variance `scale / n`, n the fan-in, fan-out or their mean:
    'truncated_normal' (or 'normal') draws a truncated normal rescaled to that
    variance, 'untruncated_normal' a normal, 'uniform' uniform in +-sqrt(3 scale / n).
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("normal", "uniform", "truncated_normal", "untruncated_normal")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be a positive float. Received: {scale}")
        if mode not in self._MODES:
            raise ValueError(f"Argument `mode` should be one of ('fan_in', 'fan_out', "
                             f"'fan_avg'). Received: {mode}")
        if distribution not in self._DISTRIBUTIONS:
            # TF's text, its missing quote included.
            raise ValueError("Argument `distribution` should be one of ('normal', uniform', "
                             f"'truncated_normal', 'untruncated_normal'). Received: "
                             f"{distribution}")
        super().__init__(_float_dtype(dtype))
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self._dtype(dtype)
        shape = tuple(int(d) for d in shape)
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        scale = self.scale / max(1.0, fan[self.mode])
        if self.distribution in ("normal", "truncated_normal"):
            return random_ops.truncated_normal(shape, 0.0, math.sqrt(scale) / _TRUNCATED_STDDEV,
                                               dtype, self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.normal(shape, 0.0, math.sqrt(scale), dtype, self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.uniform(shape, -limit, limit, dtype, self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "dtype": self.dtype.name}


class GlorotUniform(VarianceScaling):
    """`tf.compat.v1.glorot_uniform_initializer`: uniform in +-sqrt(6 / (fan_in + fan_out)).

    The default initializer of `get_variable` for floating dtypes, as TF.
    """

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


class GlorotNormal(VarianceScaling):
    """`tf.compat.v1.glorot_normal_initializer`: a truncated normal of variance
    2 / (fan_in + fan_out)."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


class Orthogonal(Initializer):
    """`tf.compat.v1.orthogonal_initializer(gain=1.0, seed=None)`.

    As TF: the shape is seen as a [prod(shape[:-1]), shape[-1]] matrix; the QR
    factor of a normal matrix, its columns' signs fixed by R's diagonal (so the
    result is uniformly distributed), transposed when there are fewer rows than
    columns, times `gain`. Shapes of rank < 2 raise ValueError.
    """

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        super().__init__(_float_dtype(dtype))
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self._dtype(dtype)
        shape = tuple(int(d) for d in shape)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize, specified by argument `shape` must be "
                             f"at least two-dimensional. Received shape={list(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = random_ops.normal((max(rows, cols), min(rows, cols)), dtype=dtype, seed=self.seed)
        q, r = linalg_ops.qr(a, full_matrices=False)
        q = q * math_ops.sign(linalg_ops.diag_part(r))
        if rows < cols:
            q = array_ops.transpose(q)
        return self.gain * array_ops.reshape(q, shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed, "dtype": self.dtype.name}


# TF's public names for them (classes: `get_variable` also takes the class itself).
zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
random_uniform_initializer = RandomUniform
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
variance_scaling_initializer = VarianceScaling
orthogonal_initializer = Orthogonal



# ---------------------------------------------------------------------------
# The ops that initialize variables.

def variables_initializer(var_list, name="init"):
    """An op running the initializers of `var_list`, as `tf.compat.v1.variables_initializer`:
    a NoOp `name` waiting on each variable's `initializer`; a bare NoOp for an empty
    list; None eagerly (eager variables are initialized when made)."""
    if var_list and graph_mod.current_graph_or_none() is not None:
        return control_flow_ops.group(*[v.initializer for v in var_list], name=name)
    return control_flow_ops.no_op(name=name)


def global_variables_initializer():
    """`variables_initializer` of the GLOBAL_VARIABLES collection (op `init`); None eagerly."""
    if graph_mod.current_graph_or_none() is None:
        return None
    return variables_initializer(graph_mod.get_default_graph().get_collection("variables"))


def local_variables_initializer():
    """`variables_initializer` of the LOCAL_VARIABLES collection (op `init`); None eagerly."""
    if graph_mod.current_graph_or_none() is None:
        return None
    return variables_initializer(
        graph_mod.get_default_graph().get_collection("local_variables"))


# TF's deprecated spellings.
initialize_variables = variables_initializer
initialize_all_variables = global_variables_initializer
initialize_local_variables = local_variables_initializer


def _fan_in_scaling(scale, distribution, doc):
    def make(seed=None):
        return VarianceScaling(scale, "fan_in", distribution, seed)
    make.__doc__ = doc
    return make


he_normal = _fan_in_scaling(2.0, "truncated_normal", "`tf.compat.v1.initializers.he_normal(seed)`: "
                            "VarianceScaling(2.0, 'fan_in', 'truncated_normal').")
he_uniform = _fan_in_scaling(2.0, "uniform", "`tf.compat.v1.initializers.he_uniform(seed)`: "
                             "VarianceScaling(2.0, 'fan_in', 'uniform').")
lecun_normal = _fan_in_scaling(1.0, "truncated_normal", "`tf.compat.v1.initializers."
                               "lecun_normal(seed)`: VarianceScaling(1.0, 'fan_in', "
                               "'truncated_normal').")
lecun_uniform = _fan_in_scaling(1.0, "uniform", "`tf.compat.v1.initializers.lecun_uniform(seed)`"
                                ": VarianceScaling(1.0, 'fan_in', 'uniform').")

# `tf.compat.v1.initializers`: the same classes under their short names, and the variable
# initializer ops. (TF's also holds identity, uniform_unit_scaling and tables_initializer,
# not provided here.)
INITIALIZERS_NAMESPACE = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "truncated_normal": TruncatedNormal, "random_uniform": RandomUniform,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "variance_scaling": VarianceScaling, "orthogonal": Orthogonal, "he_normal": he_normal,
    "he_uniform": he_uniform, "lecun_normal": lecun_normal, "lecun_uniform": lecun_uniform,
    "variables": variables_initializer, "global_variables": global_variables_initializer,
    "local_variables": local_variables_initializer,
}
