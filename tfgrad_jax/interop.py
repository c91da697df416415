"""The JAX bridge: our graphs as JAX functions (`to_jax`), JAX functions as ops (`from_jax`).

`to_jax(fn)` turns a `tf.function`, a `ConcreteFunction` or a TF-1 graph (with
named inputs and outputs) into a plain JAX function of arrays. It is one JAX
primitive (`tf_graph_call`) whose rules keep TF's gradient semantics:

* evaluation, `jax.jit` and `jax.vmap` run the lowered graph;
* `jax.jvp` and `jax.jacfwd` (forward mode) push tangents through the graph
  with JAX's own derivative of each op (TF has no forward-mode rules);
* reverse mode (`jax.grad`, `jax.vjp`, `jax.jacrev`) transposes that linear
  map with TF's rules: the pullback is `tf.gradients` of the graph, so
  registered and overridden gradient functions and the ops' TF rules apply,
  exactly as `tf.gradients` gives them. (At a kink such as `abs` at 0 the two
  modes can differ, as TF's rule and JAX's do; `tfgrad_jax.check` shows it.)

`from_jax(jax_fn)` is the other way: an op (`JaxCall`) that calls a JAX
function inside a graph, with output shapes from `jax.eval_shape`, which
`tf.gradients` differentiates with JAX's autodiff.
"""

import jax
import jax.numpy as jnp
import numpy as np

from tfgrad_jax.framework import dtypes, lowering, op_def
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.op_def import apply_op, def_op, public
from tfgrad_jax.framework.tensor import Tensor
from tfgrad_jax.framework.tensor_spec import TensorSpec

__all__ = ["to_jax", "from_jax"]


# ---------------------------------------------------------------------------
# to_jax.

class _GraphCall:
    """One graph, as JAX needs it: inputs, outputs, the captured tensors and their
    values, and (built on first use) the TF-rules pullback. Passed to the primitives
    as a parameter (hashed by identity, so JAX's caches key on it)."""

    def __init__(self, inputs, outputs, captured, capture_values, name, structured=None):
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.captured = list(captured)
        self.capture_values = list(capture_values)
        self.name = name
        self.structured = structured
        self.forward = lowering.lower(self.inputs + self.captured, self.outputs)
        self.float_inputs = [i for i, t in enumerate(self.inputs) if t.dtype.is_floating]
        self.n_inputs, self.n_outputs = len(self.inputs), len(self.outputs)
        self._pullback = None

    def run(self, *args):
        return self.forward(*args, *self.capture_values)

    def pullback(self):
        """The graph of TF's gradients of sum(seeds * outputs) with respect to the float
        inputs, as a _GraphCall of (inputs..., seeds...): called through the primitive,
        so that it is differentiated again with TF's rules (forward over reverse too)."""
        if self._pullback is None:
            from tfgrad_jax.framework.op_def import make_placeholder
            from tfgrad_jax.gradients import gradients
            graph = (self.inputs or self.outputs)[0].graph
            with graph.as_default():
                seeds = [make_placeholder(graph, t.dtype, t._aval, f"{self.name}_seed",
                                          t.shape) for t in self.outputs]
                grads = gradients(self.outputs, [self.inputs[i] for i in self.float_inputs],
                                  grad_ys=seeds, unconnected_gradients="zero")
            self._pullback = _GraphCall(self.inputs + seeds, grads, self.captured,
                                        self.capture_values, f"{self.name}_gradient")
        return self._pullback


def _out_avals(call, in_avals):
    out = jax.eval_shape(call.run, *[jax.ShapeDtypeStruct(a.shape, a.dtype) for a in in_avals])
    return [jax.core.ShapedArray(o.shape, o.dtype) for o in out]


# The two primitives, made on first use of to_jax (so that importing tfgrad_jax does not
# depend on JAX's internal modules): `call` runs a graph; `tangent` is its tangent map,
# linear in the tangents (the last arguments, after the primals), whose transpose is
# TF's pullback.
_P = {}


def _primitives():
    if not _P:
        from jax.extend.core import Primitive
        from jax.interpreters import ad, batching, mlir
        call_p, tangent_p = Primitive("tf_graph_call"), Primitive("tf_graph_tangent")
        _P.update(call=call_p, tangent=tangent_p, ad=ad)
        for p in (call_p, tangent_p):
            p.multiple_results = True
        call_p.def_impl(lambda *args, call: call.run(*args))
        call_p.def_abstract_eval(lambda *avals, call: _out_avals(call, avals))
        mlir.register_lowering(call_p, mlir.lower_fun(lambda *args, call: call.run(*args),
                                                      multiple_results=True))
        tangent_p.def_impl(_tangent_impl)
        tangent_p.def_abstract_eval(lambda *avals, call: _out_avals(call,
                                                                    avals[:call.n_inputs]))
        mlir.register_lowering(tangent_p, mlir.lower_fun(_tangent_impl, multiple_results=True))
        ad.primitive_jvps[call_p] = _call_jvp
        ad.primitive_transposes[tangent_p] = _tangent_transpose
        batching.primitive_batchers[call_p] = _batch_call
        batching.primitive_batchers[tangent_p] = _batch_tangent
    return _P


def _tangent_impl(*args, call):
    n = call.n_inputs
    primals, tangents = list(args[:n]), args[n:]

    def along_floats(*floats):
        xs = list(primals)
        for i, v in zip(call.float_inputs, floats):
            xs[i] = v
        return call.run(*xs)

    with op_def.jax_autodiff_rules():  # forward mode: TF has no rules for it
        _, out = jax.jvp(along_floats, [primals[i] for i in call.float_inputs], list(tangents))
    return out



def _call_jvp(primals, tangents, *, call):
    ad = _P["ad"]
    outs = _P["call"].bind(*primals, call=call)
    floats = [ad.instantiate_zeros(tangents[i]) for i in call.float_inputs]
    if not floats:
        return outs, [ad.Zero.from_primal_value(o) for o in outs]
    return outs, _P["tangent"].bind(*primals, *floats, call=call)


def _tangent_transpose(cotangents, *args, call):
    ad = _P["ad"]
    n = call.n_inputs
    primals = args[:n]
    if any(ad.is_undefined_primal(p) for p in primals):
        raise NotImplementedError("to_jax: the primal inputs of a graph are not linear.")
    cts = [jnp.zeros(o.shape, o.dtype) if type(c) is ad.Zero else c
           for c, o in zip(cotangents, _out_avals(call, [jax.typeof(p)
                                                          for p in primals]))]
    grads = _P["call"].bind(*primals, *cts, call=call.pullback())
    return [None] * n + list(grads)


class _BatchedCall:
    """A call mapped over a leading batch axis of some arguments (`in_axes`: 0 or None
    each), as `jax.vmap` makes of it: the graph still runs through the primitives, so
    TF's rules still apply to a gradient taken under or over `vmap`. Outputs in
    `summed` are summed over the batch (a gradient for an argument not mapped)."""

    def __init__(self, base, in_axes, summed=()):
        self.base = base
        self.in_axes = tuple(in_axes)
        self.summed = frozenset(summed)
        self.float_inputs = base.float_inputs
        self.n_inputs, self.n_outputs = base.n_inputs, base.n_outputs
        self.name = base.name

    def run(self, *args):
        outs = jax.vmap(self.base.run, in_axes=self.in_axes)(*args)
        return [jnp.sum(o, 0) if i in self.summed else o for i, o in enumerate(outs)]

    def pullback(self):
        # The cotangents have the outputs' batch axis (none for a summed output); the
        # gradient of an argument not mapped is summed over the batch.
        axes = self.in_axes + tuple(None if i in self.summed else 0
                                    for i in range(self.n_outputs))
        summed = [k for k, i in enumerate(self.float_inputs) if self.in_axes[i] is None]
        return _batched(self.base.pullback(), axes, summed)


def _batched(call, in_axes, summed=()):
    """The _BatchedCall of `call` for `in_axes`, one per axes (JAX caches by identity)."""
    cache = call.__dict__.setdefault("_batched_calls", {})
    key = (tuple(in_axes), tuple(summed))
    if key not in cache:
        cache[key] = _BatchedCall(call, *key)
    return cache[key]


def _batch_call(args, dims, *, call):
    moved = [a if d is None else jnp.moveaxis(a, d, 0) for a, d in zip(args, dims)]
    outs = _P["call"].bind(*moved, call=_batched(call, [None if d is None else 0
                                                        for d in dims]))
    return outs, [0] * len(outs)


def _batch_tangent(args, dims, *, call):
    # A tangent must have its primal's shape: every argument gets the batch axis.
    size = next(a.shape[d] for a, d in zip(args, dims) if d is not None)
    moved = [jnp.broadcast_to(a, (size,) + a.shape) if d is None else jnp.moveaxis(a, d, 0)
             for a, d in zip(args, dims)]
    outs = _P["tangent"].bind(*moved, call=_batched(call, (0,) * call.n_inputs))
    return outs, [0] * len(outs)


class _JaxFunction:
    """The JAX function `to_jax` returns: arrays in, arrays (structured as `fn`'s) out."""

    def __init__(self, calls_for, pack, name):
        self._calls_for = calls_for
        self._pack = pack
        self.__name__ = name

    def __call__(self, *args):
        call = self._calls_for(args)
        outs = _primitives()["call"].bind(*[jnp.asarray(a) for a in args], call=call)
        return self._pack(call, outs)

    def __repr__(self):
        return f"<to_jax({self.__name__})>"


def _concrete_call(concrete):
    return _GraphCall(concrete.graph.inputs, concrete.outputs, concrete.graph.internal_captures,
                      concrete._capture_values(), concrete.graph.name, structured=concrete)


def _pack_concrete(call, outs):
    from tfgrad_jax.framework import nest
    concrete = call.structured
    if concrete._single_output:
        return outs[0]
    it = iter(outs)
    leaves = [next(it) if isinstance(leaf, Tensor) else leaf
              for leaf in nest.flatten(concrete.structured_outputs)]
    return nest.pack_sequence_as(concrete.structured_outputs, leaves)


def _spec(a):
    return TensorSpec(np.shape(a), dtypes.as_dtype(np.dtype(a.dtype)))


def to_jax(fn, inputs=None, outputs=None):
    """A JAX function computing `fn`, differentiable by JAX with TF's gradient rules.

    `fn`: a `tf.function` (traced per input shapes and dtypes, as calling it
    does), a `ConcreteFunction`, or a TF-1 `tf.Graph` with `inputs` and
    `outputs` given as lists of tensors or tensor names ("x:0"); the result
    takes arrays for `inputs` and returns a list of arrays for `outputs`. The
    function works under `jax.jit`, `jax.vmap`, `jax.grad`, `jax.vjp`,
    `jax.jacrev`, `jax.jvp` and `jax.jacfwd` (the module docstring says which
    rules each uses). Variables the function reads are read when it is
    converted (their values are constants of the JAX function). Not a TF function.
    """
    from tfgrad_jax.function import ConcreteFunction, Function
    if isinstance(fn, ConcreteFunction):
        call = _concrete_call(fn)
        return _JaxFunction(lambda args: call, _pack_concrete, fn.graph.name)
    if isinstance(fn, Function):
        cache = {}

        def calls_for(args):
            specs = tuple(_spec(a) for a in args)
            key = tuple((tuple(s.shape.as_list()), s.dtype) for s in specs)
            if key not in cache:
                cache[key] = _concrete_call(fn.get_concrete_function(*specs))
            return cache[key]

        return _JaxFunction(calls_for, _pack_concrete, getattr(fn, "__name__", "function"))
    if isinstance(fn, graph_mod.Graph):
        if inputs is None or outputs is None:
            raise ValueError("to_jax(graph): give `inputs` and `outputs` (tensors or names).")
        ins = [_graph_tensor(fn, t, "inputs") for t in inputs]
        outs = [_graph_tensor(fn, t, "outputs") for t in outputs]
        call = _GraphCall(ins, outs, [], [], "graph")
        return _JaxFunction(lambda args: call, lambda call, outs: list(outs), "graph")
    raise TypeError(f"to_jax: expected a tf.function, a ConcreteFunction or a tf.Graph, got "
                    f"{type(fn).__name__}.")


def _graph_tensor(graph, t, what):
    if isinstance(t, str):
        try:
            return graph.get_tensor_by_name(t if ":" in t else t + ":0")
        except (KeyError, ValueError):
            raise ValueError(f"to_jax: `{what}` names {t!r}, which is not a tensor of the "
                             "graph.") from None
    if isinstance(t, Tensor) and getattr(t, "graph", None) is graph:
        return t
    raise ValueError(f"to_jax: `{what}` must hold tensors of the graph or their names, got "
                     f"{t!r}.")


# ---------------------------------------------------------------------------
# from_jax.

def _jax_call_lowering(args, *, fn):
    out = fn(*args)
    return tuple(out) if isinstance(out, (tuple, list)) else out


JAX_CALL = def_op("JaxCall", _jax_call_lowering, "args: N*")


@public(JAX_CALL)
def from_jax(jax_fn, name=None):
    """An op-making function: `from_jax(f)(*tensors)` calls the JAX function `f` in the
    graph (or eagerly), as one op `JaxCall`.

    Output shapes and dtypes come from `jax.eval_shape` of `f`; several
    outputs (a tuple or list) give several tensors. `tf.gradients` through it
    uses JAX's autodiff of `f`. `f` must be a pure function of arrays. Not a
    TF function.
    """
    if not callable(jax_fn):
        raise TypeError(f"from_jax: expected a JAX function, got {jax_fn!r}.")

    def call(*tensors):
        if not tensors:
            raise ValueError("from_jax: the function needs at least one tensor argument.")
        return apply_op(JAX_CALL, [list(tensors)], {"fn": jax_fn},
                        name=name or getattr(jax_fn, "__name__", "JaxCall"))

    call.__name__ = f"from_jax({getattr(jax_fn, '__name__', 'fn')})"
    return call
