"""Array ops: creation, identity and stop_gradient, reshaping, joining, slicing, where.

Shape-like arguments (`shape`, `perm`, `axis`) are static in XLA, so they are
op attributes here; a graph tensor given for one is folded to a constant when
the graph is built (as TF's shape inference does), else ValueError.
"""

import numbers

import jax.numpy as jnp
import numpy as np
from jax import lax

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework.constant_folding import static_value
from tfgrad_jax.framework.dtypes import ALL_TYPES, NUMERIC
from tfgrad_jax.framework.op_def import (NOT_DIFFERENTIABLE, apply_op, constant,
                                         convert_to_tensor, def_op, op_scope, public)
from tfgrad_jax.framework.tensor import Tensor
from tfgrad_jax.framework.tensor_shape import TensorShape

# ---------------------------------------------------------------------------
# Identity and stop_gradient.

IDENTITY = def_op("Identity", lambda x: x, "input")
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


FILL = def_op("Fill", lambda value, *, shape: jnp.full(shape, value), "value: T")


@public(FILL)
def fill(dims, value, name=None):
    """A tensor of shape `dims` filled with the scalar `value`, as `tf.fill`."""
    shape = _static_shape(dims, "dims")
    with op_scope(name, "Fill") as scope:
        value = convert_to_tensor(value, name="value")
        if value.shape.rank not in (0, None):
            raise ValueError(f"`value` must be a scalar, got shape {value.shape}.")
        return apply_op(FILL, [value], {"shape": shape}, name=scope)


def _filled(shape, dtype, fill_value, name):
    dtype = dtypes.as_dtype(dtype)
    shape = _static_shape(shape)
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


RANGE = def_op("Range", lambda *, start, limit, delta, dtype: jnp.arange(
    start, limit, delta, dtype=dtype.as_numpy_dtype), "", grad=NOT_DIFFERENTIABLE)


@public(RANGE)
def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """`[start, start + delta, ...)` up to `limit`, as `tf.range`.

    The dtype is inferred from the arguments as TF does (int32 for ints,
    float32 if any is a float) unless given.
    """
    if limit is None:
        start, limit = 0, start
    values = [np.asarray(static_value(v, arg)) for v, arg in
              ((start, "start"), (limit, "limit"), (delta, "delta"))]
    if dtype is None:
        kinds = [v.dtype.kind for v in values]
        inferred = [dtypes.as_dtype(v.dtype) if isinstance(v0, (Tensor, np.ndarray, np.generic))
                    else (dtypes.float32 if k == "f" else dtypes.int32)
                    for v, v0, k in zip(values, (start, limit, delta), kinds)]
        order = [dtypes.int32, dtypes.int64, dtypes.float16, dtypes.float32, dtypes.float64]
        dtype = max(inferred, key=lambda d: order.index(d) if d in order else 0)
    dtype = dtypes.as_dtype(dtype)
    if float(values[2]) == 0:
        raise ValueError("Requires delta != 0 (argument `delta` of tf.range).")
    py = [v.item() for v in values]
    return apply_op(RANGE, [], {"start": py[0], "limit": py[1], "delta": py[2], "dtype": dtype},
                    name=name)


# ---------------------------------------------------------------------------
# Shape, size, rank: constants when the shape is known (as TF folds them).

SHAPE = def_op("Shape", lambda x, *, out_type: jnp.array(x.shape, out_type.as_numpy_dtype),
               "input", grad=NOT_DIFFERENTIABLE)
SIZE = def_op("Size", lambda x, *, out_type: jnp.array(x.size, out_type.as_numpy_dtype),
              "input", grad=NOT_DIFFERENTIABLE)
RANK = def_op("Rank", lambda x: jnp.array(x.ndim, jnp.int32), "input", grad=NOT_DIFFERENTIABLE)


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


RESHAPE = def_op("Reshape", _reshape_lowering, "tensor")


@public(RESHAPE)
def reshape(tensor, shape, name=None):
    """Reshapes `tensor`; one dimension may be -1, as `tf.reshape`.

    ValueError (TF's class at graph construction) when the sizes differ.
    """
    x = convert_to_tensor(tensor)
    dims = tuple(int(d) for d in np.asarray(static_value(shape, "shape")).reshape(-1))
    if sum(d == -1 for d in dims) > 1:
        raise ValueError(f"Cannot infer multiple unknown dimensions in shape {list(dims)}.")
    if x.shape.is_fully_defined():
        total = x.shape.num_elements()
        known = int(np.prod([d for d in dims if d != -1]))
        if (-1 not in dims and known != total) or (-1 in dims and (known == 0 or total % known)):
            raise ValueError(f"Cannot reshape a tensor with {total} elements to shape "
                             f"{list(dims)} ({known} elements) for '{{{{node Reshape}}}}' "
                             f"(argument `shape`).")
    return apply_op(RESHAPE, [x], {"shape": dims}, name=name or "Reshape")


TRANSPOSE = def_op("Transpose", lambda x, *, perm: jnp.transpose(x, perm), "x")


@public(TRANSPOSE)
def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permutes dimensions (reverses them when `perm` is None), as `tf.transpose`."""
    x = convert_to_tensor(a)
    rank = x.shape.rank
    if perm is None:
        perm = tuple(np.arange(rank)[::-1])
    perm = tuple(int(p) for p in np.asarray(static_value(perm, "perm")).reshape(-1))
    if sorted(p % rank if rank else p for p in perm) != list(np.arange(rank)) or len(perm) != rank:
        raise ValueError(f"`perm` must be a permutation of the {rank} dimensions of `a`, "
                         f"got {list(perm)}.")
    out = apply_op(TRANSPOSE, [x], {"perm": perm}, name=name)
    if conjugate and x.dtype.is_complex:
        from tfgrad_jax.ops.math_ops import conj
        out = conj(out)
    return out


EXPAND_DIMS = def_op("ExpandDims", lambda x, *, axis: jnp.expand_dims(x, axis), "input")


@public(EXPAND_DIMS)
def expand_dims(input, axis, name=None):  # noqa: A002
    """Inserts a length-1 dimension at `axis`, as `tf.expand_dims`."""
    x = convert_to_tensor(input)
    axis = int(static_value(axis, "axis"))
    rank = x.shape.rank
    if not -rank - 1 <= axis <= rank:
        raise ValueError(f"`axis` {axis} is out of range for a tensor of rank {rank} "
                         f"(allowed: [{-rank - 1}, {rank}]).")
    return apply_op(EXPAND_DIMS, [x], {"axis": axis}, name=name or "ExpandDims")


SQUEEZE = def_op("Squeeze", lambda x, *, axis: jnp.squeeze(x, axis), "input")


@public(SQUEEZE)
def squeeze(input, axis=None, name=None):  # noqa: A002
    """Removes length-1 dimensions (those in `axis`, or all), as `tf.squeeze`."""
    x = convert_to_tensor(input)
    dims = x.shape.as_list()
    if axis is None:
        axes = tuple(i for i, d in enumerate(dims) if d == 1)
    else:
        axes = tuple(int(a) % len(dims) for a in np.asarray(static_value(axis, "axis")).reshape(-1))
        for a in axes:
            if dims[a] != 1:
                raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                                 f"{dims[a]} (argument `axis`).")
    return apply_op(SQUEEZE, [x], {"axis": axes}, name=name or "Squeeze")


# ---------------------------------------------------------------------------
# Joining.

CONCAT = def_op("ConcatV2", lambda values, *, axis: jnp.concatenate(values, axis),
                "values: N*T")
PACK = def_op("Pack", lambda values, *, axis: jnp.stack(values, axis), "values: N*T")


@public(CONCAT)
def concat(values, axis, name="concat"):
    """Concatenates tensors along `axis`, as `tf.concat`."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        return identity(values[0], name=name)
    axis = int(static_value(axis, "axis"))
    ranks = {convert_to_tensor(v).shape.rank for v in values if isinstance(v, Tensor)}
    if len(ranks) == 1:
        rank = ranks.pop()
        if not -rank <= axis < rank:
            raise ValueError(f"`axis` {axis} is out of range for tensors of rank {rank} "
                             f"(ConcatV2, argument `axis`).")
    return apply_op(CONCAT, [list(values)], {"axis": axis}, name=name)


@public(PACK)
def stack(values, axis=0, name="stack"):
    """Stacks same-shaped tensors along a new axis, as `tf.stack`."""
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError("`values` must be a non-empty list of tensors.")
    first = convert_to_tensor(values[0])
    rank = first.shape.rank + 1
    axis = int(axis)
    if not -rank <= axis < rank:
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
WHERE = def_op("Where", lambda condition: jnp.argwhere(condition).astype(jnp.int64),
               "condition", grad=NOT_DIFFERENTIABLE)


@public(SELECT, WHERE)
def where(condition, x=None, y=None, name=None):
    """`tf.where`: with x and y, picks elementwise (broadcasting); else true indices.

    The one-argument form has a data-dependent shape, so it runs eagerly only
    (XLA needs static shapes); in a graph it raises ValueError.
    """
    if (x is None) != (y is None):
        raise ValueError("x and y must both be non-None or both be None.")
    cond = convert_to_tensor(condition, name="condition")
    if cond.dtype != dtypes.bool:
        raise TypeError(f"`condition` must be a bool tensor, got {cond.dtype.name}.")
    if x is None:
        from tfgrad_jax.framework import graph as graph_mod
        if graph_mod.current_graph_or_none() is not None or not hasattr(cond, "_value"):
            raise ValueError("tf.where(condition) has a data-dependent shape, which XLA cannot "
                             "compile; use the three-argument form inside graphs.")
        return apply_op(WHERE, [cond], name=name or "Where")
    return apply_op(SELECT, [cond, x, y], name=name or "SelectV2")


# ---------------------------------------------------------------------------
# Slicing through Tensor.__getitem__ (static indices).

def _strided_slice_lowering(x, *, spec):
    index = []
    for kind, *args in spec:
        if kind == "slice":
            index.append(slice(*args))
        elif kind == "int":
            index.append(args[0])
        elif kind == "newaxis":
            index.append(None)
        else:
            index.append(Ellipsis)
    return x[tuple(index)]


STRIDED_SLICE = def_op("StridedSlice", _strided_slice_lowering, "input")


def _index_spec(key, shape):
    if not isinstance(key, tuple):
        key = (key,)
    spec = []
    dim = 0
    has_ellipsis = any(k is Ellipsis for k in key)
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    for k in key:
        if k is Ellipsis:
            spec.append(("ellipsis",))
            dim = len(shape) - (n_real - dim) if shape.rank is not None else dim
        elif k is None:
            spec.append(("newaxis",))
        elif isinstance(k, slice):
            parts = [None if v is None else int(static_value(v, "slice")) for v in
                     (k.start, k.stop, k.step)]
            if parts[2] == 0:
                raise ValueError("slice step cannot be zero")
            spec.append(("slice", *parts))
            dim += 1
        elif isinstance(k, (numbers.Integral, Tensor, np.ndarray)) and np.ndim(
                static_value(k, "index")) == 0:
            i = int(static_value(k, "index"))
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
    if shape.rank is not None and n_real > shape.rank and not has_ellipsis:
        raise ValueError(f"Index {key!r} has too many indices for a tensor of rank {shape.rank}.")
    return tuple(spec)


def _getitem(tensor, key):
    spec = _index_spec(key, tensor.shape)
    return apply_op(STRIDED_SLICE, [tensor], {"spec": spec}, name="strided_slice")


Tensor.__getitem__ = _getitem
