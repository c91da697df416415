"""The one interpreter: a graph (or part of one) becomes a JAX function.

`schedule` picks the ops needed for some tensors, in creation order (which is
topological: graphs are append-only). `run_ops` walks that list, reading each
op's inputs from an environment keyed by tensor identity, calling the op's
lowering and writing its outputs back. `lower` packages the two as a plain
function of arrays, ready for `jax.jit`, `jax.vjp` or `jax.make_jaxpr`.

Sub-graphs. An op that holds a computation (a cond branch, a loop body, a
called function, the forward pass a gradient differentiates) carries it as a
closed `FuncGraph` attribute; its lowering calls `lower_graph(fg)`, which is
this same interpreter applied to the FuncGraph (`fg.inputs`, then its
captures, to `fg.outputs`). The lowered function is cached on the FuncGraph
itself, so it lives and dies with the graph.

Lowering state, for the duration of one trace (a thread-local `context`):
  * `eager`: the function runs on values, op by op (nothing to fold);
  * `reverse_mode`: the code being lowered will be differentiated in reverse
    (inside a `tf.gradients` op). A while loop then lowers to a scan, which
    JAX can transpose, instead of `lax.while_loop`, which it cannot.
  * `loop_bounds`: for loops whose trip count is only known at run time, the
    scan length to use (see `Program`), and the loops met while tracing.
  * `iterations`: the iteration counters of the loops enclosing the code being
    lowered (random ops fold them in, so each iteration draws new numbers).
  * `segments`: a `Segments` cache while a `Program` holding data-dependent
    ops runs (below).

Data-dependent ops (tf.unique, tf.where(c), ...): a program holding one runs
in segments, compiled separately around it (`framework/segments.py`); with
`context.segments` set, `run_ops` hands the op list to `segments.run`.
"""

import contextlib
import math
import threading

import jax
import jax.numpy as jnp
import numpy as np

from tfgrad_jax.framework import runtime_checks
from tfgrad_jax.framework.errors import InvalidArgumentError


def schedule(fetches, known, targets=()):
    """Ops that compute `fetches` from the tensors whose ids are in `known`.

    `targets`: ops to run as well (for their effects: an Assert, a train op).
    Returned in creation order. Control inputs are followed too, so that an
    op's dependencies run (their values are pure, so this only matters for
    stateful ops).
    """
    needed, stack = {}, [t.op for t in fetches if id(t) not in known] + list(targets)
    while stack:
        op = stack.pop()
        if op._id in needed:
            continue
        needed[op._id] = op
        for t in op._inputs:
            if id(t) not in known and t._op._id not in needed:
                stack.append(t._op)
        for c in op._control_inputs:
            if c._id not in needed:
                stack.append(c)
    return [needed[i] for i in sorted(needed)]


def run_ops(ops, env, outputs=None):
    """Evaluates `ops` in order, reading and writing `env` (id(tensor) -> array).

    `outputs`: the ids of the tensors the caller reads from `env` afterwards;
    needed only to run a program with data-dependent ops in segments (the
    module docstring), when `context.segments` is set.

    A pure op whose inputs are all known while lowering (constants, or values
    folded from them) and small is evaluated right away, so its result stays a
    constant too: what depends only on constants (a loop's trip count, a
    maximum_iterations) is known to the lowerings that need it static.

    An op that declares a check (TF's kernel validation) has it compiled in
    when `tf.config.experimental.enable_runtime_checks` is on, and run on the
    values when the function is evaluated eagerly (see `runtime_checks`).
    """
    if context.segments is not None and outputs is not None:
        return segments.run(ops, env, outputs)
    fold = not context.eager
    check = context.eager or runtime_checks.enabled()
    for op in ops:
        ins = [env[id(t)] for t in op._inputs]
        if op._opdef.data_dependent and any(isinstance(v, jax.core.Tracer) for v in ins):
            raise segments.untraceable(op)
        if check and op._opdef.check is not None:  # TF's kernel checks (runtime_checks)
            runtime_checks.staged(op._opdef, *op._opdef.lowering_args(
                ins, op._input_lengths, op._attrs), op.name, context.eager)
        if fold and _foldable(op, ins):
            with jax.ensure_compile_time_eval():
                # Lowerings expect jax arrays; a numpy constant is copied over without
                # the compile jnp.asarray would cost (op_def.to_device).
                ins = [to_device(v) if isinstance(v, np.ndarray) else jnp.asarray(v)
                       for v in ins]
                outs = op._opdef.call(ins, op._input_lengths, op._attrs)
        else:
            outs = op._opdef.call(ins, op._input_lengths, op._attrs)
        for t, v in zip(op._outputs, outs):
            env[id(t)] = v
    return env


_FOLD_LIMIT = 4096  # elements, inputs and outputs together: larger constants stay for XLA


def _foldable(op, inputs):
    opdef = op._opdef
    if not inputs or opdef.is_stateful or opdef.graph_attrs:
        return False
    size = 0
    for v in inputs:
        if isinstance(v, jax.core.Tracer) or getattr(v, "dtype", None) == object:
            return False  # (an object array: a tf.string, kept on the host)
        size += getattr(v, "size", 1)
    for t in op._outputs:
        shape = t._aval.shape
        if shape is None or any(type(d) is not int for d in shape):
            # Size unknown to the graph: fold shape arithmetic (integers) only, so that
            # `tf.shape(x)[:k]` of an x of unknown rank stays static.
            if not jnp.issubdtype(t._aval.dtype, jnp.integer):
                return False
            continue
        size += math.prod(shape)
    return size <= _FOLD_LIMIT


def lower(inputs, outputs, targets=()):
    """A JAX function `f(*input_arrays) -> [output arrays]` computing `outputs`.

    `targets`: ops run for their effects too. Placeholders that are needed but
    not among `inputs` raise InvalidArgumentError (TF: "You must feed a value
    for placeholder tensor").
    """
    known = {id(t) for t in inputs}
    ops = schedule(outputs, known, targets)
    for op in ops:
        if op.type == "Placeholder":
            raise InvalidArgumentError(
                None, op, f"You must feed a value for placeholder tensor '{op.name}' with "
                f"dtype {op.get_attr('dtype').name}")
    input_ids = [id(t) for t in inputs]
    output_ids = [id(t) for t in outputs]

    def fn(*arrays):
        env = dict(zip(input_ids, arrays))
        run_ops(ops, env, output_ids)
        return [env[i] for i in output_ids]

    fn.ops = ops
    fn.data_dependent = segments.has_data_dependent_ops(ops)
    return fn


def effect_ops(graph):
    """The ops of `graph` that run for their effects even when nothing uses them.

    TF 2's automatic control dependencies run every stateful op of a function
    body: an op without outputs (a print, an assert), and a stateful op that
    carries a sub-graph (a cond or loop with a print inside). Stateful ops
    with outputs (random draws, variable reads) run only when used: their
    values have no effect of their own.
    """
    return [op for op in graph.get_operations()
            if op._opdef.is_stateful and (not op._outputs or op._opdef.graph_attrs)]


def lower_graph(func_graph):
    """`lower(fg.inputs + fg.internal_captures, fg.outputs, effect_ops(fg))`, cached on
    the FuncGraph: a branch or loop body runs its prints and asserts too."""
    # One function per setting of the run-time checks: JAX caches what it traces
    # (a cond branch, a loop body) by the function, so each setting needs its own.
    return func_graph.cached(("lowered", runtime_checks.enabled()), lambda: lower(
        func_graph.all_inputs, func_graph.outputs, effect_ops(func_graph)))


# ---------------------------------------------------------------------------
# Lowering state (see the module docstring).

class _Context(threading.local):
    def __init__(self):
        self.eager = False        # values are computed op by op (nothing is traced)
        self.reverse_mode = False
        self.loop_bounds = None   # a LoopBounds while a Program is traced
        self.iterations = ()
        self.segments = None      # a Segments while a Program runs in segments


context = _Context()


@contextlib.contextmanager
def evaluating_eagerly():
    """The lowered function is called on values in the block (a GradientTape's gradient):
    nothing is staged, so there is nothing to fold."""
    saved = context.eager
    context.eager = True
    try:
        yield
    finally:
        context.eager = saved


@contextlib.contextmanager
def reverse_mode():
    """Lowers what is traced in the block for reverse-mode differentiation."""
    saved = context.reverse_mode
    context.reverse_mode = True
    try:
        yield
    finally:
        context.reverse_mode = saved


@contextlib.contextmanager
def in_iteration(counter):
    """Marks code traced in the block as the body of a loop at iteration `counter`."""
    saved = context.iterations
    context.iterations = saved + (counter,)
    try:
        yield
    finally:
        context.iterations = saved


# Last: the segments module builds on this one (run_ops, context).
from tfgrad_jax.framework import segments  # noqa: E402
from tfgrad_jax.framework.op_def import to_device  # noqa: E402
