"""tf.print and tf.debugging's checks, against TensorFlow 2.21.

Every expected text below is what TF 2.21 printed or raised for the same call
(run against TF with the same arguments); comments name the TF behaviour
mirrored. TF's graph errors carry a node suffix ("[[{{node ...}}]]") and
tf.function errors a "in user code:" preamble, which are not compared.
"""

import collections
import pprint
import re
import sys
import warnings

import numpy as np
import pytest

import tfgrad_jax as tf


def printed(*inputs, **kwargs):
    """tf.print to sys.stdout (pytest's capture, looked up when it prints)."""
    return tf.print(*inputs, output_stream=sys.stdout, **kwargs)


# TF 2.21's tf.print output (PrintV2 of StringFormat: numpy-like brackets, the first
# and last `summarize` entries of each dimension, floats by %.6g or, where that does not
# read back, %.9g (doubles: %.15g / %.17g), booleans 1/0, complex "?", Python values by
# pprint.pformat).
PRINT_CASES = {
    "int scalar": (lambda: printed(tf.constant(5)), "5\n"),
    "float32 digits": (lambda: printed(tf.constant([1.5, 1.0, 0.1, 1e-5, 1e20, -2.0,
                                                    123456789.0]), summarize=-1),
                       "[1.5 1 0.1 1e-05 1e+20 -2 123456792]\n"),
    "float32 specials": (lambda: printed(tf.constant([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30,
                                                      3.14159265])),
                         "[nan inf -inf ... -0 1e-30 3.14159274]\n"),
    "negative nan": (lambda: printed(-tf.constant(np.nan)), "-nan\n"),
    "subnormals flushed": (lambda: printed(tf.constant([3.4e38, 1.17e-38, 1e-45])),
                           "[3.4e+38 0 0]\n"),
    "float64": (lambda: printed(tf.constant([1 / 3, 2 / 3, 1e100, 0.1], tf.float64)),
                "[0.33333333333333331 0.66666666666666663 1e+100 0.1]\n"),
    "float16": (lambda: printed(tf.constant([1 / 3, 65504, 0.1], tf.float16)),
                "[0.333251953 65504 0.0999755859]\n"),
    "bfloat16": (lambda: printed(tf.constant([1 / 3, 3.0, 0.1], tf.bfloat16)),
                 "[0.333984375 3 0.100097656]\n"),
    "bool": (lambda: printed(tf.constant([True, False]), tf.constant(True)), "[1 0] 1\n"),
    "ints": (lambda: printed(tf.constant([2 ** 40], tf.int64), tf.constant([255], tf.uint8),
                             tf.constant([-3], tf.int8)), "[1099511627776] [255] [-3]\n"),
    "complex": (lambda: printed(tf.constant([1 + 2j, 3.5 - 1j], tf.complex64)), "[? ?]\n"),
    "range 10": (lambda: printed(tf.range(10)), "[0 1 2 ... 7 8 9]\n"),
    "range 7": (lambda: printed(tf.range(7)), "[0 1 2 ... 4 5 6]\n"),
    "range 6": (lambda: printed(tf.range(6)), "[0 1 2 3 4 5]\n"),
    "matrix": (lambda: printed(tf.reshape(tf.range(100), [10, 10])),
               "[[0 1 2 ... 7 8 9]\n [10 11 12 ... 17 18 19]\n [20 21 22 ... 27 28 29]\n ...\n"
               " [70 71 72 ... 77 78 79]\n [80 81 82 ... 87 88 89]\n [90 91 92 ... 97 98 99]]\n"),
    "3-d": (lambda: printed(tf.reshape(tf.range(24), [2, 3, 4])),
            "[[[0 1 2 3]\n  [4 5 6 7]\n  [8 9 10 11]]\n\n [[12 13 14 15]\n  [16 17 18 19]\n"
            "  [20 21 22 23]]]\n"),
    "3-d summarized": (lambda: printed(tf.reshape(tf.range(5 * 5 * 5), [5, 5, 5]), summarize=1),
                       "[[[0 ... 4]\n  ...\n  [20 ... 24]]\n\n ...\n\n [[100 ... 104]\n  ...\n"
                       "  [120 ... 124]]]\n"),
    "empty": (lambda: printed(tf.zeros([0]), tf.zeros([0, 3])), "[] []\n"),
    # TF caps `summarize` at the number of elements: 0 for an empty tensor.
    "empty rows": (lambda: printed(tf.zeros([2, 0]), tf.zeros([2, 0, 2]), sep="|"),
                   "[\n ...]|[\n\n ...]\n"),
    "summarize all": (lambda: printed(tf.range(10), summarize=-1), "[0 1 2 3 4 5 6 7 8 9]\n"),
    "summarize 0": (lambda: printed(tf.range(10), tf.constant(5), summarize=0), "[ ...] ...\n"),
    "summarize None": (lambda: printed(tf.range(10), summarize=None), "[0 1 2 ... 7 8 9]\n"),
    "summarize 1": (lambda: printed(tf.reshape(tf.range(12), [3, 4]), summarize=1),
                    "[[0 ... 3]\n ...\n [8 ... 11]]\n"),
    "python values": (lambda: printed(1, 2.5, None, True, "str", b"bytes", np.array([1, 2])),
                      "1 2.5 None True str b'bytes' array([1, 2])\n"),
    "structures": (lambda: printed([1, 2, "a"], (3, tf.constant(4)), (tf.constant(1),), [], {}),
                   "[1, 2, 'a'] (3, 4) (1,) [] {}\n"),
    "dict": (lambda: printed({"b": tf.range(3), "a": 1}), "{'a': 1, 'b': [0 1 2]}\n"),
    # tf.print's docstring example.
    "docstring": (lambda: printed("tensors:", tf.range(10), {2: tf.range(10) * 2}),
                  "tensors: [0 1 2 ... 7 8 9] {2: [0 2 4 ... 14 16 18]}\n"),
    "nested": (lambda: printed({"k": [tf.constant([1, 2]), {"m": (tf.constant(3.5), "s")}]}),
               "{'k': [[1 2], {'m': (3.5, 's')}]}\n"),
    "namedtuple": (lambda: printed(collections.namedtuple("P", "a b")(tf.constant(1), 2)),
                   "P(a=1, b=2)\n"),
    # pprint breaks long structures; TF's placeholder ("{}", quoted) sets the width.
    "wrapped": (lambda: printed([tf.constant(1)] * 30), "[" + ",\n ".join(["1"] * 30) + "]\n"),
    # A "{}" in the text makes TF pick a longer placeholder; the text stays as it is.
    "braces": (lambda: printed("{}", tf.constant(1), ["{}", tf.constant(2)]),
               "{} 1 ['{}', 2]\n"),
    "multi-line string": (lambda: printed("a\nb", ["a\nb"]), "a\nb ['a\\nb']\n"),
    "sep": (lambda: printed(tf.range(2), tf.range(2) * 2, sep=","), "[0 1],[0 2]\n"),
    "end": (lambda: printed("a", "b", sep="", end="|END|\n"), "ab|END|\n"),
    "nothing": (lambda: printed(), "\n"),
}


@pytest.mark.parametrize("case", sorted(PRINT_CASES))
def test_print_formats_match_tf(case, capsys):
    show, expected = PRINT_CASES[case]
    assert show() is None  # eagerly tf.print prints at once and returns None
    assert capsys.readouterr().out == expected


def test_print_keeps_each_ordered_dict_value_with_its_key(capsys):
    # TF 2.21 prints "OrderedDict([('z', 2), ('a', 1)])" here: it pairs the values with the
    # keys in sorted order. We print each value against its own key (a known difference).
    tf.print(collections.OrderedDict([("z", tf.constant(1)), ("a", tf.constant(2))]),
             output_stream=sys.stdout)
    assert capsys.readouterr().out == pprint.pformat(
        collections.OrderedDict([("z", 1), ("a", 2)])) + "\n"


def test_print_streams_and_errors(capsys, tmp_path):
    tf.print("to stderr", tf.constant([1, 2]))  # TF's default stream
    tf.print("to stdout", output_stream=sys.stdout)
    captured = capsys.readouterr()
    assert (captured.err, captured.out) == ("to stderr [1 2]\n", "to stdout\n")
    path = tmp_path / "log.txt"
    tf.print("first", tf.constant(1.5), output_stream=f"file://{path}")
    tf.print("second", output_stream=f"file://{path}")  # TF appends
    assert path.read_text() == "first 1.5\nsecond\n"
    # TF's ValueErrors.
    with pytest.raises(ValueError, match=re.escape(
            "Unsupported output stream, logging level, or file.stdout. Supported streams are "
            "sys.stdout, sys.stderr, tf.logging.info, tf.logging.warning, tf.logging.error. "
            "File needs to be in the form of 'file://<filepath>'.")):
        tf.print("x", output_stream="stdout")
    with pytest.raises(ValueError, match=re.escape(
            "Unrecognized keyword arguments for tf.print: {'foo': 1}")):
        tf.print("x", foo=1)
    assert capsys.readouterr() == ("", "")


def test_print_in_function_runs_on_every_call_in_program_order(capsys):
    ops = []

    @tf.function
    def f(x):
        tf.print("start", x, output_stream=sys.stdout)
        y = x * 2
        ops.append(tf.print("doubled", {"y": y, "n": 3}, output_stream=sys.stdout, name="show"))
        tf.print("end", output_stream=sys.stdout, end="!\n")
        return y

    f(tf.constant([1.0, 2.0]))
    assert (ops[0].type, ops[0].name) == ("PrintV2", "show")  # TF returns the op in a graph
    assert capsys.readouterr().out == "start [1 2]\ndoubled {'n': 3, 'y': [2 4]}\nend!\n"
    f(tf.constant([3.0, 4.0]))
    assert capsys.readouterr().out == "start [3 4]\ndoubled {'n': 3, 'y': [6 8]}\nend!\n"
    assert f.experimental_get_tracing_count() == 1


def test_print_in_session_runs_when_fetched(capsys):
    # tf.print's docstring (TF-1 graphs): run the op, or depend on it.
    with tf.Graph().as_default():
        tensor = tf.range(10)
        print_op = tf.print("tensors:", tensor, {2: tensor * 2}, output_stream=sys.stdout)
        with tf.control_dependencies([print_op]):
            tripled = tensor * 3
        other = tensor + 1
        text = "tensors: [0 1 2 ... 7 8 9] {2: [0 2 4 ... 14 16 18]}\n"
        assert capsys.readouterr().out == ""  # nothing when the graph is built
        with tf.compat.v1.Session() as sess:
            sess.run(other)
            assert capsys.readouterr().out == ""  # not fetched: not run
            sess.run(tripled)
            assert capsys.readouterr().out == text
            assert sess.run(print_op) is None
            assert capsys.readouterr().out == text


def test_failing_check_stops_the_prints_after_it(capsys):
    @tf.function
    def f(x):
        tf.print("a", x, output_stream=sys.stdout)
        tf.debugging.assert_equal(x, 1.0)
        tf.print("b", x, output_stream=sys.stdout)
        y = tf.debugging.check_numerics(tf.math.log(x), "log")
        tf.print("c", y, output_stream=sys.stdout)
        return y

    f(tf.constant(1.0))
    assert capsys.readouterr().out == "a 1\nb 1\nc 0\n"
    # TF: "a 2" is printed, then the assertion fails; "b" never runs.
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
            "assertion failed: [Condition x == y did not hold element-wise:] [x (x:0) = ] [2] "
            "[y (assert_equal_1/y:0) = ] [1]")):
        f(tf.constant(2.0))
    assert capsys.readouterr().out == "a 2\n"


def test_prints_in_loop_body_and_branch_waited_on(capsys):
    # The TF-1 idiom: a branch or loop body makes its result wait on the print.
    @tf.function
    def f(x):
        def body(i, y):
            shown = tf.print("it", i, y, output_stream=sys.stdout)
            with tf.control_dependencies([shown]):
                return i + 1, y * x

        def positive():
            shown = tf.print("positive", x, output_stream=sys.stdout)
            with tf.control_dependencies([shown]):
                return tf.identity(x)

        _, y = tf.while_loop(lambda i, y: i < 3, body, [0, tf.constant(1.0)])
        z = tf.cond(x > 0, positive, lambda: -x)
        # TF computes the gradient from the loop's own values: the body prints once per step.
        return y, z, tf.gradients(y, x)

    y, z, grad = f(tf.constant(2.0))
    assert (float(y), float(z), float(grad[0])) == (8.0, 2.0, 12.0)
    assert capsys.readouterr().out == "it 0 1\nit 1 2\nit 2 4\npositive 2\n"


def test_prints_in_loop_bodies_and_branches(capsys):
    # TF 2: automatic control dependencies run every print of a branch or loop body.
    @tf.function
    def f(x):
        for i in tf.range(3):  # AutoGraph: a tf.while_loop
            tf.print("i =", i, output_stream=sys.stdout)
        if x > 0:  # AutoGraph: a tf.cond
            tf.print("positive", x, output_stream=sys.stdout)
        tf.map_fn(lambda e: (tf.print("elem", e, output_stream=sys.stdout), e)[1], x * [1.0, 2.0])
        return x

    f(tf.constant(2.0))
    assert capsys.readouterr().out == "i = 0\ni = 1\ni = 2\npositive 2\nelem 2\nelem 4\n"


# Source-level function: AutoGraph converts only functions with source.
def _print_when_traced(x):
    print("traced with", x)
    return x + 1


def test_python_print_in_function_prints_when_traced(capsys):
    # TF 2.21's AutoGraph leaves print() alone (the BUILTIN_FUNCTIONS feature is off by
    # default): a graph tensor prints its description, once per trace.
    f = tf.function(_print_when_traced)
    with warnings.catch_warnings():
        warnings.simplefilter("error", tf.autograph.AutoGraphWarning)  # it is converted
        f(tf.constant([1.0, 2.0]))
        f(tf.constant([3.0, 4.0]))
    assert capsys.readouterr().out == 'traced with Tensor("x:0", shape=(2,), dtype=float32)\n'


# ---------------------------------------------------------------------------
# The assert_* checks: eagerly (TF's eager texts), in tf.function (Assert's graph text,
# or raised while tracing), in a TF-1 Session.

X3, Y3 = [1.0, 2.0, 3.0], [1.0, 5.0, 3.0]

EAGER_FAILURES = {
    "assert_equal": (lambda: tf.debugging.assert_equal(tf.constant(X3), tf.constant(Y3)),
                     "Condition x == y did not hold.\nIndices of first 1 different values:\n[[1]]\n"
                     "Corresponding x values:\n[2.]\nCorresponding y values:\n[5.]\n"
                     "First 3 elements of x:\n[1. 2. 3.]\nFirst 3 elements of y:\n[1. 5. 3.]"),
    "assert_equal message": (
        lambda: tf.debugging.assert_equal([[1, 2], [3, 4]], [[1, 0], [0, 4]], message="custom"),
        "custom\nCondition x == y did not hold.\nIndices of first 2 different values:\n"
        "[[0 1]\n [1 0]]\nCorresponding x values:\n[2 3]\nCorresponding y values:\n[0 0]\n"
        "First 3 elements of x:\n[1 2 3]\nFirst 3 elements of y:\n[1 0 0]"),
    "assert_equal broadcast": (
        lambda: tf.debugging.assert_equal(tf.constant([[1, 2], [3, 4]]), 1),
        "Condition x == y did not hold.\nFirst 3 elements of x:\n[1 2 3]\n"
        "First 1 elements of y:\n[1]"),
    "assert_equal summarize": (
        lambda: tf.debugging.assert_equal(tf.range(10), tf.zeros(10, tf.int32), summarize=2),
        "Condition x == y did not hold.\nIndices of first 2 different values:\n[[1]\n [2]]\n"
        "Corresponding x values:\n[1 2]\nCorresponding y values:\n[0 0]\n"
        "First 2 elements of x:\n[0 1]\nFirst 2 elements of y:\n[0 0]"),
    "assert_equal summarize 0": (
        lambda: tf.debugging.assert_equal(tf.range(5), tf.zeros(5, tf.int32), summarize=0),
        "Condition x == y did not hold."),
    "assert_none_equal": (lambda: tf.debugging.assert_none_equal(X3, Y3),
                          "Condition x != y did not hold.\nIndices of first 2 different values:\n"
                          "[[0]\n [2]]\nCorresponding x values:\n[1. 3.]\n"
                          "Corresponding y values:\n[1. 3.]\nFirst 3 elements of x:\n[1. 2. 3.]\n"
                          "First 3 elements of y:\n[1. 5. 3.]"),
    "assert_less": (lambda: tf.debugging.assert_less(3, 2),
                    "Condition x < y did not hold.\nFirst 1 elements of x:\n[3]\n"
                    "First 1 elements of y:\n[2]"),
    "assert_less_equal": (lambda: tf.debugging.assert_less_equal(Y3, X3),
                          "Condition x <= y did not hold.\nIndices of first 1 different values:\n"
                          "[[1]]\nCorresponding x values:\n[5.]\nCorresponding y values:\n[2.]\n"
                          "First 3 elements of x:\n[1. 5. 3.]\nFirst 3 elements of y:\n"
                          "[1. 2. 3.]"),
    "assert_greater": (lambda: tf.debugging.assert_greater(X3, Y3),
                       "Condition x > y did not hold.\nIndices of first 3 different values:\n"
                       "[[0]\n [1]\n [2]]\nCorresponding x values:\n[1. 2. 3.]\n"
                       "Corresponding y values:\n[1. 5. 3.]\nFirst 3 elements of x:\n[1. 2. 3.]\n"
                       "First 3 elements of y:\n[1. 5. 3.]"),
    "assert_greater_equal": (lambda: tf.debugging.assert_greater_equal(X3, Y3),
                             "Condition x >= y did not hold.\nIndices of first 1 different "
                             "values:\n[[1]]\nCorresponding x values:\n[2.]\n"
                             "Corresponding y values:\n[5.]\nFirst 3 elements of x:\n[1. 2. 3.]\n"
                             "First 3 elements of y:\n[1. 5. 3.]"),
    "assert_positive": (lambda: tf.debugging.assert_positive(tf.constant([1, 0, -1])),
                        "\nCondition x > 0 did not hold element-wise:\n"
                        "x (shape=(3,) dtype=int32) = \n['1', '0', '-1']"),
    "assert_positive message": (
        lambda: tf.debugging.assert_positive(tf.range(-1, 9), message="m", summarize=2),
        "m.  \nCondition x > 0 did not hold element-wise:\nx (shape=(10,) dtype=int32) = \n"
        "['-1', '0', '...']"),
    "assert_negative": (lambda: tf.debugging.assert_negative(tf.constant([0.1, -1e-08, 3.0])),
                        "\nCondition x < 0 did not hold element-wise:\n"
                        "x (shape=(3,) dtype=float32) = \n['0.1', '-1e-08', '3.0']"),
    "assert_non_negative": (lambda: tf.debugging.assert_non_negative(tf.constant(-1.5)),
                            "\nCondition x >= 0 did not hold element-wise:\n"
                            "x (shape=() dtype=float32) = \n-1.5"),
    # TF's list for assert_non_positive misses a comma: two lines printed as one.
    "assert_non_positive": (lambda: tf.debugging.assert_non_positive(tf.constant([1, 0, -1])),
                            "\nCondition x <= 0 did not hold element-wise:"
                            "x (shape=(3,) dtype=int32) = \n['1', '0', '-1']"),
    # assert_near fails through TF's eager Assert, which shows the condition tensor.
    "assert_near": (lambda: tf.debugging.assert_near(tf.constant(X3), tf.constant(Y3)),
                    "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized "
                    "data: b''\nb'x and y not equal to tolerance rtol = tf.Tensor(1.1920929e-06, "
                    "shape=(), dtype=float32), atol = tf.Tensor(1.1920929e-06, shape=(), "
                    "dtype=float32)'\n"
                    "b'x (shape=(3,) dtype=float32) = '\n1.0, 2.0, 3.0\n"
                    "b'y (shape=(3,) dtype=float32) = '\n1.0, 5.0, 3.0"),
    "assert_near float64": (
        lambda: tf.debugging.assert_near(tf.constant([1.0], tf.float64), [1.1], message="nm"),
        "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: "
        "b'nm.  '\nb'x and y not equal to tolerance rtol = tf.Tensor(2.220446049250313e-15, "
        "shape=(), dtype=float64), atol = tf.Tensor(2.220446049250313e-15, shape=(), "
        "dtype=float64)'\nb'x (shape=(1,) dtype=float64) = '\n1.0\n"
        "b'y (shape=(1,) dtype=float64) = '\n1.1"),
    "assert_near summarize": (
        lambda: tf.debugging.assert_near(tf.range(5.0), tf.zeros(5), rtol=0.1, atol=0.5,
                                         summarize=2),
        "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: b''\n"
        "b'x and y not equal to tolerance rtol = tf.Tensor(0.1, shape=(), dtype=float32), "
        "atol = tf.Tensor(0.5, shape=(), dtype=float32)'\nb'x (shape=(5,) dtype=float32) = '\n"
        "0.0, 1.0, ...\nb'y (shape=(5,) dtype=float32) = '\n0.0, 0.0, ..."),
}


@pytest.mark.parametrize("case", sorted(EAGER_FAILURES))
def test_checks_fail_eagerly_with_tf_text(case):
    check, text = EAGER_FAILURES[case]
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        check()
    assert str(info.value) == text


def test_passing_checks_return_none_eagerly(capsys):
    x = tf.constant(X3)
    d = tf.debugging
    for result in (d.assert_equal(x, x + 0), d.assert_equal(x, x), d.assert_none_equal(x, -x),
                   d.assert_less(x, 4.0), d.assert_less_equal(x, 3.0), d.assert_greater(x, 0.0),
                   d.assert_greater_equal(x, 1.0), d.assert_positive(x), d.assert_negative(-x),
                   d.assert_non_negative(x - 1), d.assert_non_positive(1 - x),
                   d.assert_near(x, x + 1e-7), d.assert_positive(tf.zeros([0])),
                   d.assert_rank(x, 1), d.assert_type(x, tf.float32)):
        assert result is None
    assert tf.assert_equal is d.assert_equal and tf.assert_rank is d.assert_rank
    assert capsys.readouterr() == ("", "")


GRAPH_FAILURES = {
    # name: (check of x and y, x and y that pass, TF's text when x = X3, y = Y3)
    "assert_equal": (lambda x, y: tf.debugging.assert_equal(x, y, message="custom", summarize=2),
                     (X3, X3), "assertion failed: [custom] [Condition x == y did not hold "
                     "element-wise:] [x (x:0) = ] [1 2...] [y (y:0) = ] [1 5...]"),
    "assert_none_equal": (lambda x, y: tf.debugging.assert_none_equal(x, y), (X3, [0.0] * 3),
                          "assertion failed: [Condition x != y did not hold element-wise:] "
                          "[x (x:0) = ] [1 2 3] [y (y:0) = ] [1 5 3]"),
    "assert_less_equal": (lambda x, y: tf.debugging.assert_less_equal(y, x), (Y3, X3),
                          "assertion failed: [Condition x <= y did not hold element-wise:] "
                          "[x (y:0) = ] [1 5 3] [y (x:0) = ] [1 2 3]"),
    "assert_greater": (lambda x, y: tf.debugging.assert_greater(x, y), (X3, [0.0] * 3),
                       "assertion failed: [Condition x > y did not hold element-wise:] "
                       "[x (x:0) = ] [1 2 3] [y (y:0) = ] [1 5 3]"),
    "assert_positive": (lambda x, y: tf.debugging.assert_positive(x - 2, message="m",
                                                                  summarize=1),
                        ([3.0, 4.0, 5.0], X3), "assertion failed: [m.  ] [Condition x > 0 did "
                        "not hold element-wise:] [x (sub:0) = ] [-1...]"),
    "assert_non_positive": (lambda x, y: tf.debugging.assert_non_positive(y - x), (Y3, X3),
                            "assertion failed: [] [Condition x <= 0 did not hold element-wise:"
                            "x (sub:0) = ] [0 3 0]"),
    # TF C-escapes the quotes of Tensor("...") in this text; our Assert prints them raw.
    "assert_near": (lambda x, y: tf.debugging.assert_near(x, y), (X3, X3),
                    'assertion failed: [] [x and y not equal to tolerance rtol = '
                    'Tensor("assert_near/rtol:0", shape=(), dtype=float32), atol = '
                    'Tensor("assert_near/atol:0", shape=(), dtype=float32)] [x (x:0) = ] [1 2 3] '
                    '[y (y:0) = ] [1 5 3]'),
    # Negative summarize: every entry, as TF's kernel.
    "summarize all": (lambda x, y: tf.debugging.assert_less(tf.range(10), tf.cast(x[0], tf.int32),
                                                            summarize=-1), ([20.0], [0.0]),
                      "assertion failed: [Condition x < y did not hold element-wise:] "
                      "[x (range:0) = ] [0 1 2 3 4 5 6 7 8 9] [y (Cast:0) = ] [1]"),
}


@pytest.mark.parametrize("case", sorted(GRAPH_FAILURES))
def test_checks_in_function_raise_when_run(case, capsys):
    check, passing, text = GRAPH_FAILURES[case]

    ops = []

    @tf.function
    def f(x, y):
        ops.append(check(x, y))
        with tf.control_dependencies([ops[-1]]):
            return tf.identity(x)

    f(*[tf.constant(v) for v in passing])
    assert isinstance(ops[0], tf.Operation)  # TF returns the check's op in a graph
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(text)):
        f(tf.constant(X3), tf.constant(Y3))
    assert capsys.readouterr() == ("", "")


def test_checks_run_without_being_waited_on():
    # TF 2 runs every check of a tf.function, used or not (automatic control dependencies).
    @tf.function
    def f(x):
        tf.debugging.assert_positive(x)
        return x + 1

    assert float(f(tf.constant(1.0))) == 2.0
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
            "assertion failed: [] [Condition x > 0 did not hold element-wise:] [x (x:0) = ] "
            "[-1]")):
        f(tf.constant(-1.0))


def test_checks_of_constants_fail_while_tracing():
    # TF decides a check at once when it knows both sides (tensor_util.constant_value).
    cases = [
        (lambda: tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 3])),
         "Condition x == y did not hold element-wise:\nx (Const:0) = \n[1 2]\n"
         "y (Const_1:0) = \n[1 3]"),
        (lambda: tf.debugging.assert_equal(1, 2, message="pm"),
         "pm\nCondition x == y did not hold element-wise:\nx (assert_equal_1/x:0) = \n1\n"
         "y (assert_equal_1/y:0) = \n2"),
        (lambda: tf.debugging.assert_positive(tf.constant([1, 0, -1])),
         "\nCondition x > 0 did not hold element-wise:\nx (Const:0) = \n[ 1  0 -1]"),
    ]
    for check, text in cases:
        f = tf.function(check)
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            f()
        assert str(info.value) == text
        assert f.experimental_get_tracing_count() == 1  # raised while tracing
    with tf.Graph().as_default():
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            tf.debugging.assert_less(3, 2)
        assert str(info.value) == ("Condition x < y did not hold element-wise:\n"
                                   "x (assert_less/x:0) = \n3\ny (assert_less/y:0) = \n2")


def test_checks_in_session():
    with tf.Graph().as_default():
        p = tf.compat.v1.placeholder(tf.float32, [3])
        q = tf.compat.v1.placeholder(tf.float32, [3])
        equal = tf.debugging.assert_equal(p, q)
        positive = tf.debugging.assert_positive(p)
        same = tf.debugging.assert_equal(p, p)
        with tf.compat.v1.Session() as sess:
            assert sess.run([equal, positive, same], {p: X3, q: X3}) == [None, None, None]
            assert same.type == "NoOp"  # TF: the same tensor on both sides checks nothing
            with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
                    "assertion failed: [Condition x == y did not hold element-wise:] "
                    "[x (Placeholder:0) = ] [1 -2 nan] [y (Placeholder_1:0) = ] [1 2 3]")):
                sess.run(equal, {p: [1.0, -2.0, np.nan], q: X3})
            with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
                    "assertion failed: [] [Condition x > 0 did not hold element-wise:] "
                    "[x (Placeholder:0) = ] [1 -2 nan]")):
                sess.run(positive, {p: [1.0, -2.0, np.nan]})


def test_assert_rank():
    x = tf.constant(X3)
    with pytest.raises(ValueError, match=re.escape(
            "Tensor  must have rank 2.  Received rank 1, shape (3,)")):
        tf.debugging.assert_rank(x, 2)  # TF: no tensor name eagerly
    with pytest.raises(ValueError, match=re.escape(
            "rk.  Tensor  must have rank 2.  Received rank 1, shape (3,)")):
        tf.debugging.assert_rank(x, tf.constant(2), message="rk")
    with pytest.raises(ValueError, match="^Rank must be a scalar.$"):
        tf.debugging.assert_rank(x, [1])
    with pytest.raises(TypeError, match=re.escape(
            "tensor must be of type tf.int32; got tf.int64")):
        tf.debugging.assert_rank(x, np.int64(1))

    with tf.Graph().as_default():
        op = tf.debugging.assert_rank(tf.zeros([3]), 1)
    assert (op.type, op.name) == ("NoOp", "assert_rank/static_checks_determined_all_ok")  # as TF
    with pytest.raises(ValueError, match=re.escape(
            "Tensor x:0 must have rank 2.  Received rank 1, shape (3,)")):
        tf.function(lambda x: tf.debugging.assert_rank(x, 2))(x)
    # A rank known only when the graph runs: an Assert op (TF's graph text).
    with tf.Graph().as_default():
        p = tf.compat.v1.placeholder(tf.float32, [3])
        r = tf.compat.v1.placeholder(tf.int32, [])
        check = tf.debugging.assert_rank(p, r, message="rk")
        with tf.compat.v1.Session() as sess:
            assert sess.run(check, {r: 1}) is None
            with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
                    "assertion failed: [rk.  ] [Tensor Placeholder:0 must have rank] [2] "
                    "[Received shape: ] [3]")):
                sess.run(check, {r: 2})
        with pytest.raises(ValueError, match=re.escape(
                "Tensor Placeholder_2:0 must have rank 0.  Received rank 1, shape (1,)")):
            tf.debugging.assert_rank(p, tf.compat.v1.placeholder(tf.int32, [1]))


def test_assert_type():
    with pytest.raises(TypeError, match=re.escape(
            "tensor must be of type tf.int32; got tf.float32")):
        tf.debugging.assert_type(tf.constant(X3), tf.int32)
    with pytest.raises(TypeError, match=re.escape(
            "tm.  tensor must be of type tf.float32; got tf.int32")):
        tf.debugging.assert_type(1, "float32", message="tm")
    with pytest.raises(TypeError, match=re.escape("x:0 must be of type tf.int32; got tf.float32")):
        tf.function(lambda x: tf.debugging.assert_type(x, tf.int32))(tf.constant(X3))
    with tf.Graph().as_default():  # TF 2.21's v2 function returns None, in a graph too
        assert tf.debugging.assert_type(tf.zeros([3]), tf.float32) is None


def test_check_numerics():
    # TF's texts: "<message> : Tensor had NaN values" ("Inf", "Inf and NaN").
    for values, found in (([1.0, np.nan], "NaN"), ([1.0, np.inf], "Inf"),
                          ([np.inf, np.nan], "Inf and NaN")):
        with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
                f"bad thing : Tensor had {found} values [Op:CheckNumerics]")):
            tf.debugging.check_numerics(tf.constant(values), "bad thing")
    with pytest.raises(tf.errors.InvalidArgumentError, match="m16 : Tensor had Inf values"):
        tf.debugging.check_numerics(tf.constant([np.inf], tf.float16), "m16")
    ok = tf.debugging.check_numerics(tf.constant([1.0, 2.0], tf.float64), "ok")
    assert ok.dtype == tf.float64 and ok.numpy().tolist() == [1.0, 2.0]

    @tf.function
    def f(x):
        y = tf.debugging.check_numerics(x * x, "square")
        return y, tf.gradients(y, x)[0], tf.gradients(tf.sqrt(y), x)[0]

    y, grad, _ = f(tf.constant(3.0))
    assert (float(y), float(grad)) == (9.0, 6.0)  # the gradient passes through
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
            "square : Tensor had Inf values")):
        f(tf.constant(np.inf))
    # TF checks the incoming gradient too (its text shows the message as bytes).
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
            "Not a number (NaN) or infinity (Inf) values detected in gradient. b'square' : "
            "Tensor had Inf values")):
        f(tf.constant(0.0))
    with pytest.raises(TypeError, match=re.escape(
            "Value passed to parameter 'tensor' has DataType int32 not in list of allowed "
            "values")):
        tf.function(lambda x: tf.debugging.check_numerics(x, "i"))(tf.constant(1))
    with tf.Graph().as_default():
        p = tf.compat.v1.placeholder(tf.float32, [2])
        checked = tf.debugging.check_numerics(p, "sess msg")
        assert checked.op.type == "CheckNumerics"
        with tf.compat.v1.Session() as sess:
            assert sess.run(checked, {p: [1.0, 2.0]}).tolist() == [1.0, 2.0]
            with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(
                    "sess msg : Tensor had NaN values")):
                sess.run(checked, {p: [1.0, np.nan]})
