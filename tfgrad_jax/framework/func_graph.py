"""`FuncGraph`: a closed sub-graph, the one graph-valued thing an op may carry.

A FuncGraph is a `Graph` with explicit `inputs` (placeholders), `outputs`
and `captures`. It is what `tf.function` traces, and what every op that
holds a computation carries as an attribute: the branches of `tf.cond`, the
condition and body of `tf.while_loop`, a nested `tf.function` call, a
registered gradient function and the forward computation a `tf.gradients`
op differentiates. The lowering interpreter lowers it recursively
(`lowering.lower_graph`).

Captures. A tensor of an enclosing graph used inside a FuncGraph becomes a
placeholder of the FuncGraph, recorded with the tensor it stands for
(`captures`: (external, internal) pairs in capture order). An op carrying
the FuncGraph passes the external tensors as extra inputs, so the graph
stays closed: nothing inside refers to an outer tensor. A tensor two graphs
out is captured into each graph in between. At the top (a tf.function's own
graph), the externals are eager tensors or stateful objects (random op
counters, variables), read on every call.

No cache may keep a graph alive: anything derived from a FuncGraph (its
lowering, its gradient form) is cached on the FuncGraph or its op itself, so
it dies with the graph.
"""

import jax

from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework import nest
from tfgrad_jax.framework.op_def import convert_to_tensor, make_placeholder
from tfgrad_jax.framework.tensor import EagerTensor, SymbolicTensor


class FuncGraph(graph_mod.Graph):
    """A graph with explicit `inputs`, `outputs` and `captures`, as TF's FuncGraph."""

    building_function = True

    def __init__(self, name, outer_graph=None):
        super().__init__()
        self.name = name
        self.outer_graph = outer_graph
        self.inputs = []
        self.outputs = []
        self.structured_outputs = None
        self._captures = {}      # id(captured value) -> (value, placeholder)
        self._capture_list = []  # (external, placeholder) in capture order
        self._capture_roots = []  # per capture, the value an op inside used
        if outer_graph is not None:
            self.seed = outer_graph.seed
            self._gradient_override_map = dict(outer_graph._gradient_override_map)

    def capture(self, value, name=None):
        """The placeholder standing for `value` (an outer tensor or stateful object)."""
        entry = self._captures.get(id(value))
        if entry is not None:
            return entry[1]
        external = value
        outer = self.outer_graph
        if outer is not None and getattr(value, "_is_variable", False):
            external = outer.variable_version(value)  # its value where this graph is used
        elif outer is not None:
            if isinstance(value, SymbolicTensor):
                if value.graph is not outer:  # from further out: capture it in between first
                    if not isinstance(outer, FuncGraph):
                        raise ValueError(f"{value!r} is not from a graph enclosing {self.name}.")
                    external = outer.capture(value)
            else:  # an eager tensor or a stateful object: the outer graph brings it in
                external = outer.capture(value)
        aval = getattr(external, "_aval", None)  # a graph tensor's, or a variable's value's
        if aval is None:
            aval = jax.ShapeDtypeStruct(tuple(external.shape), external.dtype.as_numpy_dtype)
        with self.name_scope(None):
            placeholder = make_placeholder(self, external.dtype, aval, name or "Placeholder",
                                           external.shape)
        self._captures[id(value)] = (value, placeholder)
        if external is not value:
            self._captures[id(external)] = (external, placeholder)
        self._capture_list.append((external, placeholder))
        self._capture_roots.append(value)
        return placeholder

    def _variable_entry(self, variable):
        # The value it has when this graph starts: captured, so passed in by the op
        # (or the call) that runs the graph.
        return self.capture(variable, name=f"{variable._shared_name}/resource")

    def promote_variable_captures(self, variables):
        """Turns the captures of `variables` into inputs (appended), making unused ones.

        A loop body that assigns a variable takes it as a loop variable, not
        a loop-invariant capture: its placeholder moves from the captures to the
        inputs (or a new one is made if this graph never read it).
        """
        for variable in variables:
            entry = self._captures.get(id(variable))
            if entry is None:
                with self.as_default(), self.name_scope(None):
                    ph = make_placeholder(self, variable.dtype, variable._aval,
                                          f"{variable._shared_name}/resource", variable.shape)
                self._variables.setdefault(id(variable), [variable, [ph]])
            else:
                ph = entry[1]
                keep = [i for i, (_, p) in enumerate(self._capture_list) if p is not ph]
                self._capture_list = [self._capture_list[i] for i in keep]
                self._capture_roots = [self._capture_roots[i] for i in keep]
                self._captures = {k: v for k, v in self._captures.items() if v[1] is not ph}
            self.inputs.append(ph)

    @property
    def captures_symbolic_tensors(self):
        """True if an op inside used a tensor of an enclosing graph (not a value)."""
        return any(isinstance(r, SymbolicTensor) for r in self._capture_roots)

    def detach(self):
        """Forgets the enclosing graph, so that this graph can be reused in any other.

        Only for a graph that captured values, not tensors: its captures become
        the captured values themselves (an enclosing graph captures them again
        wherever this graph is used), as if it had been traced at the top.
        """
        assert not self.captures_symbolic_tensors
        self.outer_graph = None
        self._capture_list = [(root, ph) for root, (_, ph) in
                              zip(self._capture_roots, self._capture_list)]
        self._captures = {id(root): (root, ph) for root, ph in self._capture_list}

    def align_captures(self, externals):
        """Captures `externals` (tensors of the enclosing graph) in exactly this order.

        The ops carrying several graphs (cond branches, a loop's condition and
        body) pass one list of captured tensors to all of them; each graph
        captures the ones it did not use, and its captures are put in that order.
        """
        for t in externals:
            self.capture(t)
        index = {id(ext): (ext, ph, root) for (ext, ph), root in
                 zip(self._capture_list, self._capture_roots)}
        order = [index[id(t)] for t in externals]
        self._capture_list = [(ext, ph) for ext, ph, _ in order]
        self._capture_roots = [root for _, _, root in order]

    @property
    def captures(self):
        """(external, internal placeholder) pairs, in capture order."""
        return list(self._capture_list)

    @property
    def external_captures(self):
        return [ext for ext, _ in self._capture_list]

    @property
    def internal_captures(self):
        return [ph for _, ph in self._capture_list]

    @property
    def all_inputs(self):
        """The placeholders a lowering of this graph takes: inputs, then captures."""
        return list(self.inputs) + self.internal_captures

    def input_dependencies(self):
        """Per output, the indices (in `all_inputs`) of the inputs its value depends on."""
        def compute():
            index = {id(t): i for i, t in enumerate(self.all_inputs)}
            deps = {}
            for op in self._ops:
                needs = frozenset().union(*[deps.get(id(t), frozenset()) for t in op._inputs])
                for t in op._outputs:
                    deps[id(t)] = needs
                for t in op._outputs:
                    if id(t) in index:
                        deps[id(t)] = frozenset([index[id(t)]])
            return [deps.get(id(t), frozenset()) for t in self.outputs]
        return self.cached("input_dependencies", compute)

    def __repr__(self):
        return f"<FuncGraph {self.name} with {len(self._ops)} ops>"


def sub_graphs(op):
    """The FuncGraphs an op carries (its `graph_attrs`), in declaration order."""
    found = []
    for name in op._opdef.graph_attrs:
        value = op._attrs.get(name)
        if isinstance(value, (tuple, list)):
            found.extend(value)
        elif value is not None:
            found.append(value)
    return found


def is_stateful(graph):
    """True if the graph, or a graph one of its ops carries, has a stateful op."""
    def stateful(g):
        return any(op._opdef.is_stateful or any(stateful(s) for s in sub_graphs(op))
                   for op in g._ops)
    return graph.cached("stateful", lambda: stateful(graph))


def root_graph(graph):
    """The outermost graph of a chain of FuncGraphs (a tf.function's or a TF-1 graph)."""
    while getattr(graph, "outer_graph", None) is not None:
        graph = graph.outer_graph
    return graph


def trace_function(fn, outer_graph, name, inputs=(), name_scope=None):
    """Calls `fn(*placeholders)` inside a new FuncGraph; returns (graph, structured result).

    `inputs`: (dtype, aval, tf_shape, name) per placeholder `fn` takes (the
    graph's `inputs`); `tf_shape` is what TF would know of it (e.g. a loop's
    shape invariant), `aval` what it is when traced. The result's leaves
    become tensors of the new graph (Python numbers become constants, outer
    tensors are captured) or stay None; they are the graph's `outputs`.
    `name_scope`: the scope op names start in (TF names the ops of a cond
    branch `cond/...`).
    """
    graph = FuncGraph(name, outer_graph=outer_graph)
    if name_scope:
        graph._name_stack = name_scope.rstrip("/")
    with graph.as_default():
        placeholders = []
        for dtype, aval, shape, arg_name in inputs:
            ph = make_placeholder(graph, dtype, aval, arg_name, shape)
            ph._shape = shape
            placeholders.append(ph)
        graph.inputs = placeholders
        result = fn(*placeholders)
        result = nest.map_structure(lambda leaf: _as_graph_output(leaf, graph), result)
    graph.structured_outputs = result
    graph.outputs = [t for t in nest.flatten(result) if t is not None]
    return graph, result


def _as_graph_output(leaf, graph):
    if leaf is None:
        return None
    if hasattr(leaf, "_as_tensor"):
        leaf = leaf._as_tensor()
    if isinstance(leaf, EagerTensor) or (isinstance(leaf, SymbolicTensor) and
                                         leaf.graph is not graph):
        return graph.capture(leaf)
    return convert_to_tensor(leaf)


def union_captures(graphs):
    """The outer tensors any of `graphs` captured, once each; each graph then takes them all.

    For an op carrying several graphs: its inputs end with this list, and
    every graph's captures are in this order (`FuncGraph.align_captures`).
    """
    externals, seen = [], set()
    for g in graphs:
        for t in g.external_captures:
            if id(t) not in seen:
                seen.add(id(t))
                externals.append(t)
    for g in graphs:
        g.align_captures(externals)
    return externals
