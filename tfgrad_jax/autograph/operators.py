"""AutoGraph's run-time operators: what converted code calls in place of Python statements.

Each operator looks at its condition or iterable. A graph tensor (a
`SymbolicTensor` of the graph being built) stages TF control flow with
`tf.cond` / `tf.while_loop`; anything else (Python values, eager tensors)
runs the plain Python statement, so code that branches on Python values
traces exactly as it would without AutoGraph.

The statements are passed in TF's "functional form": the branches and loop
bodies are closures of no arguments that read and write the user's variables
through `nonlocal`, and two more closures, `get_state()` and
`set_state(values)`, read and write the variables that the statement
modifies (`symbol_names` names them, in the same order). The errors raised
here mirror the messages of TF 2.21's AutoGraph, which name those variables.
"""

import threading

import numpy as np

from tfgrad_jax.framework import nest
from tfgrad_jax.framework.tensor import OperatorNotAllowedInGraphError, SymbolicTensor, Tensor

_LIMITATIONS = ("https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/"
                "autograph/g3doc/reference/limitations.md#consistency-of-control-flow-types")


# ---------------------------------------------------------------------------
# Undefined values.

class Undefined:
    """The value of a variable that is not assigned yet, as TF's `Undefined`.

    Converted code assigns it to variables that a control-flow statement may
    define before they have a value, so that the statement's state functions
    can name them. Reading one through `ld` raises UnboundLocalError, as
    Python would.
    """

    __slots__ = ("symbol_name",)

    def __init__(self, symbol_name):
        self.symbol_name = symbol_name

    def read(self):
        raise UnboundLocalError(f"'{self.symbol_name}' is used before assignment")

    def __repr__(self):
        return self.symbol_name


class UndefinedReturnValue:
    """The return value of a function that has not executed a `return` yet."""

    __slots__ = ()


def ld(value):
    """Loads a variable that may hold `Undefined`: raises UnboundLocalError if it does."""
    if isinstance(value, Undefined):
        value.read()
    return value


def retval(value):
    """The value a converted function returns: None if it never reached a `return`."""
    if isinstance(value, UndefinedReturnValue):
        return None
    return value


def _is_undefined(value):
    return isinstance(value, (Undefined, UndefinedReturnValue))


def is_graph_tensor(value):
    """True for a tensor of a graph being built: the values that AutoGraph stages on."""
    return isinstance(value, SymbolicTensor)


# ---------------------------------------------------------------------------
# Checks, with TF's messages.

def _ops():
    # Imported when first needed: the op modules import the framework, which
    # imports AutoGraph lazily from tf.function.
    import tfgrad_jax
    return tfgrad_jax


def _control_flow_ops():
    from tfgrad_jax.ops import control_flow_ops
    return control_flow_ops


def _check_condition(cond, where):
    """A staged condition as a scalar bool tensor, or TF's ValueError."""
    hint = "to check for None, use `is not None`"
    if cond.dtype.name != "bool":
        raise ValueError(f"condition of {where} expected to be `tf.bool` scalar, got {cond}; "
                         f"to use as boolean Tensor, use `tf.cast`; {hint}")
    shape = cond.shape
    if shape.rank is None:
        return _ops().reshape(cond, [])
    if shape.rank > 0:
        known = [d for d in shape.as_list() if d is not None]
        if int(np.prod(known)) > 1:
            raise ValueError(f"condition of {where} expected to be `tf.bool` scalar, got "
                             f"{cond}; {hint}")
        return _ops().reshape(cond, [])
    return cond


def _as_tensor_leaf(value):
    """Python numbers, bools and numpy arrays as tensors (TF converts them for tf.cond/while)."""
    if isinstance(value, (bool, int, float, np.ndarray, np.generic)):
        return _ops().convert_to_tensor(value)
    return value


def _as_tensors(value):
    return nest.map_structure(_as_tensor_leaf, value) if nest.is_nested(value) \
        else _as_tensor_leaf(value)


def _structure_error(a, b):
    """None if `a` and `b` nest alike (as tf.nest.assert_same_structure), else its message."""
    try:
        nest.assert_same_structure(a, b)
    except (TypeError, ValueError) as e:
        return str(e)
    return None


def _verify_branch_values(values, names, branch):
    """TF's check that a branch of a staged `if` leaves every output variable defined."""
    for name, value in zip(names, values):
        if isinstance(value, Undefined):
            raise ValueError(  # noqa: TRY004 - TF's class
                f"'{name}' must also be initialized in the {branch} branch")
        if isinstance(value, UndefinedReturnValue):
            raise ValueError(  # noqa: TRY004 - TF's class
                f"the {branch} branch must also have a return statement.")


def _verify_cond_var(name, main, orelse):
    """TF's checks on one output of a staged `if`: not None, same structure and dtypes."""
    why = _structure_error(main, orelse)
    if why is not None:
        raise TypeError(f"'{name}' must have the same nested structure in the main and else "
                        f"branches:\n\n{why}")
    for a, b in zip(nest.flatten(main), nest.flatten(orelse)):
        if a is None:
            raise ValueError(f"'{name}' is None at the end of the main branch.")
        if b is None:
            raise ValueError(f"'{name}' is None at the end of the else branch.")
        a, b = _as_tensor_leaf(a), _as_tensor_leaf(b)
        if isinstance(a, Tensor) and isinstance(b, Tensor) and a.dtype != b.dtype:
            raise TypeError(f"'{name}' has dtype {a.dtype.name} in the main branch, but dtype "
                            f"{b.dtype.name} in the else branch")


def _verify_loop_init(values, names, note=None):
    """TF's checks that every loop variable has a value before a staged loop."""
    for name, value in zip(names, values):
        if isinstance(value, UndefinedReturnValue):
            raise NotImplementedError(
                "a return statement cannot be placed inside this TensorFlow loop; this may "
                "happen if a return statement depends on a static Python condition such as a "
                "hyperparameter")
        if value is None:
            raise ValueError(f"'{name}' is not allowed to be None before the loop")
        if isinstance(value, Undefined):
            message = f"'{name}' must be defined before the loop"
            if note:
                message += "\n" + note
            raise ValueError(message)  # noqa: TRY004 - TF's class


def _is_subshape(shape, of):
    """True if `shape` is at least as specific as `of` (TF's check on loop variables)."""
    if of.rank is None:
        return True
    if shape.rank != of.rank:
        return False
    return all(o is None or s == o for s, o in zip(shape.as_list(), of.as_list()))


def _verify_loop_var(name, entry, exit_, check_shape=True):
    """TF's checks that a loop variable keeps its structure, dtype and shape in an iteration."""
    why = _structure_error(entry, exit_)
    if why is not None:
        raise TypeError(f"'{name}' does not have the same nested structure after one "
                        f"iteration.\n\n{why}")
    for before, after in zip(nest.flatten(entry), nest.flatten(exit_)):
        if after is None:
            raise ValueError(f"'{name}' is None at the end of the iteration.")
        before, after = _as_tensor_leaf(before), _as_tensor_leaf(after)
        if not (isinstance(before, Tensor) and isinstance(after, Tensor)):
            continue
        if before.dtype != after.dtype:
            raise TypeError(f"'{name}' has dtype {before.dtype.name} before the loop, but "
                            f"dtype {after.dtype.name} after one iteration")
        if check_shape and not _is_subshape(after.shape, before.shape):
            raise ValueError(
                f"'{name}' has shape {before.shape} before the loop, but shape {after.shape} "
                "after one iteration. Use tf.autograph.experimental.set_loop_options to set "
                "shape invariants.")


# ---------------------------------------------------------------------------
# Staging one iteration to learn the type of variables first defined in a loop.

class _Staging(threading.local):
    def __init__(self):
        self.depth = 0


_staging = _Staging()


def _zeros_like_value(value):
    """A stand-in of `value`'s type (zeros), for a loop variable the loop defines (as TF)."""
    if isinstance(value, (bool, int, float)):
        return type(value)(0)
    if isinstance(value, Tensor):
        return _ops().zeros(value.shape.as_list(), value.dtype)
    if isinstance(value, (list, tuple, dict)):
        return nest.map_structure(_zeros_like_value, value)
    raise TypeError(f"Found an unsupported type '{type(value).__name__}' while creating "
                    f"placeholder for {value}. Supported types include Tensor, int, float, "
                    "bool, list, tuple or dict.")


def _define_loop_vars(init, stage_body, get_state, set_state, names):
    """Replaces undefined (or None) loop variables by zeros of the type one iteration gives them.

    As TF, one iteration of the body is traced first (its ops are left unused
    in the graph) to learn the types. Returns the new initial values and the
    names of the variables so defined (the loop must then run at least once),
    or raises TF's "must be defined before the loop" error. Unlike TF, the
    return value of a `return` inside the loop is defined the same way (TF
    refuses a return inside a staged loop).
    """
    nulls = [v is None or _is_undefined(v) for v in init]
    if not any(nulls):
        return init, ()
    first, note = None, None
    set_state(tuple(_as_tensors(v) for v in init))
    _staging.depth += 1
    try:
        stage_body()
        first = get_state()
    except (UnboundLocalError, TypeError, ValueError, KeyError) as e:
        note = f"Note: AutoGraph tried to define it automatically, but ran into a " \
               f"{type(e).__name__}: {e}"
    finally:
        _staging.depth -= 1
        set_state(init)
    defined = []
    if first is not None:
        new = []
        for name, value, after, null in zip(names, init, first, nulls):
            if null and after is not None and not _is_undefined(after):
                # A return value is read only if the loop set `do_return`: no check.
                if not isinstance(value, UndefinedReturnValue):
                    defined.append(name)
                value = _zeros_like_value(after)
            new.append(value)
        init = tuple(new)
    _verify_loop_init(init, names, note)
    return init, tuple(defined)


# ---------------------------------------------------------------------------
# if statements and conditional expressions.

def if_stmt(cond, body, orelse, get_state, set_state, symbol_names, nouts):
    """Functional form of `if`, as TF's `ag__.if_stmt`.

    A graph-tensor condition stages `tf.cond`; its outputs are the first
    `nouts` variables of the state (those modified in a branch and used
    after the statement). Variables modified in a branch but not used after
    it are restored between the two branches and are not outputs. Any other
    condition runs the Python `if`.
    """
    if is_graph_tensor(cond):
        _tf_if_stmt(cond, body, orelse, get_state, set_state, tuple(symbol_names), nouts)
    elif cond:
        body()
    else:
        orelse()


def _tf_if_stmt(cond, body, orelse, get_state, set_state, names, nouts):
    cond = _check_condition(cond, "if statement")
    init = tuple(get_state())
    out_names = names[:nouts]
    if _staging.depth:
        return _staged_if(body, orelse, get_state, set_state, init, out_names, nouts)
    outputs = {}

    def branch(fn, which, other):
        def run():
            set_state(init)
            fn()
            values = tuple(get_state())[:nouts]
            _verify_branch_values(values, out_names, which)
            outputs[which] = values
            if other in outputs:
                for name, a, b in zip(out_names, outputs["main"], outputs["else"]):
                    _verify_cond_var(name, a, b)
            # tf.cond wants at least one output (TF adds a dummy as well).
            return [_as_tensors(v) for v in values] if nouts else [_as_tensor_leaf(0)]
        return run

    results = _control_flow_ops().cond(cond, branch(body, "main", "else"),
                                       branch(orelse, "else", "main"))
    results = _as_list(results, max(nouts, 1))
    set_state(tuple(results[:nouts]) + init[nouts:])


def _staged_if(body, orelse, get_state, set_state, init, out_names, nouts):
    """A tensor `if` met while staging a loop body to learn variable types.

    Both branches run in Python and no tf.cond is built: the result only
    gives types. A function's return value may be set in one branch only
    here (a `return` inside a loop), so the defined side is taken.
    """
    set_state(init)
    body()
    main = tuple(get_state())[:nouts]
    set_state(init)
    orelse()
    other = tuple(get_state())[:nouts]
    merged = []
    for name, a, b in zip(out_names, main, other):
        if isinstance(a, UndefinedReturnValue) or isinstance(b, UndefinedReturnValue):
            merged.append(b if isinstance(a, UndefinedReturnValue) else a)
            continue
        _verify_branch_values((a,), (name,), "main")
        _verify_branch_values((b,), (name,), "else")
        _verify_cond_var(name, a, b)
        merged.append(_as_tensors(a))
    set_state(tuple(merged) + init[nouts:])


def _as_list(results, n):
    """tf.cond / tf.while_loop results as a list of `n` (a single output may come unwrapped)."""
    if n == 1 and not (isinstance(results, (list, tuple)) and len(results) == 1):
        return [results]
    return list(results)


def if_exp(cond, if_true, if_false, expr_repr):
    """Functional form of `a if cond else b`, as TF's `ag__.if_exp`: tf.cond on a graph tensor.

    `expr_repr` (the source text of the condition) names the value in errors.
    """
    if not is_graph_tensor(cond):
        return if_true() if cond else if_false()
    cond = _check_condition(cond, "if expression")
    values = {}

    def branch(fn, which, other):
        def run():
            values[which] = fn()
            if other in values:
                _verify_cond_var(expr_repr, values["main"], values["else"])
            return _as_tensors(values[which])
        return run

    return _control_flow_ops().cond(cond, branch(if_true, "main", "else"),
                                    branch(if_false, "else", "main"))


# ---------------------------------------------------------------------------
# Logical operators.

def not_(a):
    """Functional form of `not`: tf.logical_not on a graph tensor, else Python's `not`."""
    if is_graph_tensor(a):
        return _ops().logical_not(a)
    return not a


def and_(a, b):
    """Functional form of `a and b` with lazy `b` (both are thunks), as TF.

    A graph-tensor `a` stages `tf.cond(a, b, lambda: a)`, so `b` runs only
    when `a` holds; otherwise Python's `and`.
    """
    a_val = a()
    if not is_graph_tensor(a_val):
        return a_val and b()
    return _control_flow_ops().cond(a_val, lambda: _as_tensors(b()), lambda: a_val)


def or_(a, b):
    """Functional form of `a or b` with lazy `b`: `tf.cond(a, lambda: a, b)` on a graph tensor."""
    a_val = a()
    if not is_graph_tensor(a_val):
        return a_val or b()
    return _control_flow_ops().cond(a_val, lambda: a_val, lambda: _as_tensors(b()))


# ---------------------------------------------------------------------------
# while loops.

def while_stmt(test, extra_test, body, get_state, set_state, symbol_names, opts):
    """Functional form of `while`, as TF's `ag__.while_stmt`.

    The test is evaluated once to choose: a graph tensor stages
    `tf.while_loop` whose loop variables are the state (the variables the
    body modifies that are read before being assigned, or used after the
    loop); anything else runs a Python loop. `extra_test` (or None) holds
    the `break`/`return` flags that AutoGraph adds, checked before `test`.
    Unlike TF, the first evaluation happens in the graph being built (its
    ops are left unused when the loop is staged).
    """
    if extra_test is not None:
        first_extra = extra_test()
        if not is_graph_tensor(first_extra) and not first_extra:
            return
    else:
        first_extra = True
    first = test()
    if is_graph_tensor(first) or is_graph_tensor(first_extra):
        _tf_while_stmt(test, extra_test, body, get_state, set_state, tuple(symbol_names),
                       dict(opts or {}))
        return
    if not first:
        return
    body()
    _py_while_stmt(test, extra_test, body)


def _py_while_stmt(test, extra_test, body):
    def keep_going():
        try:
            if extra_test is not None and not extra_test():
                return False
            return bool(test())
        except OperatorNotAllowedInGraphError as e:
            raise NotImplementedError(
                "The condition of while loop started as non-Tensor, then changed to Tensor. "
                "This may happen either because variables changed type, or when a break or "
                "return statement inside the loop depends on a Tensor condition. In both "
                "cases, changing to a TF loop should remove the error.\nSee "
                f"{_LIMITATIONS} for more info.") from e

    while keep_going():
        body()


def _combined_test(main, extra):
    """`main and extra` for a staged loop condition (both are cheap flags or comparisons)."""
    if extra is None:
        return main
    if not is_graph_tensor(extra):
        return main if extra else _ops().constant(False)
    return _ops().logical_and(main, extra)


def _tf_while_stmt(test, extra_test, body, get_state, set_state, names, opts):
    init, defined = _define_loop_vars(tuple(get_state()), body, get_state, set_state, names)
    _run_tf_loop(lambda: _combined_test(test(), extra_test() if extra_test else None),
                 body, get_state, set_state, names, init, opts, "while loop", defined)


def _shape_invariants(pairs, init, tensors):
    """TF's `set_loop_options(shape_invariants=[(var, shape), ...])` as a positional list.

    Variables are matched by identity with their value before the loop; the
    others keep their own shapes. Returns (invariants, which are given).
    """
    by_id = {id(v): shape for v, shape in pairs}
    invariants, given = [], []
    for value, tensor in zip(init, tensors):
        shape = by_id.get(id(value))
        given.append(shape is not None)
        if shape is None:
            shape = nest.map_structure(lambda t: t.shape, tensor) if nest.is_nested(tensor) \
                else tensor.shape
        invariants.append(shape)
    return invariants, given


def _run_tf_loop(test, body, get_state, set_state, names, init, opts, where, defined=()):
    """Stages tf.while_loop over the state; `test()` and `body()` read it through set_state.

    `defined`: the variables the loop itself defines (see _define_loop_vars);
    as TF, a flag records that the body ran, and an Assert raises TF's
    InvalidArgumentError "loop must iterate at least once to initialize ..."
    when the graph runs if it did not.
    """
    if defined:
        return _run_checked_tf_loop(test, body, get_state, set_state, names, init, opts,
                                    where, defined)
    if not init:
        # Nothing that the code reads later changes in the loop, but
        # tf.while_loop needs a loop variable: a dummy one carries the loop.
        return _run_tf_loop(test, body, lambda: (0,) + tuple(get_state()),
                            lambda values: set_state(tuple(values)[1:]), ("<dummy>",), (0,),
                            opts, where)
    _verify_loop_init(init, names)
    tensors = tuple(_as_tensors(v) for v in init)
    checked = [True] * len(init)
    if opts.get("shape_invariants"):
        opts["shape_invariants"], given = _shape_invariants(opts["shape_invariants"], init,
                                                             tensors)
        checked = [not g for g in given]  # tf.while_loop checks those against the invariant
    init = tensors

    def cond_fn(*loop_vars):
        set_state(loop_vars)
        result = test()
        if not is_graph_tensor(result):
            result = _ops().constant(bool(result))
        return _check_condition(result, where)

    def body_fn(*loop_vars):
        set_state(loop_vars)
        body()
        new = tuple(get_state())
        for name, before, after, check_shape in zip(names, loop_vars, new, checked):
            _verify_loop_var(name, before, after, check_shape)
        return tuple(_as_tensors(v) for v in new)

    results = _control_flow_ops().while_loop(cond_fn, body_fn, list(init), **opts)
    results = _as_list(results, len(init))
    set_state(tuple(results))


def _run_checked_tf_loop(test, body, get_state, set_state, names, init, opts, where, defined):
    ran = {"flag": False}

    def get_with_flag():
        return (ran["flag"],) + tuple(get_state())

    def set_with_flag(values):
        ran["flag"] = values[0]
        set_state(tuple(values[1:]))

    def body_with_flag():
        body()
        ran["flag"] = True

    _run_tf_loop(test, body_with_flag, get_with_flag, set_with_flag,
                 ("<first iteration>",) + names, (False,) + tuple(init), opts, where)
    tf = _ops()
    check = tf.debugging.Assert(
        ran["flag"], [f"loop must iterate at least once to initialize {', '.join(defined)}"])
    with tf.control_dependencies([check]):  # the loop's results wait for the check
        values = tuple(get_state())
        set_state(tuple(nest.map_structure(
            lambda v: tf.identity(v) if isinstance(v, Tensor) else v, v) for v in values))


# ---------------------------------------------------------------------------
# for loops.

def for_stmt(iter_, extra_test, body, get_state, set_state, symbol_names, opts):
    """Functional form of `for`, as TF's `ag__.for_stmt`.

    Iterating a graph tensor (its first dimension), a `tf.range`, or the
    `range`/`enumerate`/`zip` overloads over graph tensors stages a
    `tf.while_loop` over an index; anything else runs the Python loop (an
    unrolled trace). `body(item)` runs one iteration; `extra_test` (or None)
    holds the `break`/`return` flags, checked before each iteration. TF 2.21
    stages only tensors and tf.range: enumerate/zip over graph tensors raise
    there.
    """
    seq = as_tensor_sequence(iter_)
    if seq is not None:
        _tf_for_stmt(seq, extra_test, body, get_state, set_state, tuple(symbol_names),
                     dict(opts or {}))
        return
    if extra_test is None:
        for item in iter_:
            body(item)
        return

    def keep_going():
        try:
            return bool(extra_test())
        except OperatorNotAllowedInGraphError as e:
            raise NotImplementedError(
                "break and return statements which depend on a TF condition are not supported "
                "in Python for loops. Did you intend to make it a TF loop?\nSee "
                f"{_LIMITATIONS} for more info.") from e

    if keep_going():
        for item in iter_:
            body(item)
            if not keep_going():
                break


def _tf_for_stmt(seq, extra_test, body, get_state, set_state, names, opts):
    n = seq.length()
    tf = _ops()
    state = {"index": tf.constant(0)}

    def aug_get_state():
        return (state["index"],) + tuple(get_state())

    def aug_set_state(values):
        state["index"] = values[0]
        set_state(tuple(values[1:]))

    def aug_body():
        index = state["index"]
        body(seq.item(index))
        state["index"] = index + 1

    def aug_test():
        return _combined_test(state["index"] < n, extra_test() if extra_test else None)

    iterate_name = opts.pop("iterate_names", None)
    init = aug_get_state()
    if isinstance(seq, (_StaticRange, TensorRange)) and iterate_name in names:
        # As TF for ranges: a loop target first assigned by the loop starts
        # as the range's start (so using it after the loop needs no check).
        at = 1 + names.index(iterate_name)
        if isinstance(init[at], Undefined):
            init = init[:at] + (seq.item(tf.constant(0)),) + init[at + 1:]
    names = ("<internal iterate>",) + names
    init, defined = _define_loop_vars(init, aug_body, aug_get_state, aug_set_state, names)
    if isinstance(n, int) and "maximum_iterations" not in opts:
        opts["maximum_iterations"] = n  # as TF under XLA: bounds the loop for gradients
    _run_tf_loop(aug_test, aug_body, aug_get_state, aug_set_state, names, init, opts,
                 "for loop", defined)


# ---------------------------------------------------------------------------
# What a staged for loop can iterate.

class _TensorSequence:
    """Something a staged `for` iterates by index: `length()` and `item(index)`."""

    def length(self):
        raise NotImplementedError

    def item(self, index):
        raise NotImplementedError

    def __iter__(self):
        raise OperatorNotAllowedInGraphError(
            "Iterating over a symbolic `tf.Tensor` is not allowed outside a for loop that "
            "AutoGraph converts.")


class _RowsOf(_TensorSequence):
    """The rows (first-dimension slices) of a tensor."""

    def __init__(self, tensor):
        if tensor.shape.rank == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        self.tensor = tensor

    def length(self):
        n = self.tensor.shape[0] if self.tensor.shape.rank is not None else None
        return int(n) if n is not None else _ops().shape(self.tensor)[0]

    def item(self, index):
        return self.tensor[index]


class TensorRange(_TensorSequence):
    """A `tf.range` that is not built: its bounds are known only at run time.

    tf.range needs static bounds here (XLA compiles static shapes), but a
    loop over a range needs only its length, so `for i in tf.range(n)` and
    `for i in range(n)` with a run-time `n` iterate it without building it,
    as TF elides range tensors in loops.
    """

    def __init__(self, start, limit, delta, dtype):
        tf = _ops()
        self.dtype = dtype
        self.start, self.limit, self.delta = (tf.cast(v, dtype) for v in (start, limit, delta))

    def length(self):
        tf = _ops()
        span = tf.cast(self.limit - self.start, "float64") / tf.cast(self.delta, "float64")
        return tf.cast(tf.maximum(tf.math.ceil(span), 0.0), "int32")

    def item(self, index):
        return self.start + _ops().cast(index, self.dtype) * self.delta


class _StaticRange(_TensorSequence):
    """A tf.range built with static bounds (a Range op): iterated without gathering."""

    def __init__(self, tensor):
        attrs = tensor.op.attrs
        self.start, self.delta, self.dtype = attrs["start"], attrs["delta"], attrs["dtype"]
        self.n = len(np.arange(attrs["start"], attrs["limit"], attrs["delta"]))

    def length(self):
        return self.n

    def item(self, index):
        tf = _ops()
        return tf.constant(self.start, self.dtype) + tf.cast(index, self.dtype) * \
            tf.constant(self.delta, self.dtype)


class _Enumerate(_TensorSequence):
    def __init__(self, seq, start):
        self.seq, self.start = seq, start

    def length(self):
        return self.seq.length()

    def item(self, index):
        return (index + self.start, self.seq.item(index))


class _Zip(_TensorSequence):
    def __init__(self, seqs):
        self.seqs = seqs

    def length(self):
        lengths = [s.length() for s in self.seqs]
        if all(isinstance(n, int) for n in lengths):
            return min(lengths)
        tf = _ops()
        result = lengths[0]
        for n in lengths[1:]:
            result = tf.minimum(result, n)
        return result

    def item(self, index):
        return tuple(s.item(index) for s in self.seqs)


def as_tensor_sequence(value):
    """The staged-loop view of `value`, or None if a Python loop should iterate it."""
    if isinstance(value, _TensorSequence):
        return value
    if isinstance(value, SymbolicTensor):
        if value.op.type == "Range":
            return _range_sequence(value.op)
        return _RowsOf(value)
    return None


def _range_sequence(op):
    """A loop over a Range op's values, without gathering from the range tensor.

    Bounds known when the graph was built are the op's attrs; a bound known only
    at run time is an input of the op (`_static_inputs`: attr -> input index),
    which a TensorRange reads in the loop, as TF elides a range in a loop.
    """
    attrs = op.attrs
    from_inputs = dict(attrs.get("_static_inputs", ()))
    if not from_inputs:
        return _StaticRange(op.outputs[0])
    bounds = [op.inputs[from_inputs[k]] if k in from_inputs else attrs[k]
              for k in ("start", "limit", "delta")]
    return TensorRange(*bounds, dtype=attrs["dtype"])


def enumerate_over(value, start=0):
    """`enumerate` of a graph tensor or range, staged by a for loop; None for Python values."""
    seq = as_tensor_sequence(value)
    return None if seq is None else _Enumerate(seq, start)


def zip_over(values):
    """`zip` of graph tensors/ranges, staged by a for loop; None if any is a Python iterable."""
    seqs = [as_tensor_sequence(v) for v in values]
    if not seqs or any(s is None for s in seqs):
        return None
    return _Zip(seqs)
