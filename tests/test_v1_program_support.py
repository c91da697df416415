"""What TF-1 programs use beside the training surface: `tf.compat.v1.flags` and `app.run`,
`logging`, `summary` (no-ops) and `tf.test.TestCase`.

Expected behaviour was read off TensorFlow 2.21 (absl 2.x flags), as each test says.
"""

import os
import random
import runpy
import sys
import textwrap
import unittest

import jax
import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.ops import random_ops
from tfgrad_jax.v1 import flags as flags_mod
from tfgrad_jax.v1 import summary as summary_mod

v1 = tf.compat.v1


@pytest.fixture(autouse=True)
def _default_graph_kept():
    # TestCase.setUp and the TF-1 program replace the global default graph: later test files
    # get theirs back.
    saved = graph_mod._state.default_graph
    yield
    graph_mod._state.default_graph = saved


# ---------------------------------------------------------------------------------------
# flags

def _flag_values():
    fv = v1.flags.FlagValues()
    v1.flags.DEFINE_string("name", "bob", "who", flag_values=fv, short_name="w")
    v1.flags.DEFINE_integer("n", 3, "count", flag_values=fv)
    v1.flags.DEFINE_float("lr", 0.1, "rate", flag_values=fv)
    v1.flags.DEFINE_boolean("fast", False, "go fast", flag_values=fv)
    v1.flags.DEFINE_bool("slow", True, "go slow", flag_values=fv)
    v1.flags.DEFINE_list("ids", "a,b", "ids", flag_values=fv)
    v1.flags.DEFINE_enum("mode", "train", ["train", "eval"], "mode", flag_values=fv)
    v1.flags.DEFINE_multi_integer("k", None, "ks", flag_values=fv)
    return fv


# (`w` is the short name of `name`: absl lists the flag under both)
DEFAULTS = dict(name="bob", w="bob", n=3, lr=0.1, fast=False, slow=True, ids=["a", "b"],
                mode="train", k=None)

# (command line after the program name, values that differ from DEFAULTS, remaining args);
# each row is what TF 2.21's tf.compat.v1.flags.FLAGS(argv) gives.
PARSE_CASES = [
    ([], {}, []),
    (["--name=al", "--n", "5", "--lr=2e-3", "--fast", "--noslow", "--ids=x,y", "--mode", "eval"],
     dict(name="al", w="al", n=5, lr=0.002, fast=True, slow=False, ids=["x", "y"],
          mode="eval"), []),
    (["--name=al", "pos1", "--n=7", "--", "--fast"], dict(name="al", w="al", n=7),
     ["pos1", "--fast"]),
    (["--fast=false", "--slow=t", "--ids="], dict(slow=True, ids=[]), []),
    (["-n=4", "-fast", "--n=0x10", "-w", "al"], dict(n=16, fast=True, name="al", w="al"), []),
    (["--k=1", "--k", "2", "x"], dict(k=[1, 2]), ["x"]),
]


@pytest.mark.parametrize("args,changed,rest", PARSE_CASES)
def test_flags_parse_as_absl(args, changed, rest):
    fv = _flag_values()
    assert fv(["prog"] + args) == ["prog"] + rest
    assert fv.flag_values_dict() == {**DEFAULTS, **changed}
    assert fv.is_parsed()


@pytest.mark.parametrize("args,error,text", [
    (["--unknown=3"], v1.flags.UnrecognizedFlagError, "Unknown command line flag 'unknown'"),
    (["--fast=yes"], v1.flags.IllegalFlagValueError,
     "flag --fast=yes: ('Non-boolean argument to boolean flag', 'yes')"),
    (["--n=abc"], v1.flags.IllegalFlagValueError,
     "flag --n=abc: invalid literal for int() with base 10: 'abc'"),
    (["--mode=bad"], v1.flags.IllegalFlagValueError,
     "flag --mode=bad: value should be one of <train|eval>"),
    (["--n"], v1.flags.Error, "Missing value for flag --n"),
])
def test_flag_errors_are_absls(args, error, text):
    fv = _flag_values()
    with pytest.raises(error) as info:
        fv(["prog", "--name=changed"] + args)
    assert str(info.value) == text
    assert fv["name"].value == "bob" and not fv.is_parsed()  # a failed parse sets nothing


def test_flags_lazy_parse_of_sys_argv(monkeypatch):
    # TF's FLAGS wrapper parses sys.argv on the first read; with an unknown flag the read
    # raises UnrecognizedFlagError and FLAGS stays unparsed.
    fv = _flag_values()
    monkeypatch.setattr(sys, "argv", ["prog", "--n", "8", "--noslow"])
    assert (fv.n, fv.slow, fv.name) == (8, False, "bob")
    fv2 = _flag_values()
    monkeypatch.setattr(sys, "argv", ["prog", "--unknown=1"])
    with pytest.raises(v1.flags.UnrecognizedFlagError):
        fv2.n
    assert not fv2.is_parsed()
    with pytest.raises(AttributeError):
        fv.nope
    fv.n = 11  # set without checks, as absl
    assert (fv.n, fv["n"].value, fv["n"].default, "n" in fv) == (11, 11, 3, True)
    with pytest.raises(v1.flags.UnrecognizedFlagError):
        fv.zzz = 3
    for name in list(fv._flags()):  # how notebooks start over (absl's FlagValues allows it)
        delattr(fv, name)
    v1.flags.DEFINE_integer("n", 4, "again", flag_values=fv)
    assert list(fv) == ["n"] and fv.n == 4


def test_flag_definition_errors():
    fv = _flag_values()
    with pytest.raises(v1.flags.DuplicateFlagError, match="The flag 'name' is defined twice"):
        v1.flags.DEFINE_string("name", "x", "again", flag_values=fv)
    with pytest.raises(v1.flags.IllegalFlagValueError, match="flag --m=abc: invalid literal"):
        v1.flags.DEFINE_integer("m", "abc", "bad default", flag_values=fv)
    with pytest.raises(ValueError, match="`name`"):
        v1.flags.DEFINE_string("--dashed", "x", "bad name", flag_values=fv)
    v1.flags.DEFINE_integer("lim", 5, "bounded", lower_bound=0, upper_bound=10, flag_values=fv)
    with pytest.raises(v1.flags.IllegalFlagValueError,
                       match=r"11 is not an integer in the range \[0, 10\]"):
        fv(["prog", "--lim=11"])
    v1.flags.DEFINE_float("rate", 1.0, "bounded below", lower_bound=0, flag_values=fv)
    with pytest.raises(v1.flags.IllegalFlagValueError,
                       match="flag --rate=-1: -1.0 is not a non-negative number"):
        fv(["prog", "--rate", "-1"])
    v1.flags.DEFINE_string("out", None, "required", flag_values=fv)
    v1.flags.mark_flag_as_required("out", flag_values=fv)
    with pytest.raises(v1.flags.IllegalFlagValueError, match="must have a value other than None"):
        fv(["prog"])
    assert fv(["prog", "--out=o"]) == ["prog"] and fv.out == "o"


def test_app_run_calls_main_with_the_remaining_args_and_exits_with_its_result(monkeypatch,
                                                                              capsys):
    # tf.compat.v1.app.run parses known flags only (unknown ones go to main) and ends with
    # sys.exit(main(argv)).
    fv = _flag_values()
    monkeypatch.setattr(flags_mod, "FLAGS", fv)
    seen = []

    def main(argv):
        seen.append((argv, fv.name, fv.fast))
        return 3

    with pytest.raises(SystemExit) as info:
        v1.app.run(main, argv=["p", "--name=al", "pos", "--unknown=4", "--fast"])
    assert info.value.code == 3
    assert seen == [(["p", "pos", "--unknown=4"], "al", True)]
    monkeypatch.setattr(sys.modules["__main__"], "main", lambda argv: None, raising=False)
    monkeypatch.setattr(sys, "argv", ["p", "--help"])
    with pytest.raises(SystemExit) as info:
        v1.app.run()  # main=None: __main__.main; --help prints the flags and exits 1, as absl
    assert info.value.code == 1
    assert "--[no]fast: go fast" in capsys.readouterr().out
    with pytest.raises(TypeError, match="`main` must be callable"):
        v1.app.run(main=3, argv=["p"])


# ---------------------------------------------------------------------------------------
# logging

@pytest.fixture
def verbosity():
    saved = v1.logging.get_verbosity()
    yield
    v1.logging.set_verbosity(saved)


def test_logging_levels_and_format(verbosity, capsys):
    # TF: "LEVEL:tensorflow:message" on stderr, levels are Python's, INFO hidden at WARN.
    L = v1.logging
    assert (L.DEBUG, L.INFO, L.WARN, L.ERROR, L.FATAL) == (10, 20, 30, 40, 50)
    L.set_verbosity(L.WARN)
    L.info("hidden %d", 1)
    L.warning("shown %s", "w")
    L.warn("warn too")
    assert L.get_verbosity() == L.WARN
    L.set_verbosity(L.INFO)
    L.info("info %d", 2)
    for i in range(5):
        L.log_every_n(L.INFO, "every %d", 2, i)
    for i in range(5):
        L.log_first_n(L.INFO, "first %d", 2, i)
    L.vlog(1, "below INFO")
    L.log_if(L.INFO, "if %s", False, 1)
    L.error("err")
    L.fatal("fatal goes on")  # logs at FATAL and does not exit, as TF
    L.debug("no debug")
    assert capsys.readouterr().err.splitlines() == [
        "WARNING:tensorflow:shown w", "WARNING:tensorflow:warn too", "INFO:tensorflow:info 2",
        "INFO:tensorflow:every 0", "INFO:tensorflow:every 2", "INFO:tensorflow:every 4",
        "INFO:tensorflow:first 0", "INFO:tensorflow:first 1", "ERROR:tensorflow:err",
        "CRITICAL:tensorflow:fatal goes on"]
    with pytest.raises(ValueError, match="set_verbosity"):
        L.set_verbosity("bogus")


# ---------------------------------------------------------------------------------------
# summary

def test_summaries_are_fetchable_no_ops_said_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(summary_mod, "_noted", False)
    g = tf.Graph()
    with g.as_default():
        assert v1.summary.merge_all() is None  # TF: None when there is no summary
        x = tf.constant(2.0)
        with tf.name_scope("scope"):
            s = v1.summary.scalar("loss", x)
        h = v1.summary.histogram("h", [1.0, 2.0])
        v1.summary.image("im", tf.zeros([1, 4, 4, 3]))
        v1.summary.scalar("off", x, collections=[])
        # TF's names and dtype: a scalar tf.string in the `summaries` collection
        assert (s.name, s.dtype, s.shape.as_list(), h.name) == ("scope/loss:0", tf.string, [],
                                                                "h:0")
        assert [t.name for t in g.get_collection(v1.GraphKeys.SUMMARIES)] == [
            "scope/loss:0", "h:0", "im:0"]
        merged = v1.summary.merge_all()
        assert merged.name == "Merge/MergeSummary:0"
        with pytest.raises(ValueError, match="'tensor'"):
            v1.summary.scalar("bad", None)
        with v1.Session() as sess:
            value, all_value = sess.run([s, merged])
            assert value == b"" and all_value == b""  # an empty Summary, serialized
            logdir = tmp_path / "logs" / "run1"
            with v1.summary.FileWriter(str(logdir), sess.graph) as writer:
                writer.add_summary(value, 3)
                writer.add_summary(all_value, global_step=4)
                writer.add_summary(v1.Summary(value=[v1.Summary.Value(tag="a", simple_value=1.0)]))
                writer.add_graph(sess.graph)
                writer.flush()
                with pytest.raises(AttributeError, match="`summary`"):
                    writer.add_summary("not a summary")
            assert logdir.is_dir() and not any(logdir.iterdir())  # created, nothing written
    with pytest.raises(RuntimeError, match="not compatible with eager execution"):
        v1.summary.merge_all()
    with pytest.raises(RuntimeError, match="not compatible with eager execution"):
        v1.summary.FileWriter(str(tmp_path))
    assert v1.summary.scalar("eager", 1.0).numpy() == b""
    assert capsys.readouterr().err.count("tf.summary.* writes no summaries (no-op)") == 1


def test_tf2_summary_writes_where_tf_would_and_says_nothing_is_written(tmp_path):
    # tf.summary.scalar: True with a default writer (and recording on), False without;
    # ValueError with a writer but no step (TF's documented contract).
    assert tf.summary.scalar("loss", 1.0, step=1) is False
    assert not tf.summary.should_record_summaries()
    logdir = tmp_path / "tb" / "run"
    writer = tf.summary.create_file_writer(str(logdir))
    assert logdir.is_dir() and not any(logdir.iterdir())
    with writer.as_default():
        assert tf.summary.scalar("loss", tf.constant(1.0), step=1) is True
        assert tf.summary.should_record_summaries()
        with pytest.raises(ValueError, match="`step`"):
            tf.summary.histogram("h", [1.0, 2.0])
        with tf.summary.record_if(False):
            assert tf.summary.scalar("loss", 1.0, step=1) is False
        with tf.summary.record_if(lambda: True):
            assert tf.summary.text("t", "hi", step=1) is True
    with writer.as_default(step=4):
        assert tf.summary.experimental.get_step() == 4 and tf.summary.image("i", [[[[0.0]]]])
    assert tf.summary.experimental.get_step() is None
    with tf.summary.create_noop_writer().as_default():
        assert tf.summary.scalar("loss", 1.0, step=1) is False
    writer.flush()
    writer.close()


# ---------------------------------------------------------------------------------------
# gfile

def test_gfile_on_the_local_file_system(tmp_path):
    # Each result and error class is TF 2.21's for the same calls.
    g = v1.gfile
    d = str(tmp_path)
    sub = os.path.join(d, "a", "b")
    g.MakeDirs(sub)
    g.MakeDirs(sub)  # exists: nothing to do
    g.MkDir(sub)  # exists: no error in TF 2.21
    assert g.IsDirectory(sub) and g.Exists(sub) and not g.Exists(sub + "x")
    f = os.path.join(sub, "f.txt")
    with g.GFile(f, "w") as out:
        out.write("hi\n")
        out.write(b"there\n")
    with g.GFile(f) as text, g.Open(f, "rb") as raw:
        assert list(text) == ["hi\n", "there\n"] and raw.read() == b"hi\nthere\n"
    with g.GFile(f, "a") as out:
        out.write("!")
    assert g.GFile(f).size() == g.Stat(f).length == 10 and g.Stat(sub).is_directory
    assert sorted(g.ListDirectory(d)) == ["a"] and g.Glob(os.path.join(sub, "*.txt")) == [f]
    g.Copy(f, os.path.join(sub, "g.txt"))
    g.Rename(f, os.path.join(sub, "h.txt"))
    assert [(os.path.relpath(p, d), sorted(fs)) for p, _, fs in g.Walk(d)] == [
        (".", []), ("a", []), (os.path.join("a", "b"), ["g.txt", "h.txt"])]
    assert [os.path.relpath(p, d) for p, _, _ in g.Walk(d, in_order=False)][-1] == "."
    for call, error in [
            (lambda: g.GFile(os.path.join(d, "nope")).read(), tf.errors.NotFoundError),
            (lambda: g.ListDirectory(os.path.join(d, "nope")), tf.errors.NotFoundError),
            (lambda: g.MkDir(os.path.join(d, "x", "y")), tf.errors.NotFoundError),
            (lambda: g.Remove(os.path.join(d, "nope")), tf.errors.NotFoundError),
            (lambda: g.DeleteRecursively(os.path.join(d, "nope")), tf.errors.NotFoundError),
            (lambda: g.Remove(sub), tf.errors.FailedPreconditionError),
            (lambda: g.Copy(os.path.join(sub, "g.txt"), os.path.join(sub, "h.txt")),
             tf.errors.AlreadyExistsError),
            (lambda: g.GFile(os.path.join(sub, "g.txt")).write("x"),
             tf.errors.PermissionDeniedError),
            (lambda: g.GFile(f, "q"), tf.errors.InvalidArgumentError),
            (lambda: g.Exists("gs://bucket/x"), tf.errors.UnimplementedError)]:
        with pytest.raises(error):
            call()
    g.Copy(os.path.join(sub, "g.txt"), os.path.join(sub, "h.txt"), overwrite=True)
    g.Remove(os.path.join(sub, "h.txt"))
    g.DeleteRecursively(os.path.join(d, "a"))
    assert list(g.Walk(os.path.join(d, "a"))) == [] and not g.Exists(os.path.join(d, "a"))


# ---------------------------------------------------------------------------------------
# tf.test

def _run_tests(case):
    """Runs a TestCase's tests; the random state its setUp seeds is put back after."""
    state = (random.getstate(), np.random.get_state(), dict(vars(random_ops._global)))
    try:
        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
    finally:
        random.setstate(state[0])
        np.random.set_state(state[1])
        vars(random_ops._global).update(state[2])
    return result


def _names(pairs):
    return sorted(test._testMethodName for test, _ in pairs)


def test_testcase_eager_asserts_and_failures():
    seen = {}

    class Eager(tf.test.TestCase):
        def test_evaluate_and_asserts(self):
            x = tf.constant([1.0, 2.0])
            seen["evaluate"] = self.evaluate({"a": x, "b": [x, None]})
            self.assertAllClose([1.0, 2.0], [1.0, 2.0 + 2e-6])  # TF's atol = rtol = 1e-6
            self.assertAllClose({"a": x, "b": (2.0, [3.0])}, {"a": [1.0, 2.0], "b": (2.0, [3.0])})
            self.assertAllEqual(tf.constant([1, 2]), np.array([1, 2]))
            self.assertAllCloseAccordingToType(np.float16([1.0]), np.float16([1.0009]))
            self.assertAllCloseAccordingToType(np.float32([1.0]), np.float32([1.000005]),
                                               float_rtol=1e-5, float_atol=1e-5)
            self.assertShapeEqual(np.zeros((2, 3)), tf.zeros((2, 3)))
            with self.assertRaisesOpError("must be"):
                raise tf.errors.InvalidArgumentError(None, None, "x must be positive")
            with self.cached_session() as sess:  # eagerly: run() evaluates
                seen["cached_run"] = sess.run(x)
            with self.session() as sess:  # eagerly: a stand-in that raises on use
                with self.assertRaises(AttributeError):
                    sess.run(x)
            seen["tmp"] = (self.get_temp_dir(), self.get_temp_dir())

        def test_close_fails(self):
            self.assertAllClose([1.0, 2.0], [1.0, 2.0 + 5e-6])

        def test_shape_mismatch_fails(self):
            self.assertAllClose([1.0, 2.0], [1.0])

        def test_equal_fails(self):
            self.assertAllEqual([1, 2], [1, 3])

        def test_float32_fails(self):
            self.assertAllCloseAccordingToType(np.float32([1.0]), np.float32([1.00001]))

        def test_op_error_mismatch_fails(self):
            with self.assertRaisesOpError("zzz"):
                raise tf.errors.InvalidArgumentError(None, None, "x must be positive")

        def test_op_error_wrong_class_fails(self):
            with self.assertRaisesOpError("must be"):
                raise ValueError("x must be positive")

        def test_shape_input_error(self):
            self.assertShapeEqual([1.0], tf.zeros([1]))

    result = _run_tests(Eager)
    assert _names(result.failures) == ["test_close_fails", "test_equal_fails",
                                       "test_float32_fails", "test_op_error_mismatch_fails",
                                       "test_op_error_wrong_class_fails",
                                       "test_shape_mismatch_fails"]
    assert _names(result.errors) == ["test_shape_input_error"]  # TypeError, as TF
    assert "input_a must be a Numpy ndarray" in result.errors[0][1]
    assert _names(result.skipped) == ["test_session"]  # TF: "Not a test."
    assert result.testsRun == 9
    np.testing.assert_array_equal(seen["evaluate"]["a"], [1.0, 2.0])
    assert seen["evaluate"]["b"][1] is None
    np.testing.assert_array_equal(seen["cached_run"], [1.0, 2.0])
    assert seen["tmp"][0] == seen["tmp"][1] and os.path.isdir(seen["tmp"][0])


def test_testcase_graph_mode_gives_each_test_a_fresh_graph_and_sessions():
    # After disable_eager_execution (TF-1 programs), each test gets a new default graph with
    # seed 87654321; cached_session() is one session per test, session() a new one each time.
    seen = []

    class Graph(tf.test.TestCase):
        def _check(self):
            g = v1.get_default_graph()
            x = tf.constant(2.0, name="x")
            with self.session() as s1:
                assert s1.graph is g and v1.get_default_session() is s1
                value = s1.run(x)
            with self.cached_session() as c1, self.cached_session() as c2:
                assert c1 is c2 and c1 is not s1
            with self.test_session() as c3:
                assert c3 is c1
            seen.append((id(g), len(g.get_operations()), x.name, g.seed, value,
                         self.evaluate([x, {"k": x}])))

        def test_a(self):
            self._check()

        def test_b(self):
            self._check()

        def test_op_error(self):
            with self.assertRaisesOpError("Integer division by zero"):
                raise tf.errors.InvalidArgumentError(None, None, "Integer division by zero")

    v1.disable_eager_execution()
    try:
        result = _run_tests(Graph)
    finally:
        v1.enable_eager_execution()
    assert result.wasSuccessful(), result.failures + result.errors
    (g1, n1, name1, seed1, v_1, e1), (g2, n2, name2, seed2, v_2, e2) = seen
    assert g1 != g2 and n1 == n2 == 1 and name1 == name2 == "x:0" and seed1 == seed2 == 87654321
    assert v_1 == v_2 == 2.0 and e1[0] == 2.0 and e1[1]["k"] == 2.0


def test_compute_gradient_tf2_against_numpy():
    # tf.test.compute_gradient: Jacobians shaped (y.size, x.size) per argument; TF 2.21 gives
    # these very float32 numbers (numerical: central differences with step 1/1024).
    x, y = np.float32([1.0, 2.0]), np.float32([3.0, 4.0])
    theoretical, numerical = tf.test.compute_gradient(lambda a, b: a * b + tf.sin(a),
                                                      [tf.constant(x), tf.constant(y)])
    # d/da = b + cos(a), d/db = a, each on the diagonal (numpy's values)
    for ours, expected in zip(theoretical, (np.diag(y + np.cos(x)), np.diag(x))):
        np.testing.assert_allclose(ours, expected, rtol=1e-6)
    np.testing.assert_array_equal(np.diag(theoretical[0]), np.float32([3.5403023, 3.5838532]))
    np.testing.assert_array_equal(np.diag(numerical[0]), np.float32([3.5402832, 3.5839844]))
    with pytest.raises(ValueError, match="`x` must be a list or tuple"):
        tf.test.compute_gradient(tf.sin, tf.constant(x))
    with pytest.raises(AssertionError, match="unsupported type int32 of argument 0"):
        tf.test.compute_gradient(lambda a: tf.cast(a, tf.float32), [tf.constant([3, 4])])


def test_compute_gradient_tf1_in_the_default_session():
    # tf.compat.v1.test.compute_gradient: (x.size, y.size) Jacobians of graph tensors, one
    # pair per x for a list of x; TF gives 2.000004 for d(a*a)/da at 1 with delta=1e-3.
    with tf.Graph().as_default():
        a = tf.constant([1.0, 2.0, 3.0])
        c = tf.constant([5.0, 6.0])
        with pytest.raises(ValueError, match="default session"):
            v1.test.compute_gradient(a, [3], a * a, [3])
        with v1.Session():
            theoretical, numerical = v1.test.compute_gradient(a, [3], a * a, [3],
                                                              x_init_value=np.ones(3))
            np.testing.assert_array_equal(theoretical, 2 * np.eye(3))
            np.testing.assert_array_equal(numerical, np.float32(2.000004) * np.eye(3))
            pairs = v1.test.compute_gradient([a, c], [[3], [2]], tf.reduce_sum(a) * c, [2])
            assert [p[0].shape for p in pairs] == [(3, 2), (2, 2)]
            assert v1.test.compute_gradient_error([a, c], [[3], [2]],
                                                  tf.reduce_sum(a) * c, [2]) < 1e-3


def test_gpu_questions_answer_from_jax():
    has_gpu = any(d.platform in ("gpu", "cuda", "rocm") for d in jax.devices())
    assert tf.test.is_gpu_available() == has_gpu == tf.test.is_built_with_gpu_support()
    assert tf.test.gpu_device_name() == ("/device:GPU:0" if has_gpu else "")
    # a GPU is CUDA's or ROCm's; without one, neither
    assert tf.test.is_built_with_cuda() + tf.test.is_built_with_rocm() == int(has_gpu)
    assert tf.test.is_built_with_xla()


# ---------------------------------------------------------------------------------------
# the names, and one real program

# TF 2.21's dir() of each sub-namespace (public names); ours must be among them.
TF_NAMES = {
    "app": {"flags", "run"},
    "flags": {"ArgumentParser", "ArgumentSerializer", "BaseListParser", "BooleanFlag",
              "BooleanParser", "CantOpenFlagFileError", "CsvListSerializer", "DEFINE",
              "DEFINE_alias", "DEFINE_bool", "DEFINE_boolean", "DEFINE_enum", "DEFINE_enum_class",
              "DEFINE_flag", "DEFINE_float", "DEFINE_integer", "DEFINE_list", "DEFINE_multi",
              "DEFINE_multi_enum", "DEFINE_multi_enum_class", "DEFINE_multi_float",
              "DEFINE_multi_integer", "DEFINE_multi_string", "DEFINE_spaceseplist",
              "DEFINE_string", "DuplicateFlagError", "EnumClassFlag", "EnumClassListSerializer",
              "EnumClassParser", "EnumClassSerializer", "EnumFlag", "EnumParser", "Error", "FLAGS",
              "Flag", "FlagHolder", "FlagNameConflictsWithMethodError", "FlagValues",
              "FloatParser", "IllegalFlagValueError", "IntegerParser", "ListParser",
              "ListSerializer", "MultiEnumClassFlag", "MultiFlag", "UnparsedFlagAccessError",
              "UnrecognizedFlagError", "ValidationError", "WhitespaceSeparatedListParser",
              "adopt_module_key_flags", "declare_key_flag", "disclaim_key_flags", "doc_to_help",
              "flag_dict_to_args", "get_help_width", "mark_bool_flags_as_mutual_exclusive",
              "mark_flag_as_required", "mark_flags_as_mutual_exclusive",
              "mark_flags_as_required", "multi_flags_validator", "override_value",
              "register_multi_flags_validator", "register_validator", "set_default",
              "text_wrap", "tf_decorator", "validator"},
    "gfile": {"Copy", "DeleteRecursively", "Exists", "FastGFile", "GFile", "Glob", "IsDirectory",
              "ListDirectory", "MakeDirs", "MkDir", "Open", "Remove", "Rename", "Stat", "Walk"},
    "logging": {"DEBUG", "ERROR", "FATAL", "INFO", "TaskLevelStatusMessage", "WARN", "debug",
                "error", "fatal", "flush", "get_verbosity", "info", "log", "log_every_n",
                "log_first_n", "log_if", "set_verbosity", "vlog", "warn", "warning"},
    "summary": {"Event", "FileWriter", "FileWriterCache", "SessionLog", "Summary",
                "SummaryDescription", "TaggedRunMetadata", "all_v2_summary_ops", "audio",
                "get_summary_description", "histogram", "image", "initialize", "merge",
                "merge_all", "scalar", "tensor_summary", "text"},
    "test": {"Benchmark", "StubOutForTesting", "TestCase", "assert_equal_graph_def",
             "benchmark_config", "compute_gradient", "compute_gradient_error",
             "create_local_cluster", "disable_with_predicate", "experimental", "get_temp_dir",
             "gpu_device_name", "is_built_with_cuda", "is_built_with_gpu_support",
             "is_built_with_rocm", "is_built_with_xla", "is_cpu_target_available",
             "is_gpu_available", "main", "mock", "test_src_dir_path",
             "with_eager_op_as_function"},
}


def test_names_in_compat_v1():
    for name, tf_names in TF_NAMES.items():
        ours = {n for n in dir(getattr(v1, name)) if not n.startswith("_")}
        assert ours <= tf_names, (name, sorted(ours - tf_names))
    for name in ("DEFINE_string", "DEFINE_integer", "DEFINE_float", "DEFINE_boolean",
                 "DEFINE_bool", "DEFINE_list", "DEFINE_enum", "FLAGS", "FlagValues"):
        assert hasattr(v1.flags, name), name
    assert v1.app.flags is v1.flags  # as TF
    assert v1.test.TestCase is tf.test.TestCase and v1.Summary is v1.summary.Summary
    assert not hasattr(v1.flags, "sys") and not hasattr(v1.test, "np")


PROGRAM = """
import tfgrad_jax as tf
tf1 = tf.compat.v1
tf1.disable_eager_execution()
tf1.flags.DEFINE_integer("steps", 2, "steps")
tf1.flags.DEFINE_boolean("verbose", False, "talk")
FLAGS = tf1.flags.FLAGS

def main(argv):
    tf1.logging.set_verbosity(tf1.logging.INFO if FLAGS.verbose else tf1.logging.WARN)
    x = tf1.placeholder(tf.float32, [])
    loss = x * x
    tf1.summary.scalar("loss", loss)
    merged = tf1.summary.merge_all()
    with tf1.Session() as sess, tf1.summary.FileWriter(argv[1], sess.graph) as writer:
        for step in range(FLAGS.steps):
            value, summary = sess.run([loss, merged], {x: float(step)})
            writer.add_summary(summary, step)
            tf1.logging.info("step %d loss %.1f", step, value)
    return len(argv)

if __name__ == "__main__":
    tf1.app.run()
"""


def test_a_tf1_program_runs(tmp_path, monkeypatch, capsys, verbosity):
    # The script run as __main__ with its command line (in this process: a subprocess would
    # cost an import of JAX), on fresh FLAGS.
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(PROGRAM))
    fresh = v1.flags.FlagValues()
    monkeypatch.setattr(flags_mod, "FLAGS", fresh)
    monkeypatch.setattr(v1.flags, "FLAGS", fresh)
    monkeypatch.setattr(summary_mod, "_noted", False)
    monkeypatch.setattr(sys, "argv", [str(script), "--steps=3", "--verbose",
                                      str(tmp_path / "logs"), "extra"])
    try:
        with pytest.raises(SystemExit) as info:
            runpy.run_path(str(script), run_name="__main__")
    finally:
        v1.enable_eager_execution()
    assert info.value.code == 3  # sys.exit(main([prog, logdir, "extra"]))
    lines = capsys.readouterr().err.splitlines()
    assert lines.count("tfgrad_jax: tf.summary.* writes no summaries (no-op)") == 1
    assert [ln for ln in lines if ln.startswith("INFO:tensorflow:")] == [
        "INFO:tensorflow:step 0 loss 0.0", "INFO:tensorflow:step 1 loss 1.0",
        "INFO:tensorflow:step 2 loss 4.0"]
    assert (tmp_path / "logs").is_dir()
