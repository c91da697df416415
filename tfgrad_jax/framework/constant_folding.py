"""Values known when a graph is built (TF's `tensor_util.constant_value` and
`constant_value_as_shape`).

XLA needs shapes, axes and permutations to be static. When a graph tensor is
given for one, it is folded here if it depends on constants only, or on the
known dims of static shapes (`tf.shape(x)[1]` of an x of shape [None, 4] is 4,
as TF's shape inference finds). A shape-like argument that cannot be folded
(`tf.shape(x)[0]` of an unknown dim) may still be static when the graph runs:
see `static_or_tensor` and `op_def._STATIC_INPUTS`.
"""

import numpy as np

from tfgrad_jax.framework.tensor import EagerTensor, SymbolicTensor, Tensor

_MAX_FOLD_OPS = 1000

# Ops that pass a partially known int vector (a shape with unknown dims) on, entry by
# entry; any other op needs all its inputs known.
_PARTIAL_OPS = ("Identity", "Cast", "StridedSlice", "Pack", "ConcatV2")


def constant_value(tensor):
    """The numpy value of `tensor` if it is computable from constants alone, else None.

    As TF, the known dims of static shapes count as constants (Shape, Size and
    Rank of a tensor whose shape is known, or the known entries of a Shape).
    """
    if isinstance(tensor, EagerTensor):
        return tensor.numpy()
    value = _evaluate(tensor)
    return value if isinstance(value, np.ndarray) else None


def partial_value(tensor):
    """What is known of an int tensor when the graph is built, TF's
    `constant_value_as_shape` read: its value as a (nested) list, with None for
    the entries of a vector known only at run time; None if nothing is known."""
    if isinstance(tensor, EagerTensor):
        return tensor.numpy().tolist()
    value = _evaluate(tensor)
    return value.tolist() if isinstance(value, np.ndarray) else value


def _evaluate(tensor):
    """Evaluates the ops `tensor` depends on, as far as they are known.

    Each tensor gets a numpy array (known), a list of ints and Nones (a
    partially known int vector) or None (unknown).
    """
    if not isinstance(tensor, SymbolicTensor):
        return None
    from tfgrad_jax.framework import lowering
    ops = lowering.schedule([tensor], set())
    if len(ops) > _MAX_FOLD_OPS:
        return None
    env = {}
    for op in ops:
        ins = [env[id(t)] for t in op._inputs]
        outs = _evaluate_op(op, ins)
        for t, v in zip(op._outputs, outs):
            env[id(t)] = v
    return env[id(tensor)]


def _evaluate_op(op, ins):
    opdef = op._opdef
    unknown = [None] * len(op._outputs)
    if opdef.is_stateful or getattr(opdef, "data_dependent", False):
        return unknown  # a random op, a variable read, a size found at run time
    if op.type == "PlaceholderWithDefault":
        return unknown  # its default may be fed over (TF does not fold it either)
    if op.type in ("Shape", "Size", "Rank"):
        return [_shape_fact(op.type, op._inputs[0].shape, op._outputs[0].dtype)]
    if not ins:  # a placeholder (only a Const is known without inputs)
        if op.type != "Const":
            return unknown
    elif not all(isinstance(v, np.ndarray) for v in ins):
        if op.type in _PARTIAL_OPS and (op.type == "Pack" or all(v is not None for v in ins)):
            return [_partial_op(op, ins)]
        return unknown
    from tfgrad_jax.framework import lowering
    env = {id(t): v for t, v in zip(op._inputs, ins)}
    lowering.run_ops([op], env)
    return [np.asarray(env[id(t)]) for t in op._outputs]


def _shape_fact(op_type, shape, dtype):
    """What the static `shape` says of its Shape, Size or Rank."""
    np_dtype = dtype.as_numpy_dtype
    if op_type == "Rank":
        return None if shape.rank is None else np.asarray(shape.rank, np_dtype)
    if op_type == "Size":
        n = shape.num_elements() if shape.rank is not None else None
        return None if n is None else np.asarray(n, np_dtype)
    return None if shape.rank is None else _vector(shape.as_list(), np_dtype)


def _vector(entries, np_dtype):
    return entries if None in entries else np.asarray(entries, np_dtype)


def _partial_op(op, ins):
    """One of `_PARTIAL_OPS` on partially known int vectors (lists)."""
    np_dtype = op._outputs[0].dtype.as_numpy_dtype
    if op.type == "Identity":
        return ins[0]
    if op.type == "Cast":
        return ins[0] if op._outputs[0].dtype.is_integer else None
    if op.type == "StridedSlice":  # slice the positions, then read the entries there
        entries = ins[0]
        if not isinstance(entries, list) or not all(isinstance(v, np.ndarray)
                                                    for v in ins[1:]):
            return None
        (where,) = op._opdef.call([np.arange(len(entries))] + ins[1:], op._input_lengths,
                                  op._attrs)
        where = np.asarray(where)
        if where.ndim == 0:
            d = entries[int(where)]
            return None if d is None else np.asarray(d, np_dtype)
        return _vector([entries[int(i)] for i in where.reshape(-1)], np_dtype)
    if op.type == "Pack":
        if op.get_attr("axis") != 0 or not all(
                v is None or (isinstance(v, np.ndarray) and v.ndim == 0) for v in ins):
            return None
        return _vector([None if v is None else int(v) for v in ins], np_dtype)
    # ConcatV2 of vectors
    entries = []
    for v in ins:
        if isinstance(v, np.ndarray):
            if v.ndim != 1:
                return None
            v = v.tolist()
        entries.extend(v)
    return _vector(entries, np_dtype)


def static_value(value, arg):
    """`value` as numpy data, folding graph tensors; ValueError naming `arg` if it cannot."""
    if isinstance(value, Tensor):
        folded = constant_value(value)
        if folded is None:
            raise ValueError(f"Argument `{arg}` must be known when the graph is built (XLA "
                             f"compiles static shapes), but {value!r} depends on run-time "
                             "values.")
        return folded
    if isinstance(value, (list, tuple)) and any(isinstance(v, Tensor) for v in value):
        return np.asarray([static_value(v, arg) for v in value])
    return value


def static_or_tensor(value, arg):
    """A shape-like argument as numpy data when the graph is built, else as an int tensor.

    The tensor (a list holding tensors is packed into one, as TF does) is for
    an op attr declared in `static_attrs`: it becomes an input of the op and
    must be known when the graph runs (`op_def._STATIC_INPUTS`).
    """
    if isinstance(value, (list, tuple)) and any(isinstance(v, Tensor) for v in value):
        try:
            return static_value(value, arg)
        except ValueError:
            from tfgrad_jax.framework.op_def import convert_to_tensor
            value = convert_to_tensor(value, name=arg)
    if isinstance(value, SymbolicTensor):
        folded = constant_value(value)
        return value if folded is None else folded
    return static_value(value, arg)
