"""`tf.compat.v1.layers` and `tf.contrib.opt.ScipyOptimizerInterface`.

TF 2.21 refuses `tf.compat.v1.layers` under Keras 3 (`AttributeError: `dense`
is not available with Keras 3.`); the names, shapes, collections and moving
averages checked here are those of TF-1's layers as tf_keras 2.21's
legacy_tf_layers build them on TF 2.21 (run once by hand, recorded in the
comments). Values are checked against numpy and our own tf.nn ops. Each graph
is built once (module fixtures) and run with few kinds of run, to keep
compilation down.
"""

import sys

import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax.v1.contrib import contrib

v1 = tf.compat.v1
RNG = np.random.RandomState(0)


def _names(variables):
    return [v.name for v in variables]


# ---------------------------------------------------------------------------
# dense: names, reuse, collections, values.

@pytest.fixture(scope="module")
def dense_graph():
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 3])
        y = v1.layers.dense(x, 4)
        y2 = v1.layers.dense(y, 2, activation=tf.nn.relu)
        with v1.variable_scope("net"):
            z = v1.layers.dense(x, 4, name="fc", kernel_regularizer=tf.reduce_sum)
            z2 = v1.layers.dense(x, 4, name="fc", reuse=True)
            z3 = v1.layers.dense(x, 4, use_bias=False, trainable=False)
        x3 = v1.placeholder(tf.float32, [None, 5, 3])
        w3 = v1.layers.dense(x3, 2, name="seq")
        session = v1.Session(graph=g)
        session.run(v1.global_variables_initializer())
    yield g, session, dict(x=x, y=y, y2=y2, z=z, z2=z2, z3=z3, x3=x3, w3=w3)
    session.close()


def test_dense_variable_and_op_names_are_tf1s(dense_graph):
    g, _, t = dense_graph
    with g.as_default():
        # TF-1: dense, dense_1 unnamed; `name=` inside a variable scope; a reusing call
        # shares net/fc's variables and builds its ops under net/fc_1.
        assert _names(v1.global_variables()) == [
            "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0",
            "net/fc/kernel:0", "net/fc/bias:0", "net/dense/kernel:0", "seq/kernel:0",
            "seq/bias:0"]
        assert "net/dense/kernel:0" not in _names(v1.trainable_variables())  # trainable=False
        assert [v.shape.as_list() for v in v1.global_variables()[:2]] == [[3, 4], [4]]
        assert _names(v1.get_collection(v1.GraphKeys.REGULARIZATION_LOSSES)) == [
            "net/fc/kernel/Regularizer/Sum:0"]  # once: the reusing call adds none
    assert (t["y"].name, t["y2"].name) == ("dense/BiasAdd:0", "dense_1/Relu:0")
    assert (t["z"].name, t["z2"].name, t["z3"].name) == (
        "net/fc/BiasAdd:0", "net/fc_1/BiasAdd:0", "net/dense/MatMul:0")
    assert t["w3"].shape.as_list() == [None, 5, 2]


def test_dense_values_are_x_at_kernel_plus_bias(dense_graph):
    g, session, t = dense_graph
    x = RNG.randn(6, 3).astype(np.float32)
    x3 = RNG.randn(2, 5, 3).astype(np.float32)
    with g.as_default():
        values = {v.name: session.run(v) for v in v1.global_variables()}
    y, y2, z, z2, z3, w3 = session.run([t[k] for k in ("y", "y2", "z", "z2", "z3", "w3")],
                                       {t["x"]: x, t["x3"]: x3})
    k, b = values["dense/kernel:0"], values["dense/bias:0"]
    np.testing.assert_allclose(y, x @ k + b, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(b, np.zeros(4))  # bias_initializer: zeros
    expected = np.maximum(y @ values["dense_1/kernel:0"] + values["dense_1/bias:0"], 0)
    np.testing.assert_allclose(y2, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(z, z2)  # shared variables
    np.testing.assert_allclose(z3, x @ values["net/dense/kernel:0"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w3, x3 @ values["seq/kernel:0"] + values["seq/bias:0"],
                               rtol=1e-5, atol=1e-6)
    # glorot_uniform: |w| <= sqrt(6 / (fan_in + fan_out)), and not all zero.
    assert 0 < np.abs(k).max() <= np.sqrt(6 / 7)


def test_dense_errors_name_the_problem():
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, [None, 3])
        v1.layers.dense(x, 2, name="d")
        with pytest.raises(ValueError, match="Variable d/kernel already exists, disallowed"):
            v1.layers.dense(x, 2, name="d")
        with pytest.raises(ValueError, match="last dimension of the inputs to a Dense layer"):
            v1.layers.dense(v1.placeholder(tf.float32, [None, None]), 2)
        with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
            v1.layers.dense(v1.placeholder(tf.float32, [3]), 2)
        with pytest.raises(ValueError, match="`units`"):
            v1.layers.dense(x, 0)
        with pytest.raises(ValueError, match="`padding`"):
            v1.layers.conv2d(v1.placeholder(tf.float32, [1, 4, 4, 1]), 2, 3, padding="full")
        with pytest.raises(ValueError, match="`kernel_size` argument must be a tuple of 2"):
            v1.layers.conv2d(v1.placeholder(tf.float32, [1, 4, 4, 1]), 2, (3, 3, 3))
        with pytest.raises(NotImplementedError, match="renorm"):
            v1.layers.batch_normalization(x, renorm=True)
        with pytest.raises(ValueError, match="`rate`"):
            v1.layers.dropout(x, rate=1.5, training=v1.placeholder(tf.bool, []))


def test_a_scope_initializer_and_reuse_apply_to_layers():
    # kernel_initializer=None is get_variable's default: the scope's initializer.
    with tf.Graph().as_default():
        x = tf.constant(np.ones((1, 2), np.float32))
        with v1.variable_scope("s", initializer=v1.constant_initializer(0.5)):
            y = v1.layers.dense(x, 1)
        with v1.variable_scope("s", reuse=True):
            y_again = v1.layers.dense(x, 1, name="dense")
        assert len(v1.global_variables()) == 2
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            assert session.run([y, y_again]) == [[[1.0]], [[1.0]]]


# ---------------------------------------------------------------------------
# Convolutions, pooling, flatten.

def _init(*shape):
    # Random values given as constants: XLA on CPU takes seconds to compile a random op
    # of rank 3 or 4 (the dense tests cover the default glorot_uniform initializer).
    return v1.constant_initializer(RNG.randn(*shape).astype(np.float32))


@pytest.fixture(scope="module")
def conv_graph():
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 8, 8, 3])
        c = v1.layers.conv2d(x, 5, 3, activation=tf.nn.relu, kernel_initializer=_init(3, 3, 3, 5),
                             bias_initializer=_init(5))
        c2 = v1.layers.conv2d(c, 4, (3, 3), strides=2, padding="same",
                              kernel_initializer=_init(3, 3, 5, 4))
        p = v1.layers.max_pooling2d(c, 2, 2)
        a = v1.layers.average_pooling2d(c2, 2, 1, padding="same")
        f = v1.layers.flatten(p)
        x1 = v1.placeholder(tf.float32, [None, 10, 3])
        c1 = v1.layers.conv1d(x1, 2, 3, kernel_initializer=_init(3, 3, 2))
        m1 = v1.layers.max_pooling1d(c1, 2, 2)
        variables = {v.name: v for v in v1.global_variables()}
        # The same convolutions with our tf.nn ops, on the layers' own variables.
        k, b = variables["conv2d/kernel:0"], variables["conv2d/bias:0"]
        ref_c = tf.nn.relu(tf.nn.conv2d(x, k, 1, "VALID") + b)
        k2, b2 = variables["conv2d_1/kernel:0"], variables["conv2d_1/bias:0"]
        ref_c2 = tf.nn.conv2d(ref_c, k2, 2, "SAME") + b2
        ref_a = tf.nn.avg_pool2d(ref_c2, 2, 1, "SAME")
        ref_c1 = tf.nn.conv1d(x1, variables["conv1d/kernel:0"], 1, "VALID") + \
            variables["conv1d/bias:0"]
        session = v1.Session(graph=g)
        session.run(v1.global_variables_initializer())
    yield g, session, dict(x=x, c=c, c2=c2, p=p, a=a, f=f, x1=x1, c1=c1, m1=m1, ref_c=ref_c,
                           ref_c2=ref_c2, ref_a=ref_a, ref_c1=ref_c1, variables=variables)
    session.close()


def test_conv_and_pooling_names_and_shapes_are_tf1s(conv_graph):
    _, _, t = conv_graph
    assert {n: v.shape.as_list() for n, v in t["variables"].items()} == {
        "conv2d/kernel:0": [3, 3, 3, 5], "conv2d/bias:0": [5], "conv2d_1/kernel:0": [3, 3, 5, 4],
        "conv2d_1/bias:0": [4], "conv1d/kernel:0": [3, 3, 2], "conv1d/bias:0": [2]}
    # TF-1: conv2d/Relu, conv2d_1/BiasAdd, max_pooling2d/MaxPool, average_pooling2d/AvgPool.
    assert [t[k].name for k in ("c", "c2", "p", "a", "f", "c1")] == [
        "conv2d/Relu:0", "conv2d_1/BiasAdd:0", "max_pooling2d/MaxPool:0",
        "average_pooling2d/AvgPool:0", "flatten/Reshape:0", "conv1d/BiasAdd:0"]
    assert [t[k].shape.as_list() for k in ("c", "c2", "p", "a", "f", "c1", "m1")] == [
        [None, 6, 6, 5], [None, 3, 3, 4], [None, 3, 3, 5], [None, 3, 3, 4], [None, 45],
        [None, 8, 2], [None, 4, 2]]


def test_conv_pooling_flatten_values(conv_graph):
    _, session, t = conv_graph
    x = RNG.randn(2, 8, 8, 3).astype(np.float32)
    x1 = RNG.randn(2, 10, 3).astype(np.float32)
    keys = ("c", "ref_c", "c2", "ref_c2", "a", "ref_a", "p", "f", "c1", "ref_c1", "m1")
    out = dict(zip(keys, session.run([t[k] for k in keys], {t["x"]: x, t["x1"]: x1})))
    for key in ("c", "c2", "a", "c1"):
        np.testing.assert_allclose(out[key], out["ref_" + key], rtol=1e-5, atol=1e-5)
    pooled = out["c"].reshape(2, 3, 2, 3, 2, 5).max(axis=(2, 4))  # 2x2 windows, stride 2
    np.testing.assert_array_equal(out["p"], pooled)
    np.testing.assert_array_equal(out["f"], pooled.reshape(2, -1))
    np.testing.assert_array_equal(out["m1"], out["c1"].reshape(2, 4, 2, 2).max(axis=2))


# ---------------------------------------------------------------------------
# batch_normalization: outputs, moving averages, UPDATE_OPS.

@pytest.fixture(scope="module")
def bn_graph():
    g = tf.Graph()
    with g.as_default():
        x4 = v1.placeholder(tf.float32, [None, 3, 3, 2])
        x2 = v1.placeholder(tf.float32, [None, 3])
        training = v1.placeholder(tf.bool, [])
        b4 = v1.layers.batch_normalization(x4, training=training, momentum=0.9)
        b2 = v1.layers.batch_normalization(x2, training=training, momentum=0.9)
        n_updates = len(v1.get_collection(v1.GraphKeys.UPDATE_OPS))
        b2_inference = v1.layers.batch_normalization(x2, training=False, name="infer")
        update_ops = v1.get_collection(v1.GraphKeys.UPDATE_OPS)
        with tf.control_dependencies(update_ops):  # the TF-1 training idiom
            step = tf.group(tf.identity(b4), tf.identity(b2))
        session = v1.Session(graph=g)
        session.run(v1.global_variables_initializer())
        variables = {v.name: v for v in v1.global_variables()}
        trainable = _names(v1.trainable_variables())
    yield session, dict(x4=x4, x2=x2, training=training, b4=b4, b2=b2, step=step,
                        update_ops=update_ops, n_updates=n_updates,
                        b2_inference=b2_inference, variables=variables, trainable=trainable)
    session.close()


def test_batch_norm_variables_and_update_ops_are_tf1s(bn_graph):
    _, t = bn_graph
    assert list(t["variables"]) == [
        f"{layer}/{name}:0" for layer in ("batch_normalization", "batch_normalization_1",
                                          "infer")
        for name in ("gamma", "beta", "moving_mean", "moving_variance")]
    assert all("moving" not in n for n in t["trainable"])
    # TF-1: two AssignSubVariableOps per layer, none for a layer built with training=False.
    assert t["n_updates"] == len(t["update_ops"]) == 4
    assert [op.name for op in t["update_ops"][:2]] == [
        "batch_normalization/AssignMovingAvg/AssignSubVariableOp",
        "batch_normalization/AssignMovingAvg_1/AssignSubVariableOp"]


def test_batch_norm_training_inference_and_moving_averages(bn_graph):
    session, t = bn_graph
    x4 = (RNG.randn(4, 3, 3, 2) * 2 + 1).astype(np.float32)
    x2 = (RNG.randn(5, 3) * 3 - 1).astype(np.float32)
    feeds = {t["x4"]: x4, t["x2"]: x2}
    variables = t["variables"]
    before = session.run(list(variables.values()))

    # Training mode: the batch's mean and biased variance (gamma 1, beta 0 at start).
    o4, o2 = session.run([t["b4"], t["b2"]], {**feeds, t["training"]: True})
    m4, var4 = x4.mean((0, 1, 2)), x4.var((0, 1, 2))
    m2, var2 = x2.mean(0), x2.var(0)
    np.testing.assert_allclose(o4, (x4 - m4) / np.sqrt(var4 + 1e-3), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(o2, (x2 - m2) / np.sqrt(var2 + 1e-3), rtol=1e-5, atol=1e-5)
    # Fetching the outputs alone changes nothing.
    assert all(np.array_equal(a, b) for a, b in zip(before, session.run(list(variables.values()))))

    # The update ops, run as TF-1 programs run them (control_dependencies), in inference
    # mode change nothing; in training mode move the averages by (1 - momentum).
    session.run(t["step"], {**feeds, t["training"]: False})
    assert all(np.array_equal(a, b) for a, b in zip(before, session.run(list(variables.values()))))
    session.run(t["step"], {**feeds, t["training"]: True})
    value = {n: session.run(v) for n, v in variables.items()}
    np.testing.assert_allclose(value["batch_normalization/moving_mean:0"], 0.1 * m4, rtol=1e-5)
    np.testing.assert_allclose(value["batch_normalization_1/moving_mean:0"], 0.1 * m2, rtol=1e-5)
    # As TF-1 (checked on TF 2.21 + tf_keras): a 4-D input goes through the fused kernel,
    # whose moving variance takes the unbiased batch variance; a 2-D input the biased one.
    n4 = x4.size / 2
    np.testing.assert_allclose(value["batch_normalization/moving_variance:0"],
                               0.9 + 0.1 * var4 * n4 / (n4 - 1), rtol=1e-5)
    np.testing.assert_allclose(value["batch_normalization_1/moving_variance:0"],
                               0.9 + 0.1 * var2, rtol=1e-5)

    # Inference mode: the moving averages.
    o4 = session.run(t["b4"], {**feeds, t["training"]: False})
    mean, var = (value[f"batch_normalization/moving_{k}:0"] for k in ("mean", "variance"))
    np.testing.assert_allclose(o4, (x4 - mean) / np.sqrt(var + 1e-3), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(session.run(t["b2_inference"], feeds), x2 / np.sqrt(1 + 1e-3),
                               rtol=1e-5)


# ---------------------------------------------------------------------------
# dropout

def test_dropout_training_flag_a_placeholder_or_a_bool():
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, [None, 1000])  # unknown batch, as TF-1 programs feed
        training = v1.placeholder_with_default(False, [])
        d = v1.layers.dropout(x, rate=0.25, training=training)
        d_train = v1.layers.dropout(x, rate=0.5, training=True)
        d_infer = v1.layers.dropout(x)  # TF-1's default: training=False
        assert (d_infer.name, d_train.shape.as_list()) == ("dropout_2/Identity:0", [None, 1000])
        value = RNG.rand(2, 1000).astype(np.float32) + 1
        with v1.Session() as session:
            inference, infer = session.run([d, d_infer], {x: value})
            trained, trained_half = session.run([d, d_train], {x: value, training: True})
    np.testing.assert_array_equal(inference, value)
    np.testing.assert_array_equal(infer, value)
    for out, rate in ((trained, 0.25), (trained_half, 0.5)):
        kept = out != 0
        np.testing.assert_allclose(out[kept], value[kept] / (1 - rate), rtol=1e-6)
        assert abs((~kept).mean() - rate) < 0.05


# ---------------------------------------------------------------------------
# The namespace.

# TF 1.15's tf.compat.v1.layers, functions and classes: ours must be among them.
TF1_LAYERS_NAMES = {
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "BatchNormalization", "Conv1D",
    "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "Dense", "Dropout", "Flatten",
    "InputSpec", "Layer", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "SeparableConv1D",
    "SeparableConv2D", "average_pooling1d", "average_pooling2d", "average_pooling3d",
    "batch_normalization", "conv1d", "conv2d", "conv2d_transpose", "conv3d", "conv3d_transpose",
    "dense", "dropout", "experimental", "flatten", "max_pooling1d", "max_pooling2d",
    "max_pooling3d", "separable_conv1d", "separable_conv2d"}


def test_layers_namespace_holds_only_tf1_names():
    public = {n for n in dir(v1.layers) if not n.startswith("_")}
    assert {"dense", "conv2d", "max_pooling2d", "average_pooling2d", "dropout", "flatten",
            "batch_normalization", "conv1d", "max_pooling1d"} <= public <= TF1_LAYERS_NAMES
    assert not hasattr(v1, "contrib")  # TF 2.21's compat.v1 has no contrib


# ---------------------------------------------------------------------------
# tf.contrib

def test_contrib_names_it_does_not_have():
    with pytest.raises(AttributeError, match=r"tfgrad_jax does not implement tf\.contrib\.layers:"
                       r" tf\.contrib was removed in TF 2"):
        contrib.layers  # noqa: B018
    with pytest.raises(AttributeError, match=r"tf\.contrib\.opt\.AdamWOptimizer"):
        contrib.opt.AdamWOptimizer  # noqa: B018
    assert contrib.opt.ScipyOptimizerInterface.__name__ == "ScipyOptimizerInterface"


def test_scipy_fits_rosenbrock_reusing_one_program():
    with tf.Graph().as_default():
        xy = v1.get_variable("xy", initializer=np.array([-1.2, 1.0], np.float32))
        loss = 100 * tf.square(xy[1] - tf.square(xy[0])) + tf.square(1 - xy[0])
        optimizer = contrib.opt.ScipyOptimizerInterface(loss, options={"maxiter": 200})
        steps, losses = [], []
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            optimizer.minimize(session, fetches=[loss], step_callback=steps.append,
                               loss_callback=losses.append)
            plans = len(session._plans)
            result = session.run(xy)
            # Again from the optimum: the same programs, none compiled anew.
            plans_before = len(session._plans)
            optimizer.minimize(session, fetches=[loss], loss_callback=losses.append)
            assert len(session._plans) == plans_before
    np.testing.assert_allclose(result, [1.0, 1.0], atol=1e-3)  # Rosenbrock's minimum
    assert len(steps) > 10 and len(losses) >= len(steps)
    assert losses[-1] < 1e-6 < losses[0]
    # Initializer, initial point, write a point, loss and gradient: compiled once each.
    assert plans == 4


def test_scipy_least_squares_with_bounds_and_constraints():
    rng = np.random.RandomState(1)
    a = rng.randn(20, 3)
    b = a @ np.array([1.0, -2.0, 0.5]) + 0.01 * rng.randn(20)
    best = np.linalg.lstsq(a, b, rcond=None)[0]
    with tf.Graph().as_default():
        w = v1.get_variable("w", shape=[3], dtype=tf.float64,
                            initializer=v1.zeros_initializer())
        a_in = v1.placeholder(tf.float64, [None, 3])
        loss = tf.reduce_sum(tf.square(tf.linalg.matvec(a_in, w) - b))
        free = contrib.opt.ScipyOptimizerInterface(loss, var_list=[w])
        bounded = contrib.opt.ScipyOptimizerInterface(
            loss, var_list=[w], var_to_bounds={w: ([-np.inf, -1.0, -np.inf], np.inf)})
        constrained = contrib.opt.ScipyOptimizerInterface(
            loss, var_list=[w], method="SLSQP", equalities=[tf.reduce_sum(w)],
            options={"maxiter": 100, "ftol": 1e-12})
        with pytest.raises(ValueError, match="var_to_bounds"):
            contrib.opt.ScipyOptimizerInterface(loss, bounds=[(0, 1)] * 3)
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            free.minimize(session, feed_dict={a_in: a})
            fitted = session.run(w)
            bounded.minimize(session, feed_dict={a_in: a})
            clipped = session.run(w)
            constrained.minimize(session, feed_dict={a_in: a})
            summed = session.run(w)
    np.testing.assert_allclose(fitted, best, rtol=1e-5, atol=1e-6)
    assert clipped[1] == pytest.approx(-1.0)  # the bound holds where the optimum is beyond
    np.testing.assert_allclose(
        clipped, _bounded_lstsq(a, b, fixed_index=1, fixed_value=-1.0), atol=1e-5)
    # Equality sum(w) == 0: the least-squares solution on that plane (Lagrange, numpy).
    kkt = np.block([[2 * a.T @ a, np.ones((3, 1))], [np.ones((1, 3)), np.zeros((1, 1))]])
    expected = np.linalg.solve(kkt, np.concatenate([2 * a.T @ b, [0.0]]))[:3]
    np.testing.assert_allclose(summed, expected, atol=1e-6)
    assert abs(summed.sum()) < 1e-9


def _bounded_lstsq(a, b, fixed_index, fixed_value):
    free = [i for i in range(a.shape[1]) if i != fixed_index]
    rest = np.linalg.lstsq(a[:, free], b - a[:, fixed_index] * fixed_value, rcond=None)[0]
    out = np.empty(a.shape[1])
    out[free], out[fixed_index] = rest, fixed_value
    return out


def test_scipy_missing_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    with tf.Graph().as_default():
        v = v1.get_variable("v", shape=[1])
        with pytest.raises(ImportError, match=r'pip install "tfgrad_jax\[scipy\]"'):
            contrib.opt.ScipyOptimizerInterface(tf.reduce_sum(v))
