"""tf.compat.v1's top level, `losses` and `nn` (tfgrad_jax/v1/api.py, losses.py, nn.py).

Each test names the TF 2.21 behaviour it mirrors; values are checked against
numpy, and against TF values computed in /tmp/tfenv where noted.
"""

import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax.compat.v1 import Session
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.v1 import api as v1
from tfgrad_jax.v1 import losses
from tfgrad_jax.v1 import nn as v1nn

X = np.arange(6.0, dtype=np.float32).reshape(2, 3) - 2.0


# ---------------------------------------------------------------------------
# TF-1 argument spellings, eagerly (TF 2 runs compat.v1 ops eagerly too).

def test_reduction_indices_and_keep_dims():
    # Regression: reduce_sum(x, reduction_indices=1) used to raise TypeError.
    np.testing.assert_allclose(v1.reduce_sum(X, reduction_indices=1), X.sum(1))
    np.testing.assert_allclose(v1.reduce_mean(X, reduction_indices=[0], keep_dims=True),
                               X.mean(0, keepdims=True))
    np.testing.assert_allclose(v1.reduce_max(X, 1), X.max(1))
    np.testing.assert_allclose(v1.reduce_min(X, axis=0, keepdims=True), X.min(0, keepdims=True))
    np.testing.assert_allclose(v1.reduce_prod(X + 3, reduction_indices=1), (X + 3).prod(1))
    np.testing.assert_array_equal(v1.reduce_all(X > -3, reduction_indices=0), [True] * 3)
    np.testing.assert_array_equal(v1.reduce_any(X > 2, reduction_indices=1), [False, True])
    np.testing.assert_allclose(v1.reduce_logsumexp(X, reduction_indices=1),
                               np.log(np.exp(X).sum(1)), rtol=1e-6)
    assert v1.reduce_sum(X).numpy() == X.sum()


def test_both_spellings_raise_tf_value_error():
    # TF: "Cannot specify both '<old>' and '<new>'." (deprecated_argument_lookup).
    cases = [
        (lambda: v1.reduce_sum(X, axis=1, reduction_indices=1), "'reduction_indices' and 'axis'"),
        (lambda: v1.reduce_sum(X, keepdims=True, keep_dims=True), "'keep_dims' and 'keepdims'"),
        (lambda: v1.argmax(X, axis=1, dimension=1), "'dimension' and 'axis'"),
        (lambda: v1.expand_dims(X, axis=1, dim=1), "'dim' and 'axis'"),
        (lambda: v1.squeeze(X, axis=[0], squeeze_dims=[0]), "'squeeze_dims' and 'axis'"),
        (lambda: v1.count_nonzero(input_tensor=X, input=X), "'input_tensor' and 'input'"),
        (lambda: v1.norm(X, keepdims=True, keep_dims=True), "'keep_dims' and 'keepdims'"),
        (lambda: v1nn.dropout(X, keep_prob=0.5, rate=0.5), "'keep_prob' and 'rate'"),
        (lambda: v1nn.softmax(X, axis=1, dim=1), "'dim' and 'axis'"),
        (lambda: v1nn.moments(X, [0], keep_dims=True, keepdims=True),
         "'keep_dims' and 'keepdims'"),
        (lambda: v1nn.max_pool(value=X, input=X, ksize=1, strides=1, padding="VALID"),
         "'value' and 'input'"),
    ]
    for build, text in cases:
        with pytest.raises(ValueError, match=f"Cannot specify both {text}"):
            build()
    with pytest.raises(ValueError, match=r"Must specify an axis argument to tf.expand_dims\(\)"):
        v1.expand_dims(X)
    with pytest.raises(ValueError, match="x and y must both be non-None or both be None"):
        v1.where(X > 0, X)


def test_v1_only_ops_against_numpy():
    np.testing.assert_array_equal(v1.argmax(X, dimension=1), X.argmax(1))
    np.testing.assert_array_equal(v1.argmin(X), X.argmin(0))
    np.testing.assert_array_equal(v1.arg_max(X, 1), X.argmax(1))
    np.testing.assert_array_equal(v1.arg_min(X, 0), X.argmin(0))
    assert v1.argmax(X, 1).dtype == tf.int64
    assert v1.expand_dims(X, dim=0).shape == (1, 2, 3)
    assert v1.squeeze(np.ones((1, 2, 1)), squeeze_dims=[0]).shape == (2, 1)
    np.testing.assert_array_equal(v1.count_nonzero(X, reduction_indices=1, keep_dims=True),
                                  [[2], [3]])
    np.testing.assert_allclose(v1.norm(X, axis=1, keep_dims=True),
                               np.linalg.norm(X, axis=1, keepdims=True), rtol=1e-6)
    # TF-1 div is Python 2's: floor division for ints (TF: [-4, 3]), exact for floats.
    ints, floats = np.array([-7, 7], np.int32), np.array([-7.0, 7.0], np.float32)
    np.testing.assert_array_equal(v1.div(ints, 2), [-4, 3])
    np.testing.assert_allclose(v1.div(floats, 2.0), [-3.5, 3.5])
    np.testing.assert_array_equal(v1.floor_div(ints, 2), [-4, 3])
    np.testing.assert_array_equal(v1.floordiv(ints, 2), [-4, 3])
    with pytest.raises(TypeError):
        v1.div(ints, floats)
    np.testing.assert_allclose(v1.log(np.float32(2.0)), np.log(2.0), rtol=1e-6)
    for fn, dtype in [(v1.to_float, tf.float32), (v1.to_double, tf.float64),
                      (v1.to_int32, tf.int32), (v1.to_int64, tf.int64)]:
        out = fn(np.array([1.7, -2.0]))
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, np.array([1.7, -2.0]).astype(dtype.as_numpy_dtype))
    # TF-1 where: a vector condition picks whole rows; no other broadcasting.
    np.testing.assert_array_equal(v1.where(np.array([True, False]), np.ones((2, 3)),
                                           np.zeros((2, 3))), [[1] * 3, [0] * 3])
    assert v1.concat([X, X], 0).shape == (4, 3)
    assert [t.shape for t in v1.split(X, 3, axis=1)] == [(2, 1)] * 3
    # TF-1 signatures with `name` earlier (positional calls), and TF-1's batch_gather.
    np.testing.assert_array_equal(v1.gather(X, [1], None, "g", 1), X[:, [1]])
    np.testing.assert_array_equal(v1.batch_gather(X, np.array([[0], [2]])), [[X[0, 0]], [X[1, 2]]])
    np.testing.assert_array_equal(v1.shape(X, "s", tf.int64), [2, 3])
    assert v1.shape(X).dtype == tf.int32 and int(v1.size(X, "n")) == 6
    np.testing.assert_array_equal(v1.transpose(X, [1, 0], "t"), X.T)
    np.testing.assert_array_equal(v1.pad(X, [[1, 0], [0, 0]], "CONSTANT", "p", 7.0),
                                  np.pad(X, [[1, 0], [0, 0]], constant_values=7.0))
    np.testing.assert_array_equal(v1.boolean_mask(X, [True, False], "bm"), X[:1])
    np.testing.assert_array_equal(v1.zeros_like(tensor=X, optimize=False), np.zeros_like(X))
    np.testing.assert_array_equal(v1.ones_like(tensor=X), np.ones_like(X))
    with pytest.raises(TypeError, match=r"Expected Tensor's shape: \(4,\), but got \(2,\)"):
        v1.constant([1, 2], shape=[4], verify_shape=True)
    # tf.compat.v1.mul/sub/neg are absent from TF 2.21's compat.v1: not here either.
    assert not {"mul", "sub", "neg"} & set(v1.__all__)


# ---------------------------------------------------------------------------
# Execution mode.

@pytest.fixture
def v1_mode():
    """disable_eager_execution for one test, undone after it (it is process-wide)."""
    v1.disable_eager_execution()
    try:
        yield
    finally:
        v1.enable_eager_execution()
        tf.compat.v1.reset_default_graph()  # leave no ops in the global graph to other tests


def test_disable_eager_execution_survives_reset_default_graph(v1_mode):
    # Regression: after reset_default_graph, placeholder raised "not compatible with eager
    # execution" because the flag was never read. TF keeps graph mode.
    assert not v1.executing_eagerly() and not v1.executing_eagerly_outside_functions()
    tf.compat.v1.reset_default_graph()
    p = v1.placeholder(tf.float32, [None, 3], name="x")
    y = v1.reduce_sum(p * 2.0, reduction_indices=1)
    assert p.graph is tf.compat.v1.get_default_graph() and y.graph is p.graph
    tf.compat.v1.reset_default_graph()
    q = v1.placeholder(tf.float32, [2])
    assert q.graph is tf.compat.v1.get_default_graph() and q.graph is not p.graph
    assert q.name == "Placeholder:0"
    with Session(graph=p.graph) as sess:
        np.testing.assert_allclose(sess.run(y, {p: X}), (2 * X).sum(1))


def test_enable_eager_execution_restores_eager():
    v1.disable_eager_execution()
    v1.enable_eager_execution()
    assert v1.executing_eagerly() and v1.executing_eagerly_outside_functions()
    with pytest.raises(RuntimeError, match="not compatible with eager execution"):
        v1.placeholder(tf.float32, [2])
    with tf.Graph().as_default():
        assert not v1.executing_eagerly() and not v1.executing_eagerly_outside_functions()


def test_eager_scope_pauses_v1_mode(v1_mode):
    # Library code that must run eagerly (TF's init_scope, as a tf.function's
    # variables are created) still can in TF-1 mode.
    with graph_mod.eager_scope():
        assert v1.executing_eagerly()
        assert float(tf.constant(2.0) * 3.0) == 6.0
    assert not v1.executing_eagerly()


def test_disable_v2_tensorshape_gives_dimensions():
    # TF-1 shapes: shape[i] is a Dimension whose .value is the int (an unknown one stays
    # None here; TF gives Dimension(None)).
    shape = tf.TensorShape([2, None])
    v1.disable_v2_behavior()
    try:
        first = shape[0]
        assert isinstance(first, v1.Dimension) and first.value == 2 and first == 2
        assert repr(first) == "Dimension(2)" and first + 1 == 3
        assert shape[1] is None and v1.dimension_value(first) == 2
        assert isinstance(v1.dimension_at_index(shape, 0), v1.Dimension)
        assert v1.dimension_at_index(shape, 1) is None
        assert v1.dimension_at_index(tf.TensorShape(None), 3) is None
        assert not v1.executing_eagerly()
    finally:
        v1.enable_v2_behavior()
    assert type(shape[0]) is int and v1.executing_eagerly()
    with pytest.raises(ValueError, match="must be >= 0"):
        v1.Dimension(-1)


def test_switches_with_only_a_v2_form_here():
    # TF-1 programs call these; the behaviour is TF 2's whatever they say (documented).
    v1.disable_resource_variables()
    v1.disable_control_flow_v2()
    v1.disable_tensor_equality()
    assert v1.resource_variables_enabled() and v1.control_flow_v2_enabled()
    v1.enable_resource_variables()
    v1.enable_control_flow_v2()
    v1.enable_tensor_equality()
    np.testing.assert_array_equal(tf.constant([1, 2]) == tf.constant([1, 3]), [True, False])


# ---------------------------------------------------------------------------
# One TF-1 graph, run once, for placeholders, seeds and nn.

@pytest.fixture(scope="module")
def graph_run():
    """Builds one graph with everything below and runs it in one Session call."""
    out = {}
    g = tf.Graph()
    with g.as_default():
        v1.set_random_seed(5)
        out["n1"] = v1.random_normal([4])
        out["n2"] = v1.random_normal([4])
        out["u"] = v1.random_uniform([3], seed=3)
        out["t"] = v1.truncated_normal([200])
        out["m"] = v1.multinomial(np.log([[0.5, 0.5]]), 4)
        default = tf.constant(X)
        phd = v1.placeholder_with_default(default, [None, 3])
        out["phd"] = phd * 1.0
        out["phd_shape"] = tf.shape(phd)
        out["phd_grad"] = v1.gradients(v1.reduce_sum(phd * 3.0), default)[0]
        drop = v1nn.dropout(tf.ones([50]), keep_prob=0.5)
        out["drop"] = drop
        lab, logits = tf.constant([[0.2, 0.8]]), tf.constant([[1.0, 3.0]])
        xent = v1nn.softmax_cross_entropy_with_logits(labels=lab, logits=logits)
        xent2 = v1nn.softmax_cross_entropy_with_logits_v2(labels=lab, logits=logits)
        out["xent"], out["xent2"] = xent, xent2
        out["xent_label_grads"] = (v1.gradients(xent, lab), v1.gradients(xent2, lab))
        out["softmax"] = v1nn.softmax(tf.constant(X), dim=0)
        out["log_softmax"] = v1nn.log_softmax(tf.constant(X), dim=1)
        out["moments"] = v1nn.moments(tf.constant(X), [0], keep_dims=True)
        out["l2n"] = v1nn.l2_normalize(tf.constant(X), dim=1)
        img = tf.constant(np.arange(16.0, dtype=np.float32).reshape(1, 4, 4, 1))
        out["conv"] = v1nn.conv2d(img, filter=tf.ones([2, 2, 1, 1]), strides=[1, 1, 1, 1],
                                  padding="VALID", use_cudnn_on_gpu=False)
        out["max_pool"] = v1nn.max_pool(value=img, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1],
                                        padding="VALID")
        out["avg_pool"] = v1nn.avg_pool(img, ksize=2, strides=2, padding="VALID")
        out["sparse"] = v1nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.constant([1, 0]), logits=tf.constant(X))
        out["xw_plus_b"] = v1nn.xw_plus_b(tf.constant(X), tf.ones([3, 2]), tf.constant([1.0, 2.0]))
        # Tensor names and random op seeds, read off the graph.
        # TF-1 constant completes a short value with its last element, in a graph.
        out["filled"] = v1.constant([1, 2], shape=[4])
        out["names"] = {"to_float": v1.to_float(tf.constant([1])).name,
                        "div": v1.div(tf.constant([1, 2]), 2).op.type}
        out["seeds"] = [(op.get_attr("seed"), op.get_attr("seed2")) for op in g.get_operations()
                        if op.type in ("RandomStandardNormal", "RandomUniform")]
        fetch = {k: v for k, v in out.items()
                 if k not in ("names", "seeds", "xent_label_grads")}
        with Session(config=v1.ConfigProto(allow_soft_placement=True)) as sess:
            values = sess.run(fetch, options=v1.RunOptions(trace_level=v1.RunOptions.FULL_TRACE),
                              run_metadata=v1.RunMetadata())
            values["fed"] = sess.run([out["phd"], out["phd_shape"]], {phd: X[:1]})
            values["again"] = sess.run(fetch)  # the same program (compiled once) runs again
    return out, values


def _seeded_program(seed):
    with tf.Graph().as_default():
        v1.set_random_seed(seed)
        a, b = v1.random_normal([4]), v1.random_uniform([4])
        with Session() as sess:
            return sess.run([a, b])


def test_set_random_seed_graph_level(graph_run):
    out, values = graph_run
    # TF 2.21: graph seed 5; op seeds None, None, 3 -> (5, 0), (5, 1), (5, 3); the
    # truncated_normal and multinomial ops take 2 and 3, so dropout's uniform gets 4.
    assert out["seeds"] == [(5, 0), (5, 1), (5, 3), (5, 4)]
    assert not np.allclose(values["n1"], values["n2"])        # two ops differ
    assert not np.allclose(values["n1"], values["again"]["n1"])  # a second run draws anew
    first, second = _seeded_program(11), _seeded_program(11)
    for a, b in zip(first, second):                           # same program, same seed
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first[0], values["n1"])            # another graph seed
    assert np.all(np.abs(values["t"]) <= 2.0) and values["m"].dtype == np.int64
    assert values["m"].shape == (1, 4) and set(values["m"].ravel()) <= {0, 1}


def test_placeholder_with_default(graph_run):
    out, values = graph_run
    np.testing.assert_allclose(values["phd"], X)           # unfed: the default
    np.testing.assert_allclose(values["fed"][0], X[:1])    # fed with another batch size
    np.testing.assert_array_equal(values["fed"][1], [1, 3])  # its shape is the fed one
    np.testing.assert_array_equal(values["phd_shape"], [2, 3])
    np.testing.assert_allclose(values["phd_grad"], np.full_like(X, 3.0))  # TF: identity grad
    assert out["phd"].shape.as_list() == [None, 3]
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="incompatible"):
            v1.placeholder_with_default(X, [None, 4])


def test_tf1_names(graph_run):
    out, _ = graph_run
    # TF: to_float names its op ToFloat; TF-1 div of ints builds FloorDiv.
    assert out["names"] == {"to_float": "ToFloat:0", "div": "FloorDiv"}
    np.testing.assert_array_equal(graph_run[1]["filled"], [1, 2, 2, 2])


def test_v1_nn_values(graph_run):
    out, values = graph_run
    drop = values["drop"]
    assert set(np.unique(drop)) <= {0.0, 2.0} and 0 < drop.sum() < 100
    lab, logits = np.array([[0.2, 0.8]]), np.array([[1.0, 3.0]])
    log_sm = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    np.testing.assert_allclose(values["xent"], -(lab * log_sm).sum(-1), rtol=1e-6)
    np.testing.assert_allclose(values["xent2"], values["xent"], rtol=1e-6)
    # TF-1 form stops the gradient into labels; the _v2 form does not.
    v1_grads, v2_grads = out["xent_label_grads"]
    assert v1_grads == [None] and v2_grads[0] is not None
    e0 = np.exp(X - X.max(0))
    np.testing.assert_allclose(values["softmax"], e0 / e0.sum(0), rtol=1e-6)
    np.testing.assert_allclose(values["log_softmax"],
                               X - np.log(np.exp(X).sum(1, keepdims=True)), rtol=1e-5, atol=1e-6)
    mean, var = values["moments"]
    np.testing.assert_allclose(mean, X.mean(0, keepdims=True))
    np.testing.assert_allclose(var, X.var(0, keepdims=True))
    np.testing.assert_allclose(values["l2n"], X / np.linalg.norm(X, axis=1, keepdims=True),
                               rtol=1e-6)
    img = np.arange(16.0).reshape(4, 4)
    conv = img[:-1, :-1] + img[1:, :-1] + img[:-1, 1:] + img[1:, 1:]
    np.testing.assert_allclose(values["conv"][0, :, :, 0], conv)
    np.testing.assert_allclose(values["max_pool"][0, :, :, 0], [[5, 7], [13, 15]])
    np.testing.assert_allclose(values["avg_pool"][0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    log_sm = X - np.log(np.exp(X).sum(1, keepdims=True))
    np.testing.assert_allclose(values["sparse"], -log_sm[[0, 1], [1, 0]], rtol=1e-6)
    np.testing.assert_allclose(values["xw_plus_b"], X.sum(1, keepdims=True) + [1.0, 2.0])


def test_v1_nn_namespace_and_errors():
    # tf.compat.v1.nn holds all of tf.nn (but gelu, which TF 1 lacked) plus the v1 forms.
    for name in ("relu", "sigmoid_cross_entropy_with_logits",
                 "softmax_cross_entropy_with_logits_v2", "xw_plus_b", "dropout", "conv2d",
                 "max_pool", "embedding_lookup", "moments"):
        assert name in v1nn.__all__ and callable(getattr(v1nn, name))
    assert "gelu" not in v1nn.__all__
    with pytest.raises(ValueError, match=r"`rate` must be provided. Received: rate=None"):
        v1nn.dropout(X)
    with pytest.raises(ValueError, match="Both `labels` and `logits` must be provided"):
        v1nn.sparse_softmax_cross_entropy_with_logits(logits=X)
    np.testing.assert_array_equal(v1nn.dropout(X, keep_prob=1.0), X)  # TF: rate 0 -> x
    # TF-1 in_top_k takes predictions first (TF 2: targets first).
    np.testing.assert_array_equal(v1nn.in_top_k(X, np.array([2, 0], np.int32), 1), [True, False])
    with pytest.raises(ValueError, match=r"range \[0, 1\). Received: rate=1.0"):
        v1nn.dropout(X, keep_prob=0.0)


# ---------------------------------------------------------------------------
# compat.v1.losses.

Y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], np.float32)
P = np.array([[0.2, 0.7], [0.9, 0.4], [0.6, 0.1]], np.float32)
W = np.array([[1.0], [0.0], [2.0]], np.float32)
R = losses.Reduction


@pytest.fixture(scope="module")
def losses_run():
    g = tf.Graph()
    with g.as_default():
        out = {"mse_" + r: losses.mean_squared_error(Y, P, weights=W, reduction=r,
                                                     loss_collection=None if r == R.NONE
                                                     else "losses")
               for r in (R.NONE, R.SUM, R.MEAN, R.SUM_OVER_BATCH_SIZE, R.SUM_BY_NONZERO_WEIGHTS)}
        out["mse"] = losses.mean_squared_error(Y, P)
        out["abs"] = losses.absolute_difference(Y, P, weights=W)
        out["log"] = losses.log_loss(Y, P, weights=W)
        out["hinge"] = losses.hinge_loss(Y, P, weights=W)
        out["huber"] = losses.huber_loss(Y, P * 3, weights=W, delta=1.0)
        out["sce"] = losses.softmax_cross_entropy(Y, P, weights=W[:, 0])
        out["sce_ls"] = losses.softmax_cross_entropy(Y, P, label_smoothing=0.1)
        out["ssce"] = losses.sparse_softmax_cross_entropy(np.array([1, 0, 1]), P, weights=W[:, 0])
        out["sig"] = losses.sigmoid_cross_entropy(Y, P, weights=W)
        out["sig_ls"] = losses.sigmoid_cross_entropy(Y, P, label_smoothing=0.2)
        out["cwl"] = losses.compute_weighted_loss(np.array([1.0, 2.0, 3.0], np.float32),
                                                  weights=np.array([0.0, 1.0, 1.0], np.float32))
        out["cwl_zero"] = losses.compute_weighted_loss(np.array([1.0, 2.0], np.float32), 0.0)
        out["cos"] = losses.cosine_distance(Y, P, axis=1, weights=W)
        out["mpse"] = losses.mean_pairwise_squared_error(Y, P, weights=W)
        out["mpse_scalar"] = losses.mean_pairwise_squared_error(Y, P)
        collected = losses.get_losses()
        losses.add_loss(tf.constant(5.0))
        g.add_to_collection("regularization_losses", tf.constant(0.5, name="reg"))
        out["total"] = losses.get_total_loss()
        out["total_no_reg"] = losses.get_total_loss(add_regularization_losses=False)
        out["reg"] = losses.get_regularization_loss()
        names = {k: t.name for k, t in out.items()}
        with Session() as sess:
            values = sess.run(out)
    return values, names, collected


def test_loss_reductions_against_numpy(losses_run):
    values, _, _ = losses_run
    sq = (P - Y) ** 2 * W
    np.testing.assert_allclose(values["mse_none"], sq, rtol=1e-6)
    np.testing.assert_allclose(values["mse_weighted_sum"], sq.sum(), rtol=1e-6)
    np.testing.assert_allclose(values["mse_weighted_mean"], sq.sum() / np.broadcast_to(W, Y.shape)
                               .sum(), rtol=1e-6)
    np.testing.assert_allclose(values["mse_weighted_sum_over_batch_size"], sq.sum() / Y.size,
                               rtol=1e-6)
    # The default, SUM_BY_NONZERO_WEIGHTS: divided by the 4 elements of non-zero weight.
    np.testing.assert_allclose(values["mse_weighted_sum_by_nonzero_weights"], sq.sum() / 4,
                               rtol=1e-6)
    np.testing.assert_allclose(values["mse"], ((P - Y) ** 2).mean(), rtol=1e-6)
    np.testing.assert_allclose(values["abs"], (np.abs(P - Y) * W).sum() / 4, rtol=1e-6)
    log = -Y * np.log(P + 1e-7) - (1 - Y) * np.log(1 - P + 1e-7)
    np.testing.assert_allclose(values["log"], (log * W).sum() / 4, rtol=1e-6)
    hinge = np.maximum(0, 1 - (2 * Y - 1) * P)
    np.testing.assert_allclose(values["hinge"], (hinge * W).sum() / 4, rtol=1e-6)
    np.testing.assert_allclose(values["cwl"], 2.5)
    assert values["cwl_zero"] == 0.0  # all weights 0: divide_no_nan gives 0, as TF
    # Pairwise: per example 2 * sum(d^2) / (n - 1) - 2 * sum(d)^2 / (n * (n - 1)), n = 2.
    d = P - Y
    per_example = 2 * (d ** 2).sum(1) / 1 - 2 * d.sum(1) ** 2 / 2
    np.testing.assert_allclose(values["mpse"], (per_example * W[:, 0]).sum(), rtol=1e-5)


def test_losses_match_tf_values(losses_run):
    values, _, _ = losses_run
    # Computed with TF 2.21 (tf.compat.v1.losses, graph mode) on the same inputs.
    tf_values = {"mse_weighted_sum": 2.07, "mse_weighted_mean": 0.345,
                 "mse_weighted_sum_over_batch_size": 0.345,
                 "mse_weighted_sum_by_nonzero_weights": 0.5175, "mse": 0.21166666,
                 "abs": 0.775, "log": 1.5516593, "hinge": 1.025, "huber": 0.47750002,
                 "sce": 1.6851925, "sce_ls": 0.79130006, "ssce": 1.2111155, "sig": 0.84127355,
                 "sig_ls": 0.6178964, "cwl": 2.5, "cos": 0.44999996, "mpse": 0.75,
                 # A scalar Python weight: TF counts n over the whole batch (its quirk).
                 "mpse_scalar": 0.38866663}
    for key, expected in tf_values.items():
        np.testing.assert_allclose(values[key], expected, rtol=1e-5, err_msg=key)


def test_loss_collection(losses_run):
    values, names, collected = losses_run
    # Every loss but the one built with loss_collection=None is in LOSSES, in order.
    assert [t.name for t in collected] == [names[k] for k in names if k not in (
        "mse_none", "total", "total_no_reg", "reg")]
    # TF's tensor names: SUM ends in Sum; divided reductions in `value`.
    assert names["mse_weighted_sum"] == "mean_squared_error_1/Sum:0"
    assert names["log"] == "log_loss/value:0"
    assert names["sce"] == "softmax_cross_entropy_loss/value:0"
    summed = sum(values[k] for k in names if k not in ("mse_none", "total", "total_no_reg", "reg"))
    np.testing.assert_allclose(values["total_no_reg"], summed + 5.0, rtol=1e-6)
    np.testing.assert_allclose(values["total"], summed + 5.5, rtol=1e-6)
    np.testing.assert_allclose(values["reg"], 0.5)
    with tf.Graph().as_default():
        losses.mean_squared_error(Y, P, scope="a")
        losses.absolute_difference(Y, P, scope="b")
        assert [t.name for t in losses.get_losses(scope="b")] == ["b/value:0"]
        assert losses.get_regularization_losses() == []
    # Eagerly nothing is collected, as TF.
    before = len(losses.get_losses())
    float(losses.mean_squared_error(Y, P))
    assert len(losses.get_losses()) == before


def test_loss_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Invalid Reduction Key foo"):
            losses.mean_squared_error(Y, P, reduction="foo")
        with pytest.raises(ValueError, match=r"Shapes \(3, 1\) and \(3, 2\) are incompatible"):
            losses.mean_squared_error(Y, P[:, :1])
        with pytest.raises(ValueError, match="weights can not be broadcast to values"):
            losses.mean_squared_error(Y, P, weights=np.ones((2, 2)))
        with pytest.raises(ValueError, match="Argument `labels` must not be None"):
            losses.mean_squared_error(None, P)
        with pytest.raises(ValueError, match="Argument `onehot_labels` must not be None"):
            losses.softmax_cross_entropy(None, P)
        with pytest.raises(ValueError, match="You must specify argument `axis`"):
            losses.cosine_distance(Y, P)


# ---------------------------------------------------------------------------
# Session configuration.

def test_config_protos_accepted_and_ignored():
    config = v1.ConfigProto(allow_soft_placement=True, log_device_placement=False,
                            gpu_options=v1.GPUOptions(per_process_gpu_memory_fraction=0.5))
    config.gpu_options.allow_growth = True
    config.graph_options.optimizer_options.opt_level = v1.OptimizerOptions.L0
    assert config.allow_soft_placement and not config.log_device_placement
    assert config.gpu_options.allow_growth
    assert config.gpu_options.per_process_gpu_memory_fraction == 0.5
    assert config.intra_op_parallelism_threads == 0  # TF's default
    assert v1.ConfigProto().gpu_options.allow_growth is False
    with pytest.raises(AttributeError):
        v1.ConfigProto().no_such_field  # noqa: B018 - reading an unset unknown field
