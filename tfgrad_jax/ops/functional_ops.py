"""Higher-order functions: `tf.map_fn`, `tf.scan`, `tf.foldl`, `tf.foldr`, `tf.vectorized_map`.

TF builds the first four from a `while_loop` over TensorArrays, and
`vectorized_map` by rewriting `fn`'s ops one by one (pfor). Here, as for
`tf.cond` and `tf.while_loop` (control_flow_ops), `fn` is traced once into a
closed `FuncGraph` and one op carries it; the tensors it captures are the
op's last inputs:
  * `MapFn` / `StatelessMapFn` (map_fn): inputs `elems + captures`, outputs
    `fn`'s results stacked. Lowered to one `lax.scan` without a carry
    (what `lax.map` is), never unrolled.
  * `Scan` / `StatelessScan` (scan, foldl, foldr): inputs `accumulators +
    elems + captures`. The `body` graph takes the accumulators and one slice
    of each elem and returns the new accumulators, then what is stacked per
    step (`tf.scan`: the accumulators again; the folds: nothing). Outputs: the
    final accumulators, then the stacked values. Lowered to one `lax.scan`
    (`reverse=True` for foldr and a reverse scan).
  * `VectorizedMap` / `StatelessVectorizedMap`: inputs `elems + captures`;
    lowered to `jax.vmap` of the graph.
The op's graph input k is always its op input k, which keeps the
dependency analysis for `tf.gradients` (the `deps` functions) simple. The
`Stateless` forms are used unless the graph holds a stateful (random) op.
Each step of a scan and each element of a vectorized map lowers `fn` inside
`lowering.in_iteration(step)`, so random ops draw new numbers per element,
as TF's do.

Gradients are JAX's, of `lax.scan` and `jax.vmap`.

When no graph is being built, map_fn, scan and the folds run `fn` eagerly in
a Python loop over the elements (TF runs its while_loop eagerly the same
way); vectorized_map traces `fn` on every call, as TF does, and runs the
op's lowering on the values.

Errors follow TF 2.21's classes and messages. Where TF only fails when the
graph runs (a dtype written to a TensorArray of another dtype, an empty
`elems` without initializer), the same error is raised here when the graph
is built, since the lowering needs the shapes and dtypes then.
"""

import jax
import jax.numpy as jnp
from jax import lax

from tfgrad_jax.framework import dtypes, lowering, nest
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.errors import InvalidArgumentError, OutOfRangeError
from tfgrad_jax.framework.func_graph import is_stateful, trace_function, union_captures
from tfgrad_jax.framework.op_def import apply_op, convert_to_tensor, def_op, op_scope, public
from tfgrad_jax.framework.tensor import EagerTensor, SymbolicTensor, Tensor
from tfgrad_jax.framework.tensor_shape import TensorShape
from tfgrad_jax.framework.tensor_spec import TensorSpec


# ---------------------------------------------------------------------------
# The ops.

def _scan_lowering(input, *, body, num_carry, reverse):  # noqa: A002 - TF's name
    num_in = len(body.inputs)
    init, elems, captures = input[:num_carry], input[num_carry:num_in], input[num_in:]
    fn = lowering.lower_graph(body)

    def step(carry, xs):
        i, acc = carry
        with lowering.in_iteration(i):
            out = fn(*acc, *xs, *captures)
        return (i + 1, tuple(out[:num_carry])), tuple(out[num_carry:])

    (_, final), stacked = lax.scan(step, (jnp.int32(0), tuple(init)), tuple(elems),
                                   reverse=reverse)
    return tuple(final) + tuple(stacked)


def _scan_deps(op, graph_deps):
    """TF builds map_fn, scan and the folds from a While loop, and differentiates them as
    one: every float input reaches every output (TF 2.21 gives zeros, not None, for an
    output that does not depend on an input), blamed on an op without a gradient on a
    path through the body, if any."""
    blame = None
    for inner in graph_deps(op.get_attr("body")):
        for b in inner.values():
            blame = blame or b
    every = {i: blame for i, t in enumerate(op._inputs) if t.dtype in dtypes.INEXACT}
    return [dict(every) for _ in op._outputs]


_SCAN_ARGS = dict(inputs="input: N*", graph_attrs=("body",), deps=_scan_deps)
MAP_FN = def_op("MapFn", _scan_lowering, stateful=True, **_SCAN_ARGS)
STATELESS_MAP_FN = def_op("StatelessMapFn", _scan_lowering, **_SCAN_ARGS)
SCAN = def_op("Scan", _scan_lowering, stateful=True, **_SCAN_ARGS)
STATELESS_SCAN = def_op("StatelessScan", _scan_lowering, **_SCAN_ARGS)


def _vectorized_map_lowering(input, *, fn, batched):  # noqa: A002
    k = len(batched)
    elems, captures = input[:k], input[k:]
    f = lowering.lower_graph(fn)
    size = next(x.shape[0] for x, b in zip(elems, batched) if b)

    def one(i, *xs):
        with lowering.in_iteration(i):
            return tuple(f(*xs, *captures))

    # An elem of first dimension 1 is broadcast to every element (as TF's pfor gathers).
    args = [x if b else x[0] for x, b in zip(elems, batched)]
    in_axes = (0,) + tuple(0 if b else None for b in batched)
    return jax.vmap(one, in_axes=in_axes)(jnp.arange(size, dtype=jnp.int32), *args)


def _vectorized_map_deps(op, graph_deps):
    # TF's pfor converts fn op by op, so each output depends on what its own path reads.
    return [dict(d) for d in graph_deps(op.get_attr("fn"))]  # fn input k is op input k


_VMAP_ARGS = dict(inputs="input: N*", graph_attrs=("fn",), deps=_vectorized_map_deps)
VECTORIZED_MAP = def_op("VectorizedMap", _vectorized_map_lowering, stateful=True, **_VMAP_ARGS)
STATELESS_VECTORIZED_MAP = def_op("StatelessVectorizedMap", _vectorized_map_lowering,
                                  **_VMAP_ARGS)


def _add_op(opdefs, graph_attr, graph, inputs, attrs, scope):
    """Adds the stateful or stateless op carrying `graph`; returns its outputs (a tuple)."""
    _refuse_assignments(graph)
    externals = union_captures([graph])
    opdef = opdefs[0] if is_stateful(graph) else opdefs[1]
    outputs = apply_op(opdef, [list(inputs) + externals], dict(attrs, **{graph_attr: graph}),
                       name=scope)
    if isinstance(outputs, graph_mod.Operation):
        return ()
    return outputs if isinstance(outputs, tuple) else (outputs,)


def _refuse_assignments(graph):
    # Unlike tf.while_loop's body (where an assigned variable becomes loop state), fn's
    # graph does not carry variables through the scan yet: say so rather than drop them.
    assigned = graph.assigned_variables()
    if assigned:
        raise NotImplementedError(
            f"tfgrad_jax does not yet support assigning variables ({assigned[0][0].name}) "
            "inside the function of map_fn, scan, foldl, foldr or vectorized_map; assign "
            "them in a tf.while_loop body, or after the call.")


# ---------------------------------------------------------------------------
# Shared helpers.

def _in_graph():
    return graph_mod.current_graph_or_none() is not None


def _aval(t):
    if isinstance(t, SymbolicTensor):
        return t._aval
    return jax.ShapeDtypeStruct(tuple(t.shape), t.dtype.as_numpy_dtype)


def _slice_spec(t, name):
    """trace_function's spec for one element of `t` (its first dimension dropped)."""
    aval = _aval(t)
    return (t.dtype, jax.ShapeDtypeStruct(aval.shape[1:], aval.dtype), t.shape[1:], name)


def _whole_spec(t, name):
    return (t.dtype, _aval(t), t.shape, name)


def _graph_tensor(value, dtype_hint=None):
    """A leaf `fn` returned, as a tensor of the graph being traced (Python numbers take
    `dtype_hint`, as TF converts what it writes to a TensorArray or loop variable)."""
    t = convert_to_tensor(value, dtype_hint=None if isinstance(value, Tensor) else dtype_hint)
    if isinstance(t, EagerTensor):  # a value closed over: the graph captures it
        t = graph_mod.current_graph_or_none().capture(t)
    return t


def _leaves_of_result(value, dtype_hints):
    """Converts the leaves of `fn`'s result; None is refused (TF's messages per mode)."""
    out = []
    for v, hint in zip(nest.flatten(value), dtype_hints):
        if not _in_graph():  # for None, TF's eager "Attempt to convert a value (None) ..."
            out.append(convert_to_tensor(v, dtype_hint=None if isinstance(v, Tensor) else hint))
        elif v is None:
            raise ValueError("None values not supported.")
        else:
            out.append(_graph_tensor(v, hint))
    return out


def _check_callable(fn, message):
    # TF formats `fn.__name__` into its message, so an object without a name (a number)
    # raises AttributeError instead of the TypeError; kept as TF does.
    if not callable(fn):
        raise TypeError(message.format(fn.__name__))


def _common_length(flat):
    """The shared static first dimension of `flat` (None if unknown), as TF checks it."""
    n = flat[0].shape[0]
    for t in flat[1:]:
        if t.shape.rank == 0:
            raise ValueError(f"Shape {t.shape} must have rank at least 1")
        m = t.shape[0]
        if n is not None and m is not None and n != m:
            raise ValueError(f"Dimensions {n} and {m} are not compatible")
        n = m if n is None else n
    return n


def _scan_elems(elems):
    """elems of scan and the folds: converted, with TF's errors for scalars and no elems."""
    flat = nest.flatten(elems)
    if not flat:
        raise IndexError("list index out of range")  # TF reads elems_flat[0]
    flat = [convert_to_tensor(e, name="elem") for e in flat]
    if flat[0].shape.rank == 0:
        raise IndexError("tuple index out of range")  # TF reads shape[0]
    return flat, _common_length(flat)


def _check_not_empty(n, reverse):
    """TF's error reading the first element (no initializer) of an empty TensorArray."""
    if n == 0:  # TF raises it when the loop runs
        index = -1 if reverse else 0
        if _in_graph():
            raise InvalidArgumentError(None, None, f"Trying to access element {index} in a "
                                       "list with 0 elements.")
        if reverse:
            raise OutOfRangeError(None, None, "Reading from negative indices (index -1) is "
                                  "not allowed.")
        raise OutOfRangeError(None, None, "Tried to read from index 0 but array size is: 0 ")


def _first_element(flat, reverse):
    """In a graph: the element taken as the initial accumulator, and the others."""
    if reverse:
        return [t[-1] for t in flat], [t[:-1] for t in flat]
    return [t[0] for t in flat], [t[1:] for t in flat]


def _unstacked(flat, n):
    from tfgrad_jax.ops.array_ops import unstack
    return [unstack(t, num=n) if n else [] for t in flat]


def _eager_rows(flat, reverse, first):
    """Eagerly: each element's slices (one per elem), in the order `fn` sees them; with
    `first` (no initializer), the first of them apart: (first or None, the others)."""
    n = flat[0].shape[0]
    columns = _unstacked(flat, n)
    rows = [[c[i] for c in columns] for i in range(n)]
    if reverse:
        rows.reverse()
    return (rows[0], rows[1:]) if first else (None, rows)


def _stacked(rows, empty_shapes, dtypes_):
    """Stacks eager results (a row of leaves per step) per leaf; with no rows, empty
    tensors of the given shapes."""
    from tfgrad_jax.ops.array_ops import stack, zeros
    if rows:
        return [stack(list(c)) for c in zip(*rows)]
    return [zeros([0] + shape, dtype) for shape, dtype in zip(empty_shapes, dtypes_)]


def _stop_gradients(tensors):
    from tfgrad_jax.ops.array_ops import stop_gradient
    return [stop_gradient(t) for t in tensors]


def _tensor_name(t):
    return t.name if isinstance(t, SymbolicTensor) else "loop_var"


# ---------------------------------------------------------------------------
# map_fn.

def _output_signature(fn_output_signature, flat_elems):
    """(dtype, TensorShape or None) per output leaf, as TF reads fn_output_signature."""
    if fn_output_signature is None:  # the outputs are like the elems, shapes unknown
        return [(t.dtype, None) for t in flat_elems]
    out = []
    for spec in nest.flatten(fn_output_signature):
        if isinstance(spec, TensorSpec):
            out.append((spec.dtype, spec.shape))
        else:
            out.append((dtypes.as_dtype(spec), None))
    return out


@public(MAP_FN, STATELESS_MAP_FN)
def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """Applies `fn` to each element of `elems` (unstacked on dimension 0), as `tf.map_fn`.

    `elems` is a tensor or a nested structure of tensors sharing their first
    dimension; `fn` receives one slice of each, in that structure. Its result
    must have the structure of `fn_output_signature` (dtypes or TensorSpecs;
    `dtype` is its deprecated name) or, without one, that of `elems` with
    the same dtypes; the results are stacked. TF's errors: a different
    structure (ValueError, or TypeError for list versus tuple), another dtype
    (InvalidArgumentError; TF raises it when the graph runs, here when it is
    built), a scalar `elems` (ValueError).

    In a graph, `fn` is traced once and one MapFn op lowers to `lax.scan`.
    Eagerly, `fn` runs on each element in turn, as in TF (with no elements,
    TF's eager result has shape (0,), which is kept). `parallel_iterations`,
    `swap_memory` and `infer_shape` are accepted (XLA schedules the loop);
    `back_prop=False` stops gradients at the results.
    """
    if fn_output_signature is None:
        fn_output_signature = dtype
    _check_callable(fn, "The provided function {} is not callable.fn must be callable.")
    flat = nest.flatten(elems)
    if not flat:
        raise ValueError("elems must be a Tensor or (possibly nested) sequence of Tensors. "
                         f"Got {elems}, which does not contain any Tensors.")
    with op_scope(name, "map") as scope:
        flat = [convert_to_tensor(e, name="elem") for e in flat]
        if flat[0].shape.rank == 0:
            raise ValueError("Elements in elems must be 1+ dimensional Tensors, not scalars")
        n = _common_length(flat)
        signature = _output_signature(fn_output_signature, flat)
        structure = fn_output_signature or elems  # what fn's result must look like
        if not _in_graph():
            return _eager_map(fn, elems, flat, n, structure, signature)
        from tfgrad_jax import autograph
        fn = autograph.convert(fn)  # TF converts map_fn's fn (not scan's or the folds')

        def body(*slices):
            value = fn(nest.pack_sequence_as(elems, slices))
            nest.assert_same_structure(structure, value)
            leaves = _leaves_of_result(value, [d for d, _ in signature])
            for t, (want, shape) in zip(leaves, signature):
                if shape is not None and not shape.is_compatible_with(t.shape):
                    raise ValueError(f"Inconsistent shapes: saw {t.shape} but expected {shape} ")
                _check_written_dtype(t, want)
            return leaves

        op_name = scope.rstrip("/")
        graph, _ = trace_function(body, graph_mod.current_graph_or_none(),
                                  f"{op_name}_body".replace("/", "_"),
                                  [_slice_spec(t, "elem") for t in flat])
        results = _add_op((MAP_FN, STATELESS_MAP_FN), "body", graph, flat,
                          {"num_carry": 0, "reverse": False}, scope)
        for t, out in zip(results, graph.outputs):
            t._shape = TensorShape([n]).concatenate(out.shape)  # what TF knows
        if not back_prop:
            results = _stop_gradients(results)
        return nest.pack_sequence_as(structure, list(results))


def _check_written_dtype(t, want):
    # TF's TensorArray write (its eager message; in a graph TF fails when it runs).
    if t.dtype != want:
        raise InvalidArgumentError(None, None, f"TensorArray dtype is {want.name} but Op is "
                                   f"trying to write dtype {t.dtype.name} ")


def _check_written_shape(t, expected):
    # TF's eager TensorArray write: the element shape is fixed by the first write.
    if expected is not None and not expected.is_compatible_with(t.shape):
        raise ValueError(f"Incompatible shape for value ({t.shape}), expected ({expected})")


def _eager_map(fn, elems, flat, n, structure, signature):
    columns = _unstacked(flat, n)
    rows = []
    for i in range(n):
        value = fn(nest.pack_sequence_as(elems, [c[i] for c in columns]))
        nest.assert_same_structure(structure, value)
        row = _leaves_of_result(value, [d for d, _ in signature])
        for k, (t, (want, shape)) in enumerate(zip(row, signature)):
            _check_written_dtype(t, want)
            _check_written_shape(t, shape if shape is not None else
                                 (rows[0][k].shape if rows else None))
        rows.append(row)
    empty = [shape.as_list() if shape is not None and shape.is_fully_defined() else []
             for _, shape in signature]
    return nest.pack_sequence_as(structure, _stacked(rows, empty, [d for d, _ in signature]))


# ---------------------------------------------------------------------------
# scan, foldl and foldr: one Scan op.

def _scan_op(fn, elems, flat, acc_structure, init_flat, reverse, fold, scope):
    """Traces `fn(acc, elem)` and adds the Scan op; returns (final accumulators, stacked).

    A fold keeps only the final accumulators; a scan stacks them per step.
    """
    num_carry = len(init_flat)

    def body(*placeholders):
        acc = nest.pack_sequence_as(acc_structure, placeholders[:num_carry])
        value = fn(acc, nest.pack_sequence_as(elems, placeholders[num_carry:]))
        if fold:  # TF's while_loop compares structures without telling lists from tuples
            nest.assert_same_structure(_lists(acc_structure), _lists(value))
        else:
            nest.assert_same_structure(acc_structure, value)
        new = _leaves_of_result(value, [t.dtype for t in init_flat])
        if fold:
            _check_fold_step(init_flat, new)
            return new
        _check_scan_step(init_flat, new)
        return new + new

    op_name = scope.rstrip("/")
    specs = ([_whole_spec(t, "acc") for t in init_flat] +
             [_slice_spec(t, "elem") for t in flat])
    graph, _ = trace_function(body, graph_mod.current_graph_or_none(),
                              f"{op_name}_body".replace("/", "_"), specs)
    outputs = _add_op((SCAN, STATELESS_SCAN), "body", graph, init_flat + flat,
                      {"num_carry": num_carry, "reverse": bool(reverse)}, scope)
    return list(outputs[:num_carry]), list(outputs[num_carry:])


@public(SCAN, STATELESS_SCAN)
def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
         swap_memory=False, infer_shape=True, reverse=False, name=None):
    """The successive accumulators of `fn(acc, elem)` over `elems`, stacked, as `tf.scan`.

    `elems` is a tensor or nested structure of tensors sharing dimension 0.
    Without `initializer`, the first element (the last if `reverse`) is the
    first accumulator and first result, and `fn` is not called on it; the
    accumulator then has the structure and dtypes of `elems`. `fn` must keep
    the accumulator's structure (ValueError / TypeError), dtypes (TypeError
    in a graph, InvalidArgumentError eagerly) and shapes (ValueError), as in
    TF. With `reverse`, the scan runs from the last element and the results
    stay in element order. Empty `elems` without initializer is TF's runtime
    error (InvalidArgumentError in a graph, raised here when it is built;
    OutOfRangeError eagerly). Elems whose first dimensions differ raise
    ValueError, as TF's graph form does (eagerly TF fails reading past the
    shorter one, OutOfRangeError).

    In a graph one Scan op lowers to `lax.scan`; eagerly `fn` runs per
    element. `parallel_iterations`, `swap_memory` and `infer_shape` are
    accepted; `back_prop=False` stops gradients at the results.
    """
    _check_callable(fn, "{} is not callable. Please provide a callable function.")
    acc_structure = elems if initializer is None else initializer
    with op_scope(name, "scan") as scope:
        flat, n = _scan_elems(elems)
        if initializer is None:
            _check_not_empty(n, reverse)
        if not _in_graph():
            return _eager_scan(fn, elems, flat, acc_structure, initializer, reverse)
        if initializer is None:
            init_flat, flat = _first_element(flat, reverse)
        else:
            init_flat = [convert_to_tensor(v) for v in nest.flatten(initializer)]
        _, stacked = _scan_op(fn, elems, flat, acc_structure, init_flat, reverse, False, scope)
        if initializer is None:  # the first accumulator is a result too
            from tfgrad_jax.ops.array_ops import concat, expand_dims
            stacked = [concat([s, expand_dims(a, 0)] if reverse else [expand_dims(a, 0), s], 0)
                       for a, s in zip(init_flat, stacked)]
        for t, a in zip(stacked, init_flat):
            t._shape = TensorShape([n]).concatenate(a.shape)
        if not back_prop:
            stacked = _stop_gradients(stacked)
        return nest.pack_sequence_as(acc_structure, stacked)


def _check_scan_step(before, after):
    """TF's checks on a scan's new accumulators in a graph (shapes, then dtypes)."""
    for a, t in zip(before, after):  # TF's TensorArray write, in the body
        if not a.shape.is_compatible_with(t.shape):
            raise ValueError(f"Inconsistent shapes: saw {t.shape} but expected {a.shape} ")
    _check_loop_dtypes(before, after)


def _check_loop_dtypes(before, after):
    # TF's while_loop, once the body is traced.
    for a, t in zip(before, after):
        if a.dtype != t.dtype:
            name = _tensor_name(a)
            raise TypeError(f"Loop var {name} enters the loop with type {a.dtype} but has type "
                            f"{t.dtype} after 1 iteration. {name} type should remain constant.")


def _eager_scan(fn, elems, flat, acc_structure, initializer, reverse):
    first, rows = _eager_rows(flat, reverse, initializer is None)
    init_flat = first if first is not None else [convert_to_tensor(v)
                                                 for v in nest.flatten(initializer)]
    acc = list(init_flat)
    results = [acc] if first is not None else []
    for row in rows:
        value = fn(nest.pack_sequence_as(acc_structure, acc),
                   nest.pack_sequence_as(elems, row))
        nest.assert_same_structure(acc_structure, value)
        acc = _leaves_of_result(value, [t.dtype for t in init_flat])
        for a, t in zip(init_flat, acc):  # TF's eager TensorArray write
            _check_written_dtype(t, a.dtype)
            _check_written_shape(t, a.shape)
        results.append(acc)
    if reverse:
        results.reverse()
    stacked = _stacked(results, [a.shape.as_list() for a in init_flat],
                       [a.dtype for a in init_flat])
    return nest.pack_sequence_as(acc_structure, stacked)


def _fold(fn, elems, initializer, back_prop, name, reverse, default_name):
    _check_callable(fn, "{} is not callable. Please provide a callable function.")
    with op_scope(name, default_name) as scope:
        flat, n = _scan_elems(elems)
        acc_structure = elems if initializer is None else initializer
        if initializer is None:
            _check_not_empty(n, reverse)
        if not _in_graph():
            return _eager_fold(fn, elems, flat, acc_structure, initializer, reverse)
        if initializer is None:
            init_flat, flat = _first_element(flat, reverse)
        else:
            init_flat = [convert_to_tensor(v) for v in nest.flatten(initializer)]
        final, _ = _scan_op(fn, elems, flat, acc_structure, init_flat, reverse, True, scope)
        if not back_prop:
            final = _stop_gradients(final)
        return nest.pack_sequence_as(acc_structure, final)


def _check_fold_step(before, after):
    """TF's while_loop checks on a fold's new accumulators in a graph (dtypes, then shapes)."""
    _check_loop_dtypes(before, after)
    for a, t in zip(before, after):
        if not a.shape.is_compatible_with(t.shape):
            raise ValueError(f"Input tensor `{_tensor_name(a)}` enters the loop with shape "
                             f"{a.shape}, but has shape {t.shape} after one iteration. To allow "
                             "the shape to vary across iterations, use the `shape_invariants` "
                             "argument of tf.while_loop to specify a less-specific shape.")


def _lists(structure):
    """`structure` with its plain tuples made lists (namedtuples and dicts kept)."""
    if isinstance(structure, tuple) and not hasattr(structure, "_fields"):
        return [_lists(s) for s in structure]
    if nest.is_nested(structure):
        return nest._rebuild(structure, [_lists(s) for s in nest._children(structure)])
    return structure


def _eager_fold(fn, elems, flat, acc_structure, initializer, reverse):
    # TF's eager while_loop: the accumulator may change dtype and shape.
    first, rows = _eager_rows(flat, reverse, initializer is None)
    init_flat = first if first is not None else [convert_to_tensor(v)
                                                 for v in nest.flatten(initializer)]
    acc = nest.pack_sequence_as(acc_structure, init_flat)
    for row in rows:
        value = fn(acc, nest.pack_sequence_as(elems, row))
        nest.assert_same_structure(acc_structure, value)
        acc = nest.map_structure(convert_to_tensor, value)
    return acc


@public(SCAN, STATELESS_SCAN)
def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """`fn(...fn(fn(initializer, elems[0]), elems[1])..., elems[n-1])`, as `tf.foldl`.

    Without `initializer`, `elems[0]` (the slices of every elem, in `elems`'
    structure) is the initial accumulator and `fn` is not called on it.
    In a graph `fn` must keep the accumulator's structure (lists and tuples
    are interchangeable there, as in TF), dtypes (TypeError) and shapes
    (ValueError), TF's while_loop checks; eagerly, as in TF, it runs in a
    Python loop that only checks the structure. One Scan op lowers to
    `lax.scan`. Unlike TF, elems whose first dimensions differ raise
    ValueError (TF reads past the shorter ones when the graph runs).
    """
    return _fold(fn, elems, initializer, back_prop, name, False, "foldl")


@public(SCAN, STATELESS_SCAN)
def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """`fn(...fn(fn(initializer, elems[n-1]), elems[n-2])..., elems[0])`, as `tf.foldr`.

    As `foldl` (see there), from the last element: without `initializer`,
    `elems[-1]` is the initial accumulator. Lowered to a reverse `lax.scan`.
    """
    return _fold(fn, elems, initializer, back_prop, name, True, "foldr")


# ---------------------------------------------------------------------------
# vectorized_map.

@public(VECTORIZED_MAP, STATELESS_VECTORIZED_MAP)
def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """`fn` applied to every element of `elems` at once, as `tf.vectorized_map`.

    TF rewrites `fn`'s graph into batched ops (pfor); here `fn` is traced
    once and one VectorizedMap op lowers to `jax.vmap` of it, which batches
    every op (so nothing falls back to a loop; `fallback_to_while_loop` and
    `warn` are accepted). As in TF, an elem of first dimension 1 is broadcast
    against the others, the batch size is the largest first dimension, any
    other mismatch is InvalidArgumentError (TF raises it when the graph runs,
    here when it is built), outputs that do not depend on the elements are
    broadcast to the batch, None outputs stay None, and random ops draw new
    numbers for each element.

    Eagerly, TF traces `fn` into a new function on every call and runs it;
    here too `fn` is traced on every call, and the vmapped graph runs op by
    op (JAX caches each op's compilation, not a whole new program per call).
    """
    flat = [convert_to_tensor(e) for e in nest.flatten(elems)]
    dims = []
    for t in flat:
        if t.shape.rank == 0:
            raise IndexError("list index out of range")  # TF reads shape.as_list()[0]
        dims.append(t.shape[0])
    if not dims:
        raise ValueError("max() arg is an empty sequence")  # TF's batch size: max(dims)
    batch = None if None in dims else max(dims)
    for d in dims:
        if batch is not None and d not in (1, batch):  # TF's gather of index d fails
            raise InvalidArgumentError(None, None, f"indices[{d}] = {d} is not in [0, {d})")
    batched = tuple(batch is None or batch == 1 or d != 1 for d in dims)

    def body(*slices):
        value = fn(nest.pack_sequence_as(elems, slices))
        return nest.map_structure(lambda v: None if v is None else _graph_tensor(v), value)

    outer = graph_mod.current_graph_or_none()
    with op_scope(None, "loop_body") as scope:
        graph, result = trace_function(body, outer, (scope or "loop_body/").rstrip("/")
                                       .replace("/", "_") + "_fn",
                                       [_slice_spec(t, "elem") for t in flat])
        _refuse_assignments(graph)
        if not graph.outputs:  # nothing to compute (fn returned None): TF returns the Nones
            return result
        if outer is None:
            outputs = _run_eagerly(graph, flat, batched)
        else:
            outputs = _add_op((VECTORIZED_MAP, STATELESS_VECTORIZED_MAP), "fn", graph, flat,
                              {"batched": batched}, scope)
    outputs = iter(outputs)
    results = []
    for leaf in nest.flatten(result):
        if leaf is None:
            results.append(None)
        else:
            t = next(outputs)
            if isinstance(t, SymbolicTensor):
                t._shape = TensorShape([batch]).concatenate(leaf.shape)
            results.append(t)
    return nest.pack_sequence_as(result, results)


def _run_eagerly(graph, flat, batched):
    """The VectorizedMap op's lowering run on the values (a graph traced at the top: its
    captures are eager tensors, or stateful objects read as a tf.function reads them)."""
    captured = [c if isinstance(c, EagerTensor) else c.read_value()
                for c in graph.external_captures]
    values = [t._value for t in list(flat) + captured]
    return [EagerTensor(v) for v in _vectorized_map_lowering(values, fn=graph, batched=batched)]
