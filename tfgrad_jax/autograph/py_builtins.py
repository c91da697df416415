"""AutoGraph's overloads of Python builtins: `range`, `len`, `enumerate`, `zip`, `print`.

Converted code calls every function through `converted_call`, which sends
these builtins here. On Python values each one is the builtin itself; on
graph tensors it does what TF's AutoGraph does (or, for enumerate/zip,
what TF would need to make the loop work).
"""

import builtins

from tfgrad_jax.autograph import operators
from tfgrad_jax.framework.tensor import SymbolicTensor, Tensor

_UNSPECIFIED = object()


def _tf():
    import tfgrad_jax
    return tfgrad_jax


def range_(start_or_stop, stop=_UNSPECIFIED, step=_UNSPECIFIED):
    """`range`, as TF's overload: a `tf.range` if any argument is a tensor.

    As TF, an empty range (e.g. `range(t)` with `t <= 0`) is empty rather than
    an error: the limit is clipped with `tf.maximum`. Bounds known only when
    the graph runs give an `operators.TensorRange`, which a staged for loop
    iterates (tf.range itself needs static bounds here).
    """
    args = [a for a in (start_or_stop, stop, step) if a is not _UNSPECIFIED]
    if not any(isinstance(a, Tensor) for a in args):
        return builtins.range(*args)
    tf = _tf()
    if step is not _UNSPECIFIED:
        start, limit, delta = start_or_stop, stop, step
    elif stop is not _UNSPECIFIED:
        start, limit, delta = start_or_stop, tf.maximum(start_or_stop, stop), 1
    else:
        start, limit, delta = 0, tf.maximum(start_or_stop, 0), 1
    return tf_range(start, limit, delta)


def tf_range(start, limit=None, delta=1, dtype=None, name="range"):
    """`tf.range` as converted code calls it: bounds known only at run time give a TensorRange.

    With static bounds (Python numbers, or tensors that fold to constants)
    this is `tf.range` itself.
    """
    tf = _tf()
    try:
        return tf.range(start, limit, delta, dtype=dtype, name=name)
    except ValueError:
        bounds = [start, limit, delta]
        if not any(isinstance(b, SymbolicTensor) for b in bounds):
            raise
    if limit is None:
        start, limit = 0, start
    tensors = [tf.convert_to_tensor(b) for b in (start, limit, delta)]
    if dtype is None:
        order = ["int32", "int64", "float16", "float32", "float64"]
        dtype = max((t.dtype for t in tensors),
                    key=lambda d: order.index(d.name) if d.name in order else 0)
    return operators.TensorRange(*tensors, dtype=tf.as_dtype(dtype))


def len_(s):
    """`len`, as TF's overload: the static first dimension of a graph tensor, as a Python int.

    A first dimension known only at run time gives `tf.shape(s)[0]`; a
    scalar raises TF's ValueError.
    """
    if not isinstance(s, SymbolicTensor):
        return builtins.len(s)
    if s.shape.rank and s.shape[0] is not None:
        return int(s.shape[0])
    shape = _tf().shape(s)
    if s.shape.rank == 0:
        raise ValueError(f"len requires a non-scalar tensor, got one of shape {shape}")
    return shape[0]


def enumerate_(s, start=0):
    """`enumerate`; over a graph tensor (or tensor range) a for loop stages it (TF 2.21 raises)."""
    staged = operators.enumerate_over(s, start)
    return builtins.enumerate(s, start) if staged is None else staged


def zip_(*iterables, strict=False):
    """`zip`; over graph tensors only, a for loop stages it (TF 2.21 raises)."""
    staged = operators.zip_over(iterables)
    if staged is None:
        return builtins.zip(*iterables, strict=strict)
    if strict:
        lengths = {s.length() for s in staged.seqs}
        if len(lengths) > 1 or not all(isinstance(n, int) for n in lengths):
            raise ValueError("zip(strict=True) of graph tensors needs equal static lengths, "
                             f"got {sorted(lengths, key=str)}")
    return staged


def print_(*objects, **kwargs):
    """`print`, as in TF 2.21: Python's print, run when the function is traced.

    TF's AutoGraph leaves `print` calls unconverted unless the
    BUILTIN_FUNCTIONS feature is asked for (it is off by default), so a graph
    tensor prints as its description (`Tensor("x:0", shape=(2,),
    dtype=float32)`) once per trace, which is how TF code shows when it
    retraces; values are printed at run time with `tf.print`.
    """
    return builtins.print(*objects, **kwargs)


# The builtins that converted_call replaces by an overload.
OVERLOADS = {
    builtins.range: range_,
    builtins.len: len_,
    builtins.enumerate: enumerate_,
    builtins.zip: zip_,
    builtins.print: print_,
}
