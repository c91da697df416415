"""The top level of `tf.compat.v1` that differs from `tf`: TF-1 spellings and switches.

* Execution-mode switches: `disable_eager_execution` makes top-level code build
  into the global default graph (also after `reset_default_graph`), as TF-1;
  `disable_v2_tensorshape` makes `shape[i]` a `Dimension`; `disable_v2_behavior`
  does both. Switches for behaviours that only have their TF-2 form here
  (resource variables, control flow v2, tensor equality) are accepted and ignored.
* Placeholders (`placeholder`, `placeholder_with_default`) and `gradients` with
  its TF-1 arguments.
* The TF-1 argument spellings of the v2 ops (`reduction_indices`, `keep_dims`,
  `dimension`, `dim`, `squeeze_dims`, ...), each a thin wrapper that maps the old
  name onto the v2 op, raising TF's ValueError when both spellings are given;
  and TF-1's argument orders (`gather`, `shape`, `transpose`, ... take `name`
  earlier) and `constant(verify_shape=)`.
* TF-1 only ops (`to_float`, `div`, `arg_max`, `random_normal`, `multinomial`, ...).
* The session configuration protos (`ConfigProto`, ...), accepted and ignored.
"""

import numpy as np

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework import op_def
from tfgrad_jax.framework import tensor_shape
from tfgrad_jax.framework.op_def import (apply_op, convert_to_tensor, def_op, make_placeholder,
                                         op_scope, public)
from tfgrad_jax.framework.tensor import Tensor, to_numpy
from tfgrad_jax.framework.tensor_shape import Dimension, TensorShape, dimension_value
from tfgrad_jax.gradients import gradients as _gradients
from tfgrad_jax.ops import array_ops, linalg_ops, math_ops, random_ops
from tfgrad_jax.ops.array_ops import concat, split
from tfgrad_jax.ops.math_ops import log
from tfgrad_jax.ops.random_ops import get_seed, set_random_seed
# TF-1's graph functions and control flow forms (`cond(pred, true_fn, false_fn, strict)`,
# `while_loop` unpacking a single loop variable).
from tfgrad_jax.framework.graph import reset_default_graph
from tfgrad_jax.ops.control_flow_ops import cond_v1 as cond
from tfgrad_jax.ops.control_flow_ops import while_loop_v1 as while_loop

__all__ = [
    # execution mode
    "disable_eager_execution", "enable_eager_execution", "executing_eagerly",
    "executing_eagerly_outside_functions", "disable_v2_behavior", "enable_v2_behavior",
    "disable_v2_tensorshape", "enable_v2_tensorshape", "Dimension", "dimension_value",
    "dimension_at_index", "disable_resource_variables", "enable_resource_variables",
    "resource_variables_enabled", "disable_control_flow_v2", "enable_control_flow_v2",
    "control_flow_v2_enabled", "disable_tensor_equality", "enable_tensor_equality",
    # graph building
    "placeholder", "placeholder_with_default", "gradients", "reset_default_graph", "cond",
    "while_loop",
    # TF-1 argument spellings
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_all",
    "reduce_any", "reduce_logsumexp", "count_nonzero", "norm", "argmax", "argmin",
    "expand_dims", "squeeze", "concat", "split", "where", "gather", "batch_gather",
    "boolean_mask", "shape", "size", "transpose", "pad", "zeros_like", "ones_like", "constant",
    # TF-1 only ops
    "arg_max", "arg_min", "to_float", "to_double", "to_int32", "to_int64", "log", "div",
    "floor_div", "floordiv",
    # random
    "random_normal", "random_uniform", "truncated_normal", "multinomial", "random_shuffle",
    "set_random_seed", "get_seed",
    # session configuration (ignored)
    "ConfigProto", "GPUOptions", "GraphOptions", "OptimizerOptions", "RunOptions",
    "RunMetadata",
]


# ---------------------------------------------------------------------------
# Execution mode.

def disable_eager_execution():
    """Top-level code builds into the global default graph, as
    `tf.compat.v1.disable_eager_execution`.

    Process-wide, as TF. It outlives `reset_default_graph` (the new global
    graph is built into). Unlike TF, it may be called at any time, not only at
    program start.
    """
    graph_mod.set_v1_mode(True)


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """Top-level code runs eagerly again, as `tf.compat.v1.enable_eager_execution`.

    TF only allows it at program start (ValueError once a graph was built);
    here it may undo `disable_eager_execution` at any time. The arguments are
    ignored: XLA places and runs everything.
    """
    graph_mod.set_v1_mode(False)


def executing_eagerly():
    """True when ops run at once, as `tf.compat.v1.executing_eagerly`: not inside a
    graph, and eager execution not disabled."""
    return graph_mod.executing_eagerly()


def executing_eagerly_outside_functions():
    """True unless a TF-1 graph (the global one after `disable_eager_execution`, or one
    entered with `as_default`) is being built outside every `tf.function`, as TF."""
    return graph_mod.executing_eagerly_outside_functions()


def enable_v2_tensorshape():
    """`shape[i]` is an int or None again, as `tf.compat.v1.enable_v2_tensorshape`."""
    tensor_shape.set_v2_behavior(True)


def disable_v2_tensorshape():
    """`shape[i]` is a `Dimension` (`.value` is the int), as TF-1's shapes.

    Differs from TF: an unknown dimension stays None (TF: Dimension(None)),
    and iterating a shape or `as_list()` gives ints, as TF 2.
    """
    tensor_shape.set_v2_behavior(False)


def dimension_at_index(shape, index):
    """Dimension `index` of `shape` (int or None), as `tf.compat.v1.dimension_at_index`;
    None for a shape of unknown rank. TF returns a `Dimension` (maybe Dimension(None))."""
    shape = TensorShape(shape)
    if shape.rank is None:
        return None
    value = shape.as_list()[index]
    return value if value is None or tensor_shape._v2_behavior else Dimension(value)


# TF-1 switches for behaviours that have only their TF-2 form here. Each is
# accepted so that TF-1 programs run, and changes nothing: variables are always
# resource variables (reads see assignments in program order), control flow is
# always functional (tf.cond / tf.while_loop build sub-graphs, never
# Switch/Merge), and `==` on tensors stays elementwise.

def disable_resource_variables():
    """Accepted and ignored: TF would make new variables reference variables; here
    every variable is a resource variable."""


def enable_resource_variables():
    """Accepted; every variable is a resource variable already."""


def resource_variables_enabled():
    """True: every variable is a resource variable (even after
    `disable_resource_variables`, which is ignored)."""
    return True


def disable_control_flow_v2():
    """Accepted and ignored: TF would build cond/while_loop from Switch/Merge ops; here
    control flow is always functional (v2)."""


def enable_control_flow_v2():
    """Accepted; control flow is functional (v2) already."""


def control_flow_v2_enabled():
    """True: control flow is always functional (v2) here."""
    return True


def disable_tensor_equality():
    """Accepted and ignored: TF-1 compared tensors by identity with `==`; here `==`
    stays elementwise, as TF 2."""


def enable_tensor_equality():
    """Accepted; `==` on tensors is elementwise already."""


def disable_v2_behavior():
    """TF-1 behaviour, as `tf.compat.v1.disable_v2_behavior`: graph mode and TF-1 shapes.

    TF also switches off resource variables, control flow v2 and tensor
    equality; here variables are always resource variables, control flow is
    always functional and `==` stays elementwise, so those have no switch.
    """
    disable_eager_execution()
    disable_v2_tensorshape()


def enable_v2_behavior():
    """Undoes `disable_v2_behavior`: eager execution and TF-2 shapes."""
    enable_eager_execution()
    enable_v2_tensorshape()


# ---------------------------------------------------------------------------
# Placeholders and gradients.

def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none"):
    """`tf.compat.v1.gradients`: tf.gradients plus `colocate_gradients_with_ops` (ignored:
    XLA places the whole computation)."""
    return _gradients(ys, xs, grad_ys=grad_ys, name=name, gate_gradients=gate_gradients,
                      aggregation_method=aggregation_method, stop_gradients=stop_gradients,
                      unconnected_gradients=unconnected_gradients)


def _feedable_aval(graph, dtype, shape):
    """The abstract value of a tensor fed at `Session.run` (a run compiles per fed shape)."""
    return graph_mod.feedable_aval(graph, shape, dtype.as_numpy_dtype)


def placeholder(dtype, shape=None, name=None):
    """A tensor to be fed at `Session.run`, as `tf.compat.v1.placeholder`.

    None dimensions and an unknown rank (`shape=None`) are allowed, as TF: the
    graph records what it knows, and a run compiles per fed shape.
    """
    graph = graph_mod.current_graph_or_none()
    if graph is None:
        raise RuntimeError("tf.placeholder() is not compatible with eager execution.")
    dtype = dtypes.as_dtype(dtype)
    shape = TensorShape(shape)
    return make_placeholder(graph, dtype, _feedable_aval(graph, dtype, shape),
                            name or "Placeholder", shape)


def _placeholder_with_default_avals(tensors, attrs):
    shape = attrs["shape"]
    return _feedable_aval(tensors[0].graph, tensors[0].dtype, shape)


PLACEHOLDER_WITH_DEFAULT = def_op(
    "PlaceholderWithDefault", lambda input, *, shape: input, "input: T",
    out_avals=_placeholder_with_default_avals)


@public(PLACEHOLDER_WITH_DEFAULT)
def placeholder_with_default(input, shape, name=None):  # noqa: A002 - TF's argument name
    """`input` unless fed at `Session.run`, as `tf.compat.v1.placeholder_with_default`.

    The output has the (possibly less specific) static `shape`, which must be
    compatible with `input`'s (ValueError, as TF). Gradients pass through to
    `input`, as TF's; `shape=None` leaves the rank unknown. Eagerly it returns `input`.
    """
    shape = TensorShape(shape)
    value = convert_to_tensor(input, name="input")
    if not shape.is_compatible_with(value.shape):
        raise ValueError(f"Shapes {value.shape} and {shape} are incompatible: "
                         f"placeholder_with_default's `input` must have the shape `shape`.")
    return apply_op(PLACEHOLDER_WITH_DEFAULT, [value], {"shape": shape},
                    name=name or "PlaceholderWithDefault")


# ---------------------------------------------------------------------------
# TF-1 argument spellings.

def either_argument(new_name, new, old_name, old):
    """The value of an argument TF-1 spelled `old_name` and TF-2 `new_name`; TF's
    ValueError when both are given. (Shared by the v1 modules; not a TF name.)"""
    if old is not None:
        if new is not None:
            raise ValueError(f"Cannot specify both '{old_name}' and '{new_name}'.")
        return old
    return new


def _v1_reduction(v2_op):
    def reduce(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
        axis = either_argument("axis", axis, "reduction_indices", reduction_indices)
        keepdims = either_argument("keepdims", keepdims, "keep_dims", keep_dims)
        return v2_op(input_tensor, axis=axis, keepdims=bool(keepdims), name=name)

    reduce.__name__ = reduce.__qualname__ = v2_op.__name__
    reduce.__doc__ = (
        f"`tf.compat.v1.{v2_op.__name__}`: `tf.{v2_op.__name__}` that also takes TF-1's "
        "`reduction_indices` (for `axis`) and `keep_dims` (for `keepdims`); giving both "
        "spellings of one argument raises ValueError, as TF.")
    return reduce


reduce_sum = _v1_reduction(math_ops.reduce_sum)
reduce_mean = _v1_reduction(math_ops.reduce_mean)
reduce_max = _v1_reduction(math_ops.reduce_max)
reduce_min = _v1_reduction(math_ops.reduce_min)
reduce_prod = _v1_reduction(math_ops.reduce_prod)
reduce_all = _v1_reduction(math_ops.reduce_all)
reduce_any = _v1_reduction(math_ops.reduce_any)
reduce_logsumexp = _v1_reduction(math_ops.reduce_logsumexp)


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None, input=None):  # noqa: A002
    """`tf.compat.v1.count_nonzero`: `tf.math.count_nonzero` with TF-1's spellings
    (`input_tensor`/`input`, `reduction_indices`, `keep_dims`)."""
    input_tensor = either_argument("input", input, "input_tensor", input_tensor)
    axis = either_argument("axis", axis, "reduction_indices", reduction_indices)
    keepdims = either_argument("keepdims", keepdims, "keep_dims", keep_dims)
    return math_ops.count_nonzero(input_tensor, axis=axis, keepdims=bool(keepdims), dtype=dtype,
                                  name=name)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None,  # noqa: A002
         keep_dims=None):
    """`tf.compat.v1.norm`: `tf.norm` that also takes TF-1's `keep_dims`."""
    keepdims = either_argument("keepdims", keepdims, "keep_dims", keep_dims)
    return linalg_ops.norm(tensor, ord=ord, axis=axis, keepdims=keepdims, name=name)


def argmax(input, axis=None, name=None, dimension=None,  # noqa: A002
           output_type=dtypes.int64):
    """`tf.compat.v1.argmax`: `tf.math.argmax` that also takes TF-1's `dimension`."""
    axis = either_argument("axis", axis, "dimension", dimension)
    return math_ops.argmax(input, axis=axis, output_type=output_type, name=name)


def argmin(input, axis=None, name=None, dimension=None,  # noqa: A002
           output_type=dtypes.int64):
    """`tf.compat.v1.argmin`: `tf.math.argmin` that also takes TF-1's `dimension`."""
    axis = either_argument("axis", axis, "dimension", dimension)
    return math_ops.argmin(input, axis=axis, output_type=output_type, name=name)


def arg_max(input, dimension, output_type=dtypes.int64, name=None):  # noqa: A002
    """`tf.compat.v1.arg_max` (the raw ArgMax op): `argmax` along `dimension`."""
    return math_ops.argmax(input, axis=dimension, output_type=output_type, name=name)


def arg_min(input, dimension, output_type=dtypes.int64, name=None):  # noqa: A002
    """`tf.compat.v1.arg_min` (the raw ArgMin op): `argmin` along `dimension`."""
    return math_ops.argmin(input, axis=dimension, output_type=output_type, name=name)


def expand_dims(input, axis=None, name=None, dim=None):  # noqa: A002
    """`tf.compat.v1.expand_dims`: `tf.expand_dims` that also takes TF-1's `dim`; one of
    them is required (ValueError, as TF)."""
    axis = either_argument("axis", axis, "dim", dim)
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    return array_ops.expand_dims(input, axis, name=name)


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    """`tf.compat.v1.squeeze`: `tf.squeeze` that also takes TF-1's `squeeze_dims`."""
    axis = either_argument("axis", axis, "squeeze_dims", squeeze_dims)
    return array_ops.squeeze(input, axis, name=name)


def where(condition, x=None, y=None, name=None):
    """`tf.compat.v1.where` (op Select): no broadcasting, except that a vector
    condition picks whole rows of x and y, as TF-1. Without x and y, the indices of
    the True entries. Giving only one of x and y raises ValueError, as TF."""
    if (x is None) != (y is None):
        raise ValueError("x and y must both be non-None or both be None.")
    return array_ops.where_v1(condition, x, y, name=name)


# TF-1 signatures that put `name` earlier (so positional calls differ) or take
# arguments TF 2 dropped.

def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    """`tf.compat.v1.gather`: `tf.gather` with `name` before `axis`, as TF-1."""
    return array_ops.gather(params, indices, validate_indices, axis=axis, batch_dims=batch_dims,
                            name=name)


def batch_gather(params, indices, name=None):
    """`tf.compat.v1.batch_gather`: `gather` with every dimension of `indices` but the
    last one shared with `params` (batch_dims = rank(indices) - 1), as TF."""
    indices = convert_to_tensor(indices, name="indices")
    return array_ops.gather(params, indices, batch_dims=indices.shape.rank - 1,
                            name=name or "batch_gather")


def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """`tf.compat.v1.boolean_mask`: `tf.boolean_mask` with `name` before `axis`."""
    return array_ops.boolean_mask(tensor, mask, axis=axis, name=name)


def shape(input, name=None, out_type=None):  # noqa: A002
    """`tf.compat.v1.shape`: `tf.shape` with `name` before `out_type` (int32 by default)."""
    return array_ops.shape(input, out_type=out_type or dtypes.int32, name=name)


def size(input, name=None, out_type=None):  # noqa: A002
    """`tf.compat.v1.size`: `tf.size` with `name` before `out_type` (int32 by default)."""
    return array_ops.size(input, out_type=out_type or dtypes.int32, name=name)


def transpose(a, perm=None, name="transpose", conjugate=False):
    """`tf.compat.v1.transpose`: `tf.transpose` with `name` before `conjugate`."""
    return array_ops.transpose(a, perm, conjugate=conjugate, name=name)


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    """`tf.compat.v1.pad`: `tf.pad` with `name` before `constant_values`."""
    return array_ops.pad(tensor, paddings, mode, constant_values=constant_values, name=name)


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """`tf.compat.v1.zeros_like`: `tf.zeros_like` with TF-1's `tensor` argument;
    `optimize` (fold a known shape into a constant) is left to XLA."""
    return array_ops.zeros_like(tensor, dtype=dtype, name=name)


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """`tf.compat.v1.ones_like`: `tf.ones_like` with TF-1's `tensor` argument;
    `optimize` is left to XLA."""
    return array_ops.ones_like(tensor, dtype=dtype, name=name)


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """`tf.compat.v1.constant`: `tf.constant` with TF-1's `verify_shape` and filling.

    With `verify_shape`, a value whose shape is not `shape` raises TypeError.
    In a graph, a value with fewer elements than `shape` is completed with its
    last element (TF-1: `constant([1, 2], shape=[4])` is [1, 2, 2, 2]); eagerly
    that raises TypeError, as `tf.constant`.
    """
    if shape is None or isinstance(value, Tensor):
        return op_def.constant(value, dtype, shape, name)
    array = to_numpy(value, dtypes.as_dtype(dtype) if dtype is not None else None)
    dims = tuple(int(d) for d in shape)
    if verify_shape and array.shape != dims:
        raise TypeError(f"Expected Tensor's shape: {dims}, but got {array.shape}.")
    count = int(np.prod(dims))
    if graph_mod.current_graph_or_none() is not None and 1 < array.size < count:
        flat = array.reshape(-1)
        array = np.concatenate([flat, np.full(count - flat.size, flat[-1], flat.dtype)])
    return op_def.constant(array, dtype, shape, name)


# ---------------------------------------------------------------------------
# TF-1 only ops.

def _caster(dtype, tf_name, default_name):
    def cast(x, name=default_name):
        return math_ops.cast(x, dtype, name=name)

    cast.__name__ = cast.__qualname__ = tf_name
    cast.__doc__ = (f"`tf.compat.v1.{tf_name}`: `tf.cast(x, tf.{dtype.name})`, with the op "
                    f"named {default_name!r} by default, as TF.")
    return cast


to_float = _caster(dtypes.float32, "to_float", "ToFloat")
to_double = _caster(dtypes.float64, "to_double", "ToDouble")
to_int32 = _caster(dtypes.int32, "to_int32", "ToInt32")
to_int64 = _caster(dtypes.int64, "to_int64", "ToInt64")


def div(x, y, name=None):
    """x / y with Python-2 semantics, as `tf.compat.v1.div`.

    Integers floor-divide (FloorDiv: -7 / 2 == -4), floats and complex numbers
    divide exactly (RealDiv); x and y must have one dtype (TypeError), as TF.
    """
    with op_scope(name, "div") as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype_hint=x.dtype)
        if x.dtype != y.dtype:
            raise TypeError(f"x and y must have the same dtype, got {x.dtype!r} != {y.dtype!r}")
        opdef = math_ops.REAL_DIV if x.dtype.is_floating or x.dtype.is_complex else \
            math_ops.FLOOR_DIV
        return apply_op(opdef, [x, y], name=scope or opdef.type)


def floor_div(x, y, name=None):
    """The raw FloorDiv op, as `tf.compat.v1.floor_div`: floor(x / y)."""
    return math_ops.floordiv(x, y, name=name or "FloorDiv")


floordiv = math_ops.floordiv


# ---------------------------------------------------------------------------
# Random ops under their TF-1 names (seeds: see `tfgrad_jax.ops.random_ops`).

def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """`tf.compat.v1.random_normal`, the same op as `tf.random.normal`."""
    return random_ops.normal(shape, mean, stddev, dtype, seed, name)


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """`tf.compat.v1.random_uniform`, the same op as `tf.random.uniform`."""
    return random_ops.uniform(shape, minval, maxval, dtype, seed, name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """`tf.compat.v1.truncated_normal`, the same op as `tf.random.truncated_normal`."""
    return random_ops.truncated_normal(shape, mean, stddev, dtype, seed, name)


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """`tf.compat.v1.multinomial`: `tf.random.categorical` with TF-1's argument order
    and `output_dtype` (int64 by default)."""
    return random_ops.categorical(logits, num_samples, dtype=output_dtype, seed=seed, name=name)


def random_shuffle(value, seed=None, name=None):
    """`tf.compat.v1.random_shuffle`, the same op as `tf.random.shuffle`."""
    return random_ops.shuffle(value, seed, name)


# ---------------------------------------------------------------------------
# Session configuration. TF's are protocol buffers that tune its runtime
# (thread pools, GPU memory, placement logging). XLA compiles and places the
# whole computation, so there is nothing to tune: these accept any fields and
# ignore them, keeping the values so that code reading them back works.

class _Options:
    """A bag of ignored settings with TF's field defaults; sub-messages are created on
    first access, so that `config.gpu_options.allow_growth = True` works."""

    _defaults = {}
    _messages = {}  # field -> class of its sub-message

    def __init__(self, **fields):
        for key, value in fields.items():
            setattr(self, key, value)

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        if key in self._messages:
            value = self._messages[key]()
        elif key in self._defaults:
            value = self._defaults[key]
            value = type(value)(value) if isinstance(value, (dict, list)) else value
        else:
            raise AttributeError(f"Protocol message {type(self).__name__} has no {key!r} field "
                                 "set (tfgrad_jax ignores session options).")
        object.__setattr__(self, key, value)
        return value

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class GPUOptions(_Options):
    """`tf.compat.v1.GPUOptions`, accepted and ignored: XLA (through JAX) manages device
    memory (see XLA_PYTHON_CLIENT_PREALLOCATE / _MEM_FRACTION)."""

    _defaults = {"allow_growth": False, "per_process_gpu_memory_fraction": 0.0,
                 "visible_device_list": "", "allocator_type": ""}


class OptimizerOptions(_Options):
    """`tf.compat.v1.OptimizerOptions`, accepted and ignored: XLA always optimizes."""

    L1, L0 = 0, -1
    DEFAULT, OFF, ON_1, ON_2 = 0, -1, 1, 2
    _defaults = {"opt_level": 0, "global_jit_level": 0, "do_common_subexpression_elimination":
                 False, "do_constant_folding": False, "do_function_inlining": False}


class GraphOptions(_Options):
    """`tf.compat.v1.GraphOptions`, accepted and ignored (XLA optimizes the graph)."""

    _defaults = {"build_cost_model": 0, "infer_shapes": False, "place_pruned_graph": False,
                 "enable_bfloat16_sendrecv": False}
    _messages = {"optimizer_options": OptimizerOptions}


class ConfigProto(_Options):
    """`tf.compat.v1.ConfigProto` (a Session's `config=`), accepted and ignored.

    TF's fields set threads, devices, placement and logging of its runtime;
    here one XLA program per run is compiled and placed by JAX, so none apply.
    TF rejects unknown fields (ValueError); these accept any.
    """

    _defaults = {"allow_soft_placement": False, "log_device_placement": False,
                 "intra_op_parallelism_threads": 0, "inter_op_parallelism_threads": 0,
                 "device_count": {}, "operation_timeout_in_ms": 0,
                 "use_per_session_threads": False, "isolate_session_state": False}
    _messages = {"gpu_options": GPUOptions, "graph_options": GraphOptions}


class RunOptions(_Options):
    """`tf.compat.v1.RunOptions` (`Session.run(options=)`), accepted and ignored: there
    is no step tracing (use `jax.profiler`)."""

    NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = 0, 1, 2, 3
    _defaults = {"trace_level": 0, "timeout_in_ms": 0, "inter_op_thread_pool": 0,
                 "output_partition_graphs": False, "report_tensor_allocations_upon_oom": False}


class RunMetadata(_Options):
    """`tf.compat.v1.RunMetadata` (`Session.run(run_metadata=)`), accepted; it stays empty
    because nothing is traced."""

    _defaults = {"step_stats": None, "cost_graph": None, "partition_graphs": [],
                 "function_graphs": []}
