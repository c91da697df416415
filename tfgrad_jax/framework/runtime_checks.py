"""TF's run-time errors: the checks an op declares, run eagerly and (opt-in) compiled.

TF's CPU kernels validate their inputs when they run: an integer division by
zero, a gather index out of range or a singular matrix to invert raise
InvalidArgumentError instead of returning a value. XLA's kernels (TF's on GPU,
and JAX's everywhere) do not. An op here declares what its kernel checks,
once, next to its declaration: `def_op(..., check=fn)`, where

    fn(*inputs, **attrs) -> Check | None

gets the op's inputs (arrays, or tracers when compiled; a list for a list
input) and the attributes its lowering gets. It returns None when there is
nothing to check for those shapes, or a `Check`:

  * `failed`: a boolean (Python bool: decided by the shapes alone; an array:
    decided by the values, computed with jnp so that it also compiles);
  * `message(*values)`: TF's kernel text, built on the host from `values`
    (numpy arrays) once the check has failed;
  * `values`: the arrays the message needs (sent to the host when compiled);
  * `error`: the exception class, InvalidArgumentError unless TF raises another.

The same check runs in two places:
  * eagerly, always (`eager`), before the lowering, on the op's values: TF's
    eager error, "<text> [Op:FloorDiv]". A check the values decide runs as one
    small compiled function per signature, then its flag is read back;
  * in compiled code (tf.function, Session) only when switched on with
    `tf.config.experimental.enable_runtime_checks(True)` (`staged`, called by
    the lowering interpreter): the flag is computed on the device; only when
    it is set does a conditional call the host (a debug callback, the
    mechanism of `tf.debugging.Assert`) with `values`. The host records TF's
    graph-mode text ("<text>\\n\\t [[{{node floordiv}}]]") with
    `program.report_error` and aborts the run, and the call that ran the
    program re-raises it.

The switch is off by default, as TF's GPU and XLA kernels do not check.
Programs compiled with it off carry no callback at all; a tf.function or
Session compiles again (once) when it changes. Measured on CPU
(benchmarks/bench_runtime_checks.py): a program holding any callback costs
about 0.3 to 1 ms more per call (JAX's dispatch of such programs), and each
check that passes a few microseconds.
"""

import functools
import typing

import jax
import numpy as np
from jax import lax

from tfgrad_jax.framework.errors import InvalidArgumentError

_enabled = False


def enable(enabled=True):
    """Turns the compiled run-time checks on or off (see the module docstring)."""
    global _enabled
    _enabled = bool(enabled)


def enabled():
    """Whether compiled code checks its ops' inputs as TF's CPU kernels do."""
    return _enabled


class Check(typing.NamedTuple):
    """What an op's check found; see the module docstring."""
    failed: typing.Any
    message: typing.Callable
    values: tuple = ()
    error: type = InvalidArgumentError


def shape_text(shape):
    """A shape as TF's kernels print it: [2,3]."""
    return "[" + ",".join(str(d) for d in shape) + "]"


def first_failure(mask):
    """The first True of a boolean numpy array, as TF's kernels name it: its position
    (a tuple) and that position's text ("[1,0]"; "" for a scalar)."""
    position = tuple(int(i) for i in np.argwhere(mask)[0])
    return position, ("[" + ",".join(str(i) for i in position) + "]" if position else "")


def incompatible_shapes(x, y):
    """The check of TF's broadcasting binary kernels: "Incompatible shapes: [2,3] vs. [4]".

    Shapes alone decide it, so in a graph it never fires (the graph raised
    ValueError when it was built); eagerly it gives TF's eager text.
    """
    x_shape, y_shape = np.shape(x), np.shape(y)
    if x_shape == y_shape or not x_shape or not y_shape:  # the common cases, quickly
        return None
    try:
        np.broadcast_shapes(x_shape, y_shape)
    except ValueError:
        text = f"Incompatible shapes: {shape_text(x_shape)} vs. {shape_text(y_shape)}"
        return Check(True, lambda: text)
    return None


def _is_tracer(x):
    return isinstance(x, jax.core.Tracer)


def eager(opdef, args, attrs):
    """Runs `opdef`'s check on concrete values; raises TF's eager error if it fails.

    A check decided by the values runs as one compiled function (a dispatch and
    a boolean read back, where its jnp ops one by one would cost several);
    which checks those are is learnt once per signature, by tracing the check.
    """
    flag = _eager_flag(opdef, args, attrs)
    if flag is _PASSES or (flag is not None and not bool(flag(*jax.tree.leaves(args)))):
        return
    found = opdef.check(*args, **attrs)  # failed, by the shapes or the values: find out how
    if found is None or not bool(np.any(found.failed)):
        return
    values = [np.asarray(v) for v in found.values]
    raise found.error(None, None, f"{found.message(*values)} [Op:{opdef.type}]")


_PASSES = "passes"  # what _eager_flag says of inputs whose shapes pass the check


def _eager_flag(opdef, args, attrs):
    """The compiled `failed` of `opdef`'s check for these inputs; where the shapes
    alone decide it, _PASSES or None (they fail it)."""
    leaves, treedef = jax.tree.flatten(args)
    try:
        key = (tuple(sorted(attrs.items())), treedef,
               tuple((x.shape, x.dtype) for x in leaves))
        return _traced_flag(opdef, key)
    except TypeError:  # attrs that cannot be hashed: trace every time
        return _trace_flag(opdef, attrs, treedef, leaves)


@functools.lru_cache(maxsize=10_000)
def _traced_flag(opdef, key):
    attrs_key, treedef, avals = key
    return _trace_flag(opdef, dict(attrs_key), treedef,
                       [jax.ShapeDtypeStruct(s, d) for s, d in avals])


def _trace_flag(opdef, attrs, treedef, leaves):
    decided = []  # how the check decides for these shapes

    def flag(*leaves):
        found = opdef.check(*jax.tree.unflatten(treedef, leaves), **attrs)
        if found is None or found.failed is False:
            decided.append(_PASSES)
        elif not _is_tracer(found.failed):
            decided.append(None)
        else:
            decided.append("values")
            return jax.numpy.any(found.failed)
        return jax.numpy.bool_(False)

    jax.eval_shape(flag, *leaves)
    return jax.jit(flag) if decided[0] == "values" else decided[0]


def staged(opdef, args, attrs, node_name, evaluating_eagerly=False):
    """Compiles `opdef`'s check into the code being traced (see the module docstring).

    Checks decided without a trace (`failed` concrete) are raised at once when
    the function is evaluated on values (`evaluating_eagerly`); under a trace
    they still become a callback, so that an op in a branch not taken does not
    raise. Graph constant folding (no trace, not eager) checks nothing, as TF
    does not when it builds a graph.
    """
    found = opdef.check(*args, **attrs)
    if found is None or found.failed is False:
        return
    failed, values = found.failed, tuple(found.values)
    concrete = not (_is_tracer(failed) or any(_is_tracer(v) for v in values))
    suffix = f"\n\t [[{{{{node {node_name}}}}}]]"
    if concrete and not bool(np.any(failed)):
        return
    if concrete and evaluating_eagerly:
        raise found.error(None, None, found.message(*[np.asarray(v) for v in values]) + suffix)
    if concrete and _trace_state_clean():
        return  # constant folding while a graph is built

    def host(failed, *values):
        if not bool(np.any(failed)):
            return
        from tfgrad_jax.framework import program
        error = found.error(None, None, found.message(*values) + suffix)
        program.report_error(error)
        raise error

    def report(operands):
        # A debug callback, as tf.debugging.Assert's: JAX keeps it under vmap, in loops
        # and inside differentiated code (where it refuses or drops io_callbacks).
        # Unordered: an ordered one costs twice as much per call (measured on CPU), and
        # TF does not order a kernel's failure against prints either (FloorDiv is not
        # stateful).
        jax.debug.callback(host, *operands, ordered=False)

    # Only a failure goes to the host: the check itself stays on the device. (Under
    # vmap, JAX runs both branches; `host` then looks at `failed` again.)
    operands = tuple(lax.stop_gradient(v) for v in (failed,) + values)
    lax.cond(jax.numpy.any(operands[0]), report, lambda operands: None, operands)


def _trace_state_clean():
    try:
        from jax._src.core import trace_state_clean
    except ImportError:  # a JAX without it: assume a trace, and stage the callback
        return False
    return trace_state_clean()
