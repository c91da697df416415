"""tf.nn / tf.linalg facts checked against TensorFlow 2.21 and hard-coded here.

Gradients at kinks (where TF's registered gradient is one-sided and finite
differences cannot decide), TF's gradient formulas that are not the plain
derivative (softmax cross entropy with labels that do not sum to 1, the
symmetric Cholesky gradient, the lower-triangular eigh gradient, zero
gradients at repeated eigen/singular values), op types and default names,
and TF's error classes.
"""

import numpy as np
import pytest

import tfgrad_jax as tf

K = np.array([-1.0, 0.0, 6.0, 3.0])


def grad(fn, *inputs, weights=None):
    """tf.gradients of sum(w * fn(*inputs)) in a tf.function, float64."""
    @tf.function
    def run(*xs):
        ys = fn(*xs)
        ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
        ws = weights or [1.0] * len(ys)
        loss = tf.add_n([tf.reduce_sum(y * w) for y, w in zip(ys, ws)])
        return tf.gradients(loss, list(xs))
    return [np.asarray(g) for g in run(*[np.asarray(a, np.float64) for a in inputs])]


def second(fn, x):
    @tf.function
    def run(x):
        (g,) = tf.gradients(tf.reduce_sum(fn(x)), [x])
        return tf.gradients(tf.reduce_sum(g), [x])[0]
    return np.asarray(run(np.asarray(x, np.float64)))


@pytest.mark.parametrize("fn, expected", [
    (tf.nn.relu, [0, 0, 1, 1]),
    (tf.nn.relu6, [0, 0, 0, 1]),
    (tf.nn.elu, [0.36787944, 1, 1, 1]),
    (tf.nn.selu, [0.6467686, 1.05070099, 1.05070099, 1.05070099]),
    (tf.nn.leaky_relu, [0.2, 0.2, 1, 1]),
    (lambda x: tf.nn.leaky_relu(x, alpha=2.0), [2, 2, 1, 1]),
    (tf.nn.gelu, [-0.08331547, 0.5, 1.00000004, 1.01194565]),
    (lambda x: tf.nn.gelu(x, approximate=True), [-0.08296408, 0.5, 1.0, 1.01158417]),
    (tf.nn.silu, [0.07232949, 0.5, 1.01232643, 1.08810411]),
    (lambda x: tf.nn.silu(x, beta=2.0), [-0.09078425, 0.5, 1.00006759, 1.01232643]),
    (tf.nn.l2_loss, [-1, 0, 6, 3]),
])
def test_activation_gradients_at_kinks_match_tf(fn, expected):
    np.testing.assert_allclose(grad(fn, K)[0], expected, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("fn, expected", [
    (tf.nn.relu, [0, 0, 0, 0]),
    (tf.nn.relu6, [0, 0, 0, 0]),
    (tf.nn.elu, [0.36787944, 0, 0, 0]),
    (tf.nn.selu, [0.6467686, 0, 0, 0]),
    (tf.nn.leaky_relu, [0, 0, 0, 0]),
])
def test_activation_second_derivatives_match_tf(fn, expected):
    np.testing.assert_allclose(second(fn, K), expected, rtol=1e-7, atol=1e-8)


def test_eager_relu_family_dtypes_match_tf():
    assert tf.nn.relu(tf.constant([1, -2])).dtype == tf.int32
    assert tf.nn.relu6(tf.constant([-1, 3, 9])).numpy().tolist() == [0, 3, 6]
    assert tf.nn.leaky_relu(tf.constant([1, -2])).dtype == tf.float32
    assert float(tf.nn.leaky_relu(tf.constant(-1.0))) == pytest.approx(-0.2)
    with pytest.raises((TypeError, tf.errors.InvalidArgumentError)):
        tf.nn.elu(tf.constant([1, -2]))


def test_softmax_cross_entropy_gradient_is_tfs_when_labels_do_not_sum_to_one():
    labels = [[0.5, 0.9, 0.1]]
    logits = [[1.0, 2.0, 3.0]]
    loss = tf.nn.softmax_cross_entropy_with_logits(tf.constant(labels, tf.float64),
                                                   tf.constant(logits, tf.float64))
    np.testing.assert_allclose(loss, [2.51140895], rtol=1e-8)
    g_labels, g_logits = grad(lambda l, g: tf.nn.softmax_cross_entropy_with_logits(l, g),
                              labels, logits)
    np.testing.assert_allclose(g_logits, [[-0.40996943, -0.65527153, 0.56524096]], rtol=1e-7)
    np.testing.assert_allclose(g_labels, [[2.40760596, 1.40760596, 0.40760596]], rtol=1e-7)


def test_logistic_losses_gradient_at_zero_logits_match_tf():
    z = [0.3, 0.3]
    x = [0.0, 2.0]
    g = grad(lambda x: tf.nn.sigmoid_cross_entropy_with_logits(np.array(z), x), x)[0]
    np.testing.assert_allclose(g, [0.2, 0.58079708], rtol=1e-7)
    g = grad(lambda x: tf.nn.weighted_cross_entropy_with_logits(np.array(z), x, 3.0), x)[0]
    np.testing.assert_allclose(g, [0.7, 0.50927532], rtol=1e-7)  # TF's, not the derivative


TIES = np.array([1, 1, 0, 1, 2, 2, 2, 2, 0, 0, 0, 0, 3, 1, 3, 3], np.float64).reshape(1, 4, 4, 1)


def test_max_pool_ties_send_the_gradient_to_the_first_max_as_tf():
    g = grad(lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"), TIES)[0].reshape(4, 4)
    np.testing.assert_array_equal(g, [[0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0]])
    g = grad(lambda x: tf.nn.max_pool2d(x, 3, 1, "SAME"), TIES)[0].reshape(4, 4)
    np.testing.assert_array_equal(g, [[0, 0, 0, 0], [4, 2, 2, 0], [0, 0, 0, 0], [4, 0, 4, 0]])


def test_avg_pool_same_excludes_padding_as_tf():
    out = tf.nn.avg_pool2d(TIES, 3, 2, "SAME").numpy().reshape(2, 2)
    np.testing.assert_allclose(out, [[0.88888889, 0.83333333], [1.16666667, 1.5]], rtol=1e-7)


def test_moments_match_tf():
    mean, var = tf.nn.moments(tf.constant([[1.0, 2.0], [3.0, 5.0]]), [0], keepdims=True)
    np.testing.assert_allclose(mean, [[2.0, 3.5]])
    np.testing.assert_allclose(var, [[1.0, 2.25]])
    assert tf.nn.moments(tf.constant([[1.0, 2.0]], tf.float16), [0, 1])[1].dtype == tf.float16


W = np.arange(9.0).reshape(3, 3) / 10


def test_cholesky_gradient_is_tfs_symmetric_formula():
    a = [[4.0, 2.0, 0.4], [2.0, 5.0, 1.0], [0.4, 1.0, 3.0]]
    np.testing.assert_allclose(tf.linalg.cholesky(np.array(a)),
                               [[2, 0, 0], [1, 2, 0], [0.2, 0.4, 1.6733200531]], rtol=1e-9)
    g = grad(tf.linalg.cholesky, a, weights=[W])[0]
    np.testing.assert_allclose(g, [[-0.01875, 0.025, 0.0625],
                                   [0.025, 0.0745618289, 0.1271908556],
                                   [0.0625, 0.1271908556, 0.2390457219]], rtol=1e-8, atol=1e-12)


def test_eigh_reads_the_lower_triangle_and_its_gradient_is_lower_triangular_as_tf():
    b = [[2.0, 9.0, 9.0], [1.0, 3.0, 9.0], [0.0, 1.0, 4.0]]  # upper triangle ignored
    e, v = tf.linalg.eigh(np.array(b))
    np.testing.assert_allclose(e, [1.2679491924, 3.0, 4.7320508076], rtol=1e-9)
    g = grad(lambda a: (lambda e, v: [e, v * v])(*tf.linalg.eigh(a)), b,
             weights=[np.array([1.0, 2.0, 3.0]), W])[0]
    np.testing.assert_allclose(g, [[1.4226497308, 0, 0], [1.1547005384, 2.0, 0],
                                   [0, 1.1547005384, 2.5773502692]], rtol=1e-8, atol=1e-12)


def test_repeated_eigen_and_singular_values_give_tfs_zero_gradients_not_nan():
    g = grad(lambda a: tf.linalg.eigh(a)[1] ** 2, np.diag([1.0, 1.0, 2.0]), weights=[W])[0]
    np.testing.assert_array_equal(g, np.zeros((3, 3)))
    g = grad(lambda a: tf.linalg.svd(a)[1] ** 2, np.diag([2.0, 2.0, 1.0]), weights=[W])[0]
    np.testing.assert_array_equal(g, np.zeros((3, 3)))


def test_svd_convention_and_gradient_match_tf():
    a = np.array([[3.0, 1.0], [1.0, 2.0], [0.0, 1.0]])
    s, u, v = tf.linalg.svd(a)
    assert u.shape == (3, 2) and v.shape == (2, 2)  # full_matrices=False; v, not v^H
    np.testing.assert_allclose(u.numpy() @ np.diag(s.numpy()) @ v.numpy().T, a, atol=1e-12)
    g = grad(lambda a: tf.linalg.svd(a)[0], a, weights=[np.array([1.0, 2.0])])[0]
    np.testing.assert_allclose(g, [[1.2811923415, -0.4078781987], [-0.3184200937, 1.4206962255],
                                   [-0.4472905246, 0.933993375]], rtol=1e-8)


def test_qr_of_a_wide_matrix_and_its_gradient_match_tf():
    a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]]
    q, r = tf.linalg.qr(np.array(a))
    np.testing.assert_allclose(r, [[-4.1231056256, -5.3357837508, -7.0335331261],
                                   [0, -0.7276068751, -1.3339459377]], rtol=1e-9, atol=1e-12)
    g = grad(tf.linalg.qr, a, weights=[np.array([[1.0, 2.0], [3.0, 4.0]]),
                                       np.array([[1.0, -1.0, 2.0], [0.5, 1.0, -2.0]])])[0]
    np.testing.assert_allclose(g, [[-1.7833501841, -0.7276068751, 1.4552137502],
                                   [-0.5849388604, 1.2126781252, -2.4253562504]], rtol=1e-8)


def test_triangular_solve_gradient_is_masked_to_the_triangle_as_tf():
    a = [[2.0, 9.0, 9.0], [1.0, 3.0, 9.0], [0.0, 1.0, 4.0]]
    ga, gb = grad(tf.linalg.triangular_solve, a, [[1.0], [2.0], [3.0]])
    np.testing.assert_allclose(ga, [[-0.1875, 0, 0], [-0.125, -0.125, 0],
                                    [-0.125, -0.125, -0.15625]], rtol=1e-9)
    np.testing.assert_allclose(gb, [[0.375], [0.25], [0.25]], rtol=1e-9)


def test_lstsq_fast_false_has_no_gradient_as_tf():
    a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    b = np.array([[1.0], [2.0], [3.0]])
    np.testing.assert_allclose(tf.linalg.lstsq(a, b, fast=False), np.linalg.lstsq(a, b, None)[0],
                               rtol=1e-9)
    with pytest.raises(ValueError, match="fast=False"):
        grad(lambda a, b: tf.linalg.lstsq(a, b, fast=False), a, b)


def test_slogdet_and_diag_conventions():
    sign, logabs = tf.linalg.slogdet(np.array([[0.0, 2.0], [3.0, 0.0]]))
    assert float(sign) == -1.0 and float(logabs) == pytest.approx(np.log(6.0))
    np.testing.assert_array_equal(
        tf.linalg.diag_part(np.arange(12.0).reshape(3, 4), k=(-1, 1), padding_value=-1),
        [[1, 6, 11], [0, 5, 10], [4, 9, -1]])  # TF: subdiagonals left-aligned
    with pytest.raises(ValueError, match="rows is too small"):
        tf.linalg.diag(np.ones(3), k=1, num_rows=2)


def _types_and_names(build):
    g = tf.Graph()
    with g.as_default():
        out = build()
    return [(op.type, op.name) for op in g.get_operations() if op.type not in
            ("Const", "Placeholder", "RandomOpCounter")], out


def test_op_types_and_default_names_match_tf():
    ops, out = _types_and_names(lambda: tf.nn.conv1d(tf.ones([1, 5, 2]), tf.ones([2, 2, 3]), 1,
                                                     "SAME"))
    assert ops == [("ExpandDims", "conv1d/ExpandDims"), ("ExpandDims", "conv1d/ExpandDims_1"),
                   ("Conv2D", "conv1d"), ("Squeeze", "conv1d/Squeeze")]
    ops, out = _types_and_names(lambda: tf.nn.leaky_relu(tf.constant([1, 2])))
    assert ops == [("Cast", "LeakyRelu/Cast"), ("LeakyRelu", "LeakyRelu")]
    ops, _ = _types_and_names(lambda: tf.nn.max_pool2d(tf.ones([1, 4, 4, 1]), 2, 2, "VALID"))
    assert ops == [("MaxPool", "MaxPool2d")]
    ops, _ = _types_and_names(lambda: tf.nn.avg_pool(tf.ones([1, 4, 4, 1]), 2, 2, "VALID"))
    assert ops == [("AvgPool", "AvgPool")]
    ops, _ = _types_and_names(lambda: tf.linalg.cholesky_solve(tf.eye(2), tf.ones([2, 1])))
    assert [o for o in ops if o[0] == "MatrixTriangularSolve"] == [
        ("MatrixTriangularSolve", "cholesky_solve/MatrixTriangularSolve"),
        ("MatrixTriangularSolve", "cholesky_solve/MatrixTriangularSolve_1")]
    ops, out = _types_and_names(lambda: tf.linalg.trace(tf.ones([2, 2])))
    assert ops == [("MatrixDiagPartV3", "Trace/diag_part"), ("Sum", "Trace")]
    ops, out = _types_and_names(lambda: tf.linalg.svd(tf.ones([2, 2])))
    assert ops == [("Svd", "Svd")] and [t.name for t in out] == ["Svd:0", "Svd:1", "Svd:2"]
    ops, out = _types_and_names(lambda: tf.nn.dropout(tf.ones([2]), 0.5, seed=1))
    assert [t for t, _ in ops] == ["Mul", "RandomUniform", "GreaterEqual", "SelectV2"]
    assert out.name == "dropout/SelectV2:0"
