"""`tf.compat.v1`: TF-1 graphs, placeholders and `Session.run`.

A Session runs fetches of its graph: the needed sub-graph is lowered by the
one interpreter (`lowering.lower`) with the fed tensors as inputs, compiled
with `jax.jit` once per (fetches, feeds) pair, and re-used while the graph
has not grown. Results come back as numpy values, as in TF.
"""


import jax
import numpy as np

from tfgrad_jax.framework import lowering
from tfgrad_jax.framework import dtypes, nest
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.graph import (Graph, Operation, get_default_graph, get_default_session,
                                        reset_default_graph)
from tfgrad_jax.framework.op_def import make_placeholder
from tfgrad_jax.framework.program import Program
from tfgrad_jax.framework.tensor import SymbolicTensor, Tensor, to_numpy
from tfgrad_jax.framework.tensor_shape import TensorShape
from tfgrad_jax.framework.errors import FailedPreconditionError
from tfgrad_jax.gradients import gradients as _gradients
from tfgrad_jax.ops.variables import ASSIGN_OPS
from tfgrad_jax.ops.check_ops import Assert
from tfgrad_jax.ops.control_flow_ops import case, switch_case
from tfgrad_jax.ops.control_flow_ops import cond_v1 as cond
from tfgrad_jax.ops.control_flow_ops import while_loop_v1 as while_loop

__all__ = ["Graph", "Session", "get_default_graph", "reset_default_graph", "placeholder",
           "gradients", "disable_eager_execution", "enable_eager_execution",
           "get_default_session", "InteractiveSession", "Tensor", "cond", "while_loop", "case",
           "switch_case", "Assert"]


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none"):
    """`tf.compat.v1.gradients`: tf.gradients plus `colocate_gradients_with_ops` (ignored:
    XLA places the whole computation)."""
    return _gradients(ys, xs, grad_ys=grad_ys, name=name, gate_gradients=gate_gradients,
                      aggregation_method=aggregation_method, stop_gradients=stop_gradients,
                      unconnected_gradients=unconnected_gradients)


def disable_eager_execution():
    """Makes top-level code build into the global default graph, as TF-1 did."""
    graph_mod.get_default_graph()._v1_default = True
    graph_mod._state.v1_mode = True


def enable_eager_execution():
    graph_mod._state.v1_mode = False
    if graph_mod._state.default_graph is not None:
        graph_mod._state.default_graph._v1_default = False


def placeholder(dtype, shape=None, name=None):
    """A tensor to be fed at `Session.run`, as `tf.compat.v1.placeholder`.

    None dimensions are allowed (a run compiles per fed shape). The rank must
    be known: XLA compiles static ranks, so `shape=None` raises ValueError.
    """
    graph = graph_mod.current_graph_or_none()
    if graph is None:
        raise RuntimeError("tf.placeholder() is not compatible with eager execution.")
    dtype = dtypes.as_dtype(dtype)
    if shape is None:
        raise ValueError("placeholder(shape=None): tfgrad_jax needs the rank of a placeholder "
                         "(None dimensions are fine), because XLA compiles static ranks.")
    shape = TensorShape(shape)
    if shape.is_fully_defined():
        dims = tuple(shape.as_list())
    else:
        from jax import export
        text = ", ".join(f"p{i}_{id(graph) % 10000}" if d is None else str(d)
                         for i, d in enumerate(shape))
        dims = export.symbolic_shape(text)
    return make_placeholder(graph, dtype, jax.ShapeDtypeStruct(dims, dtype.as_numpy_dtype),
                            name or "Placeholder", shape)


class Session:
    """Runs a graph's fetches with feeds, as `tf.compat.v1.Session`."""

    def __init__(self, target="", graph=None, config=None):
        self.graph = graph if graph is not None else get_default_graph()
        self._cache = {}
        self._closed = False
        self._state = {}  # id(variable) -> (variable, its value in this session)

    def _state_values(self, plan):
        values = []
        for variable, is_read in zip(plan.variables, plan.reads):
            entry = self._state.get(id(variable))
            if entry is None:
                if is_read:
                    raise FailedPreconditionError(
                        None, None, f"Error while reading resource variable "
                        f"{variable._shared_name} from Container: localhost. This could mean "
                        "that the variable was uninitialized.")
                values.append(np.zeros(variable._aval.shape, variable._aval.dtype))
            else:
                values.append(entry[1])
        return values

    def _resolve(self, fetch):
        if isinstance(fetch, str):
            fetch = self.graph.as_graph_element(fetch)
        if hasattr(fetch, "_as_tensor"):
            fetch = fetch._as_tensor()
        if not isinstance(fetch, (SymbolicTensor, Operation)):
            raise TypeError(f"Fetch argument {fetch!r} has invalid type {type(fetch)}, must be a "
                            "string or Tensor. (Can not convert a "
                            f"{type(fetch).__name__} into a Tensor or Operation.)")
        if fetch.graph is not self.graph:
            raise ValueError(f"Fetch {fetch!r} is not an element of this session's graph.")
        return fetch

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Evaluates `fetches` (nested tensors, ops or names); ops fetch as None."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        flat = [self._resolve(f) for f in nest.flatten(fetches)]
        feeds = []
        for key, value in (feed_dict or {}).items():
            tensor = self._resolve(key)
            if not isinstance(tensor, SymbolicTensor):
                raise TypeError(f"Cannot feed an Operation: {key!r}")
            array = to_numpy(value._value if hasattr(value, "_value") else value, tensor.dtype)
            if not tensor.shape.is_compatible_with(TensorShape(array.shape)):
                raise ValueError(f"Cannot feed value of shape {array.shape} for Tensor "
                                 f"{tensor.name}, which has shape {tensor.shape}")
            feeds.append((tensor, array))
        targets = [f for f in flat if isinstance(f, SymbolicTensor)]
        ops = [f for f in flat if isinstance(f, Operation)]
        key = (tuple(id(t) for t in targets), tuple(id(op) for op in ops),
               tuple(id(t) for t, _ in feeds), self.graph.version)
        plan = self._cache.get(key)
        if plan is None:
            plan = self._cache[key] = _RunPlan(self.graph, [t for t, _ in feeds], targets, ops)
        if not (targets or ops):
            return nest.pack_sequence_as(fetches, [None] * len(flat)) if nest.is_nested(
                fetches) else None
        values = plan.program(*[a for _, a in feeds], *self._state_values(plan))
        for variable, value in zip(plan.assigned, values[len(targets):]):
            self._state[id(variable)] = (variable, value)
        by_id = {id(t): np.asarray(v) for t, v in zip(targets, values)}
        out = [None if isinstance(f, Operation) else _numpy_value(by_id[id(f)]) for f in flat]
        return nest.pack_sequence_as(fetches, out) if nest.is_nested(fetches) else out[0]

    def as_default(self):
        return graph_mod.default_session(self)

    def close(self):
        self._closed = True

    def __enter__(self):
        self._graph_ctx = self.graph.as_default()
        self._graph_ctx.__enter__()
        self._session_ctx = graph_mod.default_session(self)
        self._session_ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self._session_ctx.__exit__(*exc)
        self._graph_ctx.__exit__(*exc)
        self.close()
        return False


class _RunPlan:
    """What one kind of `Session.run` computes: its program, the variables it reads (as
    extra inputs, after the feeds) and those it assigns (extra outputs, after the
    fetches: the last assignment of each that runs)."""

    def __init__(self, graph, feeds, targets, ops):
        known = {id(t) for t in feeds}
        scheduled = lowering.schedule(targets, known, ops)
        variable_of = {id(t): var for var, versions in graph._variables.values()
                       for t in versions}
        handles = [op for op in scheduled if op.type == "VarHandleOp"]
        self.variables = [variable_of[id(op._outputs[0])] for op in handles]
        ids = {id(op) for op in scheduled}
        # A handle only an initializer assigns through needs no value yet.
        self.reads = [any(c.type != "AssignVariableOp" and id(c) in ids
                          for c in op._outputs[0]._consumers) for op in handles]
        last = {}
        for op in scheduled:
            if op.type in ASSIGN_OPS:
                last[id(variable_of[id(op._outputs[0])])] = op
        self.assigned = [variable_of[id(op._outputs[0])] for op in last.values()]
        fn = lowering.lower(list(feeds) + [op._outputs[0] for op in handles],
                            list(targets) + [op._outputs[0] for op in last.values()], ops)
        self.program = Program(fn)


def _numpy_value(array):
    return array[()] if array.ndim == 0 else array


InteractiveSession = Session
