"""Pictures of graphs: SVG for Jupyter, and `tfgrad_jax.show`.

TensorFlow draws graphs in TensorBoard (a web app reading a GraphDef): ops are
boxes, name scopes collapse into boxes, edges carry shapes. There is no
picture in the notebook itself. Here a Graph, a ConcreteFunction, an
Operation (with its neighbours) and the object `show(...)` returns display
themselves in Jupyter as inline SVG (`_repr_html_`, `_repr_svg_`), drawn
from the graph itself:

  * inputs (Placeholder), ops, constants, StopGradient ops and gradient ops
    (`SymbolicGradient` and the ops of the gradients' name scope) have their
    own shape and colour, explained by a small legend; a tensor listed in a
    gradient's `stop_gradients` gets a stop mark on the op producing it;
  * every node shows its name and type; every edge its dtype and shape
    (`f32[2,?]`, `f32?` for an unknown rank) as a label, with the tensor names
    in its tooltip (`<title>`);
  * name scopes collapse into boxes (`collapse=[...]`); with `collapse="auto"`
    a graph of more than `AUTO_COLLAPSE_OPS` ops has its top-level scopes
    collapsed, so that it stays legible;
  * `show(..., path=(x, y))` highlights the ops between x and y and marks what
    stops a gradient there (StopGradient, `stop_gradients`, integer tensors,
    ops without a gradient).

Layout: igraph's Sugiyama layout (`Graph.layout_sugiyama`: layering, crossing
reduction by barycenters, control points for edges spanning layers). Chosen
by trying three pip-installable candidates on the same graphs (2,000 ops: 20
scopes of 100, 2,659 edges; timings on this 2-core machine, see
benchmarks/bench_visual.py):

  * igraph 1.0 (C core, wheels for Linux/macOS/Windows): 1.9 s for 2,000 ops,
    0.05 s for 150; edge routes through the layers come with the layout;
  * grandalf 0.8 (pure Python Sugiyama): 61 s for 2,000 ops, 0.3-0.5 s for
    150, similar pictures; a RecursionError on a path of 2,000 ops (it
    recurses once per op); last released in 2023;
  * networkx 3.6 (`topological_generations` + `multipartite_layout`): 1.0 s
    for 2,000 ops but no crossing reduction and no edge routes: edges cut
    through nodes, the pictures are the hardest to read.

Graphviz's `dot` would draw well but is a system binary, absent from this
machine, so it could not be tried and is not used: the default install stays
pure pip. igraph's one cost: its first import in a process takes 2-6 s where
matplotlib is installed (igraph imports it for its own plotting), 0.4 s where
it is not; it is imported when the first picture is drawn, never by
`import tfgrad_jax`.

Two things are ours on top of igraph's layout: the layers (longest path, each
source placed just above its first reader, see `_layers`), and the x
positions, swept left to right per layer, since igraph spaces nodes by one
unit and our boxes have the widths of their names.
"""

import html
import math

from tfgrad_jax.framework.graph import Graph, Operation
from tfgrad_jax.framework.indexed_slices import IndexedSlices
from tfgrad_jax.framework.tensor import SymbolicTensor, Tensor

__all__ = ["AUTO_COLLAPSE_OPS", "Picture", "render", "show"]

AUTO_COLLAPSE_OPS = 150  # above this many ops, collapse="auto" collapses the top-level scopes

# kind -> (legend text, fill, stroke)
_KINDS = {
    "input": ("input (Placeholder)", "#dcf0dc", "#2e7d32"),
    "op": ("op", "#dde9f8", "#1f5fa8"),
    "constant": ("constant", "#eeeeee", "#6d6d6d"),
    "stopped": ("StopGradient", "#fbe0dd", "#c62828"),
    "gradient": ("gradient op", "#eee0f6", "#6a1b9a"),
    "scope": ("name scope (collapsed)", "#fff4d2", "#a87b00"),
    "output": ("function output", "#ffffff", "#444444"),
}
_STOP_TYPES = ("StopGradient", "PreventGradient")
_H = 36           # node height
_VGAP = 46        # between layers
_HGAP = 18        # between neighbours in a layer
_UNIT = 70        # igraph's unit of x, in pixels
_MAX_CHARS = 30   # longer names are shortened (the tooltip has the full name)


class Picture:
    """A rendered graph: `.svg` (str), `.text` (the plain-text form), `.save(filename)`.

    Displays itself in Jupyter as inline SVG (`_repr_html_`, so that tooltips
    work) or as an SVG image (`_repr_svg_`); its `repr` is the text form.
    """

    def __init__(self, svg, text, node_names):
        self.svg = svg
        self._text = text  # a function until asked for: printing every op costs more than drawing
        self.node_names = node_names  # the names drawn, in drawing order (ops or scopes)

    @property
    def text(self):
        if callable(self._text):
            self._text = self._text()
        return self._text

    def _repr_svg_(self):
        return self.svg

    def _repr_html_(self):
        return f'<div style="max-width:100%;overflow:auto">{self.svg}</div>'

    def save(self, filename):
        """Writes the SVG to `filename` (a path or an open text file)."""
        if hasattr(filename, "write"):
            filename.write(self.svg)
            return
        if not isinstance(filename, (str, bytes)) and not hasattr(filename, "__fspath__"):
            raise TypeError(f"`filename` must be a path or a text file, got {filename!r}")
        with open(filename, "w", encoding="utf-8") as f:
            f.write(self.svg)

    def __repr__(self):
        return self.text


# ---------------------------------------------------------------------------
# What to draw.

def show(obj, *args, highlight=None, collapse="auto", path=None):
    """Draws a graph, a tf.function, an op, a tensor or a list of gradients (a Picture).

    Not a TF function (TF draws graphs in TensorBoard). `obj` is one of:
      * a `tf.Graph` (or FuncGraph);
      * a `tf.function` (traced for `*args`, as `get_concrete_function(*args)`)
        or a ConcreteFunction: its graph, with its outputs;
      * an Operation: the op and its neighbours (the ops it reads from and the
        ops reading it), the op highlighted;
      * a graph Tensor: its graph, the tensor's op highlighted;
      * a list of graph tensors (the result of `tf.gradients`; None entries are
        skipped): their graph, the tensors' ops highlighted.
    `highlight`: ops, tensors or op names to highlight too. `collapse`: scope
    names to draw as boxes, `"auto"` (the top-level scopes of a graph of more
    than AUTO_COLLAPSE_OPS ops) or None. `path=(x, y)` (tensors or lists of
    tensors): the ops between x and y are highlighted, and what stops a
    gradient from y to x there is marked.
    """
    graph, ops, marked, outputs = _resolve(obj, args)
    return render(graph, ops=ops, highlight=list(marked) + _as_list(highlight, "highlight"),
                  collapse=collapse, path=path, outputs=outputs)


def _resolve(obj, args):
    from tfgrad_jax.function import ConcreteFunction, Function
    if args and not isinstance(obj, Function):
        raise TypeError(f"show() takes arguments for a tf.function only; got `args` {args!r} "
                        f"for {type(obj).__name__}")
    if isinstance(obj, Function):
        obj = obj.get_concrete_function(*args)
    if isinstance(obj, ConcreteFunction):
        return obj.graph, None, [], obj.outputs
    if isinstance(obj, Graph):
        return obj, None, [], getattr(obj, "outputs", None)
    if isinstance(obj, Operation):
        return obj.graph, _neighbourhood(obj), [obj], None
    if isinstance(obj, (list, tuple)):
        tensors = [t for t in obj if t is not None]
        if not tensors:
            raise ValueError("show() got a list holding no tensor (only None): nothing to draw")
        graph = _graph_of(tensors[0], "obj")
        for t in tensors:
            if _graph_of(t, "obj") is not graph:
                raise ValueError("show() got tensors of different graphs in `obj`")
        return graph, None, [_dense(t).op for t in tensors], None
    if isinstance(obj, Tensor):
        return _graph_of(obj, "obj"), None, [obj.op], None
    raise TypeError(f"show() draws a Graph, a tf.function, a ConcreteFunction, an Operation, "
                    f"a graph Tensor or a list of them; got `obj` of type {type(obj).__name__}")


def _graph_of(t, arg):
    if isinstance(t, SymbolicTensor):
        return t.graph
    if isinstance(t, IndexedSlices):
        return _graph_of(t.values, arg)
    if isinstance(t, Tensor):
        raise TypeError(f"show() draws graph tensors; `{arg}` holds an eager tensor (it has no "
                        "graph: its repr shows its value)")
    raise TypeError(f"`{arg}` must hold graph tensors, got {type(t).__name__}")


def _as_list(x, arg):
    if x is None:
        return []
    items = list(x) if isinstance(x, (list, tuple, set)) else [x]
    for item in items:
        if not isinstance(item, (Operation, Tensor, IndexedSlices, str)):
            raise TypeError(f"`{arg}` must hold ops, tensors or op names, got "
                            f"{type(item).__name__}")
    return items


def _neighbourhood(op):
    ops = {id(op): op}
    for t in op.inputs:
        ops[id(t.op)] = t.op
    for c in op.control_inputs:
        ops[id(c)] = c
    for t in op.outputs:
        for consumer in t._consumers:
            ops[id(consumer)] = consumer
    order = {id(o): i for i, o in enumerate(op.graph.get_operations())}
    return sorted(ops.values(), key=lambda o: order.get(id(o), -1))


# ---------------------------------------------------------------------------
# The drawing model: nodes (ops or collapsed scopes) and edges between them.

class _Node:
    __slots__ = ("key", "label", "sub", "kind", "title", "stops", "hl", "w", "x", "y", "members")

    def __init__(self, key, label, sub, kind, title):
        self.key, self.label, self.sub, self.kind, self.title = key, label, sub, kind, title
        self.stops, self.hl, self.members = [], False, []
        self.w = max(len(_short(label)), len(sub)) * 7 + 22
        self.x = self.y = 0.0


def render(graph, *, ops=None, highlight=(), collapse="auto", path=None, outputs=None):
    """The Picture of `graph` (or of its ops `ops`); see `show` for the arguments."""
    if not isinstance(graph, Graph):
        raise TypeError(f"`graph` must be a tf.Graph, got {type(graph).__name__}")
    whole = ops is None
    ops = list(graph.get_operations() if whole else ops)
    scopes = _collapsed_scopes(ops, collapse)
    group = _grouper(scopes)
    boxes = set(scopes)
    hl_ops = _highlighted_ops(graph, highlight)
    stops = _stop_gradients(graph)
    gradient_scopes = _gradient_scopes(graph)
    on_path, blockers = _path(graph, path) if path is not None else (set(), {})

    nodes, order = {}, []
    for op in ops:
        key = group(op.name) or op.name
        node = nodes.get(key)
        if node is None:
            if key in boxes:
                node = _Node(key, key + "/", "", "scope", "")
            else:
                node = _Node(key, op.name, op.type, _kind(op, gradient_scopes), _op_title(op))
            nodes[key] = node
            order.append(node)
        if node.kind == "scope":
            node.members.append(op)
        for t in op.outputs:
            if t.name in stops:
                node.stops.append(f"{t.name} is in the stop_gradients of {stops[t.name]}")
        if op.name in blockers:
            node.stops.append(blockers[op.name])
        if id(op) in hl_ops or op.name in on_path:
            node.hl = True
    for node in order:
        if node.kind == "scope":
            types = {}
            for op in node.members:
                types[op.type] = types.get(op.type, 0) + 1
            node.sub = f"{len(node.members)} ops"
            node.w = max(len(_short(node.label)), len(node.sub)) * 7 + 22
            node.title = (f"name scope {node.key}/ ({len(node.members)} ops: "
                          + ", ".join(f"{n} {t}" for t, n in sorted(types.items())) + ")")

    drawn = {id(op): group(op.name) or op.name for op in ops}
    path_edges = set()  # (src key, dst key) of the edges carrying a tensor along the path
    # (src key, dst key, control) -> {id: tensor} (ops, for control edges): a tensor read
    # by several ops of a collapsed scope is one tensor on its edge.
    edges = {}
    for op in ops:
        dst = drawn[id(op)]
        for t in op.inputs:
            src = drawn.get(id(t.op))
            if src is not None and src != dst:
                edges.setdefault((src, dst, False), {})[id(t)] = t
                if t.op.name in on_path and op.name in on_path:
                    path_edges.add((src, dst))
        for c in op.control_inputs:
            src = drawn.get(id(c))
            if src is not None and src != dst:
                edges.setdefault((src, dst, True), {})[id(c)] = c
    for i, t in enumerate(outputs or []):
        src = drawn.get(id(t.op))
        if src is not None:
            key = f"output {i}"
            node = _Node(key, key, "", "output", f"output {i} of the function: {t.name}")
            node.w = len(key) * 7 + 22
            nodes[key] = node
            order.append(node)
            edges.setdefault((src, key, False), {})[id(t)] = t
    edges = {key: list(items.values()) for key, items in edges.items()}

    routes = _place(order, edges)
    svg = _svg(graph, order, nodes, edges, routes, path_edges, scopes)

    def text():
        body = graph.as_text() if whole else ("graph {\n" + "\n".join(
            f"  {graph._node_text(op)}" for op in ops) + "\n}")
        return (f"{graph!r}" + (f", scopes collapsed: {', '.join(scopes)}" if scopes else "")
                + "\n" + body)
    return Picture(svg, text, [n.key for n in order])


def _collapsed_scopes(ops, collapse):
    if collapse is None or collapse is False:
        return []
    if isinstance(collapse, str) and collapse == "auto":
        if len(ops) <= AUTO_COLLAPSE_OPS:
            return []
        return sorted({op.name.split("/")[0] for op in ops if "/" in op.name})
    names = [collapse] if isinstance(collapse, str) else collapse
    try:
        names = list(names)
    except TypeError:
        raise TypeError(f"`collapse` must be a list of scope names, 'auto' or None, "
                        f"got {collapse!r}") from None
    for n in names:
        if not isinstance(n, str) or not n.strip("/"):
            raise ValueError(f"`collapse` must hold non-empty scope names, got {n!r}")
    return sorted({n.strip("/") for n in names}, key=len)


def _grouper(scopes):
    # The outermost collapsed scope holding an op wins; the op named like the scope
    # (`mul` beside `mul/x`) belongs to it, as TensorBoard draws it.
    chosen = set(scopes)

    def group(name):
        parts = name.split("/")
        for k in range(1, len(parts) + 1):
            prefix = "/".join(parts[:k])
            if prefix in chosen:
                return prefix
        return None
    return group


def _highlighted_ops(graph, highlight):
    out = set()
    for h in highlight:
        if isinstance(h, str):  # a tensor name ("add:0") or an op name ("add")
            h = graph.get_tensor_by_name(h) if ":" in h else graph.get_operation_by_name(h)
        out.add(id(h if isinstance(h, Operation) else _dense(h).op))
    return out


def _dense(t):
    # An IndexedSlices gradient (of tf.gather) is drawn as its values tensor.
    return t.values if isinstance(t, IndexedSlices) else t


def _gradient_scopes(graph):
    return {op.name.rpartition("/")[0] for op in graph.get_operations()
            if op.type == "SymbolicGradient" and "/" in op.name}


def _stop_gradients(graph):
    """Tensor name -> the gradient op whose `stop_gradients` lists it (recorded by tf.gradients)."""
    out = {}
    for op in graph.get_operations():
        for name in op._attrs.get("_stop_gradients", ()):
            out.setdefault(name, op.name)
    return out


def _kind(op, gradient_scopes):
    if op.type in _STOP_TYPES:
        return "stopped"
    if op.type == "SymbolicGradient" or any(op.name.startswith(s + "/")
                                           for s in gradient_scopes):
        return "gradient"
    if op.type == "Placeholder":
        return "input"
    if op.type == "Const":
        return "constant"
    return "op"


def _op_title(op):
    ins = ", ".join(f"{t.name} {_shape_text(t)}" for t in op.inputs) or "-"
    outs = ", ".join(f"{t.name} {_shape_text(t)}" for t in op.outputs) or "-"
    return f"{op.name} ({op.type})\ninputs: {ins}\noutputs: {outs}"


_SHORT_DTYPES = {"float32": "f32", "float64": "f64", "float16": "f16", "bfloat16": "bf16",
                 "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64", "uint8": "u8",
                 "complex64": "c64", "complex128": "c128"}


def _shape_text(t):
    """`f32[2,?]`; `f32?` when the rank is unknown."""
    dtype = _SHORT_DTYPES.get(t.dtype.name, t.dtype.name)
    if t.shape.rank is None:
        return f"{dtype}?"
    return f"{dtype}[{','.join('?' if d is None else str(d) for d in t.shape)}]"


def _path(graph, path):
    """Ops on a path from an x to a y, and the ones among them that stop a gradient."""
    from tfgrad_jax import gradient_registry
    if not isinstance(path, (tuple, list)) or len(path) != 2:
        raise ValueError(f"`path` must be a pair (x, y) of tensors or lists of tensors, "
                         f"got {path!r}")
    xs, ys = (_path_tensors(graph, p, arg) for p, arg in zip(path, ("path[0]", "path[1]")))
    forward, stack = set(), [t for t in xs]
    x_ops = {id(t.op) for t in xs}
    while stack:
        t = stack.pop()
        for op in t._consumers:
            if id(op) not in forward:
                forward.add(id(op))
                stack.extend(op.outputs)
    backward, stack = set(), [t.op for t in ys]
    while stack:
        op = stack.pop()
        if id(op) not in backward:
            backward.add(id(op))
            stack.extend(t.op for t in op.inputs)
    on = {op.name for op in graph.get_operations()
          if (id(op) in forward or id(op) in x_ops) and id(op) in backward}
    stops = _stop_gradients(graph)
    blockers = {}
    for op in graph.get_operations():
        if op.name not in on or id(op) in x_ops:
            continue
        kind, _ = gradient_registry.policy(op)
        if op.type in _STOP_TYPES:
            blockers[op.name] = f"{op.type}: no gradient flows through {op.name}"
        elif any(t.name in stops for t in op.outputs):
            blockers[op.name] = f"{op.name} is in stop_gradients: held constant"
        elif (op.outputs and not any(_inexact(t) for t in op.outputs)
              and any(_inexact(t) and t.op.name in on for t in op.inputs)):
            # (only where the path turns integer: the ops after it get nothing to stop)
            blockers[op.name] = (f"{op.name} gives {op.outputs[0].dtype.name}: integer "
                                 "tensors are constants for tf.gradients")
        elif kind == "none":
            blockers[op.name] = f"{op.type} is not differentiable: no gradient flows through it"
        elif kind == "missing":
            blockers[op.name] = (f"{op.type} has no registered gradient: tf.gradients raises "
                                 "LookupError on this path")
    return on, blockers


def _inexact(t):
    return t.dtype.is_floating or t.dtype.is_complex


def _path_tensors(graph, p, arg):
    items = list(p) if isinstance(p, (list, tuple)) else [p]
    if not items:
        raise ValueError(f"`{arg}` is empty")
    for t in items:
        if not isinstance(t, SymbolicTensor):
            raise TypeError(f"`{arg}` must hold graph tensors, got {type(t).__name__}")
        if t.graph is not graph:
            raise ValueError(f"`{arg}` holds {t.name}, a tensor of another graph")
    return items


# ---------------------------------------------------------------------------
# Layout (igraph) and drawing.

def _place(order, edges):
    """Sets each node's centre (x, y); returns the bends of each edge, (src, dst) -> points."""
    import igraph
    index = {n.key: i for i, n in enumerate(order)}
    pairs = sorted({(index[s], index[d]) for s, d, _ in edges})
    layout = igraph.Graph(n=len(order), edges=pairs, directed=True).layout_sugiyama(
        layers=_layers(len(order), pairs))
    coords = layout.coords
    routes = dict(zip(pairs, layout.edge_routing or [[] for _ in pairs]))
    # One sweep per layer (left to right, in igraph's order) so that boxes of
    # different widths do not overlap; dummy points (bends) are 12 px wide.
    layers = {}
    for i, (x, y) in enumerate(coords):
        layers.setdefault(int(round(y)), []).append((x, order[i].w, ("node", i)))
    for pair, points in routes.items():
        for j, (x, y) in enumerate(points):
            layers.setdefault(int(round(y)), []).append((x, 12, ("bend", pair, j)))
    placed_routes = {pair: [None] * len(points) for pair, points in routes.items()}
    for layer, items in layers.items():
        right = float("-inf")
        for x, w, ref in sorted(items, key=lambda item: item[0]):
            px = max(x * _UNIT, right + _HGAP + w / 2)
            right = px + w / 2
            py = layer * (_H + _VGAP)
            if ref[0] == "node":
                order[ref[1]].x, order[ref[1]].y = px, py
            else:
                placed_routes[ref[1]][ref[2]] = (px, py)
    shift = min([n.x - n.w / 2 for n in order] + [p[0] for r in placed_routes.values() for p in r],
                default=0)
    for n in order:
        n.x -= shift
    for pair, points in placed_routes.items():
        placed_routes[pair] = [(x - shift, y) for x, y in points]
    return {(order[s].key, order[d].key): pts for (s, d), pts in placed_routes.items()}


def _layers(n, pairs):
    """Longest-path layers, with each source (a constant, an input) just above its
    first reader: igraph's own layering puts every source on the top layer, and
    the long edges from there cost a bend per layer (quadratic for a long chain)."""
    # Nodes come in creation order, a topological order of the ops; an edge going
    # back (between collapsed scopes) is left out of the layering.
    preds, succs = [[] for _ in range(n)], [[] for _ in range(n)]
    for s, d in pairs:
        if s < d:
            preds[d].append(s)
            succs[s].append(d)
    layer = [0] * n
    for v in range(n):
        layer[v] = max((layer[p] + 1 for p in preds[v]), default=0)
    for v in range(n):
        if not preds[v] and succs[v]:
            layer[v] = min(layer[d] for d in succs[v]) - 1
    return layer


def _short(name):
    return name if len(name) <= _MAX_CHARS else "\u2026" + name[-(_MAX_CHARS - 1):]


def _esc(s):
    return html.escape(str(s), quote=True)


def _shape_svg(kind, x, y, w, h):
    """The outline of a node of `kind` centred at (x, y)."""
    left, top = x - w / 2, y - h / 2
    if kind == "input":
        return f'<ellipse cx="{x:.1f}" cy="{y:.1f}" rx="{w / 2:.1f}" ry="{h / 2:.1f}"/>'
    if kind == "stopped":
        c = 9
        pts = [(left + c, top), (left + w - c, top), (left + w, top + c), (left + w, top + h - c),
               (left + w - c, top + h), (left + c, top + h), (left, top + h - c), (left, top + c)]
        return '<polygon points="' + " ".join(f"{px:.1f},{py:.1f}" for px, py in pts) + '"/>'
    if kind == "scope":
        return (f'<rect x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" rx="10"/>'
                f'<rect x="{left + 3:.1f}" y="{top + 3:.1f}" width="{w - 6:.1f}" '
                f'height="{h - 6:.1f}" rx="8" fill="none"/>')
    radius = {"constant": 2, "gradient": 4, "output": 18}.get(kind, 7)
    return (f'<rect x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'rx="{radius}"/>')


def _stop_mark(x, y, title):
    # A small stop sign (red octagon) on the node's top-right corner.
    r, pts = 8, []
    for k in range(8):
        a = math.pi / 8 + k * math.pi / 4
        pts.append(f"{x + r * math.cos(a):.1f},{y + r * math.sin(a):.1f}")
    return (f'<g class="stop-mark"><title>{_esc(title)}</title>'
            f'<polygon points="{" ".join(pts)}" fill="#c62828" stroke="#ffffff"/>'
            f'<rect x="{x - 4.5:.1f}" y="{y - 1.2:.1f}" width="9" height="2.4" fill="#ffffff"/>'
            '</g>')


def _edge_path(points):
    # Vertical cubic pieces between successive points: smooth, graphviz-like curves.
    d = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        my = (ay + by) / 2
        d += f" C{ax:.1f},{my:.1f} {bx:.1f},{my:.1f} {bx:.1f},{by:.1f}"
    return d


_STYLE = """
text { font-family: Menlo, Consolas, 'DejaVu Sans Mono', monospace; fill: #222; }
.node text.name { font-size: 11px; }
.node text.type { font-size: 9.5px; fill: #555; font-style: italic; }
.node > ellipse, .node > rect, .node > polygon { stroke-width: 1.3; }
.node.hl > ellipse, .node.hl > rect, .node.hl > polygon { stroke: #f29900; stroke-width: 3.5; }
.edge path { fill: none; stroke: #8a8a8a; stroke-width: 1.2; }
.edge.control path { stroke-dasharray: 4 3; }
.edge.hl path { stroke: #f29900; stroke-width: 2.8; }
.edge text { font-size: 9px; fill: #555; }
.edge text.halo { fill: #fff; stroke: #fff; stroke-width: 3px; }
.legend text { font-size: 10px; }
.caption { font-size: 11px; fill: #444; }
"""


def _svg(graph, order, nodes, edges, routes, path_edges, scopes):
    legend_h = 58
    legend, legend_w = _legend(graph, scopes, sum(len(n.members) or n.kind != "output"
                                                  for n in order))
    width = max([n.x + n.w / 2 for n in order] + [legend_w]) + 20
    height = max([n.y + _H / 2 for n in order] + [0]) + legend_h + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" class="tfgrad-graph">',
           f"<title>{_esc(repr(graph))}</title>", f"<style>{_STYLE}</style>",
           "<defs>" + "".join(
               f'<marker id="{mid}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
               f'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
               f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
               for mid, colour in (("arrow", "#8a8a8a"), ("arrow-hl", "#f29900"))) + "</defs>"]
    out.append(legend)
    out.append(f'<g transform="translate(10,{legend_h + 10 + _H / 2})">')
    ports = _ports(nodes, edges, routes)
    for (src, dst, control), items in edges.items():
        start, end = ports[src, dst, control]
        points = [start] + list(routes.get((src, dst), [])) + [end]
        if control:
            tip = "control dependency: " + ", ".join(c.name for c in items)
            label = ""
        else:
            tip = "\n".join(f"{t.name} {_shape_text(t)}" for t in items)
            label = _shape_text(items[0]) if len(items) == 1 else f"{len(items)} tensors"
        hl = (src, dst) in path_edges and not control
        cls = "edge" + (" control" if control else "") + (" hl" if hl else "")
        arrow = "arrow-hl" if hl else "arrow"
        out.append(f'<g class="{cls}" data-src="{_esc(src)}" data-dst="{_esc(dst)}">'
                   f"<title>{_esc(tip)}</title>"
                   f'<path d="{_edge_path(points)}" marker-end="url(#{arrow})"/>')
        if label:
            k = len(points) // 2
            (ax, ay), (bx, by) = points[k - 1], points[k]
            at = f'x="{(ax + bx) / 2 + 4:.1f}" y="{(ay + by) / 2 + 3:.1f}"'
            # A white halo under the label (drawn first), for renderers without paint-order.
            out.append(f'<text class="halo" {at}>{_esc(label)}</text>'
                       f"<text {at}>{_esc(label)}</text>")
        out.append("</g>")
    for n in order:
        _, fill, stroke = _KINDS[n.kind]
        cls = f"node {n.kind}" + (" hl" if n.hl else "") + (" has-stop" if n.stops else "")
        title = n.title + ("\n" + "\n".join(n.stops) if n.stops else "")
        out.append(f'<g class="{cls}" data-name="{_esc(n.key)}" data-kind="{n.kind}" '
                   f'fill="{fill}" stroke="{stroke}"><title>{_esc(title)}</title>'
                   + _shape_svg(n.kind, n.x, n.y, n.w, _H))
        if n.sub:
            out.append(f'<text class="name" x="{n.x:.1f}" y="{n.y - 2:.1f}" text-anchor="middle" '
                       f'stroke="none">{_esc(_short(n.label))}</text>'
                       f'<text class="type" x="{n.x:.1f}" y="{n.y + 11:.1f}" '
                       f'text-anchor="middle" stroke="none">{_esc(n.sub)}</text>')
        else:
            out.append(f'<text class="name" x="{n.x:.1f}" y="{n.y + 4:.1f}" text-anchor="middle" '
                       f'stroke="none">{_esc(_short(n.label))}</text>')
        if n.stops:
            out.append(_stop_mark(n.x + n.w / 2 - 2, n.y - _H / 2 + 2, "\n".join(n.stops)))
        out.append("</g>")
    out.append("</g></svg>")
    return "\n".join(out)


def _ports(nodes, edges, routes):
    """(start, end) of each edge: the edges leaving (entering) a node are spread over
    its bottom (top) side in the order of where they go (come from), so that
    arrows do not all meet in one point."""
    ends = {}  # (node key, side) -> [(x of the other end, edge key)]
    for key in edges:
        src, dst, _ = key
        a, b = nodes[src], nodes[dst]
        bends = routes.get((src, dst), [])
        down = b.y >= a.y
        ends.setdefault((src, down), []).append(((bends[0] if bends else (b.x, b.y))[0], key))
        ends.setdefault((dst, not down), []).append(((bends[-1] if bends else (a.x, a.y))[0],
                                                     key))
    ports = {key: [None, None] for key in edges}
    for (name, bottom), items in ends.items():
        n = nodes[name]
        step = min(12.0, (n.w - 24) / max(len(items) - 1, 1))
        y = n.y + _H / 2 if bottom else n.y - _H / 2
        for i, (_, key) in enumerate(sorted(items, key=lambda item: item[0])):
            x = n.x + (i - (len(items) - 1) / 2) * step
            ports[key][0 if key[0] == name and bottom == (nodes[key[1]].y >= n.y) else 1] = (x, y)
    return {key: tuple(p) for key, p in ports.items()}


def _legend(graph, scopes, n_drawn):
    out, x = ['<g class="legend" transform="translate(10,8)">'], 0
    for kind in ("input", "op", "constant", "stopped", "gradient", "scope"):
        text, fill, stroke = _KINDS[kind]
        w = 26
        out.append(f'<g fill="{fill}" stroke="{stroke}">'
                   + _shape_svg(kind, x + w / 2, 9, w, 16) + "</g>"
                   f'<text x="{x + w + 4}" y="13">{_esc(text)}</text>')
        x += w + 10 + len(text) * 6.3
        if kind == "constant":
            out.append(_stop_mark(x + 8, 9, "stop mark: a tensor in stop_gradients, or (with "
                                  "path=) what stops the gradient")
                       + f'<text x="{x + 20}" y="13">stops the gradient</text>')
            x += 140
    total = len(graph.get_operations())
    caption = (f"{getattr(graph, 'name', None) or 'graph'}: "
               + (f"{total} ops" if n_drawn == total else f"{n_drawn} of {total} ops"))
    if scopes:
        caption += f", {len(scopes)} scope(s) collapsed"
    out.append(f'<text class="caption" x="0" y="38">{_esc(caption)}</text></g>')
    return "\n".join(out), x + 10
