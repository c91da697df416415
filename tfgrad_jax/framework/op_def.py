"""One op, one declaration: `def_op` and `apply_op`.

Each op type is declared once, with
  * its TF type name (`"AddV2"`),
  * its JAX lowering, `lower(*inputs, **attrs) -> array | tuple of arrays`,
  * its inputs and their dtype constraints, in a small TF-like syntax
    (`"x: T, y: T"`, `"values: N*T"` for a list input),
  * its gradient policy: JAX autodiff of the lowering (the default), a JAX
    vector-Jacobian rule where TF's gradient differs from JAX's derivative,
    `NOT_DIFFERENTIABLE` (TF's `tf.no_gradient`: nothing flows back), or
    `NO_GRADIENT` (TF has no gradient function: `tf.gradients` raises LookupError).

Shapes and dtypes are never written by hand: `apply_op` runs the lowering on
abstract values (`jax.eval_shape`), in graph mode, or on real arrays, eagerly.
That trace is cached per signature (op, input shapes and dtypes, attrs) and its
jaxpr is what `OpDef.call` replays when a graph is lowered, so a lowering must
be a pure function of its inputs and attrs; one that is not (it reads state
or draws fresh randomness when traced) is declared `stateful=True`.

An op that holds a computation (control flow, function calls, gradients)
names the attributes that carry it, `graph_attrs`: each is a closed
`FuncGraph` (or a tuple of them), lowered recursively by the interpreter.
Such ops are never traced into the per-signature cache (a cache keyed on a
graph would keep the graph alive). For `tf.gradients`, such an op also
declares `deps(op, graph_deps)`: for each of its outputs, the inputs it
depends on differentiably, worked out from its sub-graphs with `graph_deps`
(supplied by the gradient module, so that this layer knows nothing of it).
It may also declare `out_avals(inputs, attrs)`: its output avals read off
its sub-graphs' outputs (which eval_shape inferred op by op), so that the
whole computation is not traced again just for its shapes; None falls back
to eval_shape.
"""

import contextlib
import functools
import threading

import jax
import numpy as np
from jax.extend.core import jaxpr_as_fun as _jaxpr_as_fun

from tfgrad_jax.framework import dtypes, runtime_checks, string_values
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.errors import InaccessibleTensorError, InvalidArgumentError
from tfgrad_jax.framework.tensor import EagerTensor, SymbolicTensor, Tensor, to_numpy

AUTODIFF = "autodiff"
NOT_DIFFERENTIABLE = "not_differentiable"
NO_GRADIENT = "no_gradient"

_REGISTRY = {}


class InputArg:
    __slots__ = ("name", "type_attr", "is_list")

    def __init__(self, spec):
        name, _, type_part = (s.strip() for s in spec.partition(":"))
        self.name = name
        self.is_list = type_part.startswith("N*")
        self.type_attr = (type_part[2:] if self.is_list else type_part) or None


class OpDef:
    """The declaration of one op type. Plain data; see the module docstring."""

    __slots__ = ("type", "lower", "inputs", "type_constraints", "grad", "vjp",
                 "public_names", "value_attrs", "_fn", "is_stateful", "_type_attrs",
                 "graph_attrs", "deps", "out_avals", "check", "data_dependent",
                 "static_attrs")

    def __init__(self, type, lower, inputs, type_constraints, grad, vjp, value_attrs, stateful,
                 graph_attrs=(), deps=None, out_avals=None, check=None, data_dependent=False,
                 static_attrs=None):
        self.type = type
        self.lower = lower
        self.inputs = tuple(InputArg(s) for s in inputs.split(",") if s.strip()) if inputs else ()
        self.type_constraints = type_constraints
        self.grad = grad
        self.vjp = vjp
        self.public_names = []
        self.value_attrs = frozenset(value_attrs)
        self.is_stateful = stateful
        self.graph_attrs = tuple(graph_attrs)
        self.deps = deps
        self.out_avals = out_avals
        self.check = check
        self.data_dependent = data_dependent
        self.static_attrs = dict(static_attrs or {})
        self._fn = _with_vjp_rule(lower, vjp) if vjp is not None else lower
        # Type attributes (T, ...) are recorded on the op but never passed to the lowering.
        self._type_attrs = frozenset(type_constraints) | {
            a.type_attr for a in self.inputs if a.type_attr}

    @property
    def gradient_policy(self):
        """'autodiff', 'tf rule' (a JAX rule matching TF), 'not differentiable' or 'no gradient'."""
        if self.grad != AUTODIFF:
            return self.grad.replace("_", " ")
        return "tf rule" if self.vjp is not None else AUTODIFF

    def call(self, flat_inputs, input_lengths, attrs):
        """Runs the lowering on arrays (or tracers); always returns a tuple.

        A pure op being staged into a jaxpr (`jax.jit`) replays the jaxpr its
        lowering was traced to when its shapes were inferred (`_cached_trace`):
        binding those primitives again costs a fraction of re-running the
        lowering (jnp's nested jits, re-tracing a custom_vjp). On values, and
        under differentiation (JVP tracers), the lowering itself is faster:
        measured 5x eagerly and 2.5x under `jax.vjp` for a chain of small ops.
        """
        # (An op reading a shape at lowering time, `_STATIC_INPUTS`, is keyed by its
        # value, which the per-signature cache does not see.)
        if not (self.value_attrs or self.is_stateful or self.graph_attrs
                or _STATIC_INPUTS in attrs or _rules.jax_only) and _staged(flat_inputs):
            out = _replay(self, flat_inputs, input_lengths, attrs)
            if out is not None:
                return out
        out = self.call_raw(flat_inputs, input_lengths, attrs)
        return tuple(out) if isinstance(out, (tuple, list)) else (out,)

    def call_raw(self, flat_inputs, input_lengths, attrs):
        """Runs the lowering: an array for a single-output op, else a tuple."""
        args, attrs = self.lowering_args(flat_inputs, input_lengths, attrs)
        if _rules.jax_only:  # (the cross-check's JAX side: no TF rule)
            return self.lower(*args, **attrs)
        return self._fn(*args, **attrs)

    def lowering_args(self, flat_inputs, input_lengths, attrs):
        """The lowering's (and the check's) positional arguments and keyword attrs."""
        static = attrs.get(_STATIC_INPUTS)
        if static:
            flat_inputs, attrs = _read_static_inputs(self, flat_inputs, attrs, static)
        if input_lengths is not None:
            args, i = [], 0
            for n in input_lengths:
                if n is None:
                    args.append(flat_inputs[i])
                    i += 1
                else:
                    args.append(list(flat_inputs[i:i + n]))
                    i += n
        else:
            args = flat_inputs
        # Type attributes and private ones ("_gradient_op_type") are not lowering arguments.
        attrs = {k: v for k, v in attrs.items() if k not in self._type_attrs and k[0] != "_"}
        return args, attrs

    def __repr__(self):
        return f"<OpDef {self.type} ({self.gradient_policy})>"


# Shape-like arguments (a shape, multiples, range bounds) are attrs: XLA compiles
# static shapes. One given as a graph tensor that cannot be folded when the graph
# is built (`tf.shape(x)[0]` of an unknown dim) becomes an extra input of the op,
# after its declared ones; this private attr maps each such attr to its input
# index. Lowering runs on concrete shapes (jax.jit traces per input shape), where
# `tf.shape` lowers to numpy and the arithmetic on it folds (lowering.run_ops),
# so the input is a value by then and becomes the attr again.
_STATIC_INPUTS = "_static_inputs"


def _read_static_inputs(opdef, flat_inputs, attrs, static):
    """Drops the static inputs from `flat_inputs`; their values become attrs again."""
    attrs = dict(attrs)
    for name, index in static:
        value = flat_inputs[index]
        if isinstance(value, jax.core.Tracer):
            raise ValueError(
                f"Argument `{name}` of {opdef.type} depends on run-time data: XLA compiles "
                "static shapes, so inside a compiled function (a tf.cond branch, a loop "
                "body, a differentiated computation) a shape-like argument must follow "
                "from the input shapes (tf.shape, tf.size, tf.rank) and constants by "
                "arithmetic, slicing and packing, not from the values of tensors.")
        attrs[name] = opdef.static_attrs[name](np.asarray(value).reshape(-1).tolist())
    return flat_inputs[:min(i for _, i in static)], attrs


class _Rules(threading.local):
    jax_only = False


_rules = _Rules()


@contextlib.contextmanager
def jax_autodiff_rules():
    """In the block, ops called on tracers are differentiated by JAX's own rules: the
    TF rules ops declare (`vjp=`, where TF's gradient differs from JAX's: ties of
    `maximum`, `abs` at 0) are left out. Used by `tfgrad_jax.check`; the graph
    must not be being staged into a cached jaxpr meanwhile (`jax.jit` of a new
    function is fine: the replay cache holds the TF rules)."""
    saved = _rules.jax_only
    _rules.jax_only = True
    try:
        yield
    finally:
        _rules.jax_only = saved


def _with_vjp_rule(lower, rule):
    """Wraps `lower` so JAX differentiates it with `rule(inputs, output, cotangent, **attrs)`."""

    def fn(*args, **attrs):
        @jax.custom_vjp
        def op(*a):
            return lower(*a, **attrs)

        def fwd(*a):
            out = lower(*a, **attrs)
            return out, (a, out)

        def bwd(res, ct):
            a, out = res
            grads = rule(a, out, ct, **attrs)
            return tuple(grads)

        op.defvjp(fwd, bwd)
        return op(*args)

    fn.__name__ = getattr(lower, "__name__", "op")
    return fn


def def_op(type, lower, inputs="x: T", *, grad=AUTODIFF, vjp=None, value_attrs=(),
           stateful=False, graph_attrs=(), deps=None, out_avals=None, check=None,
           data_dependent=False, static_attrs=None, **type_constraints):
    """Declares an op type; returns its OpDef. Declaring a type twice is a bug.

    `check(*inputs, **attrs) -> runtime_checks.Check | None`: what TF's CPU
    kernel validates when it runs (see `framework.runtime_checks`).

    `data_dependent=True`: the sizes of the op's outputs depend on its input
    values (tf.unique, tf.where(c)), which XLA cannot compile. Its lowering
    runs on concrete arrays only (numpy is fine); a program holding such an
    op runs in compiled segments around it (`framework.lowering`). It must
    declare `out_avals` (a fresh symbolic dim, `graph.fresh_symbolic_dim`,
    for each size that depends on the data) and pass no gradient
    (NOT_DIFFERENTIABLE or NO_GRADIENT): its outputs are index-like values
    that `tf.gradients` reads as constants computed in an earlier segment.

    `static_attrs={attr: convert}`: shape-like attrs that a wrapper may give as
    an int graph tensor known only when the graph runs (see `_STATIC_INPUTS`);
    `convert(values)` makes the attr from its flat list of ints, or, while
    shapes are inferred, of ints and symbolic dims (its unknown entries).
    """
    if type in _REGISTRY:
        raise KeyError(f"Op type {type!r} is already declared.")
    if data_dependent and (out_avals is None or grad == AUTODIFF or vjp is not None):
        raise ValueError(f"Data-dependent op {type!r} must declare out_avals and pass no "
                         "gradient.")
    constraints = {k: tuple(v) if v is not None else None for k, v in type_constraints.items()}
    opdef = OpDef(type, lower, inputs, constraints, grad, vjp, value_attrs, stateful,
                  graph_attrs, deps, out_avals, check, data_dependent, static_attrs)
    _REGISTRY[type] = opdef
    return opdef


def get_opdef(type):
    return _REGISTRY[type]


def registered_opdefs():
    return dict(_REGISTRY)


def public(*opdefs):
    """Decorator recording which public functions create an op (for `list_ops`)."""

    def wrap(fn):
        for opdef in opdefs:
            opdef.public_names.append(f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}")
        return fn

    return wrap


# ---------------------------------------------------------------------------
# Applying an op, eagerly or into a graph.

def _graph_of_inputs(values):
    """The graph the op goes to: the default graph, or that of its symbolic inputs.

    Tensors of a graph enclosing the default one (a FuncGraph's outer graphs)
    are captured into it; tensors of an unrelated graph take the op there, as
    in TF-1.
    """
    default = graph_mod.current_graph_or_none()
    found = local = None
    for v in values:
        if isinstance(v, SymbolicTensor):
            if default is None:  # TF 2: a graph tensor used eagerly, outside its graph
                raise TypeError(f"{v!r} is out of scope and cannot be used here. Use return "
                                "values, explicit Python locals or TensorFlow collections to "
                                "access it.")
            if v.graph is default or graph_mod.encloses(v.graph, default):
                local = v if local is None else local
                continue
            if graph_mod.encloses(default, v.graph):
                raise inaccessible_tensor_error(v, default)
            found = v if found is None else found
            if v.graph is not found.graph:
                raise ValueError(f"{v} must be from the same graph as {found} (graphs are "
                                 f"{v.graph!r} and {found.graph!r}).")
    if found is not None and local is not None:
        raise ValueError(f"{local} must be from the same graph as {found} (graphs are "
                         f"{local.graph!r} and {found.graph!r}).")
    return default if found is None else found.graph


def inaccessible_tensor_error(tensor, graph):
    """TF's error for a tensor of a branch or loop body (or inner function) used outside it."""
    return InaccessibleTensorError(
        f"{tensor!r} is out of scope and cannot be used here. Use return values, explicit "
        "Python locals or TensorFlow collections to access it.\n\nThe tensor "
        f"{tensor!r} cannot be accessed from {_graph_text(graph)}, because it was defined "
        f"in {_graph_text(tensor.graph)}, which is out of scope.")


def _graph_text(graph):
    return f"FuncGraph(name={getattr(graph, 'name', 'graph')}, id={id(graph)})"


def _flatten_inputs(opdef, inputs):
    if len(inputs) != len(opdef.inputs):
        raise TypeError(f"{opdef.type} takes {len(opdef.inputs)} inputs, got {len(inputs)}")
    flat, lengths, args = [], [], []
    for arg, value in zip(opdef.inputs, inputs):
        if arg.is_list:
            if isinstance(value, Tensor) or not isinstance(value, (list, tuple)):
                raise TypeError(f"Expected list for '{arg.name}' argument to '{opdef.type}' Op, "
                                f"not {value!r}.")
            flat.extend(value)
            lengths.append(len(value))
            args.extend([arg] * len(value))
        else:
            flat.append(value)
            lengths.append(None)
            args.append(arg)
    has_lists = any(n is not None for n in lengths)
    return flat, (tuple(lengths) if has_lists else None), args


def _dtype_name_list(allowed):
    return ", ".join(d.name for d in allowed)


# TF's kernels name dtypes as C++ does (DataTypeString): float, double, half.
_TF_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def _tf_type_name(dtype):
    return _TF_TYPE_NAMES.get(dtype.name, dtype.name)


def _eager_dtype_error(opdef, index, expected, dtype):
    """TF's eager error for an input of the wrong dtype (its kernel lookup's text)."""
    return InvalidArgumentError(
        None, None, f"cannot compute {opdef.type} as input #{index}(zero-based) was expected "
        f"to be a {_tf_type_name(expected)} tensor but is a {_tf_type_name(dtype)} tensor "
        f"[Op:{opdef.type}]")


def _convert_inputs(opdef, flat, args, graph, op_name):
    """Converts Python values, checks TF's dtype constraints; returns tensors and type attrs.

    Bad dtypes raise TypeError in a graph (`graph` given) and, eagerly, TF's
    eager InvalidArgumentError ("cannot compute AddV2 as input #1(zero-based)
    was expected to be a int32 tensor but is a float tensor [Op:AddV2]").
    """
    # TF infers each type attribute from the tensors given for it; Python
    # numbers then take that dtype (x + 1 keeps x's dtype, never promotes).
    attr_dtype = {}
    for arg, v in zip(args, flat):
        if arg.type_attr and isinstance(v, Tensor) and arg.type_attr not in attr_dtype:
            attr_dtype[arg.type_attr] = v.dtype
    converted = []
    for index, (arg, v) in enumerate(zip(args, flat)):
        if not isinstance(v, Tensor):
            want = attr_dtype.get(arg.type_attr)
            try:
                v = convert_to_tensor(v, dtype=want, name=arg.name)
            except TypeError as e:
                if graph is None and want is not None:
                    # TF eagerly converts the value as it is (1.5: float) and reports it.
                    try:
                        as_is = convert_to_tensor(v).dtype
                    except (TypeError, ValueError):
                        as_is = None
                    if as_is is not None:
                        raise _eager_dtype_error(opdef, index, want, as_is) from None
                raise TypeError(f"Input '{arg.name}' of '{opdef.type}' Op could not be converted "
                                f"to a tensor: {e}") from None
        elif graph is not None and (isinstance(v, EagerTensor) or v.graph is not graph):
            v = graph.capture(v)  # an eager tensor, or a tensor of an enclosing graph
        if v.dtype is dtypes.string and opdef.type not in string_values.STRING_OP_TYPES:
            raise string_values.string_op_error(opdef.type)
        if arg.type_attr:
            allowed = opdef.type_constraints.get(arg.type_attr)
            if allowed is not None and v.dtype not in allowed:
                if graph is None and len(allowed) == 1:
                    raise _eager_dtype_error(opdef, index, allowed[0], v.dtype)
                if graph is None:
                    # TF's text goes on with the op's signature ("; Op<name=...>"), not kept.
                    raise InvalidArgumentError(
                        None, None, f"Value for attr '{arg.type_attr}' of "
                        f"{_tf_type_name(v.dtype)} is not in the list of allowed values: "
                        f"{', '.join(_tf_type_name(d) for d in allowed)}\n\t; NodeDef: "
                        f"{{{{node {opdef.type}}}}} [Op:{opdef.type}]")
                raise TypeError(f"Value passed to parameter '{arg.name}' has DataType "
                                f"{v.dtype.name} not in list of allowed values: "
                                f"{_dtype_name_list(allowed)}")
            first = attr_dtype.setdefault(arg.type_attr, v.dtype)
            if v.dtype != first:
                if graph is None:
                    raise _eager_dtype_error(opdef, index, first, v.dtype)
                first_arg = next(a.name for a, t in zip(args, converted + [v])
                                 if a.type_attr == arg.type_attr)
                raise TypeError(f"Input '{arg.name}' of '{opdef.type}' Op has type "
                                f"{v.dtype.name} that does not match type {first.name} of "
                                f"argument '{first_arg}'.")
        converted.append(v)
    return converted, attr_dtype


@functools.lru_cache(maxsize=100_000)
def _cached_eval_shape(opdef, input_lengths, attrs_key, in_avals):
    if not (opdef.value_attrs or opdef.is_stateful):  # one trace gives shapes and jaxpr
        return _cached_trace(opdef, input_lengths, attrs_key, in_avals)[2]
    attrs = {k: np.zeros(v[1], v[2]) if k in opdef.value_attrs and isinstance(v, tuple)
             and v[:1] == ("<array>",) else v for k, v in attrs_key}
    return _eval_shape(opdef, input_lengths, attrs, in_avals)


def _eval_shape(opdef, input_lengths, attrs, in_avals):
    avals = [jax.ShapeDtypeStruct(s, d) for s, d in in_avals]
    return jax.eval_shape(lambda *a: opdef.call_raw(a, input_lengths, attrs), *avals)


@functools.lru_cache(maxsize=100_000)
def _cached_trace(opdef, input_lengths, attrs_key, in_avals):
    """A pure op's lowering traced once per signature: (jaxpr, output treedef, output avals)."""
    attrs = dict(attrs_key)
    avals = [jax.ShapeDtypeStruct(s, d) for s, d in in_avals]
    jaxpr, out_avals = jax.make_jaxpr(lambda *a: opdef.call_raw(a, input_lengths, attrs),
                                      return_shape=True)(*avals)
    return jaxpr, jax.tree.structure(out_avals), out_avals


def _staged(values):
    """True if some input is a tracer being staged into a jaxpr and none is being
    differentiated (a JVP or linearize tracer carries its `primal`)."""
    staged = False
    for v in values:
        if isinstance(v, jax.core.Tracer):
            if hasattr(v, "primal"):
                return False
            staged = True
    return staged


def _replay(opdef, flat_inputs, input_lengths, attrs):
    """`opdef.call` by evaluating its cached jaxpr; None where there is none to use.

    None for inputs that are not arrays, symbolic (shape-polymorphic) dims, and
    attrs that cannot be hashed: those ops run their lowering directly.
    """
    try:
        in_avals = tuple([(x.shape, x.dtype) for x in flat_inputs])
    except AttributeError:
        return None
    for shape, _ in in_avals:
        for d in shape:
            if type(d) is not int:
                return None
    key = _attrs_key(opdef, {k: v for k, v in attrs.items()
                             if k not in opdef._type_attrs and k[0] != "_"})
    if key is None:
        return None
    jaxpr, treedef, _ = _cached_trace(opdef, input_lengths, key, in_avals)
    flat = _jaxpr_as_fun(jaxpr)(*flat_inputs)
    if treedef.num_leaves == 1 and treedef.num_nodes == 1:
        return (flat[0],)
    out = jax.tree.unflatten(treedef, flat)
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _attrs_key(opdef, attrs):
    if opdef.graph_attrs:
        return None
    items = []
    for k in sorted(attrs):
        v = attrs[k]
        if k in opdef.value_attrs and isinstance(v, np.ndarray):
            v = ("<array>", v.shape, v.dtype)  # only its shape and dtype shape the result
        items.append((k, v))
    key = tuple(items)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _shape_error(opdef, op_name, tensors, err):
    # TF's form: "[2,3], [4]", with "?" for an unknown dim or rank.
    shapes = ", ".join("[" + ",".join("?" if d is None else str(d) for d in t.shape) + "]"
                       if t.shape.rank is not None else "?" for t in tensors)
    where = f"node {op_name}" if op_name else f"Op:{opdef.type}"
    msg = str(err).split("\n")[0]
    return f"{msg} for '{{{{{where}}}}} = {opdef.type}' with input shapes: {shapes}."


def infer_outputs(opdef, input_lengths, attrs, tensors, op_name=None):
    """Output avals of an op from its lowering (`jax.eval_shape`), cached per signature.

    An op carrying sub-graphs may read them off its graphs' outputs instead
    (`out_avals`), themselves inferred op by op, which spares tracing the
    whole computation once more (a gradient's forward pass and its vjp).
    """
    if opdef.out_avals is not None:
        known = opdef.out_avals(tensors, attrs)
        if known is not None:  # a list for several outputs, one aval for a single output
            return tuple(known) if isinstance(known, list) else known
    in_avals = tuple((t._aval.shape, t._aval.dtype) for t in tensors)
    key = _attrs_key(opdef, attrs)
    if any(shape is None for shape, _ in in_avals):
        out = _probe_ranks(opdef, input_lengths, attrs, key, in_avals, tensors)
        if out is None:
            raise ValueError(_shape_error(opdef, op_name, tensors, ValueError(
                "No rank of the unknown-rank inputs fits the op")))
        return out
    try:
        return _output_avals(opdef, input_lengths, attrs, key, in_avals)
    except Exception as e:  # noqa: BLE001 - lowering and JAX errors alike say "bad shapes"
        error = e
    if _has_unknown_dims(in_avals):
        out = _probe_shapes(opdef, input_lengths, attrs, key, in_avals, tensors)
        if out is not None:
            return out
    raise ValueError(_shape_error(opdef, op_name, tensors, error)) from None


def _has_unknown_dims(in_avals):
    return any(type(d) is not int for shape, _ in in_avals for d in shape)


# Values tried for unknown dims when symbolic inference fails: 1 broadcasts against
# anything; a prime tells dims that follow the unknown ones from dims that do not.
# If neither fits, two highly composite sizes (a reshape to [-1, 3] needs a size
# that 3 divides).
_PROBES = (1, 97)
_COMPOSITE_PROBES = (5040, 10080)
# Ranks tried for an input of unknown rank.
_RANK_PROBES = range(6)


def _output_avals(opdef, input_lengths, attrs, key, in_avals):
    """The op's output avals for these input avals (cached per signature where the
    attrs hash: `key`)."""
    if key is not None:
        return _cached_eval_shape(opdef, input_lengths, key, in_avals)
    return _eval_shape(opdef, input_lengths, attrs, in_avals)


def _probe_ranks(opdef, input_lengths, attrs, key, in_avals, tensors):
    """Output avals, best effort, of an op with inputs of unknown rank.

    TF's shape inference says "unknown rank" and moves on; JAX needs a shape.
    So the unknown-rank inputs take each rank of `_RANK_PROBES` in turn (all
    the same rank, so that they broadcast), with the probe sizes for every
    unknown dim: an output whose rank is the same in every probe that fits
    has that rank (and keeps the dims that never changed); any other output
    has unknown rank. If no probe fits (`matmul` of an unknown-rank x and a
    [3, 4] kernel: no probe size matches 3), every dim, known or not, is
    probed with 1, which fixes only how many outputs there are and their
    dtypes: all of unknown rank. None if not even that fits. Execution is
    concrete, so a real mismatch is found when the graph runs.
    """
    def probe(rank, size, all_dims=False):
        concrete = tuple(((size,) * rank if shape is None else
                          tuple(size if all_dims or type(d) is not int else d for d in shape),
                          dtype) for shape, dtype in in_avals)
        try:
            return _output_avals(opdef, input_lengths, attrs, key, concrete)
        except Exception:  # noqa: BLE001 - this rank or size does not fit
            return None

    for sizes in (_PROBES, _COMPOSITE_PROBES):
        results = [r for rank in _RANK_PROBES for size in sizes
                   if (r := probe(rank, size)) is not None]
        if results:
            break
    else:
        fitted = next((r for rank in _RANK_PROBES
                       if (r := probe(rank, 1, all_dims=True)) is not None), None)
        if fitted is None:
            return None
        return jax.tree.map(lambda a: graph_mod.UnknownRankAval(a.dtype), fitted)
    scope = graph_mod.symbolic_scope(tensors[0].graph)
    leaves, treedef = jax.tree.flatten(results[0])
    flats = [jax.tree.leaves(r) for r in results]

    def merged(i, aval):
        shapes = {flat[i].shape for flat in flats}
        if len({len(s) for s in shapes}) > 1:
            return graph_mod.UnknownRankAval(aval.dtype)
        # A dim is known if every probe gave it (one probe alone cannot tell).
        dims = tuple(d if len(flats) > 1 and len({s[j] for s in shapes}) == 1
                     else graph_mod.fresh_symbolic_dim(scope)
                     for j, d in enumerate(aval.shape))
        return jax.ShapeDtypeStruct(dims, aval.dtype)

    return jax.tree.unflatten(treedef, [merged(i, a) for i, a in enumerate(leaves)])


def _probe_shapes(opdef, input_lengths, attrs, key, in_avals, tensors):
    """Output avals, best effort, where symbolic dims cannot be reasoned about.

    Unknown dims of different origins (two placeholders' batch dims) are
    different JAX symbols, and JAX refuses to broadcast or compare them, where
    TF's shape inference just propagates "unknown". Here every unknown dim
    takes the same probe value, once 1 and once a prime; an output dim that
    stays the same in every probe that succeeds is known, any other is unknown
    (a fresh symbol of the graph). Execution is concrete anyway: this only
    decides what the graph records. None if no probe succeeds (a real error).
    """
    results = []
    for probe in _PROBES:
        concrete = tuple((tuple(d if type(d) is int else probe for d in shape), dtype)
                         for shape, dtype in in_avals)
        try:
            results.append((probe, _output_avals(opdef, input_lengths, attrs, key, concrete)))
        except Exception:  # noqa: BLE001, S112 - this probe's values do not fit
            continue
    if not results:
        return None
    scope = graph_mod.symbolic_scope(tensors[0].graph)
    first_probe, first = results[0]
    flat_first, treedef = jax.tree.flatten(first)
    flats = [jax.tree.leaves(r) for _, r in results]

    def is_known(i, j, d):
        values = {flat[i].shape[j] if flat[i].ndim > j else None for flat in flats}
        if len(results) > 1:
            return len(values) == 1
        # One probe fitted: a dim that may have come from it is unknown.
        return d != 1 if first_probe == 1 else d % first_probe != 0

    def merged(i, aval):
        dims = tuple(d if is_known(i, j, d) else graph_mod.fresh_symbolic_dim(scope)
                     for j, d in enumerate(aval.shape))
        return jax.ShapeDtypeStruct(dims, aval.dtype)

    return jax.tree.unflatten(treedef, [merged(i, a) for i, a in enumerate(flat_first)])


def apply_op(opdef, inputs, attrs=None, name=None):
    """Applies an op to inputs: eagerly on arrays, or as a new Operation in a graph.

    Returns one tensor, a tuple for a multi-output op, or (in a graph) the
    Operation itself for an op without outputs.
    """
    attrs = {} if attrs is None else attrs
    flat, input_lengths, args = _flatten_inputs(opdef, inputs)
    static = [(k, v) for k, v in attrs.items() if k in opdef.static_attrs
              and isinstance(v, Tensor)]
    graph = _graph_of_inputs(flat + [v for _, v in static])
    if graph is None:
        return _apply_eager(opdef, flat, input_lengths, args, attrs)
    if graph is not graph_mod.current_graph_or_none():
        with graph.as_default():  # constants converted for the op go to its graph too
            return apply_op(opdef, inputs, attrs, name)
    if name is not None and name.endswith("/"):
        op_name = name[:-1]
    else:
        op_name = graph.unique_name(name or opdef.type)
    with graph.name_scope(op_name + "/"):
        tensors, attr_dtypes = _convert_inputs(opdef, flat, args, graph, op_name)
    all_attrs = dict(attr_dtypes)
    all_attrs.update(attrs)
    unknown_lengths = ()
    if static:
        attrs, unknown_lengths = _static_inputs(opdef, static, tensors, attrs, all_attrs, graph)
    if unknown_lengths:
        out_avals = _unknown_rank_outputs(opdef, input_lengths, attrs, tensors, op_name,
                                          unknown_lengths)
    else:
        out_avals = infer_outputs(opdef, input_lengths, attrs, tensors, op_name)
    if static:
        tensors = tensors + [t for _, t in static]
    op = graph_mod.Operation(graph, opdef, op_name, tensors, input_lengths, all_attrs,
                             graph._current_control_inputs(tensors), graph._current_device())
    single = not isinstance(out_avals, (tuple, list))
    avals = (out_avals,) if single else tuple(out_avals)
    op._outputs = tuple(SymbolicTensor(op, i, a) for i, a in enumerate(avals))
    override = graph._gradient_override_map.get(opdef.type)
    if override is not None:
        op._attrs["_gradient_op_type"] = override
    graph._add_op(op)
    if not op._outputs:
        return op  # as TF: an op without outputs is returned itself (to wait on, or run)
    return op._outputs[0] if single else op._outputs


def _static_inputs(opdef, static, tensors, attrs, all_attrs, graph):
    """Makes the tensors given for static attrs extra inputs of the op (`_STATIC_INPUTS`).

    Rewrites `static` to the tensors in `graph` and `all_attrs` to what the op
    records; returns the attrs shapes are inferred with: each unknown entry
    (TF's `constant_value_as_shape` reads the known ones) a fresh symbolic dim;
    and the names of the attrs whose length is unknown too (`tf.shape(x)` of
    an x of unknown rank), which give outputs of unknown rank.
    """
    from tfgrad_jax.framework.constant_folding import partial_value
    infer_attrs = dict(attrs)
    scope = graph_mod.symbolic_scope(graph)
    positions = []
    unknown_lengths = []
    for i, (name, t) in enumerate(static):
        if not (t.dtype.is_integer or t.dtype.is_floating):
            raise TypeError(f"Argument `{name}` of {opdef.type} must be a number tensor, got "
                            f"{t.dtype.name}.")
        if t.graph is not graph:
            t = graph.capture(t)
        entries = partial_value(t)
        if entries is None and t.shape.rank is not None and t.shape.rank > 1:
            raise ValueError(f"Argument `{name}` of {opdef.type} must be a vector, got shape "
                             f"{t.shape}.")
        if entries is None and not t.shape.is_fully_defined():
            unknown_lengths.append(name)
        else:
            if entries is None:
                entries = [None] * (t.shape.num_elements())
            elif not isinstance(entries, list):
                entries = [entries]
            infer_attrs[name] = opdef.static_attrs[name](
                [graph_mod.fresh_symbolic_dim(scope) if d is None else int(d) for d in entries])
        static[i] = (name, t)
        del all_attrs[name]
        positions.append((name, len(tensors) + i))
    all_attrs[_STATIC_INPUTS] = tuple(positions)
    return infer_attrs, unknown_lengths


# Values tried for a shape-like argument of unknown length, to learn an op's
# outputs and their dtypes (their ranks stay unknown).
_LENGTH_PROBES = ((), (-1,), (1,), (1, 1))


def _unknown_rank_outputs(opdef, input_lengths, attrs, tensors, op_name, names):
    """Outputs of unknown rank, for an op whose shape argument has unknown length."""
    for probe in _LENGTH_PROBES:
        probe_attrs = dict(attrs)
        probe_attrs.update({name: opdef.static_attrs[name](list(probe)) for name in names})
        try:
            out = infer_outputs(opdef, input_lengths, probe_attrs, tensors, op_name)
        except ValueError:
            continue
        return jax.tree.map(lambda a: graph_mod.UnknownRankAval(a.dtype), out)
    raise ValueError(f"Argument `{names[0]}` of {opdef.type} must have a known length when "
                     "the graph is built.")


def _apply_eager(opdef, flat, input_lengths, args, attrs):
    tensors, _ = _convert_inputs(opdef, flat, args, None, None)
    arrays = [t._value for t in tensors]
    if opdef.check is not None:  # what TF's CPU kernel validates, on these values
        runtime_checks.eager(opdef, *opdef.lowering_args(arrays, input_lengths, attrs))
    try:
        out = _run_eager(opdef, arrays, input_lengths, attrs)
    except (TypeError, ValueError, IndexError, ArithmeticError) as e:
        raise InvalidArgumentError(None, None, _shape_error(opdef, None, tensors, e)) from None
    result = (tuple(EagerTensor(o) for o in out) if isinstance(out, (tuple, list))
              else EagerTensor(out))
    for observer in eager_observers:  # a GradientTape recording
        observer(opdef, tensors, input_lengths, attrs, result)
    return result


def _run_eager(opdef, arrays, input_lengths, attrs):
    """Runs an op on concrete arrays: one compiled program per signature where it pays.

    Run op by op (`call_raw`), a lowering's primitives are each dispatched,
    and compiled the first time, on their own: JAX compiles one XLA program
    per primitive, params and shapes, ~45 ms each on CPU, about two per op.
    The op's jaxpr (traced once per signature by `_cached_trace`, which graph
    building shares) run under one `jax.jit` costs one compile, and later
    calls one dispatch instead of the lowering's Python and several.
    """
    program = _eager_program_for(opdef, arrays, input_lengths, attrs)
    if program is None:
        return opdef.call_raw(arrays, input_lengths, attrs)
    fn, treedef = program
    flat = fn(*arrays)
    if treedef.num_leaves == 1 and treedef.num_nodes == 1:
        return flat[0]
    return jax.tree.unflatten(treedef, flat)


def _eager_program_for(opdef, arrays, input_lengths, attrs):
    """The compiled program `_run_eager` uses, or None where the op runs op by op.

    None for what `call`'s replay leaves out too (state, randomness, value and
    graph attrs, static inputs, data-dependent shapes, unhashable attrs), and
    for inputs that are not concrete, strongly typed `jax.Array`s: host values
    (numpy, strings) keep the numpy lowering, tracers (a user's `jax.jit`)
    are staged by the trace around them, and a weak type would change the
    lowering's dtype promotion.
    """
    if (opdef.value_attrs or opdef.is_stateful or opdef.graph_attrs or opdef.data_dependent
            or _STATIC_INPUTS in attrs):
        return None
    in_avals = []
    for x in arrays:
        if (not isinstance(x, jax.Array) or isinstance(x, jax.core.Tracer)
                or x.weak_type):
            return None
        in_avals.append((x.shape, x.dtype))
    key = _attrs_key(opdef, attrs)
    if key is None:
        return None
    return _eager_program(opdef, input_lengths, key, tuple(in_avals))


# Primitives whose results XLA computes the same fused into one program as alone:
# data movement, comparisons, selection and arithmetic that no fusion rewrites.
# Left out on purpose: `mul` (fused with a following add, XLA on CPU contracts the
# two into one fused multiply-add, which rounds once), reductions, dots and scans
# (fused with their producer they sum in another order: L2Loss's float32 sum moves
# by an ulp), and transcendentals (not checked). An op using any of them runs op
# by op, bit for bit as before.
_EXACT_WHEN_FUSED = frozenset({
    "abs", "neg", "sign", "add", "sub", "div", "max", "min", "floor", "ceil", "round",
    "not", "and", "or", "xor", "eq", "ne", "lt", "le", "gt", "ge", "is_finite",
    "select_n", "clamp", "convert_element_type", "copy", "copy_p", "stop_gradient",
    "reshape", "broadcast_in_dim", "transpose", "squeeze", "expand_dims", "rev",
    "slice", "dynamic_slice", "concatenate", "pad", "iota", "gather",
})


def _nested(eqn):
    """The jaxpr a nested jit or custom-derivative call runs, else None."""
    body = eqn.params.get("jaxpr") if eqn.primitive.name in ("jit", "pjit") else (
        eqn.params.get("call_jaxpr") if eqn.primitive.name.startswith("custom_") else None)
    return getattr(body, "jaxpr", body)


def _exact_when_fused(jaxpr):
    """True if fusing `jaxpr` into one program cannot change its results."""
    for eqn in jaxpr.eqns:
        body = _nested(eqn)
        if body is not None:
            if not _exact_when_fused(body):
                return False
        elif eqn.primitive.name not in _EXACT_WHEN_FUSED:
            return False
    return True


def _dispatches(jaxpr):
    """How many programs JAX compiles and runs for `jaxpr` evaluated op by op: one per
    equation (a nested jit is one), except custom-derivative calls, which run their
    body's equations one by one."""
    n = 0
    for eqn in jaxpr.eqns:
        custom = eqn.primitive.name.startswith("custom_")
        n += _dispatches(_nested(eqn)) if custom and _nested(eqn) is not None else 1
    return n


@functools.lru_cache(maxsize=100_000)
def _eager_program(opdef, input_lengths, attrs_key, in_avals):
    """`jax.jit` of the op's cached jaxpr and its output treedef; None where that
    does not pay or does not apply.

    Only where fusing cannot change a result (`_EXACT_WHEN_FUSED`): eager
    values stay bit for bit what they were. A lowering that cannot be traced
    without values (it reads an input on the host) fails here and runs op by
    op, which also raises a real error as it always did. A jaxpr that runs as
    one program or none op by op gains nothing (and op by op, its primitives'
    programs are shared with other ops); outputs the lowering makes as
    constants stay numpy, as it made them.
    """
    try:
        jaxpr, treedef, _ = _cached_trace(opdef, input_lengths, attrs_key, in_avals)
    except Exception:  # noqa: BLE001 - whatever the trace raises, call_raw decides
        return None
    if _dispatches(jaxpr.jaxpr) < 2 or not _exact_when_fused(jaxpr.jaxpr):
        return None
    computed = {id(v) for eqn in jaxpr.eqns for v in eqn.outvars}
    computed.update(id(v) for v in jaxpr.jaxpr.invars)
    if any(id(v) not in computed for v in jaxpr.jaxpr.outvars):
        return None
    return jax.jit(_jaxpr_as_fun(jaxpr)), treedef


# Called after every eager op with (opdef, input tensors, input_lengths, attrs,
# result): how `tf.GradientTape` (tfgrad_jax.tape) records, registered while a
# tape records, so that this layer knows nothing of it.
eager_observers = []


def argument_error(op_type, graph_message, eager_message):
    """The error for a bad static argument (an axis, a shape) in the mode the op runs in.

    Building a graph (tf.Graph, tf.function tracing) TF raises ValueError, from
    shape inference (`graph_message`); eagerly its kernel raises
    InvalidArgumentError, "<eager_message> [Op:<op_type>]".
    """
    if graph_mod.current_graph_or_none() is None:
        return InvalidArgumentError(None, None, f"{eager_message} [Op:{op_type}]")
    return ValueError(graph_message)


@contextlib.contextmanager
def op_scope(name, default_name):
    """Opens the name scope a composite op's wrapper works in, as TF's wrappers do.

    Yields the exact name (ending in '/') to give the final op, so that the op
    and the constants converted inside share one unique name (`truediv`,
    `truediv/y`). Eagerly, yields None.
    """
    graph = graph_mod.current_graph_or_none()
    if graph is None:
        yield None
        return
    with graph.name_scope(name or default_name) as scope:
        yield scope


# ---------------------------------------------------------------------------
# The framework's own ops: constants and placeholders.

def _const_lowering(*, value, dtype):
    # A numpy array, not jnp.asarray: JAX embeds it in the jaxpr as a literal or a
    # constant without a host-to-device copy on every trace (~100 us per Const).
    return np.asarray(value, dtype=dtype.as_numpy_dtype)


def _string_const_aval(inputs, attrs):
    """A tf.string Const's aval (its value cannot be traced: see string_values); else None."""
    if attrs["dtype"] is dtypes.string:
        return jax.ShapeDtypeStruct(attrs["value"].shape, np.dtype(object))
    return None


CONST = def_op("Const", _const_lowering, inputs="", grad=NOT_DIFFERENTIABLE,
               value_attrs=("value",), out_avals=_string_const_aval)


def _placeholder_lowering(*, dtype, shape):
    raise InvalidArgumentError(
        None, None, "You must feed a value for placeholder tensor with dtype "
        f"{dtype.name} and shape {shape}")


PLACEHOLDER = def_op("Placeholder", _placeholder_lowering, inputs="", grad=NOT_DIFFERENTIABLE)


def make_placeholder(graph, dtype, shape_avals, name, shape):
    """Adds a Placeholder op with the given abstract value (used by functions and v1)."""
    op_name = graph.unique_name(name or "Placeholder")
    op = graph_mod.Operation(graph, PLACEHOLDER, op_name, (), None,
                             {"dtype": dtype, "shape": shape}, [], graph._current_device())
    op._outputs = (SymbolicTensor(op, 0, shape_avals),)
    graph._add_op(op)
    return op._outputs[0]


def constant(value, dtype=None, shape=None, name="Const"):
    """Creates a constant tensor, as `tf.constant`: eager, or a Const op in a graph.

    Python floats become float32 and ints int32 (TF's defaults); numpy arrays
    keep their dtype. With `shape`, a scalar is broadcast and other values are
    reshaped (ValueError if the sizes differ, as TF).
    """
    if isinstance(value, Tensor):
        from tfgrad_jax.ops import math_ops, array_ops
        out = value if dtype is None else math_ops.cast(value, dtype)
        return out if shape is None else array_ops.reshape(out, shape)
    dtype = dtypes.as_dtype(dtype) if dtype is not None else None
    if dtype is dtypes.string or (dtype is None and string_values.is_string_data(value)):
        if not string_values.is_string_data(value):
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype string")
        return _constant_from_numpy(string_values.to_string_array(value, shape), name)
    arr = to_numpy(value, dtype)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        size = int(np.prod(shape))
        if arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), shape).copy()
        elif arr.size == size:
            arr = arr.reshape(shape)
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor "
                            f"{value!r} (converted from {value!r}) has {arr.size} elements, but "
                            f"got `shape` {shape} with {size} elements).")
    return _constant_from_numpy(arr, name)


def _constant_from_numpy(arr, name="Const"):
    dtype = dtypes.as_dtype(arr.dtype)
    graph = graph_mod.current_graph_or_none()
    if graph is None:  # a tf.string value stays a numpy array on the host
        return EagerTensor(arr if dtype is dtypes.string else to_device(arr), dtype)
    return apply_op(CONST, [], {"value": arr, "dtype": dtype}, name=name)


def to_device(value):
    """A host value (a numpy array) as a jax.Array of its own, copied to the device.

    Not `jnp.asarray`: this JAX lifts a numpy array with `lax.stage`, a
    primitive that, run outside a trace, compiles an XLA program per shape
    and dtype (~50 ms each on CPU); `device_put` copies without compiling.
    It reads its source asynchronously, and may alias it on CPU, so it is
    given a private copy: a tensor stays what it was made from even if the
    caller's array changes right after (as TF's does; `jnp.asarray` shares
    a large array's buffer).
    """
    return jax.device_put(np.array(value))


def convert_to_tensor(value, dtype=None, name=None, dtype_hint=None, preferred_dtype=None):
    """Converts tensors, numpy arrays, Python numbers and lists to a Tensor.

    A tensor of another dtype than `dtype` raises ValueError, as in TF. Lists
    that contain tensors are stacked (TF's auto-packing).
    """
    dtype = dtypes.as_dtype(dtype) if dtype is not None else None
    dtype_hint = dtype_hint if dtype_hint is not None else preferred_dtype
    if hasattr(value, "_as_tensor"):  # IndexedSlices, Variables
        value = value._as_tensor()
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor with "
                             f"dtype {value.dtype.name}: {value!r}")
        return value
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        from tfgrad_jax.ops import array_ops
        return array_ops._autopack(value, dtype, name or "packed")
    if value is None:
        raise ValueError("Attempt to convert a value (None) with an unsupported type "
                         "(<class 'NoneType'>) to a Tensor.")
    if dtype in (None, dtypes.string) and string_values.is_string_data(value):
        return constant(value, dtypes.string, name=name or "Const")
    arr = to_numpy(value, dtype, dtype_hint)
    return _constant_from_numpy(arr, name or "Const")


def _contains_tensor(value):
    for v in value:
        if isinstance(v, Tensor) or (isinstance(v, (list, tuple)) and _contains_tensor(v)):
            return True
    return False
