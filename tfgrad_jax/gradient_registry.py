"""TF-style gradient functions: `tf.RegisterGradient`, `tf.no_gradient`, and how each op
passes gradients.

An op's gradient policy is looked up in TF's order (`policy`): the op's own
override (`Graph.gradient_override_map`), then the registry, then the op's
declaration. A registered function `fn(op, *output_grads)` builds graph ops;
it is called once per op, inside a closed `FuncGraph` (`function_gradient`),
which is cached on the op: its inputs are the output gradients, its captures
the op's inputs and outputs, then whatever else the function read (its
"boundary" tensors). A None it returns for an input means no gradient flows
to that input through the op.
"""

import traceback

from tfgrad_jax.framework.func_graph import FuncGraph
from tfgrad_jax.framework.op_def import (NO_GRADIENT, NOT_DIFFERENTIABLE, convert_to_tensor,
                                         make_placeholder, registered_opdefs)
from tfgrad_jax.framework.tensor import Tensor

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
        register(self._op_type, fn)
        return fn


def register(op_type, fn):
    """Registers `fn` (None: no gradient) for `op_type`; KeyError if it has one."""
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


def register_in_graph(graph, name, fn):
    """Registers `fn` under `name` for ops of `graph` (and graphs inside it) only.

    What `tf.custom_gradient` uses: the function closes over the graph's
    tensors, so it must live and die with the graph, not in the process-wide
    registry.
    """
    graph._derived.setdefault("gradient_functions", {})[name] = fn


def _local_function(graph, name):
    while graph is not None:
        fn = graph._derived.get("gradient_functions", {}).get(name)
        if fn is not None:
            return fn
        graph = getattr(graph, "outer_graph", None)
    return None


def no_gradient(op_type):
    """Declares that ops of `op_type` pass no gradient (as `tf.no_gradient`)."""
    if not isinstance(op_type, str):
        raise TypeError("op_type must be a string")
    register(op_type, None)


NotDifferentiable = no_gradient


def policy(op):
    """How gradients pass through `op`: ('autodiff'|'function'|'none'|'missing', fn).

    TF's lookup order: the op's override (`gradient_override_map`), then the
    registry, then (here) the op's own declaration.
    """
    override = op._attrs.get("_gradient_op_type")
    if override is not None:
        local = _local_function(op.graph, override)
        if local is not None:
            return "function", local
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


def missing_gradient_error(op):
    return LookupError(
        f"No gradient defined for operation '{op.name}' (op type: {op.type}). In general every "
        "operation must have an associated `@tf.RegisterGradient` for correct autodiff, which "
        "this op is lacking. If you want to pretend this operation is a constant in your "
        "program, you may insert `tf.stop_gradient`.")


def function_gradient(op):
    """The FuncGraph of `op`'s registered gradient function (built once, kept on the op).

    Inputs: one gradient per op output. Captures, in this order: the op's
    inputs, its outputs, then the other tensors the function read. Its
    `structured_outputs` has one entry per op input, None where the function
    returned None (`outputs` holds the others).
    """
    cached = op._attrs.get("_gradient_function")
    if cached is not None:
        return cached
    _, fn = policy(op)
    graph = FuncGraph(f"{op.name}_grad", outer_graph=op.graph)
    with graph.as_default():
        for t in list(op._inputs) + list(op._outputs):
            graph.capture(t)
        graph.inputs = [make_placeholder(graph, t.dtype, t._aval, "grad", t.shape)
                        for t in op._outputs]
        with graph.name_scope(op.name + "_grad"):
            results = fn(op, *graph.inputs)
        results = _checked_results(op, results)
        for i, r in enumerate(results):
            if isinstance(r, Tensor) and r.graph is not graph:
                results[i] = graph.capture(r)
    graph.structured_outputs = results
    graph.outputs = [r for r in results if r is not None]
    op._attrs["_gradient_function"] = graph
    return graph


def _checked_results(op, results):
    """The function's results as a list of tensors or None, one per op input."""
    if isinstance(results, Tensor) or results is None or hasattr(results, "_as_tensor"):
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
    return results


def cut_inputs(op):
    """Indices of the inputs `op`'s registered gradient function returns None for."""
    return {i for i, r in enumerate(function_gradient(op).structured_outputs) if r is None}
