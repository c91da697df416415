"""Values known when a graph is built (TF's `tensor_util.constant_value`).

XLA needs shapes, axes and permutations to be static. When a graph tensor is
given for one, it is folded here if it depends on constants only.
"""

import numpy as np

from tfgrad_jax.framework.tensor import EagerTensor, SymbolicTensor, Tensor

_MAX_FOLD_OPS = 1000


def constant_value(tensor):
    """The numpy value of `tensor` if it is computable from constants alone, else None."""
    if isinstance(tensor, EagerTensor):
        return tensor.numpy()
    if not isinstance(tensor, SymbolicTensor):
        return None
    from tfgrad_jax.framework import lowering
    ops = lowering.schedule([tensor], set())
    if len(ops) > _MAX_FOLD_OPS:
        return None
    for op in ops:
        if not op._opdef.type == "Const" and (not op._inputs or op._opdef.is_stateful):
            return None  # a placeholder, a random op, a variable read
    env = lowering.run_ops(ops, {})
    return np.asarray(env[id(tensor)])


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
