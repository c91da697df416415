"""`tf.gradients`: symbolic derivatives, decided on the graph, computed by `jax.vjp`.

Everything TF decides about a gradient is decided here on the graph, before
any JAX call:
  * which xs connect to which ys (None, or zeros with 'zero', otherwise),
  * where backprop stops: `stop_gradients` (per op: stopping one output of a
    multi-output op stops all its outputs), `tf.stop_gradient`, ops declared
    not differentiable, and integer/bool tensors (constants for every x),
  * which ops on the path have no gradient at all (LookupError),
  * which ops take a gradient function registered with `tf.RegisterGradient`
    (or `Graph.gradient_override_map`, or `tf.custom_gradient`); an input it
    returns None for is not connected through that op,
  * through an op carrying sub-graphs (tf.cond, tf.while_loop, a called
    tf.function, an earlier tf.gradients): only the inputs each output depends
    on, as its declaration works out from its sub-graphs (`_graph_deps`
    applies this same analysis inside them, recursively).

Then one `SymbolicGradient` op is added to the graph (`gradient_ops`): it
carries a copy of the ops between xs and ys as a closed FuncGraph and
differentiates it with `jax.vjp`. Its outputs are ordinary graph tensors, so
they can be used by later ops and differentiated again (`tf.hessians`).
"""

import enum
import inspect
import itertools

from tfgrad_jax import gradient_ops, gradient_registry
from tfgrad_jax.framework import dtypes, nest
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.op_def import AUTODIFF, apply_op, convert_to_tensor, get_opdef, public
from tfgrad_jax.framework.tensor import SymbolicTensor, Tensor
from tfgrad_jax.gradient_ops import SYMBOLIC_GRADIENT
from tfgrad_jax.gradient_registry import NotDifferentiable, RegisterGradient, no_gradient
from tfgrad_jax.gradient_registry import _GRADIENT_FUNCTIONS  # noqa: F401 (tests reach it here)


class UnconnectedGradients(enum.Enum):
    """What tf.gradients returns for an x that does not reach ys: None or zeros."""

    NONE = "none"
    ZERO = "zero"


class AggregationMethod:
    """How gradient terms are summed, as `tf.AggregationMethod`.

    All methods give the same sums (up to rounding) here: XLA fuses the sums
    that JAX's backward pass builds, whichever method is named.
    """

    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


_ACCEPTED_AGGREGATION = [AggregationMethod.ADD_N, AggregationMethod.EXPERIMENTAL_TREE,
                         AggregationMethod.EXPERIMENTAL_ACCUMULATE_N]

def _differentiable(t):
    return t.dtype in dtypes.INEXACT


# ---------------------------------------------------------------------------
# Dependencies through ops that carry sub-graphs.

def _op_deps(op):
    """Per output, {input index: blame} for an op declaring `deps`; None for a plain op.

    A plain op's every output depends on every input. `blame` is None, or an
    op without a gradient inside the sub-graphs on that input's path to that
    output (a LookupError if the path is used).
    """
    if op._opdef.deps is None:
        return None
    deps = op._attrs.get("_gradient_deps")
    if deps is None:
        deps = op._attrs["_gradient_deps"] = op._opdef.deps(op, _graph_deps)
    return deps


def _graph_deps(func_graph):
    """Per output of a FuncGraph, {index in all_inputs: blame}: the inputs it depends on
    differentiably, with TF's rules (stops, integers, policies), cached on the graph."""
    def compute():
        reach, policies = _reaching_ys(func_graph.outputs, set())
        deps = {id(t): {i: None} for i, t in enumerate(func_graph.all_inputs)
                if _differentiable(t)}
        for op in func_graph._ops:
            policy = policies.get(op._id)
            if policy is None or policy[0] == "none":
                continue
            ins = [deps.get(id(t), {}) if _differentiable(t) else {} for t in op._inputs]
            if not any(ins):
                continue
            cut = gradient_registry.cut_inputs(op) if policy[0] == "function" else ()
            own = op if policy[0] == "missing" else None
            op_deps = _op_deps(op)
            for j, out in enumerate(op._outputs):
                if not _differentiable(out) or id(out) not in reach:
                    continue
                through = (dict.fromkeys(range(len(ins))) if op_deps is None else op_deps[j])
                found = {}  # any path through an op without a gradient is a LookupError
                for i, inner_blame in through.items():
                    if i not in cut:
                        for src, blame in ins[i].items():
                            found[src] = found.get(src) or blame or inner_blame or own
                deps[id(out)] = found
        return [deps.get(id(t), {}) for t in func_graph.outputs]
    return func_graph.cached("gradient_deps", compute)


# ---------------------------------------------------------------------------
# tf.gradients.

def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _to_graph_tensor(value, graph, what):
    if hasattr(value, "_as_tensor"):
        value = value._as_tensor()
    if value is None:
        raise TypeError(f"`{what}` contains None; expected tensors.")
    if isinstance(value, SymbolicTensor):
        if value.graph is not graph and graph_mod.encloses(value.graph, graph):
            return graph.capture(value)  # TF follows a captured tensor to its placeholder
        if value.graph is not graph:
            raise ValueError(f"`{what}` holds the tensor {value.name!r} of another graph "
                             f"({value.graph!r}); tf.gradients builds into {graph!r}.")
        return value
    if isinstance(value, Tensor):  # an eager tensor: a constant of this graph
        return graph.capture(value)
    return convert_to_tensor(value, name=what.rstrip("s"))


def _default_grad_ys(ys, grad_ys):
    """Seeds for each y, as TF's `_DefaultGradYs`: ones named grad_ys_i, or checked."""
    from tfgrad_jax.ops import array_ops
    seeds = []
    for i, (y, g) in enumerate(zip(ys, grad_ys)):
        if g is None:
            if y.dtype.is_complex:
                raise TypeError(f"Gradients of complex tensors ({y}) must set grad_ys "
                                f"(y.dtype = {y.dtype.name})")
            if y.shape.is_fully_defined():
                seeds.append(array_ops.ones(y.shape, y.dtype, name=f"grad_ys_{i}"))
            else:
                seeds.append(array_ops.ones_like(y, name=f"grad_ys_{i}"))
            continue
        g = _to_graph_tensor(g, y.graph, f"grad_ys[{i}]")
        if y.dtype.is_floating or y.dtype.is_integer:
            if not (g.dtype.is_floating or g.dtype.is_integer):
                raise TypeError(f"Gradient type {g.dtype.name} generated for real or "
                                f"integer-valued tensor {y} with type {y.dtype.name} must be "
                                "real or integer")
        elif y.dtype.is_complex:
            if not g.dtype.is_complex:
                raise TypeError(f"Gradient type {g.dtype.name} generated for complex-valued "
                                f"tensor {y} with type {y.dtype.name} must be complex")
        else:
            raise TypeError(f"Tensor {y} with type {y.dtype.name} must be numeric to obtain "
                            "a default gradient")
        if g.dtype != y.dtype and _differentiable(y):
            raise TypeError(f"Input 'grad_ys[{i}]' has type {g.dtype.name} that does not match "
                            f"type {y.dtype.name} of ys[{i}] ({y.name}).")
        if not g.shape.is_compatible_with(y.shape):
            raise ValueError(f"Incompatible shapes between ys[{i}] {y.shape} and grad_ys[{i}] "
                             f"{g.shape}.")
        seeds.append(array_ops.identity(g, name=f"grad_ys_{i}"))
    return seeds


def unconnected_mode(value):
    """`unconnected_gradients` as an UnconnectedGradients member (ValueError if unknown)."""
    try:
        return UnconnectedGradients(value)
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}") from None


def _reaching_ys(ys, stop_op_ids, cuts=None):
    """ids of differentiable tensors from which some y is reached along gradient edges.

    Returns them with the policy of each op met (`gradient_registry.policy`).
    `cuts`: per op id, the input indices its registered gradient function
    returns None for. Through an op carrying sub-graphs, an output reaches
    only the inputs it depends on (`_op_deps`).
    """
    cuts = cuts or {}
    reach, policies = set(), {}
    stack = [y for y in ys if _differentiable(y)]
    while stack:
        t = stack.pop()
        if id(t) in reach:
            continue
        reach.add(id(t))
        op = t._op
        if id(op) in stop_op_ids:
            continue
        policy = policies.get(op._id)
        if policy is None:
            policy = policies[op._id] = gradient_registry.policy(op)
        if policy[0] == "none":
            continue
        cut = cuts.get(op._id, ())
        op_deps = _op_deps(op)
        sources = range(len(op._inputs)) if op_deps is None else op_deps[t._value_index]
        for i in sources:
            inp = op._inputs[i]
            if id(inp) not in reach and _differentiable(inp) and i not in cut:
                stack.append(inp)
    return reach, policies


def _between(xs, reach, stop_op_ids, policies, cuts=None):
    """Ops on a gradient path from some x to some y, in creation order, and F's tensor ids.

    Also returns the ops without a gradient met inside sub-graphs on those
    paths (each a LookupError).
    """
    cuts = cuts or {}
    forward, ops, blamed = set(), {}, []
    stack = [x for x in xs if id(x) in reach]
    while stack:
        t = stack.pop()
        if id(t) in forward:
            continue
        forward.add(id(t))
        for op in t._consumers:
            op_deps = _op_deps(op)
            if id(op) in stop_op_ids or (op._id in ops and op_deps is None):
                continue  # (an op with sub-graphs: other outputs may depend on other inputs)
            policy = policies.get(op._id)
            if policy is None or policy[0] == "none":
                continue
            at = {i for i, inp in enumerate(op._inputs) if inp is t}
            at -= set(cuts.get(op._id, ()))
            if not at:
                continue  # its gradient function returns None for t
            outs = []
            for o in op._outputs:
                if id(o) not in reach:
                    continue
                if op_deps is not None:
                    used = [i for i in at if i in op_deps[o._value_index]]
                    if not used:
                        continue
                    blamed.extend(b for b in (op_deps[o._value_index][i] for i in used) if b)
                outs.append(o)
            if not outs:
                continue
            ops[op._id] = op
            stack.extend(outs)
    return [ops[i] for i in sorted(ops)], forward, blamed


def gradients(ys, xs, grad_ys=None, name="gradients", gate_gradients=False,
              aggregation_method=None, stop_gradients=None,
              unconnected_gradients=UnconnectedGradients.NONE):
    """The symbolic derivative of sum(ys) with respect to each x in xs, as `tf.gradients`.

    Returns a list as long as `xs`: element i is sum over y of dy/dx_i, a
    graph tensor (None, or zeros with unconnected_gradients='zero', for an x
    that does not reach ys). `grad_ys` weights each y (ones by default);
    `stop_gradients` holds tensors constant with respect to all xs (partial
    derivatives); integer tensors are constants too. `gate_gradients` groups
    the results behind an optimization barrier; `aggregation_method` is
    validated and gives the same sums. Only in a graph (e.g. in tf.function):
    eagerly it raises RuntimeError, as TF. LookupError if an op between x
    and y has no gradient, decided when the graph is built.
    """
    graph = graph_mod.current_graph_or_none()
    ys_list = _as_list(ys)
    xs_list = _as_list(xs)
    if graph is None:
        symbolic = [t for t in ys_list + xs_list if isinstance(t, SymbolicTensor)]
        if not symbolic:
            raise RuntimeError("tf.gradients is not supported when eager execution is enabled. "
                               "Use tf.GradientTape instead.")
        graph = symbolic[0].graph
    unconnected = unconnected_mode(unconnected_gradients)
    if aggregation_method not in [None] + _ACCEPTED_AGGREGATION:
        raise ValueError(f"Invalid `aggregation_method` specified {aggregation_method}. "
                         f"Accepted values are {_ACCEPTED_AGGREGATION}.")
    grad_ys_list = _as_list(grad_ys)
    if grad_ys is None:
        grad_ys_list = [None] * len(ys_list)
    if len(grad_ys_list) != len(ys_list):
        raise ValueError(f"Length mismatch. Passed {len(grad_ys_list)} grad_ys for "
                         f"{len(ys_list)} ys")
    stop_list = _as_list(stop_gradients)

    with graph.as_default(), graph.name_scope(name or "gradients"):
        ys_t = [_to_graph_tensor(y, graph, "ys") for y in ys_list]
        # A variable stands for every use of its value here (TF differentiates with
        # respect to the resource): its reads, and its versions that ops carrying
        # sub-graphs read. Its gradient is their sum.
        xs_t, uses = [], []
        for x in xs_list:
            found = (_variable_uses(graph, x) if getattr(x, "_is_variable", False) else
                     [_to_graph_tensor(x, graph, "xs")])
            uses.append(range(len(xs_t), len(xs_t) + len(found)))
            xs_t.extend(found)
        stops = [_to_graph_tensor(s, graph, "stop_gradients") for s in stop_list]
        seeds = _default_grad_ys(ys_t, grad_ys_list)
        results = _build_gradients(graph, ys_t, xs_t, seeds, stops, bool(gate_gradients))
        results = [sum_of_uses([results[i] for i in u]) for u in uses]
        return _fill_unconnected(xs_list, results, unconnected)


def _variable_uses(graph, variable):
    """The tensors through which ops of `graph` use `variable`'s value (see gradients)."""
    found = []
    for version in graph.variable_versions(variable):
        if any(op._opdef.graph_attrs for op in version._consumers):
            found.append(version)  # an op carrying sub-graphs reads it: all its uses
        else:  # its reads (each one alone, so that a gathered read gives IndexedSlices)
            found.extend(op._outputs[0] for op in version._consumers
                         if op.type == "ReadVariableOp")
    return found


def sum_of_uses(grads):
    """One gradient from the gradients of a variable's uses (IndexedSlices if all are)."""
    from tfgrad_jax.framework.indexed_slices import IndexedSlices
    from tfgrad_jax.ops import array_ops
    grads = [g for g in grads if g is not None]
    if len(grads) <= 1:
        return grads[0] if grads else None
    if all(isinstance(g, IndexedSlices) for g in grads):
        return IndexedSlices(array_ops.concat([g.values for g in grads], 0),
                             array_ops.concat([g.indices for g in grads], 0), grads[0].dense_shape)
    dense = [convert_to_tensor(g) for g in grads]
    return apply_op(get_opdef("AddN"), [dense], name="AddN")


def _build_gradients(graph, ys, xs, seeds, stops, gate, batch=None):
    """The gradient tensor (or None) for each x; adds one SymbolicGradient op if needed.

    With `batch` (an int), each seed has that many rows, one seed each, and
    each gradient gets a leading dimension of that size: one vectorised
    pullback for a whole Jacobian (`jax.vmap` over the seeds of one vjp).
    """
    stop_op_ids = {id(s._op) for s in stops}
    # TF calls a registered gradient function only for an op that receives a
    # gradient, and an input it returns None for gets nothing through that op
    # (nor asks the ops above it for a gradient, so no LookupError there): the
    # functions are called once each, and the paths recomputed without those edges.
    flows = [_through_integer_cast(y, s, stop_op_ids) for y, s in zip(ys, seeds)]
    cuts = {}
    while True:
        reach, policies = _reaching_ys([y for y, _ in flows], stop_op_ids, cuts)
        ops, forward, blamed = _between(xs, reach, stop_op_ids, policies, cuts)
        new = [op for op in ops if policies[op._id][0] == "function" and op._id not in cuts]
        if not new:
            break
        for op in new:
            cuts[op._id] = gradient_registry.cut_inputs(op)
    for op in ops:
        if policies[op._id][0] == "missing":
            raise gradient_registry.missing_gradient_error(op)
    if blamed:
        raise gradient_registry.missing_gradient_error(blamed[0])

    results = [None] * len(xs)
    # Integer (and other non-differentiable) xs: only a y that *is* x passes its seed.
    for i, x in enumerate(xs):
        if not _differentiable(x):
            passed = [s for y, s in zip(ys, seeds) if y is x]
            if passed:
                results[i] = passed[0] if len(passed) == 1 else apply_op(
                    get_opdef("AddN"), [passed], name="AddN")

    # An x that is itself a y, and reaches no y through an op, gets that y's seed
    # itself: tf.gradients(x, x) is the tensor `gradients/grad_ys_0`, as TF.
    consumed = {id(t) for op in ops for t in op._inputs}
    for i, x in enumerate(xs):
        if _differentiable(x) and id(x) not in consumed:
            passed = [s for y, s in flows if y is x]
            if passed:
                results[i] = passed[0] if len(passed) == 1 else apply_op(
                    get_opdef("AddN"), [passed], name="AddN")
    connected = []
    for x in xs:
        if (_differentiable(x) and id(x) in reach and id(x) in consumed
                and all(c is not x for c in connected)):
            connected.append(x)
    used_ys = [(y, s) for y, s in flows if id(y) in forward]
    if not connected or not used_ys:
        return results if batch else _zeros_for_siblings(xs, results, ops)

    # An op with data-dependent output sizes (tf.where(c), tf.unique) passes no gradient
    # and cannot be traced: its outputs enter the forward sub-graph as values computed
    # in an earlier segment (framework.lowering), so the vjp is traced at their sizes.
    ops = [op for op in ops if not op._opdef.data_dependent]
    functions = {op._id for op in ops if policies[op._id][0] == "function"}
    computed = {id(t) for op in ops for t in op._outputs}
    sparse = {} if batch else _sparse_xs(connected, ops, computed, used_ys, functions)
    # The gathers of a sparse x read from outside run outside the sub-graph too, so
    # that the gradient op does not read x (the gradient of a gradient stays sparse).
    outside = {g._id for x_id, gathers in sparse.items() if x_id not in computed
               for g in gathers}
    if outside:
        ops = [op for op in ops if op._id not in outside]
        computed = {id(t) for op in ops for t in op._outputs}
    # Probes go at every dense x, and at the outputs of the gathers of a sparse x.
    probe_points = [x for x in connected if id(x) not in sparse]
    for gathers in sparse.values():
        probe_points.extend(g._outputs[0] for g in gathers
                            if all(p is not g._outputs[0] for p in probe_points))
    externals, seen = [], set()

    def need(t):
        if id(t) not in computed and id(t) not in seen:
            seen.add(id(t))
            externals.append(t)

    for x in probe_points:
        need(x)
    for op in ops:
        for t in op._inputs:
            need(t)
        if op._id in functions:  # what its gradient function reads besides the op
            for t in gradient_registry.function_gradient(op).external_captures:
                if all(t is not u for u in op._inputs + op._outputs):
                    need(t)
    for y, _ in used_ys:
        need(y)

    label = (f"d({', '.join(y.name for y, _ in used_ys)})/"
             f"d({', '.join(x.name for x in probe_points)})")
    forward_graph = gradient_ops.build_forward(ops, externals, probe_points,
                                               [y for y, _ in used_ys], label)
    outs = apply_op(SYMBOLIC_GRADIENT, [externals + [s for _, s in used_ys]],
                    {"forward": forward_graph, "gate": gate, "batch": batch},
                    name="SymbolicGradient")
    outs = outs if isinstance(outs, tuple) else (outs,)
    # Private (not an attr TF shows): what stop_gradients held, for the pictures (visual).
    outs[0].op._attrs["_stop_gradients"] = tuple(s.name for s in stops)
    by_point = {id(p): g for p, g in zip(probe_points, outs)}
    for i, x in enumerate(xs):
        if id(x) in by_point:
            results[i] = by_point[id(x)]
        elif id(x) in sparse:
            results[i] = _indexed_slices_gradient(x, sparse[id(x)], by_point)
    return results if batch else _zeros_for_siblings(xs, results, ops)


def _identity_rows(n, dtype):
    """The n x n identity, as one_hot(range(n)): XLA builds it from an iota, with no n x n
    constant to embed (tf.eye's gather would embed index arrays)."""
    from tfgrad_jax.ops import array_ops
    return array_ops.one_hot(array_ops.range(n), n, dtype=dtype)


def batch_jacobian(y, uses, stops=()):
    """Per example b, d y[b] / d x[b] for an x whose uses are `uses` (summed): one
    vectorised pullback whose seed k is one at element k of every example (TF's
    batch_jacobian assumes examples independent). None if no use connects."""
    from tfgrad_jax.ops import array_ops
    graph = y.graph
    rest = y.shape[1:]
    k = rest.num_elements()
    if k is None or y.shape.rank is None or y.shape[0] is None:
        raise ValueError(f"batch_jacobian needs the target's shape known when the graph is "
                         f"built; {y.name} has shape {y.shape}.")
    batch = y.shape[0]
    with graph.as_default(), graph.name_scope("batch_jacobian"):
        rows = array_ops.reshape(_identity_rows(k, y.dtype), [k, 1] + rest.as_list())
        seeds = array_ops.broadcast_to(rows, [k, batch] + rest.as_list())
        grads = _build_gradients(graph, [y], list(uses), [seeds], list(stops), False, batch=k)
        grads = [g for g in grads if g is not None]
        if not grads:
            return None
        total = grads[0] if len(grads) == 1 else apply_op(get_opdef("AddN"), [grads])
        x_rest = total.shape.as_list()[2:]
        total = array_ops.transpose(total, [1, 0] + list(range(2, 2 + len(x_rest))))
        return array_ops.reshape(total, [batch] + rest.as_list() + x_rest)


def jacobians(y, xs, stops=(), unconnected_gradients=UnconnectedGradients.NONE):
    """d y / d x for each x, shaped y.shape + x.shape: one vectorised pullback.

    What `GradientTape.jacobian` and `tf.hessians` build on: the seeds are the
    rows of an identity matrix, and one SymbolicGradient op maps the pullback
    over them (`jax.vmap`), never one gradient per element of y. Needs y's
    shape known when the graph is built.
    """
    from tfgrad_jax.ops import array_ops
    graph = y.graph
    n = y.shape.num_elements()
    if n is None:
        raise ValueError(f"A Jacobian needs the shape of its target known when the graph is "
                         f"built; {y.name} has shape {y.shape}.")
    unconnected = unconnected_mode(unconnected_gradients)
    with graph.as_default(), graph.name_scope("jacobian"):
        seeds = array_ops.reshape(_identity_rows(n, y.dtype), [n] + y.shape.as_list())
        grads = _build_gradients(graph, [y], list(xs), [seeds], list(stops), False, batch=n)
        out = []
        for x, g in zip(xs, grads):
            if g is None:
                out.append(None if unconnected is UnconnectedGradients.NONE else
                           array_ops.zeros(y.shape.as_list() + x.shape.as_list(), x.dtype))
            else:
                out.append(array_ops.reshape(g, y.shape.as_list() + x.shape.as_list()))
        return out


def _through_integer_cast(y, seed, stop_op_ids):
    """(y, seed), or (x, cast(seed)) for an integer y = tf.cast(x) given a float seed.

    TF's Cast gradient casts the gradient it receives when both its source type
    and the gradient's type are floating or complex: a float grad_ys given for
    an integer `tf.cast(x, tf.int32)` flows back to x (ones of y's integer dtype
    do not).
    """
    op = y._op
    if (_differentiable(y) or not _differentiable(seed) or op.type != "Cast"
            or id(op) in stop_op_ids or gradient_registry.policy(op)[0] != "autodiff"
            or not _differentiable(op._inputs[0])):
        return y, seed
    from tfgrad_jax.ops.math_ops import cast
    x = op._inputs[0]
    return x, cast(seed, x.dtype)


def _zeros_for_siblings(xs, results, ops):
    """TF: an op that passes gradients gives zeros (not None) for its unused float outputs.

    TF's backprop fills in zeros for the outputs of an op it differentiates that
    received no gradient, and an x that is such an output reads them: with
    `a, b = tf.unstack(x)`, `tf.gradients(a, [b, x])` is `[zeros, ...]`.
    """
    from tfgrad_jax.ops import array_ops
    # (not for a SymbolicGradient op: TF builds one gradient op per input there)
    on_path = {op._id for op in ops if op._opdef is not SYMBOLIC_GRADIENT}
    return [r if r is not None or not _differentiable(x) or x._op._id not in on_path
            else array_ops.zeros_like(x) for x, r in zip(xs, results)]


def _is_row_gather(op, x):
    return (op.type == "GatherV2" and op._inputs[0] is x and op._inputs[1] is not x
            and op._attrs.get("_axis_arg", op._attrs.get("axis", 0)) == 0
            and op._attrs.get("batch_dims", 0) == 0)


def _sparse_xs(connected, ops, computed, used_ys, functions):
    """xs whose every use on the path is a row gather (TF: IndexedSlices), with the gathers."""
    on_path = {op._id for op in ops}
    sparse = {}
    for x in connected:
        if any(y is x for y, _ in used_ys):
            continue
        users = [op for op in x._consumers if op._id in on_path]
        if users and all(_is_row_gather(op, x) and op._id not in functions for op in users):
            sparse[id(x)] = users
    return sparse


def _indexed_slices_gradient(x, gathers, by_point):
    """TF's gradient of gathered params: the output gradients as slices at the indices."""
    from tfgrad_jax.framework.indexed_slices import IndexedSlices
    from tfgrad_jax.ops import array_ops
    row_shape = x.shape.as_list()[1:]
    values, indices = [], []
    for g in gathers:
        values.append(array_ops.reshape(by_point[id(g._outputs[0])], [-1] + row_shape))
        indices.append(array_ops.reshape(g._inputs[1], [-1]))
    if len(gathers) > 1:
        from tfgrad_jax.ops.math_ops import cast
        if len({i.dtype for i in indices}) > 1:  # int32 and int64 indices meet as int64
            indices = [cast(i, dtypes.int64) for i in indices]
        values = array_ops.concat(values, 0)
        indices = array_ops.concat(indices, 0)
    else:
        values, indices = values[0], indices[0]
    return IndexedSlices(values, indices, array_ops.shape(x))


def _fill_unconnected(xs, results, unconnected):
    if unconnected is UnconnectedGradients.NONE:
        return results
    from tfgrad_jax.ops import array_ops
    return [r if r is not None else array_ops.zeros_like(x) for x, r in zip(xs, results)]


public(SYMBOLIC_GRADIENT)(gradients)


def hessians(ys, xs, name="hessians", colocate_gradients_with_ops=False, gate_gradients=False,
             aggregation_method=None):
    """Second derivatives of sum(ys) for each x, shaped shape(x) + shape(x), as `tf.hessians`.

    The gradient, then its Jacobian with respect to x as one vectorised
    pullback (`jacobians`), not one gradient per element as TF's loop does.
    """
    from tfgrad_jax.ops import array_ops
    xs_list = _as_list(xs)
    graph = graph_mod.current_graph_or_none()
    if graph is None:
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. "
                           "Use tf.GradientTape instead.")  # TF's hessians calls tf.gradients
    out = []
    with graph.name_scope(name):
        for x in xs_list:
            (g,) = gradients(ys, [x], gate_gradients=gate_gradients,
                             aggregation_method=aggregation_method)
            if g is None:
                out.append(None)
                continue
            if x.shape.num_elements() is None:
                raise ValueError(f"tf.hessians needs a fully defined shape for {x.name}, "
                                 f"got {x.shape}.")
            flat = array_ops.reshape(convert_to_tensor(g), [-1])
            (hess,) = jacobians(flat, [x], unconnected_gradients="zero")
            out.append(array_ops.reshape(hess, x.shape.as_list() + x.shape.as_list()))
    return out


# ---------------------------------------------------------------------------
# tf.custom_gradient (graph mode).

_custom_gradient_uid = itertools.count()


def custom_gradient(f=None):
    """Decorates `f(*x) -> (y, grad_fn)` so that gradients use `grad_fn(*dy)`, as TF's.

    The forward ops of `f` are built (or run) as usual and the results pass
    through an IdentityN op whose registered gradient calls `grad_fn`, in a
    graph and, eagerly, in the graph a GradientTape records. When `grad_fn`
    takes `variables`, it is called with the variables `f` read and must
    return `(input_grads, variable_grads)`; the variables' gradients flow to
    those reads.
    """
    if f is None:
        return custom_gradient

    def decorated(*args, **kwargs):
        from tfgrad_jax import tape as tape_mod
        graph = graph_mod.current_graph_or_none()
        if graph is None:
            recorder = tape_mod.active_recorder()
            with tape_mod.collecting_reads() as reads:
                result, grad_fn = f(*args, **kwargs)
            if recorder is None:
                return result
            eager_results = [convert_to_tensor(r) for r in nest.flatten(result)]
            first = len(recorder.graph._ops)
            with recorder.graph.as_default():
                outs = _through_custom_gradient(
                    recorder.graph, [recorder.source(r) for r in eager_results],
                    [recorder.source(convert_to_tensor(a)) for a in args],
                    [(v, recorder.source(t)) for v, t in reads], grad_fn)
            recorder.map_results(eager_results, outs)
            tape_mod.note_new_ops(recorder.graph, first)
            return result
        arg_tensors = [convert_to_tensor(a) for a in args]
        with tape_mod.collecting_reads() as reads:
            result, grad_fn = f(*arg_tensors, **kwargs)
        flat_result = [convert_to_tensor(r) for r in nest.flatten(result)]
        outs = _through_custom_gradient(graph, flat_result, arg_tensors, reads, grad_fn)
        return nest.pack_sequence_as(result, outs)

    decorated.__name__ = getattr(f, "__name__", "custom_gradient")
    decorated.__doc__ = getattr(f, "__doc__", None)
    return decorated


def _through_custom_gradient(graph, results, args, reads, grad_fn):
    """IdentityN(results + args + variable reads) with `grad_fn` as its gradient."""
    n_results, n_args = len(results), len(args)
    wants_variables = "variables" in _parameters(grad_fn)
    variables = list({id(v): v for v, _ in reads}.values())
    read_tensors = [t for _, t in reads] if wants_variables else []
    gradient_name = f"CustomGradient-{next(_custom_gradient_uid)}"

    def grad_of_identity_n(op, *grads):
        if wants_variables:
            input_grads, variable_grads = grad_fn(*grads[:n_results], variables=variables)
        else:
            input_grads, variable_grads = grad_fn(*grads[:n_results]), []
        input_grads = list(input_grads) if isinstance(input_grads, (list, tuple)) else [
            input_grads]
        if len(input_grads) != n_args:
            raise ValueError(f"custom_gradient function expected to return {n_args} "
                             f"gradients, but returned {len(input_grads)} instead.")
        by_variable = dict(zip((id(v) for v in variables), list(variable_grads or [])))
        # Each read of a variable takes the variable's gradient once (its reads are summed).
        seen, per_read = set(), []
        for v, _ in reads:
            per_read.append(None if id(v) in seen else by_variable.get(id(v)))
            seen.add(id(v))
        return [None] * n_results + input_grads + (per_read if wants_variables else [])

    gradient_registry.register_in_graph(graph, gradient_name, grad_of_identity_n)
    from tfgrad_jax.ops.array_ops import identity_n
    with graph.gradient_override_map({"IdentityN": gradient_name}):
        outs = identity_n(results + args + read_tensors)
    return list(outs[:n_results])


def _parameters(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


__all__ = ["gradients", "hessians", "custom_gradient", "RegisterGradient", "no_gradient",
           "NotDifferentiable", "UnconnectedGradients", "AggregationMethod", "AUTODIFF"]
