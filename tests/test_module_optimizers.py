"""tf.Module and tf.keras.optimizers (SGD, Adam, RMSprop, Adagrad), checked against TF 2.21.

Every expected value below was produced by TensorFlow 2.21 with Keras 3.15
(the scripts are in `TF_REFERENCE_SCRIPT` at the end; run
`python tests/test_module_optimizers.py /path/to/python-with-tensorflow` to re-run
them and compare). Float32 results are
hard-coded as the shortest decimal that gives the same float32.

Eagerly (on CPU) our updates match TF's bit for bit. Inside tf.function, XLA
may fuse a multiply and an add (one rounding instead of two), so compiled
results are allowed a few float32 ulps; TF's own tf.function differs from TF
eager by up to 1 ulp on the same steps.
"""

import collections
import json
import os
import subprocess
import warnings

import jax
import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax.optimizers import rules

ko = tf.keras.optimizers

# Ulps allowed for eager results: none on CPU, where XLA's kernels round as TF's do;
# an accelerator's pow, sqrt and division may round differently.
EAGER_ULPS = 0 if jax.default_backend() == "cpu" else 4
# In tf.function XLA may fuse a multiply and an add (one rounding instead of two).
COMPILED_ULPS = 4


def _ulps(got, want):
    """The largest distance in float32 units in the last place."""
    got = np.asarray(got, np.float32)
    want = np.asarray(want, np.float32)
    assert got.shape == want.shape, (got.shape, want.shape)
    a = got.view(np.int32).astype(np.int64)
    b = want.view(np.int32).astype(np.int64)
    # Map the sign-magnitude bit patterns onto a line where adjacent floats differ by 1.
    a = np.where(a < 0, -(a & 0x7FFFFFFF), a)
    b = np.where(b < 0, -(b & 0x7FFFFFFF), b)
    return int(np.max(np.abs(a - b))) if a.size else 0


def _assert_ulps(got, want, max_ulps, what=""):
    ulps = _ulps(got, want)
    assert ulps <= max_ulps, f"{what}: {ulps} ulps apart\n got {np.asarray(got)}\nwant {want}"


def _short_name(variable):
    """A variable's name without its scopes and ':0' (TF's Keras reports `v.path`)."""
    return variable.name.split("/")[-1].split(":")[0]


# ===========================================================================
# tf.Module

_NT = collections.namedtuple("NT", ["q", "p"])


class Leaf(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.w = tf.Variable(1.0, name="w")
            self.b = tf.Variable(0.0, name="b", trainable=False)


class MLPBlock(tf.Module):
    def __init__(self):
        super().__init__()
        self.z = tf.Variable(3.0, name="z")
        self.a = tf.Variable(4.0, name="a")
        self.layers = [Leaf("l0"), tf.Variable(5.0, name="inlist")]
        self.d = {"y": tf.Variable(6.0, name="dy"), "b": tf.Variable(7.0, name="db"),
                  "m": Leaf("dm")}
        self.t = (tf.Variable(8.0, name="t0"), {"k": tf.Variable(9.0, name="tk")})
        self.again = self.a  # the same variable twice: reported once
        self.nt = _NT(tf.Variable(10.0, name="ntq"), tf.Variable(11.0, name="ntp"))
        self.od = collections.OrderedDict(
            [("zz", tf.Variable(12.0, name="odz")), ("aa", tf.Variable(13.0, name="oda"))])
        self.s = {tf.Variable(14.0, name="inset").ref()}  # sets are leaves: not searched
        self.none = None
        self.sub = Leaf()


def test_module_variables_in_tf_order():
    m = MLPBlock()
    assert (m.name, m.name_scope.name) == ("mlp_block", "mlp_block/")
    # TF: own variables by sorted attribute name (lists in order, dicts and OrderedDicts
    # by sorted key, namedtuples by field order), each once; then the submodules'.
    assert [v.name for v in m.variables] == [
        "a:0", "db:0", "dy:0", "inlist:0", "ntq:0", "ntp:0", "oda:0", "odz:0", "t0:0", "tk:0",
        "z:0", "dm/b:0", "dm/w:0", "l0/b:0", "l0/w:0", "leaf/b:0", "leaf/w:0"]
    assert [v.name for v in m.trainable_variables] == [
        "a:0", "db:0", "dy:0", "inlist:0", "ntq:0", "ntp:0", "oda:0", "odz:0", "t0:0", "tk:0",
        "z:0", "dm/w:0", "l0/w:0", "leaf/w:0"]
    assert [v.name for v in m.non_trainable_variables] == ["dm/b:0", "l0/b:0", "leaf/b:0"]
    assert [s.name for s in m.submodules] == ["dm", "l0", "leaf"]
    assert isinstance(m.variables, tuple) and isinstance(m.submodules, tuple)


def test_module_flatten_paths_and_options():
    m = MLPBlock()
    is_var = lambda v: isinstance(v, tf.Variable)  # noqa: E731
    # TF: with_path does not de-duplicate (`again` is the same variable as `a`).
    assert [p for p, _ in m._flatten(with_path=True, predicate=is_var)] == [
        ("a",), ("again",), ("d", "b"), ("d", "y"), ("layers", 1), ("nt", "q"), ("nt", "p"),
        ("od", "aa"), ("od", "zz"), ("t", 0), ("t", 1, "k"), ("z",), ("d", "m", "b"),
        ("d", "m", "w"), ("layers", 0, "b"), ("layers", 0, "w"), ("sub", "b"), ("sub", "w")]
    assert [v.name for v in m._flatten(recursive=False, predicate=is_var)] == [
        "a:0", "db:0", "dy:0", "inlist:0", "ntq:0", "ntp:0", "oda:0", "odz:0", "t0:0", "tk:0",
        "z:0"]
    backwards = m._flatten(predicate=is_var, recursive=False,
                           attribute_traversal_key=lambda k: [-ord(c) for c in k])
    assert [v.name for v in backwards][:3] == ["z:0", "t0:0", "tk:0"]

    s = tf.Module(name="s")
    s.slices = tf.IndexedSlices(tf.constant([[1.0]]), tf.constant([0]), tf.constant([2, 1]))
    s.v = tf.Variable(1.0, name="v")
    # TF's expand_composites: an IndexedSlices becomes its three component tensors.
    paths = [p for p, _ in s._flatten(with_path=True, expand_composites=True,
                                      predicate=lambda x: not isinstance(x, str))]
    assert paths[-4:] == [("slices", "IndexedSlices", 0), ("slices", "IndexedSlices", 1),
                          ("slices", "IndexedSlices", 2), ("v",)]


def test_module_ignores_class_attributes_and_properties():
    class Props(tf.Module):
        cls_var = tf.Variable(1.0, name="cls")

        @property
        def p(self):
            return tf.Variable(2.0)

    assert Props().variables == ()  # TF: only instance attributes (vars(module)) are walked


def test_submodules_walk_order_and_cycles():
    a, b, c, e, d, f = (tf.Module(name=n) for n in ["A", "b", "c", "e", "d", "f"])
    a.b, b.c, c.e, a.d, d.f = b, c, e, d, f
    # TF 2.21: a module's own submodules first, then each one's subtree in turn (b, d,
    # then b's c and c's e, then d's f) -- not level by level (that would put f before e).
    assert [x.name for x in a.submodules] == ["b", "d", "c", "e", "f"]
    b.back = a  # a cycle: cut where the walk meets a module it is inside
    assert [x.name for x in a.submodules] == ["b", "d", "c", "e", "f"]
    assert [x.name for x in b.submodules] == ["A", "c", "d", "f", "e"]


@pytest.mark.parametrize("cls, name", [
    ("MyModule", "my_module"), ("MLPBlock", "mlp_block"), ("HTTPServer2", "http_server2"),
    ("ABC", "abc"), ("A1B", "a1_b"), ("already_snake", "already_snake"),
    ("Dense3D", "dense3_d"), ("myHTTP", "my_http"), ("_Private", "__private"), ("X", "x")])
def test_module_default_names(cls, name):
    assert type(cls, (tf.Module,), {})().name == name  # TF 2.21's camel_to_snake


@pytest.mark.parametrize("bad", ["1abc", "a-b", "", "a b", "a/b", "ümlaut"])
def test_module_name_validation(bad):
    with pytest.raises(ValueError) as e:
        tf.Module(name=bad)
    assert str(e.value) == (f"{bad!r} is not a valid module name. Module names must be valid "
                            "Python identifiers (e.g. a valid class name).")


def test_module_name_must_be_a_string():
    with pytest.raises(TypeError, match="expected string or bytes-like object, got 'int'"):
        tf.Module(name=3)


class Net(tf.Module):
    def __init__(self):
        super().__init__()
        with self.name_scope:
            self.inner = Leaf("inner")

    @tf.Module.with_name_scope
    def __call__(self, x):
        """doc"""
        if not hasattr(self, "v"):
            self.v = tf.Variable(2.0, name="v")
        return self.helper(x) * self.v

    @tf.Module.with_name_scope
    def helper(self, x):
        if not hasattr(self, "h"):
            self.h = tf.Variable(3.0, name="h")
        return x


def test_module_name_scope_eagerly():
    with tf.name_scope("outer"):
        o = Leaf("mod")
    # TF: the scope is fixed when the module is made ...
    assert (o.name, o.name_scope.name, o.w.name) == ("mod", "outer/mod/", "outer/mod/w:0")
    # ... and entering it later, inside another scope, gives the same absolute scope.
    with tf.name_scope("elsewhere"):
        with o.name_scope as scope:
            assert scope == "outer/mod/"
            assert tf.Variable(1.0, name="q").name == "outer/mod/q:0"
    assert o.name_scope is o.name_scope
    # Eagerly TF does not make scopes unique: a second module "mod" shares "mod/".
    assert (Leaf("mod").w.name, Leaf("mod").w.name) == ("mod/w:0", "mod/w:0")


def test_with_name_scope_nests():
    n = Net()
    assert float(n(tf.constant(1.0))) == 2.0
    # TF: the nested decorated call re-enters the same scope.
    assert [v.name for v in n.variables] == ["net/h:0", "net/v:0", "net/inner/b:0",
                                             "net/inner/w:0"]
    assert (Net.__call__.__name__, Net.__call__.__doc__) == ("__call__", "doc")
    assert tf.Variable(1.0, name="after").name == "after:0"  # every scope was left


def test_module_name_scope_in_graphs():
    g = tf.Graph()
    with g.as_default():
        first, second = Leaf("gm"), Leaf("gm")
        # TF: in a graph the module's scope is made unique, as any graph scope.
        assert (first.name_scope.name, second.name_scope.name) == ("gm/", "gm_1/")
        assert (first.w.name, second.w.name) == ("gm/w:0", "gm_1/w:0")
        with second.name_scope:
            assert tf.constant(1.0, name="c").name == "gm_1/c:0"
    seen = []

    @tf.function
    def fn():
        mm, mm2 = tf.Module(name="fm"), tf.Module(name="fm")
        with mm2.name_scope:
            seen.append((mm.name_scope.name, mm2.name_scope.name, tf.constant(1.0).name))
        return 0

    fn()
    assert seen == [("fm/", "fm_1/", "fm_1/Const:0")]


def test_module_flatten_error_names_the_property():
    class Bad(tf.Module):
        def __init__(self):
            super().__init__()
            self.x = {1: tf.Variable(1.0), "a": 2}

    with pytest.raises(ValueError, match="Error processing property 'x' of ") as e:
        Bad().variables
    assert isinstance(e.value.__cause__, TypeError)  # TF chains the sorting error


# ===========================================================================
# Optimizers against TF 2.21: three steps of fixed gradients on two variables.

W0 = [1.0, -2.0, 3.0]
B0 = [[0.5, -0.5], [1.5, 2.5]]


def _dense_grads(k):
    gw = np.array([0.1, -0.2, 0.0], np.float32) + k * np.array([0.3, 0.05, -0.4], np.float32)
    gb = np.array([[1.0, -0.5], [0.25, 2.0]], np.float32) * np.float32(1 + 0.5 * k)
    return gw.astype(np.float32), gb.astype(np.float32)


# TF 2.21's numbers (TF_REFERENCE_SCRIPT): variables and slots after three steps.
TF_DENSE = {
    'sgd': {
        'w': [0.988, -1.9955, 3.0119998],
        'b': [[0.455, -0.47750002], [1.48875, 2.41]],
        'iteration': 3,
        'learning_rate': 0.01,
    },
    'sgd_momentum': {
        'w': [0.8269, -1.9073, 3.156],
        'b': [[-0.256, -0.12199998], [1.311, 0.9879999]],
        'iteration': 3,
        'learning_rate': 0.1,
        'w_0_momentum': [-0.11410001, 0.0397, 0.11600001],
        'b_0_momentum': [[-0.416, 0.208], [-0.104, -0.832]],
    },
    'sgd_nesterov': {
        'w': [0.72421, -1.87157, 3.2604],
        'b': [[-0.6304, 0.0652], [1.2174, 0.23919988]],
        'iteration': 3,
        'learning_rate': 0.1,
        'w_0_momentum': [-0.11410001, 0.0397, 0.11600001],
        'b_0_momentum': [[-0.416, 0.208], [-0.104, -0.832]],
    },
    'adam': {
        'w': [0.9972184, -1.997075, 3.0015726],
        'b': [[0.49702197, -0.49702197], [1.497022, 2.497022]],
        'iteration': 3,
        'learning_rate': 0.001,
        'w_0_momentum': [0.11410001, -0.039700005, -0.116],
        'w_0_velocity': [0.0006598201, 7.2397546e-05, 0.0007998401],
        'b_0_momentum': [[0.416, -0.208], [0.104, 0.832]],
        'b_0_velocity': [[0.0072457516, 0.0018114379], [0.00045285947, 0.028983006]],
    },
    'adam_amsgrad': {
        'w': [0.7267654, -1.7224098, 3.164012],
        'b': [[0.2007523, -0.20264234], [1.2063403, 2.1997964]],
        'iteration': 3,
        'learning_rate': 0.1,
        'w_0_momentum': [0.2168, -0.0696, -0.224],
        'w_0_velocity': [0.0065820105, 0.00071479, 0.007984],
        'b_0_momentum': [[0.768, -0.384], [0.192, 1.536]],
        'b_0_velocity': [[0.07207599, 0.018018998], [0.0045047496, 0.28830397]],
        'w_0_velocity_hat': [0.0065820105, 0.00071479, 0.007984],
        'b_0_velocity_hat': [[0.07207599, 0.018018998], [0.0045047496, 0.28830397]],
    },
    'rmsprop': {
        'w': [0.9909985, -1.9936132, 3.0060196],
        'b': [[0.49174598, -0.49174598], [1.4917461, 2.4917457]],
        'iteration': 3,
        'learning_rate': 0.001,
        'w_0_velocity': [0.064210005, 0.0062650004, 0.0784],
        'b_0_velocity': [[0.6835, 0.170875], [0.04271875, 2.734]],
    },
    'rmsprop_centered_momentum': {
        'w': [0.8927441, -1.9164193, 3.0623758],
        'b': [[0.39666727, -0.3966673], [1.3966676, 2.3966672]],
        'iteration': 3,
        'learning_rate': 0.01,
        'w_0_velocity': [0.124880016, 0.010720001, 0.1536],
        'b_0_velocity': [[1.288, 0.322], [0.0805, 5.152]],
        'w_0_momentum': [0.044141337, -0.02822398, -0.037375893],
        'b_0_momentum': [[0.0420681, -0.042068087], [0.042068027, 0.042068105]],
        'w_0_average_gradient': [0.21680003, -0.0696, -0.224],
        'b_0_average_gradient': [[0.768, -0.384], [0.192, 1.536]],
    },
    'rmsprop_centered': {
        'w': [0.90251076, -1.9303247, 3.0647254],
        'b': [[0.40910769, -0.40910774], [1.409108, 2.4091077]],
        'iteration': 3,
        'learning_rate': 0.01,
        'w_0_velocity': [0.064210005, 0.0062650004, 0.0784],
        'b_0_velocity': [[0.6835, 0.170875], [0.04271875, 2.734]],
        'w_0_average_gradient': [0.11410001, -0.0397, -0.11600001],
        'b_0_average_gradient': [[0.416, -0.208], [0.104, 0.832]],
    },
    'adagrad': {
        'w': [0.99812573, -1.9988526, 3.0016277],
        'b': [[0.4974893, -0.4976466], [1.4980264, 2.4974418]],
        'iteration': 3,
        'learning_rate': 0.001,
        'w_0_accumulator': [0.7600001, 0.1725, 0.9000001],
        'b_0_accumulator': [[7.35, 1.9125], [0.553125, 29.1]],
    },
    'adagrad_custom': {
        'w': [0.8722142, -1.9396216, 3.119337],
        'b': [[0.2690907, -0.3111176], [1.3708189, 2.2504382]],
        'iteration': 3,
        'learning_rate': 0.1,
        'w_0_accumulator': [1.1600001, 0.5725, 1.3000001],
        'b_0_accumulator': [[7.75, 2.3125], [0.953125, 29.5]],
    },
    'adam_schedule': {
        'w': [0.79260445, -1.7833986, 3.0940459],
        'b': [[0.28057903, -0.28057957], [1.2805805, 2.2805786]],
        'iteration': 3,
        'w_0_momentum': [0.11410001, -0.039700005, -0.116],
        'w_0_velocity': [0.0006598201, 7.2397546e-05, 0.0007998401],
        'b_0_momentum': [[0.416, -0.208], [0.104, 0.832]],
        'b_0_velocity': [[0.0072457516, 0.0018114379], [0.00045285947, 0.028983006]],
    },
    'sgd_staircase': {
        'w': [0.8875, -1.9375, 3.1],
        'b': [[0.0, -0.25], [1.3750001, 1.5]],
        'iteration': 3,
        'w_0_momentum': [-0.057500005, 0.017500002, 0.060000002],
        'b_0_momentum': [[-0.2, 0.1], [-0.05, -0.4]],
    },
    'sgd_callable': {
        'w': [0.94, -1.9775, 3.06],
        'b': [[0.275, -0.3875], [1.44375, 2.05]],
        'iteration': 3,
    },
    'sgd_weight_decay_clipnorm': {
        'w': [0.8938849, -1.9036258, 2.982193],
        'b': [[0.420719, -0.45293424], [1.4393407, 2.2968867]],
        'iteration': 3,
        'learning_rate': 0.1,
    },
    'adam_global_clipnorm': {
        'w': [0.7115329, -1.7229596, 3.1595342],
        'b': [[0.20010787, -0.20010951], [1.2001128, 2.200107]],
        'iteration': 3,
        'learning_rate': 0.1,
        'w_0_momentum': [0.028557967, -0.012959042, -0.027173474],
        'w_0_velocity': [3.6745598e-05, 9.719014e-06, 4.1583942e-05],
        'b_0_momentum': [[0.11574547, -0.057872735], [0.028936367, 0.23149094]],
        'b_0_velocity': [[0.0005475676, 0.0001368919], [3.4222976e-05, 0.0021902705]],
    },
    'rmsprop_clipvalue': {
        'w': [0.20618154, -1.310739, 3.5456338],
        'b': [[-0.23772688, 0.23772688], [0.7622731, 1.7622731]],
        'iteration': 3,
        'learning_rate': 0.1,
        'w_0_velocity': [0.0050850003, 0.0048475, 0.004275],
        'b_0_velocity': [[0.0060975, 0.0060975], [0.0060975, 0.0060975]],
    },
}

TF_SPARSE = {
    'sgd': {
        'u': [[0.79999995, 1.6999999], [2.8, 3.7], [4.95, 5.9]],
    },
    'sgd_nesterov': {
        'u': [[0.458, 1.1869999], [2.54305, 3.2761], [4.905, 5.81]],
        'u_0_momentum': [[-0.17999999, -0.27], [-0.1905, -0.281], [-0.05, -0.1]],
    },
    'adam': {
        'u': [[0.8331146, 1.8229913], [2.7560234, 3.7527027], [4.936119, 5.936119]],
        'u_0_momentum': [[0.18, 0.27], [0.1905, 0.28100002], [0.05, 0.1]],
        'u_0_velocity': [[0.0024975003, 0.0049950005], [0.0024995003, 0.0049980013], [0.00025,
            0.001]],
    },
    'adam_amsgrad': {
        'u': [[0.83315104, 1.8230299], [2.7560568, 3.752736], [4.936119, 5.936119]],
        'u_0_momentum': [[0.18, 0.27], [0.1905, 0.28100002], [0.05, 0.1]],
        'u_0_velocity': [[0.0024975003, 0.0049950005], [0.0024995003, 0.0049980013], [0.00025,
            0.001]],
        'u_0_velocity_hat': [[0.0025000002, 0.0050000004], [0.0024995003, 0.0049980013], [0.00025,
            0.001]],
    },
    'rmsprop': {
        'u': [[0.6, 1.575736], [2.3808815, 3.3953974], [4.683773, 5.6837726]],
        'u_0_velocity': [[0.225, 0.45], [0.24525, 0.481], [0.025, 0.1]],
    },
    'rmsprop_centered_momentum': {
        'u': [[0.34534645, 1.2972181], [2.0885277, 3.101242], [4.6666675, 5.666667]],
        'u_0_velocity': [[0.225, 0.45], [0.24525, 0.481], [0.025, 0.1]],
        'u_0_momentum': [[0.21821785, 0.23426062], [0.41147363, 0.39875808], [0.3333326,
            0.33333316]],
        'u_0_average_gradient': [[0.17999999, 0.27], [0.1905, 0.281], [0.05, 0.1]],
    },
    'adagrad': {
        'u': [[0.8759653, 1.8671577], [2.8224585, 3.8160923], [4.9154844, 5.9046535]],
        'u_0_accumulator': [[2.6, 5.1], [2.6, 5.1], [0.35, 1.1]],
    },
}

TF1 = {
    'dense_gd': {
        'var': [0.88, -1.955, 3.12],
    },
    'dense_momentum_nesterov': {
        'var': [0.72421, -1.87157, 3.2604],
        'momentum': [1.141, -0.39699998, -1.16],
    },
    'dense_adam': {
        'var': [0.7218318, -1.7074891, 3.15727],
        'm': [0.114100024, -0.03970001, -0.11600003],
        'v': [0.00065981154, 7.2396615e-05, 0.0007998298],
    },
    'dense_rmsprop_centered': {
        'var': [0.9836235, -1.9926579, 3.0155866],
        'rms': [0.79320997, 0.73526496, 0.8074],
        'momentum': [0.010390956, -0.002524356, -0.011181048],
        'mg': [0.114100024, -0.03970001, -0.11600003],
    },
    'dense_adagrad': {
        'var': [0.8125733, -1.8852601, 3.1627738],
        'accumulator': [0.7600001, 0.1725, 0.9000001],
    },
    'sparse_gd': {
        'var': [[0.79999995, 1.6999999], [2.8, 3.7], [4.95, 5.9]],
    },
    'sparse_momentum': {
        'var': [[0.8, 1.7], [2.755, 3.6100001], [4.95, 5.9]],
        'momentum': [[2.0, 3.0], [1.95, 2.9], [0.5, 1.0]],
    },
    'sparse_adam': {
        'var': [[0.868065, 1.868065], [2.7560213, 3.7527013], [4.936119, 5.936119]],
        'm': [[0.18000004, 0.27000007], [0.19050005, 0.28100008], [0.050000012, 0.100000024]],
        'v': [[0.0039959485, 0.008990885], [0.0024994682, 0.0049979365], [0.00024999678,
            0.0009999871]],
    },
    'sparse_rmsprop': {
        'var': [[0.8245884, 1.7763932], [2.7761536, 3.6745884], [4.9480124, 5.9]],
        'rms': [[1.3000001, 1.8000002], [1.0575, 1.3000001], [0.92499995, 1.0]],
        'momentum': [[0.1754116, 0.2236068], [0.17185876, 0.2254116], [0.05198753, 0.1]],
    },
    'sparse_adagrad': {
        'var': [[0.90122706, 1.900551], [2.8224585, 3.8160923], [4.9154844, 5.9046535]],
        'accumulator': [[4.1, 9.1], [2.6, 5.1], [0.35, 1.1]],
    },
}

TF_SCHEDULES = {
    'exponential': [0.1, 0.07937005, 0.06299605, 0.05, 0.039685026, 0.031498026, 0.025],
    'exponential_staircase': [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025],
    'inverse_time': [0.1, 0.08, 0.06666667, 0.057142857, 0.05, 0.044444446, 0.04],
    'piecewise': [0.1, 0.1, 0.1, 0.05, 0.05, 0.01, 0.01],
}



DENSE_CONFIGS = {
    "sgd": lambda: ko.SGD(),
    "sgd_momentum": lambda: ko.SGD(0.1, momentum=0.9),
    "sgd_nesterov": lambda: ko.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: ko.Adam(),
    "adam_amsgrad": lambda: ko.Adam(0.1, beta_1=0.8, beta_2=0.99, epsilon=1e-3, amsgrad=True),
    "rmsprop": lambda: ko.RMSprop(),
    "rmsprop_centered_momentum": lambda: ko.RMSprop(0.01, rho=0.8, momentum=0.5,
                                                    centered=True),
    "rmsprop_centered": lambda: ko.RMSprop(0.01, centered=True),
    "adagrad": lambda: ko.Adagrad(),
    "adagrad_custom": lambda: ko.Adagrad(0.1, initial_accumulator_value=0.5, epsilon=1e-3),
    "adam_schedule": lambda: ko.Adam(ko.schedules.ExponentialDecay(0.1, 2, 0.5)),
    "sgd_staircase": lambda: ko.SGD(ko.schedules.ExponentialDecay(0.1, 2, 0.5, staircase=True),
                                    momentum=0.5),
    "sgd_callable": lambda: ko.SGD(lambda: 0.05),
    "sgd_weight_decay_clipnorm": lambda: ko.SGD(0.1, weight_decay=0.1, clipnorm=0.5),
    "adam_global_clipnorm": lambda: ko.Adam(0.1, global_clipnorm=1.0),
    "rmsprop_clipvalue": lambda: ko.RMSprop(0.1, clipvalue=0.15),
}


def _dense_run(make):
    """A fresh (w, b, optimizer) and a step applying one pair of gradients."""
    w = tf.Variable(W0, name="w")
    b = tf.Variable(B0, name="b")
    opt = make()

    def step(gw, gb):
        opt.apply_gradients([(gw, w), (gb, b)])

    return w, b, opt, step


def _state(w, b, opt):
    state = {"w": w.numpy(), "b": b.numpy()}
    state.update((_short_name(v), v.numpy()) for v in opt.variables)
    return state


def _check_state(got, want, max_ulps, what):
    assert list(got) == list(want), what  # the same variables, in Keras's order
    for key, value in want.items():
        if key == "iteration":
            assert got[key] == value and got[key].dtype == np.int64, what
        else:
            _assert_ulps(got[key], np.array(value, np.float32), max_ulps, f"{what} {key}")


@pytest.mark.parametrize("config", sorted(DENSE_CONFIGS))
def test_optimizer_matches_tf_eagerly(config):
    w, b, opt, step = _dense_run(DENSE_CONFIGS[config])
    for k in range(3):
        gw, gb = _dense_grads(k)
        step(tf.constant(gw), tf.constant(gb))
    _check_state(_state(w, b, opt), TF_DENSE[config], EAGER_ULPS, config)


def test_optimizers_match_tf_in_tf_function():
    # Every configuration in one tf.function, built beforehand so that it is traced and
    # compiled once (slots made inside a tf.function: test_retraces_make_no_new_slots).
    runs = {name: _dense_run(make) for name, make in DENSE_CONFIGS.items()}
    for w, b, opt, _ in runs.values():
        opt.build([w, b])

    @tf.function
    def step(gw, gb):
        for _, _, _, apply in runs.values():
            apply(gw, gb)

    for k in range(3):
        gw, gb = _dense_grads(k)
        step(tf.constant(gw), tf.constant(gb))
    assert step.experimental_get_tracing_count() == 1
    for name, (w, b, opt, _) in runs.items():
        _check_state(_state(w, b, opt), TF_DENSE[name], COMPILED_ULPS, name)


# The same with tf.IndexedSlices gradients, duplicate indices included: Keras sums
# duplicates for some terms and scatters slice by slice for others (see rules.py).
U0 = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
ROWS = [[1], [0, 0], [2, 1]]


def _slices(k):
    rows = ROWS[k]
    values = np.arange(1, 1 + 2 * len(rows), dtype=np.float32).reshape(-1, 2) * np.float32(0.5)
    return tf.IndexedSlices(tf.constant(values), tf.constant(rows), tf.constant([3, 2]))


SPARSE_CONFIGS = {
    "sgd": lambda: ko.SGD(0.1),
    "sgd_nesterov": lambda: ko.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: ko.Adam(0.1),
    "adam_amsgrad": lambda: ko.Adam(0.1, amsgrad=True),
    "rmsprop": lambda: ko.RMSprop(0.1),
    "rmsprop_centered_momentum": lambda: ko.RMSprop(0.1, momentum=0.5, centered=True),
    "adagrad": lambda: ko.Adagrad(0.1),
}


def _sparse_state(u, opt):
    state = {"u": u.numpy()}
    state.update((_short_name(v), v.numpy()) for v in opt.variables[2:])
    return state


@pytest.mark.parametrize("config", sorted(SPARSE_CONFIGS))
def test_sparse_gradients_match_tf_eagerly(config):
    u = tf.Variable(U0, name="u")
    opt = SPARSE_CONFIGS[config]()
    for k in range(3):
        opt.apply_gradients([(_slices(k), u)])
    _check_state(_sparse_state(u, opt), TF_SPARSE[config], EAGER_ULPS, config)


def test_sparse_gradients_match_tf_in_tf_function():
    runs = {name: (tf.Variable(U0, name="u"), make()) for name, make in SPARSE_CONFIGS.items()}
    for u, opt in runs.values():
        opt.build([u])

    @tf.function
    def step(values, indices):
        for u, opt in runs.values():
            opt.apply_gradients([(tf.IndexedSlices(values, indices, tf.constant([3, 2])), u)])

    for k in range(3):
        s = _slices(k)
        step(s.values, s.indices)
    for name, (u, opt) in runs.items():
        _check_state(_sparse_state(u, opt), TF_SPARSE[name], COMPILED_ULPS, name)


def test_sparse_gradient_of_gather_in_tf_function():
    # The gradient of tf.gather reaches the optimizer as IndexedSlices (rows 0 and 2,
    # row 0 twice); Adagrad then changes only those rows, as Keras's scatters do.
    table = tf.Variable(U0, name="table")
    opt = ko.Adagrad(0.1)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            rows = tf.gather(table, [0, 2, 0])
            loss = tf.reduce_sum(rows * rows)
        grad = tape.gradient(loss, table)
        opt.apply_gradients([(grad, table)])
        return isinstance(grad, tf.IndexedSlices)

    assert bool(step())
    got = table.numpy()
    np.testing.assert_array_equal(got[1], U0[1])
    # Row 0 gets two slices (2 * u each), each adding its own square to the accumulator.
    acc0 = np.float32(0.1) + np.float32(2.0) ** 2 + np.float32(2.0) ** 2
    assert abs(got[0, 0] - (1.0 - 2 * 0.1 * 2.0 / np.sqrt(acc0 + 1e-7))) < 1e-6
    assert got[2, 0] < U0[2][0]


# TF-1's optimizers use the same rules with other parameters (see rules.py); these are
# tf.compat.v1.train's numbers for the same steps.
def _tf1_runs():
    f32 = lambda x: tf.constant(x, tf.float32)  # noqa: E731 - float32 hyperparameters (TF-1)
    lr, b1, b2 = f32(0.1), f32(0.9), f32(0.999)

    def dense(k):
        return tf.constant(_dense_grads(k)[0])

    out = {}
    w = f32(W0)
    for k in range(3):
        w, _ = rules.sgd(w, dense(k), lr)
    out["dense_gd"] = {"var": w}
    w, a = f32(W0), tf.zeros([3])
    for k in range(3):
        w, a = rules.sgd(w, dense(k), lr, a, f32(0.9), nesterov=True, scaled_velocity=False)
    out["dense_momentum_nesterov"] = {"var": w, "momentum": a}
    w, m, v, b1p, b2p = f32(W0), tf.zeros([3]), tf.zeros([3]), b1, b2
    for k in range(3):  # TF-1 keeps beta ** t in variables, multiplied by beta each step
        w, m, v, _ = rules.adam(w, dense(k), m, v, lr, b1, b2, f32(1e-8), b1p, b2p)
        b1p, b2p = b1p * b1, b2p * b2
    out["dense_adam"] = {"var": w, "m": m, "v": v}
    w, ms, mom, mg = f32(W0), tf.ones([3]), tf.zeros([3]), tf.zeros([3])
    for k in range(3):
        w, ms, mom, mg = rules.rmsprop(w, dense(k), ms, f32(0.01), f32(0.9), f32(1e-10), mom=mom,
                                       momentum=f32(0.5), mg=mg, form=rules.INCREMENT)
    out["dense_rmsprop_centered"] = {"var": w, "rms": ms, "momentum": mom, "mg": mg}
    w, acc = f32(W0), tf.fill([3], f32(0.1))
    for k in range(3):
        w, acc = rules.adagrad(w, dense(k), acc, lr, None)
    out["dense_adagrad"] = {"var": w, "accumulator": acc}

    u = f32(U0)
    for k in range(3):
        u, _ = rules.sgd(u, _slices(k), lr)
    out["sparse_gd"] = {"var": u}
    u, a = f32(U0), tf.zeros([3, 2])
    for k in range(3):
        g = _slices(k)
        new = rules.sgd(u, rules.densify(g), lr, a, f32(0.9), scaled_velocity=False)
        u, a = rules.lazy_rows(g, (u, a), new)
    out["sparse_momentum"] = {"var": u, "momentum": a}
    u, m, v, b1p, b2p = f32(U0), tf.zeros([3, 2]), tf.zeros([3, 2]), b1, b2
    for k in range(3):
        u, m, v, _ = rules.adam(u, rules.densify(_slices(k)), m, v, lr, b1, b2, f32(1e-8), b1p,
                                b2p, form=rules.WEIGHTED)
        b1p, b2p = b1p * b1, b2p * b2
    out["sparse_adam"] = {"var": u, "m": m, "v": v}
    u, ms, mom = f32(U0), tf.ones([3, 2]), tf.zeros([3, 2])
    for k in range(3):
        g = _slices(k)
        new = rules.rmsprop(u, rules.densify(g), ms, lr, b1, f32(1e-10), mom=mom,
                            momentum=f32(0.5), form=rules.INCREMENT)
        u, ms, mom, _ = rules.lazy_rows(g, (u, ms, mom, None), new)
    out["sparse_rmsprop"] = {"var": u, "rms": ms, "momentum": mom}
    u, acc = f32(U0), tf.fill([3, 2], f32(0.1))
    for k in range(3):
        g = _slices(k)
        u, acc = rules.lazy_rows(g, (u, acc), rules.adagrad(u, rules.densify(g), acc, lr, None))
    out["sparse_adagrad"] = {"var": u, "accumulator": acc}
    return out


def test_rules_reproduce_tf1_optimizers():
    got = _tf1_runs()
    assert sorted(got) == sorted(TF1)
    for name, want in TF1.items():
        assert sorted(got[name]) == sorted(want)
        for key, value in want.items():
            _assert_ulps(got[name][key].numpy(), np.array(value, np.float32), EAGER_ULPS,
                         f"{name} {key}")


def test_moving_average_forms_differ_in_rounding():
    # 1 - 0.9 is 0.1 in Python (Keras) but 0.100000024 in float32 (TF-1's kernels).
    avg, x = tf.constant(0.0), tf.constant(1.0)
    assert float(rules.moving_average(avg, x, 0.9)) == np.float32(0.1)
    assert float(rules.moving_average(avg, x, tf.constant(0.9))) == np.float32(0.100000024)
    with pytest.raises(ValueError, match="form must be"):
        rules.moving_average(avg, x, 0.9, form="ema")


SCHEDULES = {
    "exponential": lambda: ko.schedules.ExponentialDecay(0.1, 3, 0.5),
    "exponential_staircase": lambda: ko.schedules.ExponentialDecay(0.1, 3, 0.5, staircase=True),
    "inverse_time": lambda: ko.schedules.InverseTimeDecay(0.1, 2, 0.5),
    "piecewise": lambda: ko.schedules.PiecewiseConstantDecay([2, 4], [0.1, 0.05, 0.01]),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_match_tf(name):
    schedule = SCHEDULES[name]()
    got = [schedule(tf.constant(s, tf.int64)).numpy() for s in range(7)]
    _assert_ulps(got, np.array(TF_SCHEDULES[name], np.float32), EAGER_ULPS, name)


def test_schedule_validation():
    with pytest.raises(ValueError, match=r"Argument `decay_steps` must be > 0. Received: "
                                         r"decay_steps=0"):
        ko.schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="The length of boundaries should be 1 less"):
        ko.schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        ko.schedules.LearningRateSchedule()(0)


# ===========================================================================
# Optimizer behaviour (TF 2.21 / Keras 3 checked for each)

def test_optimizer_variables_names_and_order():
    w = tf.Variable([1.0, 2.0], name="w")
    with tf.name_scope("scope"):
        u = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="u")
    opt = ko.Adam(name="adam")
    assert [v.name for v in opt.variables] == ["adam/iteration:0", "adam/learning_rate:0"]
    opt.apply_gradients([(tf.constant([0.1, 0.2]), w), (tf.constant([[1.0, 2.0]] * 2), u)])
    # Keras: slots named after the variable ('/' and ':' -> '_'), per variable in turn.
    assert [v.name for v in opt.variables] == [
        "adam/iteration:0", "adam/learning_rate:0", "adam/w_0_momentum:0",
        "adam/w_0_velocity:0", "adam/scope_u_0_momentum:0", "adam/scope_u_0_velocity:0"]
    assert opt.iterations.dtype == tf.int64 and int(opt.iterations) == 1
    assert opt.learning_rate.dtype == tf.float32
    assert not any(v.trainable for v in opt.variables)
    # RMSprop lists each kind of slot for all variables before the next kind.
    opt = ko.RMSprop(momentum=0.5, centered=True, name="rms")
    opt.apply_gradients([(tf.constant([0.1, 0.2]), w), (tf.constant([[1.0, 2.0]] * 2), u)])
    assert [_short_name(v) for v in opt.variables] == [
        "iteration", "learning_rate", "w_0_velocity", "scope_u_0_velocity", "w_0_momentum",
        "scope_u_0_momentum", "w_0_average_gradient", "scope_u_0_average_gradient"]
    # A schedule (or callable) learning rate is not a variable.
    opt = ko.Adagrad(ko.schedules.ExponentialDecay(0.1, 3, 0.5), name="ada")
    opt.apply_gradients([(tf.constant([0.1, 0.2]), w)])
    assert [v.name for v in opt.variables] == ["ada/iteration:0", "ada/w_0_accumulator:0"]
    assert float(opt.learning_rate) == np.float32(0.07937005)  # TF: the value at step 1


def test_optimizer_names_follow_enclosing_scopes():
    w = tf.Variable([1.0, 2.0], name="w")
    opt = ko.SGD(momentum=0.5, name="opt")
    with tf.name_scope("train"):
        opt.apply_gradients([(tf.constant([0.1, 0.2]), w)])
    # TF: variables made in __init__ outside the scope, slots inside it.
    assert [v.name for v in opt.variables] == ["opt/iteration:0", "opt/learning_rate:0",
                                               "train/opt/w_0_momentum:0"]


def test_slot_names_when_made_in_tf_function():
    # TF: a variable made while tracing a tf.function takes the function's name scopes.
    w = tf.Variable([1.0, 2.0], name="w")
    opt = ko.Adam(name="opt")

    @tf.function
    def step():
        opt.apply_gradients([(tf.constant([0.1, 0.2]), w)])

    step()
    assert [v.name for v in opt.variables][2:] == ["opt/w_0_momentum:0", "opt/w_0_velocity:0"]


def test_automatic_names():
    class MyOpt(ko.SGD):
        pass

    # Keras numbers automatic names per snake-cased class name: my_opt, my_opt_1, ...
    assert [MyOpt().name, MyOpt().name, MyOpt(name="x").name, MyOpt().name] == [
        "my_opt", "my_opt_1", "x", "my_opt_2"]
    assert ko.RMSprop().name.startswith("rm_sprop")  # Keras's to_snake_case("RMSprop")


def test_none_gradients_are_skipped_with_keras_warning():
    w = tf.Variable([1.0, 2.0], name="w")
    v = tf.Variable([3.0, 4.0], name="v")
    opt = ko.Adam(0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert opt.apply_gradients([(tf.constant([0.1, 0.2]), w), (None, v)]) is opt.iterations
    assert [str(c.message) for c in caught] == [
        "Gradients do not exist for variables ['v:0'] when minimizing the loss. If using "
        "`model.compile()`, did you forget to provide a `loss` argument?"]
    np.testing.assert_array_equal(v.numpy(), [3.0, 4.0])
    assert w.numpy()[0] < 1.0 and int(opt.iterations) == 1
    # Keras builds slots for every variable given, gradient or not.
    assert [_short_name(x) for x in opt.variables][2:] == [
        "w_0_momentum", "w_0_velocity", "v_0_momentum", "v_0_velocity"]
    with pytest.raises(ValueError, match=r"^No gradients provided for any variable\.$"):
        opt.apply_gradients([(None, w), (None, v)])
    assert int(opt.iterations) == 1


def test_unknown_variable_and_apply_without_variables():
    w = tf.Variable([1.0, 2.0], name="w")
    opt = ko.SGD(0.1)
    with pytest.raises(ValueError, match="must already be built on a list of variables"):
        opt.apply([tf.constant([1.0, 1.0])])
    opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    with pytest.raises(ValueError, match=r"^Unknown variable: .*This optimizer can only be "
                                         r"called for the variables it was originally built "
                                         r"with\."):
        opt.apply_gradients([(tf.constant([1.0, 1.0]), tf.Variable([1.0, 2.0]))])
    opt.apply([tf.constant([1.0, 1.0])])  # built: gradients alone, in the built order
    np.testing.assert_allclose(w.numpy(), [0.8, 1.8], rtol=1e-6)
    assert int(opt.iterations) == 2


def test_constructor_validation_as_keras():
    with pytest.raises(ValueError, match=r"^Argument `learning_rate` should be float, or an "
                                         r"instance of LearningRateSchedule, or a callable "
                                         r"\(that takes in the current iteration value and "
                                         r"returns the corresponding learning rate value\)\. "
                                         r"Received instead: learning_rate=1$"):
        ko.SGD(learning_rate=1)
    for bad in (1, 0, -0.5, 1.5):
        with pytest.raises(ValueError, match=r"^`momentum` must be a float between \[0, 1\]\.$"):
            ko.SGD(momentum=bad)
    with pytest.raises(ValueError, match=r"^Argument\(s\) not recognized: \{'foo': 1\}$"):
        ko.Adam(foo=1)
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and "
                                         "`global_clipnorm` can be set"):
        ko.Adam(clipnorm=1.0, clipvalue=1.0)
    with pytest.warns(UserWarning, match="Argument `decay` is no longer supported"):
        ko.Adagrad(decay=0.1)
    with pytest.raises(NotImplementedError, match="use_ema"):
        ko.Adam(use_ema=True)
    opt = ko.RMSprop()  # Keras 3's defaults
    assert (opt.rho, opt.momentum, opt.epsilon, opt.centered) == (0.9, 0.0, 1e-7, False)
    opt = ko.Adam()
    assert (opt.beta_1, opt.beta_2, opt.epsilon, opt.amsgrad) == (0.9, 0.999, 1e-7, False)
    assert np.float32(ko.Adagrad().learning_rate.numpy()) == np.float32(0.001)
    assert ko.Adagrad().initial_accumulator_value == 0.1
    assert np.float32(ko.SGD().learning_rate.numpy()) == np.float32(0.01)


def test_learning_rate_setter():
    opt = ko.SGD(0.1)
    opt.learning_rate = 0.5  # assigns the variable, as Keras
    assert float(opt.learning_rate) == 0.5 and len(opt.variables) == 2
    opt.learning_rate = lambda: 0.25  # a callable replaces (and untracks) the variable
    assert opt.learning_rate == 0.25 and len(opt.variables) == 1
    scheduled = ko.SGD(ko.schedules.ExponentialDecay(0.1, 3, 0.5))
    with pytest.raises(TypeError, match="its learning rate is not settable"):
        scheduled.learning_rate = 0.5


def test_retraces_make_no_new_slots():
    w = tf.Variable([1.0, 2.0], name="w")
    opt = ko.Adam(0.1)

    @tf.function
    def step(g, scale):
        opt.apply_gradients([(g * scale, w)])
        return opt.iterations

    step(tf.constant([0.1, 0.2]), 1.0)
    assert step.experimental_get_tracing_count() == 2  # TF: traced again after creating
    count = len(opt.variables)
    step(tf.constant([0.1, 0.2]), 2.0)  # a new Python value: a new trace, built optimizer
    step(tf.constant([0.1, 0.2]), 2.0)
    assert step.experimental_get_tracing_count() == 3
    assert len(opt.variables) == count == 4 and int(opt.iterations) == 3


def test_minimize_eagerly_and_in_tf_function():
    # Keras 3 has no `minimize`; this is Keras 2's: gradients by tf.GradientTape.
    target = np.array([1.0, -1.0], np.float32)
    for compiled in (False, True):
        w = tf.Variable([0.5, 0.5], name="w")
        opt = ko.SGD(0.25)

        def loss():
            return tf.reduce_sum(tf.square(w - target))

        def step():
            return opt.minimize(loss, [w])

        if compiled:
            step = tf.function(step)
        want = np.array([0.5, 0.5], np.float32)
        for _ in range(3):
            assert step() is None
            want = want - np.float32(0.25) * (np.float32(2) * (want - target))
            np.testing.assert_allclose(w.numpy(), want, rtol=1e-6)
        assert int(opt.iterations) == 3
    with pytest.raises(ValueError, match="`tape` is required when a `Tensor` loss is passed"):
        opt.minimize(tf.constant(1.0), [w])
    with tf.GradientTape() as tape:
        value = tf.reduce_sum(w * w)
    opt.minimize(value, [w], tape=tape)
    assert int(opt.iterations) == 4
    v = tf.Variable(2.0)
    ko.SGD(0.5).minimize(lambda: v * v, lambda: [v])  # var_list as a callable
    assert float(v) == 0.0


def test_constraints_and_weight_decay_exclusion():
    w = tf.Variable([1.0, -1.0], name="w", constraint=lambda x: tf.maximum(x, 0.0))
    b = tf.Variable([1.0, 1.0], name="bias")
    opt = ko.SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(tf.constant([1.0, 1.0]), w), (tf.constant([1.0, 1.0]), b)])
    # w: decayed (x - 0.05x), stepped, then clipped at 0 by its constraint; b: no decay.
    np.testing.assert_allclose(w.numpy(), [0.85, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [0.9, 0.9], rtol=1e-6)
    with pytest.raises(ValueError, match="can only be configured before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["w"])


def test_keras_namespace():
    assert tf.keras.optimizers.SGD is ko.SGD and ko.schedules.ExponentialDecay
    for attribute, full in [(lambda: tf.keras.layers, "tf.keras.layers"),
                            (lambda: tf.keras.Model, "tf.keras.Model"),
                            (lambda: tf.keras.optimizers.Nadam, "tf.keras.optimizers.Nadam"),
                            (lambda: ko.schedules.CosineDecay,
                             "tf.keras.optimizers.schedules.CosineDecay")]:
        with pytest.raises(AttributeError) as e:
            attribute()
        assert str(e.value) == (f"tfgrad_jax does not implement {full}; only "
                                "tf.keras.optimizers (SGD, Adam, RMSprop, Adagrad) is provided.")


# ===========================================================================
# The examples: linear regression trained inside tf.function.

def _regression_data(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.array([2.0, -3.0, 0.5]) + 1.0 + 0.1 * rng.normal(size=n)).astype(np.float32)
    return x, y


def _numpy_adam(x, y, steps, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Adam (Kingma & Ba, Algorithm 1, in the form before Section 2.1 with "epsilon
    hat"), Keras 3's defaults, on mean squared error, in float64."""
    x, y = x.astype(np.float64), y.astype(np.float64)
    params = [np.zeros(3), np.zeros(())]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t in range(1, steps + 1):
        residual = x @ params[0] + params[1] - y
        grads = [2 * x.T @ residual / len(y), 2 * residual.mean()]
        alpha = lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        for i, g in enumerate(grads):
            m[i] = beta_1 * m[i] + (1 - beta_1) * g
            v[i] = beta_2 * v[i] + (1 - beta_2) * g * g
            params[i] = params[i] - alpha * m[i] / (np.sqrt(v[i]) + epsilon)
    return params


class Linear(tf.Module):
    def __init__(self):
        super().__init__()
        with self.name_scope:
            self.w = tf.Variable(tf.zeros([3]), name="w")
            self.b = tf.Variable(0.0, name="b")

    def __call__(self, x):
        return tf.reduce_sum(x * self.w, axis=1) + self.b


def test_linear_regression_adam_matches_numpy_adam():
    x, y = _regression_data(64, seed=1)
    model = Linear()
    opt = ko.Adam()  # Keras 3's defaults

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    xt, yt = tf.constant(x), tf.constant(y)
    losses = [float(train_step(xt, yt)) for _ in range(300)]
    assert train_step.experimental_get_tracing_count() == 2  # first trace made the slots
    assert [v.name for v in model.trainable_variables] == ["linear/b:0", "linear/w:0"]
    want_w, want_b = _numpy_adam(x, y, 300)
    np.testing.assert_allclose(model.w.numpy(), want_w, atol=1e-4)
    np.testing.assert_allclose(model.b.numpy(), want_b, atol=1e-4)
    assert losses[-1] < losses[0] and int(opt.iterations) == 300


def test_linear_regression_tf_gradients_reaches_least_squares():
    x, y = _regression_data(64, seed=2)
    w = tf.Variable(tf.zeros([3]), name="w")
    b = tf.Variable(0.0, name="b")

    @tf.function
    def train(x, y):
        for _ in tf.range(400):
            loss = tf.reduce_mean(tf.square(tf.reduce_sum(x * w, axis=1) + b - y))
            grad_w, grad_b = tf.gradients(loss, [w, b])
            w.assign_sub(0.1 * grad_w)
            b.assign_sub(0.1 * grad_b)
        return loss

    train(tf.constant(x), tf.constant(y))
    design = np.hstack([x, np.ones((len(y), 1))]).astype(np.float64)
    solution = np.linalg.lstsq(design, y.astype(np.float64), rcond=None)[0]
    np.testing.assert_allclose(w.numpy(), solution[:3], atol=1e-4)
    np.testing.assert_allclose(b.numpy(), solution[3], atol=1e-4)


# ===========================================================================
# Where the numbers come from: this script, run with TensorFlow 2.21 / Keras 3.15,
# prints {"dense": TF_DENSE, "sparse": TF_SPARSE, "tf1": TF1, "schedules": TF_SCHEDULES}.

TF_REFERENCE_SCRIPT = r'''
import json
import numpy as np
import tensorflow as tf
from keras import optimizers as ko

W0, B0 = [1.0, -2.0, 3.0], [[0.5, -0.5], [1.5, 2.5]]
U0, ROWS = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[1], [0, 0], [2, 1]]

def dense_grads(k):
    gw = np.array([0.1, -0.2, 0.0], np.float32) + k * np.array([0.3, 0.05, -0.4], np.float32)
    gb = np.array([[1.0, -0.5], [0.25, 2.0]], np.float32) * np.float32(1 + 0.5 * k)
    return gw.astype(np.float32), gb.astype(np.float32)

def slices(k):
    rows = ROWS[k]
    values = np.arange(1, 1 + 2 * len(rows), dtype=np.float32).reshape(-1, 2) * np.float32(0.5)
    return tf.IndexedSlices(tf.constant(values), tf.constant(rows), tf.constant([3, 2]))

def text(a):
    a = np.asarray(a)
    if a.dtype == np.int64:
        return int(a)
    return np.vectorize(lambda x: float(str(np.float32(x))), otypes=[object])(a).tolist()

DENSE = {
    "sgd": lambda: ko.SGD(),
    "sgd_momentum": lambda: ko.SGD(0.1, momentum=0.9),
    "sgd_nesterov": lambda: ko.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: ko.Adam(),
    "adam_amsgrad": lambda: ko.Adam(0.1, beta_1=0.8, beta_2=0.99, epsilon=1e-3, amsgrad=True),
    "rmsprop": lambda: ko.RMSprop(),
    "rmsprop_centered_momentum": lambda: ko.RMSprop(0.01, rho=0.8, momentum=0.5, centered=True),
    "rmsprop_centered": lambda: ko.RMSprop(0.01, centered=True),
    "adagrad": lambda: ko.Adagrad(),
    "adagrad_custom": lambda: ko.Adagrad(0.1, initial_accumulator_value=0.5, epsilon=1e-3),
    "adam_schedule": lambda: ko.Adam(ko.schedules.ExponentialDecay(0.1, 2, 0.5)),
    "sgd_staircase": lambda: ko.SGD(ko.schedules.ExponentialDecay(0.1, 2, 0.5, staircase=True),
                                    momentum=0.5),
    "sgd_callable": lambda: ko.SGD(lambda: 0.05),
    "sgd_weight_decay_clipnorm": lambda: ko.SGD(0.1, weight_decay=0.1, clipnorm=0.5),
    "adam_global_clipnorm": lambda: ko.Adam(0.1, global_clipnorm=1.0),
    "rmsprop_clipvalue": lambda: ko.RMSprop(0.1, clipvalue=0.15),
}
SPARSE = {
    "sgd": lambda: ko.SGD(0.1),
    "sgd_nesterov": lambda: ko.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: ko.Adam(0.1),
    "adam_amsgrad": lambda: ko.Adam(0.1, amsgrad=True),
    "rmsprop": lambda: ko.RMSprop(0.1),
    "rmsprop_centered_momentum": lambda: ko.RMSprop(0.1, momentum=0.5, centered=True),
    "adagrad": lambda: ko.Adagrad(0.1),
}
T = tf.compat.v1.train
TF1 = {
    "dense_gd": (lambda: T.GradientDescentOptimizer(0.1), []),
    "dense_momentum_nesterov": (lambda: T.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
                                ["momentum"]),
    "dense_adam": (lambda: T.AdamOptimizer(0.1), ["m", "v"]),
    "dense_rmsprop_centered": (lambda: T.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
                               ["rms", "momentum", "mg"]),
    "dense_adagrad": (lambda: T.AdagradOptimizer(0.1), ["accumulator"]),
    "sparse_gd": (lambda: T.GradientDescentOptimizer(0.1), []),
    "sparse_momentum": (lambda: T.MomentumOptimizer(0.1, 0.9), ["momentum"]),
    "sparse_adam": (lambda: T.AdamOptimizer(0.1), ["m", "v"]),
    "sparse_rmsprop": (lambda: T.RMSPropOptimizer(0.1, momentum=0.5), ["rms", "momentum"]),
    "sparse_adagrad": (lambda: T.AdagradOptimizer(0.1), ["accumulator"]),
}
S = ko.schedules
SCHEDULES = {
    "exponential": lambda: S.ExponentialDecay(0.1, 3, 0.5),
    "exponential_staircase": lambda: S.ExponentialDecay(0.1, 3, 0.5, staircase=True),
    "inverse_time": lambda: S.InverseTimeDecay(0.1, 2, 0.5),
    "piecewise": lambda: S.PiecewiseConstantDecay([2, 4], [0.1, 0.05, 0.01]),
}
out = {"dense": {}, "sparse": {}, "tf1": {}, "schedules": {}}
for name, make in DENSE.items():
    w, b, opt = tf.Variable(W0, name="w"), tf.Variable(B0, name="b"), make()
    for k in range(3):
        gw, gb = dense_grads(k)
        opt.apply_gradients([(tf.constant(gw), w), (tf.constant(gb), b)])
    res = {"w": text(w.numpy()), "b": text(b.numpy())}
    res.update((v.path.split("/")[-1], text(v.numpy())) for v in opt.variables)
    out["dense"][name] = res
for name, make in SPARSE.items():
    u, opt = tf.Variable(U0, name="u"), make()
    for k in range(3):
        opt.apply_gradients([(slices(k), u)])
    res = {"u": text(u.numpy())}
    res.update((v.path.split("/")[-1], text(v.numpy())) for v in opt.variables[2:])
    out["sparse"][name] = res
for name, (make, slot_names) in TF1.items():
    sparse = name.startswith("sparse")
    var, opt = tf.Variable(U0 if sparse else W0), make()
    for k in range(3):
        opt.apply_gradients([(slices(k) if sparse else tf.constant(dense_grads(k)[0]), var)])
    res = {"var": text(var.numpy())}
    res.update((s, text(opt.get_slot(var, s).numpy())) for s in slot_names)
    out["tf1"][name] = res
for name, make in SCHEDULES.items():
    out["schedules"][name] = [text(make()(tf.constant(s, tf.int64)).numpy()) for s in range(7)]
print(json.dumps(out))
'''


def recheck_reference_numbers(tf_python):
    """Re-runs TF_REFERENCE_SCRIPT under `tf_python` (a Python with TensorFlow 2.21) and
    compares its numbers with the ones hard-coded above. Not a test (the suite must not
    need TensorFlow): run `python tests/test_module_optimizers.py /path/to/python`."""
    result = subprocess.run([tf_python, "-c", TF_REFERENCE_SCRIPT],
                            capture_output=True, text=True, check=True)
    tf_numbers = json.loads(result.stdout.strip().splitlines()[-1])
    assert tf_numbers == {"dense": TF_DENSE, "sparse": TF_SPARSE, "tf1": TF1,
                          "schedules": TF_SCHEDULES}
    print("the hard-coded numbers are TF's")


if __name__ == "__main__":
    import sys
    recheck_reference_numbers(sys.argv[1] if len(sys.argv) > 1 else
                              os.environ.get("TFGRAD_TF_PYTHON", "python"))
