"""AutoGraph: Python control flow on graph tensors becomes tf.cond / tf.while_loop.

Values are checked against numpy or the same function run on Python values;
errors against the classes and messages of TensorFlow 2.21's AutoGraph
(checked with the real TF, noted per test); gradients through converted
loops against jax.grad of a hand-written JAX equivalent and central finite
differences in float64. Traced functions are defined once at module level so
that the tests share their traces.
"""

import functools
import traceback
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax import autograph
from tfgrad_jax.framework.tensor import OperatorNotAllowedInGraphError


def _op_types(fn, *args):
    return [op.type for op in fn.get_concrete_function(*args).graph.get_operations()]


def _c(value, dtype=None):
    return tf.constant(value, dtype)


def _raises(cls, message, fn, *args):
    """Calls fn(*args) expecting `cls` whose message starts with `message` (exact text)."""
    with pytest.raises(cls) as info:
        fn(*args)
    assert str(info.value).startswith(message), str(info.value)
    return info.value


# ---------------------------------------------------------------------------
# if / elif / else

@tf.function
def if_elif(x):
    if x > 2.0:
        y = x * 10.0
    elif x > 0.0:
        y = x * 2.0
    else:
        y = -x
    return y


@pytest.mark.parametrize("x", [3.0, 1.0, -2.0])
def test_if_elif_else_on_a_tensor_is_a_cond(x):
    want = x * 10 if x > 2 else x * 2 if x > 0 else -x
    assert if_elif(_c(x)).numpy() == pytest.approx(want)


def test_if_on_a_tensor_builds_one_if_op_per_branch_point():
    types = _op_types(if_elif, _c(1.0))
    assert sum(t in ("If", "StatelessIf") for t in types) == 1  # elif nests in the else graph


@tf.function
def local_to_branch(x):
    if x > 0:
        tmp = x * 2.0  # only in one branch, not used after: not an output (liveness)
        y = tmp + 1.0
    else:
        y = x
    return y


def test_names_used_only_inside_a_branch_are_not_outputs():
    assert local_to_branch(_c(2.0)).numpy() == 5.0
    assert local_to_branch(_c(-2.0)).numpy() == -2.0
    graph = local_to_branch.get_concrete_function(_c(1.0)).graph
    [cond_op] = [op for op in graph.get_operations() if op.type in ("If", "StatelessIf")]
    assert len(cond_op.outputs) == 1  # y only


@tf.function
def python_bool_if(x, flag):
    if flag:
        y = tf.sin(x)
    else:
        y = tf.cos(x)
    return y


def test_python_bool_if_traces_one_branch():
    assert python_bool_if(_c(0.5), True).numpy() == pytest.approx(np.sin(0.5))
    assert python_bool_if(_c(0.5), False).numpy() == pytest.approx(np.cos(0.5))
    types = _op_types(python_bool_if, _c(0.5), True)
    assert "Sin" in types and "Cos" not in types
    assert not any(t in ("If", "StatelessIf") for t in types)


@tf.function
def logical_ops(x, y):
    return (x > 0 and y > 0), (x > 0 or y > 0), not x > 0, (x if x > y else y)  # noqa: FURB136


@pytest.mark.parametrize("x,y", [(1.0, -1.0), (-1.0, 2.0), (2.0, 3.0)])
def test_and_or_not_and_conditional_expression_on_tensors(x, y):
    got = [v.numpy() for v in logical_ops(_c(x), _c(y))]
    assert got == [x > 0 and y > 0, x > 0 or y > 0, not x > 0, max(x, y)]


def test_and_or_stay_lazy_python_on_python_values():
    def f(a):
        return a is not None and a.real > 0, a or "default", not a  # None has no .real

    converted = autograph.to_graph(f)
    assert converted(None) == f(None) == (False, "default", True)
    assert converted(0) == f(0) == (False, "default", True)
    assert converted(2) == f(2) == (True, 2, False)


# ---------------------------------------------------------------------------
# while

@tf.function
def while_break_continue(n):
    i = 0
    total = 0
    while i < n:
        i += 1
        if i % 3 == 0:
            continue
        total += i
        if total > 20:
            break
    return i, total


def _while_break_continue_py(n):
    i = total = 0
    while i < n:
        i += 1
        if i % 3 == 0:
            continue
        total += i
        if total > 20:
            break
    return i, total


@pytest.mark.parametrize("n", [0, 4, 10, 30])
def test_while_with_break_and_continue(n):
    i, total = while_break_continue(_c(n))
    assert (int(i), int(total)) == _while_break_continue_py(n)


def test_tensor_while_is_a_while_op_and_python_while_unrolls():
    assert any(t in ("While", "StatelessWhile") for t in _op_types(while_break_continue, _c(3)))

    @tf.function
    def python_while(x):
        k = 0
        while k < 3:  # a Python condition: traced three times
            x = x * 2.0
            k += 1
        return x

    assert python_while(_c(1.0)).numpy() == 8.0
    types = _op_types(python_while, _c(1.0))
    assert types.count("Mul") == 3 and not any("While" in t for t in types)


@tf.function
def while_defines_variable(x):
    while x > 0:
        x = x - 1.0
        z = x * 2.0  # first assigned in the loop, used after it (TF stages one iteration)
    return z


def test_variable_first_defined_in_a_while_loop():
    assert while_defines_variable(_c(3.0)).numpy() == 0.0
    assert while_defines_variable(_c(2.5)).numpy() == -1.0
    # TF: an Assert in the graph, InvalidArgumentError "assertion failed: [loop must iterate
    # at least once to initialize z]" when the loop does not run.
    _raises(tf.errors.InvalidArgumentError, "assertion failed: [loop must iterate at least "
            "once to initialize z]", while_defines_variable, _c(-1.0))


@tf.function
def range_target_after_loop(n):
    for i in tf.range(n):
        pass
    return i  # defined by the loop


def test_range_loop_target_used_after_the_loop():
    assert int(range_target_after_loop(_c(4))) == 3
    assert int(range_target_after_loop(_c(0))) == 0  # TF: the range's start, no error


# ---------------------------------------------------------------------------
# for

@tf.function
def for_range_break(n, limit):
    s = 0
    for i in tf.range(n):
        if i % 2 == 0:
            continue
        s += i
        if s > limit:
            break
    return s


def _for_range_break_py(n, limit):
    s = 0
    for i in range(n):
        if i % 2 == 0:
            continue
        s += i
        if s > limit:
            break
    return s


@pytest.mark.parametrize("n,limit", [(0, 5), (6, 100), (20, 10)])
def test_for_over_tf_range_with_break_and_continue(n, limit):
    assert int(for_range_break(_c(n), _c(limit))) == _for_range_break_py(n, limit)


@tf.function
def for_rows(m):
    total = tf.zeros([3])
    count = 0
    for row in m:
        if tf.reduce_sum(row) < 0:
            break
        total += row
        count += 1
    return total, count


def test_for_over_a_tensor_iterates_its_first_dimension():
    m = np.array([[1, 2, 3], [4, 5, 6], [-9, 0, 0], [7, 7, 7]], np.float32)
    total, count = for_rows(_c(m))
    np.testing.assert_allclose(total.numpy(), m[:2].sum(0))
    assert int(count) == 2


@tf.function
def builtins_over_tensors(x, y, n):
    s = tf.constant(0.0)
    for i, v in enumerate(x):  # TF 2.21 raises here; staged by our overloads
        s += tf.cast(i, tf.float32) * v
    for a, b in zip(x, y):
        s += a * b
    k = 0
    for j in range(n):  # range of a tensor: tf.range, staged
        k += j
    return s, k, len(x)


def test_enumerate_zip_range_and_len_over_tensors():
    x, y = np.array([1.0, 2.0, 3.0], np.float32), np.array([4.0, 5.0, 6.0], np.float32)
    s, k, n = builtins_over_tensors(_c(x), _c(y), _c(5))
    assert float(s) == pytest.approx(np.dot(np.arange(3), x) + np.dot(x, y))
    assert int(k) == 10 and int(n) == 3


@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def rows_of_unknown_length(t):
    s = tf.constant(0.0)
    for v in t:
        s += v
    return s


def test_for_over_a_tensor_of_unknown_length():
    assert rows_of_unknown_length(_c([1.0, 2.0, 3.5])).numpy() == 6.5


def test_for_over_a_static_tf_range_is_staged_and_python_range_unrolls():
    @tf.function
    def loops(x):
        for i in tf.range(4):  # a tensor, as in TF: a while loop
            x = x + tf.cast(i, tf.float32)
        for j in range(4):  # a Python range: unrolled
            x = x * 2.0
        return x

    assert loops(_c(1.0)).numpy() == (1.0 + 6.0) * 16.0
    types = _op_types(loops, _c(1.0))
    assert sum("While" in t for t in types) == 1 and types.count("Mul") == 4


def test_python_for_over_a_list_unrolls():
    @tf.function
    def scale(x):
        for c in [1.0, 2.0, 3.0]:
            x = x * c
        return x

    assert scale(_c(1.5)).numpy() == 9.0
    types = _op_types(scale, _c(1.5))
    assert types.count("Mul") == 3 and not any("While" in t for t in types)


@tf.function
def nested_loops(n):
    count = 0
    for i in tf.range(n):
        j = 0
        while j < n:
            if j > i:
                break
            count += i * j
            j += 1
    return count


def test_nested_loops_with_inner_break():
    n = 5
    want = sum(i * j for i in range(n) for j in range(i + 1))
    assert int(nested_loops(_c(n))) == want


@tf.function
def loop_state_structures(x):
    acc = (x, {"sum": x * 0.0, "n": 0})
    for v in tf.range(3):
        acc = (acc[0] + 1.0, {"sum": acc[1]["sum"] + acc[0], "n": acc[1]["n"] + 1})
    return acc


def test_nested_structures_as_loop_variables():
    first, rest = loop_state_structures(_c(1.0))
    assert first.numpy() == 4.0 and rest["sum"].numpy() == 6.0 and int(rest["n"]) == 3


def test_loop_options_directive():
    @tf.function
    def capped(x):
        i = tf.constant(0)
        while x > 0:
            autograph.experimental.set_loop_options(maximum_iterations=2)
            x -= 1.0
            i += 1
        return i

    assert int(capped(_c(5.0))) == 2  # TF 2.21 gives 2 too


# ---------------------------------------------------------------------------
# return

@tf.function
def return_in_loop(x, n):
    for i in tf.range(n):
        if i > x:
            return i * 2
    return -1


def test_return_inside_a_tensor_loop():
    # TF 2.21 refuses any return inside a TF loop (NotImplementedError); we lower it
    # to the do_return/retval_ flags as TF does elsewhere.
    assert int(return_in_loop(_c(3), _c(10))) == 8
    assert int(return_in_loop(_c(30), _c(10))) == -1
    assert int(return_in_loop(_c(3), _c(0))) == -1


def test_return_inside_a_tensor_loop_needs_a_return_after_it():
    @tf.function
    def falls_off(x):
        for i in tf.range(10):
            if i > x:
                return i
        # Falling off the end returns None, which a staged loop cannot give: the
        # implicit `return None` meets the loop's tensor in a staged if (TF's message).

    _raises(ValueError, "'retval_' is None at the end of the main branch.", falls_off, _c(3))


@tf.function
def return_in_branches(x):
    if x > 0:
        return x * 3.0
    y = x - 1.0  # moved into the else branch, as TF does
    return y


def test_return_in_a_tensor_if():
    assert return_in_branches(_c(2.0)).numpy() == 6.0
    assert return_in_branches(_c(-2.0)).numpy() == -3.0


def test_return_inside_python_loops_keeps_python_semantics():
    def find(xs, k):
        for i, v in enumerate(xs):
            while v > 100:
                return -2
            if v == k:
                return i
        return -1

    converted = autograph.to_graph(find)
    for args in [([1, 2, 3], 2), ([1, 2, 3], 7), ([500], 1), ([], 0)]:
        assert converted(*args) == find(*args)


# ---------------------------------------------------------------------------
# Recursive conversion, closures, scoping.

def _helper(x):
    if x > 0:
        return x
    return -x


def _do_not_convert_target(x):
    if x > 0:
        return x
    return -x


class _Base:
    def __init__(self):
        self.__scale = 3.0

    def step(self, x):
        if x > 0:
            x = x * self.__scale  # a private (mangled) name
        return x


class _Model(_Base):
    @tf.function
    def __call__(self, x):
        y = super().step(x)
        while tf.abs(y) < 10.0:
            y = y * 2.0
        return y


def test_called_functions_methods_and_super_are_converted():
    @tf.function
    def f(x):
        return _helper(x) + _helper(x - 5.0)

    assert f(_c(1.0)).numpy() == 5.0

    class Clip:
        def __call__(self, x, top):
            if x > top:  # noqa: PLR1730 - a tensor if, on purpose
                x = top
            return x

    @tf.function
    def g(x):
        return Clip()(x, 1.0) + functools.partial(_helper)(x)

    assert g(_c(3.0)).numpy() == 4.0 and g(_c(-3.0)).numpy() == 0.0
    assert tf.function(functools.partial(_helper))(_c(-2.0)).numpy() == 2.0
    model = _Model()
    assert model(_c(2.0)).numpy() == 12.0  # 2*3=6 -> 12
    assert model(_c(-1.0)).numpy() == -16.0


def test_do_not_convert_and_library_functions_are_called_as_written():
    skipped = autograph.experimental.do_not_convert(_do_not_convert_target)

    @tf.function
    def f(x):
        return skipped(x)

    with pytest.raises(OperatorNotAllowedInGraphError):
        f(_c(1.0))
    assert autograph.convert(np.sum) is np.sum
    assert autograph.convert(tf.reduce_sum) is tf.reduce_sum
    assert autograph.convert(if_elif) is if_elif  # a tf.function converts itself


def test_conversions_are_cached_per_code_object():
    assert autograph.convert(_helper).__code__ is autograph.convert(_helper).__code__
    assert autograph.convert(_helper).__code__ is not _helper.__code__


_LOG = []
_LAST = None


def test_closures_globals_defaults_and_nonlocal():
    offset = tf.constant(10.0)

    def make_counter():
        count = 0.0

        def bump(x, step=2.0):
            nonlocal count
            if x > 0:  # a tensor: the nonlocal count becomes an output of the cond
                count += step
            return x + offset + count

        return bump

    @tf.function
    def f(x):
        bump = make_counter()
        scale = lambda v: v * 2.0 if v > 0 else v
        return bump(scale(x))

    assert f(_c(1.0)).numpy() == 14.0  # 2 + 10 + 2
    assert f(_c(-1.0)).numpy() == 9.0


def test_global_declarations_keep_working():
    def record(v):
        global _LAST
        for i in range(v):
            if i % 2:
                _LAST = i
        _LOG.append(_LAST)
        return _LAST

    assert autograph.to_graph(record)(6) == 5
    assert _LAST == 5 and _LOG[-1] == 5


def test_unreadable_source_runs_unconverted_with_a_warning():
    namespace = {}
    # A function typed at the interactive prompt: no source to read.
    exec(compile("def f(x):\n    return x * 2\n", "<stdin>", "exec"), namespace)  # noqa: S102
    with pytest.warns(autograph.AutoGraphWarning, match="AutoGraph could not transform"):
        out = tf.function(namespace["f"])(_c(3.0))
    assert out.numpy() == 6.0
    # TF runs code made by exec/eval ("<string>") as written, without a warning.
    exec("def g(x):\n    return x * 3\n", namespace)  # noqa: S102
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tf.function(namespace["g"])(_c(3.0)).numpy() == 9.0
    assert autograph.convert(namespace["g"]) is namespace["g"]


def test_autograph_false_does_not_convert():
    @tf.function(autograph=False)
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(OperatorNotAllowedInGraphError):
        f(_c(1.0))


def test_to_graph_runs_python_semantics_on_python_values():
    def collatz(n):
        steps = 0
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
            if steps > 1000:
                break
        return steps

    assert autograph.to_graph(collatz)(27) == collatz(27) == 111
    assert "ag__.while_stmt" in autograph.to_code(collatz)


def test_to_graph_without_recursion_leaves_called_functions_alone():
    def calls_helper(x):
        return _helper(x)

    recursive = tf.function(autograph.to_graph(calls_helper), autograph=False)
    assert recursive(_c(-2.0)).numpy() == 2.0
    flat = tf.function(autograph.to_graph(calls_helper, recursive=False), autograph=False)
    with pytest.raises(OperatorNotAllowedInGraphError):
        flat(_c(-2.0))


# ---------------------------------------------------------------------------
# Errors, with TF 2.21's classes and messages.

@tf.function
def only_in_main_branch(x):
    if x > 0:
        y = x
    return y


@tf.function
def only_in_else_branch(x):
    if x > 0:
        pass
    else:
        y = x
    return y


def test_variable_defined_in_one_branch_only():
    # TF: ValueError "'y' must also be initialized in the else branch" (and "main").
    _raises(ValueError, "'y' must also be initialized in the else branch",
            only_in_main_branch, _c(1.0))
    _raises(ValueError, "'y' must also be initialized in the main branch",
            only_in_else_branch, _c(1.0))


def test_branch_output_mismatches():
    @tf.function
    def dtypes_differ(x):
        if x > 0:
            y = 1  # a Python int: int32, as TF converts it
        else:
            y = x
        return y

    @tf.function
    def none_in_branch(x):
        if x > 0:
            y = None
        else:
            y = x
        return y

    @tf.function
    def structures_differ(x):
        if x > 0:
            y = (x, x)
        else:
            y = x
        return y

    @tf.function
    def return_in_one_branch(x):
        if x > 0:
            return x

    @tf.function
    def return_dtypes_differ(x):
        if x > 0:
            return x
        return 1

    # TF: TypeError "'y' has dtype int32 in the main branch, but dtype float32 in the else branch"
    _raises(TypeError, "'y' has dtype int32 in the main branch, but dtype float32 in the else "
            "branch", dtypes_differ, _c(1.0))
    # TF: ValueError "'y' is None at the end of the main branch."
    _raises(ValueError, "'y' is None at the end of the main branch.", none_in_branch, _c(1.0))
    # TF: TypeError "'y' must have the same nested structure in the main and else branches:"
    _raises(TypeError, "'y' must have the same nested structure in the main and else "
            "branches:\n\nThe two structures don't have the same nested structure.",
            structures_differ, _c(1.0))
    # TF: ValueError "the else branch must also have a return statement."
    _raises(ValueError, "the else branch must also have a return statement.",
            return_in_one_branch, _c(1.0))
    # TF: TypeError "'retval_' has dtype float32 in the main branch, but dtype int32 ..."
    _raises(TypeError, "'retval_' has dtype float32 in the main branch, but dtype int32 in "
            "the else branch", return_dtypes_differ, _c(1.0))


def test_conditional_expression_dtype_mismatch_names_the_test():
    @tf.function
    def f(x):
        return x if x > 0 else 2

    # TF: TypeError "'x > 0' has dtype float32 in the main branch, but dtype int32 in the else
    # branch"
    _raises(TypeError, "'x > 0' has dtype float32 in the main branch, but dtype int32 in the "
            "else branch", f, _c(1.0))


def test_conditions_must_be_scalar_bools():
    @tf.function
    def not_bool(x):
        if x:
            x = x + 1.0
        return x

    @tf.function
    def not_scalar(x):
        if x > 0:
            x = x + 1.0
        return x

    @tf.function
    def while_not_bool(x):
        while x:
            x = x - 1.0
        return x

    # TF: ValueError with these texts (the tensor printed as str(tensor)).
    _raises(ValueError, 'condition of if statement expected to be `tf.bool` scalar, got '
            'Tensor("x:0", shape=(), dtype=float32); to use as boolean Tensor, use `tf.cast`; '
            'to check for None, use `is not None`', not_bool, _c(1.0))
    _raises(ValueError, 'condition of if statement expected to be `tf.bool` scalar, got '
            'Tensor("Greater:0", shape=(2,), dtype=bool); to check for None, use '
            '`is not None`', not_scalar, _c([1.0, 2.0]))
    _raises(ValueError, "condition of while loop expected to be `tf.bool` scalar, got Tensor(",
            while_not_bool, _c(1.0))


def test_loop_variable_errors():
    @tf.function
    def undefined_before_loop(x):
        while x > 0:
            z = z + 1.0  # noqa: F821 - read before any assignment, on purpose
            x = x - 1.0
        return x + z

    @tf.function
    def shape_changes(x):
        y = tf.zeros([1])
        while x > 0:
            y = tf.concat([y, y], 0)
            x = x - 1.0
        return y

    @tf.function
    def dtype_changes(n):
        y = tf.constant(1)
        for _ in tf.range(n):
            y = tf.cast(y, tf.float32)
        return y

    @tf.function
    def none_before(x):
        y = None
        while x > 0:
            x -= 1.0
            y = y + 1.0
        return y

    @tf.function
    def none_after(x):
        y = x
        while x > 0:
            y = None
            x -= 1.0
        return y

    @tf.function
    def structure_changes(x):
        y = (x,)
        while x > 0:
            y = (x, x)
            x -= 1.0
        return y

    # TF: ValueError "'z' must be defined before the loop\nNote: AutoGraph tried to define it
    # automatically, but ran into a UnboundLocalError: 'z' is used before assignment"
    _raises(ValueError, "'z' must be defined before the loop\nNote: AutoGraph tried to define "
            "it automatically, but ran into a UnboundLocalError: 'z' is used before assignment",
            undefined_before_loop, _c(3.0))
    # TF: ValueError naming the variable and set_loop_options.
    _raises(ValueError, "'y' has shape (1,) before the loop, but shape (2,) after one "
            "iteration. Use tf.autograph.experimental.set_loop_options to set shape "
            "invariants.", shape_changes, _c(3.0))
    # TF: TypeError "'y' has dtype int32 before the loop, but dtype float32 after one iteration"
    _raises(TypeError, "'y' has dtype int32 before the loop, but dtype float32 after one "
            "iteration", dtype_changes, _c(3))
    _raises(ValueError, "'y' is not allowed to be None before the loop", none_before, _c(3.0))
    _raises(ValueError, "'y' is None at the end of the iteration.", none_after, _c(3.0))
    _raises(TypeError, "'y' does not have the same nested structure after one iteration.",
            structure_changes, _c(3.0))


def test_python_loops_cannot_turn_into_tensor_loops():
    @tf.function
    def while_becomes_tensor(x):
        i = 0
        while i < 3:
            i = x
        return i

    @tf.function
    def python_for_with_tensor_break(x):
        for i in [1, 2, 3]:
            if x > i:
                break
        return x

    # TF: NotImplementedError "The condition of while loop started as non-Tensor, then changed
    # to Tensor. ..."
    _raises(NotImplementedError, "The condition of while loop started as non-Tensor, then "
            "changed to Tensor.", while_becomes_tensor, _c(1))
    # TF: NotImplementedError "break and return statements which depend on a TF condition are
    # not supported in Python for loops. ..."
    _raises(NotImplementedError, "break and return statements which depend on a TF condition "
            "are not supported in Python for loops. Did you intend to make it a TF loop?",
            python_for_with_tensor_break, _c(1))


def test_len_of_a_scalar_and_reading_an_undefined_variable():
    @tf.function
    def length(x):
        return len(x)

    # TF: ValueError "len requires a non-scalar tensor, got one of shape Tensor("Shape:0", ...)"
    _raises(ValueError, 'len requires a non-scalar tensor, got one of shape Tensor("Shape:0", '
            'shape=(0,), dtype=int32)', length, _c(1.0))

    def maybe(flag):
        if flag:
            y = 1
        return y

    # TF's ag__.ld: UnboundLocalError "'y' is used before assignment".
    _raises(UnboundLocalError, "'y' is used before assignment", autograph.to_graph(maybe), False)
    assert autograph.to_graph(maybe)(True) == 1


# ---------------------------------------------------------------------------
# Gradients through converted control flow (float64).

@tf.function
def grad_for(x, w):
    y = x
    for i in tf.range(6):
        if tf.reduce_sum(y) > 6.0:
            break
        if i % 2 == 1:
            continue
        y = y * w + tf.sin(y)
    loss = tf.reduce_sum(y * y)
    return loss, tf.gradients(loss, [x, w])


def _grad_for_jax(x, w):
    y = x
    for i in range(6):
        if jnp.sum(y) > 6.0:
            break
        if i % 2 == 1:
            continue
        y = y * w + jnp.sin(y)
    return jnp.sum(y * y)


@tf.function
def grad_while(x, n):
    i = tf.constant(0)
    y = x
    while i < n:
        if tf.reduce_max(y) > 4.0:
            y = y * 0.5
        else:
            y = y * y + 0.1
        i += 1
    loss = tf.reduce_sum(y)
    return loss, tf.gradients(loss, x)[0]


def _grad_while_jax(x, n):
    y = x
    for _ in range(n):
        y = jnp.where(jnp.max(y) > 4.0, y * 0.5, y * y + 0.1)
    return jnp.sum(y)


def _early_exit(x):
    for _ in tf.range(5):
        x = x * 1.5
        if tf.reduce_sum(x) > 3.0:
            return tf.reduce_sum(x * x)
    return tf.reduce_sum(x)


@tf.function
def grad_return(x):
    loss = _early_exit(x)  # converted too: a return inside a staged loop
    return loss, tf.gradients(loss, x)[0]


def _early_exit_jax(x):
    for _ in range(5):
        x = x * 1.5
        if jnp.sum(x) > 3.0:
            return jnp.sum(x * x)
    return jnp.sum(x)


@tf.function
def grad_rows(m, w):
    total = tf.zeros([3], tf.float64)
    for row in m:
        if tf.reduce_sum(row) < 0:
            break
        total += tf.tanh(row * w)
    loss = tf.reduce_sum(total)
    return loss, tf.gradients(loss, [m, w])


def _grad_rows_jax(m, w):
    total = jnp.zeros(3)
    for row in m:
        if jnp.sum(row) < 0:
            break
        total += jnp.tanh(row * w)
    return jnp.sum(total)


def _central_difference(f, x, eps=1e-6):
    x = np.array(x, np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = eps
        grad[idx] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def test_gradients_through_a_for_loop_with_break_and_continue():
    x0, w0 = np.array([0.3, -0.2, 0.5]), 1.5
    loss, (gx, gw) = grad_for(_c(x0, tf.float64), _c(w0, tf.float64))
    want_loss = _grad_for_jax(jnp.array(x0), w0)
    want_gx, want_gw = jax.grad(_grad_for_jax, argnums=(0, 1))(jnp.array(x0), w0)
    assert gx.dtype == tf.float64
    np.testing.assert_allclose(loss.numpy(), want_loss, rtol=1e-12)
    np.testing.assert_allclose(gx.numpy(), want_gx, rtol=1e-10)
    np.testing.assert_allclose(gw.numpy(), want_gw, rtol=1e-10)
    w = _c(w0, tf.float64)
    fd = _central_difference(lambda v: grad_for(_c(v, tf.float64), w)[0].numpy(), x0)
    np.testing.assert_allclose(gx.numpy(), fd, rtol=1e-6)


def test_gradients_through_a_for_loop_over_a_tensor_with_break():
    m0 = np.array([[1, 2, 3], [4, 5, 6], [-9, 0, 0], [7, 7, 7]], np.float64) * 0.1
    w = _c(0.7, tf.float64)
    loss, (gm, gw) = grad_rows(_c(m0, tf.float64), w)
    want_gm, want_gw = jax.grad(_grad_rows_jax, argnums=(0, 1))(jnp.array(m0), 0.7)
    np.testing.assert_allclose(loss.numpy(), _grad_rows_jax(jnp.array(m0), 0.7), rtol=1e-12)
    np.testing.assert_allclose(gm.numpy(), want_gm, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(gw.numpy(), want_gw, rtol=1e-10)
    assert not gm.numpy()[2:].any()  # rows after the break get no gradient
    fd = _central_difference(lambda v: grad_rows(_c(m0, tf.float64), _c(v, tf.float64))[0]
                             .numpy(), np.array(0.7))
    np.testing.assert_allclose(gw.numpy(), fd, rtol=1e-6)


def test_gradients_through_a_while_loop_with_a_tensor_if():
    x0 = np.array([0.5, 1.1, -0.3])
    n = _c(4)
    loss, gx = grad_while(_c(x0, tf.float64), n)
    np.testing.assert_allclose(loss.numpy(), _grad_while_jax(jnp.array(x0), 4), rtol=1e-12)
    np.testing.assert_allclose(gx.numpy(), jax.grad(_grad_while_jax)(jnp.array(x0), 4),
                               rtol=1e-10)
    fd = _central_difference(lambda v: grad_while(_c(v, tf.float64), n)[0].numpy(), x0)
    np.testing.assert_allclose(gx.numpy(), fd, rtol=1e-6)


def test_gradients_of_a_value_returned_from_inside_a_loop():
    x0 = np.array([0.4, 0.2])
    loss, gx = grad_return(_c(x0, tf.float64))
    np.testing.assert_allclose(loss.numpy(), _early_exit_jax(jnp.array(x0)), rtol=1e-12)
    np.testing.assert_allclose(gx.numpy(), jax.grad(_early_exit_jax)(jnp.array(x0)),
                               rtol=1e-10)
    fd = _central_difference(lambda v: grad_return(_c(v, tf.float64))[0].numpy(), x0)
    np.testing.assert_allclose(gx.numpy(), fd, rtol=1e-6)


def test_generated_code_keeps_the_users_line_numbers():
    @tf.function
    def fails(x):
        if x > 0:
            y = x
        return y

    with pytest.raises(ValueError) as info:
        fails(_c(1.0))
    if_line = fails.python_function.__code__.co_firstlineno + 2
    frames = traceback.extract_tb(info.value.__traceback__)
    assert any(f.filename == __file__ and f.lineno == if_line for f in frames)
