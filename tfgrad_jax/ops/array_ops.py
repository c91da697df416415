"""Array ops: creation, identity and stop_gradient, reshaping, joining, slicing, where.

Shape-like arguments (`shape`, `perm`, `axis`) are static in XLA, so they are
op attributes here; a graph tensor given for one is folded to a constant when
the graph is built (as TF's shape inference does), else ValueError.
"""

import builtins
import math
import numbers

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tfgrad_jax.framework import dtypes, runtime_checks
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.constant_folding import static_or_tensor, static_value
from tfgrad_jax.framework.dtypes import ALL_TYPES, NUMERIC
from tfgrad_jax.framework.op_def import (NOT_DIFFERENTIABLE, apply_op, argument_error,
                                         constant, convert_to_tensor, def_op, op_scope,
                                         public)
from tfgrad_jax.framework.tensor import Tensor
from tfgrad_jax.framework.tensor_shape import TensorShape

# ---------------------------------------------------------------------------
# Identity and stop_gradient.

IDENTITY = def_op("Identity", lambda x: x, "input",  # a tf.string passes as it is (no trace)
                  out_avals=lambda inputs, attrs: (inputs[0]._aval if inputs[0].dtype is
                                                   dtypes.string else None))
STOP_GRADIENT = def_op("StopGradient", lax.stop_gradient, "input", grad=NOT_DIFFERENTIABLE)


@public(IDENTITY)
def identity(input, name=None):  # noqa: A002 - TF's argument name
    """Returns a tensor with the same value, as `tf.identity`."""
    if hasattr(input, "_as_tensor"):
        input = input._as_tensor()
    return apply_op(IDENTITY, [input], name=name or "Identity")


@public(STOP_GRADIENT)
def stop_gradient(input, name=None):  # noqa: A002
    """Returns `input` unchanged, but no gradient flows through it, as `tf.stop_gradient`."""
    return apply_op(STOP_GRADIENT, [input], name=name or "StopGradient")


ADD_N = def_op("AddN", lambda inputs: sum(inputs[1:], inputs[0]), "inputs: N*T", T=NUMERIC)

# ---------------------------------------------------------------------------
# Creation.


def _static_shape(shape, arg="shape"):
    """A tuple of ints from a list, TensorShape or foldable tensor; ValueError otherwise."""
    if isinstance(shape, TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"`{arg}` must be fully defined, got {shape}.")
        return tuple(shape.as_list())
    value = static_value(shape, arg)
    arr = np.asarray(value)
    if arr.ndim > 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise TypeError(f"`{arg}` must be a list of integers, got {shape!r}.")
    dims = tuple(int(d) for d in arr.reshape(-1))
    if any(d < 0 for d in dims):
        raise ValueError(f"`{arg}` has a negative dimension: {dims}.")
    return dims


def _shape_arg(shape, arg="shape"):
    """`_static_shape`, or an int tensor for one known only when the graph runs.

    A shape computed from an unknown dim (`[tf.shape(x)[0], 3]`) is a tensor
    input of the op, read at lowering, where shapes are concrete (see
    `op_def._STATIC_INPUTS`); the graph records what TF's shape inference
    knows of it (`[None, 3]`).
    """
    if not isinstance(shape, TensorShape):
        value = static_or_tensor(shape, arg)
        if isinstance(value, Tensor):
            if value.shape.rank not in (0, 1) or not value.dtype.is_integer:
                raise TypeError(f"`{arg}` must be a list of integers, got {shape!r}.")
            return value
    return _static_shape(shape, arg)


def _unknown_dim():
    """A fresh symbolic dim (TF's None) of the current graph."""
    return graph_mod.fresh_symbolic_dim(
        graph_mod.symbolic_scope(graph_mod.current_graph_or_none()))


def _has_symbols(values):
    """True if some entry is a symbolic dim: unknown when the graph is built."""
    return any(jax.export.is_symbolic_dim(v) for v in values)


FILL = def_op("Fill", lambda value, *, shape: jnp.full(shape, value), "value: T",
              static_attrs={"shape": tuple})


@public(FILL)
def fill(dims, value, name=None):
    """A tensor of shape `dims` filled with the scalar `value`, as `tf.fill`."""
    shape = _shape_arg(dims, "dims")
    with op_scope(name, "Fill") as scope:
        value = convert_to_tensor(value, name="value")
        if value.shape.rank not in (0, None):
            raise ValueError(f"`value` must be a scalar, got shape {value.shape}.")
        return apply_op(FILL, [value], {"shape": shape}, name=scope)


def _filled(shape, dtype, fill_value, name):
    """A Const, as TF; a Fill where the shape is known only when the graph runs."""
    dtype = dtypes.as_dtype(dtype)
    shape = _shape_arg(shape)
    if isinstance(shape, Tensor):
        with op_scope(None, name) as scope:
            value = constant(np.asarray(fill_value, dtype.as_numpy_dtype), name="Const")
            return apply_op(FILL, [value], {"shape": shape}, name=scope)
    return constant(np.full(shape, fill_value, dtype=dtype.as_numpy_dtype), name=name)


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros, as `tf.zeros` (a Const op named `zeros`)."""
    return _filled(shape, dtype, 0, name or "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of ones, as `tf.ones` (a Const op named `ones`)."""
    return _filled(shape, dtype, 1, name or "ones")


def _like(tensor, dtype, fill_value, name):
    tensor = convert_to_tensor(tensor)
    dtype = dtypes.as_dtype(dtype) if dtype is not None else tensor.dtype
    if tensor.shape.is_fully_defined():
        return _filled(tensor.shape, dtype, fill_value, name)
    # Unknown dims (input_signature with None): fill at run time.
    return apply_op(FILL_LIKE, [tensor], {"fill_value": fill_value, "dtype": dtype}, name=name)


FILL_LIKE = def_op("FillLike", lambda x, *, fill_value, dtype: jnp.full(
    x.shape, fill_value, dtype.as_numpy_dtype), "x", grad=NOT_DIFFERENTIABLE)


@public(FILL_LIKE)
def zeros_like(input, dtype=None, name=None):  # noqa: A002
    """Zeros shaped like `input`, as `tf.zeros_like`."""
    return _like(input, dtype, 0, name or "zeros_like")


@public(FILL_LIKE)
def ones_like(input, dtype=None, name=None):  # noqa: A002
    """Ones shaped like `input`, as `tf.ones_like`."""
    return _like(input, dtype, 1, name or "ones_like")


def _scalar(values):
    return values[0]


RANGE = def_op("Range", lambda *, start, limit, delta, dtype: jnp.arange(
    start, limit, delta, dtype=dtype.as_numpy_dtype), "", grad=NOT_DIFFERENTIABLE,
    static_attrs={"start": _scalar, "limit": _scalar, "delta": _scalar},
    # A bound known only when the graph runs: TF's length is unknown.
    out_avals=lambda inputs, attrs: jax.ShapeDtypeStruct(
        (_unknown_dim(),), attrs["dtype"].as_numpy_dtype) if _has_symbols(
            [attrs["start"], attrs["limit"], attrs["delta"]]) else None)


@public(RANGE)
def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """`[start, start + delta, ...)` up to `limit`, as `tf.range`.

    The dtype is inferred from the arguments as TF does (int32 for ints,
    float32 if any is a float) unless given.
    """
    if limit is None:
        start, limit = 0, start
    # A bound known only when the graph runs (`tf.shape(x)[0]`) is a tensor input.
    values = [static_or_tensor(v, arg) for v, arg in
              ((start, "start"), (limit, "limit"), (delta, "delta"))]
    values = [v if isinstance(v, Tensor) else np.asarray(v) for v in values]
    if dtype is None:
        kinds = [v.dtype.kind if not isinstance(v, Tensor) else None for v in values]
        inferred = [v.dtype if isinstance(v, Tensor) else
                    dtypes.as_dtype(v.dtype) if isinstance(v0, (Tensor, np.ndarray, np.generic))
                    else (dtypes.float32 if k == "f" else dtypes.int32)
                    for v, v0, k in zip(values, (start, limit, delta), kinds)]
        order = [dtypes.int32, dtypes.int64, dtypes.float16, dtypes.float32, dtypes.float64]
        dtype = max(inferred, key=lambda d: order.index(d) if d in order else 0)
    dtype = dtypes.as_dtype(dtype)
    if not isinstance(values[2], Tensor) and float(values[2]) == 0:
        raise ValueError("Requires delta != 0 (argument `delta` of tf.range).")
    py = [v if isinstance(v, Tensor) else v.item() for v in values]
    return apply_op(RANGE, [], {"start": py[0], "limit": py[1], "delta": py[2], "dtype": dtype},
                    name=name)


# ---------------------------------------------------------------------------
# Shape, size, rank: constants when the shape is known (as TF folds them).

def _shape_array(value, dtype):
    """A shape fact as numpy data, not a traced array, wherever the shape is concrete.

    A graph is lowered per concrete input shape (jax.jit traces it per shape),
    so `tf.shape(x)` is a constant there even where x's dim is None in the
    graph; as numpy, the arithmetic on it folds while lowering
    (`lowering.run_ops`) and a shape computed from it stays static for XLA.
    Only shape inference over unknown (symbolic) dims makes a jnp array.
    """
    dims = value if isinstance(value, tuple) else (value,)
    if all(type(d) is int for d in dims):
        return np.asarray(value, dtype)
    return jnp.asarray(value, dtype)


SHAPE = def_op("Shape", lambda x, *, out_type: _shape_array(x.shape, out_type.as_numpy_dtype),
               "input", grad=NOT_DIFFERENTIABLE)
SIZE = def_op("Size", lambda x, *, out_type: _shape_array(
    x.size if type(x.size) is int else math.prod(x.shape), out_type.as_numpy_dtype),
    "input", grad=NOT_DIFFERENTIABLE)
RANK = def_op("Rank", lambda x: np.asarray(x.ndim, np.int32), "input", grad=NOT_DIFFERENTIABLE)


@public(SHAPE)
def shape(input, out_type=dtypes.int32, name=None):  # noqa: A002
    """The shape of `input` as a 1-D int tensor, as `tf.shape` (not differentiable)."""
    x = convert_to_tensor(input)
    out_type = dtypes.as_dtype(out_type)
    if x.shape.is_fully_defined():
        return constant(np.array(x.shape.as_list(), out_type.as_numpy_dtype), name=name or "Shape")
    return apply_op(SHAPE, [x], {"out_type": out_type}, name=name or "Shape")


@public(SIZE)
def size(input, out_type=dtypes.int32, name=None):  # noqa: A002
    """The number of elements of `input`, as `tf.size`."""
    x = convert_to_tensor(input)
    out_type = dtypes.as_dtype(out_type)
    if x.shape.is_fully_defined():
        return constant(np.array(x.shape.num_elements(), out_type.as_numpy_dtype),
                        name=name or "Size")
    return apply_op(SIZE, [x], {"out_type": out_type}, name=name or "Size")


@public(RANK)
def rank(input, name=None):  # noqa: A002
    """The rank of `input` as an int32 scalar, as `tf.rank`."""
    x = convert_to_tensor(input)
    if x.shape.rank is not None:
        return constant(np.int32(x.shape.rank), name=name or "Rank")
    return apply_op(RANK, [x], name=name or "Rank")


# ---------------------------------------------------------------------------
# Reshaping.

def _reshape_lowering(tensor, *, shape):
    return jnp.reshape(tensor, shape)


def _reshape_avals(inputs, attrs):
    """Where the shape is known only when the graph runs, TF knows its known entries
    and infers no -1 (the other entries are not all known)."""
    shape = attrs["shape"]
    if not _has_symbols(shape):
        return None  # eval_shape of the lowering
    dims = tuple(_unknown_dim() if type(d) is int and d == -1 else d for d in shape)
    return jax.ShapeDtypeStruct(dims, inputs[0]._aval.dtype)


RESHAPE = def_op("Reshape", _reshape_lowering, "tensor", static_attrs={"shape": tuple},
                 out_avals=_reshape_avals)


@public(RESHAPE)
def reshape(tensor, shape, name=None):
    """Reshapes `tensor`; one dimension may be -1, as `tf.reshape`.

    ValueError (TF's class at graph construction) when the sizes differ;
    eagerly TF's InvalidArgumentError ("Input to reshape is a tensor with 6
    values, but the requested shape has 4 [Op:Reshape]").
    """
    x = convert_to_tensor(tensor)
    shape = static_or_tensor(shape, "shape")
    if isinstance(shape, Tensor):  # known when the graph runs (`_shape_arg`)
        return apply_op(RESHAPE, [x], {"shape": shape}, name=name or "Reshape")
    dims = tuple(int(d) for d in np.asarray(shape).reshape(-1))
    unknown = [i for i, d in enumerate(dims) if d == -1]
    negative = [i for i, d in enumerate(dims) if d < -1]
    if negative:
        raise argument_error(
            "Reshape", f"Invalid value in tensor used for shape: {dims[negative[0]]}",
            f"Size {negative[0]} must be non-negative, not {dims[negative[0]]}")
    if len(unknown) > 1:
        raise argument_error(
            "Reshape", f"Cannot infer multiple unknown dimensions in shape {list(dims)}.",
            f"Only one input size may be -1, not both {unknown[0]} and {unknown[1]}")
    if x.shape.is_fully_defined():
        total = x.shape.num_elements()
        known = int(np.prod([d for d in dims if d != -1]))
        if (-1 not in dims and known != total) or (-1 in dims and (known == 0 or total % known)):
            wanted = (f"requires a multiple of {known}" if unknown and known
                      else f"has {known}")
            raise argument_error(
                "Reshape", f"Cannot reshape a tensor with {total} elements to shape "
                f"{list(dims)} ({known} elements) for '{{{{node Reshape}}}}' (argument `shape`).",
                f"Input to reshape is a tensor with {total} values, but the requested shape "
                f"{wanted}")
    return apply_op(RESHAPE, [x], {"shape": dims}, name=name or "Reshape")


TRANSPOSE = def_op("Transpose", lambda x, *, perm: jnp.transpose(x, perm), "x")


@public(TRANSPOSE)
def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permutes dimensions (reverses them when `perm` is None), as `tf.transpose`."""
    x = convert_to_tensor(a)
    rank = x.shape.rank
    if rank is None:  # unknown rank: `perm` is checked when the graph runs
        if perm is not None:
            perm = tuple(int(p) for p in np.asarray(static_value(perm, "perm")).reshape(-1))
        out = apply_op(TRANSPOSE, [x], {"perm": perm}, name=name)
        return _conj(out) if conjugate and x.dtype.is_complex else out
    if perm is None:
        perm = tuple(np.arange(rank)[::-1])
    perm = tuple(int(p) for p in np.asarray(static_value(perm, "perm")).reshape(-1))
    if len(perm) != rank:
        raise argument_error(
            "Transpose", f"Dimension must be {rank} but is {len(perm)} for 'Transpose' "
            f"(argument `perm` = {list(perm)}, for `a` of shape {x.shape}).",
            f"transpose expects a vector of size {rank}. But input(1) is a vector of size "
            f"{len(perm)}")
    # TF: negative entries count from the end, then each must be in range, then
    # every dimension must appear.
    wrapped = [p + rank if p < 0 else p for p in perm]
    if sorted(wrapped) != list(np.arange(rank)):
        bad = [p for p in wrapped if not 0 <= p < rank]
        eager_text = (f"{bad[0]} is out of range [0 .. {rank})" if bad else
                      f"{min(set(builtins.range(rank)) - set(wrapped))} is missing from "
                      f"{{{','.join(str(p) for p in wrapped)}}}.")
        raise argument_error(
            "Transpose", f"`perm` must be a permutation of the {rank} dimensions of `a` for "
            f"'Transpose', got {list(perm)}.", eager_text)
    out = apply_op(TRANSPOSE, [x], {"perm": perm}, name=name)
    return _conj(out) if conjugate and x.dtype.is_complex else out


def _conj(x):
    from tfgrad_jax.ops.math_ops import conj  # math_ops imports this module
    return conj(x)


EXPAND_DIMS = def_op("ExpandDims", lambda x, *, axis: jnp.expand_dims(x, axis), "input")


@public(EXPAND_DIMS)
def expand_dims(input, axis, name=None):  # noqa: A002
    """Inserts a length-1 dimension at `axis`, as `tf.expand_dims`."""
    x = convert_to_tensor(input)
    axis = int(static_value(axis, "axis"))
    rank = x.shape.rank
    if rank is not None and not -rank - 1 <= axis <= rank:
        raise argument_error(
            "ExpandDims", f"`axis` {axis} is out of range for a tensor of rank {rank} "
            f"(allowed: [{-rank - 1}, {rank}]).",
            f"Tried to expand dim index {axis} for tensor with {rank} dimensions.")
    return apply_op(EXPAND_DIMS, [x], {"axis": axis}, name=name or "ExpandDims")


SQUEEZE = def_op("Squeeze", lambda x, *, axis: jnp.squeeze(x, axis), "input")


@public(SQUEEZE)
def squeeze(input, axis=None, name=None):  # noqa: A002
    """Removes length-1 dimensions (those in `axis`, or all), as `tf.squeeze`."""
    x = convert_to_tensor(input)
    if x.shape.rank is None:  # unknown rank: which dims go is decided when the graph runs
        axes = None if axis is None else tuple(
            int(a) for a in np.asarray(static_value(axis, "axis")).reshape(-1))
        return apply_op(SQUEEZE, [x], {"axis": axes}, name=name or "Squeeze")
    dims = x.shape.as_list()
    if axis is None:
        axes = tuple(i for i, d in enumerate(dims) if d == 1)
    else:
        axes = tuple(int(a) % len(dims) for a in np.asarray(static_value(axis, "axis")).reshape(-1))
        for a in axes:
            if dims[a] != 1:
                text = f"Can not squeeze dim[{a}], expected a dimension of 1, got {dims[a]}"
                raise argument_error("Squeeze", f"{text} (argument `axis`).", text)
    return apply_op(SQUEEZE, [x], {"axis": axes}, name=name or "Squeeze")


# ---------------------------------------------------------------------------
# Joining.

def _concat_check(values, *, axis):
    """TF's ConcatOp shape checks, against the first input (eagerly: a graph has
    raised ValueError for them when it was built)."""
    first = np.shape(values[0])
    text = runtime_checks.shape_text
    for i, v in enumerate(values[1:], 1):
        shape = np.shape(v)
        if len(shape) != len(first):
            message = (f"ConcatOp : Ranks of all input tensors should match: shape[0] = "
                       f"{text(first)} vs. shape[{i}] = {text(shape)}")
            return runtime_checks.Check(True, lambda: message)
        for d, (a, b) in enumerate(zip(first, shape)):
            if a != b and d != axis % len(first):
                message = (f"ConcatOp : Dimension {d} in both shapes must be equal: shape[0] = "
                           f"{text(first)} vs. shape[{i}] = {text(shape)}")
                return runtime_checks.Check(True, lambda: message)
    return None


CONCAT = def_op("ConcatV2", lambda values, *, axis: jnp.concatenate(values, axis),
                "values: N*T", check=_concat_check)
PACK = def_op("Pack", lambda values, *, axis: jnp.stack(values, axis), "values: N*T")


@public(CONCAT)
def concat(values, axis, name="concat"):
    """Concatenates tensors along `axis`, as `tf.concat`."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        return identity(values[0], name=name)
    axis = int(static_value(axis, "axis"))
    ranks = {convert_to_tensor(v).shape.rank for v in values if isinstance(v, Tensor)} - {None}
    if len(ranks) == 1:
        rank = ranks.pop()
        if not -rank <= axis < rank:
            raise argument_error(
                "ConcatV2", f"`axis` {axis} is out of range for tensors of rank {rank} "
                f"(ConcatV2, argument `axis`).", "ConcatOp : Expected concatenating dimensions "
                f"in the range [{-rank}, {rank}), but got {axis}")
    return apply_op(CONCAT, [list(values)], {"axis": axis}, name=name)


@public(PACK)
def stack(values, axis=0, name="stack"):
    """Stacks same-shaped tensors along a new axis, as `tf.stack`."""
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError("`values` must be a non-empty list of tensors.")
    first = convert_to_tensor(values[0])
    rank = None if first.shape.rank is None else first.shape.rank + 1
    axis = int(axis)
    if rank is not None and not -rank <= axis < rank:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank})")
    return apply_op(PACK, [list(values)], {"axis": axis}, name=name)


def _autopack(values, dtype, name):
    """TF converts a (nested) list holding tensors by stacking it."""
    items = [_autopack(v, dtype, name) if isinstance(v, (list, tuple)) else v for v in values]
    if dtype is not None:
        from tfgrad_jax.ops.math_ops import cast
        items = [cast(v, dtype) if isinstance(v, Tensor) else convert_to_tensor(v, dtype)
                 for v in items]
    return stack(items, name=name)


UNPACK = def_op("Unpack", lambda value, *, num, axis: tuple(
    jnp.moveaxis(value, axis, 0)), "value")


@public(UNPACK)
def unstack(value, num=None, axis=0, name="unstack"):
    """Splits `value` along `axis` into a list of tensors, as `tf.unstack`."""
    x = convert_to_tensor(value)
    rank = x.shape.rank
    if not -rank <= axis < rank:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank})")
    n = x.shape[axis]
    if n is None:
        raise ValueError(f"Cannot infer argument `num` from shape {x.shape}")
    return list(apply_op(UNPACK, [x], {"num": n, "axis": axis % rank}, name=name))


# ---------------------------------------------------------------------------
# where.

SELECT = def_op("SelectV2", jnp.where, "condition, t: T, e: T", T=ALL_TYPES)
def data_dependent_dim(tensor):
    """A fresh unknown dim (TF's None) for a size a data-dependent op finds at run time."""
    from tfgrad_jax.framework import graph as graph_mod
    return graph_mod.fresh_symbolic_dim(graph_mod.symbolic_scope(tensor.graph))


# The true indices: as many rows as true entries, known only from the values (run on the
# host between compiled segments, see framework.lowering).
WHERE = def_op("Where", lambda condition: np.argwhere(np.asarray(condition)).astype(np.int64),
               "condition", grad=NOT_DIFFERENTIABLE, data_dependent=True,
               out_avals=lambda inputs, attrs: jax.ShapeDtypeStruct(
                   (data_dependent_dim(inputs[0]), len(inputs[0]._aval.shape)), np.int64))


@public(SELECT, WHERE)
def where(condition, x=None, y=None, name=None):
    """`tf.where`: with x and y, picks elementwise (broadcasting); else true indices.

    The one-argument form returns an int64 [num_true, rank] tensor whose
    size depends on the data ([None, rank] in a graph, as TF): in a
    tf.function or Session.run it runs on the host between compiled segments
    (see `framework.lowering`), not inside tf.cond branches or loop bodies.
    """
    if (x is None) != (y is None):
        raise ValueError("x and y must both be non-None or both be None.")
    cond = convert_to_tensor(condition, name="condition")
    if cond.dtype != dtypes.bool:
        raise TypeError(f"`condition` must be a bool tensor, got {cond.dtype.name}.")
    if x is None:
        return apply_op(WHERE, [cond], name=name or "Where")
    return apply_op(SELECT, [cond, x, y], name=name or "SelectV2")


# ---------------------------------------------------------------------------
# Slicing: tf.slice, tf.strided_slice and Tensor.__getitem__.

def _slice_lowering(input, begin, *, size, known_begin=None):  # noqa: A002
    if any(type(s) is int and s == -1 for s in size):
        # "To the end" of a dim unknown in the graph: known here (shapes are concrete),
        # from `begin` as known when the graph was built, or as folded while lowering.
        b = known_begin
        if b is None:
            if isinstance(begin, jax.core.Tracer):
                raise ValueError("Argument `size` of Slice holds -1 but `begin` depends on "
                                 "run-time data: the extent cannot be static.")
            b = np.asarray(begin).tolist()
        size = tuple(input.shape[i] - int(b[i]) if s == -1 else s for i, s in enumerate(size))
    return lax.dynamic_slice(input, [begin[i] for i in builtins.range(input.ndim)], size)


def _slice_avals(inputs, attrs):
    """TF: an entry of `size` known only when the graph runs, or a -1 over an unknown
    dim, gives an unknown dim."""
    size = attrs["size"]
    if not any(jax.export.is_symbolic_dim(s) or s == -1 for s in size):
        return None
    return jax.ShapeDtypeStruct(tuple(_unknown_dim() if type(s) is int and s == -1 else s
                                      for s in size), inputs[0]._aval.dtype)


SLICE = def_op("Slice", _slice_lowering, "input, begin: Index", Index=(dtypes.int32, dtypes.int64),
               static_attrs={"size": tuple}, out_avals=_slice_avals)


@public(SLICE)
def slice(input_, begin, size, name=None):  # noqa: A001 - TF's name
    """The block of `input_` starting at `begin` with extent `size` (-1: to the end), as `tf.slice`.

    `size` must be static (XLA compiles static shapes). `begin` may be a
    run-time tensor when `size` has no -1; XLA then clamps it so the block
    stays in bounds, where TF raises at run time. Static out-of-range
    arguments raise ValueError when the graph is built.
    """
    x = convert_to_tensor(input_, name="input")
    rank = x.shape.rank
    size = static_or_tensor(size, "size")
    begin_t = convert_to_tensor(begin, name="begin")
    if isinstance(size, Tensor):  # known when the graph runs (`_shape_arg`)
        if size.shape.as_list() != [rank] or begin_t.shape.as_list() != [rank]:
            raise ValueError(f"Expected `begin` and `size` to have {rank} elements for "
                             f"'Slice', got {begin_t.shape} and {size.shape}.")
        return apply_op(SLICE, [x, begin_t], {"size": size}, name=name or "Slice")
    size = [int(s) for s in np.asarray(size).reshape(-1)]
    if begin_t.shape.rank != 1 or begin_t.shape[0] != rank or len(size) != rank:
        raise ValueError(f"Expected `begin` and `size` to have {rank} elements for 'Slice', "
                         f"got {begin_t.shape} and {len(size)}.")
    from tfgrad_jax.framework.constant_folding import constant_value
    begin_v = constant_value(begin_t)
    if begin_v is None and -1 in size:
        raise ValueError("Argument `size` of tf.slice may only hold -1 when `begin` is known "
                         "when the graph is built.")
    if begin_v is not None:
        for i, (b, s, d) in enumerate(zip(begin_v.tolist(), size, x.shape.as_list())):
            if d is None:
                continue  # an unknown dim: -1 is resolved when the graph runs
            s = d - b if s == -1 else s
            if not (0 <= b <= d and 0 <= s and b + s <= d):
                raise ValueError(f"Expected begin[{i}] in [0, {d}] and size[{i}] in [0, "
                                 f"{d - b}], but got {b} and {size[i]} for 'Slice' (arguments "
                                 "`begin`, `size`).")
            size[i] = s
    attrs = {"size": tuple(size)}
    if -1 in size:  # over an unknown dim: resolved when the graph runs
        attrs["known_begin"] = tuple(begin_v.tolist())
    return apply_op(SLICE, [x, begin_t], attrs, name=name or "Slice")


def _strided_slice_lowering(input, index, *, spec, bounds=()):  # noqa: A002
    key = []
    for kind, *args in spec:
        if kind == "slice":  # ("bound", k): bounds[k], known when the graph runs
            key.append(builtins.slice(*[bounds[a[1]] if isinstance(a, tuple) else a
                                        for a in args]))
        elif kind == "int":
            key.append(args[0])
        elif kind == "tensor":  # a run-time scalar index (jnp wraps negatives, clamps)
            key.append(index[args[0]])
        elif kind == "newaxis":
            key.append(None)
        else:
            key.append(Ellipsis)
    return input[tuple(key)]


def _strided_slice_avals(inputs, attrs):
    """TF: a dim sliced with a bound known only when the graph runs is unknown."""
    bounds = attrs.get("bounds", ())
    if not _has_symbols(bounds):
        return None
    x = inputs[0]
    rank = len(x._aval.shape)
    spec = attrs["spec"]
    n_real = sum(1 for e in spec if e[0] in ("slice", "int", "tensor"))
    plain, unknown, out = [], [], 0
    for e in spec:
        if e[0] == "slice" and any(isinstance(a, tuple) for a in e[1:]):
            plain.append(("slice", None, None, e[3]))  # the same rank: its size unknown
            unknown.append(out)
        else:
            plain.append(e)
        out += {"slice": 1, "newaxis": 1, "ellipsis": rank - n_real}.get(e[0], 0)
    index = [jax.ShapeDtypeStruct(t._aval.shape, t._aval.dtype) for t in inputs[1:]]
    aval = jax.eval_shape(lambda a, *i: _strided_slice_lowering(a, list(i), spec=tuple(plain)),
                          jax.ShapeDtypeStruct(x._aval.shape, x._aval.dtype), *index)
    dims = [_unknown_dim() if i in unknown else d for i, d in enumerate(aval.shape)]
    return jax.ShapeDtypeStruct(tuple(dims), aval.dtype)


STRIDED_SLICE = def_op("StridedSlice", _strided_slice_lowering, "input, index: N*",
                       static_attrs={"bounds": tuple}, out_avals=_strided_slice_avals)


def _index_spec(key, shape):
    """The static description of `key`, and the run-time scalar index tensors it holds."""
    if not isinstance(key, tuple):
        key = (key,)
    spec, dynamic, bounds = [], [], []
    dim = 0
    has_ellipsis = any(k is Ellipsis for k in key)
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    from tfgrad_jax.framework.constant_folding import constant_value
    for k in key:
        if k is Ellipsis:
            spec.append(("ellipsis",))
            dim = len(shape) - (n_real - dim) if shape.rank is not None else dim
        elif k is None:
            spec.append(("newaxis",))
        elif isinstance(k, builtins.slice):
            parts = [None if v is None else static_or_tensor(v, "slice") for v in
                     (k.start, k.stop)] + [None if k.step is None else
                                            int(static_value(k.step, "slice"))]
            for j in (0, 1):  # a bound known only when the graph runs: read at lowering
                if isinstance(parts[j], Tensor):
                    bounds.append(parts[j])
                    parts[j] = ("bound", len(bounds) - 1)
                elif parts[j] is not None:
                    parts[j] = int(parts[j])
            if parts[2] == 0:
                raise ValueError("slice step cannot be zero")
            spec.append(("slice", *parts))
            dim += 1
        elif isinstance(k, (numbers.Integral, np.integer)) or (
                isinstance(k, (Tensor, np.ndarray)) and k.dtype in (
                    dtypes.int32, dtypes.int64, np.int32, np.int64) and k.ndim == 0):
            value = constant_value(k) if isinstance(k, Tensor) else k
            if value is None:  # a graph tensor known only at run time
                spec.append(("tensor", len(dynamic)))
                dynamic.append(k)
                dim += 1
                continue
            i = int(value)
            if shape.rank is not None and dim >= shape.rank and not has_ellipsis:
                raise ValueError(f"Index out of range using input dim {dim}; input has only "
                                 f"{shape.rank} dims for '{{{{node strided_slice}}}}'.")
            if shape.rank is not None and dim < shape.rank and shape[dim] is not None:
                n = shape[dim]
                if not -n <= i < n:
                    raise ValueError(f"slice index {i} of dimension {dim} out of bounds "
                                     f"(size {n}) for '{{{{node strided_slice}}}}'.")
            spec.append(("int", i))
            dim += 1
        else:
            raise TypeError("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) "
                            f"and scalar tf.int32/tf.int64 tensors are valid indices, got {k!r}")
    if shape.rank is not None and n_real > shape.rank:
        raise ValueError(f"Index {key!r} has too many indices for a tensor of rank {shape.rank}.")
    return tuple(spec), dynamic, bounds


def _strided(tensor, key, name):
    x = convert_to_tensor(tensor)
    spec, dynamic, bounds = _index_spec(key, x.shape)
    attrs = {"spec": spec}
    if bounds:  # one int vector of the bounds known only when the graph runs
        if len({b.dtype for b in bounds}) > 1:
            from tfgrad_jax.ops.math_ops import cast
            bounds = [cast(b, dtypes.int64) for b in bounds]
        attrs["bounds"] = stack(bounds, name=name + "/bounds")
    return apply_op(STRIDED_SLICE, [x, dynamic], attrs, name=name)


def _getitem(tensor, key):
    """`tensor[key]`, as TF's `Tensor.__getitem__`: one StridedSlice op.

    Integers, slices (negative steps too), `...`, `tf.newaxis` and scalar int
    tensors; a scalar graph tensor known only at run time is a dynamic index
    (XLA clamps it to the valid range where TF raises at run time). Slice
    bounds must be static. As TF, a list is read as a tuple of indices, a bool
    key (or bool tensor) is a `tf.boolean_mask`, and int tensors of rank > 0
    raise TypeError.
    """
    if isinstance(key, (bool, np.bool_)) or (
            isinstance(key, (Tensor, np.ndarray)) and key.dtype == dtypes.bool):
        return boolean_mask(tensor, key)
    if isinstance(key, list):
        key = tuple(key)
    return _strided(tensor, key, "strided_slice")


Tensor.__getitem__ = _getitem


@public(STRIDED_SLICE)
def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """Strided slicing with TF's bit masks, as `tf.strided_slice` (one StridedSlice op).

    Bit i of a mask refers to entry i of `begin`/`end`/`strides`: begin/end
    masks ignore that bound, ellipsis/new-axis masks put `...`/`tf.newaxis`
    there, the shrink mask takes a single index. The arguments must be static.
    """
    begin = [int(v) for v in np.asarray(static_value(begin, "begin")).reshape(-1)]
    end = [int(v) for v in np.asarray(static_value(end, "end")).reshape(-1)]
    strides = ([1] * len(begin) if strides is None else
               [int(v) for v in np.asarray(static_value(strides, "strides")).reshape(-1)])
    if not len(begin) == len(end) == len(strides):
        raise ValueError("Expected `begin`, `end` and `strides` to have the same length for "
                         f"'StridedSlice', got {len(begin)}, {len(end)} and {len(strides)}.")
    key = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            key.append(b)
        else:
            key.append(builtins.slice(None if begin_mask & bit else b,
                                      None if end_mask & bit else e, s))
    return _strided(input_, tuple(key), name or "StridedSlice")


# ---------------------------------------------------------------------------
# Splitting.

SPLIT = def_op("Split", lambda value, *, num_split, axis: tuple(
    jnp.split(value, num_split, axis=axis)), "value: T")
SPLIT_V = def_op("SplitV", lambda value, *, size_splits, axis: tuple(
    jnp.split(value, np.cumsum(size_splits)[:-1].tolist(), axis=axis)), "value: T")


@public(SPLIT, SPLIT_V)
def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits `value` along `axis`, as `tf.split`: into `num_or_size_splits` equal parts (op
    Split), or into parts of the given sizes, one of which may be -1 (op SplitV).

    Returns a list of tensors. Sizes and axis must be static; sizes that do not
    add up raise ValueError when the graph is built, as TF.
    """
    x = convert_to_tensor(value, name="value")
    rank = x.shape.rank
    axis = int(static_value(axis, "axis"))
    if not -rank <= axis < rank:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank}) for split.")
    axis %= rank
    n = x.shape[axis]
    if isinstance(num_or_size_splits, (numbers.Integral, np.integer)):
        k = int(num_or_size_splits)
        if k <= 0 or n % k:
            raise ValueError(f"Dimension size must be evenly divisible by {k} but is {n}: "
                             "Number of ways to split should evenly divide the split dimension "
                             "for 'Split' (argument `num_or_size_splits`).")
        return list(apply_op(SPLIT, [x], {"num_split": k, "axis": axis}, name=name))
    sizes = np.asarray(static_value(num_or_size_splits, "num_or_size_splits"))
    if sizes.ndim == 0:
        raise ValueError("Rank-0 tensors are not supported as the num_or_size_splits argument "
                         f"to split. Argument provided: {num_or_size_splits}")
    sizes = [int(s) for s in sizes.reshape(-1)]
    if sum(s == -1 for s in sizes) == 1:
        sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
    if any(s < 0 for s in sizes) or sum(sizes) != n:
        raise ValueError(f"can't split axis of size {n} into pieces of size {sizes} for "
                         "'SplitV' (argument `num_or_size_splits`).")
    if num is not None and int(num) != len(sizes):
        raise ValueError(f"`num` = {num} does not match the {len(sizes)} sizes given.")
    return list(apply_op(SPLIT_V, [x], {"size_splits": tuple(sizes), "axis": axis}, name=name))


# ---------------------------------------------------------------------------
# Gathering and scattering. Index tensors are run-time inputs; axes are static.

_INDEX_TYPES = (dtypes.int32, dtypes.int64)


def _index_range_check(indices, bound):
    """TF's CPU check of gather indices: "indices[1,0] = 5 is not in [0, 3)" (XLA gives 0)."""

    def message(indices):
        at, where = runtime_checks.first_failure((indices < 0) | (indices >= bound))
        return f"indices{where} = {indices[at]} is not in [0, {bound})"

    return runtime_checks.Check(jnp.any((indices < 0) | (indices >= bound)), message,
                                (indices,))


def _batched(fn, batch_dims):
    for _ in builtins.range(batch_dims):
        fn = jax.vmap(fn)
    return fn


def _gather_lowering(params, indices, *, axis, batch_dims):
    take = lambda p, i: jnp.take(p, i, axis=axis - batch_dims, mode="fill", fill_value=0)
    return _batched(take, batch_dims)(params, indices)


GATHER = def_op("GatherV2", _gather_lowering, "params, indices: Tindices", Tindices=_INDEX_TYPES,
                check=lambda params, indices, *, axis, batch_dims: _index_range_check(
                    indices, params.shape[axis]))


@public(GATHER)
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Slices of `params` along `axis` at `indices`, as `tf.gather` (op GatherV2).

    `batch_dims` leading dimensions are shared by params and indices. Indices
    out of range raise InvalidArgumentError as on TF's CPU eagerly, and in
    compiled code with `tf.config.experimental.enable_runtime_checks(True)`;
    by default compiled code gives 0 for them (as TF on GPU). tf.gradients
    returns an IndexedSlices for params used only through row gathers (axis
    0, no batch_dims), as TF does; other uses give a dense gradient.
    """
    p = convert_to_tensor(params, name="params")
    i = convert_to_tensor(indices, name="indices")
    # TF: axis defaults to batch_dims; only a gather at axis 0 *as written* has an
    # IndexedSlices gradient (axis=-1 of a vector is dense), hence "_axis_arg".
    axis = int(batch_dims) if axis is None else int(static_value(axis, "axis"))
    axis_arg = axis
    batch_dims = int(batch_dims)
    for value, arg, rank in ((batch_dims, "batch_dims", i.shape.rank),
                             (axis, "axis", p.shape.rank)):
        if value < 0 and rank is None:
            raise ValueError(f"A negative `{arg}` ({value}) of tf.gather needs the rank of "
                             f"`{'indices' if arg == 'batch_dims' else 'params'}`, unknown "
                             "when the graph is built.")
    if batch_dims < 0:
        batch_dims += i.shape.rank
    if axis < 0:
        axis += p.shape.rank
    if p.shape.rank is not None and not 0 <= axis < p.shape.rank:
        raise ValueError(f"Shape must be at least rank {axis + 1} but is rank {p.shape.rank} "
                         f"for 'GatherV2' (argument `axis`).")
    if not 0 <= batch_dims <= min(axis, batch_dims if i.shape.rank is None else i.shape.rank):
        raise ValueError(f"batch_dims ({batch_dims}) must be in [0, min(axis = {axis}, rank of "
                         f"indices = {i.shape.rank})] for 'GatherV2' (argument `batch_dims`).")
    return apply_op(GATHER, [p, i], {"axis": axis, "batch_dims": batch_dims,
                                     "_axis_arg": axis_arg}, name=name or "GatherV2")


def _index_tuple(indices):
    return tuple(jnp.moveaxis(indices, -1, 0))


def _gather_nd_lowering(params, indices, *, batch_dims):
    def one(p, i):
        if i.shape[-1] == 0:
            return jnp.broadcast_to(p, i.shape[:-1] + p.shape)
        return p[_index_tuple(i)]
    return _batched(one, batch_dims)(params, indices)


def _index_vectors_check(indices, shape, text):
    """TF's CPU check of the index vectors of GatherNd and the scatters: "indices[1,0] =
    [0, 7] does not index into <text>" (XLA gives 0 for them, or drops the update)."""
    bounds = np.asarray(shape[:indices.shape[-1]], dtype=np.int64)

    def message(indices):
        at, where = runtime_checks.first_failure(((indices < 0) | (indices >= bounds)).any(-1))
        return f"indices{where} = [{', '.join(str(i) for i in indices[at])}] does not index " \
            f"into {text}"

    if indices.shape[-1] == 0:
        return None
    return runtime_checks.Check(jnp.any((indices < 0) | (indices >= bounds)), message,
                                (indices,))


def _gather_nd_check(params, indices, *, batch_dims):
    if batch_dims:  # index vectors per batch: not checked (TF's text for them unverified)
        return None
    return _index_vectors_check(indices, params.shape, "param shape "
                                f"{runtime_checks.shape_text(params.shape)}, node name: GatherNd")


GATHER_ND = def_op("GatherNd", _gather_nd_lowering, "params, indices: Tindices",
                   Tindices=_INDEX_TYPES, check=_gather_nd_check)


@public(GATHER_ND)
def gather_nd(params, indices, batch_dims=0, name=None):
    """Gathers slices of `params` at the index vectors in the last axis of `indices`, as
    `tf.gather_nd` (op GatherNd).

    The output shape is indices.shape[:-1] + params.shape[indices.shape[-1]:].
    """
    p = convert_to_tensor(params, name="params")
    i = convert_to_tensor(indices, name="indices")
    if i.shape.rank == 0 or i.shape[-1] > p.shape.rank - batch_dims:
        raise ValueError(f"indices.shape[-1] must be <= params.rank, but saw indices shape: "
                         f"{i.shape} and params shape: {p.shape} for 'GatherNd' (argument "
                         "`indices`).")
    return apply_op(GATHER_ND, [p, i], {"batch_dims": int(batch_dims)}, name=name or "GatherNd")


def _check_scatter(indices, updates, shape, op_type):
    k = indices.shape[-1] if indices.shape.rank else None
    if indices.shape.rank == 0 or k > len(shape):
        raise ValueError(f"indices.shape[-1] must be <= the output rank {len(shape)} for "
                         f"'{op_type}' (argument `indices`), got {indices.shape}.")
    want = indices.shape.as_list()[:-1] + list(shape[k:])
    if updates.shape.as_list() != want:
        raise ValueError(f"The shape of `updates` must be {want} (indices.shape[:-1] + "
                         f"shape[indices.shape[-1]:]), got {updates.shape.as_list()} for "
                         f"'{op_type}' (argument `updates`).")


def _scatter_check(shape, indices):
    return _index_vectors_check(indices, shape, f"shape {runtime_checks.shape_text(shape)}")


SCATTER_ND = def_op("ScatterNd", lambda indices, updates, *, shape: jnp.zeros(
    shape, updates.dtype).at[_index_tuple(indices)].add(updates, mode="drop"),
    "indices: Tindices, updates: T", Tindices=_INDEX_TYPES,
    check=lambda indices, updates, *, shape: _scatter_check(shape, indices))


@public(SCATTER_ND)
def scatter_nd(indices, updates, shape, name=None):
    """Zeros of `shape` with `updates` added at `indices` (duplicates sum), as `tf.scatter_nd`.

    `shape` must be static. Indices out of range raise InvalidArgumentError as
    on TF's CPU, eagerly and compiled with the run-time checks on
    (`tf.config.experimental.enable_runtime_checks`); otherwise they are
    dropped (as TF on GPU).
    """
    i = convert_to_tensor(indices, name="indices")
    u = convert_to_tensor(updates, name="updates")
    shape = _static_shape(shape)
    _check_scatter(i, u, shape, "ScatterNd")
    return apply_op(SCATTER_ND, [i, u], {"shape": shape}, name=name or "ScatterNd")


def _tensor_scatter_update_rule(inputs, out, g):
    tensor, indices, updates = inputs
    index = _index_tuple(indices)
    # TF: the replaced entries get no gradient; every update (even a duplicate
    # that lost) gets the gradient at its index.
    return g.at[index].set(0, mode="drop"), None, g[index]


def _tensor_scatter_check(tensor, indices, updates):
    return _scatter_check(tensor.shape, indices)


TENSOR_SCATTER_UPDATE = def_op(
    "TensorScatterUpdate", lambda tensor, indices, updates: tensor.at[_index_tuple(indices)].set(
        updates, mode="drop"), "tensor: T, indices: Tindices, updates: T",
    Tindices=_INDEX_TYPES, vjp=_tensor_scatter_update_rule, check=_tensor_scatter_check)
TENSOR_SCATTER_ADD = def_op(
    "TensorScatterAdd", lambda tensor, indices, updates: tensor.at[_index_tuple(indices)].add(
        updates, mode="drop"), "tensor: T, indices: Tindices, updates: T", Tindices=_INDEX_TYPES,
    check=_tensor_scatter_check)
TENSOR_SCATTER_SUB = def_op(
    "TensorScatterSub", lambda tensor, indices, updates: tensor.at[_index_tuple(indices)].add(
        -updates, mode="drop"), "tensor: T, indices: Tindices, updates: T",
    Tindices=_INDEX_TYPES, check=_tensor_scatter_check)


def _tensor_scatter(opdef, tensor, indices, updates, name):
    t = convert_to_tensor(tensor, name="tensor")
    i = convert_to_tensor(indices, name="indices")
    u = convert_to_tensor(updates, name="updates", dtype_hint=t.dtype)
    _check_scatter(i, u, t.shape.as_list(), opdef.type)
    return apply_op(opdef, [t, i, u], name=name or opdef.type)


@public(TENSOR_SCATTER_UPDATE)
def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` written at `indices`, as `tf.tensor_scatter_nd_update`.

    Gradient: TF's rule (0 for the overwritten entries; each update gets the
    gradient at its index, even duplicates).
    """
    return _tensor_scatter(TENSOR_SCATTER_UPDATE, tensor, indices, updates, name)


@public(TENSOR_SCATTER_ADD)
def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` added at `indices`, as `tf.tensor_scatter_nd_add`."""
    return _tensor_scatter(TENSOR_SCATTER_ADD, tensor, indices, updates, name)


@public(TENSOR_SCATTER_SUB)
def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` subtracted at `indices`, as `tf.tensor_scatter_nd_sub`."""
    return _tensor_scatter(TENSOR_SCATTER_SUB, tensor, indices, updates, name)


def _one_hot_lowering(indices, on_value, off_value, *, depth, axis):
    hot = indices[..., None] == jnp.arange(depth, dtype=indices.dtype)
    out = jnp.where(hot, on_value, off_value)
    return jnp.moveaxis(out, -1, axis) if axis != -1 else out


ONE_HOT = def_op("OneHot", _one_hot_lowering, "indices: TI, on_value: T, off_value: T",
                 grad=NOT_DIFFERENTIABLE,
                 TI=(dtypes.uint8, dtypes.int8, dtypes.int32, dtypes.int64))


@public(ONE_HOT)
def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot vectors of length `depth` at a new `axis` (default last), as `tf.one_hot`.

    Indices out of [0, depth) give all `off_value`. The dtype comes from
    on/off values or `dtype` (default float32), checked as TF does. TF
    registers no gradient for on/off values (None), nor do we. `depth` must
    be static.
    """
    with op_scope(name, "one_hot") as scope:
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype)
        on_exists, off_exists = on_value is not None, off_value is not None
        if on_exists:
            on_value = convert_to_tensor(on_value, dtype_hint=dtype)
        if off_exists:
            off_value = convert_to_tensor(off_value, dtype_hint=dtype)
        on_dtype = on_value.dtype if on_exists else None
        off_dtype = off_value.dtype if off_exists else None
        if on_exists or off_exists:
            if dtype is not None:
                if on_exists and on_dtype != dtype:
                    raise TypeError(f"dtype {on_dtype} of on_value does not match dtype "
                                    f"parameter {dtype}")
                if off_exists and off_dtype != dtype:
                    raise TypeError(f"dtype {off_dtype} of off_value does not match dtype "
                                    f"parameter {dtype}")
            else:
                dtype = on_dtype if on_exists else off_dtype
            if on_exists and off_exists and on_dtype != off_dtype:
                raise TypeError(f"dtype {on_dtype} of on_value does not match dtype "
                                f"{off_dtype} of off_value")
        else:
            dtype = dtype or dtypes.float32
        if not on_exists:
            on_value = convert_to_tensor(1, dtype, name="on_value")
        if not off_exists:
            off_value = convert_to_tensor(0, dtype, name="off_value")
        i = convert_to_tensor(indices, name="indices")
        depth = int(static_value(depth, "depth"))
        if depth < 0:
            raise ValueError(f"depth must be non-negative, got: {depth} (OneHot, argument "
                             "`depth`).")
        axis = -1 if axis is None else int(axis)
        rank = i.shape.rank
        if not -1 <= axis <= (axis if rank is None else rank):
            raise ValueError(f"Expected axis to be -1 or between [0, {rank}).  But received: "
                             f"{axis} (OneHot, argument `axis`).")
        return apply_op(ONE_HOT, [i, on_value, off_value], {"depth": depth, "axis": axis},
                        name=scope)


# ---------------------------------------------------------------------------
# Padding, tiling, repeating, broadcasting, reversing, rolling.

def _pad_lowering(input, *, paddings):  # noqa: A002
    return jnp.pad(input, paddings)


def _pad_v2_lowering(input, constant_values, *, paddings):  # noqa: A002
    return lax.pad(input, constant_values, [(lo, hi, 0) for lo, hi in paddings])


def _mirror_pad_lowering(input, *, paddings, mode):  # noqa: A002
    return jnp.pad(input, paddings, mode=mode.lower())


PAD = def_op("Pad", _pad_lowering, "input: T")
PAD_V2 = def_op("PadV2", _pad_v2_lowering, "input: T, constant_values: T")
MIRROR_PAD = def_op("MirrorPad", _mirror_pad_lowering, "input: T")


@public(PAD, PAD_V2, MIRROR_PAD)
def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pads `tensor` by paddings[i] = [before, after] in each dimension, as `tf.pad`.

    CONSTANT gives op Pad (zeros) or PadV2 (`constant_values`: TF's gradient
    for it is None, so here it passes through a StopGradient); REFLECT and
    SYMMETRIC give MirrorPad.
    `paddings` must be static; invalid paddings raise ValueError when the
    graph is built (TF checks REFLECT/SYMMETRIC bounds at run time).
    """
    x = convert_to_tensor(tensor, name="tensor")
    mode = mode.upper()
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError('Value of argument `mode` expected to be one of "CONSTANT", '
                         f'"REFLECT", or "SYMMETRIC". Received `mode` = {mode}')
    p = np.asarray(static_value(paddings, "paddings"))
    rank = x.shape.rank
    op_type = "Pad" if mode == "CONSTANT" else "MirrorPad"
    if p.shape != (rank, 2):
        raise ValueError(f"Shape must be rank 2 with shape [{rank}, 2] but is {list(p.shape)} "
                         f"for '{op_type}' (argument `paddings`).")
    pads = tuple((int(a), int(b)) for a, b in p.tolist())
    if any(a < 0 or b < 0 for a, b in pads):
        raise ValueError(f"Paddings must be non-negative for '{op_type}' (argument "
                         f"`paddings`), got {[list(q) for q in pads]}.")
    if mode == "CONSTANT":
        if (not isinstance(constant_values, Tensor) and np.ndim(constant_values) == 0
                and constant_values == 0):
            return apply_op(PAD, [x], {"paddings": pads}, name=name or "Pad")
        value = constant_values
        if isinstance(value, Tensor):
            value = stop_gradient(value)
        return apply_op(PAD_V2, [x, value], {"paddings": pads}, name=name or "PadV2")
    offset = 0 if mode == "SYMMETRIC" else 1
    for d, (a, b) in zip(x.shape.as_list(), pads):
        if d is not None and max(a, b) > d - offset:
            raise ValueError(f"paddings must be no greater than the dimension size minus "
                             f"{offset} for {mode} mode: {a}, {b} greater than {d - offset} "
                             f"for 'MirrorPad' (argument `paddings`).")
    return apply_op(MIRROR_PAD, [x], {"paddings": pads, "mode": mode}, name=name or "MirrorPad")


def _tile_avals(inputs, attrs):
    """TF: each dim times its multiple, unknown where either is (symbolic multiples)."""
    m = attrs["multiples"]
    if not _has_symbols(m):
        return None
    dims = tuple(d * k if type(d) is int and type(k) is int else _unknown_dim()
                 for d, k in zip(inputs[0]._aval.shape, m))
    return jax.ShapeDtypeStruct(dims, inputs[0]._aval.dtype)


TILE = def_op("Tile", lambda input, *, multiples: jnp.tile(input, multiples), "input: T",
              static_attrs={"multiples": tuple}, out_avals=_tile_avals)


@public(TILE)
def tile(input, multiples, name=None):  # noqa: A002
    """`input` repeated multiples[i] times along each dimension i, as `tf.tile`.

    `multiples` must be static (the output shape depends on it).
    """
    x = convert_to_tensor(input, name="input")
    m = static_or_tensor(multiples, "multiples")
    if isinstance(m, Tensor):  # known when the graph runs (`_shape_arg`)
        if x.shape.rank is not None and m.shape.as_list() != [x.shape.rank]:
            raise ValueError(f"Expected multiples argument to be a vector of length "
                             f"{x.shape.rank} but got shape {m.shape} for 'Tile' (argument "
                             "`multiples`).")
        return apply_op(TILE, [x], {"multiples": m}, name=name or "Tile")
    m = tuple(int(v) for v in np.asarray(m).reshape(-1))
    if x.shape.rank is not None and len(m) != x.shape.rank:
        raise ValueError(f"Expected multiples argument to be a vector of length {x.shape.rank} "
                         f"but got length {len(m)} for 'Tile' (argument `multiples`).")
    if any(v < 0 for v in m):
        raise ValueError(f"Expected multiples to be non-negative for 'Tile', got {list(m)}.")
    return apply_op(TILE, [x], {"multiples": m}, name=name or "Tile")


@public(GATHER)
def repeat(input, repeats, axis=None, name=None):  # noqa: A002
    """Repeats each entry along `axis` (the flattened input if None), as `tf.repeat`.

    `repeats` (a scalar or one count per entry) must be static: the output
    size depends on it. Built as one gather with constant indices (TF builds a
    tile/mask composite); the gradient sums the copies, as TF's.
    """
    with op_scope(name, "Repeat"):
        x = convert_to_tensor(input, name="input")
        if axis is None:
            x = reshape(x, [-1])
            axis = 0
        axis = int(axis)
        rank = x.shape.rank
        if not -rank <= axis < rank:
            raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank}) for "
                             "repeat.")
        axis %= rank
        reps = np.asarray(static_value(repeats, "repeats"))
        if reps.dtype.kind not in "iu" or reps.ndim > 1:
            raise TypeError(f"`repeats` must be an integer scalar or vector, got {repeats!r}.")
        n = x.shape[axis]
        if reps.ndim == 1 and reps.size not in (1, n):
            raise ValueError(f"Dimension {axis} of `input` has {n} entries but `repeats` has "
                             f"{reps.size} (repeat, argument `repeats`).")
        if np.any(reps < 0):
            raise ValueError(f"`repeats` must be non-negative, got {reps.tolist()}.")
        index = np.repeat(np.arange(n, dtype=np.int32), np.broadcast_to(reps.reshape(-1)
                                                                       if reps.ndim else reps,
                                                                       (n,)))
        return gather(x, index, axis=axis)


BROADCAST_TO = def_op(
    "BroadcastTo", lambda input, *, shape: jnp.broadcast_to(input, shape), "input: T",
    static_attrs={"shape": tuple},
    # TF records the shape as given, its unknown entries unknown (not merged with input's).
    out_avals=lambda inputs, attrs: (jax.ShapeDtypeStruct(attrs["shape"], inputs[0]._aval.dtype)
                                     if _has_symbols(attrs["shape"]) else None))


@public(BROADCAST_TO)
def broadcast_to(input, shape, name=None):  # noqa: A002
    """`input` broadcast to `shape` (numpy rules), as `tf.broadcast_to`; `shape` must be static."""
    x = convert_to_tensor(input, name="input")
    shape = _shape_arg(shape)
    if isinstance(shape, Tensor):  # known when the graph runs
        return apply_op(BROADCAST_TO, [x], {"shape": shape}, name=name or "BroadcastTo")
    dims = x.shape.as_list()
    if len(dims) > len(shape) or any(d not in (1, s) for d, s in zip(dims[::-1], shape[::-1])
                                     if d is not None):
        raise ValueError(f"Dimensions must be equal, but are {dims} and {list(shape)} for "
                         "'BroadcastTo' (argument `shape`): the shapes do not broadcast.")
    return apply_op(BROADCAST_TO, [x], {"shape": shape}, name=name or "BroadcastTo")


def _static_axes(x, axis, op_type):
    rank = x.shape.rank
    axes = [int(a) for a in np.asarray(static_value(axis, "axis")).reshape(-1)]
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"'axis'[{axes.index(a)}] = {a} is out of valid range [{-rank}, "
                             f"{rank}) for '{op_type}' (argument `axis`).")
    return axes


REVERSE = def_op("ReverseV2", lambda tensor, *, axis: jnp.flip(tensor, axis), "tensor: T")


@public(REVERSE)
def reverse(tensor, axis, name=None):
    """`tensor` with the dimensions in `axis` reversed, as `tf.reverse` (op ReverseV2)."""
    x = convert_to_tensor(tensor, name="tensor")
    axes = _static_axes(x, axis, "ReverseV2")
    if len({a % x.shape.rank for a in axes}) != len(axes):
        raise ValueError(f"'axis' contains a dimension twice: {axes} (ReverseV2).")
    return apply_op(REVERSE, [x], {"axis": tuple(a % x.shape.rank for a in axes)},
                    name=name or "ReverseV2")


ROLL = def_op("Roll", lambda input, shift, *, axis: jnp.roll(input, shift, axis),
              "input: T, shift: Tshift", Tshift=_INDEX_TYPES)


@public(ROLL)
def roll(input, shift, axis, name=None):  # noqa: A002
    """Rolls entries by `shift` along `axis` (wrapping around), as `tf.roll`.

    Shifts on a repeated axis add up. `axis` must be static; `shift` may be a
    run-time tensor.
    """
    x = convert_to_tensor(input, name="input")
    axes = _static_axes(x, axis, "Roll")
    s = convert_to_tensor(shift, name="shift")
    if s.shape.num_elements() != len(axes) or s.shape.rank != np.ndim(
            static_value(axis, "axis")):
        raise ValueError(f"`shift` and `axis` must have the same shape for 'Roll', got "
                         f"{s.shape} and {axes}.")
    axis_attr = tuple(a % x.shape.rank for a in axes) if s.shape.rank else axes[0] % x.shape.rank
    return apply_op(ROLL, [x, s], {"axis": axis_attr}, name=name or "Roll")


# ---------------------------------------------------------------------------
# Masks and ranges.

def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The entries of `tensor` where `mask` is True (masked dims flattened), as
    `tf.boolean_mask`.

    As TF: the masked dims of `tensor` are merged (Reshape), the true
    positions of the flattened mask found (Where, Squeeze) and gathered
    (GatherV2), so the gradient is GatherV2's. The output size depends on the
    mask (None in the graph): a mask computed at run time runs Where between
    compiled segments (`framework.lowering`). A mask known when the graph is
    built gives constant indices instead (what TF's constant folding makes of
    it), and the program stays one compiled function.
    """
    from tfgrad_jax.framework.constant_folding import constant_value
    with op_scope(name, "boolean_mask"):
        x = convert_to_tensor(tensor, name="tensor")
        m = convert_to_tensor(mask, name="mask")
        ndims = m.shape.rank
        if ndims == 0:
            raise ValueError("mask cannot be scalar.")
        if ndims is None:  # TF's text
            raise ValueError("Number of mask dimensions must be specified, even if some "
                             "dimensions are None.  E.g. shape=[None] is ok, but shape=None "
                             "is not.")
        if m.dtype != dtypes.bool:
            raise TypeError(f"`mask` must be a bool tensor, got {m.dtype.name}.")
        axis = 0 if axis is None else int(static_value(axis, "axis"))
        if x.shape.rank is None:
            if axis < 0:
                raise ValueError(f"`axis` = {axis} of tf.boolean_mask must be >= 0 when the "
                                 "rank of `tensor` is unknown.")
            return _mask_by_run_time_shape(x, m, axis, ndims)
        axis %= max(x.shape.rank, 1)
        dims = x.shape.as_list()
        if not TensorShape(dims[axis:axis + ndims]).is_compatible_with(m.shape) or (
                len(dims[axis:axis + ndims]) != ndims):
            raise ValueError(f"Shapes {TensorShape(dims[axis:axis + ndims])} and {m.shape} are "
                             "incompatible")
        value = constant_value(m)
        if value is None:
            masked = dims[axis:axis + ndims]
            rest = dims[:axis] + dims[axis + ndims:]
            if None in rest:
                return _mask_by_run_time_shape(x, m, axis, ndims)
            size = int(np.prod(masked)) if None not in masked else -1
            x = reshape(x, dims[:axis] + [size] + dims[axis + ndims:])
            indices = squeeze(where(reshape(m, [-1])), axis=[1])
            return gather(x, indices, axis=axis)
        # Reshaped even when nothing merges, as TF: the gradient is then dense, not an
        # IndexedSlices (Reshape's gradient densifies it).
        merged = dims[:axis] + [int(np.prod(dims[axis:axis + ndims]))] + dims[axis + ndims:]
        target = [-1 if d is None else d for d in merged]
        if target.count(-1) <= 1:
            x = reshape(x, target)
        return gather(x, np.flatnonzero(value.reshape(-1)).astype(np.int64), axis=axis)


def _mask_by_run_time_shape(x, m, axis, ndims):
    """boolean_mask's Reshape with the shape of `tensor` read when the graph runs (its
    dims outside the mask are not all known when the graph is built)."""
    dims = shape(x, out_type=dtypes.int64)
    x = reshape(x, concat([dims[:axis], [-1], dims[axis + ndims:]], 0))
    indices = squeeze(where(reshape(m, [-1])), axis=[1])
    return gather(x, indices, axis=axis)


def _dynamic_partition_lowering(data, partitions, *, num_partitions):
    from tfgrad_jax.framework.errors import InvalidArgumentError
    data, partitions = np.asarray(data), np.asarray(partitions)  # on the host
    bad = (partitions < 0) | (partitions >= num_partitions)
    if bad.any():
        i = np.argwhere(bad)[0]
        where = ",".join(str(int(j)) for j in i)
        raise InvalidArgumentError(None, None, f"partitions[{where}] = "
                                   f"{int(partitions[tuple(i)])} is not in [0, {num_partitions})")
    return tuple(data[partitions == p] for p in builtins.range(num_partitions))


def _dynamic_partition_avals(inputs, attrs):
    data, partitions = inputs
    rest = tuple(data._aval.shape[len(partitions._aval.shape):])
    return [jax.ShapeDtypeStruct((data_dependent_dim(data),) + rest, data._aval.dtype)
            for _ in builtins.range(attrs["num_partitions"])]


# tf.dynamic_partition applies it to the positions of the entries, then gathers: its
# outputs are integers, computed on the host, and the gradient is GatherV2's.
DYNAMIC_PARTITION = def_op("DynamicPartition", _dynamic_partition_lowering,
                           "data: T, partitions", grad=NOT_DIFFERENTIABLE, data_dependent=True,
                           out_avals=_dynamic_partition_avals)


@public(DYNAMIC_PARTITION)
def dynamic_partition(data, partitions, num_partitions, name=None):
    """Splits `data` into `num_partitions` tensors by the int32 `partitions`, as
    `tf.dynamic_partition`: output i holds the entries (slices along the dims of
    `partitions`) whose partition is i, in order.

    The output sizes depend on `partitions` ([None, ...] in the graph, as TF);
    in a graph the partitioning runs on the host between compiled segments
    (`framework.lowering`). Differently from TF's single DynamicPartition op,
    float data is partitioned through its positions: DynamicPartition splits
    the positions 0..n-1 of the entries, and one GatherV2 per output picks the
    entries, so the gradient (GatherV2's, summed into a dense tensor of
    data's shape) equals TF's DynamicStitch gradient. This needs the shape of
    `partitions` known when the graph is built; otherwise, as for other
    dtypes, DynamicPartition splits `data` itself (not differentiable: a
    gradient through it is None).
    """
    with op_scope(name, "DynamicPartition"):
        data = convert_to_tensor(data, name="data")
        partitions = convert_to_tensor(partitions, name="partitions")
        if partitions.dtype != dtypes.int32:
            raise TypeError(f"Value passed to parameter 'partitions' has DataType "
                            f"{partitions.dtype.name} not in list of allowed values: int32")
        num_partitions = int(num_partitions)
        if num_partitions < 1:
            raise ValueError(f"Value for attr 'num_partitions' of {num_partitions} must be at "
                             "least minimum 1")
        pshape, dshape = partitions.shape, data.shape
        if pshape.rank is not None and dshape.rank is not None and not TensorShape(
                dshape.as_list()[:pshape.rank]).is_compatible_with(pshape):
            raise ValueError(f"Dimensions must be equal, but are {dshape} and {pshape} for "
                             "'DynamicPartition' (data shape must start with partitions shape)")
        attrs = {"num_partitions": num_partitions}
        if data.dtype not in dtypes.INEXACT or not pshape.is_fully_defined() or (
                dshape.rank is None or None in dshape.as_list()[pshape.rank:]):
            return list(apply_op(DYNAMIC_PARTITION, [data, partitions], attrs,
                                 name="DynamicPartition"))
        n = int(np.prod(pshape.as_list()))
        positions = np.arange(n, dtype=np.int32).reshape(pshape.as_list())
        picks = apply_op(DYNAMIC_PARTITION, [positions, partitions], attrs,
                         name="DynamicPartition")
        flat = reshape(data, [n] + dshape.as_list()[pshape.rank:])
        return [gather(flat, p) for p in picks]


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """mask[..., j] = j < lengths[...], as `tf.sequence_mask` (Range, ExpandDims, Cast, Less).

    `maxlen` defaults to max(lengths), which must then be known when the graph
    is built (the output shape depends on it).
    """
    from tfgrad_jax.framework.constant_folding import constant_value
    from tfgrad_jax.ops.math_ops import cast, less
    with op_scope(name, "SequenceMask"):
        lengths = convert_to_tensor(lengths, name="lengths")
        if maxlen is None:
            value = constant_value(lengths)
            if value is None:
                raise ValueError("tf.sequence_mask without `maxlen` has a data-dependent "
                                 "shape; give `maxlen`, or lengths known when the graph is "
                                 "built.")
            maxlen = max(int(value.max()) if value.size else 0, 0)
            maxlen_dtype = lengths.dtype if lengths.dtype.is_integer else dtypes.int32
        else:
            if np.ndim(static_value(maxlen, "maxlen")) != 0:
                raise ValueError("Argument `maxlen` must be scalar for sequence_mask, received "
                                 f"`maxlen` = {maxlen}.")
            maxlen_dtype = (maxlen.dtype if isinstance(maxlen, Tensor) else dtypes.int32)
            maxlen = int(static_value(maxlen, "maxlen"))
        row_vector = range(0, maxlen, 1, dtype=maxlen_dtype, name="Range")
        matrix = cast(expand_dims(lengths, -1), maxlen_dtype)
        result = less(row_vector, matrix)
        dtype = dtypes.as_dtype(dtype)
        return result if dtype == dtypes.bool else cast(result, dtype)


def _linspace_lowering(start, stop, *, num, axis):
    return jnp.linspace(start, stop, num, axis=axis, dtype=start.dtype)


LINSPACE = def_op("LinSpace", _linspace_lowering, "start: T, stop: T", T=dtypes.FLOATING)


@public(LINSPACE)
def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (both included), as `tf.linspace`.

    N-D start/stop broadcast, with the new axis at `axis`. Integer inputs give
    float64, as TF. One LinSpace op (TF builds a composite); the gradients for
    start and stop are the same. `num` must be static.
    """
    from tfgrad_jax.ops.math_ops import cast
    with op_scope(name, "linspace") as scope:
        start = convert_to_tensor(start, name="start")
        stop = convert_to_tensor(stop, name="stop", dtype=start.dtype)
        if not start.dtype.is_floating:
            start, stop = cast(start, dtypes.float64), cast(stop, dtypes.float64)
        num = int(static_value(num, "num"))
        if num < 0:
            raise ValueError(f"Requires num >= 0 for linspace, got {num} (argument `num`).")
        rank = len(np.broadcast_shapes(tuple(start.shape.as_list()),
                                       tuple(stop.shape.as_list()))) + 1
        axis = int(axis)
        if not -rank <= axis < rank:
            raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank}) for "
                             "linspace.")
        return apply_op(LINSPACE, [start, stop], {"num": num, "axis": axis % rank}, name=scope)


def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D tensors, as `tf.meshgrid` (`indexing` 'xy' or 'ij').

    Built as TF builds it: each input reshaped, times a tensor of ones.
    """
    from tfgrad_jax.ops.math_ops import multiply
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        key = list(kwargs.keys())[0]
        raise TypeError(f"'{key}' is an invalid keyword argument for this function")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got "
                         f"'{indexing}'")
    with op_scope(name, "meshgrid"):
        ndim = len(args)
        if not ndim:
            return []
        args = [convert_to_tensor(x) for x in args]
        s0 = (1,) * ndim
        output = [reshape(x, s0[:i] + (-1,) + s0[i + 1:]) for i, x in enumerate(args)]
        shapes = [x.shape.num_elements() for x in args]
        if indexing == "xy" and ndim > 1:
            output[0] = reshape(output[0], (1, -1) + (1,) * (ndim - 2))
            output[1] = reshape(output[1], (-1, 1) + (1,) * (ndim - 2))
            shapes[0], shapes[1] = shapes[1], shapes[0]
        mult_fact = ones(shapes, args[0].dtype)
        return [multiply(x, mult_fact) for x in output]


EINSUM = def_op("Einsum", lambda inputs, *, equation: jnp.einsum(equation, *inputs),
                "inputs: N*T")


@public(EINSUM)
def einsum(equation, *inputs, **kwargs):
    """Einstein summation, as `tf.einsum` (op Einsum under the scope `einsum`)."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"Invalid keyword arguments for this function: {sorted(kwargs)}")
    with op_scope(name, "einsum"):
        inputs = [convert_to_tensor(x, name="inputs") for x in inputs]
        return apply_op(EINSUM, [inputs], {"equation": equation.replace(" ", "")},
                        name="Einsum")


IDENTITY_N = def_op("IdentityN", lambda input: tuple(input), "input: N*")


@public(IDENTITY_N)
def identity_n(input, name=None):  # noqa: A002
    """Returns the list of tensors unchanged (of any dtypes), as `tf.identity_n`."""
    return list(apply_op(IDENTITY_N, [list(input)], name=name or "IdentityN"))


SELECT_V1 = def_op("Select", lambda condition, t, e: jnp.where(
    condition.reshape(condition.shape + (1,) * (t.ndim - condition.ndim)), t, e),
    "condition, t: T, e: T")


@public(SELECT_V1)
def where_v1(condition, x=None, y=None, name=None):
    """TF 1's `tf.compat.v1.where` (op Select): no broadcasting, except that a vector
    condition picks whole rows. Without x and y it is `tf.where(condition)`.
    """
    if x is None and y is None:
        return where(condition, name=name)
    cond = convert_to_tensor(condition, name="condition")
    t = convert_to_tensor(x, name="x")
    e = convert_to_tensor(y, name="y", dtype_hint=t.dtype)
    if not t.shape.is_compatible_with(e.shape) or not (
            cond.shape.is_compatible_with(t.shape) or (
                cond.shape.rank == 1 and t.shape.rank and cond.shape[0] in (t.shape[0], None))):
        raise ValueError(f"Shapes of `condition` {cond.shape}, `x` {t.shape} and `y` {e.shape} "
                         "must match for 'Select' (no broadcasting).")
    return apply_op(SELECT_V1, [cond, t, e], name=name or "Select")
