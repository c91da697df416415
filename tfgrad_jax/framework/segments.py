"""Running a program that holds data-dependent ops: compiled segments around them.

The output sizes of some ops depend on their input values
(`def_op(..., data_dependent=True)`: tf.unique, tf.where(c), the partition
indices of tf.dynamic_partition); XLA cannot compile them. Nor an op whose
shape-like attrs (`static_attrs`: tf.range's bounds, a shape) are tensors
computed from tensor values rather than from shapes (`runs_on_host`). A
program holding either runs in segments: `lowering.run_ops`, called on
concrete arrays with `lowering.context.segments` set, calls `run`, which gives
each op a stage (one more
than the stage of a data-dependent op it reads, directly or through control
inputs), runs the other ops of each stage as one `jax.jit`-ed function, and
the data-dependent ops between stages, on the values (on the host). Each
segment is compiled for the shapes it meets (JAX's cache, per shapes), so the
next segment is compiled for the sizes the data produced. TF itself runs such
ops on the host as well; it knows only `None` for their sizes, as the graph
records here (a fresh symbolic dim).

Cost: each boundary is one device-to-host copy of the data-dependent op's
inputs (a sync: the host waits for the segment before it), the op on the host,
and one more dispatch; a new output size compiles the segments after it once.
A graph without data-dependent ops is one jitted function, as before.
An op carrying a sub-graph that holds a data-dependent op (a nested
tf.function call, a tf.cond) runs on the host as a whole, its sub-graph run
in segments in turn (a cond's predicate is then known: one branch runs). In
a loop body, or anything traced (a gradient, `as_jaxpr`), a data-dependent
op raises NotImplementedError.
"""

import jax

from tfgrad_jax.framework import lowering, runtime_checks
from tfgrad_jax.framework.errors import InvalidArgumentError
from tfgrad_jax.framework.op_def import _STATIC_INPUTS


class Segments:
    """The plans of one Program run in segments: per op list, its stages, each
    with its jitted function (JAX compiles that once per shapes)."""

    def __init__(self, key):
        self.key = key    # what the segments were compiled for (loop bounds, checks)
        self.plans = {}   # id(ops) -> (ops, outputs, stages)


class _KeepInputs(dict):
    """A segment's environment: its inputs keep their values, as a fed tensor
    keeps its feed while its producer runs for another output (Session.run)."""

    __slots__ = ("_inputs",)

    def __init__(self, inputs):
        super().__init__(inputs)
        self._inputs = frozenset(inputs)

    def __setitem__(self, key, value):
        if key not in self._inputs:
            super().__setitem__(key, value)


# Ops whose values are their input's static shape (known inside a segment).
_SHAPE_READERS = frozenset(["Shape", "ShapeN", "Size", "Rank"])


def _plan_segments(ops, known, outputs):
    """[(jitted segment or None, its input ids, its output ids, data-dependent ops)].

    Pure ops computed from constants and from the shapes of tensors alone
    (`tf.shape(x)` and arithmetic on it) are copied into each segment that
    reads them rather than passed between segments: inside a segment they
    fold while it is traced, so a shape built from them stays static.
    """
    host = {op._id for op in ops if runs_on_host(op)}
    const = set()
    for op in ops:
        if (op._id not in host and not op._opdef.is_stateful and not op._opdef.graph_attrs
                and not op._control_inputs
                and (op.type in _SHAPE_READERS or all(
                    id(t) not in known and t.op._id in const for t in op._inputs))):
            const.add(op._id)
    const_tensors = {id(t): t for op in ops if op._id in const for t in op._outputs}
    ready, stage_of = {}, {}  # tensor id -> stage it is available in; op id -> stage
    for op in ops:
        if op._id in const:  # (available where the tensors whose shapes it reads are)
            stage = max([ready.get(id(t), 0) for t in op._inputs] + [0])
            for t in op._outputs:
                ready[id(t)] = stage
            continue
        stage = max([ready.get(id(t), 0) for t in op._inputs]
                    + [stage_of.get(c._id, 0) + (1 if c._id in host else 0)
                       for c in op._control_inputs] + [0])
        stage_of[op._id] = stage
        for t in op._outputs:
            if id(t) not in known:
                ready[id(t)] = stage + (1 if op._id in host else 0)
    n_stages = max(stage_of.values(), default=0) + 1
    later_reads = [set() for _ in range(n_stages)]  # ids read after each stage's segment
    for op in ops:
        if op._id in const:
            continue
        s = stage_of[op._id]
        for t in op._inputs:
            for k in range(s - 1, -1, -1):
                later_reads[k].add(id(t))
    stages = []
    for k in range(n_stages):
        main = [op for op in ops if stage_of.get(op._id) == k and op._id not in host]
        dd = [op for op in ops if stage_of.get(op._id) == k and op._id in host]
        host_reads = {id(t) for op in dd for t in op._inputs}
        wanted = [t for op in main + dd for t in op._inputs if id(t) in const_tensors]
        if k == n_stages - 1:
            wanted += [const_tensors[i] for i in outputs if i in const_tensors]
        copied = set()
        while wanted:
            t = wanted.pop()
            if t.op._id not in copied:
                copied.add(t.op._id)
                if t.op.type not in _SHAPE_READERS:  # (whose inputs come in as they are)
                    wanted.extend(t.op._inputs)
        seg = [op for op in ops if op._id in copied or (
            stage_of.get(op._id) == k and op._id not in host)]
        made = {id(t) for op in seg for t in op._outputs if id(t) not in known}
        ins, seen = [], set()
        for op in seg:
            for t in op._inputs:
                if id(t) not in made and id(t) not in seen:
                    seen.add(id(t))
                    ins.append(id(t))
        outs = [i for i in dict.fromkeys([id(t) for op in seg for t in op._outputs])
                if i in made and (i in host_reads or (i in const_tensors and i in outputs) or (
                    i not in const_tensors and (i in later_reads[k] or i in outputs)))]
        stages.append((_jit_segment(seg, ins, outs) if seg else None, ins, outs, dd))
    return stages


def _jit_segment(seg, in_ids, out_ids):
    def segment(*arrays):
        env = _KeepInputs(zip(in_ids, arrays))
        lowering.run_ops(seg, env)
        return [env[i] for i in out_ids]

    return jax.jit(segment)


def run(ops, env, outputs):
    """`lowering.run_ops` of a program holding data-dependent ops: in segments."""
    segments = lowering.context.segments
    entry = segments.plans.get(id(ops))
    if entry is None or entry[0] is not ops or entry[1] != tuple(outputs):
        entry = (ops, tuple(outputs), _plan_segments(ops, set(env), set(outputs)))
        segments.plans[id(ops)] = entry
    for jitted, ins, outs, dd in entry[2]:
        if jitted is not None:
            lowering.context.segments = None  # a segment is traced as a plain program
            try:
                values = jitted(*[env[i] for i in ins])
            finally:
                lowering.context.segments = segments
            for i, v in zip(outs, values):
                env[i] = v
        for op in dd:  # on concrete values: the host waits for the segment here
            # (A called function holding data-dependent ops runs in segments itself.)
            for t, v in zip(op._outputs, _run_on_host(op, [env[id(t)] for t in op._inputs])):
                env[id(t)] = v
    return env


def untraceable(op):
    """The error for a data-dependent op met while tracing (it cannot be compiled)."""
    return NotImplementedError(
        f"{op.name} ({op.type}) has outputs whose size depends on its input values: a "
        "tf.function or Session.run runs it between compiled segments, but it cannot be "
        "traced into one XLA computation (a loop body, a tf.cond branch whose predicate is "
        "traced, a gradient through it, as_jaxpr).")


def _run_on_host(op, ins):
    """One op between segments, on values: as TF's kernel, its checks run and a bad
    value is an InvalidArgumentError naming the op."""
    if any(isinstance(v, jax.core.Tracer) for v in ins):
        raise untraceable(op)  # a loop body (or the like) run in segments while traced
    opdef = op._opdef
    if opdef.check is not None:
        runtime_checks.staged(opdef, *opdef.lowering_args(ins, op._input_lengths, op._attrs),
                              op.name, True)
    try:
        return opdef.call(ins, op._input_lengths, op._attrs)
    except InvalidArgumentError:
        raise
    except (TypeError, ValueError, IndexError, ArithmeticError) as e:
        raise InvalidArgumentError(None, op, f"{e} [node {op.name} ({op.type})]") from None


def runs_on_host(op):
    """True for an op that runs between compiled segments (module docstring): a
    data-dependent op, or one whose shape-like attrs (`static_attrs`) are given by
    tensors computed from tensor values (tf.range(n) with n = a reduce_sum), which
    are only known once an earlier segment has run."""
    if op._opdef.data_dependent:
        return True
    static = op._attrs.get(_STATIC_INPUTS)
    if static and any(_reads_values(op._inputs[i]) for _, i in static):
        return True
    return any(_holds_data_dependent(g) for g in _sub_graphs(op))


def _sub_graphs(op):
    for name in op._opdef.graph_attrs:
        value = op._attrs.get(name)
        yield from (value if isinstance(value, (tuple, list)) else
                    () if value is None else (value,))


def _holds_data_dependent(func_graph):
    """True if a data-dependent op is in `func_graph` or in a sub-graph of its ops. A
    nested tf.function call or a tf.cond holding one then runs on the host as a whole,
    its graph in segments; a loop body holding one is traced (NotImplementedError)."""
    return func_graph.cached("holds_data_dependent", lambda: any(
        op._opdef.data_dependent or any(_holds_data_dependent(g) for g in _sub_graphs(op))
        for op in func_graph.get_operations()))


# Ops that read only the shape of their input: a shape-like value computed from them
# is known when a segment is traced (jax.jit traces per shapes), so it needs no boundary.
_SHAPE_READERS = frozenset(["Shape", "Size", "Rank", "ShapeN"])


def _reads_values(tensor):
    stack, seen = [tensor.op], set()
    while stack:
        op = stack.pop()
        if op._id in seen or op.type in _SHAPE_READERS:
            continue
        seen.add(op._id)
        if op._opdef.data_dependent or (not op._inputs and op.type != "Const"):
            return True  # a placeholder, a variable, a random draw, a data-dependent op
        stack.extend(t.op for t in op._inputs)
    return False


def has_data_dependent_ops(ops):
    """True if some op of `ops` must run between compiled segments (module docstring)."""
    return any(runs_on_host(op) for op in ops)
