"""`tf.Graph` and `tf.Operation`: plain, inspectable graph data.

A Graph is append-only: operations are kept in creation order, which is also a
topological order, so every pass over a graph (lowering, gradients) is a single
forward or backward sweep. Names follow TF exactly (`Graph.unique_name`).
"""

import contextlib
import itertools
import re
import threading

import numpy as np

from tfgrad_jax.framework import dtypes


class Operation:
    """A node of a Graph, as `tf.Operation`: `type`, `name`, `inputs`, `outputs`, ..."""

    __slots__ = ("_graph", "_opdef", "_name", "_inputs", "_outputs", "_attrs",
                 "_control_inputs", "_id", "_device", "_input_lengths", "__weakref__")

    def __init__(self, graph, opdef, name, inputs, input_lengths, attrs, control_inputs, device):
        self._graph = graph
        self._opdef = opdef
        self._name = name
        self._inputs = tuple(inputs)
        self._input_lengths = input_lengths
        self._attrs = attrs
        self._control_inputs = tuple(control_inputs)
        self._device = device
        self._outputs = ()
        self._id = None

    @property
    def type(self):
        return self._opdef.type

    @property
    def name(self):
        return self._name

    @property
    def graph(self):
        return self._graph

    @property
    def inputs(self):
        return self._inputs

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def control_inputs(self):
        return list(self._control_inputs)

    @property
    def device(self):
        return self._device

    @property
    def node_def(self):
        return self._graph._node_text(self)

    def get_attr(self, name):
        """The value of attribute `name`; ValueError if the op has none, as TF."""
        if name not in self._attrs:
            raise ValueError(f"Operation '{self._name}' has no attr named '{name}'.")
        return self._attrs[name]

    def _set_attr(self, name, value):
        self._attrs[name] = value

    @property
    def attrs(self):
        return dict(self._attrs)

    def values(self):
        return tuple(self._outputs)

    def run(self, feed_dict=None, session=None):
        """Runs the op with `session.run`, in the default session if none is given (TF-1)."""
        session = session or get_default_session()
        if session is None:
            raise ValueError("Cannot execute operation using `run()`: No default session is "
                             "registered. Use `with sess.as_default():` or pass an explicit "
                             "session to `run(session=sess)`")
        if session.graph is not self._graph:
            raise ValueError("Cannot use the given session to execute operation: the "
                             "operation's graph is different from the session's graph.")
        session.run(self, feed_dict=feed_dict)

    def __repr__(self):
        return f"<tf.Operation '{self._name}' type={self.type}>"

    def _repr_html_(self):
        """Jupyter: the op and its neighbours as an SVG picture (not in TF)."""
        from tfgrad_jax import visual  # above framework/: imported only when drawn
        return visual.show(self)._repr_html_()

    __str__ = node_def.fget


class _ThreadState(threading.local):
    def __init__(self):
        self.graph_stack = []
        self.default_graph = None
        self.session_stack = []  # TF-1 sessions entered as the default
        self.eager_name_scopes = []  # tf.name_scope entered eagerly (it names variables)
        self.eager_scopes = 0  # depth of `eager_scope` blocks: TF-1 mode pauses inside them

    @property
    def eager_name_scope(self):
        return self.eager_name_scopes[-1] if self.eager_name_scopes else ""


_state = _ThreadState()


def get_default_session():
    """The innermost session entered with `as_default()` (or `with Session()`), else None."""
    return _state.session_stack[-1] if _state.session_stack else None


@contextlib.contextmanager
def _pushed(stack, item):
    stack.append(item)
    try:
        yield item
    finally:
        stack.pop()


def default_session(session):
    """Makes `session` the default session within the block (`Session.as_default`)."""
    return _pushed(_state.session_stack, session)


def get_default_graph():
    """The innermost graph entered with `as_default()`, else a global graph (TF-1 API)."""
    if _state.graph_stack:
        return _state.graph_stack[-1]
    if _state.default_graph is None:
        _state.default_graph = Graph()
    return _state.default_graph


def reset_default_graph():
    """Starts a new global default graph (`tf.compat.v1.reset_default_graph`)."""
    if _state.graph_stack:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. "
                             "If you need a cleared graph, exit the nesting and create a new graph.")
    _state.default_graph = Graph()


# Process-wide, as TF's default execution mode: top-level code builds into the global
# default graph (TF-1) instead of running eagerly. Set by tf.compat.v1.disable_eager_execution.
_v1_mode = False


def set_v1_mode(enabled):
    """Turns TF-1 graph mode on (`disable_eager_execution`) or off, for every thread.

    It stays on across `reset_default_graph`: the new global graph is the one built into.
    """
    global _v1_mode
    _v1_mode = bool(enabled)


def _v1_default_graph_mode():
    return _v1_mode and not _state.eager_scopes


def current_graph_or_none():
    """The graph ops are added to now, or None in eager mode."""
    if _state.graph_stack:
        return _state.graph_stack[-1]
    if _v1_default_graph_mode():
        return get_default_graph()
    return None


def encloses(outer, inner):
    """True if `inner` is built inside `outer`: a FuncGraph (branch, body, function) of it."""
    g = getattr(inner, "outer_graph", None)
    while g is not None:
        if g is outer:
            return True
        g = getattr(g, "outer_graph", None)
    return False


@contextlib.contextmanager
def eager_scope():
    """Ops built in the block run eagerly, outside every graph (TF's `init_scope`, as a
    tf.function's variables are initialized)."""
    saved = _state.graph_stack
    _state.graph_stack = []
    _state.eager_scopes += 1
    try:
        yield
    finally:
        _state.graph_stack = saved
        _state.eager_scopes -= 1


def executing_eagerly():
    """True outside any graph, as `tf.executing_eagerly()`."""
    return current_graph_or_none() is None


def executing_eagerly_outside_functions():
    """True unless a TF-1 style (non-function) graph is being built beneath us."""
    for g in reversed(_state.graph_stack):
        if not g.building_function:
            return False
    return not _v1_default_graph_mode()


class Graph:
    """A TensorFlow computation, as `tf.Graph`: operations in creation order.

    `as_default()` makes it the graph that new ops are added to (a thread-local
    stack). `as_text()` prints it one op per line, the way JAX prints a jaxpr.
    """

    building_function = False

    def __init__(self):
        self._ops = []
        self._ops_by_name = {}
        self._names_in_use = {}
        self._name_stack = ""
        self._control_dependencies_stack = []
        self._device_stack = []
        self._gradient_override_map = {}
        self._finalized = False
        self._collections = {}
        self._version = 0
        self.seed = None
        self._seed_offset = 0
        self._derived = {}  # things computed from this graph, cached on it (so they die with it)
        self._variables = {}  # id(variable) -> [variable, its versions here, oldest first]
        self._assigned = {}   # id(variable) -> variable, for those assigned here, in order

    # -- variables ---------------------------------------------------------
    # A variable's value is threaded through a graph as a chain of "versions":
    # the tensor it starts from here (a handle op in a TF-1 graph, a captured
    # placeholder in a FuncGraph), then the output of each assignment. A read
    # reads one version; an assignment takes one and makes the next.
    def variable_version(self, variable):
        """The tensor holding `variable`'s value for an op built now in this graph.

        In a function (and its branches and loop bodies) ops run in program
        order, as TF's automatic control dependencies order them: the latest
        version. In a TF-1 graph an op sees the value the variable had when
        the session run started, unless it is built under
        `control_dependencies` on an assignment of it: then that assignment's.
        """
        versions = self._versions(variable)
        if self.building_function:
            return versions[-1]
        waited = {id(op) for ops, _ in self._control_dependencies_stack for op in ops}
        for t in reversed(versions[1:]):
            if id(t.op) in waited:
                return t
        return versions[0]

    def _versions(self, variable):
        entry = self._variables.get(id(variable))
        if entry is None:
            entry = self._variables[id(variable)] = [variable, [self._variable_entry(variable)]]
        return entry[1]

    def _variable_entry(self, variable):
        return variable._handle_in(self)  # a TF-1 graph holds the variable itself

    def set_variable_version(self, variable, tensor):
        """Records an assignment: `tensor` is `variable`'s newest version here."""
        self._versions(variable).append(tensor)
        self._assigned[id(variable)] = variable

    def assigned_variables(self):
        """[(variable, its newest version)] for the variables assigned in this graph."""
        return [(v, self._variables[id(v)][1][-1]) for v in self._assigned.values()]

    def variable_versions(self, variable):
        """Every version of `variable` in this graph, oldest first (empty if unused here)."""
        entry = self._variables.get(id(variable))
        return list(entry[1]) if entry is not None else []

    # -- naming ------------------------------------------------------------
    def unique_name(self, name, mark_as_used=True):
        """`name` under the current name scope, made unique with `_N` as TF does."""
        if self._name_stack:
            name = self._name_stack + "/" + name
        name_key = name.lower()
        i = self._names_in_use.get(name_key, 0)
        if mark_as_used:
            self._names_in_use[name_key] = i + 1
        if i > 0:
            base_name_key = name_key
            while name_key in self._names_in_use:
                name_key = f"{base_name_key}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[name_key] = 1
            name = f"{name}_{i - 1}"
        return name

    def cached(self, key, make):
        """`make()`, computed once per key and kept on this graph (so it dies with it)."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    def get_name_scope(self):
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name):
        """Enters a name scope, returning its full name with a trailing '/'.

        As in TF: a name ending in '/' re-enters that exact scope; None or ''
        returns to the top level; any other name is made unique.
        """
        old = self._name_stack
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name[:-1]
        else:
            new = self.unique_name(name)
        self._name_stack = new
        try:
            yield (new + "/") if new else ""
        finally:
            self._name_stack = old

    # -- structure ---------------------------------------------------------
    def _add_op(self, op):
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        op._id = len(self._ops)
        self._ops.append(op)
        self._ops_by_name[op._name] = op
        self._version += 1
        for t in op._inputs:
            t._consumers.append(op)
        for _, group in self._control_dependencies_stack:
            group.add(id(op))  # ops built inside each open control_dependencies block

    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings (or similar), not {type(name).__name__}.")
        op = self._ops_by_name.get(name)
        if op is None:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.")
        return op

    def get_tensor_by_name(self, name):
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings (or similar), not {type(name).__name__}.")
        op_name, sep, index = name.rpartition(":")
        if not sep or not index.isdigit():
            what = ("refers to an Operation, not a Tensor." if name in self._ops_by_name else
                    "looks like an (invalid) Operation name, not a Tensor.")
            raise ValueError(f"The name {name!r} {what} Tensor names must be of the form "
                             "\"<op_name>:<output_index>\".")
        op = self._ops_by_name.get(op_name)
        if op is None:
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The "
                           f"operation, {op_name!r}, does not exist in the graph.")
        if int(index) >= len(op._outputs):
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The "
                           f"operation, {op_name!r}, exists but only has {len(op._outputs)} outputs.")
        return op._outputs[int(index)]

    def as_graph_element(self, obj):
        from tfgrad_jax.framework.tensor import SymbolicTensor
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        if isinstance(obj, (SymbolicTensor, Operation)):
            if obj.graph is not self:
                raise ValueError(f"{obj!r} is not an element of this graph.")
            return obj
        raise TypeError(f"Can not convert a {type(obj).__name__} into a graph element.")

    @property
    def version(self):
        return self._version

    @property
    def finalized(self):
        return self._finalized

    def finalize(self):
        """Makes the graph read-only; adding an op then raises RuntimeError."""
        self._finalized = True

    def _unsafe_unfinalize(self):
        self._finalized = False

    # -- contexts ----------------------------------------------------------
    def as_default(self):
        """Makes this the graph new ops are added to, within the `with` block."""
        return _pushed(_state.graph_stack, self)

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created in the block run after `control_inputs`; None clears them."""
        from tfgrad_jax.framework.tensor import Tensor
        if control_inputs is None:
            saved = self._control_dependencies_stack
            self._control_dependencies_stack = []
            try:
                yield
            finally:
                self._control_dependencies_stack = saved
            return
        ops = []
        for c in control_inputs:
            if isinstance(c, Tensor):
                c = c.op
            if hasattr(c, "_as_control_op"):
                c = c._as_control_op()
            if not isinstance(c, Operation):
                raise TypeError(f"Control input must be an Operation or a Tensor: {c!r}")
            if c.graph is not self:
                raise ValueError(f"Control input {c.name!r} must be from the same graph.")
            ops.append(c)
        self._control_dependencies_stack.append((ops, set()))
        try:
            yield
        finally:
            self._control_dependencies_stack.pop()

    def _current_control_inputs(self, inputs):
        if not self._control_dependencies_stack:
            return []
        input_ops = {id(t._op) for t in inputs}
        seen, result = set(), []
        for ops, group in self._control_dependencies_stack:
            if not input_ops.isdisjoint(group):
                continue  # TF: an input built in this block already waits for its ops
            for op in ops:
                if id(op) not in seen and id(op) not in input_ops:
                    seen.add(id(op))
                    result.append(op)
        return result

    @contextlib.contextmanager
    def device(self, device_name):
        """Ops built in the block record `device_name` (canonical, merged with outer scopes)."""
        from tfgrad_jax.device import canonical_device
        self._device_stack.append(
            "" if device_name is None else canonical_device(device_name, self._current_device()))
        try:
            yield
        finally:
            self._device_stack.pop()

    def _current_device(self):
        return self._device_stack[-1] if self._device_stack else ""

    @contextlib.contextmanager
    def gradient_override_map(self, op_type_map):
        """Uses the gradient registered under another name for the given op types.

        Within the block, an op of type T created here takes its gradient from
        `tf.RegisterGradient(op_type_map[T])`, as in TF.
        """
        for k, v in op_type_map.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("Must use strings for op types and gradient names")
        saved = dict(self._gradient_override_map)
        self._gradient_override_map.update(op_type_map)
        try:
            yield
        finally:
            self._gradient_override_map = saved

    def capture(self, tensor):
        """Brings an eager tensor into this graph; a plain graph embeds its value.

        A stateful object (a random op's counter) says itself how a plain
        graph reads it (`_read_in_graph`): an op that reads it on every run.
        """
        if hasattr(tensor, "_read_in_graph"):
            return tensor._read_in_graph(self)
        if getattr(tensor, "_is_variable", False):
            return self.variable_version(tensor)
        from tfgrad_jax.framework import op_def
        value = tensor.numpy() if tensor.shape.rank else np.asarray(tensor.numpy())
        with self.as_default():
            return op_def.apply_op(op_def.CONST, [], {"value": value, "dtype": tensor.dtype},
                                   name="Const")

    # -- collections (TF-1) --------------------------------------------------
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        """Adds `value` to each collection in `names` (a name or a list), once per name."""
        for name in dict.fromkeys([names] if isinstance(names, str) else names):
            self.add_to_collection(name, value)

    def get_collection(self, name, scope=None):
        """The collection's items in insertion order; with `scope`, those whose `name`
        matches it as a regular expression from the start (`re.match`), as TF."""
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        return [i for i in items
                if isinstance(getattr(i, "name", None), str) and re.match(scope, i.name)]

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_all_collection_keys(self):
        return list(self._collections)

    def clear_collection(self, name):
        self._collections.pop(name, None)

    # -- printing ------------------------------------------------------------
    def _node_text(self, op):
        outs = ", ".join(f"{t.name} {_aval_text(t)}" for t in op._outputs) or "()"
        attrs = ", ".join(f"{k}={_attr_text(v)}" for k, v in op._attrs.items()
                          if not k.startswith("_"))
        attrs = f"[{attrs}]" if attrs else ""
        args = [t.name for t in op._inputs] + [f"^{c.name}" for c in op._control_inputs]
        return f"{outs} = {op.type}{attrs}({', '.join(args)})"

    def as_text(self):
        """The graph as text, one op per line: `outputs = Type[attrs](inputs)`."""
        lines = [f"  {self._node_text(op)}" for op in self._ops]
        return "graph {\n" + "\n".join(lines) + "\n}"

    def as_graph_def(self):
        """TF returns a GraphDef protobuf; here the same information as a list of dicts."""
        return [{"name": op.name, "op": op.type, "input": [t.name for t in op.inputs]
                 + [f"^{c.name}" for c in op.control_inputs],
                 "device": op.device,
                 "attr": {k: v for k, v in op._attrs.items() if not k.startswith("_")}}
                for op in self._ops]

    def __repr__(self):
        return f"<tfgrad_jax.Graph with {len(self._ops)} ops at {id(self):#x}>"

    def _repr_html_(self):
        """Jupyter: the graph as an SVG picture (not in TF, which draws it in TensorBoard)."""
        from tfgrad_jax import visual  # above framework/: imported only when drawn
        return visual.show(self)._repr_html_()


def _aval_text(t):
    dims = ",".join("?" if d is None else str(d) for d in t.shape) if t.shape.rank is not None else "*"
    short = {"float32": "f32", "float64": "f64", "float16": "f16", "bfloat16": "bf16",
             "int32": "i32", "int64": "i64", "bool": "bool", "complex64": "c64",
             "complex128": "c128"}.get(t.dtype.name, t.dtype.name)
    return f"{short}[{dims}]"


def _attr_text(v):
    import numpy as np
    if isinstance(v, dtypes.DType):
        return v.name
    if isinstance(v, np.ndarray):
        if v.size <= 6:
            return np.array2string(v, separator=",").replace("\n", "")
        return f"<{v.dtype}{list(v.shape)}>"
    if callable(v):
        return getattr(v, "__name__", "fn")
    return repr(v)


# ---------------------------------------------------------------------------
# Unknown dims. A None dim is a JAX symbolic dim in the tensor's abstract value,
# so that shape inference (`jax.eval_shape`) runs on it; all symbols of one
# graph and of the functions, branches and bodies inside it share one scope,
# so that JAX can combine them. Execution is always concrete.

_symbol_counter = itertools.count()


def symbolic_scope(graph):
    """The JAX symbolic scope of `graph`'s outermost graph (created on first use)."""
    while getattr(graph, "outer_graph", None) is not None:
        graph = graph.outer_graph
    scope = getattr(graph, "_symbolic_scope", None)
    if scope is None:
        from jax import export
        scope = graph._symbolic_scope = export.SymbolicScope()
    return scope


def fresh_symbolic_dim(scope):
    """A new symbolic dim (an unknown dim of its own) in `scope`."""
    from jax import export
    (dim,) = export.symbolic_shape(f"u{next(_symbol_counter)}", scope=scope)
    return dim


def symbolic_shape(graph, tf_shape):
    """A JAX shape for TensorShape `tf_shape` of known rank: a fresh symbol per None dim."""
    scope = symbolic_scope(graph)
    return tuple(fresh_symbolic_dim(scope) if d is None else d for d in tf_shape.as_list())


class UnknownRankAval:
    """The abstract value of a tensor of unknown rank (TF's `TensorShape(None)`): a
    dtype and no shape. JAX has no such value: shape inference tries ranks instead
    (`op_def.infer_outputs`), and execution sees the fed array's concrete shape."""

    __slots__ = ("dtype",)
    shape = None
    ndim = None

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def __repr__(self):
        return f"UnknownRankAval({self.dtype})"


def feedable_aval(graph, tf_shape, np_dtype):
    """The abstract value of a tensor fed at run time with static shape `tf_shape`: a
    fresh symbol per None dim, or an UnknownRankAval if the rank is unknown."""
    if tf_shape.rank is None:
        return UnknownRankAval(np_dtype)
    import jax
    return jax.ShapeDtypeStruct(symbolic_shape(graph, tf_shape), np_dtype)
