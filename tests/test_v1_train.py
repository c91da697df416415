"""tf.compat.v1.train: TF-1 optimizers, the global step, learning-rate decay and Saver,
run as TF-1 programs (graphs, placeholders, Session.run).

Reference numbers are numpy implementations of TF-1's documented update rules,
written here independently of tfgrad_jax/optimizers/rules.py; names, collections,
error texts and decay values were checked against TensorFlow 2.21
(`tf.compat.v1.train`). Each test says which TF behaviour it mirrors.
"""

import json
import os
import re

import numpy as np
import pytest

import tfgrad_jax
from tfgrad_jax.compat import v1 as tf
from tfgrad_jax.framework.errors import InvalidArgumentError, NotFoundError
from tfgrad_jax.v1 import train

Variable = tfgrad_jax.Variable


def _initialize(sess):
    # global_variables_initializer: every variable of the graph's "variables" collection.
    sess.run([v.initializer for v in sess.graph.get_collection("variables")])


# ---------------------------------------------------------------------------
# Logistic regression trained with three optimizers in one graph (one compiled step).

RNG = np.random.RandomState(0)
X = RNG.randn(32, 3).astype(np.float32)
Y = (X @ np.array([1.5, -2.0, 0.5]) + 0.3 > 0).astype(np.float32).reshape(-1, 1)
STEPS = 200


def _np_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _np_loss_and_grads(w, b):
    z = X.astype(np.float64) @ w + b
    loss = np.mean(np.logaddexp(0.0, z) - Y * z)  # sigmoid cross entropy, stable
    d = (_np_sigmoid(z) - Y) / len(X)
    return loss, X.T.astype(np.float64) @ d, d.sum(axis=0)


def _np_train(update):
    """STEPS updates of (w, b) from zeros by `update(t, param, grad, state) -> state`."""
    params = [np.zeros((3, 1)), np.zeros(1)]
    states = [None, None]
    for t in range(1, STEPS + 1):
        _, gw, gb = _np_loss_and_grads(*params)
        for i, g in enumerate((gw, gb)):
            params[i], states[i] = update(t, params[i], g, states[i])
    return params, _np_loss_and_grads(*params)[0]


def _np_gd(t, p, g, state):
    return p - 0.5 * g, None


def _np_adam(t, p, g, state, lr=0.05, b1=0.9, b2=0.999, eps=1e-8):
    # TF-1 AdamOptimizer's documented form (epsilon hat).
    m, v = state if state is not None else (np.zeros_like(p), np.zeros_like(p))
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    return p - lr_t * m / (np.sqrt(v) + eps), (m, v)


def _np_nesterov(t, p, g, accum, lr=0.1, mu=0.9):
    # TF-1 MomentumOptimizer(use_nesterov=True): accum = mu*accum + g;
    # var -= lr*g + lr*mu*accum.
    accum = mu * (accum if accum is not None else 0.0) + g
    return p - (lr * g + lr * mu * accum), accum


@pytest.fixture(scope="module")
def logistic():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tfgrad_jax.float32, [None, 3], name="x")
        y = tf.placeholder(tfgrad_jax.float32, [None, 1], name="y")
        step = train.get_or_create_global_step()
        runs = {}
        for name, opt in [("gd", train.GradientDescentOptimizer(0.5)),
                          ("adam", train.AdamOptimizer(0.05)),
                          ("nesterov", train.MomentumOptimizer(0.1, 0.9, use_nesterov=True))]:
            with tfgrad_jax.name_scope("logreg_" + name):
                w = Variable(tfgrad_jax.zeros([3, 1]), name="w")
                b = Variable(tfgrad_jax.zeros([1]), name="b")
                logits = tfgrad_jax.matmul(x, w) + b
                loss = tfgrad_jax.reduce_mean(
                    tfgrad_jax.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
            op = opt.minimize(loss, var_list=[w, b],
                              global_step=step if name == "gd" else None)
            runs[name] = (w, b, loss, op, opt)
        train_op = tfgrad_jax.group(*[r[3] for r in runs.values()])
        sess = tf.Session(graph=graph)
        _initialize(sess)
        feed = {x: X, y: Y}
        for _ in range(STEPS):
            assert sess.run(train_op, feed_dict=feed) is None  # ops fetch as None (TF)
        results = sess.run({name: (w, b, loss) for name, (w, b, loss, _, _) in runs.items()},
                           feed_dict=feed)
        return {"graph": graph, "sess": sess, "runs": runs, "results": results, "step": step}


@pytest.mark.parametrize("name, update", [("gd", _np_gd), ("adam", _np_adam),
                                          ("nesterov", _np_nesterov)])
def test_logistic_regression_matches_numpy(logistic, name, update):
    # TF-1 optimizers' documented updates, 200 steps of full-batch training.
    (w_ref, b_ref), loss_ref = _np_train(update)
    w, b, loss = logistic["results"][name]
    assert abs(loss - loss_ref) < 1e-5
    np.testing.assert_allclose(w, w_ref, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(b, b_ref, rtol=2e-4, atol=2e-5)
    assert loss < 0.3  # it did learn


def test_minimize_returns_an_op_and_global_step_counts(logistic):
    # TF: minimize(global_step=...) returns the AssignAddVariableOp named as the optimizer;
    # without one, a NoOp group; both are in the TRAIN_OP collection.
    runs, sess, step = logistic["runs"], logistic["sess"], logistic["step"]
    gd_op, adam_op = runs["gd"][3], runs["adam"][3]
    assert (gd_op.name, gd_op.type) == ("GradientDescent", "AssignAddVariableOp")
    assert (adam_op.name, adam_op.type) == ("Adam", "NoOp")
    assert logistic["graph"].get_collection("train_op") == [r[3] for r in runs.values()]
    with logistic["graph"].as_default():
        assert sess.run(step) == STEPS and sess.run(step).dtype == np.int64
        assert train.global_step(sess, step) == STEPS


def test_adam_slots_and_beta_powers(logistic):
    # TF-1 Adam: slots m = w/Adam, v = w/Adam_1; beta1_power starts at beta1 (the power
    # step 1 uses) and is multiplied by beta1 after each step: beta1 ** (t + 1) after t.
    sess, (w, b, _, _, opt) = logistic["sess"], logistic["runs"]["adam"]
    assert opt.get_slot_names() == ["m", "v"]
    assert opt.get_slot(w, "m").name == "logreg_adam/w/Adam:0"
    assert opt.get_slot(w, "v").name == "logreg_adam/w/Adam_1:0"
    assert opt.get_slot(w, "nope") is None
    with logistic["graph"].as_default():
        optimizer_variables = opt.variables()
        powers = sess.run(optimizer_variables[:2])
    assert [v.name for v in optimizer_variables] == [
        "beta1_power:0", "beta2_power:0", "logreg_adam/b/Adam:0", "logreg_adam/b/Adam_1:0",
        "logreg_adam/w/Adam:0", "logreg_adam/w/Adam_1:0"]
    np.testing.assert_allclose(powers, [0.9 ** (STEPS + 1), 0.999 ** (STEPS + 1)], rtol=1e-4)


# ---------------------------------------------------------------------------
# Slot names, collections and errors (graphs built, not run).

def test_slot_names_and_collections_match_tf():
    # TF 2.21: slots named <var>/<optimizer>[_N] in creation order, not trainable, in
    # GLOBAL_VARIABLES; optimizers' variables() sorted by name; beta powers in the
    # current name scope.
    graph = tf.Graph()
    with graph.as_default():
        w = Variable([1.0, 2.0], name="w")
        loss = tfgrad_jax.reduce_sum(w * w)
        with tfgrad_jax.name_scope("train"):
            adam = train.AdamOptimizer()
            adam.minimize(loss)
        momentum = train.MomentumOptimizer(0.1, 0.9)
        rms = train.RMSPropOptimizer(0.1)
        rms_centered = train.RMSPropOptimizer(0.1, centered=True, name="C")
        adagrad = train.AdagradOptimizer(0.1)
        for opt in (momentum, rms, rms_centered, adagrad):
            opt.minimize(loss)
        adam2 = train.AdamOptimizer()
        adam2.minimize(loss)
        names = [v.name for v in graph.get_collection("variables")]
        assert [v.name for v in graph.get_collection("trainable_variables")] == ["w:0"]
        assert names == ["w:0", "train/beta1_power:0", "train/beta2_power:0", "w/Adam:0",
                         "w/Adam_1:0", "w/Momentum:0", "w/RMSProp:0", "w/RMSProp_1:0",
                         "w/C:0", "w/C_1:0", "w/C_2:0", "w/Adagrad:0", "beta1_power:0",
                         "beta2_power:0", "w/Adam_2:0", "w/Adam_3:0"]
        assert rms.get_slot_names() == ["momentum", "rms"]
        assert rms.get_slot(w, "rms").name == "w/RMSProp:0"
        assert [rms_centered.get_slot(w, k).name for k in ("rms", "mg", "momentum")] == [
            "w/C:0", "w/C_1:0", "w/C_2:0"]
        assert momentum.get_slot(w, "momentum").name == "w/Momentum:0"
        assert adagrad.get_slot(w, "accumulator").name == "w/Adagrad:0"
        assert [v.name for v in adam2.variables()] == ["beta1_power:0", "beta2_power:0",
                                                       "w/Adam_2:0", "w/Adam_3:0"]
        assert train.GradientDescentOptimizer(0.1).variables() == []
        assert not any(v.trainable for v in adam.variables())


def test_optimizer_errors_match_tf():
    graph = tf.Graph()
    with graph.as_default():
        w = Variable([1.0, 2.0], name="w")
        c = Variable(0.5, name="c")
        loss = tfgrad_jax.reduce_sum(w * w)
        opt = train.GradientDescentOptimizer(0.1)
        # TF 2.21's texts.
        with pytest.raises(ValueError, match=re.escape(
                "No gradients provided for any variable: [\"<tf.Variable 'c:0' shape=() "
                "dtype=float32>\"].")):
            opt.apply_gradients([(None, c)])
        with pytest.raises(ValueError, match=re.escape(
                "No gradients provided for any variable, check your graph for ops that do not "
                "support gradients, between variables [\"<tf.Variable 'c:0' shape=() "
                "dtype=float32>\"] and loss")):
            opt.minimize(loss, var_list=[c])
        with pytest.raises(ValueError, match="No variables provided."):
            opt.apply_gradients([])
        with pytest.raises(ValueError, match="No variables to optimize."):
            opt.compute_gradients(loss, var_list=[])
        with pytest.raises(ValueError, match="gate_gradients must be one of: "
                                             "Optimizer.GATE_NONE, Optimizer.GATE_OP, "
                                             "Optimizer.GATE_GRAPH.  Not 7"):
            opt.compute_gradients(loss, gate_gradients=7)
        with pytest.raises(ValueError, match=re.escape(
                "Invalid type tf.int32 for int_loss:0, expected: [tf.float32, tf.float64, "
                "tf.float16, tf.bfloat16].")):
            opt.compute_gradients(tfgrad_jax.constant(1, name="int_loss"))
        with pytest.raises(ValueError, match="initial_accumulator_value must be positive: 0.0"):
            train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)
        with pytest.raises(ValueError, match="Must specify the optimizer name"):
            train.GradientDescentOptimizer(0.1, name="")
        with pytest.raises(ValueError, match="incompatible"):
            opt.apply_gradients([(tfgrad_jax.constant([1.0, 1.0, 1.0]), w)])
        with pytest.raises(NotImplementedError, match="Trying to update a Tensor"):
            opt.apply_gradients([(tfgrad_jax.constant(1.0), tfgrad_jax.constant(2.0))])
        # compute_gradients keeps None gradients (TF).
        pairs = opt.compute_gradients(loss, var_list=[w, c])
        assert pairs[1] == (None, c) and pairs[0][1] is w


# ---------------------------------------------------------------------------
# RMSProp (centered, momentum) and Adagrad with fed gradients and a fed learning rate.

def _np_rmsprop_centered(w, gs, lr=0.01, decay=0.9, mu=0.5, eps=1e-10):
    rms, mg, mom = np.ones_like(w), np.zeros_like(w), np.zeros_like(w)
    for g in gs:
        rms = rms + (g * g - rms) * (1 - decay)
        mg = mg + (g - mg) * (1 - decay)
        mom = mu * mom + lr * g / np.sqrt(rms - mg * mg + eps)
        w = w - mom
    return w, rms, mg, mom


def _np_adagrad(w, gs, lrs, acc0=0.1):
    acc = np.full_like(w, acc0)
    for g, lr in zip(gs, lrs):
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc)
    return w, acc


W0 = np.array([1.0, -2.0, 3.0], np.float32)
GRADS = [np.array(g, np.float32) for g in ([0.5, -0.2, 0.1], [0.3, 0.4, -1.0],
                                          [1.2, -0.1, 0.05])]


def test_rmsprop_centered_momentum_and_adagrad_match_numpy():
    # TF-1 RMSPropOptimizer(centered=True, momentum) and AdagradOptimizer update rules;
    # learning rates may be tensors (here a fed placeholder) or callables (TF).
    graph = tf.Graph()
    with graph.as_default():
        g = tf.placeholder(tfgrad_jax.float32, [3], name="g")
        lr = tf.placeholder(tfgrad_jax.float32, [], name="lr")
        u = Variable(W0, name="u")
        v = Variable(W0, name="v")
        rms = train.RMSPropOptimizer(lambda: 0.01, decay=0.9, momentum=0.5, centered=True)
        adagrad = train.AdagradOptimizer(lr)
        step = tfgrad_jax.group(rms.apply_gradients([(g, u)]), adagrad.apply_gradients([(g, v)]))
        with tf.Session() as sess:
            _initialize(sess)
            lrs = [0.1, 0.2, 0.05]
            for grad, rate in zip(GRADS, lrs):
                sess.run(step, {g: grad, lr: rate})
            got = sess.run([u, rms.get_slot(u, "rms"), rms.get_slot(u, "mg"),
                            rms.get_slot(u, "momentum"), v, adagrad.get_slot(v, "accumulator")])
    want = _np_rmsprop_centered(W0.astype(np.float64), GRADS) + _np_adagrad(
        W0.astype(np.float64), GRADS, lrs)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------
# IndexedSlices gradients (the gradient of tf.gather): TF-1's sparse updates.

TABLE = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]], np.float32)
SPARSE_FEEDS = [[0, 2, 0], [2]]  # the gathered rows: row 0 twice, then only row 2


@pytest.fixture(scope="module")
def sparse():
    graph = tf.Graph()
    with graph.as_default():
        rows = tf.placeholder(tfgrad_jax.int32, [None], name="rows")
        opts = {"gd": train.GradientDescentOptimizer(0.1),
                "momentum": train.MomentumOptimizer(0.1, 0.9),
                "adagrad": train.AdagradOptimizer(0.1),
                "rmsprop": train.RMSPropOptimizer(0.1, momentum=0.5),
                "adam": train.AdamOptimizer(0.1)}
        tables, ops, grads = {}, [], {}
        for name, opt in opts.items():
            table = tables[name] = Variable(TABLE, name=name)
            loss = tfgrad_jax.reduce_sum(tfgrad_jax.gather(table, rows) ** 2)
            (grad, _), = opt.compute_gradients(loss, var_list=[table])
            grads[name] = grad
            ops.append(opt.apply_gradients([(grad, table)]))
        step = tfgrad_jax.group(*ops)
        sess = tf.Session(graph=graph)
        _initialize(sess)
        for indices in SPARSE_FEEDS:
            sess.run(step, {rows: indices})
        values = sess.run({name: (t, [opts[name].get_slot(t, s)
                                      for s in opts[name].get_slot_names()])
                           for name, t in tables.items()})
        return {"grads": grads, "values": values}


def _np_dense_grad(table, indices):
    g = np.zeros_like(table)
    for i in indices:
        g[i] += 2 * table[i]  # d/dt sum(gather(t)^2), duplicates summed
    return g


def _np_sparse(rule, state):
    """Runs `rule(table, g, touched, state)` over the fed index lists."""
    table = TABLE.astype(np.float64)
    for indices in SPARSE_FEEDS:
        g = _np_dense_grad(table, indices)
        touched = np.zeros((len(table), 1), bool)
        touched[indices] = True
        table, state = rule(table, g, touched, state)
    return table, state


def test_gather_gradient_is_indexed_slices(sparse):
    # TF: the gradient of tf.gather's params is IndexedSlices.
    assert all(isinstance(g, tfgrad_jax.IndexedSlices) for g in sparse["grads"].values())


def test_sparse_updates_change_only_the_gradient_rows(sparse):
    # TF-1 GradientDescent (scatter), Momentum, Adagrad and RMSProp sparse kernels
    # change only the rows in the gradient (variable and slots); rows 1 and 3 never are.
    values = sparse["values"]
    for name in ("gd", "momentum", "adagrad", "rmsprop"):
        table, slots = values[name]
        np.testing.assert_array_equal(table[[1, 3]], TABLE[[1, 3]], err_msg=name)
        assert not np.array_equal(table[[0, 2]], TABLE[[0, 2]]), name
    np.testing.assert_array_equal(values["momentum"][1][0][[1, 3]], 0.0)
    np.testing.assert_allclose(values["adagrad"][1][0][[1, 3]], 0.1)
    # rmsprop slots, sorted: momentum (zeros), rms (ones) outside the rows.
    np.testing.assert_array_equal(values["rmsprop"][1][0][[1, 3]], 0.0)
    np.testing.assert_array_equal(values["rmsprop"][1][1][[1, 3]], 1.0)

    def momentum(table, g, touched, accum):
        new_accum = 0.9 * accum + g
        return (np.where(touched, table - 0.1 * new_accum, table),
                np.where(touched, new_accum, accum))

    def adagrad(table, g, touched, acc):
        new_acc = acc + g * g
        return (np.where(touched, table - 0.1 * g / np.sqrt(new_acc), table),
                np.where(touched, new_acc, acc))

    for name, rule, state in [("momentum", momentum, np.zeros_like(TABLE)),
                              ("adagrad", adagrad, np.full_like(TABLE, 0.1)),
                              ("gd", lambda t, g, _, s: (t - 0.1 * g, s), None)]:
        want, _ = _np_sparse(rule, state)
        np.testing.assert_allclose(values[name][0], want, rtol=1e-6, err_msg=name)


# TF 2.21's tables (float32) after the same two steps: each optimizer's variable, then its
# slots in get_slot_names() order.
TF_SPARSE = {
    "gd": [[[0.6, 1.2], [3.0, 4.0], [3.2, 3.84], [7.0, 8.0]]],
    "momentum": [[[0.6, 1.2], [3.0, 4.0], [2.3, 2.76], [7.0, 8.0]],
                 [[4.0, 8.0], [0.0, 0.0], [17.0, 20.4], [0.0, 0.0]]],
    "adagrad": [[[0.90031105, 1.90007806], [3.0, 4.0], [4.83007479, 5.82993317], [7.0, 8.0]],
                [[16.1, 64.1], [0.1, 0.1], [196.141968, 283.341675], [0.1, 0.1]]],
    "rmsprop": [[[0.7470178, 1.70390677], [3.0, 4.0], [4.32804537, 5.31960583], [7.0, 8.0]],
                [[0.2529822, 0.29609326], [0.0, 0.0], [0.36906338, 0.37360793], [0.0, 0.0]],
                [[2.5000005, 7.3000016], [1.0, 1.0], [18.6351357, 26.7350807], [1.0, 1.0]]],
    "adam": [[[0.83299446, 1.83299434], [3.0, 4.0], [4.80005836, 5.80004787], [7.0, 8.0]],
             [[0.36000007, 0.72000015], [0.0, 0.0], [1.88000047, 2.26000071], [0.0, 0.0]],
             [[0.01598379, 0.06393518], [0.0, 0.0], [0.19593748, 0.28309238], [0.0, 0.0]]],
}


def test_sparse_updates_match_tf(sparse):
    for name, want in TF_SPARSE.items():
        table, slots = sparse["values"][name]
        for got, expected in zip([table] + slots, want):
            np.testing.assert_allclose(got, np.array(expected, np.float32), rtol=1e-6,
                                       atol=1e-7, err_msg=name)


def test_sparse_adam_decays_every_row(sparse):
    # TF-1 AdamOptimizer._apply_sparse: m and v decay in every row and every row of
    # the variable moves (Keras's Adam treats IndexedSlices differently): in step 2 only
    # row 2 has a gradient, yet row 0 changes again.
    b1, b2 = float(np.float32(0.9)), float(np.float32(0.999))  # TF-1: float32 tensors

    def adam(table, g, touched, state):
        m, v, t = state
        t += 1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        lr_t = 0.1 * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return table - lr_t * m / (np.sqrt(v) + 1e-8), (m, v, t)

    want, (m, v, _) = _np_sparse(adam, (np.zeros_like(TABLE), np.zeros_like(TABLE), 0))
    table, (got_m, got_v) = sparse["values"]["adam"]
    np.testing.assert_allclose(table, want, rtol=1e-5)
    np.testing.assert_allclose(got_m, m, rtol=1e-5)
    np.testing.assert_allclose(got_v, v, rtol=1e-5)
    np.testing.assert_array_equal(table[[1, 3]], TABLE[[1, 3]])  # never had a gradient
    # Row 0: m = 0.1 * 4 after step 1 (gradient 2 * 2 * 1), then only decayed: 0.9 * 0.4.
    assert abs(got_m[0, 0] - 0.36) < 1e-6


# ---------------------------------------------------------------------------
# The global step and learning-rate decay.

def test_global_step_functions_match_tf():
    # TF 2.21: int64 'global_step:0', not trainable, in GLOBAL_STEP and GLOBAL_VARIABLES;
    # create_global_step refuses a second one; get_global_step is None without one.
    graph = tf.Graph()
    assert train.get_global_step(graph) is None
    with graph.as_default():
        with tfgrad_jax.name_scope("deep"):
            step = train.get_or_create_global_step()
        assert (step.name, step.dtype, step.trainable) == ("global_step:0", tfgrad_jax.int64,
                                                           False)
        assert graph.get_collection("global_step") == [step]
        assert step in graph.get_collection("variables")
        assert train.get_or_create_global_step() is step and train.get_global_step() is step
        with pytest.raises(ValueError, match='"global_step" already exists.'):
            train.create_global_step()
    other = tf.Graph()
    with other.as_default():
        Variable(0.0, name="global_step")
        with pytest.raises(TypeError, match='Existing "global_step" does not have integer '
                                            'type'):
            train.get_global_step()


# TF 2.21's values for global_step 0..6 (tf.compat.v1.train, float32).
TF_DECAY = {
    "exponential_staircase": [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025],
    "exponential": [0.1, 0.07937005, 0.06299605, 0.05, 0.039685026, 0.031498026, 0.025],
    "piecewise": [0.1, 0.1, 0.1, 0.05, 0.05, 0.01, 0.01],
    "polynomial": [0.1, 0.060625, 0.0325, 0.015625, 0.01, 0.01, 0.01],
    "polynomial_cycle": [0.1, 0.0775, 0.055, 0.0325, 0.01, 0.043750003, 0.0325],
    "inverse_time": [0.1, 0.08, 0.06666667, 0.057142857, 0.05, 0.044444446, 0.04],
    "inverse_time_staircase": [0.1, 0.1, 0.06666667, 0.06666667, 0.05, 0.05, 0.04],
}


def test_decay_functions_match_tf():
    graph = tf.Graph()
    with graph.as_default():
        step = tf.placeholder(tfgrad_jax.int64, [], name="step")
        rates = {
            "exponential_staircase": train.exponential_decay(0.1, step, 3, 0.5, staircase=True),
            "exponential": train.exponential_decay(0.1, step, 3, 0.5),
            "piecewise": train.piecewise_constant(step, [2, 4], [0.1, 0.05, 0.01]),
            "polynomial": train.polynomial_decay(0.1, step, 4, 0.01, power=2.0),
            "polynomial_cycle": train.polynomial_decay(0.1, step, 4, 0.01, cycle=True),
            "inverse_time": train.inverse_time_decay(0.1, step, 2, 0.5),
            "inverse_time_staircase": train.inverse_time_decay(0.1, step, 2, 0.5,
                                                               staircase=True),
        }
        with tf.Session() as sess:
            got = [sess.run(rates, {step: s}) for s in range(7)]
    for name, want in TF_DECAY.items():
        np.testing.assert_allclose([g[name] for g in got], want, rtol=2e-6, err_msg=name)


def test_decay_errors_match_tf():
    graph = tf.Graph()
    with graph.as_default():
        step = train.get_or_create_global_step()
        x = tf.placeholder(tfgrad_jax.float32, [])
        with pytest.raises(ValueError, match=re.escape(
                "Boundaries (<dtype: 'float32'>) must have the same dtype as x "
                "(<dtype: 'int64'>).")):
            train.piecewise_constant(step, [2.0, 4.0], [0.1, 0.05, 0.01])
        with pytest.raises(ValueError, match="Boundaries \\(<dtype: 'int32'>\\)"):
            train.piecewise_constant(x, [2, 4], [0.1, 0.05, 0.01])
        with pytest.raises(ValueError, match="The length of boundaries should be 1 less "
                                             "than the length of values"):
            train.piecewise_constant(step, [2, 4], [0.1, 0.05])
        with pytest.raises(ValueError, match=re.escape(
                "Values must have elements all with the same dtype (<dtype: 'float32'> vs "
                "<dtype: 'int32'>).")):
            train.piecewise_constant(step, [2, 4], [0.1, 1, 0.01])
        with pytest.raises(ValueError, match="global_step is required"):
            train.exponential_decay(0.1, None, 3, 0.5)


def test_decayed_learning_rate_drives_an_optimizer():
    # TF-1 idiom: lr = exponential_decay(..., global_step, staircase=True) passed to an
    # optimizer whose minimize increments the same step; the step reads the value the
    # step had when the run started.
    graph = tf.Graph()
    with graph.as_default():
        step = train.get_or_create_global_step()
        w = Variable(0.0, name="w")
        lr = train.exponential_decay(1.0, step, 2, 0.5, staircase=True)
        # The loss may be a callable in a graph too (TF calls it); its gradient is -1.
        op = train.GradientDescentOptimizer(lr).minimize(lambda: -w, global_step=step)
        with tf.Session() as sess:
            _initialize(sess)
            for _ in range(5):
                sess.run(op)
            assert sess.run([w, step]) == [1.0 + 1.0 + 0.5 + 0.5 + 0.25, 5]


# ---------------------------------------------------------------------------
# Saver.

@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    directory = tmp_path_factory.mktemp("ckpt")
    graph = tf.Graph()
    with graph.as_default():
        with tfgrad_jax.name_scope("net"):
            w = Variable([1.0, 2.0], name="w")
        step = train.get_or_create_global_step()
        op = train.MomentumOptimizer(0.1, 0.9).minimize(tfgrad_jax.reduce_sum(w * w),
                                                        global_step=step)
        saver = train.Saver(max_to_keep=2)
        sess = tf.Session()
        _initialize(sess)
        paths = []
        for _ in range(3):
            sess.run(op)
            paths.append(saver.save(sess, str(directory / "model.ckpt"), global_step=step))
        values = sess.run(graph.get_collection("variables"))
    return {"dir": directory, "graph": graph, "saver": saver, "paths": paths,
            "values": values, "sess": sess}


def test_saver_save_paths_and_max_to_keep(saved):
    # TF: save returns '<save_path>-<step>'; only the newest max_to_keep are kept; the
    # directory's 'checkpoint' file names the latest (latest_checkpoint).
    d = saved["dir"]
    assert saved["paths"] == [str(d / f"model.ckpt-{i}") for i in (1, 2, 3)]
    assert saved["saver"].last_checkpoints == saved["paths"][1:]
    assert sorted(os.listdir(d)) == ["checkpoint", "model.ckpt-2.json", "model.ckpt-2.npz",
                                     "model.ckpt-3.json", "model.ckpt-3.npz"]
    assert train.latest_checkpoint(str(d)) == saved["paths"][-1]
    assert train.latest_checkpoint(str(d / "nowhere")) is None
    # Our format is plain data: numpy arrays keyed through a JSON index, no pickles.
    with open(saved["paths"][-1] + ".json") as f:
        index = json.load(f)["variables"]
    assert sorted(index) == ["global_step", "net/w", "net/w/Momentum"]
    with np.load(saved["paths"][-1] + ".npz", allow_pickle=False) as data:
        assert int(data[index["global_step"]["key"]]) == 3


def test_saver_restores_into_a_new_session_and_a_new_graph(saved):
    # TF: restore(sess, path) sets the variables by name, also in a freshly built graph.
    graph = saved["graph"]
    with graph.as_default():
        sess = tf.Session()
        saved["saver"].restore(sess, train.latest_checkpoint(str(saved["dir"])))
        got = sess.run(graph.get_collection("variables"))
    for a, b in zip(got, saved["values"]):
        np.testing.assert_array_equal(a, b)
    other = tf.Graph()
    with other.as_default():
        with tfgrad_jax.name_scope("net"):
            w = Variable([0.0, 0.0], name="w")
        with tf.Session() as sess:
            train.Saver([w]).restore(sess, saved["paths"][-1])
            np.testing.assert_array_equal(sess.run(w), saved["values"][0])
            with pytest.raises(InvalidArgumentError, match="shape"):
                train.Saver({"net/w": Variable([0.0], name="v")}).restore(sess,
                                                                          saved["paths"][-1])
            with pytest.raises(NotFoundError, match="Key x not found in checkpoint"):
                train.Saver([Variable([0.0], name="x")]).restore(sess, saved["paths"][-1])


def test_saver_refuses_tf_checkpoints_and_bad_paths(saved, tmp_path):
    # TF raises ValueError for a path that is not a checkpoint; TF's own checkpoints
    # (.index / .data-00000-of-00001) are refused with a clear message.
    (tmp_path / "tf.ckpt.index").write_bytes(b"\x00")
    (tmp_path / "tf.ckpt.data-00000-of-00001").write_bytes(b"\x00")
    saver, sess = saved["saver"], saved["sess"]
    with pytest.raises(ValueError, match="tfgrad_jax cannot read TF checkpoints"):
        saver.restore(sess, str(tmp_path / "tf.ckpt"))
    with pytest.raises(ValueError, match="The passed save_path is not a valid checkpoint"):
        saver.restore(sess, str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="Can't load save_path when it is None."):
        saver.restore(sess, None)
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="No variables to save"):
            train.Saver()


def test_latest_checkpoint_with_relative_paths(tmp_path, monkeypatch):
    # TF writes a relative save_path relative to its directory in 'checkpoint', and
    # latest_checkpoint(dir) joins it back: 'ck/model' -> 'model' -> 'ck/model'.
    monkeypatch.chdir(tmp_path)
    os.mkdir("ck")
    with tf.Graph().as_default():
        w = Variable(1.5, name="w")
        with tf.Session() as sess:
            sess.run(w.initializer)
            assert train.Saver().save(sess, os.path.join("ck", "model")) == "ck/model"
    assert (tmp_path / "ck" / "checkpoint").read_text().splitlines()[0] == (
        'model_checkpoint_path: "model"')
    assert train.latest_checkpoint("ck") == os.path.join("ck", "model")


# ---------------------------------------------------------------------------
# Eagerly (TF-1 optimizers under TF 2): the loss is a callable.

def test_eager_minimize_with_a_callable_loss():
    w = tfgrad_jax.Variable([1.0, -2.0], name="eager_w")
    opt = train.AdamOptimizer(0.1)
    for _ in range(2):
        opt.minimize(lambda: tfgrad_jax.reduce_sum(w * w), var_list=[w])
    p, state = np.array([1.0, -2.0]), None
    for t in (1, 2):
        p, state = _np_adam(t, p, 2 * p, state, lr=0.1)
    np.testing.assert_allclose(w.numpy(), p, rtol=1e-6)
    assert [v.name for v in opt.variables()] == ["beta1_power:0", "beta2_power:0",
                                                 "eager_w/Adam:0", "eager_w/Adam_1:0"]
    with pytest.raises(RuntimeError, match="should be a function when eager execution"):
        opt.minimize(tfgrad_jax.constant(1.0))


def test_saver_round_trip_eagerly(tmp_path):
    # TF 2: a Saver given eager variables saves and restores them without a session.
    w = tfgrad_jax.Variable([1.0, 2.0], name="saved_eager_w")
    saver = train.Saver([w])
    path = saver.save(None, str(tmp_path / "eager"), global_step=4)
    assert path == str(tmp_path / "eager-4")
    w.assign([5.0, 6.0])
    saver.restore(None, path)
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    with pytest.raises(RuntimeError, match="`var_list` must specify a list or dict"):
        train.Saver()


def test_minimize_inside_tf_function():
    # TF: a TF-1 optimizer in a tf.function makes its slots once (init_scope) and
    # increments the global step on every call.
    v = tfgrad_jax.Variable([1.0, 2.0], name="fn_v")
    step = tfgrad_jax.Variable(0, dtype=tfgrad_jax.int64, name="fn_step")
    opt = train.MomentumOptimizer(0.1, 0.9)

    @tfgrad_jax.function
    def train_step():
        opt.minimize(lambda: tfgrad_jax.reduce_sum(v * v), global_step=step)

    for _ in range(3):
        train_step()
    p, accum = np.array([1.0, 2.0]), np.zeros(2)
    for _ in range(3):
        accum = 0.9 * accum + 2 * p
        p = p - 0.1 * accum
    np.testing.assert_allclose(v.numpy(), p, rtol=1e-6)
    assert int(step.numpy()) == 3 and len(opt.variables()) == 1
