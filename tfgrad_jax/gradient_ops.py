"""The ops `tf.gradients` adds, and the sub-graphs they carry.

`SymbolicGradient` carries one closed FuncGraph, `forward`: a copy of the ops
between xs and ys. Its inputs are the tensors those ops read from outside
(the op's first inputs), then one "probe" per x, added to x where x is made
(`x + probe`); its outputs are the ys. The op's lowering evaluates `forward`
with zero probes and differentiates with respect to them (`jax.vjp`), seeded
with grad_ys (the op's last inputs). Adding probes gives TF's total
derivatives: an x that also acts through another x (b = 2a) gets both
contributions.

`forward` is built for differentiation (`differentiable_copy`): an op with a
registered gradient function becomes a `CallWithGradient` op, which JAX
differentiates with that function's graph (a `jax.custom_vjp`); an op that
passes no gradient has its outputs stopped; an op carrying sub-graphs carries
their differentiable copies. Copies of sub-graphs are cached on the graph
they copy.

Whether a gradient output depends on an input (for a gradient of a gradient)
is read from the jaxpr of the op's lowering: TF differentiates its gradient
graph op by op, so only float dependencies count (d(3x)/dx = 3 does not
depend on x).
"""

import jax
import jax.numpy as jnp
from jax import lax
from jax.extend import core as jcore

from tfgrad_jax import gradient_registry
from tfgrad_jax.framework import dtypes, lowering
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.func_graph import FuncGraph
from tfgrad_jax.framework.op_def import def_op, make_placeholder
from tfgrad_jax.framework.tensor import SymbolicTensor


def _inexact(t):
    return t.dtype in dtypes.INEXACT


# ---------------------------------------------------------------------------
# Copying ops and graphs.

def new_op(graph, opdef, name, inputs, input_lengths, attrs, out_avals, device=""):
    """Adds an op whose output avals are already known (a copy); returns its outputs."""
    op = graph_mod.Operation(graph, opdef, graph.unique_name(name), list(inputs), input_lengths,
                             attrs, [], device)
    op._outputs = tuple(SymbolicTensor(op, i, a) for i, a in enumerate(out_avals))
    graph._add_op(op)
    return op._outputs


def copy_op(op, inputs, graph, attrs=None):
    """A copy of `op` in `graph` reading `inputs` (same avals); returns its outputs."""
    outputs = new_op(graph, op._opdef, op.name, inputs, op._input_lengths,
                     dict(op._attrs if attrs is None else attrs),
                     [t._aval for t in op._outputs], op._device)
    for old, t in zip(op._outputs, outputs):
        t._shape = old._shape  # what TF knows, which may be less than the aval
    return outputs


def _copy_attrs(op):
    """The op's attrs with each sub-graph replaced by its differentiable copy."""
    attrs = {k: v for k, v in op._attrs.items() if k not in ("_gradient_function",
                                                             "_gradient_deps")}
    for name in op._opdef.graph_attrs:
        value = attrs.get(name)
        if isinstance(value, (tuple, list)):
            attrs[name] = type(value)(differentiable_copy(g) for g in value)
        elif value is not None:
            attrs[name] = differentiable_copy(value)
    return attrs


def copy_for_gradient(op, mapping, graph):
    """`op` copied into `graph` so that JAX differentiates it as TF would; returns outputs.

    `mapping`: id of a tensor of the op's graph -> the tensor standing for it
    in `graph` (the op's inputs, and what a gradient function reads).
    """
    from tfgrad_jax.ops.array_ops import stop_gradient
    inputs = [mapping[id(t)] for t in op._inputs]
    kind, _ = gradient_registry.policy(op)
    if kind == "function" and any(_inexact(t) for t in op._inputs) and any(
            _inexact(t) for t in op._outputs):
        return _call_with_gradient(op, mapping, graph)
    outputs = copy_op(op, inputs, graph, attrs=_copy_attrs(op))
    if kind in ("none", "missing", "function"):
        # No gradient passes (a missing one is a LookupError when it is on the path; off the
        # path stopping it changes nothing).
        with graph.as_default():
            outputs = tuple(stop_gradient(t) if _inexact(t) else t for t in outputs)
    return outputs


def differentiable_copy(func_graph):
    """A copy of `func_graph` whose ops JAX differentiates with TF's rules (module docstring).

    Same inputs, captures (the same outer tensors, in the same order) and
    outputs; cached on `func_graph`. A graph built for differentiation already
    (a gradient's `forward`) is its own copy.
    """
    if getattr(func_graph, "differentiable", False):
        return func_graph
    return func_graph.cached("differentiable_copy", lambda: _copy_graph(func_graph))


def _copy_graph(source):
    graph = FuncGraph(source.name + "_differentiable")
    graph.differentiable = True
    graph.seed = source.seed
    mapping = {}
    with graph.as_default():
        for t in source.all_inputs:
            ph = make_placeholder(graph, t.dtype, t._aval, t.op.name, t.shape)
            ph._shape = t._shape
            mapping[id(t)] = ph
        graph.inputs = [mapping[id(t)] for t in source.inputs]
        graph._capture_list = [(ext, mapping[id(ph)]) for ext, ph in source.captures]
        graph._capture_roots = list(source._capture_roots)
        for op in source._ops:
            if all(id(t) in mapping for t in op._outputs) and op._outputs:
                continue  # an input placeholder
            for old, new in zip(op._outputs, copy_for_gradient(op, mapping, graph)):
                mapping[id(old)] = new
    graph.outputs = [mapping[id(t)] for t in source.outputs]
    graph.structured_outputs = source.structured_outputs
    return graph


# ---------------------------------------------------------------------------
# An op with a registered gradient function.

def _call_with_gradient(op, mapping, graph):
    """`op` as a CallWithGradient op in `graph`: its forward pass and its gradient graph."""
    gradient = gradient_registry.function_gradient(op)
    forward = FuncGraph(op.name + "_forward")
    forward.differentiable = True
    with forward.as_default():
        forward.inputs = [make_placeholder(forward, t.dtype, t._aval, "input", t.shape)
                          for t in op._inputs]
        forward.outputs = list(copy_op(op, forward.inputs, forward))
    # Where each value the gradient graph captured comes from: an input or output of
    # the op, or another tensor ("boundary"), passed as an extra input.
    sources, boundary = [], []
    for ext in gradient.external_captures:
        where = _position(op._inputs, ext, "input") or _position(op._outputs, ext, "output")
        if where is None:
            if id(ext) not in mapping:
                raise LookupError(f"The gradient function of {op.name} reads {ext.name}, "
                                  f"which is not available where {op.name} is "
                                  "differentiated.")
            where = ("boundary", len(boundary))
            boundary.append(mapping[id(ext)])
        sources.append(where)
    inputs = [mapping[id(t)] for t in op._inputs] + boundary
    return new_op(graph, CALL_WITH_GRADIENT, op.name, inputs, (len(inputs),),
                  {"forward": forward, "gradient": gradient, "n_inputs": len(op._inputs),
                   "capture_sources": tuple(sources)},
                  [t._aval for t in op._outputs], op._device)


def _position(tensors, t, kind):
    for i, u in enumerate(tensors):
        if u is t:
            return (kind, i)
    return None


def _call_with_gradient_lowering(args, *, forward, gradient, n_inputs, capture_sources):
    forward_fn, gradient_fn = lowering.lower_graph(forward), lowering.lower_graph(gradient)
    results = gradient.structured_outputs

    @jax.custom_vjp
    def call(ins, boundary):
        return tuple(forward_fn(*ins))

    def fwd(ins, boundary):
        outs = call(ins, boundary)
        return outs, (ins, outs, boundary)

    def bwd(residuals, cts):
        ins, outs, boundary = residuals
        values = {"input": ins, "output": outs, "boundary": boundary}
        captured = [values[kind][i] for kind, i in capture_sources]
        computed = iter(gradient_fn(*cts, *captured))
        # None is JAX's symbolic zero: nothing flows back, as for TF's None (a
        # materialised zero would still meet inf * 0 upstream).
        grads = []
        for r, x in zip(results, ins):
            g = None if r is None else next(computed)
            grads.append(None if g is None or not jnp.issubdtype(x.dtype, jnp.inexact)
                         else jnp.broadcast_to(g, x.shape).astype(x.dtype))
        return tuple(grads), tuple(None for _ in boundary)

    call.defvjp(fwd, bwd)
    return call(tuple(args[:n_inputs]), tuple(args[n_inputs:]))


def _call_with_gradient_deps(op, graph_deps):
    cut = {i for i, r in enumerate(op.get_attr("gradient").structured_outputs) if r is None}
    n = op.get_attr("n_inputs")
    return [{i: None for i in range(n) if i not in cut} for _ in op._outputs]


# An op forwarded as it is, differentiated with a TF gradient function (a sub-graph).
CALL_WITH_GRADIENT = def_op("CallWithGradient", _call_with_gradient_lowering, "args: N*",
                            graph_attrs=("forward", "gradient"), deps=_call_with_gradient_deps,
                            out_avals=lambda inputs, attrs: [t._aval for t in
                                                             attrs["forward"].outputs])


# ---------------------------------------------------------------------------
# SymbolicGradient.

def build_forward(ops, externals, probe_points, ys, name):
    """The `forward` FuncGraph of a SymbolicGradient op (module docstring)."""
    from tfgrad_jax.ops.math_ops import add
    graph = FuncGraph(name)
    graph.differentiable = True
    mapping = {}  # outer tensor id -> the tensor standing for it here
    with graph.as_default():
        for t in externals:
            mapping[id(t)] = make_placeholder(graph, t.dtype, t._aval, t.op.name, t.shape)
        probes = {id(x): make_placeholder(graph, x.dtype, x._aval, "probe", x.shape)
                  for x in probe_points}
        graph.inputs = [mapping[id(t)] for t in externals] + [probes[id(x)]
                                                              for x in probe_points]
        targets = {}

        def probed(t):
            if id(t) in probes:
                targets[id(t)] = mapping[id(t)]
                mapping[id(t)] = add(mapping[id(t)], probes[id(t)], name="add_probe")

        for t in externals:
            probed(t)
        for op in ops:
            for old, new in zip(op._outputs, copy_for_gradient(op, mapping, graph)):
                mapping[id(old)] = new
                probed(old)
    graph.probe_targets = [targets[id(x)] for x in probe_points]
    graph.outputs = [mapping[id(y)] for y in ys]
    return graph


def _gradient_lowering(inputs, *, forward, gate, batch=None):
    n_probes = len(forward.probe_targets)
    n_ext = len(forward.inputs) - n_probes
    externals, seeds = inputs[:n_ext], inputs[n_ext:]
    forward_fn = lowering.lower_graph(forward)
    avals = [t._aval for t in forward.probe_targets]
    if any(a.shape is None or not all(isinstance(d, int) for d in a.shape)
           for a in avals):  # None dims or unknown rank: this call's
        targets_fn = lowering.lower(forward.inputs[:n_ext], forward.probe_targets)
        avals = jax.eval_shape(lambda: targets_fn(*externals))
    probes = [jnp.zeros(a.shape, a.dtype) for a in avals]
    # TF's gradient of a complex value is the conjugate of JAX's cotangent.
    seeds = [jnp.conj(s) if jnp.iscomplexobj(s) else jnp.asarray(s) for s in seeds]
    with lowering.reverse_mode():
        _, pullback = jax.vjp(lambda p: forward_fn(*externals, *p), probes)
    if batch:  # one seed per row: the rows of a Jacobian, in one vectorised pullback
        (grads,) = jax.vmap(lambda *rows: pullback(list(rows)))(*seeds)
    else:
        (grads,) = pullback(list(seeds))
    grads = tuple(jnp.conj(g) if jnp.iscomplexobj(g) else g for g in grads)
    if gate:
        grads = lax.optimization_barrier(grads)
    return grads


def _gradient_deps(op, graph_deps):
    """Per output, the inputs it depends on through float values (from the jaxpr)."""
    cached = op._attrs.get("_gradient_deps")
    if cached is not None:
        return cached
    try:
        avals = [jax.ShapeDtypeStruct(_probe_shape(t._aval.shape), t._aval.dtype)
                 for t in op._inputs]
        jaxpr = jax.make_jaxpr(
            lambda *a: op._opdef.call(list(a), op._input_lengths, op._attrs))(*avals)
        deps = _jaxpr_deps(jaxpr.jaxpr, [frozenset([i]) for i in range(len(avals))])
    except Exception:  # noqa: BLE001 - when in doubt, every input connects
        deps = [frozenset(range(len(op._inputs)))] * len(op._outputs)
    deps = op._attrs["_gradient_deps"] = [{i: None for i in d} for d in deps]
    return deps


SYMBOLIC_GRADIENT = def_op("SymbolicGradient", _gradient_lowering, "inputs: N*",
                           graph_attrs=("forward",), deps=_gradient_deps,
                           out_avals=lambda inputs, attrs: _gradient_avals(attrs))


def _probe_shape(shape):
    # Which inputs reach which outputs does not depend on the shapes: an input of
    # unknown rank is traced as a scalar.
    return () if shape is None else shape


def _gradient_avals(attrs):
    """A gradient has its x's shape and dtype (after the rows of a batch of seeds)."""
    batch = attrs.get("batch")
    return [graph_mod.UnknownRankAval(t._aval.dtype) if t._aval.shape is None else
            jax.ShapeDtypeStruct(((batch,) if batch else ()) + tuple(t._aval.shape),
                                 t._aval.dtype) for t in attrs["forward"].probe_targets]


def _jaxpr_deps(jaxpr, in_deps):
    """Per output of `jaxpr`, the union of `in_deps` it depends on through inexact values."""
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
        elif eqn.primitive.name == "scan" and sub is not None:
            outs = _scan_deps(sub, ins, eqn.params["num_consts"], eqn.params["num_carry"])
        elif sub is not None and len(sub.invars) == len(ins) and len(sub.outvars) == len(
                eqn.outvars):
            outs = _jaxpr_deps(sub, ins)
        else:
            union = frozenset().union(*ins)
            outs = [union] * len(eqn.outvars)
        for v, d in zip(eqn.outvars, outs):
            env[v] = d if inexact(v) else frozenset()
    return [read(v) for v in jaxpr.outvars]


def _scan_deps(body, ins, num_consts, num_carry):
    """A scan's dependencies: its body's, iterated until the carry's stop growing."""
    carry = list(ins[num_consts:num_consts + num_carry])
    while True:
        outs = _jaxpr_deps(body, ins[:num_consts] + carry + ins[num_consts + num_carry:])
        grown = [c | o for c, o in zip(carry, outs[:num_carry])]
        if grown == carry:
            return grown + outs[num_carry:]
        carry = grown
