"""`tf.debugging`'s checks: `Assert`, the `assert_*` functions and `check_numerics`.

Eagerly a check runs at once. In a graph `Assert` is an op with no outputs;
code that must not run before it passes waits on it with
`tf.control_dependencies` (as TF's own users of Assert, e.g. tf.case, do).
Compiled, the op is a host callback that, when the condition is false,
records TF's error and aborts the XLA run; the call that ran the program
(`framework.program.Program`) re-raises it. The `assert_*` functions are TF
2.21's (v2) checks, each an Assert op in a graph; `check_numerics` is its
own op, `CheckNumerics`, which returns its input.
"""

import logging
import sys

import jax
import numpy as np
from jax import lax

from tfgrad_jax.framework import constant_folding, dtypes, lowering, program
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.errors import InvalidArgumentError
from tfgrad_jax.framework.op_def import (NOT_DIFFERENTIABLE, apply_op, convert_to_tensor, def_op,
                                         op_scope, public)
from tfgrad_jax.framework.tensor import EagerTensor, Tensor
from tfgrad_jax.ops import array_ops, control_flow_ops, math_ops


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


for _logger in ("jax._src.callback", "jax._src.debugging"):
    logging.getLogger(_logger).addFilter(_QuietFailedChecks())


def _host_check(check, *operands):
    """Runs `check(*arrays)` on the host where the program reaches it.

    An ordered debug callback, the kind tf.print uses, so that checks and
    prints keep program order among themselves (a failing check stops the
    prints after it, as in TF), and so that JAX keeps it under vmap and
    inside differentiated scans, where it refuses or drops `io_callback`s.
    """
    jax.debug.callback(check, *[lax.stop_gradient(x) for x in operands], ordered=True)


def _assert_lowering(condition, data, *, template, summarize):
    def check(cond, *values):
        if not bool(np.all(cond)):
            error = _failure(template, values, summarize)
            program.report_error(error)
            raise error

    _host_check(check, condition, *data)
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


# ---------------------------------------------------------------------------
# CheckNumerics: the input, checked for NaN and Inf when it is computed.

def _numerics_error(value, message):
    nan, inf = bool(np.isnan(value).any()), bool(np.isinf(value).any())
    if not (nan or inf):
        return None
    found = "Inf and NaN" if nan and inf else ("NaN" if nan else "Inf")
    return InvalidArgumentError(None, None, f"{message} : Tensor had {found} values")


def _check_numerics_lowering(tensor, *, message):
    def check(value):
        error = _numerics_error(np.asarray(value), message)
        if error is not None:
            program.report_error(error)
            raise error

    _host_check(check, tensor)
    return tensor


def _check_numerics_grad(inputs, output, grad, *, message):
    # TF's gradient passes the incoming gradient on, checked in its turn; its text
    # shows the op's message attribute as bytes (b'...').
    text = f"Not a number (NaN) or infinity (Inf) values detected in gradient. {message.encode()!r}"
    return (_check_numerics_lowering(grad, message=text),)


_FLOATS = [dtypes.bfloat16, dtypes.float16, dtypes.float32, dtypes.float64]
CHECK_NUMERICS = def_op("CheckNumerics", _check_numerics_lowering, "tensor: T", T=_FLOATS,
                        vjp=_check_numerics_grad, stateful=True)


@public(CHECK_NUMERICS)
def check_numerics(tensor, message, name=None):
    """Returns `tensor`, raising InvalidArgumentError if it has NaN or Inf values.

    As `tf.debugging.check_numerics`: "<message> : Tensor had NaN values" (or
    "Inf values", "Inf and NaN values"), eagerly at once, in a graph when the
    `CheckNumerics` op runs; float types only. Its gradient is the incoming
    gradient, checked the same way (TF's text: "Not a number (NaN) or
    infinity (Inf) values detected in gradient. b'<message>' : Tensor had
    ..."). Differences: the eager text lacks TF's device prefix; a graph
    runs the check only if its result is used (TF runs every stateful op of
    a tf.function).
    """
    if graph_mod.current_graph_or_none() is None:
        value = convert_to_tensor(tensor)
        if value.dtype not in _FLOATS:  # TF's error for the dtype, from the op itself
            return apply_op(CHECK_NUMERICS, [value], {"message": message})
        error = _numerics_error(np.asarray(value), message)
        if error is not None:
            raise InvalidArgumentError(None, None, f"{error.message} [Op:CheckNumerics]")
        return value
    return apply_op(CHECK_NUMERICS, [tensor], {"message": message}, name=name or "CheckNumerics")


# ---------------------------------------------------------------------------
# tf.debugging.assert_*: TF 2.21's (v2) checks. Eagerly they raise at once;
# in a graph each is an Assert op (above), checked when it runs, unless TF
# decides the check while the graph is built.

# The op types TF's `tensor_util.constant_value` folds: only tensors made of these
# are "statically known" to TF's checks (`tf.constant(1) + 1` is not).
_TF_FOLDED = frozenset(["Const", "Identity", "StopGradient", "Shape", "Size", "Rank", "Range",
                        "Cast", "ConcatV2", "Pack", "Unpack", "Split", "Fill", "Equal",
                        "NotEqual"])


def _static_value(tensor):
    """The value TF's checks know of `tensor` while building the graph, or None."""
    if isinstance(tensor, EagerTensor):
        return np.asarray(tensor)
    if any(op.type not in _TF_FOLDED for op in lowering.schedule([tensor], set())):
        return None
    return constant_folding.constant_value(tensor)


def _eagerly():
    return graph_mod.current_graph_or_none() is None


def _graph_assert(condition, data, summarize):
    """Assert, with TF's meaning of a negative `summarize`: every entry (Assert here
    reads it as a count, so it is given one that no tensor reaches)."""
    if summarize is not None and summarize < 0:
        summarize = sys.maxsize
    return Assert(condition, data, summarize=summarize)


def _message_prefix(message):
    return f"{message}.  " if message else ""


def _eager_summary(item, summarize):
    """TF's eager text for one item of a check's data: a tensor as the list of its
    first `summarize` entries (a scalar as itself), anything else with str()."""
    if not isinstance(item, Tensor):
        return str(item)
    value = np.asarray(item)
    if value.ndim == 0:
        return str(value[()])
    flat = value.reshape(-1)
    entries = [str(v) for v in flat[:summarize]]
    return str(entries + ["..."] if len(entries) < flat.size else entries)


def _differences(sym, x, y, passed, summarize):
    """TF's eager report of a failed binary check: the differing entries (when x and
    y have one non-scalar shape), then the first `summarize` entries of each."""
    data = [f"Condition x {sym} y did not hold."]
    if summarize <= 0:
        return data
    x, y = np.asarray(x), np.asarray(y)
    if x.shape == y.shape and x.ndim:
        failed = ~passed
        indices = np.argwhere(failed)
        n = min(summarize, indices.shape[0])
        data += [f"Indices of first {n} different values:", indices[:n],
                 "Corresponding x values:", x[failed].reshape(-1)[:n],
                 "Corresponding y values:", y[failed].reshape(-1)[:n]]
    x_flat, y_flat = x.reshape(-1), y.reshape(-1)
    x_n, y_n = min(x_flat.size, summarize), min(y_flat.size, summarize)
    return data + [f"First {x_n} elements of x:", x_flat[:x_n],
                   f"First {y_n} elements of y:", y_flat[:y_n]]


def _binary_assert(sym, opname, test, np_test, x, y, data, summarize, message, name):
    """TF's `_binary_assert`: `test(x, y)` must hold everywhere (broadcasting)."""
    with op_scope(name, opname):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y")
        if _eagerly():
            passed = np.asarray(test(x, y))
            if passed.all():
                return None
            # TF's eager count: 3 entries by default, every entry for a negative one.
            limit = 3 if summarize is None else (summarize if summarize >= 0 else
                                                 max(np.size(x), np.size(y)))
            if data is None:
                data = _differences(sym, x, y, passed, limit)
            if message is not None:
                data = [message] + list(data)
            raise InvalidArgumentError(None, None, "\n".join(_eager_summary(d, limit)
                                                             for d in data))
        if data is None:
            data = [f"Condition x {sym} y did not hold element-wise:",
                    f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        if message is not None:
            data = [message] + list(data)
        condition = math_ops.reduce_all(test(x, y))
        x_static, y_static = _static_value(x), _static_value(y)
        if x_static is not None and y_static is not None and not np.all(np_test(x_static,
                                                                                y_static)):
            # TF decides the check now and raises with the values it knows.
            raise InvalidArgumentError(None, None, "\n".join(
                str(_static_value(d)) if isinstance(d, Tensor) else str(d) for d in data))
        return _graph_assert(condition, data, summarize)


def _binary_check(sym, opname, test, np_test):
    def check(x, y, message=None, summarize=None, name=None):
        return _binary_assert(sym, opname, test, np_test, x, y, None, summarize, message, name)

    check.__name__ = check.__qualname__ = opname
    check.__doc__ = (
        f"Raises InvalidArgumentError unless `x {sym} y` element-wise (broadcasting), as "
        f"`tf.debugging.{opname}`.\n\n"
        "    Eagerly the check is made at once (None if it holds): TF's message lists the\n"
        "    differing entries (x and y of one non-scalar shape) and the first `summarize`\n"
        "    entries of x and y (3 by default, all for a negative value). In a graph the\n"
        f"    Assert op is returned; it raises \"Condition x {sym} y did not hold element-wise:\"\n"
        "    with both tensors when it runs, or at once when TF knows both sides while the\n"
        "    graph is built (constants, not `tf.constant(1) + 1`).\n")
    return check


assert_less = public(ASSERT)(_binary_check("<", "assert_less", math_ops.less, np.less))
assert_less_equal = public(ASSERT)(_binary_check("<=", "assert_less_equal", math_ops.less_equal,
                                                 np.less_equal))
assert_greater = public(ASSERT)(_binary_check(">", "assert_greater", math_ops.greater,
                                              np.greater))
assert_greater_equal = public(ASSERT)(_binary_check(">=", "assert_greater_equal",
                                                    math_ops.greater_equal, np.greater_equal))


@public(ASSERT)
def assert_equal(x, y, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless `x == y` element-wise, as `tf.debugging.assert_equal`.

    As `assert_less` (see there), and as TF: when `x` and `y` are the same
    object nothing is checked (None eagerly, a NoOp in a graph); otherwise
    TF opens the check's name scope twice, so its tensors are named
    `assert_equal_1/...`.
    """
    with op_scope(name, "assert_equal"):
        if x is y:
            return None if _eagerly() else control_flow_ops.no_op()
    return _binary_assert("==", "assert_equal", math_ops.equal, np.equal, x, y, None, summarize,
                          message, name)


@public(ASSERT)
def assert_none_equal(x, y, summarize=None, message=None, name=None):
    """Raises InvalidArgumentError unless `x != y` element-wise, as
    `tf.debugging.assert_none_equal` (TF's argument order: summarize before
    message). Otherwise as `assert_less`."""
    return _binary_assert("!=", "assert_none_equal", math_ops.not_equal, np.not_equal, x, y,
                          None, summarize, message, name)


def _sign_check(opname, sym, zero_first, strict):
    """TF's checks of x against 0, made by `assert_less` / `assert_less_equal`."""
    test, np_test, inner = ((math_ops.less, np.less, "assert_less") if strict else
                            (math_ops.less_equal, np.less_equal, "assert_less_equal"))

    def check(x, message=None, summarize=None, name=None):
        with op_scope(name, opname):
            x = convert_to_tensor(x, name="x")
            x_name = f"shape={x.shape} dtype={x.dtype.name}" if _eagerly() else x.name
            lines = [f"Condition x {sym} 0 did not hold element-wise:", f"x ({x_name}) = "]
            if opname == "assert_non_positive":
                lines = ["".join(lines)]  # TF's list misses a comma: one line, joined
            data = [_message_prefix(message)] + lines + [x]
            zero = convert_to_tensor(0, dtype=x.dtype)
            lhs, rhs = (zero, x) if zero_first else (x, zero)
            return _binary_assert(None, inner, test, np_test, lhs, rhs, data, summarize, None,
                                  None)

    check.__name__ = check.__qualname__ = opname
    check.__doc__ = (
        f"Raises InvalidArgumentError unless `x {sym} 0` element-wise, as "
        f"`tf.debugging.{opname}`.\n\n"
        "    Eagerly at once (TF's message: the `message` prefix, the condition, x's shape\n"
        "    and dtype, and its first `summarize` entries); in a graph the Assert op, which\n"
        "    raises when it runs, or at once when TF knows x while the graph is built.\n"
        "    Difference: TF raises a TypeError eagerly for a negative `summarize`; here\n"
        "    every entry is printed.\n")
    return check


assert_positive = public(ASSERT)(_sign_check("assert_positive", ">", True, strict=True))
assert_negative = public(ASSERT)(_sign_check("assert_negative", "<", False, strict=True))
assert_non_negative = public(ASSERT)(_sign_check("assert_non_negative", ">=", True,
                                                 strict=False))
assert_non_positive = public(ASSERT)(_sign_check("assert_non_positive", "<=", False,
                                                 strict=False))


@public(ASSERT)
def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless |x - y| < atol + rtol * |y| element-wise.

    As `tf.debugging.assert_near`: float or complex x, y converted to x's
    dtype; `rtol` and `atol` default to 10 * eps of x's (real) dtype (about
    1.2e-6 for float32, 2.2e-15 for float64, 0.00977 for float16); the
    inequality is strict. Never decided while building a graph (TF does not
    fold it): eagerly TF's "Expected 'tf.Tensor(False, shape=(), dtype=bool)'
    to be true. Summarized data: ..." at once, in a graph the Assert op.
    """
    prefix = _message_prefix(message)
    with op_scope(name, "assert_near"):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype)
        real = x.dtype.real_dtype if x.dtype.is_complex else x.dtype
        eps = np.finfo(real.as_numpy_dtype).eps  # ValueError for integers, as TF
        rtol = convert_to_tensor(10 * eps if rtol is None else rtol, name="rtol", dtype=real)
        atol = convert_to_tensor(10 * eps if atol is None else atol, name="atol", dtype=real)
        eager = _eagerly()
        x_name = f"shape={x.shape} dtype={x.dtype.name}" if eager else x.name
        y_name = f"shape={y.shape} dtype={y.dtype.name}" if eager else y.name
        data = [prefix, f"x and y not equal to tolerance rtol = {rtol}, atol = {atol}",
                f"x ({x_name}) = ", x, f"y ({y_name}) = ", y]
        tolerance = math_ops.add(atol, math_ops.multiply(rtol, math_ops.abs(y)))
        difference = math_ops.abs(math_ops.subtract(x, y))
        condition = math_ops.reduce_all(math_ops.less(difference, tolerance))
        if not eager:
            return _graph_assert(condition, data, summarize)
        if bool(np.asarray(condition)):
            return None
        # TF's eager Assert names the condition tensor itself in its message.
        template = tuple(d if isinstance(d, str) else None for d in data)
        values = [np.asarray(d) for d in data if not isinstance(d, str)]
        limit = 3 if summarize is None else (summarize if summarize >= 0 else
                                             max(v.size for v in values))
        raise _eager_failure(condition, template, values, limit)


@public(ASSERT)
def assert_rank(x, rank, message=None, name=None):
    """Raises unless `x` has rank `rank`, as `tf.debugging.assert_rank`.

    As TF: `rank` must be an int32 scalar (TypeError, ValueError "Rank must be
    a scalar."); when it and x's rank are known (always eagerly) the check is
    made at once: ValueError "Tensor <name> must have rank 2.  Received rank
    1, shape (3,)" (no name eagerly), else None eagerly and a NoOp named
    `static_checks_determined_all_ok` in a graph. A `rank` known only when the
    graph runs gives an Assert op ("Tensor <name> must have rank] [2]
    [Received shape: ] [3]").
    """
    with op_scope(name, "assert_rank"):
        x = convert_to_tensor(x, name="x")
        rank = convert_to_tensor(rank, name="rank")
        prefix = _message_prefix(message)
        x_name = "" if _eagerly() else x.name
        assert_type(rank, dtypes.int32)
        known = _static_value(rank)
        if known is not None:
            if np.ndim(known) != 0:
                raise ValueError("Rank must be a scalar.")
            if x.shape.rank != int(known):
                raise ValueError(f"{prefix}Tensor {x_name} must have rank {int(known)}.  "
                                 f"Received rank {x.shape.rank}, shape {x.shape}")
            return None if _eagerly() else control_flow_ops.no_op(
                name="static_checks_determined_all_ok")
        if rank.shape.rank != 0:
            raise ValueError(f"Tensor {rank.name} must have rank 0.  Received rank "
                             f"{rank.shape.rank}, shape {rank.shape}")
        data = [prefix, f"Tensor {x_name} must have rank", rank, "Received shape: ",
                array_ops.shape(x)]
        return _graph_assert(math_ops.equal(array_ops.rank(x), rank), data, None)


def assert_type(tensor, tf_type, message=None, name=None):
    """Raises TypeError unless `tensor` has dtype `tf_type`, as `tf.debugging.assert_type`.

    Checked at once, in any mode: TF's "<name> must be of type tf.int32; got
    tf.float32" (the name is "tensor" eagerly), after the `message` prefix.
    Returns None (TF 2.21's v2 function returns nothing, in a graph too).
    """
    tf_type = dtypes.as_dtype(tf_type)
    with op_scope(name, "assert_type"):
        tensor = convert_to_tensor(tensor, name="tensor")
        if tensor.dtype != tf_type:
            tensor_name = "tensor" if _eagerly() else tensor.name
            raise TypeError(f"{_message_prefix(message)}{tensor_name} must be of type "
                            f"{tf_type!r}; got {tensor.dtype!r}")
    return None
