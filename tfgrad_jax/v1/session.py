"""`tf.compat.v1.Session`: runs fetches of a TF-1 graph, with feeds.

A run is compiled, not interpreted. The sub-graph the fetches need (pruned at
the fed tensors, whose producers then do not run) is lowered by the one
interpreter (`lowering.run_ops`) into a function of the fed values and of the
variables it touches, and compiled by `jax.jit` once per kind of run: per
(fetches, fed tensors, fed shapes and dtypes). Later runs of the same kind
call the compiled program directly.

Variable state lives in the session, as device arrays (two sessions on one
graph hold separate values). A program takes the values of the variables it
reads or assigns and returns the new values of those it assigns; the old
buffers of assigned variables are donated to it, so XLA updates them in
place. Results come back as numpy copies, never views of device buffers, so a
value a run returned stays valid whatever later runs do.
"""

import jax.numpy as jnp
import numpy as np

from tfgrad_jax.framework import dtypes, lowering, nest, segments
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.errors import FailedPreconditionError, InvalidArgumentError
from tfgrad_jax.framework.graph import Graph, Operation, get_default_graph, get_default_session
from tfgrad_jax.framework.program import Program
from tfgrad_jax.framework.tensor import SymbolicTensor, Tensor
from tfgrad_jax.ops.variables import ASSIGN_OPS, SESSION_SUPPLIED

__all__ = ["Session", "InteractiveSession", "get_default_session"]

# Where a fetched value comes from (see Session._layout).
_FED, _COMPUTED, _HOST = "fed", "computed", "host"


class Session:
    """A TF-1 session, as `tf.compat.v1.Session(target='', graph=None, config=None)`.

    TF: connects to a runtime (`target`) configured by `config` and runs the
    graph's ops there. Here the graph is compiled with XLA on JAX's default
    device; `target` and `config` are accepted and ignored. `graph` defaults
    to the default graph. Used as a context manager, the session is the
    default session and its graph the default graph within the block, and is
    closed on exit.
    """

    def __init__(self, target="", graph=None, config=None):
        if graph is None:
            graph = get_default_graph()
        elif not isinstance(graph, Graph):
            raise TypeError("Argument `graph` must be a tf.Graph, but got "
                            f'"{type(graph).__name__}"')
        self._graph = graph
        self._target = target
        self._config = config
        self._closed = False
        self._state = {}       # id(variable) -> (variable, its value in this session)
        self._plans = {}       # kind of run -> _RunPlan
        self._layouts = {}     # fetches and feeds of a run -> where its values come from
        self._var_tensors = {}  # id(variable) -> the tensor fetched as the variable
        self._fit = set()      # (id(tensor), shape) fed before: the shape check passed
        self._contexts = []

    @property
    def graph(self):
        """The graph this session runs."""
        return self._graph

    @property
    def sess_str(self):
        """The `target` given (TF: the runtime connected to; here informational)."""
        return self._target

    # -- running ---------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Computes `fetches`, as `Session.run`: values in the fetches' structure.

        `fetches`: a tensor, an operation, a variable, a name (`"x:0"` for a
        tensor, `"train"` for an op), or lists, tuples, namedtuples and dicts
        of these, nested. A tensor gives a numpy value (a numpy scalar for
        rank 0), a variable its value, an operation None (it runs). A fed
        tensor gives the value fed, as in TF.

        `feed_dict`: tensor (or name, or variable) -> value. Any tensor can be
        fed; what only it needed is then not computed. Values are converted
        with numpy to the tensor's dtype and must fit its shape (ValueError, TF's
        text). Feeding a variable overrides only the variable as a fetch; ops
        that read it still see its value (feed `v.value()` to override those).

        `options` and `run_metadata` (TF's RunOptions/RunMetadata protos) are
        accepted and ignored.
        """
        self._check_open()
        nested = nest.is_nested(fetches)
        items = [self._fetch(f) for f in (nest.flatten(fetches) if nested else [fetches])]
        feeds = []
        if feed_dict:
            for key, value in feed_dict.items():
                key = self._feed_key(key)
                feeds.append((key, self._feed_value(key, value)))
        return _pack(fetches, nested, self._execute(items, feeds))

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function running `fetches`, taking the values of `feed_list` positionally.

        As TF's: `make_callable(fetches, feed_list)(*values)` equals
        `run(fetches, dict(zip(feed_list, values)))`. Fetches and feed keys are
        resolved once, here; `accept_options` adds the `options` and
        `run_metadata` keywords (ignored).
        """
        if feed_list is not None and not isinstance(feed_list, (list, tuple)):
            raise TypeError(f"Argument `feed_list` must be a list or tuple. Received: "
                            f"feed_list={feed_list}")
        nested = nest.is_nested(fetches)
        items = [self._fetch(f) for f in (nest.flatten(fetches) if nested else [fetches])]
        keys = [self._feed_key(k) for k in (feed_list or ())]

        def run_callable(*feed_args, options=None, run_metadata=None):
            self._check_open()
            feeds = [(key, self._feed_value(key, value)) for key, value in zip(keys, feed_args)]
            return _pack(fetches, nested, self._execute(items, feeds))

        if accept_options:
            return run_callable
        return lambda *feed_args: run_callable(*feed_args)

    def _check_open(self):
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")

    def _fetch(self, fetch):
        """(what a feed of it overrides, the graph element that computes it)."""
        if type(fetch) is SymbolicTensor and fetch._op._graph is self._graph:
            return fetch, fetch  # the common case, first
        if fetch is None:
            raise TypeError('Argument `fetch` = None has invalid type "NoneType". Cannot be None')
        if getattr(fetch, "_is_variable", False):
            return fetch, self._variable_tensor(fetch, "fetch")
        try:
            element = self._element(fetch)
        except (KeyError, ValueError) as e:
            raise ValueError(f"Argument `fetch` = {fetch} cannot be interpreted as a Tensor. "
                             f"({e})") from None
        if element is None:
            raise TypeError(f'Argument `fetch` = {fetch} has invalid type "{type(fetch).__name__}" '
                            "must be a string or Tensor. (Can not convert a "
                            f"{type(fetch).__name__} into a Tensor or Operation.)")
        return (None if isinstance(element, Operation) else element), element

    def _feed_key(self, key):
        """The tensor (or variable) a feed_dict key names; TypeError as TF if none."""
        if type(key) is SymbolicTensor and key._op._graph is self._graph:
            return key
        if getattr(key, "_is_variable", False):
            self._variable_tensor(key, "feed")
            return key
        try:
            element = self._element(key)
        except (KeyError, ValueError) as e:
            raise TypeError(f"Cannot interpret feed_dict key as Tensor: {e.args[0]}") from None
        if not isinstance(element, SymbolicTensor):
            raise TypeError("Cannot interpret feed_dict key as Tensor: Can not convert a "
                            f"{type(key).__name__} into a Tensor.")
        return element

    def _element(self, obj):
        """The op or tensor of this graph `obj` names; None if `obj` is neither."""
        if isinstance(obj, str):
            return self._graph.as_graph_element(obj)
        if hasattr(obj, "_as_tensor") and not isinstance(obj, Tensor):
            obj = obj._as_tensor()
        if isinstance(obj, (SymbolicTensor, Operation)):
            if obj.graph is not self._graph:
                kind = "Tensor" if isinstance(obj, Tensor) else "Operation"
                raise ValueError(f"{kind} {obj} is not an element of this graph.")
            return obj
        return None

    def _variable_tensor(self, variable, what):
        """The tensor that stands for `variable` as a fetch: its TF-1 value (`v.value()`)."""
        tensor = self._var_tensors.get(id(variable))
        if tensor is None:
            if variable.graph is not self._graph:
                message = f"Variable {variable.name} is not an element of this graph."
                if what == "feed":
                    raise TypeError(f"Cannot interpret feed_dict key as Tensor: {message}")
                raise ValueError(f"Argument `fetch` = {variable!r} cannot be interpreted as a "
                                 f"Tensor. ({message})")
            with self._graph.as_default():
                tensor = variable.value()
            self._var_tensors[id(variable)] = tensor
        return tensor

    def _feed_value(self, key, value):
        """`value` as a numpy array of `key`'s dtype, checked against its shape, as TF."""
        tensor = key if isinstance(key, SymbolicTensor) else self._var_tensors[id(key)]
        if type(value) is not np.ndarray and (isinstance(value, Tensor) or
                                               getattr(value, "_is_variable", False)):
            raise TypeError(
                "The value of a feed cannot be a tf.Tensor object. Acceptable feed values "
                "include Python scalars, strings, lists, numpy ndarrays, or TensorHandles. For "
                f"reference, the tensor object was {value} which was passed to the argument "
                f"`feed_dict` with key {tensor}.")
        dtype = tensor.dtype.as_numpy_dtype
        array = value if type(value) is np.ndarray and value.dtype == dtype else np.asarray(
            value, dtype=dtype)
        fit = (id(tensor), array.shape)
        if fit not in self._fit:
            if not tensor.shape.is_compatible_with(array.shape):
                raise ValueError(f"Cannot feed value of shape {array.shape} for Tensor "
                                 f"{tensor.name}, which has shape {tensor.shape}")
            self._fit.add(fit)
        return array

    def _execute(self, items, feeds):
        """Values for the fetch items [(key, element)], given feeds [(tensor or variable, array)].

        Where each value comes from, and the program that computes the rest,
        is worked out once per kind of run (`_layout`). Keys are compared by
        identity: variables are unhashable in TF 2 code.
        """
        kind = (tuple([id(element if key is None else key) for key, element in items]),
                tuple([(id(key), array.shape, array.dtype) for key, array in feeds]))
        layout = self._layouts.get(kind)
        if layout is None:
            layout = self._layouts[kind] = self._layout(items, feeds)
        plan, inputs, sources = layout
        results = plan.run(self._state, [feeds[i][1] for i in inputs]) if plan else ()
        return [self._value_from(source, i, feeds, results) for source, i in sources]

    def _value_from(self, source, i, feeds, results):
        if source == _FED:
            return feeds[i][1]
        if source == _HOST:  # i: the op whose string value this session supplies
            return SESSION_SUPPLIED[i.type](i, self._state)
        return None if i is None else _numpy_value(results[i])

    def _layout(self, items, feeds):
        """(the plan, or None if nothing needs computing; the positions in `feeds` of the
        program's fed values; for each item, (_FED, its feed's position), (_COMPUTED, None)
        for an op, (_COMPUTED, the program output that is its value), or (_HOST, the op
        whose string value the session supplies))."""
        last = {id(key): i for i, (key, _) in enumerate(feeds)}  # the last value fed counts
        targets, ops, sources, position = [], [], [], {}
        for key, element in items:
            if id(key) in last:  # TF: a fed tensor fetches as the value fed
                sources.append((_FED, last[id(key)]))
            elif key is None:
                ops.append(element)
                sources.append((_COMPUTED, None))
            elif element.dtype is dtypes.string and element.op.type in SESSION_SUPPLIED:
                # Strings never enter a compiled program: the session gives this one itself.
                sources.append((_HOST, element.op))
            else:
                if id(element) not in position:
                    position[id(element)] = len(targets)
                    targets.append(element)
                sources.append((_COMPUTED, position[id(element)]))
        if not (targets or ops):
            return None, [], sources
        # In graph order, so that one plan serves every order of the same feeds.
        inputs = sorted((i for i in last.values() if isinstance(feeds[i][0], SymbolicTensor)),
                        key=lambda i: (feeds[i][0].op._id, feeds[i][0].value_index))
        fed = [feeds[i][0] for i in inputs]
        kind = (tuple(map(id, targets)), tuple(map(id, ops)),
                tuple((id(t), feeds[i][1].shape, feeds[i][1].dtype) for t, i in zip(fed, inputs)))
        plan = self._plans.get(kind)
        if plan is None:
            plan = self._plans[kind] = _RunPlan(self._graph, fed, targets, ops)
        return plan, inputs, sources

    # -- variable state (for the Saver) ------------------------------------------------
    def _get_variable_value(self, variable):
        """`variable`'s value in this session, as a numpy copy; FailedPreconditionError if
        it was never initialized here (the Saver reads values this way)."""
        self._check_open()
        entry = self._state.get(id(variable))
        if entry is None:
            raise FailedPreconditionError(None, None, "Attempting to use uninitialized value "
                                          f"{variable._shared_name}")
        return np.array(entry[1])

    def _set_variable_value(self, variable, array):
        """Makes `array` `variable`'s value in this session (the Saver restores this way)."""
        self._check_open()
        value = jnp.array(array, dtype=variable.dtype.as_numpy_dtype)  # a buffer of our own
        if not variable.shape.is_compatible_with(value.shape):
            raise ValueError(f"Cannot assign value of shape {value.shape} to variable "
                             f"{variable.name} of shape {variable.shape}")
        self._state[id(variable)] = (variable, value)

    # -- contexts ----------------------------------------------------------------
    def as_default(self):
        """A context manager making this the default session (`eval()`/`run()` use it).

        As TF, leaving the block does not close the session.
        """
        return graph_mod.default_session(self)

    def close(self):
        """Frees the session's state; later runs raise RuntimeError, as TF."""
        self._closed = True
        self._state.clear()
        self._plans.clear()
        self._layouts.clear()

    def __enter__(self):
        contexts = (self._graph.as_default(), graph_mod.default_session(self))
        for context in contexts:
            context.__enter__()
        self._contexts.append(contexts)
        return self

    def __exit__(self, *exc):
        for context in reversed(self._contexts.pop()):
            context.__exit__(*exc)
        self.close()
        return False

    def __repr__(self):
        return f"<tfgrad_jax.compat.v1.Session at {id(self):#x}>"


class InteractiveSession(Session):
    """A session that makes itself the default on creation, for shells and notebooks.

    As TF's: from its creation until `close()`, it is the default session (so
    `t.eval()` and `op.run()` work without a `with` block) and its graph the
    default graph. Unlike TF, a second InteractiveSession opened while one is
    active gives no warning.
    """

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        graph_mod._state.session_stack.append(self)
        graph_mod._state.graph_stack.append(self._graph)
        self._installed = True

    def close(self):
        """Closes the session and stops it (and its graph) being the default, as TF."""
        super().close()
        if self._installed:
            self._installed = False
            _remove_last(graph_mod._state.session_stack, self)
            _remove_last(graph_mod._state.graph_stack, self._graph)


def _remove_last(stack, item):
    # Not necessarily the top: other defaults may have been entered since.
    for i in range(len(stack) - 1, -1, -1):
        if stack[i] is item:
            del stack[i]
            return


def _pack(fetches, nested, values):
    """`values` in the structure of `fetches` (a flat list or tuple the quick way)."""
    if not nested:
        return values[0]
    if type(fetches) in (list, tuple) and not any(map(nest.is_nested, fetches)):
        return values if type(fetches) is list else tuple(values)
    return nest.pack_sequence_as(fetches, values)


def _numpy_value(array):
    array = np.array(array)  # a copy: device buffers may be donated to later runs
    return array[()] if array.ndim == 0 else array


# ---------------------------------------------------------------------------
# One kind of run, compiled.

class _RunPlan:
    """The compiled program of one kind of `Session.run`.

    Its inputs are the fed values, then the values of the variables the run
    touches (`variables`), then the values of the ops the session supplies
    from its state (`supplied`: `SESSION_SUPPLIED`, e.g. VarIsInitializedOp);
    its outputs the fetched tensors, then the new value of each variable it
    assigns (`assigned`: the last assignment of each that runs). The buffers
    of the assigned variables are donated. `traces` counts how often the
    graph was traced into a program.
    """

    def __init__(self, graph, feeds, targets, ops):
        scheduled = lowering.schedule(targets, {id(t) for t in feeds}, ops)
        _check_placeholders_fed(scheduled)
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
        assigned_ids = {id(v) for v in self.assigned}
        donate = [len(feeds) + i for i, v in enumerate(self.variables) if id(v) in assigned_ids]
        self.n_targets = len(targets)
        self.traces = 0

        self.supplied = [op for op in scheduled if op.type in SESSION_SUPPLIED]
        given = handles + self.supplied
        ops_to_run = [op for op in scheduled if op.type != "VarHandleOp"
                      and op.type not in SESSION_SUPPLIED]
        input_ids = [id(t) for t in feeds] + [id(op._outputs[0]) for op in given]
        fed_ids = frozenset(id(t) for t in feeds)
        output_ids = [id(t) for t in targets] + [id(op._outputs[0]) for op in last.values()]

        def run_graph(*arrays):
            self.traces += 1
            env = _FedEnvironment(fed_ids)
            env.update(zip(input_ids, arrays))
            lowering.run_ops(ops_to_run, env, output_ids)
            return [env[i] for i in output_ids]

        self.program = Program(run_graph, donate_argnums=tuple(donate),
                               data_dependent=segments.has_data_dependent_ops(ops_to_run))

    def run(self, state, fed_arrays):
        """Runs the program on `fed_arrays` and the session's `state`, which it updates."""
        arrays = list(fed_arrays)
        for variable, is_read in zip(self.variables, self.reads):
            entry = state.get(id(variable))
            if entry is not None:
                arrays.append(entry[1])
            elif is_read:
                raise FailedPreconditionError(
                    None, None, f"Could not find variable {variable._shared_name}. This could "
                    "mean that the variable has been deleted. In TF1, it can also mean the "
                    "variable is uninitialized. Debug info: container=localhost, status error "
                    f"message=Resource localhost/{variable._shared_name} does not exist.")
            else:
                arrays.append(np.zeros(variable._aval.shape, variable._aval.dtype))
        arrays.extend(SESSION_SUPPLIED[op.type](op, state) for op in self.supplied)
        values = self.program(*arrays)
        n = self.n_targets
        for variable, value in zip(self.assigned, values[n:]):
            state[id(variable)] = (variable, value)
        return values[:n]


class _FedEnvironment(dict):
    """The interpreter's environment, where a fed tensor keeps its fed value.

    A fed tensor's producer can still run (another of its outputs is needed,
    or an op waits on it): its output must not overwrite the feed, as in TF,
    where the consumers of a fed tensor read the feed.
    """

    __slots__ = ("_fed",)

    def __init__(self, fed):
        super().__init__()
        self._fed = fed

    def __setitem__(self, key, value):
        if key not in self._fed:
            super().__setitem__(key, value)


_TF_DTYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def _check_placeholders_fed(ops):
    for op in ops:
        if op.type == "Placeholder":
            dtype = op.get_attr("dtype").name
            shape = op.get_attr("shape")
            text = ""
            if shape.rank:  # TF names the shape when it knows more than "scalar"
                text = " and shape [" + ",".join("?" if d is None else str(d)
                                                for d in shape.as_list()) + "]"
            raise InvalidArgumentError(
                None, op, f"You must feed a value for placeholder tensor '{op.name}' with dtype "
                f"{_TF_DTYPE_NAMES.get(dtype, dtype)}{text}")
