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
  * through an earlier SymbolicGradient op (a gradient of a gradient): only the
    inputs each of its outputs depends on through float values (its jaxpr).

Then one `SymbolicGradient` op is added to the graph. Its lowering evaluates
the sub-graph between xs and ys with a zero "probe" added at each x, and
differentiates with respect to the probes with `jax.vjp`. Adding probes gives
TF's total derivatives for free: an x that also acts through another x (b = 2a)
gets both contributions. Its outputs are ordinary graph tensors, so they can
be used by later ops and differentiated again (`tf.hessians`).
"""

import enum
import inspect
import itertools
import traceback

import jax
import jax.numpy as jnp
from jax import lax

from tfgrad_jax import lowering
from tfgrad_jax.framework import dtypes, nest
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.op_def import (AUTODIFF, NO_GRADIENT, NOT_DIFFERENTIABLE, apply_op,
                                         convert_to_tensor, def_op, get_opdef, make_placeholder,
                                         public, registered_opdefs)
from tfgrad_jax.framework.tensor import SymbolicTensor, Tensor


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

# ---------------------------------------------------------------------------
# The registry of TF-style gradient functions: fn(op, *output_grads) -> input grads.

_GRADIENT_FUNCTIONS = {}


class RegisterGradient:
    """Decorator registering `fn(op, *grads)` as the gradient of an op type.

    As `tf.RegisterGradient`. The function builds graph ops and returns one
    tensor (or None) per op input. Registering a name twice raises KeyError,
    as does registering a type whose declared ops already have a gradient
    (use `Graph.gradient_override_map` to replace it for some ops).
    """

    def __init__(self, op_type):
        if not isinstance(op_type, str):
            raise TypeError("op_type must be a string")
        self._op_type = op_type

    def __call__(self, fn):
        _register(self._op_type, fn)
        return fn


def _register(op_type, fn):
    if op_type in _GRADIENT_FUNCTIONS:
        previous = _GRADIENT_FUNCTIONS[op_type]
        where = getattr(previous, "_registered_at", "an earlier registration")
        raise KeyError(f"Registering two gradient with name '{op_type}'! (Previous "
                       f"registration was in {where})")
    opdef = registered_opdefs().get(op_type)
    if opdef is not None and opdef.grad != NO_GRADIENT:
        raise KeyError(f"Registering two gradient with name '{op_type}'! (Previous "
                       f"registration was in the declaration of op {op_type})")
    if fn is not None:
        try:
            frame = traceback.extract_stack(limit=4)[0]
            fn._registered_at = f"{frame.name} {frame.filename}:{frame.lineno}"
        except (AttributeError, TypeError):
            pass
    _GRADIENT_FUNCTIONS[op_type] = fn


def no_gradient(op_type):
    """Declares that ops of `op_type` pass no gradient (as `tf.no_gradient`)."""
    if not isinstance(op_type, str):
        raise TypeError("op_type must be a string")
    _register(op_type, None)


NotDifferentiable = no_gradient


def _policy(op):
    """How gradients pass through `op`: ('autodiff'|'function'|'none'|'missing', fn).

    TF's lookup order: the op's override (`gradient_override_map`), then the
    registry, then (here) the op's own declaration.
    """
    override = op._attrs.get("_gradient_op_type")
    if override is not None:
        if override not in _GRADIENT_FUNCTIONS:
            return "missing", None
        fn = _GRADIENT_FUNCTIONS[override]
        return ("function", fn) if fn is not None else ("none", None)
    if op.type in _GRADIENT_FUNCTIONS:
        fn = _GRADIENT_FUNCTIONS[op.type]
        return ("function", fn) if fn is not None else ("none", None)
    grad = op._opdef.grad
    if grad == NOT_DIFFERENTIABLE:
        return "none", None
    if grad == NO_GRADIENT:
        return "missing", None
    return "autodiff", None


def _missing_gradient_error(op):
    return LookupError(
        f"No gradient defined for operation '{op.name}' (op type: {op.type}). In general every "
        "operation must have an associated `@tf.RegisterGradient` for correct autodiff, which "
        "this op is lacking. If you want to pretend this operation is a constant in your "
        "program, you may insert `tf.stop_gradient`.")


def _differentiable(t):
    return t.dtype in dtypes.INEXACT


# ---------------------------------------------------------------------------
# The gradient op.

class _GradientPlan:
    """What one SymbolicGradient op computes (plain data, built on the graph).

    `ops`: the ops between xs and ys, in creation order. `external_ids`: ids
    of the tensors they read from outside (the op's first inputs). `probe_ids`:
    ids of the connected xs, which get a probe each. `y_ids`: ids of the ys
    the seeds apply to. `functions`: per op id, the registered gradient graph.
    """

    __slots__ = ("ops", "external_ids", "probe_ids", "probe_avals", "y_ids", "functions",
                 "gate", "label", "deps", "__weakref__")

    def __repr__(self):
        return self.label


class _FunctionGradient:
    """A registered gradient function, built once as a graph: its inputs and results."""

    __slots__ = ("op", "grad_inputs", "boundary", "results", "ops")


def _gradient_lowering(inputs, *, plan):
    n_ext = len(plan.external_ids)
    externals, seeds = inputs[:n_ext], inputs[n_ext:]
    probe_ids = plan.probe_ids
    probe_index = {x: i for i, x in enumerate(probe_ids)}

    def forward(probes, return_xs=False):
        env = dict(zip(plan.external_ids, externals))
        for x_id, i in probe_index.items():
            if x_id in env and probes is not None:  # an x read from outside the sub-graph
                env[x_id] = env[x_id] + probes[i]

        def call(op, ins):
            fg = plan.functions.get(op._id)
            if fg is None:
                outs = op._opdef.call(ins, op._input_lengths, op._attrs)
            else:
                outs = _call_with_function_gradient(fg, ins, env)
            if probes is not None:
                outs = tuple(o + probes[probe_index[id(t)]] if id(t) in probe_index else o
                             for t, o in zip(op._outputs, outs))
            return outs

        lowering.run_ops(plan.ops, env, call)
        if return_xs:
            return [env[x] for x in probe_ids]
        return [env[y] for y in plan.y_ids]

    # TF's gradient of a complex value is the conjugate of JAX's cotangent.
    seeds = [jnp.conj(s) if jnp.iscomplexobj(s) else s for s in seeds]
    if all(isinstance(d, int) for shape, _ in plan.probe_avals for d in shape):
        probes = [jnp.zeros(shape, dtype) for shape, dtype in plan.probe_avals]
    else:  # unknown dims (placeholders with None): take the shapes of this call
        probes = [jnp.zeros(a.shape, a.dtype)
                  for a in jax.eval_shape(lambda: forward(None, return_xs=True))]
    _, pullback = jax.vjp(forward, probes)
    (grads,) = pullback(list(seeds))
    grads = tuple(jnp.conj(g) if jnp.iscomplexobj(g) else g for g in grads)
    if plan.gate:
        grads = lax.optimization_barrier(grads)
    return grads


SYMBOLIC_GRADIENT = def_op("SymbolicGradient", _gradient_lowering, "inputs: N*")


def _gradient_deps(op):
    """Per output of a SymbolicGradient op, the indices of the inputs it depends on.

    TF differentiates its gradient graph op by op, so a gradient connects to an
    input only through floating tensors (x * 3 has gradient 3: no x in it, and
    tf.gradients of it is None). The same is read here from the jaxpr of the
    op's lowering (cached when the op was built): dependencies through floating
    and complex values only, as TF cuts integer and boolean tensors (masks).
    """
    plan = op._attrs["plan"]
    if getattr(plan, "deps", None) is None:
        from tfgrad_jax.framework import op_def as op_def_mod
        try:
            key = op_def_mod._attrs_key(op._opdef, {"plan": plan})
            in_avals = tuple((t._aval.shape, t._aval.dtype) for t in op._inputs)
            jaxpr = op_def_mod._cached_trace(op._opdef, op._input_lengths, key, in_avals)[0]
            deps = _jaxpr_deps(jaxpr.jaxpr, [frozenset([i]) for i in range(len(op._inputs))])
            plan.deps = [set(d) for d in deps]
        except Exception:  # noqa: BLE001 - when in doubt, every input connects
            plan.deps = [set(range(len(op._inputs))) for _ in op._outputs]
    return plan.deps


def _jaxpr_deps(jaxpr, in_deps):
    from jax.extend import core as jcore

    def inexact(v):
        return jnp.issubdtype(getattr(v.aval, "dtype", jnp.int32), jnp.inexact)

    env = {}

    def read(v):
        return frozenset() if isinstance(v, jcore.Literal) else env.get(v, frozenset())

    for v, d in zip(jaxpr.invars, in_deps):
        env[v] = d if inexact(v) else frozenset()
    for eqn in jaxpr.eqns:
        ins = [read(v) for v in eqn.invars]
        subs = [j for j in eqn.params.values() if isinstance(j, (jcore.ClosedJaxpr, jcore.Jaxpr))]
        sub = subs[0].jaxpr if len(subs) == 1 and isinstance(subs[0], jcore.ClosedJaxpr) else (
            subs[0] if len(subs) == 1 else None)
        if eqn.primitive.name == "optimization_barrier":
            outs = ins
        elif sub is not None and len(sub.invars) == len(ins) and len(sub.outvars) == len(
                eqn.outvars):
            outs = _jaxpr_deps(sub, ins)
        else:
            union = frozenset().union(*ins)
            outs = [union] * len(eqn.outvars)
        for v, d in zip(eqn.outvars, outs):
            env[v] = d if inexact(v) else frozenset()
    return [read(v) for v in jaxpr.outvars]


def _call_with_function_gradient(fg, ins, env):
    """Runs an op forward; JAX differentiates it with its registered gradient graph."""
    op = fg.op
    boundary = [env[id(b)] for b in fg.boundary]

    @jax.custom_vjp
    def op_call(ins, boundary):
        return op._opdef.call(list(ins), op._input_lengths, op._attrs)

    def fwd(ins, boundary):
        outs = op_call(ins, boundary)
        return outs, (ins, outs, boundary)

    def bwd(res, cts):
        ins, outs, boundary = res
        sub = {}
        sub.update(zip((id(t) for t in op._inputs), ins))
        sub.update(zip((id(t) for t in op._outputs), outs))
        sub.update(zip((id(t) for t in fg.grad_inputs), cts))
        sub.update(zip((id(t) for t in fg.boundary), boundary))
        lowering.run_ops(fg.ops, sub)
        # None is JAX's symbolic zero: nothing flows back, as for TF's None (a
        # materialised zero would still meet inf * 0 upstream).
        grads = tuple(None if r is None or not jnp.issubdtype(x.dtype, jnp.inexact)
                      else jnp.broadcast_to(sub[id(r)], x.shape).astype(x.dtype)
                      for r, x in zip(fg.results, ins))
        return grads, tuple(None for _ in boundary)

    op_call.defvjp(fwd, bwd)
    return op_call(tuple(ins), tuple(boundary))


def _build_function_gradient(op, fn, graph):
    """Calls a TF-style gradient function once, on placeholders for the output grads."""
    fg = _FunctionGradient()
    fg.op = op
    first_new = len(graph._ops)
    with graph.name_scope(op.name + "_grad"):
        fg.grad_inputs = [make_placeholder(graph, t.dtype, t._aval, "grad", t.shape)
                          for t in op._outputs]
        results = fn(op, *fg.grad_inputs)
    if isinstance(results, Tensor) or results is None:
        results = [results]
    results = list(results)
    if len(results) > len(op._inputs) and all(r is None for r in results[len(op._inputs):]):
        # TF passes axes, shapes and the like as tensor inputs (GatherV2's axis): a
        # function written for TF returns None for them; here they are attributes.
        results = results[:len(op._inputs)]
    if len(results) != len(op._inputs):
        raise ValueError(f"The gradient function of op '{op.name}' (type {op.type}) returned "
                         f"{len(results)} gradients for {len(op._inputs)} inputs.")
    for i, (r, t) in enumerate(zip(results, op._inputs)):
        if r is None:
            continue
        if hasattr(r, "_as_tensor"):
            r = results[i] = r._as_tensor()
        if not isinstance(r, Tensor):
            r = results[i] = convert_to_tensor(r, dtype=t.dtype)
        if not r.shape.is_compatible_with(t.shape) and r.shape.rank is not None and (
                r.shape.num_elements() != 1):
            raise ValueError(
                "Incompatible shapes between op input and calculated input gradient. Forward "
                f"operation: {op.name}. Input index: {i}. Original input shape: {t.shape}. "
                f"Calculated input gradient shape: {r.shape}")
    fg.results = results
    known = {id(t) for t in op._inputs} | {id(t) for t in op._outputs} | {
        id(t) for t in fg.grad_inputs}
    fetched = [r for r in results if r is not None]
    boundary = {}
    for r in fetched:
        if id(r) not in known and r.op._id < first_new:
            boundary[id(r)] = r
    for new_op in lowering.schedule(fetched, known | set(boundary)):
        if new_op._id < first_new:
            continue
        for t in new_op._inputs:
            if id(t) not in known and t.op._id < first_new:
                boundary[id(t)] = t
    fg.boundary = list(boundary.values())
    fg.ops = lowering.schedule(fetched, known | set(boundary))
    return fg


# ---------------------------------------------------------------------------
# tf.gradients.

def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _to_graph_tensor(value, graph, what):
    if hasattr(value, "_gradient_tensor"):  # a variable: differentiate its value
        value = value._gradient_tensor()
    if hasattr(value, "_as_tensor"):
        value = value._as_tensor()
    if value is None:
        raise TypeError(f"`{what}` contains None; expected tensors.")
    if isinstance(value, SymbolicTensor):
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


def _check_unconnected(value):
    try:
        return UnconnectedGradients(value)
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}") from None


def _reaching_ys(ys, stop_op_ids, cuts=None):
    """ids of differentiable tensors from which some y is reached along gradient edges.

    Returns them with the ops that must be asked for a gradient: `missing` (no
    gradient at all) and `functions` (a registered gradient function). `cuts`:
    per op id, the input indices its registered gradient function returns None for.
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
            policy = policies[op._id] = _policy(op)
        if policy[0] == "none":
            continue
        cut = cuts.get(op._id, ())
        if op._opdef is SYMBOLIC_GRADIENT:  # only the inputs this gradient depends on
            cut = set(range(len(op._inputs))) - _gradient_deps(op)[t._value_index]
        for i, inp in enumerate(op._inputs):
            if id(inp) not in reach and _differentiable(inp) and i not in cut:
                stack.append(inp)
    return reach, policies


def _between(xs, reach, stop_op_ids, policies, cuts=None):
    """Ops on a gradient path from some x to some y, in creation order; and F's ids."""
    cuts = cuts or {}
    forward = set()
    ops = {}
    stack = [x for x in xs if id(x) in reach]
    while stack:
        t = stack.pop()
        if id(t) in forward:
            continue
        forward.add(id(t))
        for op in t._consumers:
            if id(op) in stop_op_ids or (op._id in ops and op._opdef is not SYMBOLIC_GRADIENT):
                continue  # (a gradient op's outputs depend on different inputs)
            policy = policies.get(op._id)
            if policy is None or policy[0] == "none":
                continue
            cut = cuts.get(op._id, ())
            if cut and all(i in cut for i, inp in enumerate(op._inputs) if inp is t):
                continue  # its gradient function returns None for t
            outs = [o for o in op._outputs if id(o) in reach]
            if op._opdef is SYMBOLIC_GRADIENT:
                at = {i for i, inp in enumerate(op._inputs) if inp is t}
                outs = [o for o in outs if _gradient_deps(op)[o._value_index] & at]
            if not outs:
                continue
            ops[op._id] = op
            stack.extend(outs)
    return [ops[i] for i in sorted(ops)], forward


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
    unconnected = _check_unconnected(unconnected_gradients)
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
        xs_t = [_to_graph_tensor(x, graph, "xs") for x in xs_list]
        stops = [_to_graph_tensor(s, graph, "stop_gradients") for s in stop_list]
        seeds = _default_grad_ys(ys_t, grad_ys_list)
        results = _build_gradients(graph, ys_t, xs_t, seeds, stops, bool(gate_gradients))
        return _fill_unconnected(xs_t, results, unconnected)


def _build_gradients(graph, ys, xs, seeds, stops, gate):
    """The gradient tensor (or None) for each x; adds one SymbolicGradient op if needed."""
    stop_op_ids = {id(s._op) for s in stops}
    # TF calls a registered gradient function only for an op that receives a
    # gradient, and an input it returns None for gets nothing through that op
    # (nor asks the ops above it for a gradient, so no LookupError there): the
    # functions are called once each, and the paths recomputed without those edges.
    flows = [_through_integer_cast(y, s, stop_op_ids) for y, s in zip(ys, seeds)]
    built, cuts = {}, {}
    while True:
        reach, policies = _reaching_ys([y for y, _ in flows], stop_op_ids, cuts)
        ops, forward = _between(xs, reach, stop_op_ids, policies, cuts)
        new = [op for op in ops if policies[op._id][0] == "function" and op._id not in built]
        if not new:
            break
        for op in new:
            fg = built[op._id] = _build_function_gradient(op, policies[op._id][1], graph)
            cuts[op._id] = {i for i, r in enumerate(fg.results) if r is None}
    for op in ops:
        if policies[op._id][0] == "missing":
            raise _missing_gradient_error(op)

    results = [None] * len(xs)
    # Integer (and other non-differentiable) xs: only a y that *is* x passes its seed.
    for i, x in enumerate(xs):
        if not _differentiable(x):
            passed = [s for y, s in zip(ys, seeds) if y is x]
            if passed:
                results[i] = passed[0] if len(passed) == 1 else apply_op(
                    get_opdef("AddN"), [passed], name="AddN")

    connected = []
    for x in xs:
        if _differentiable(x) and id(x) in reach and all(c is not x for c in connected):
            connected.append(x)
    used_ys = [(y, s) for y, s in flows if id(y) in forward]
    if not connected or not used_ys:
        return _zeros_for_siblings(xs, results, ops)

    functions = {op._id: built[op._id] for op in ops if policies[op._id][0] == "function"}
    computed = {id(t) for op in ops for t in op._outputs}
    sparse = _sparse_xs(connected, ops, computed, used_ys, functions)
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
    for fg in functions.values():
        for t in fg.boundary:
            need(t)
    for y, _ in used_ys:
        need(y)

    plan = _GradientPlan()
    plan.ops = ops
    plan.external_ids = [id(t) for t in externals]
    plan.probe_ids = [id(x) for x in probe_points]
    plan.probe_avals = [(x._aval.shape, x._aval.dtype) for x in probe_points]
    plan.y_ids = [id(y) for y, _ in used_ys]
    plan.functions = functions
    plan.gate = gate
    plan.label = (f"d({', '.join(y.name for y, _ in used_ys)})/"
                  f"d({', '.join(x.name for x in probe_points)})")
    outs = apply_op(SYMBOLIC_GRADIENT, [externals + [s for _, s in used_ys]], {"plan": plan},
                    name="SymbolicGradient")
    outs = outs if isinstance(outs, tuple) else (outs,)
    by_point = {id(p): g for p, g in zip(probe_points, outs)}
    for i, x in enumerate(xs):
        if id(x) in by_point:
            results[i] = by_point[id(x)]
        elif id(x) in sparse:
            results[i] = _indexed_slices_gradient(x, sparse[id(x)], by_point)
    return _zeros_for_siblings(xs, results, ops)


def _through_integer_cast(y, seed, stop_op_ids):
    """(y, seed), or (x, cast(seed)) for an integer y = tf.cast(x) given a float seed.

    TF's Cast gradient casts the gradient it receives when both its source type
    and the gradient's type are floating or complex: a float grad_ys given for
    an integer `tf.cast(x, tf.int32)` flows back to x (ones of y's integer dtype
    do not).
    """
    op = y._op
    if (_differentiable(y) or not _differentiable(seed) or op.type != "Cast"
            or id(op) in stop_op_ids or _policy(op)[0] != "autodiff"
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

    Built from tf.gradients twice: one gradient per element of the first
    gradient (as TF's loop does), stacked and reshaped.
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
            n = x.shape.num_elements()
            if n is None:
                raise ValueError(f"tf.hessians needs a fully defined shape for {x.name}, "
                                 f"got {x.shape}.")
            flat = array_ops.reshape(g, [-1])
            rows = []
            for i in range(n):
                (row,) = gradients(flat[i], [x], unconnected_gradients="zero")
                rows.append(array_ops.reshape(row, [-1]))
            hess = array_ops.stack(rows) if rows else array_ops.zeros([0, 0], x.dtype)
            out.append(array_ops.reshape(hess, x.shape.as_list() + x.shape.as_list()))
    return out


# ---------------------------------------------------------------------------
# tf.custom_gradient (graph mode).

_custom_gradient_uid = itertools.count()


def custom_gradient(f=None):
    """Decorates `f(*x) -> (y, grad_fn)` so that tf.gradients uses `grad_fn(*dy)`.

    As `tf.custom_gradient` in graph mode: the forward ops of `f` are built
    as usual and the results pass through an IdentityN op whose registered
    gradient calls `grad_fn`. When `grad_fn` takes `variables`, it is called
    with `variables=[]` and must return `(input_grads, variable_grads)`.
    Eagerly, `f` runs and its value is returned (there is no tape yet).
    """
    if f is None:
        return custom_gradient

    def decorated(*args, **kwargs):
        graph = graph_mod.current_graph_or_none()
        if graph is None:
            result, _ = f(*args, **kwargs)
            return result
        arg_tensors = [convert_to_tensor(a) for a in args]
        result, grad_fn = f(*arg_tensors, **kwargs)
        flat_result = [convert_to_tensor(r) for r in nest.flatten(result)]
        n_results = len(flat_result)
        wants_variables = "variables" in _parameters(grad_fn)
        gradient_name = f"CustomGradient-{next(_custom_gradient_uid)}"

        def grad_of_identity_n(op, *grads):
            if wants_variables:
                input_grads, _ = grad_fn(*grads[:n_results], variables=[])
            else:
                input_grads = grad_fn(*grads[:n_results])
            input_grads = list(input_grads) if isinstance(input_grads, (list, tuple)) else [
                input_grads]
            if len(input_grads) != len(arg_tensors):
                raise ValueError(f"custom_gradient function expected to return "
                                 f"{len(arg_tensors)} gradients, but returned "
                                 f"{len(input_grads)} instead.")
            return [None] * n_results + input_grads

        _register(gradient_name, grad_of_identity_n)
        from tfgrad_jax.ops.array_ops import identity_n
        with graph.gradient_override_map({"IdentityN": gradient_name}):
            outs = identity_n(flat_result + arg_tensors)
        return nest.pack_sequence_as(result, list(outs[:n_results]))

    decorated.__name__ = getattr(f, "__name__", "custom_gradient")
    decorated.__doc__ = getattr(f, "__doc__", None)
    return decorated


def _parameters(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


__all__ = ["gradients", "hessians", "custom_gradient", "RegisterGradient", "no_gradient",
           "NotDifferentiable", "UnconnectedGradients", "AggregationMethod", "AUTODIFF"]
