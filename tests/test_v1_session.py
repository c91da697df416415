"""TF-1 sessions (issue #9): `Session.run`, feeds, `eval`/`run`, `make_callable`, compilation.

Each test names the TensorFlow 2.21 behaviour it mirrors (checked with
`tf.compat.v1.disable_eager_execution()` or an explicit `tf.Graph`); values are
checked against numpy.
"""

import collections

import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax.framework.graph import get_default_graph, get_default_session
from tfgrad_jax.v1.session import InteractiveSession, Session

placeholder = tf.compat.v1.placeholder
Pair = collections.namedtuple("Pair", "first second")


class G:
    """One graph for most tests (built once: each kind of run compiles one program)."""


@pytest.fixture(scope="module")
def g():
    ns = G()
    ns.graph = tf.Graph()
    with ns.graph.as_default():
        ns.x = placeholder(tf.float32, [2], name="x")
        ns.n = placeholder(tf.int32, [None], name="n")
        ns.y = tf.multiply(ns.x, 2.0, name="y")
        ns.a = tf.constant(2.0, name="a")
        ns.b = tf.multiply(ns.a, 3.0, name="b")
        with ns.graph.control_dependencies([ns.b.op]):  # b's op runs whenever c does
            later_a = tf.identity(ns.a)
        ns.c = tf.add(ns.b, later_a, name="c")
        ns.p = placeholder(tf.float32, [], name="p")
        ns.e = ns.p * 3.0
        ns.f = ns.e + 1.0
        ns.m = tf.constant([1.0, 2.0, 3.0, 4.0])
        ns.s1, ns.s2 = tf.split(ns.m, 2)
        ns.total = ns.s1 + ns.s2
        ns.v = tf.Variable(1.0, name="v")
        ns.v_value = ns.v.value()
        ns.twice_v = ns.v * 2.0
        ns.bump = ns.v.assign_add(1.0)
        ns.flag = placeholder(tf.bool, [], name="flag")
        check = tf.debugging.Assert(ns.flag, [ns.v])
        with ns.graph.control_dependencies([check]):
            ns.checked_bump = ns.v.assign_add(10.0)
    ns.sess = Session(graph=ns.graph)
    ns.sess.run(ns.v.initializer)
    yield ns
    ns.sess.close()


# ---------------------------------------------------------------------------
# Fetches.

def test_fetches_keep_their_nested_structure(g):
    # TF: lists, tuples, namedtuples, dicts and OrderedDicts come back as the same types;
    # an op fetches as None; rank-0 results are numpy scalars.
    feed = {g.x: [1.0, 2.0]}
    out = g.sess.run({"k": Pair(g.y, [g.y, (g.a.op,)]),
                      "j": collections.OrderedDict(z=g.y, a=g.a)}, feed)
    assert type(out) is dict and type(out["k"]) is Pair and type(out["k"].second[1]) is tuple
    np.testing.assert_array_equal(out["k"].first, [2.0, 4.0])
    np.testing.assert_array_equal(out["k"].second[0], [2.0, 4.0])
    assert out["k"].second[1] == (None,)
    assert type(out["j"]) is collections.OrderedDict and list(out["j"]) == ["z", "a"]
    assert type(out["j"]["a"]) is np.float32 and out["j"]["a"] == 2.0
    assert g.sess.run([]) == [] and g.sess.run(()) == () and g.sess.run({}) == {}


def test_fetch_by_name_repeated_fetches_and_variables(g):
    # TF: "x:0" names a tensor and "a" an op (fetched as None); a tensor may be fetched
    # several times; a variable fetches as its value.
    out = g.sess.run(["y:0", "a", g.y, [g.y], g.v], {"x:0": np.array([3.0, 4.0])})
    np.testing.assert_array_equal(out[0], [6.0, 8.0])
    assert out[1] is None
    np.testing.assert_array_equal(out[2], out[0])
    np.testing.assert_array_equal(out[3][0], out[0])
    assert out[4] == g.sess.run(g.v_value)


def test_fetching_ops_runs_them_and_assignments_return_the_new_value(g):
    # TF: fetching an assignment's op runs it (None); fetching its value runs it too.
    start = g.sess.run(g.v)
    assert g.sess.run(g.bump.op) is None
    assert g.sess.run(g.v) == start + 1
    assert g.sess.run(g.bump) == start + 2 and g.sess.run(g.v) == start + 2


# ---------------------------------------------------------------------------
# Feeds.

def test_feeding_an_intermediate_replaces_its_producer(g):
    # TF: c = b + a with b = a * 3 and a = 2 gives 8.0; feeding b = 20 gives 22.0 even
    # though c's other input waits on b's op (which still runs): a naive interpreter whose
    # producer overwrites the fed b would give 8.0 again. What only the fed tensor needed is
    # not computed: e = p * 3 is fed, so the placeholder p need not be.
    assert g.sess.run(g.c) == 8.0
    assert g.sess.run(g.c, {g.b: 20.0}) == 22.0
    assert g.sess.run(g.f, {g.e: 5.0}) == 6.0
    # One output of a two-output op fed, the other computed: [10, 10] + [3, 4].
    np.testing.assert_array_equal(g.sess.run(g.total, {g.s1: [10.0, 10.0]}), [13.0, 14.0])
    # A fed tensor fetches as the value fed.
    assert g.sess.run(g.b, {g.b: 7.0}) == 7.0


def test_feed_values_are_converted_as_tf_converts_them(g):
    # TF converts with numpy to the tensor's dtype: lists, lists of arrays, scalars, float64;
    # floats fed to an int32 placeholder are truncated ([1.5, 2.5] -> [1, 2]).
    for value in ([1, 2], [np.array(1.0), np.array(2.0)], np.array([1.0, 2.0]),
                  (np.float32(1), np.float32(2))):
        out = g.sess.run(g.y, {g.x: value})
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, [2.0, 4.0])
    np.testing.assert_array_equal(g.sess.run(g.n, {g.n: [1.5, 2.5]}), [1, 2])
    assert g.sess.run(g.e, {g.p: 2}) == 6.0 and type(g.sess.run(g.e, {g.p: 2})) is np.float32
    # None dimensions take any size.
    np.testing.assert_array_equal(g.sess.run(g.n, {g.n: np.arange(5)}), np.arange(5))
    with pytest.raises(TypeError, match="The value of a feed cannot be a tf.Tensor object"):
        g.sess.run(g.y, {g.x: tf.constant([1.0, 2.0])})
    with pytest.raises(ValueError, match="could not convert string to float"):
        g.sess.run(g.y, {g.x: "ab"})


def test_feed_shapes_are_checked_with_tfs_message(g):
    with pytest.raises(ValueError, match=r"^Cannot feed value of shape \(3,\) for Tensor x:0, "
                                         r"which has shape \(2,\)$"):
        g.sess.run(g.y, {g.x: [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"Cannot feed value of shape \(\) for Tensor n:0, "
                                         r"which has shape \(None,\)"):
        g.sess.run(g.n, {g.n: 3})


def test_feed_dict_built_outside_the_graph(g):
    # TF 2.21: a TF-1 graph's tensors hash and compare by identity, in or out of
    # `as_default()`, so a feed dict can be built anywhere.
    assert get_default_graph() is not g.graph
    assert (g.x == g.x) is True and (g.x == g.y) is False and (g.x != g.y) is True
    feed = {g.x: [1.0, 1.0], "p:0": 1.0}
    np.testing.assert_array_equal(g.sess.run(g.y, feed), [2.0, 2.0])
    assert len({g.x, g.x, g.y}) == 2


def test_feeding_a_variable_overrides_only_the_variable_as_a_fetch(g):
    # TF 2.21 (disable_eager_execution): sess.run([v, v * 2], {v: 10}) gives [10, 2 * stored];
    # feeding v.value() - shared by every use of v in our TF-1 graph - overrides those too.
    stored = g.sess.run(g.v)
    with g.graph.as_default():  # variables are hashable only in TF-1 code, as TF's
        fetched, twice = g.sess.run([g.v, g.twice_v], {g.v: 10.0})
    assert fetched == 10.0 and twice == 2 * stored
    fetched, twice = g.sess.run([g.v, g.twice_v], {g.v_value: 10.0})
    assert fetched == 10.0 and twice == 20.0
    assert g.sess.run(g.v) == stored


# ---------------------------------------------------------------------------
# Errors, each with TF's class and text.

def test_fetch_errors(g):
    other = tf.Graph()
    with other.as_default():
        z = tf.constant(1.0)
    with pytest.raises(ValueError, match=r"Argument `fetch` = Tensor\(\"Const:0\", shape=\(\), "
                                         r"dtype=float32\) cannot be interpreted as a Tensor\. "
                                         r"\(Tensor Tensor.* is not an element of this graph\.\)"):
        g.sess.run(z)
    with pytest.raises(TypeError, match=r"^Argument `fetch` = 5 has invalid type \"int\" must be "
                                        r"a string or Tensor\. \(Can not convert a int into a "
                                        r"Tensor or Operation\.\)$"):
        g.sess.run([g.y, 5])
    with pytest.raises(TypeError, match="Argument `fetch` = None has invalid type \"NoneType\". "
                                        "Cannot be None"):
        g.sess.run(None)
    with pytest.raises(ValueError, match="Argument `fetch` = nope:0 cannot be interpreted as a "
                                         "Tensor.*The name 'nope:0' refers to a Tensor which "
                                         "does not exist"):
        g.sess.run("nope:0")
    with pytest.raises(TypeError, match="Cannot interpret feed_dict key as Tensor: Tensor "
                                        ".* is not an element of this graph."):
        g.sess.run(g.y, {z: 1.0, g.x: [1.0, 2.0]})
    with pytest.raises(TypeError, match="Cannot interpret feed_dict key as Tensor: Can not "
                                        "convert a Operation into a Tensor."):
        g.sess.run(g.y, {g.x.op: [1.0, 2.0]})


def test_missing_placeholder_feed(g):
    # TF: InvalidArgumentError "You must feed a value for placeholder tensor 'x' with dtype
    # float and shape [2]" (no shape for a scalar; "?" for unknown dimensions).
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"You must feed a value for placeholder tensor 'x' with dtype "
                             r"float and shape \[2\]$"):
        g.sess.run(g.y)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"placeholder tensor 'n' with dtype int32 and shape \[\?\]$"):
        g.sess.run(g.n)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"placeholder tensor 'p' with dtype float$"):
        g.sess.run(g.f)


def test_uninitialized_variable_and_closed_session(g):
    # TF: FailedPreconditionError "Could not find variable v. ... uninitialized"; a closed
    # session raises RuntimeError("Attempted to use a closed Session.").
    sess = Session(graph=g.graph)
    with pytest.raises(tf.errors.FailedPreconditionError,
                       match="Could not find variable v. This could mean that the variable has "
                             "been deleted. In TF1, it can also mean the variable is "
                             "uninitialized."):
        sess.run(g.v)
    sess.close()
    sess.close()  # closing twice is fine, as TF
    with pytest.raises(RuntimeError, match=r"^Attempted to use a closed Session\.$"):
        sess.run(g.a)
    with pytest.raises(TypeError, match='Argument `graph` must be a tf.Graph, but got "int"'):
        Session(graph=5)


def test_failed_check_keeps_the_variables(g):
    # TF: an assignment that waits on a failing Assert does not happen; the variable keeps
    # its value (a program with checks gets no donated buffers, so nothing is lost).
    start = g.sess.run(g.v)
    assert g.sess.run(g.checked_bump, {g.flag: True}) == start + 10
    with pytest.raises(tf.errors.InvalidArgumentError):
        g.sess.run(g.checked_bump, {g.flag: False})
    assert g.sess.run(g.v) == start + 10


# ---------------------------------------------------------------------------
# Default sessions: Tensor.eval, Operation.run, InteractiveSession.

def test_eval_and_run_need_a_default_session(g):
    assert get_default_session() is None
    with pytest.raises(ValueError, match=r"^Cannot evaluate tensor using `eval\(\)`: No default "
                                         r"session is registered\. Use `with sess\.as_default\(\)` "
                                         r"or pass an explicit session to `eval\(session=sess\)`$"):
        g.a.eval()
    with pytest.raises(ValueError, match=r"^Cannot execute operation using `run\(\)`: No "
                                         r"default session is registered\. Use `with "
                                         r"sess\.as_default\(\):` or pass an explicit session "
                                         r"to `run\(session=sess\)`$"):
        g.bump.op.run()
    other = Session(graph=tf.Graph())
    with pytest.raises(ValueError, match="Cannot use the given session to evaluate tensor: the "
                                         "tensor's graph is different from the session's graph."):
        g.a.eval(session=other)
    with pytest.raises(ValueError, match="Cannot use the given session to execute operation: "
                                         "the operation's graph is different"):
        g.a.op.run(session=other)
    assert g.y.eval({g.x: [1.0, 0.0]}, session=g.sess).tolist() == [2.0, 0.0]
    with g.sess.as_default():
        assert g.a.eval() == 2.0
        start = g.sess.run(g.v)
        g.bump.op.run()
        assert g.v.eval() == start + 1
    assert get_default_session() is None and not g.sess._closed  # as_default does not close


def test_session_as_a_context_manager_and_interactive_session(g):
    # TF: `with Session(graph=g)` makes it and g the defaults, and closes it on exit; an
    # InteractiveSession is the default (and its graph the default graph) until closed.
    with Session(graph=g.graph) as sess:
        assert get_default_session() is sess and get_default_graph() is g.graph
        assert g.a.eval() == 2.0
    assert get_default_session() is None and get_default_graph() is not g.graph
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(g.a)
    isess = InteractiveSession(graph=g.graph)
    try:
        assert get_default_session() is isess and get_default_graph() is g.graph
        np.testing.assert_array_equal(g.y.eval({g.x: [1.0, 1.0]}), [2.0, 2.0])
        isess.run(g.v.initializer)
        g.bump.op.run()
        assert g.v.eval() == 2.0
    finally:
        isess.close()
    assert get_default_session() is None and get_default_graph() is not g.graph


# ---------------------------------------------------------------------------
# make_callable.

def test_make_callable(g):
    # TF: the callable takes the feed_list values positionally; extra values are ignored
    # (zip); the result has the fetches' structure; an op fetches as None.
    step = g.sess.make_callable([g.y, {"c": g.c}, g.bump.op], feed_list=[g.x])
    y, d, none = step([3.0, 4.0])
    np.testing.assert_array_equal(y, [6.0, 8.0])
    assert d == {"c": 8.0} and none is None
    single = g.sess.make_callable(g.y, feed_list=["x:0"])
    np.testing.assert_array_equal(single(np.ones(2, np.float32)), [2.0, 2.0])
    np.testing.assert_array_equal(single([0.5, 1.0], "extra"), [1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must feed a value"):
        single()
    with pytest.raises(TypeError, match="Argument `feed_list` must be a list or tuple"):
        g.sess.make_callable(g.y, feed_list=g.x)
    with pytest.raises(ValueError, match="Cannot feed value of shape"):
        single([1.0, 2.0, 3.0])


# ---------------------------------------------------------------------------
# Compilation, state and donation.

def _traces(sess):
    return sum(plan.traces for plan in sess._plans.values())


def test_one_compilation_per_kind_of_run():
    # One XLA program per (fetches, fed tensors, fed shapes and dtypes): repeated runs
    # trace once; a new feed shape traces again; the order of the feeds does not matter.
    graph = tf.Graph()
    with graph.as_default():
        x = placeholder(tf.float32, [None], name="x")
        k = placeholder(tf.float32, [], name="k")
        w = tf.Variable(1.0, name="w")
        out = tf.reduce_sum(x * w) * k
        step = w.assign_add(1.0)
    with Session(graph=graph) as sess:
        sess.run(w.initializer)
        before = _traces(sess)
        for i in range(4):
            assert sess.run(out, {x: np.arange(3.0), k: 1.0}) == 3.0 * (i + 1)
            sess.run(step)
        assert _traces(sess) == before + 2  # out, and step
        sess.run(out, {k: 1.0, x: np.arange(3.0)})
        assert _traces(sess) == before + 2
        assert sess.run(out, {x: np.arange(5.0), k: 2.0}) == 2 * 10 * 5.0
        assert _traces(sess) == before + 3


def test_sessions_hold_separate_state_and_returned_values_stay_valid():
    # TF: each session has its own variable values. A training step updates the variables
    # inside its program, whose old buffers are donated; a value returned before stays.
    graph = tf.Graph()
    with graph.as_default():
        x = placeholder(tf.float32, [4, 3], name="x")
        w = tf.Variable(np.ones((3, 2), np.float32), name="w")
        loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
        grad, = tf.gradients(loss, [w])
        train = tf.group(w.assign_sub(0.01 * grad))
    data = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(4, 3)
    first, second = Session(graph=graph), Session(graph=graph)
    first.run(w.initializer)
    second.run(w.initializer)
    w0 = first.run(w)
    expected = w0.copy()
    for _ in range(3):
        value, _ = first.run([loss, train], {x: data})
        assert value == pytest.approx(float(np.sum((data @ expected) ** 2)), rel=1e-5)
        expected -= 0.01 * 2 * data.T @ (data @ expected)
    np.testing.assert_allclose(first.run(w), expected, rtol=1e-5)
    np.testing.assert_array_equal(w0, np.ones((3, 2)))  # not a view of a donated buffer
    np.testing.assert_array_equal(second.run(w), np.ones((3, 2)))
    plan = next(p for p in first._plans.values() if p.assigned and p.n_targets == 1)
    assert plan.program._donate  # the assigned variable's buffer is donated
    first.close()
    second.close()


def test_state_the_session_supplies_and_the_saver_hooks():
    # TF: is_variable_initialized answers per session (VarIsInitializedOp reads the
    # session's own resource container); the Saver reads and writes a session's values.
    from tfgrad_jax.v1.variable_scope import is_variable_initialized
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable([1.0, 2.0], name="w")
        ready = is_variable_initialized(w)
        double = w * 2.0
    with Session(graph=graph) as sess, Session(graph=graph) as other:
        assert not sess.run(ready)
        sess.run(w.initializer)
        assert sess.run(ready) and not other.run(ready)
        value = sess._get_variable_value(w)
        value[0] = 100.0  # a copy: the session's value does not change
        np.testing.assert_array_equal(sess.run(w), [1.0, 2.0])
        other._set_variable_value(w, np.array([5.0, 6.0]))
        assert other.run(ready)
        np.testing.assert_array_equal(other.run(double), [10.0, 12.0])
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value w"):
            Session(graph=graph)._get_variable_value(w)
