"""Control flow: `tf.cond`, `tf.case`, `tf.switch_case` and `tf.while_loop`.

As TF 2 builds them (cond_v2, while_v2): each branch, loop condition and
loop body is traced into a closed `FuncGraph`, and one op carries them:
  * `If` / `StatelessIf` (cond): inputs `[pred] + captures`; lowered to
    `lax.cond`, or to the taken branch when `pred` is known at lowering time;
  * `Case` / `StatelessCase` (switch_case; tf.case builds one too): inputs
    `[branch_index] + captures`; lowered to `lax.switch`; an index out of
    range takes the last branch (the default), as TF does;
  * `While` / `StatelessWhile`: inputs `[loop_counter, maximum_iterations] +
    loop_vars + captures`, outputs the first three groups, so that the loop
    variables are outputs 2, 3, ... (`while:2`) as in TF. Lowered to one
    `lax.while_loop`, never unrolled.
The `Stateful` forms are used when a graph carried holds a stateful op.

Gradients. The ops are differentiated by JAX through their lowerings. Inside
a `tf.gradients` op the code is lowered in reverse mode, where a while loop
becomes a scan (JAX cannot transpose `lax.while_loop`):
  * a trip count fixed by constants (`for i in tf.range(10)`, a counter
    compared with a constant) is computed when lowering: an exact scan;
  * else, with a constant `maximum_iterations`: a scan of that many steps,
    masked (a `lax.cond` per step) once the loop's condition turns false;
  * else a masked scan whose length, a power of two, is learnt at run time
    (`framework.program`).
Which inputs each output is connected to (None gradients, LookupError) follows
TF's rules for these ops, read from the sub-graphs (`deps` of each declaration):
a cond or case input is connected to every output if any branch output
depends on it; a while loop's every float input is connected to every loop
variable (zeros where nothing flows).
"""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tfgrad_jax.framework import dtypes, lowering, nest, program
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.func_graph import is_stateful, trace_function, union_captures
from tfgrad_jax.framework.op_def import (NOT_DIFFERENTIABLE, apply_op, convert_to_tensor, def_op,
                                         op_scope, public)
from tfgrad_jax.framework.tensor import SymbolicTensor, Tensor
from tfgrad_jax.framework.tensor_shape import TensorShape, as_shape


def _is_known(value):
    """True for a value known while lowering (a constant), False for a traced one."""
    return not isinstance(value, jax.core.Tracer)


def _check_callable(fn, what):
    if not callable(fn):
        raise TypeError(f"'{what}' must be callable.")


# ---------------------------------------------------------------------------
# If and Case.

def _if_lowering(cond, input, *, then_branch, else_branch):  # noqa: A002 - TF's names
    then_fn, else_fn = lowering.lower_graph(then_branch), lowering.lower_graph(else_branch)
    if _is_known(cond):
        return tuple((then_fn if bool(cond) else else_fn)(*input))
    _same_run_time_shapes((then_branch, else_branch), (then_fn, else_fn), input)
    return tuple(lax.cond(cond, lambda args: tuple(then_fn(*args)),
                          lambda args: tuple(else_fn(*args)), tuple(input)))


def _same_run_time_shapes(graphs, fns, input):  # noqa: A002
    """XLA's rule, checked where the graph could not: with unknown dims, branches that
    TF's shapes allow may still return different shapes when the graph runs. (Branches
    whose graphs give the same shapes, all of known rank, need no check, nor the trace
    it costs.)"""
    outputs = [[_aval_shape(t) for t in g.outputs] for g in graphs]
    if None not in outputs[0] and all(o == outputs[0] for o in outputs[1:]):
        return
    branch_avals = [jax.eval_shape(lambda *a, f=f: tuple(f(*a)), *input) for f in fns]
    first = branch_avals[0]
    for other in branch_avals[1:]:
        for i, (a, b) in enumerate(zip(first, other)):
            if a.shape != b.shape:
                raise ValueError(
                    f"The branches of a conditional return output {i} with shapes "
                    f"{list(a.shape)} and {list(b.shape)} when the graph runs. TF allows this,"
                    " but tfgrad_jax compiles a conditional with XLA, which needs the same "
                    "shape from every branch; pad or reshape the branch results.")


def graphs_deps(op, graph_deps, graphs, first_input):
    """TF's connectivity through an op carrying graphs (If, Case, a function call).

    As TF differentiates them: an input is connected to every output of the op
    if, in some graph, some output depends on it differentiably (graph input k
    is op input `first_input + k`); otherwise its gradient is None. With the
    op without a gradient met on such a path, if any (LookupError when used).
    """
    merged = {}
    for graph in graphs:
        for inner in graph_deps(graph):
            for k, blame in inner.items():
                merged[first_input + k] = merged.get(first_input + k) or blame
    return [dict(merged) for _ in op._outputs]


def _if_deps(op, graph_deps):
    return graphs_deps(op, graph_deps, [op.get_attr("then_branch"),
                                        op.get_attr("else_branch")], 1)


def _branch_outputs(name):
    """The op's outputs: the branches' (merged where their unknown dims differ)."""
    def out_avals(inputs, attrs):
        graphs = attrs[name] if isinstance(attrs[name], (tuple, list)) else [attrs[name]]
        scope = graph_mod.symbolic_scope(inputs[0].graph)
        return [_merged_aval([t._aval for t in outs], scope)
                for outs in zip(*[g.outputs for g in graphs])]
    return out_avals


def _merged_aval(avals, scope):
    """One aval for what several branches return: a dim all of them know alike stays,
    any other is a fresh unknown dim; differing ranks give an unknown rank."""
    first = avals[0]
    shapes = {None if a.shape is None else tuple(a.shape) for a in avals}
    if len(shapes) == 1:
        return first
    if None in shapes or len({len(s) for s in shapes}) > 1:
        return graph_mod.UnknownRankAval(first.dtype)
    dims = tuple(d[0] if len(set(d)) == 1 and type(d[0]) is int
                 else graph_mod.fresh_symbolic_dim(scope) for d in zip(*shapes))
    return jax.ShapeDtypeStruct(dims, first.dtype)


_IF_ARGS = dict(inputs="cond, input: N*", graph_attrs=("then_branch", "else_branch"),
                deps=_if_deps, out_avals=_branch_outputs("then_branch"))
IF = def_op("If", _if_lowering, stateful=True, **_IF_ARGS)
STATELESS_IF = def_op("StatelessIf", _if_lowering, **_IF_ARGS)


def _case_lowering(branch_index, input, *, branches):  # noqa: A002
    fns = [lowering.lower_graph(b) for b in branches]
    n = len(fns)
    if _is_known(branch_index):
        i = int(branch_index)
        return tuple(fns[i if 0 <= i < n else n - 1](*input))
    _same_run_time_shapes(branches, fns, input)
    # TF: an index out of range runs the last branch (lax.switch would clamp instead).
    index = jnp.where((branch_index < 0) | (branch_index >= n), n - 1, branch_index)
    return tuple(lax.switch(index, [lambda args, f=f: tuple(f(*args)) for f in fns],
                            tuple(input)))


def _case_deps(op, graph_deps):
    return graphs_deps(op, graph_deps, op.get_attr("branches"), 1)


_CASE_ARGS = dict(inputs="branch_index: Tidx, input: N*", graph_attrs=("branches",),
                  deps=_case_deps, out_avals=_branch_outputs("branches"), Tidx=[dtypes.int32])
CASE = def_op("Case", _case_lowering, stateful=True, **_CASE_ARGS)
STATELESS_CASE = def_op("StatelessCase", _case_lowering, **_CASE_ARGS)


def _branch_mismatch(names, results, details):
    first, second = names
    return TypeError(f"{first} and {second} arguments to tf.cond must have the same number, "
                     "type, and overall structure of return values.\n\n"
                     f"{first} output: {results[0]!r}\n{second} output: {results[1]!r}\n\n"
                     f"Error details:\n{details}")


def _check_branch_outputs(results, names):
    """TF's checks that branches return the same structure and dtypes; XLA's: shapes."""
    for other, other_name in zip(results[1:], names[1:]):
        try:
            nest.assert_same_structure(results[0], other)
        except (TypeError, ValueError) as e:
            raise _branch_mismatch((names[0], other_name), (results[0], other), e) from None
        for a, b in zip(nest.flatten(results[0]), nest.flatten(other)):
            if (a is None) != (b is None):
                raise _branch_mismatch((names[0], other_name), (results[0], other),
                                       f"{a} and {b} must both be None or tensors")
            if a is not None and a.dtype != b.dtype:
                raise _branch_mismatch((names[0], other_name), (results[0], other),
                                       f"{a} and {b} have different types")
    for i, leaves in enumerate(zip(*[[t for t in nest.flatten(r) if t is not None]
                                     for r in results])):
        # (Unknown dims may still match: that is checked when the graph runs.)
        if not all(t.shape.is_compatible_with(leaves[0].shape) for t in leaves[1:]):
            raise ValueError(
                f"The branches return output {i} with shapes "
                f"{', '.join(str(t.shape) for t in leaves)}. TF allows this (the output then "
                "has an unknown shape), but tfgrad_jax compiles a conditional with XLA, which "
                "needs the same shape from every branch; pad or reshape the branch results.")


def _aval_shape(t):
    """The shape a tensor has in the compiled program (None: unknown rank, known when the
    graph runs; symbolic dims compare equal only to themselves)."""
    shape = t._aval.shape
    return None if shape is None else tuple(shape)


def _branch_op(opdefs, selector, fns, names, scope, attrs_of):
    """Traces the branches and adds the op; returns the packed results (via Identity ops)."""
    from tfgrad_jax.ops.array_ops import identity
    outer = graph_mod.current_graph_or_none()
    op_name = scope.rstrip("/")
    traced = [trace_function(fn, outer, f"{op_name}_{label}".replace("/", "_"),
                             name_scope=scope) for fn, label in zip(fns, names)]
    results = [r for _, r in traced]
    _check_branch_outputs(results, names)
    graphs = [g for g, _ in traced]
    # A variable assigned in any branch comes out of every branch (unchanged where a
    # branch leaves it), after the branch outputs.
    assigned = _assigned_in(graphs)
    for g in graphs:
        g.outputs += [g.variable_version(v) for v in assigned]
    externals = union_captures(graphs)
    stateful = any(is_stateful(g) for g in graphs)
    outputs = apply_op(opdefs[0] if stateful else opdefs[1], [selector, externals],
                       attrs_of(graphs), name=scope)
    if not isinstance(outputs, tuple):
        outputs = () if isinstance(outputs, graph_mod.Operation) else (outputs,)
    n = len(outputs) - len(assigned)
    for variable, t in zip(assigned, outputs[n:]):
        outer.set_variable_version(variable, t)
    outputs = iter([identity(t, name="Identity") for t in outputs[:n]])
    return nest.map_structure(lambda leaf: None if leaf is None else next(outputs), results[0])


def _assigned_in(graphs):
    """The variables assigned in any of `graphs`, once each, in order."""
    found = {}
    for g in graphs:
        for variable, _ in g.assigned_variables():
            found.setdefault(id(variable), variable)
    return list(found.values())


@public(IF, STATELESS_IF)
def cond(pred, true_fn=None, false_fn=None, name=None):
    """`true_fn()` if `pred` else `false_fn()`, as `tf.cond` (TF 2).

    Eagerly the chosen function simply runs. In a graph, both functions are
    traced into branch graphs and one If op chooses at run time; they must
    return the same structure and dtypes (TypeError, as TF) and, for XLA, the
    same shapes. A Python bool `pred` raises TypeError in a graph, as in TF.
    """
    if true_fn is None:
        raise TypeError("cond(): 'true_fn' argument required")
    if false_fn is None:
        raise TypeError("cond(): 'false_fn' argument required")
    _check_callable(true_fn, "true_fn")
    _check_callable(false_fn, "false_fn")
    if graph_mod.current_graph_or_none() is None:
        return true_fn() if bool(_eager_value(pred, "pred")) else false_fn()
    if isinstance(pred, bool):
        raise TypeError("pred must not be a Python bool", pred)
    with op_scope(name, "cond") as scope:
        pred = _scalar_selector(pred, dtypes.bool, "pred")
        return _branch_op((IF, STATELESS_IF), pred, [true_fn, false_fn],
                          ["true_fn", "false_fn"], scope,
                          lambda g: {"then_branch": g[0], "else_branch": g[1]})


def cond_v1(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """`tf.compat.v1.cond`: tf.cond with the deprecated `fn1`/`fn2` spellings.

    `strict` is accepted: outputs are never unpacked from singleton lists here
    (TF 1's non-strict mode did that), as in TF 2.
    """
    if fn1 is not None:
        if true_fn is not None:
            raise TypeError("cond(): true_fn and fn1 may not be set simultaneously.")
        true_fn = fn1
    if fn2 is not None:
        if false_fn is not None:
            raise TypeError("cond(): false_fn and fn2 may not be set simultaneously.")
        false_fn = fn2
    return cond(pred, true_fn, false_fn, name=name)


def _eager_value(value, what):
    value = np.asarray(value)
    if value.size != 1:
        raise ValueError(f"'{what}' must be a scalar, got shape {value.shape}.")
    return value.reshape(())


def _scalar_selector(value, dtype, what):
    value = convert_to_tensor(value)
    if value.dtype != dtype:
        if dtype == dtypes.bool:
            raise TypeError(f"'{what}' must be a bool tensor, got {value.dtype}.")
        raise TypeError(f"'{what}' must be an integer Tensor, got {value.dtype}")
    if value.shape.rank not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {value.shape.rank} for '{what}' "
                         f"with input shapes: {value.shape}.")
    return value


def _case_attrs(graphs):
    return {"branches": tuple(graphs)}


@public(CASE, STATELESS_CASE)
def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """Runs `branch_fns[branch_index]()`, as `tf.switch_case`.

    `branch_fns` is a list of callables, or (index, callable) pairs / a dict
    whose indices form 0..n-1. An index out of range runs `default`, or the
    last branch when there is none. `branch_index` must be an int32 tensor.
    """
    fns = _branch_list(branch_fns)
    if default is not None:
        _check_callable(default, "default")
        fns = fns + [default]
    if graph_mod.current_graph_or_none() is None:
        i = int(_eager_value(branch_index, "branch_index"))
        return fns[i if 0 <= i < len(fns) else len(fns) - 1]()
    with op_scope(name, "switch_case") as scope:
        index = convert_to_tensor(branch_index)
        if not index.dtype.is_integer:
            raise TypeError(f"'branch_index' must be an integer Tensor, got {index.dtype}")
        if index.dtype != dtypes.int32:
            raise TypeError(f"Input 'branch_index' of 'StatelessCase' Op has type "
                            f"{index.dtype.name} that does not match expected type of int32.")
        index = _scalar_selector(index, dtypes.int32, "branch_index")
        return _branch_op((CASE, STATELESS_CASE), index, fns,
                          [f"branch_{i}" for i in range(len(fns))], scope, _case_attrs)


def _branch_list(branch_fns):
    if isinstance(branch_fns, dict):
        branch_fns = list(branch_fns.items())
    branch_fns = list(branch_fns)
    if not branch_fns:
        raise ValueError("Must provide at least one item in 'branch_fns'")
    if all(isinstance(b, (tuple, list)) and len(b) == 2 for b in branch_fns):
        keys = sorted(k for k, _ in branch_fns)
        if keys != list(range(len(keys))):
            found = ",".join(str(k) for k in keys)
            raise ValueError(f"branch indices (keys) must form contiguous range of [0 to "
                             f"{len(keys)}) but found {{{found}}}")
        branch_fns = [fn for _, fn in sorted(branch_fns, key=lambda kv: kv[0])]
    for fn in branch_fns:
        _check_callable(fn, "branch_fns")
    return branch_fns


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The function of the first pair whose predicate is true, as `tf.case`.

    One Case op over the pairs' functions and `default`; the index is that of
    the first true predicate. With `exclusive=True`, more than one true
    predicate raises InvalidArgumentError when the graph runs; with no
    `default`, so does none being true (TF's messages). Eagerly the checks
    run at once.
    """
    from tfgrad_jax.ops import check_ops, math_ops, array_ops
    if isinstance(pred_fn_pairs, dict):
        pred_fn_pairs = list(pred_fn_pairs.items())
    pairs = list(pred_fn_pairs)
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"Each entry in pred_fn_pairs must be a 2-tuple, got {pair!r}")
        _check_callable(pair[1], "pred_fn_pairs")
    if default is not None:
        _check_callable(default, "default")
    with op_scope(name, "case") as scope:
        preds = array_ops.stack([convert_to_tensor(p, dtype=dtypes.bool) for p, _ in pairs])
        names = ", ".join(p.name if isinstance(p, SymbolicTensor) else "Const" for p, _ in pairs)
        checks = []
        if exclusive:
            several = math_ops.reduce_sum(math_ops.cast(preds, dtypes.int32)) <= 1
            checks.append(check_ops.Assert(several, [
                f"Input error: exclusive=True: more than 1 conditions ({names}) evaluated as "
                "True:", preds], name="Assert"))
        if default is None:
            checks.append(check_ops.Assert(math_ops.reduce_any(preds), [
                "Input error: None of conditions evaluated as True:", preds], name="Assert_1"))
        index = math_ops.cast(math_ops.argmax(
            array_ops.concat([preds, [True]], 0), output_type=dtypes.int32), dtypes.int32)
        fns = [fn for _, fn in pairs] + [default if default is not None else pairs[-1][1]]
        checks = [c for c in checks if c is not None]
        if graph_mod.current_graph_or_none() is None:
            return fns[int(index)]()
        with graph_mod.current_graph_or_none().control_dependencies(checks):
            index = array_ops.identity(index)
        return _branch_op((CASE, STATELESS_CASE), index, fns,
                          [f"branch_{i}" for i in range(len(fns))], scope, _case_attrs)


# ---------------------------------------------------------------------------
# While.

_loop_keys = itertools.count()


def _while_lowering(input, *, cond, body, parallel_iterations, loop_key):  # noqa: A002
    n = len(body.inputs)
    counter, max_iter = input[0], input[1]
    loop_vars, captures = tuple(input[2:2 + n]), tuple(input[2 + n:])
    loop = _Loop(lowering.lower_graph(cond), lowering.lower_graph(body), captures, max_iter)
    if lowering.context.reverse_mode:
        counter, loop_vars = _while_as_scan(loop, counter, loop_vars, cond, body, loop_key)
    else:
        counter, loop_vars = lax.while_loop(loop.keep_going, loop.step, (counter, loop_vars))
    return (counter, max_iter) + tuple(loop_vars)


class _Loop:
    """The lowered pieces of one while loop: its condition and one step of its body."""

    def __init__(self, cond_fn, body_fn, captures, max_iter):
        self.cond_fn, self.body_fn, self.captures = cond_fn, body_fn, captures
        self.max_iter = max_iter
        self.unbounded = _is_known(max_iter) and int(max_iter) < 0

    def keep_going(self, carry):
        counter, loop_vars = carry
        go = self.cond_fn(*loop_vars, *self.captures)[0]
        if not self.unbounded:
            go = go & ((self.max_iter < 0) | (counter < self.max_iter))
        return go

    def step(self, carry):
        counter, loop_vars = carry
        with lowering.in_iteration(counter):
            new = self.body_fn(*loop_vars, *self.captures)
        return counter + 1, tuple(new)

    def masked_scan(self, counter, loop_vars, length):
        """`length` steps of a scan; steps after the loop's end leave the state unchanged."""
        def step(carry, _):
            counter, active, loop_vars = carry
            active = active & self.keep_going((counter, loop_vars))
            counter, loop_vars = lax.cond(active, self.step, lambda c: c, (counter, loop_vars))
            return (counter, active, loop_vars), None

        (counter, _, loop_vars), _ = lax.scan(step, (counter, jnp.bool_(True), loop_vars), None,
                                              length=length)
        return counter, loop_vars

    def exact_scan(self, counter, loop_vars, length):
        def step(carry, _):
            return self.step(carry), None

        (counter, loop_vars), _ = lax.scan(step, (counter, loop_vars), None, length=length)
        return counter, loop_vars


def _while_as_scan(loop, counter, loop_vars, cond, body, loop_key):
    """The loop as a scan JAX can differentiate in reverse (module docstring)."""
    trips = _static_trip_count(loop, counter, loop_vars, cond, body)
    if trips is not None:
        return loop.exact_scan(counter, loop_vars, trips)
    if not loop.unbounded and _is_known(loop.max_iter):
        return loop.masked_scan(counter, loop_vars, int(loop.max_iter))
    bounds = lowering.context.loop_bounds
    length = bounds.get(loop_key) if bounds is not None else 0
    counter, loop_vars = loop.masked_scan(counter, loop_vars, length)
    # Did the loop need more steps? Count them (forward only) and report, on overflow only.
    frozen = jax.tree.map(lax.stop_gradient, (counter, loop_vars))
    overflow = loop.keep_going(frozen)

    def report():
        # Counting differentiates nothing: its captures are frozen too, or JAX would
        # try to differentiate this while loop when its body has effects (a check).
        counting = _Loop(loop.cond_fn, loop.body_fn,
                         tuple(lax.stop_gradient(c) for c in loop.captures), loop.max_iter)
        total, _ = lax.while_loop(counting.keep_going, counting.step, frozen)
        jax.debug.callback(lambda n: program.report_overflow(loop_key, n), total)

    lax.cond(overflow, report, lambda: None)
    return counter, loop_vars


def _static_trip_count(loop, counter, loop_vars, cond, body):
    """The loop's trip count if constants fix it, else None.

    The loop variables the condition depends on, closed under the body's
    dependencies, are the loop's counters; when they (and the captures they
    read) start from constants, a small compiled loop over them alone counts
    the trips, here while lowering.
    """
    n = len(loop_vars)
    cond_needs = cond.input_dependencies()[0]
    body_needs = body.input_dependencies()
    counters, frontier = set(), {i for i in cond_needs if i < n}
    while frontier:
        i = frontier.pop()
        counters.add(i)
        frontier |= {j for j in body_needs[i] if j < n and j not in counters}
    caps = sorted({i - n for i in cond_needs if i >= n} |
                  {j - n for i in counters for j in body_needs[i] if j >= n})
    counters = sorted(counters)
    values = [loop_vars[i] for i in counters] + [loop.captures[c] for c in caps]
    if not all(_is_known(v) for v in values + [counter, loop.max_iter]):
        return None
    count = body.cached(("trip_counter", tuple(counters), tuple(caps)),
                        lambda: _trip_counter(cond, body, counters, caps))
    with jax.ensure_compile_time_eval():
        trips = int(count(counter, loop.max_iter, *values))
    return trips - int(counter)


def _trip_counter(cond, body, counters, caps):
    """A compiled function counting a loop's trips from its counters alone."""
    n = len(body.inputs)
    cond_inputs = [cond.inputs[i] for i in counters] + [cond.all_inputs[n + c] for c in caps]
    body_inputs = [body.inputs[i] for i in counters] + [body.all_inputs[n + c] for c in caps]
    cond_fn = lowering.lower(cond_inputs, cond.outputs[:1])
    body_fn = lowering.lower(body_inputs, [body.outputs[i] for i in counters])

    @jax.jit
    def count(counter, max_iter, *values):
        k = len(counters)
        caps_values = values[k:]

        def keep_going(carry):
            i, vs = carry
            return cond_fn(*vs, *caps_values)[0] & ((max_iter < 0) | (i < max_iter))

        def step(carry):
            i, vs = carry
            return i + 1, tuple(body_fn(*vs, *caps_values))

        return lax.while_loop(keep_going, step, (counter, tuple(values[:k])))[0]

    return count


def _while_deps(op, graph_deps):
    """As TF differentiates a While op: every float input reaches every loop variable.

    (TF 2.21 gives zeros, not None, for a loop variable that does not depend on
    an input at all.) Blamed on an op without a gradient on a path through the
    body, if any.
    """
    blame = None
    for inner in graph_deps(op.get_attr("body")):
        for b in inner.values():
            blame = blame or b
    every = {i: blame for i, t in enumerate(op._inputs) if t.dtype in dtypes.INEXACT}
    return [{}, {}] + [dict(every) for _ in op._outputs[2:]]


def _while_avals(inputs, attrs):
    # The loop counter, maximum_iterations and the loop variables come out as they went in.
    return [t._aval for t in inputs[:2 + len(attrs["body"].inputs)]]


_WHILE_ARGS = dict(inputs="input: N*", graph_attrs=("cond", "body"), deps=_while_deps,
                   out_avals=_while_avals)
WHILE = def_op("While", _while_lowering, stateful=True, **_WHILE_ARGS)
STATELESS_WHILE = def_op("StatelessWhile", _while_lowering, **_WHILE_ARGS)


def _loop_var_name(t):
    return t.name if isinstance(t, SymbolicTensor) else "loop_var"


@public(WHILE, STATELESS_WHILE)
def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """Repeats `body` while `cond` is true, as `tf.while_loop` (TF 2).

    `loop_vars` may be any nested structure of tensors (and Python numbers);
    `body` returns the same structure with the same dtypes (TypeError) and
    shapes compatible with `shape_invariants` (ValueError), as in TF. Lowered
    to one `lax.while_loop`; XLA needs each loop variable's shape fixed, so a
    shape that an invariant lets change is refused with a ValueError.
    `back_prop=False` stops gradients at the results; `parallel_iterations`
    and `swap_memory` are accepted (XLA schedules the loop).
    Eagerly the loop runs in Python.
    """
    _check_callable(cond, "cond")
    _check_callable(body, "body")
    if parallel_iterations < 1:
        raise TypeError("parallel_iterations must be a positive integer.")
    if graph_mod.current_graph_or_none() is None:
        return _eager_while(cond, body, loop_vars, maximum_iterations)
    with op_scope(name, "while") as scope:
        op_name = scope.rstrip("/")
        flat = [convert_to_tensor(v) for v in nest.flatten(loop_vars)]
        packed_entry = nest.pack_sequence_as(loop_vars, flat)
        invariants = _shape_invariants(shape_invariants, loop_vars, flat)
        max_iter = _maximum_iterations(maximum_iterations)
        counter = convert_to_tensor(0, dtype=dtypes.int32, name="loop_counter")
        outer = graph_mod.current_graph_or_none()
        specs = [(t.dtype, t._aval, inv, f"loop_var_{i}" if i else "loop_var")
                 for i, (t, inv) in enumerate(zip(flat, invariants))]

        def call_cond(*placeholders):
            result = cond(*_as_args(loop_vars, placeholders))
            return result

        def call_body(*placeholders):
            result = body(*_as_args(loop_vars, placeholders))
            return _body_result(loop_vars, result)

        cond_graph, cond_result = trace_function(call_cond, outer, f"{op_name}_cond", specs,
                                                 name_scope=scope)
        cond_out = nest.flatten(cond_result)
        if len(cond_out) != 1 or cond_out[0] is None or cond_out[0].dtype != dtypes.bool or (
                cond_out[0].shape.rank not in (None, 0)):
            raise ValueError(f"The while_loop condition must return a scalar boolean tensor, "
                             f"got {cond_result!r}.")
        body_graph, body_result = trace_function(call_body, outer, f"{op_name}_body", specs,
                                                 name_scope=scope)
        nest.assert_same_structure(packed_entry, body_result)
        new_flat = nest.flatten(body_result)
        _check_loop_vars(flat, new_flat, invariants)
        # A variable assigned in the loop is loop state: its placeholders become loop
        # variables after the user's, and its last version is the body's output.
        assigned = _assigned_in([cond_graph, body_graph])
        for g in (cond_graph, body_graph):
            g.promote_variable_captures(assigned)
        body_graph.outputs += [body_graph.variable_version(v) for v in assigned]
        state = [outer.variable_version(v) for v in assigned]
        externals = union_captures([cond_graph, body_graph])
        stateful = is_stateful(cond_graph) or is_stateful(body_graph)
        outputs = apply_op(WHILE if stateful else STATELESS_WHILE,
                           [[counter, max_iter] + flat + state + externals],
                           {"cond": cond_graph, "body": body_graph,
                            "parallel_iterations": int(parallel_iterations),
                            "loop_key": next(_loop_keys)}, name=scope)
        for variable, t in zip(assigned, outputs[2 + len(flat):]):
            outer.set_variable_version(variable, t)
        results = list(outputs[2:2 + len(flat)])
        for t, inv in zip(results, invariants):
            t._shape = inv  # what TF knows after the loop
        if not back_prop:  # TF 2 stops gradients at the results
            from tfgrad_jax.ops.array_ops import stop_gradient
            results = [stop_gradient(t) for t in results]
        return nest.pack_sequence_as(loop_vars, results)


def _as_args(loop_vars, flat):
    """The loop variables as cond/body receive them: one argument per top-level entry."""
    packed = nest.pack_sequence_as(loop_vars, list(flat))
    return packed if isinstance(loop_vars, (list, tuple)) else [packed]


def _body_result(loop_vars, result):
    # TF accepts a bare tensor from the body of a loop over a one-element list.
    if isinstance(loop_vars, (list, tuple)) and len(loop_vars) == 1 and not nest.is_nested(
            result):
        result = type(loop_vars)([result]) if not hasattr(loop_vars, "_fields") else result
    if isinstance(loop_vars, list) and isinstance(result, tuple) and not hasattr(result,
                                                                                 "_fields"):
        result = list(result)  # TF compares the body's tuple with the list it was given
    return result


def _shape_invariants(shape_invariants, loop_vars, flat):
    if shape_invariants is None:
        return [t.shape for t in flat]
    invariants = nest.flatten(_map_shapes(shape_invariants))
    if len(invariants) != len(flat):
        raise ValueError(f"shape_invariants {shape_invariants!r} does not match the structure "
                         f"of loop_vars {loop_vars!r}.")
    for t, inv in zip(flat, invariants):
        if not inv.is_compatible_with(t.shape):
            raise ValueError(f"The shape invariant specified for {_loop_var_name(t)} is not "
                             f"compatible with the initial shape of the loop variable. It "
                             f"enters the loop with shape {t.shape}, but the specified shape "
                             f"invariant is {inv}.")
    return invariants


def _map_shapes(structure):
    if isinstance(structure, TensorShape):
        return structure
    if isinstance(structure, (list, tuple)) and not all(
            d is None or isinstance(d, int) for d in structure):
        return type(structure)(_map_shapes(s) for s in structure)
    if isinstance(structure, dict):
        return {k: _map_shapes(v) for k, v in structure.items()}
    return as_shape(structure)


def _maximum_iterations(maximum_iterations):
    if maximum_iterations is None:
        return convert_to_tensor(-1, dtype=dtypes.int32, name="maximum_iterations")
    value = convert_to_tensor(maximum_iterations, name="maximum_iterations")
    if not value.dtype.is_integer:
        raise TypeError(f"maximum_iterations must be an integer tensor, got {value.dtype}.")
    if value.shape.rank not in (None, 0):
        raise ValueError(f"maximum_iterations must be a scalar, saw shape: {value.shape}")
    if value.dtype != dtypes.int32:
        from tfgrad_jax.ops.math_ops import cast
        value = cast(value, dtypes.int32)
    return value


def _check_loop_vars(entry, after, invariants):
    for t, new, inv in zip(entry, after, invariants):
        name = _loop_var_name(t)
        if new.dtype != t.dtype:
            raise TypeError(f"Loop var {name} enters the loop with type {t.dtype} but has "
                            f"type {new.dtype} after 1 iteration. {name} type should remain "
                            "constant.")
        if not inv.is_compatible_with(new.shape):
            raise ValueError(f"Input tensor `{name}` enters the loop with shape {t.shape}, but "
                             f"has shape {new.shape} after one iteration. To allow the shape "
                             "to vary across iterations, use the `shape_invariants` argument "
                             "of tf.while_loop to specify a less-specific shape.")
        if _aval_shape(new) != _aval_shape(t):
            raise ValueError(
                f"Loop variable {name} enters the loop with shape {t.shape} and has shape "
                f"{new.shape} after one iteration. TF allows this under its shape invariant "
                f"{inv}, but tfgrad_jax compiles the loop with XLA, which needs each loop "
                "variable's shape fixed; keep the shape (e.g. pad to a maximum size).")


def _eager_while(cond, body, loop_vars, maximum_iterations):
    """TF's eager while_loop: a Python loop."""
    limit = None if maximum_iterations is None else int(np.asarray(maximum_iterations))
    args_of = lambda v: v if isinstance(loop_vars, (list, tuple)) else [v]  # noqa: E731
    values = loop_vars
    i = 0
    while (limit is None or i < limit) and bool(_eager_value(cond(*args_of(values)), "cond")):
        values = _body_result(loop_vars, body(*args_of(values)))
        nest.assert_same_structure(loop_vars, values)
        i += 1
    return nest.map_structure(lambda v: convert_to_tensor(v) if not isinstance(v, Tensor)
                              else v, values)


def while_loop_v1(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
                  back_prop=True, swap_memory=False, name=None, maximum_iterations=None,
                  return_same_structure=False):
    """`tf.compat.v1.while_loop`: a single loop variable given in a list comes back bare,
    unless `return_same_structure`."""
    result = while_loop(cond, body, loop_vars, shape_invariants, parallel_iterations, back_prop,
                        swap_memory, maximum_iterations, name)
    if not return_same_structure and isinstance(loop_vars, (list, tuple)) and len(
            nest.flatten(loop_vars)) == 1:
        return nest.flatten(result)[0]
    return result


# ---------------------------------------------------------------------------
# Grouping.

NO_OP = def_op("NoOp", lambda: (), inputs="", grad=NOT_DIFFERENTIABLE, stateful=True)


@public(NO_OP)
def no_op(name=None):
    """An op that does nothing, as `tf.no_op` (None eagerly)."""
    if graph_mod.current_graph_or_none() is None:
        return None
    return apply_op(NO_OP, [], name=name or "NoOp")


def group(*inputs, name=None):
    """An op that runs `inputs` (tensors or ops, nested), as `tf.group`; None eagerly."""
    graph = graph_mod.current_graph_or_none()
    if graph is None:
        return None
    deps = []
    for value in nest.flatten(list(inputs)):
        if value is None:
            continue
        if hasattr(value, "_as_tensor") and not isinstance(value, Tensor):
            value = value._as_tensor()
        deps.append(value)
    with graph.control_dependencies(deps):
        return apply_op(NO_OP, [], name=name or "group_deps")
