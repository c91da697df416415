"""TF-1 variables: variable scopes, get_variable, initializers, collections, init ops.

Every name, default, error class and text was checked against TensorFlow 2.21
(`tf.compat.v1`); each test says which behaviour it mirrors. Random
initializers are checked by their moments and bounds (TF's exact numbers come
from another generator).
"""

import re
import types

import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax.compat.v1 import Session
from tfgrad_jax.framework.errors import FailedPreconditionError
from tfgrad_jax.ops import variables as variables_mod
from tfgrad_jax.v1 import initializers as init
from tfgrad_jax.v1 import variable_scope as vs


def _const_name():
    return tf.constant(1.0, name="c").name


# ---------------------------------------------------------------------------
# One graph for the scope, naming and collection tests (built once).

@pytest.fixture(scope="module")
def built():
    g = tf.Graph()
    n = types.SimpleNamespace(graph=g)
    with g.as_default():
        with vs.variable_scope("foo") as foo:
            n.v = vs.get_variable("v", [1], initializer=init.ones_initializer())
            n.c_foo = _const_name()
        n.foo = foo
        with vs.variable_scope(foo):  # re-entering the captured scope object
            n.c_reentered = _const_name()
            n.scope_reentered = (vs.get_variable_scope().name,
                                 vs.get_variable_scope().original_name_scope)
        with vs.variable_scope("foo", reuse=True):
            n.v_reused = vs.get_variable("v", [1])
            n.c_foo_2 = _const_name()
        with vs.variable_scope("foo", reuse=vs.AUTO_REUSE) as auto:
            n.v_auto = vs.get_variable("v", [1])
            n.w = vs.get_variable("w", [2, 3])  # made under AUTO_REUSE: glorot_uniform
            n.auto_reuse = auto.reuse
        with vs.variable_scope(None, default_name="bar") as b1:
            pass
        with vs.variable_scope(None, default_name="bar") as b2:
            pass
        n.default_names = [(b1.name, b1.original_name_scope), (b2.name, b2.original_name_scope)]
        with vs.variable_scope("outer"):
            with vs.variable_scope("inner") as inner:
                n.x = vs.get_variable("x", [3], dtype=tf.int32)
                n.add_name = tf.add(1.0, 2.0, name="a").name
            with vs.variable_scope(foo) as foo_in_outer:
                n.foo_in_outer = (foo_in_outer.name, _const_name())
            with vs.variable_scope("inner", reuse=True):
                n.x_reused = vs.get_variable("x", dtype=tf.int32)
                with vs.variable_scope("deep", reuse=False) as deep:
                    n.deep_reuse = deep.reuse
        n.inner = inner
        with vs.variable_scope("a"):
            with vs.variable_scope(None, default_name="sub") as s:
                n.a_sub = (s.name, s.original_name_scope)
        with vs.variable_scope("a"):  # the counts of sub-scopes start again
            with vs.variable_scope(None, default_name="sub") as s:
                n.a_sub_again = (s.name, s.original_name_scope)
        with vs.variable_scope(None, default_name="a") as s:
            n.default_a = s.name
        with tf.name_scope("nm"):
            n.gv = vs.get_variable("gv", [1], initializer=init.zeros_initializer())
            n.c_nm = _const_name()
        with vs.variable_scope(foo, auxiliary_name_scope=False):
            n.c_no_aux = _const_name()
        with vs.variable_scope("reg", regularizer=lambda w: tf.reduce_sum(w) * 0.5,
                               initializer=init.constant_initializer(2.0), dtype=tf.float64):
            n.r = vs.get_variable("r", [3])
            n.r2 = vs.get_variable("r2", [3], regularizer=vs.no_regularizer)
        n.k_tensor = tf.constant([1.0, 2.0], name="k_init")
        n.k = vs.get_variable("k", initializer=n.k_tensor)
        n.k_list = vs.get_variable("k_list", initializer=[1, 2, 3])
        n.k_scalar = vs.get_variable("k_scalar", initializer=3.0)
        n.k_class = vs.get_variable("k_class", [2], initializer=init.ones_initializer)
        n.k_callable = vs.get_variable(
            "k_callable", [2], initializer=lambda shape, dtype, partition_info: tf.ones(shape) * 3)
        n.k_keras_style = vs.get_variable("k_keras", [2],
                                          initializer=lambda shape, dtype=None: tf.fill(shape, 4.0))
        n.k_no_args = vs.get_variable("k_no_args", initializer=lambda: tf.ones([2]) * 5)
        n.flag = vs.get_variable("flag", [2], dtype=tf.bool)
        n.nt = vs.get_variable("nt", [1], trainable=False)
        n.local = vs.get_variable("lv", [1], collections=[vs.GraphKeys.LOCAL_VARIABLES])
        n.local2 = vs.get_local_variable("lv2", [2], initializer=init.ones_initializer())
        n.plain = vs.Variable(7.0, name="plain", collections=["mine"])
        n.net_extra = vs.get_variable("net_extra", [1])
        n.init = init.global_variables_initializer()
        n.local_init = init.local_variables_initializer()
        n.empty_init = init.variables_initializer([])
        n.is_init = vs.is_variable_initialized(n.v)
    return n


def test_variable_and_op_names_follow_the_scopes_as_tf(built):
    # TF 2.21: variables are named by the variable scope, ops by its name scope,
    # which is made unique on every entry (foo, foo_1, foo_2).
    n = built
    assert n.v.name == "foo/v:0" and n.c_foo == "foo/c:0"
    assert (n.foo.name, n.foo.original_name_scope, n.foo.reuse) == ("foo", "foo/", False)
    assert n.c_reentered == "foo_1/c:0" and n.scope_reentered == ("foo", "foo/")
    assert n.c_foo_2 == "foo_2/c:0"
    assert n.w.name == "foo/w:0" and n.auto_reuse is vs.AUTO_REUSE
    assert n.default_names == [("bar", "bar/"), ("bar_1", "bar_1/")]
    assert n.x.name == "outer/inner/x:0" and n.inner.name == "outer/inner"
    assert n.add_name == "outer/inner/a:0"
    assert n.foo_in_outer == ("foo", "outer/foo/c:0")
    assert n.a_sub == ("a/sub", "a/sub/") and n.a_sub_again == ("a/sub", "a_1/sub/")
    assert n.default_a == "a_1"
    assert n.gv.name == "gv:0" and n.c_nm == "nm/c:0"  # name scopes do not name them
    assert n.c_no_aux == "c:0"
    assert vs.get_variable_scope is not None
    with n.graph.as_default():
        root = vs.get_variable_scope()
        assert (root.name, root.reuse, root.original_name_scope) == ("", False, "")
    assert n.v.op.name == "foo/v" and n.v.op.type == "VarHandleOp" and n.v.graph is n.graph


def test_reuse_semantics_match_tf(built):
    # TF 2.21: reuse=True / AUTO_REUSE return the same variable; a string scope
    # inside a reusing one reuses too (reuse=False cannot turn it off).
    n = built
    assert n.v_reused is n.v and n.v_auto is n.v and n.x_reused is n.x
    assert n.deep_reuse is True
    assert repr(vs.AUTO_REUSE) == "<_ReuseMode.AUTO_REUSE: 1>"
    g = tf.Graph()
    with g.as_default():
        with vs.variable_scope("s") as s:
            s.reuse_variables()
            assert vs.get_variable_scope().reuse is True
        with vs.variable_scope("s"):
            assert vs.get_variable_scope().reuse is False
        with vs.variable_scope("q", reuse=vs.AUTO_REUSE):
            with vs.variable_scope("n"):
                assert vs.get_variable_scope().reuse is vs.AUTO_REUSE
            with vs.variable_scope("m", reuse=True):
                assert vs.get_variable_scope().reuse is True
            first = vs.get_variable("u", [2])
            assert vs.get_variable("u", [2]) is first


def test_get_variable_errors_match_tf(built):
    g = built.graph
    with g.as_default():
        with pytest.raises(ValueError, match=re.escape(
                "Variable foo/v already exists, disallowed. Did you mean to set reuse=True or "
                "reuse=tf.AUTO_REUSE in VarScope?")):
            with vs.variable_scope("foo"):
                vs.get_variable("v", [1])
        with vs.variable_scope("foo", reuse=True):
            with pytest.raises(ValueError, match=re.escape(
                    "Variable foo/nothing does not exist, or was not created with "
                    "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?")):
                vs.get_variable("nothing", [1])
            with pytest.raises(ValueError, match=re.escape(
                    "Trying to share variable foo/v, but specified shape (2,) and found "
                    "shape (1,).")):
                vs.get_variable("v", [2])
            with pytest.raises(ValueError, match=re.escape(
                    "Trying to share variable foo/v, but specified dtype float64 and found "
                    "dtype float32.")):
                vs.get_variable("v", [1], dtype=tf.float64)
        with pytest.raises(ValueError, match="If initializer is a constant, do not specify "
                                             "shape."):
            vs.get_variable("e1", [2], initializer=tf.constant([1.0, 2.0]))
        with pytest.raises(ValueError, match=re.escape(
                "Variable e2 did not get an initializer, so its `shape` argument must be "
                "specified.")):
            vs.get_variable("e2")
        with pytest.raises(ValueError, match="The initializer passed is not valid"):
            vs.get_variable("e3", initializer=init.ones_initializer())
        with pytest.raises(ValueError, match="The initializer passed is not valid"):
            vs.get_variable("e3b", [None, 2])
        with pytest.raises(ValueError, match=re.escape(
                "Initializer type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float32'>' "
                "don't match.")):
            vs.get_variable("e4", initializer=[1, 2], dtype=tf.float32)
        with pytest.raises(ValueError, match=re.escape(
                "An initializer for variable e5 of <dtype: 'complex64'> is required")):
            vs.get_variable("e5", [2], dtype=tf.complex64)
        with pytest.raises(NotImplementedError, match="does not partition variables"):
            vs.get_variable("e6", [4, 2], partitioner=lambda shape, dtype: [2, 1])
        with pytest.raises(ValueError, match="collections argument to Variable constructor "
                                             "must be a list, tuple, or set. Got abc"):
            vs.get_variable("e7", [1], collections="abc")
        with pytest.raises(TypeError, match="`name` must be a string"):
            vs.get_variable(3, [1])
        with pytest.raises(TypeError, match="If default_name is None then name_or_scope is "
                                            "required"):
            vs.variable_scope(None)
        with pytest.raises(TypeError, match="VariableScope: name_or_scope must be a string or "
                                            "VariableScope."):
            vs.variable_scope(3)
        with pytest.raises(ValueError, match="The reuse parameter must be True or False or "
                                             "None."):
            vs.variable_scope("x", reuse="yes")
        with pytest.raises(ValueError, match=re.escape(
                "reuse=True cannot be used without a name_or_scope")):
            vs.variable_scope(None, default_name="z", reuse=True)
        with pytest.raises(TypeError, match="must be a tf.Variable"):
            vs.assign(tf.constant(1.0), 2.0)
        assert vs.get_collection("variables", scope="e[0-9]") == []  # nothing half-made


def test_initializer_kinds_and_initial_values_as_tf(built):
    # TF 2.21: initializer ops live under <variable>/Initializer/; a tensor
    # initializer is the initial value itself; defaults glorot_uniform / zeros.
    n = built
    assert n.v.initial_value.name == "foo/v/Initializer/ones:0"
    assert n.w.initial_value.name == "foo/w/Initializer/random_uniform:0"
    assert n.x.initial_value.name == "outer/inner/x/Initializer/zeros:0"
    assert n.flag.initial_value.name == "flag/Initializer/zeros:0"
    assert n.k.initial_value is n.k_tensor and n.k.shape == [2]
    assert n.k_list.dtype is tf.int32 and n.k_list.shape == [3]
    assert n.k_scalar.initial_value.name == "k_scalar/Initializer/initial_value:0"
    assert n.k_scalar.shape == []
    assert n.k_class.initial_value.name == "k_class/Initializer/ones:0"
    assert n.k_callable.initial_value.name == "k_callable/Initializer/mul:0"
    assert n.r.dtype is tf.float64 and n.r.initial_value.name == "reg/r/Initializer/Const:0"
    assert n.v.initializer.name == "foo/v/Assign" and n.v.initializer.type == "AssignVariableOp"


def test_collections_in_creation_order_and_scope_regex_as_tf(built):
    n = built
    g = n.graph
    with g.as_default():
        names = [v.name for v in vs.global_variables()]
        assert names[:4] == ["foo/v:0", "foo/w:0", "outer/inner/x:0", "gv:0"]
        assert vs.all_variables() == vs.global_variables()
        # TF: the scope is a regular expression matched from the start of the name.
        assert vs.trainable_variables(scope="foo") == [n.v, n.w]
        assert vs.global_variables(scope="k_") == [n.k_list, n.k_scalar, n.k_class,
                                                   n.k_callable, n.k_keras_style, n.k_no_args]
        assert vs.global_variables(scope="k$") == []
        assert vs.global_variables(scope=".*inner") == [n.x]
        assert vs.global_variables(scope="n") == [n.nt, n.net_extra]
        assert vs.global_variables(scope="ne") == [n.net_extra]
        assert n.nt not in vs.trainable_variables() and not n.nt.trainable
        # collections=[LOCAL_VARIABLES]: not global; trainable, as TF.
        assert n.local in vs.local_variables() and n.local not in vs.global_variables()
        assert n.local in vs.trainable_variables()
        assert vs.local_variables() == [n.local, n.local2] and not n.local2.trainable
        assert vs.get_collection("mine") == [n.plain] and n.plain in vs.trainable_variables()
        assert n.plain not in vs.global_variables() and isinstance(n.plain, tf.Variable)
        losses = vs.get_collection(vs.GraphKeys.REGULARIZATION_LOSSES)
        assert [t.name for t in losses] == ["reg/r/Regularizer/mul:0"]
        vs.add_to_collection("extra", 1)
        vs.add_to_collections(["extra", "other", "other"], 2)
        vs.add_to_collections("third", 3)
        vs.get_collection_ref("extra").append(4)
        assert vs.get_collection("extra") == [1, 2, 4] and vs.get_collection("other") == [2]
        assert vs.get_collection("third") == [3] and vs.get_collection("none") == []
        assert vs.get_collection("extra", scope="x") == []  # items without names are skipped
        assert {"variables", "trainable_variables", "local_variables", "regularization_losses",
                "extra", "other", "third"} <= set(g.get_all_collection_keys())
        assert vs.model_variables() == [] and vs.moving_average_variables() == []
        # VariableScope's own lists take the items under `<name>/`, as TF.
        assert n.foo.global_variables() == [n.v, n.w] == n.foo.trainable_variables()
        assert n.inner.global_variables() == [n.x] and n.foo.local_variables() == []
        assert vs.get_variable_scope().global_variables() == vs.global_variables()


def test_graph_keys_are_tf_strings():
    k = vs.GraphKeys
    assert (k.GLOBAL_VARIABLES, k.TRAINABLE_VARIABLES, k.LOCAL_VARIABLES, k.MODEL_VARIABLES,
            k.UPDATE_OPS, k.LOSSES, k.REGULARIZATION_LOSSES, k.GLOBAL_STEP, k.SUMMARIES,
            k.QUEUE_RUNNERS, k.SAVEABLE_OBJECTS, k.TRAIN_OP, k.INIT_OP, k.LOCAL_INIT_OP,
            k.TABLE_INITIALIZERS, k.VARIABLES) == (
        "variables", "trainable_variables", "local_variables", "model_variables", "update_ops",
        "losses", "regularization_losses", "global_step", "summaries", "queue_runners",
        "saveable_objects", "train_op", "init_op", "local_init_op", "table_initializer",
        "variables")


def test_init_ops_and_session_values(built):
    # TF 2.21: global_variables_initializer is a NoOp `init` waiting on every
    # initializer; an empty list gives a bare NoOp; values as numpy computes them.
    n = built
    assert (n.init.name, n.init.type) == ("init", "NoOp")
    assert len(n.init.control_inputs) == len(n.graph.get_collection("variables"))
    assert (n.local_init.name, n.local_init.type) == ("init_1", "NoOp")
    assert [op.name for op in n.local_init.control_inputs] == ["lv/Assign", "lv2/Assign"]
    assert (n.empty_init.name, n.empty_init.type, n.empty_init.control_inputs) == (
        "init_2", "NoOp", [])
    with n.graph.as_default(), Session() as sess:
        with pytest.raises(FailedPreconditionError):
            sess.run(n.v)
        sess.run([n.init, n.local_init, n.plain.initializer])  # "mine" is in no init op
        values = sess.run([n.v, n.w, n.x, n.gv, n.r, n.r2, n.k, n.k_list, n.k_scalar,
                           n.k_class, n.k_callable, n.k_keras_style, n.k_no_args, n.flag,
                           n.local2, n.plain, vs.get_collection("regularization_losses")[0]])
        (v, w, x, gv, r, r2, k, k_list, k_scalar, k_class, k_callable, k_keras, k_no_args,
         flag, local2, plain, loss) = values
        np.testing.assert_array_equal(v, [1.0])
        limit = np.sqrt(6.0 / (2 + 3))  # glorot_uniform, TF's default for floats
        assert w.shape == (2, 3) and np.all(np.abs(w) <= limit) and w.dtype == np.float32
        np.testing.assert_array_equal(x, [0, 0, 0])
        np.testing.assert_array_equal(gv, [0.0])
        np.testing.assert_array_equal(r, [2.0, 2.0, 2.0])
        assert r.dtype == np.float64 and r2.dtype == np.float64
        np.testing.assert_array_equal(k, [1.0, 2.0])
        np.testing.assert_array_equal(k_list, [1, 2, 3])
        assert k_scalar == 3.0
        np.testing.assert_array_equal(k_class, [1.0, 1.0])
        np.testing.assert_array_equal(k_callable, [3.0, 3.0])
        np.testing.assert_array_equal(k_keras, [4.0, 4.0])
        np.testing.assert_array_equal(k_no_args, [5.0, 5.0])
        np.testing.assert_array_equal(flag, [False, False])
        np.testing.assert_array_equal(local2, [1.0, 1.0])
        assert plain == 7.0 and loss == pytest.approx(3.0)
        # Variable.eval / load (TF-1: runs the initializer with the value fed).
        np.testing.assert_array_equal(n.v.eval(), [1.0])
        n.v.load([5.0])
        np.testing.assert_array_equal(n.v.eval(session=sess), [5.0])
        with n.graph.as_default():
            assigned = vs.assign(n.v, [6.0])
            added = vs.assign_add(n.v, [1.0])
            subbed = vs.assign_sub(n.v, [3.0])
        assert sess.run(assigned) == [6.0]
        assert sess.run(added) == [7.0] and sess.run(subbed) == [4.0]
        np.testing.assert_array_equal(n.v.eval(), [4.0])
        sess.run(n.init)  # re-initializing restores the initial values
        np.testing.assert_array_equal(n.v.eval(), [1.0])
        # TF-1's scatter functions: [0, 0, 0] -> rows set, added, subtracted.
        with n.graph.as_default():
            scattered = [vs.scatter_update(n.x, [0, 2], [10, 30]),
                         vs.scatter_add(n.x, [1], [5]), vs.scatter_sub(n.x, 1, 1)]
        assert [sess.run(t).tolist() for t in scattered] == [[10, 0, 30], [10, 5, 30],
                                                             [10, 4, 30]]
    with pytest.raises(ValueError, match="Either session argument should be provided or "
                                         "default session should be established"):
        n.v.load([1.0])


def test_is_variable_initialized_builds_tfs_op(built):
    # TF 2.21: a scalar bool VarIsInitializedOp; eagerly a tensor (True).
    t = built.is_init
    assert (t.op.type, t.name, t.dtype, t.shape) == ("VarIsInitializedOp", "VarIsInitializedOp:0",
                                                     tf.bool, [])
    assert t.op.get_attr("variable") is built.v
    assert bool(vs.is_variable_initialized(tf.Variable(1.0))) is True


def test_initialization_as_each_session_sees_it():
    # TF 2.21: is_variable_initialized and report_uninitialized_variables answer for the
    # session that runs them (its own state); the report is a 1-D string tensor of names,
    # [b'a' b'b'] -> [b'b'] -> [] as the variables are initialized.
    g = tf.Graph()
    with g.as_default():
        a = vs.get_variable("a", [2])
        b = vs.Variable(1.0, name="b")
        report = vs.report_uninitialized_variables()
        a_ok = vs.is_variable_initialized(a)
        init_all = tf.compat.v1.global_variables_initializer()
    assert (report.dtype, report.shape.as_list()) == (tf.string, [None])
    first, second = Session(graph=g), Session(graph=g)
    assert first.run(report).tolist() == [b"a", b"b"] and not first.run(a_ok)
    first.run(a.initializer)
    names, a_done = first.run([report, a_ok])
    assert names.tolist() == [b"b"] and a_done
    first.run(init_all)
    assert first.run(report).tolist() == [] and first.run(a_ok)
    assert second.run(report).tolist() == [b"a", b"b"]  # the other session's state
    assert vs.report_uninitialized_variables([tf.Variable(1.0)]).numpy().tolist() == []


def test_eager_get_variable_makes_a_new_variable_every_call_as_tf2():
    # TF 2.21 eagerly: no variable store; names still take the variable scope.
    with vs.variable_scope("es") as scope:
        a = vs.get_variable("ev", [2], initializer=init.constant_initializer(2.0))
        b = vs.get_variable("ev", [2])
        assert (scope.name, scope.original_name_scope) == ("es", "es/")
    assert a is not b and a.name == b.name == "es/ev:0"
    np.testing.assert_array_equal(a.numpy(), [2.0, 2.0])
    with vs.variable_scope(None, default_name="eager_bar") as s1, \
            vs.variable_scope(None, default_name="eager_bar") as s2:
        assert (s1.name, s2.name) == ("eager_bar", "eager_bar/eager_bar")
    assert init.global_variables_initializer() is None
    assert init.variables_initializer([a]) is None
    np.testing.assert_array_equal(vs.assign_add(a, [1.0, 1.0]).numpy(), [3.0, 3.0])


def test_custom_getters_wrap_the_getter_as_tf():
    # TF 2.21: the argument's getter is outermost and gets the full name and keywords.
    seen = []

    def scope_getter(getter, name, *args, **kwargs):
        seen.append(("scope", name))
        return getter(name + "_s", *args, **kwargs)

    def arg_getter(getter, name, *args, **kwargs):
        seen.append(("arg", name, kwargs["shape"]))
        return getter(name, *args, **kwargs)

    with tf.Graph().as_default():
        with vs.variable_scope("cs", custom_getter=scope_getter):
            z = vs.get_variable("z", [1], custom_getter=arg_getter)
    assert z.name == "cs/z_s:0" and seen == [("arg", "cs/z", [1]), ("scope", "cs/z")]


# ---------------------------------------------------------------------------
# Initializers.

def _fan_std(shape, mode):
    fan_in, fan_out = shape[-2] * np.prod(shape[:-2]), shape[-1] * np.prod(shape[:-2])
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]


def test_random_initializers_moments_and_bounds():
    # TF 2.21's formulas: variance_scaling draws variance scale/fan; 'truncated_normal'
    # is a normal cut at 2 stddev, rescaled by 0.8796...; 'uniform' is +-sqrt(3 scale/fan).
    shape = (200, 100, 3)  # a conv-like shape: fans count the receptive field
    cases = {
        "normal": (init.random_normal_initializer(mean=1.0, stddev=2.0, seed=1),
                   (60000,), 1.0, 2.0, None),
        "truncated": (init.truncated_normal_initializer(mean=-1.0, stddev=0.5, seed=2),
                      (60000,), -1.0, 0.5 * 0.87962566, 1.0),
        "uniform": (init.random_uniform_initializer(-3.0, 1.0, seed=3), (60000,), -1.0,
                    4.0 / np.sqrt(12), None),
        "glorot_uniform": (init.glorot_uniform_initializer(seed=4), (300, 200), 0.0,
                           np.sqrt(2.0 / 500), None),
        "glorot_normal": (init.glorot_normal_initializer(seed=5), (300, 200), 0.0,
                          np.sqrt(2.0 / 500), None),
    }
    for i, (mode, dist) in enumerate([("fan_in", "truncated_normal"),
                                      ("fan_out", "untruncated_normal"),
                                      ("fan_avg", "uniform"), ("fan_in", "normal")]):
        std = np.sqrt(2.0 / _fan_std(shape, mode))
        cases[f"vs_{mode}_{dist}"] = (
            init.variance_scaling_initializer(2.0, mode, dist, seed=10 + i), shape, 0.0, std,
            None)
    g = tf.Graph()
    with g.as_default():
        tensors = {key: initializer(s) for key, (initializer, s, *_) in cases.items()}
        again = init.random_normal_initializer(mean=1.0, stddev=2.0, seed=1)([5])
        same_seed = init.random_normal_initializer(mean=1.0, stddev=2.0, seed=1)([5])
        int_uniform = init.random_uniform_initializer(0, 10)([1000], dtype=tf.int32)
        with Session() as sess:
            values, a, b, ints = sess.run([tensors, again, same_seed, int_uniform])
    for key, (_, s, mean, std, bound) in cases.items():
        x = values[key]
        assert x.shape == s and x.dtype == np.float32, key
        assert abs(x.mean() - mean) < 0.05 * max(std, 1.0), key
        assert x.std() == pytest.approx(std, rel=0.03), key
        if bound is not None:
            assert np.all(np.abs(x - mean) <= bound + 1e-6), key
    assert np.all(np.abs(values["uniform"] + 1.0) <= 2.0)
    limit = np.sqrt(6.0 / 500)
    assert np.abs(values["glorot_uniform"]).max() <= limit
    assert np.abs(values["vs_fan_in_truncated_normal"]).max() <= 2 * np.sqrt(
        2.0 / _fan_std(shape, "fan_in")) / 0.87962566 + 1e-6
    np.testing.assert_array_equal(a, b)  # the same op seed gives the same numbers, as TF
    assert ints.dtype == np.int32 and ints.min() >= 0 and ints.max() <= 9


def test_deterministic_initializers_values_as_tf():
    # TF 2.21: TF-1's constant pads a short list with its last element.
    g = tf.Graph()
    with g.as_default():
        tensors = [init.zeros_initializer()([2, 3]), init.ones_initializer()([2], tf.int32),
                   init.constant_initializer(3)([2]),
                   init.constant_initializer([1, 2])([2, 3]),
                   init.constant_initializer([1, 2, 3, 4], dtype=tf.float64)([2, 2]),
                   init.ones_initializer(dtype=tf.bool)([2]),
                   init.orthogonal_initializer(gain=2.0, seed=1)([3, 5]),
                   init.orthogonal_initializer(seed=2)([5, 3]),
                   init.orthogonal_initializer(seed=3)([4, 2, 3])]
        names = [t.name for t in tensors[:4]]
        with Session() as sess:
            (zeros, ones, three, padded, full, bools, wide, tall, conv) = sess.run(tensors)
    assert names == ["zeros:0", "ones:0", "Const:0", "Const_1:0"]
    np.testing.assert_array_equal(zeros, np.zeros((2, 3), np.float32))
    assert ones.dtype == np.int32 and list(ones) == [1, 1]
    np.testing.assert_array_equal(three, [3.0, 3.0])
    np.testing.assert_array_equal(padded, [[1, 2, 2], [2, 2, 2]])
    assert full.dtype == np.float64 and full.tolist() == [[1, 2], [3, 4]]
    assert bools.tolist() == [True, True]
    np.testing.assert_allclose(wide @ wide.T, 4.0 * np.eye(3), atol=1e-5)
    np.testing.assert_allclose(tall.T @ tall, np.eye(3), atol=1e-5)
    flat = conv.reshape(-1, 3)
    assert conv.shape == (4, 2, 3)
    np.testing.assert_allclose(flat.T @ flat, np.eye(3), atol=1e-5)


def test_initializer_errors_and_configs_match_tf():
    with pytest.raises(ValueError, match=re.escape(
            "Argument `scale` must be a positive float. Received: -1.0")):
        init.variance_scaling_initializer(scale=-1.0)
    with pytest.raises(ValueError, match=re.escape(
            "Argument `mode` should be one of ('fan_in', 'fan_out', 'fan_avg'). Received: x")):
        init.variance_scaling_initializer(mode="x")
    with pytest.raises(ValueError, match=re.escape(
            "Argument `distribution` should be one of ('normal', uniform', 'truncated_normal', "
            "'untruncated_normal'). Received: x")):
        init.variance_scaling_initializer(distribution="x")
    for make in (init.random_normal_initializer, init.truncated_normal_initializer,
                 init.variance_scaling_initializer, init.orthogonal_initializer):
        with pytest.raises(ValueError, match=re.escape(
                "Argument `dtype` is expected to be floating point. Received: "
                "<dtype: 'int32'>.")):
            make(dtype=tf.int32)
    with pytest.raises(ValueError, match=re.escape(
            "The tensor to initialize, specified by argument `shape` must be at least "
            "two-dimensional. Received shape=[2]")):
        init.orthogonal_initializer()([2])
    with pytest.raises(ValueError, match="Too many elements provided. Takes at most 2, but got "
                                         "3."):
        init.constant_initializer([1, 2, 3])([2])
    with pytest.raises(TypeError, match=re.escape("Expected Tensor's shape: (2,), but got ().")):
        init.constant_initializer(2, verify_shape=True)([2])
    with pytest.raises(TypeError, match="Invalid type for initial value"):
        init.constant_initializer(tf.constant(1.0))
    assert init.glorot_uniform_initializer().get_config() == {"seed": None, "dtype": "float32"}
    assert init.random_normal_initializer().get_config() == {
        "mean": 0.0, "stddev": 1.0, "seed": None, "dtype": "float32"}
    assert init.variance_scaling_initializer(mode="fan_avg").get_config() == {
        "scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal", "seed": None,
        "dtype": "float32"}
    restored = init.random_uniform_initializer.from_config(
        init.random_uniform_initializer(1.0, 2.0, seed=3).get_config())
    assert (restored.minval, restored.maxval, restored.seed) == (1.0, 2.0, 3)
    space = init.INITIALIZERS_NAMESPACE
    assert space["zeros"] is init.zeros_initializer and space["orthogonal"] is init.Orthogonal
    assert space["global_variables"] is init.global_variables_initializer
    he = space["he_normal"](seed=1)
    assert (he.scale, he.mode, he.distribution) == (2.0, "fan_in", "truncated_normal")
    assert init.initialize_all_variables is init.global_variables_initializer


def test_module_exports_are_tf_names():
    for module in (vs, init):
        for name in module.__all__:
            assert hasattr(module, name), name
    assert "get_regularization_loss" not in vs.__all__  # TF keeps it in compat.v1.losses
