"""`tf.debugging.Assert`: a check that raises InvalidArgumentError when it runs.

Eagerly the check runs at once. In a graph it is an `Assert` op with no
outputs; code that must not run before it passes waits on it with
`tf.control_dependencies` (as TF's own users of Assert, e.g. tf.case, do).
Compiled, the op is a host callback that, when the condition is false,
records TF's error and aborts the XLA run; the call that ran the program
(`framework.program.Program`) re-raises it.
"""

import logging

import numpy as np
from jax import lax
from jax.experimental import io_callback

from tfgrad_jax.framework import dtypes, program
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.errors import InvalidArgumentError
from tfgrad_jax.framework.op_def import (NOT_DIFFERENTIABLE, apply_op, convert_to_tensor, def_op,
                                         public)
from tfgrad_jax.framework.tensor import Tensor


def _element(value):
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"  # TF's kernel prints booleans as 1/0
    if isinstance(value, np.floating) and np.isfinite(value) and abs(value) < 1e16:
        return np.format_float_positional(value, trim="-")  # TF: -2, 2.5, 0.1
    return str(value)


def _summarize(value, limit):
    """TF's Tensor::SummarizeValue: the first `limit` entries, nested in brackets per row."""
    value = np.asarray(value)
    if value.ndim == 0:
        return _element(value[()])
    flat = value.reshape(-1)
    out, index = [], [0]

    def dim(d, offset_shape):
        if index[0] >= limit:
            return
        count = value.shape[d]
        if d == value.ndim - 1:
            for i in range(count):
                if index[0] >= limit:
                    if d != 0:
                        out.append("...")
                    return
                if i:
                    out.append(" ")
                out.append(_element(flat[index[0]]))
                index[0] += 1
            return
        for _ in range(count):
            opened = index[0] < limit
            if opened:
                out.append("[")
            dim(d + 1, offset_shape)
            if index[0] < limit or opened:
                out.append("]")

    dim(0, value.shape)
    if flat.size > limit:
        out.append("...")
    return "".join(out)


def _format(template, values, summarize):
    """TF's Assert kernel message: "assertion failed: [text] [1 2 3...]"."""
    limit = 3 if summarize is None else summarize
    it = iter(values)
    parts = [f"[{item}]" if item is not None else f"[{_summarize(next(it), limit)}]"
             for item in template]
    return "assertion failed: " + " ".join(parts)


def _failure(template, values, summarize):
    return InvalidArgumentError(None, None, _format(template, values, summarize))


def _eager_failure(condition, template, values, summarize):
    """TF's eager Assert message: "Expected 'False' to be true. Summarized data: ..."."""
    limit = 3 if summarize is None else summarize
    it, lines = iter(values), []
    for item in template:
        if item is not None:
            lines.append(repr(item.encode()))
            continue
        flat = np.asarray(next(it)).reshape(-1)
        text = ", ".join(str(v) for v in flat[:limit])
        lines.append(text + (", ..." if flat.size > limit else ""))
    return InvalidArgumentError(None, None, f"Expected '{condition}' to be true. Summarized "
                                f"data: {chr(10).join(lines)}")


class _QuietFailedChecks(logging.Filter):
    """Keeps JAX from logging a failed check's traceback: the caller re-raises it cleanly."""

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, InvalidArgumentError)


logging.getLogger("jax._src.callback").addFilter(_QuietFailedChecks())


def _assert_lowering(condition, data, *, template, summarize):
    def check(cond, *values):
        if not bool(np.all(cond)):
            error = _failure(template, values, summarize)
            program.report_error(error)
            raise error

    operands = [lax.stop_gradient(x) for x in [condition] + list(data)]
    io_callback(check, None, *operands)
    return ()


ASSERT = def_op("Assert", _assert_lowering, "condition: bool_t, data: N*", bool_t=[dtypes.bool],
                grad=NOT_DIFFERENTIABLE, stateful=True)


@public(ASSERT)
def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's name
    """Raises InvalidArgumentError with `data` in the message if `condition` is false.

    As `tf.debugging.Assert`: `data` is a list of tensors and Python strings,
    printed (the first `summarize` entries of each tensor, 3 by default) in
    TF's formats: eagerly "Expected 'False' to be true. Summarized data: ...",
    at once; in a graph, "assertion failed: [...] [...]" when the returned
    Assert op runs.
    """
    template = tuple(None if isinstance(d, Tensor) or not isinstance(d, str) else d
                     for d in data)
    tensors = [convert_to_tensor(d) for d in data if not isinstance(d, str)]
    if graph_mod.current_graph_or_none() is None:
        value = np.asarray(convert_to_tensor(condition, dtype=dtypes.bool))
        if not bool(np.all(value)):
            raise _eager_failure(value, template, [np.asarray(t) for t in tensors], summarize)
        return None
    return apply_op(ASSERT, [condition, tensors], {"template": template, "summarize": summarize},
                    name=name or "Assert")
