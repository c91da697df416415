"""`tfgrad_jax.compat.v1` holds TF 2.21's `tf.compat.v1` names and nothing else.

`tests/tf_2_21_compat_v1_names.txt` is `dir(tf.compat.v1)` of TensorFlow 2.21
(public names), written out once so that the suite does not need TensorFlow.
"""

import os
import types

import tfgrad_jax as tf

v1 = tf.compat.v1

_NAMES_FILE = os.path.join(os.path.dirname(__file__), "tf_2_21_compat_v1_names.txt")
with open(_NAMES_FILE) as _f:
    TF_V1_NAMES = {line.strip() for line in _f if line.strip() and not line.startswith("#")}


def _public(namespace):
    return {n for n in dir(namespace) if not n.startswith("_")}


def test_every_public_name_is_one_of_tfs():
    extra = sorted(_public(v1) - TF_V1_NAMES)
    assert not extra, f"names TF 2.21's tf.compat.v1 does not have: {extra}"


def test_no_module_that_is_not_part_of_tfs_api():
    # No stray imports (jax, np, threading) and no implementation module shows through.
    modules = {n for n in _public(v1) if isinstance(getattr(v1, n), types.ModuleType)}
    assert modules <= TF_V1_NAMES, sorted(modules - TF_V1_NAMES)
    for stray in ("jax", "np", "numpy", "threading", "lowering", "graph_mod", "session"):
        assert not hasattr(v1, stray), stray


def test_the_training_surface_is_there():
    # What the six public TF-1 programs we run reach for first.
    for name in ("placeholder", "placeholder_with_default", "Session", "InteractiveSession",
                 "Variable", "get_variable", "variable_scope", "global_variables_initializer",
                 "disable_v2_behavior", "disable_eager_execution", "reset_default_graph",
                 "get_default_graph", "get_default_session", "gradients", "stop_gradient",
                 "reduce_sum", "reduce_mean", "random_normal", "set_random_seed", "float32",
                 "GraphKeys", "get_collection", "trainable_variables", "ConfigProto",
                 "train", "losses", "nn", "initializers", "matmul", "cond", "while_loop"):
        assert hasattr(v1, name), name
    for name in ("GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer",
                 "RMSPropOptimizer", "AdagradOptimizer", "Saver", "get_or_create_global_step",
                 "exponential_decay", "piecewise_constant"):
        assert hasattr(v1.train, name), name
    for name in ("mean_squared_error", "softmax_cross_entropy", "sparse_softmax_cross_entropy",
                 "log_loss", "get_total_loss"):
        assert hasattr(v1.losses, name), name
    for name in ("softmax_cross_entropy_with_logits_v2", "dropout", "relu", "softmax"):
        assert hasattr(v1.nn, name), name


def test_sub_namespaces_hold_only_tfs_names():
    assert _public(v1.losses) <= {
        "Reduction", "absolute_difference", "add_loss", "compute_weighted_loss",
        "cosine_distance", "get_losses", "get_regularization_loss", "get_regularization_losses",
        "get_total_loss", "hinge_loss", "huber_loss", "log_loss", "mean_pairwise_squared_error",
        "mean_squared_error", "sigmoid_cross_entropy", "softmax_cross_entropy",
        "sparse_softmax_cross_entropy"}
    assert _public(v1.initializers) <= {
        "constant", "global_variables", "glorot_normal", "glorot_uniform", "he_normal",
        "he_uniform", "identity", "lecun_normal", "lecun_uniform", "local_variables", "ones",
        "orthogonal", "random_normal", "random_uniform", "tables_initializer",
        "truncated_normal", "uniform_unit_scaling", "variables", "variance_scaling", "zeros"}
    for namespace in (v1.train, v1.losses, v1.nn, v1.initializers):
        for stray in ("jax", "np", "jnp", "math", "os", "json"):
            assert not hasattr(namespace, stray), (namespace.__name__, stray)


def test_math_and_linalg_take_the_v1_spellings():
    # TF 2.21: tf.compat.v1.math.reduce_sum takes reduction_indices/keep_dims, and
    # tf.compat.v1.math.in_top_k takes (predictions, targets, k).
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert v1.math.reduce_sum(x, reduction_indices=1, keep_dims=True).numpy().tolist() == [
        [3.0], [7.0]]
    assert v1.math.in_top_k(x, tf.constant([1, 0]), 1).numpy().tolist() == [True, False]
    assert v1.linalg.norm(tf.constant([3.0, 4.0]), keep_dims=True).numpy().tolist() == [5.0]
    assert v1.math.exp is tf.math.exp  # the rest is TF-2's
