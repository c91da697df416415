"""The last ops of issue #10: what the op table cannot express.

Each test names the TensorFlow 2.21 behaviour it mirrors; numbers that numpy
cannot give (TF's gradients at zeros, -inf and ties, its tie rule, its op
names) were read off TF 2.21 on CPU and are hard-coded here.
"""

import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax.framework.op_def import registered_opdefs


def _graph_grads(fn, *inputs):
    """(value, [tf.gradients of value wrt each input]) computed in a tf.function."""
    @tf.function
    def run(*xs):
        y = fn(*xs)
        return y, tf.gradients(y, list(xs))
    y, grads = run(*[tf.constant(x) for x in inputs])
    return np.asarray(y), [None if g is None else np.asarray(g) for g in grads]


# ---------------------------------------------------------------------------
# tf.errors: the classes, TF's constructor and error codes.

CODES = dict(OK=0, CANCELLED=1, UNKNOWN=2, INVALID_ARGUMENT=3, DEADLINE_EXCEEDED=4,
             NOT_FOUND=5, ALREADY_EXISTS=6, PERMISSION_DENIED=7, RESOURCE_EXHAUSTED=8,
             FAILED_PRECONDITION=9, ABORTED=10, OUT_OF_RANGE=11, UNIMPLEMENTED=12,
             INTERNAL=13, UNAVAILABLE=14, DATA_LOSS=15, UNAUTHENTICATED=16)
CLASSES = dict(CancelledError=1, UnknownError=2, InvalidArgumentError=3,
               DeadlineExceededError=4, NotFoundError=5, AlreadyExistsError=6,
               PermissionDeniedError=7, ResourceExhaustedError=8, FailedPreconditionError=9,
               AbortedError=10, OutOfRangeError=11, UnimplementedError=12, InternalError=13,
               UnavailableError=14, DataLossError=15, UnauthenticatedError=16)


def test_error_codes_are_tfs():
    # TF: tf.errors.INVALID_ARGUMENT == 3, ... tf.errors.UNAUTHENTICATED == 16.
    for name, code in CODES.items():
        assert getattr(tf.errors, name) == code, name


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_error_classes_take_tfs_arguments(name):
    # TF: cls(node_def, op, message); .message, .op, .node_def, .error_code; str(e) is the
    # message when there is no op.
    cls = getattr(tf.errors, name)
    error = cls(None, None, "boom")
    assert isinstance(error, tf.errors.OpError)
    assert (error.message, error.op, error.node_def) == ("boom", None, None)
    assert error.error_code == CLASSES[name]
    assert str(error) == "boom"
    with pytest.raises(cls, match="boom"):
        raise error


def test_op_error_takes_its_code():
    # TF: OpError(node_def, op, message, error_code).
    error = tf.errors.OpError(None, None, "msg", tf.errors.ABORTED)
    assert error.error_code == 10 and error.message == "msg"
    assert tf.errors.OperatorNotAllowedInGraphError is tf.OperatorNotAllowedInGraphError


def test_existing_error_uses_still_work():
    # Raised by the library with a lone message, and still a ValueError (see errors.py).
    assert tf.errors.NotFoundError("gone").message == "gone"
    assert isinstance(tf.errors.InvalidArgumentError(None, None, "x"), ValueError)


# ---------------------------------------------------------------------------
# tf.string tensors: constants, identity, fetched and returned; no string ops.

def test_string_constants_eagerly():
    # TF: tf.constant('abc').numpy() == b'abc'; lists give object arrays of bytes (UTF-8).
    scalar = tf.constant("abc")
    assert scalar.dtype == tf.string and scalar.shape == () and scalar.numpy() == b"abc"
    assert isinstance(scalar.numpy(), bytes)
    vector = tf.constant(["a", b"bc", "é"])
    np.testing.assert_array_equal(vector.numpy(), np.array([b"a", b"bc", b"\xc3\xa9"], object))
    assert vector.numpy().dtype == object
    assert tf.constant(np.array(["x", "y"])).dtype == tf.string
    np.testing.assert_array_equal(tf.constant("ab", shape=[2]).numpy(),
                                  np.array([b"ab", b"ab"], object))
    assert tf.identity(scalar).numpy() == b"abc"
    assert "dtype=string" in str(vector)


def test_string_constant_errors():
    # TF: ValueError "Can't convert Python sequence with mixed types to Tensor.";
    # TypeError for a number with dtype=tf.string, and for a string with a numeric dtype.
    with pytest.raises(ValueError, match="mixed types"):
        tf.constant(["a", 1])
    with pytest.raises(TypeError, match="dtype string"):
        tf.constant(1, dtype=tf.string)
    with pytest.raises(TypeError):
        tf.constant("a", dtype=tf.float32)


def test_strings_in_graphs_sessions_and_functions():
    # TF: a string Const in a graph; Session.run gives bytes / object arrays; a tf.function
    # returns string tensors.
    with tf.Graph().as_default():
        c = tf.constant(["x", "y"], name="s")
        assert c.name == "s:0" and c.dtype == tf.string and c.shape == (2,)
        assert c.op.get_attr("dtype") == tf.string
        with tf.compat.v1.Session() as sess:
            value, ident, scalar, number = sess.run(
                [c, tf.identity(c), tf.constant("z"), tf.constant(2)])
    np.testing.assert_array_equal(value, np.array([b"x", b"y"], object))
    np.testing.assert_array_equal(ident, value)
    assert scalar == b"z" and number == 2

    @tf.function
    def f(x):
        return tf.constant("hi"), tf.identity(tf.constant(["a", "b"])), x * 2

    for _ in range(2):  # the second call runs the compiled program
        hi, ab, two = f(tf.constant(1.0))
        assert hi.dtype == tf.string and hi.numpy() == b"hi"
        np.testing.assert_array_equal(ab.numpy(), np.array([b"a", b"b"], object))
        assert float(two) == 2.0


def test_string_ops_are_out_of_scope():
    # TF computes these; here they raise, naming the op or function.
    with pytest.raises(NotImplementedError, match="'AddV2'.*string"):
        tf.add(tf.constant("a"), tf.constant("b"))
    with tf.Graph().as_default():
        with pytest.raises(NotImplementedError, match="'Equal'.*string"):
            tf.equal(tf.constant("a"), "a")
    with pytest.raises(NotImplementedError, match="tf.strings.length"):
        tf.strings.length(tf.constant("abc"))
    with pytest.raises(AttributeError, match="tf.strings.join"):
        tf.strings.join
    assert not hasattr(tf.strings, "split")
    with pytest.raises(NotImplementedError, match="string"):
        tf.function(lambda s: tf.identity(s))(tf.constant("a"))


# ---------------------------------------------------------------------------
# tf.gradients(x, x): the default grad_ys tensor itself.

def test_gradient_of_x_wrt_x_is_the_grad_ys_tensor():
    # TF 2.21 in a graph: tf.gradients(x, x) -> [<tf.Tensor 'gradients/grad_ys_0:0'>], the
    # ones seed itself; tf.gradients(x, [x, y]) -> [gradients_1/grad_ys_0:0, None].
    with tf.Graph().as_default():
        x = tf.constant([1.0, 2.0])
        (g,) = tf.gradients(x, x)
        assert g.name == "gradients/grad_ys_0:0"
        y = x * 2
        gx, gy = tf.gradients(x, [x, y])
        assert gx.name == "gradients_1/grad_ys_0:0" and gy is None
        seed = tf.constant([3.0, 4.0])
        (weighted,) = tf.gradients(x, x, grad_ys=seed)
        assert weighted.name == "gradients_2/grad_ys_0:0"
        (both,) = tf.gradients([y, x], x)  # TF: an AddN of the two paths
        with tf.compat.v1.Session() as sess:
            got = sess.run([g, weighted, both])
    np.testing.assert_array_equal(got[0], [1.0, 1.0])
    np.testing.assert_array_equal(got[1], [3.0, 4.0])
    np.testing.assert_array_equal(got[2], [3.0, 3.0])


# ---------------------------------------------------------------------------
# in_top_k: TF's tie rule and its non-finite rows.

PREDICTIONS = np.array([[1., 2., 2., 0.], [1., 1., 1., 1.], [np.nan, 1., 2., 3.],
                        [5., 4., 3., 2.]], np.float32)
TARGETS = [1, 3, 0, 3]
# TF 2.21 CPU, k = 0..4: ties all count as in the top k; a nan target never is.
IN_TOP_K = {0: [False] * 4, 1: [True, True, False, False], 2: [True, True, False, False],
            3: [True, True, False, False], 4: [True, True, False, True]}
# A row with any non-finite prediction is False (TF's kernel "cannot say").
NONFINITE = np.array([[np.inf, 1., 2.], [np.nan, 1., 5.], [1., 2., -np.inf], [1., 2., 3.]],
                     np.float32)
NONFINITE_IN_TOP_K = {-1: [False] * 4, 1: [False] * 4, 2: [False] * 4,
                      3: [False, False, False, True]}


def test_in_top_k_ties_and_nonfinite_as_tf():
    for k, want in IN_TOP_K.items():
        np.testing.assert_array_equal(tf.math.in_top_k(TARGETS, PREDICTIONS, k), want)
    for k, want in NONFINITE_IN_TOP_K.items():
        np.testing.assert_array_equal(tf.nn.in_top_k([2, 2, 2, 0], NONFINITE, k), want)
    # TF: a target out of range gives False (no error); v2 keywords.
    np.testing.assert_array_equal(
        tf.math.in_top_k(targets=[5, 0, 0, 0], predictions=PREDICTIONS, k=1),
        [False, True, False, True])
    out = tf.function(lambda p: tf.math.in_top_k(TARGETS, p, 2))(PREDICTIONS)
    np.testing.assert_array_equal(out, IN_TOP_K[2])


def test_in_top_k_graph_names_and_errors():
    # TF: op 'in_top_k/InTopKV2', its k a Const 'in_top_k/InTopKV2/k'; float64
    # predictions TypeError; mismatched batch ValueError.
    with tf.Graph().as_default():
        r = tf.math.in_top_k(tf.constant([1]), tf.constant([[1., 2.]]), 1)
        assert r.op.name == "in_top_k/InTopKV2" and r.op.type == "InTopKV2"
        assert r.op.inputs[2].name == "in_top_k/InTopKV2/k:0" and r.dtype == tf.bool
        with pytest.raises(TypeError, match="predictions"):
            tf.math.in_top_k(tf.constant([1]), tf.constant([[1.]], tf.float64), 1)
        with pytest.raises(ValueError, match="Dimensions must be equal"):
            tf.math.in_top_k(tf.constant([1, 2]), tf.constant([[1.]]), 1)
        with pytest.raises(ValueError, match="rank 2"):
            tf.math.in_top_k(tf.constant([1]), tf.constant([1.]), 1)


# ---------------------------------------------------------------------------
# TF's gradients where JAX's differ or numpy has no reference.

def test_norm_gradient_at_zero_as_tf():
    # TF 2.21: d/dx norm(x) at x = 0 is nan for 'euclidean', 2 and 'fro' (sqrt at 0), and
    # 0 for ord 1 and inf.
    ords = [("euclidean", None), (1, None), (2, None), (np.inf, None), ("fro", [0, 1])]

    @tf.function
    def grads(x):
        return [tf.gradients(tf.norm(x, ord=o, axis=a), x)[0] for o, a in ords]

    zero = [np.asarray(g) for g in grads(tf.zeros([2, 2]))]
    for g, nan in zip(zero, [True, False, True, False, True]):
        assert np.all(np.isnan(g)) if nan else np.all(g == 0)
    x = tf.constant([[3., -4.], [0., 1.]])
    got = [np.asarray(g) for g in grads(x)]
    unit = [[0.5883484, -0.78446454], [0., 0.19611613]]
    for g, want in zip(got, [unit, [[1., -1.], [0., 1.]], unit, [[0., -1.], [0., 0.]], unit]):
        np.testing.assert_allclose(g, want, rtol=1e-6)
    assert tf.norm is tf.linalg.norm


def test_xdivy_xlog1py_at_zeros_as_tf():
    # TF 2.21 (float64): both partials are 0 where x == 0; inf where y == 0 < x.
    x = np.array([0., 0., 2., 3., 0.])
    y = np.array([0., 1., 0., 4., -1.])
    value, (gx, gy) = _graph_grads(tf.math.xdivy, x, y)
    np.testing.assert_array_equal(value, [0., 0., np.inf, 0.75, 0.])
    np.testing.assert_array_equal(gx, [0., 0., np.inf, 0.25, 0.])
    np.testing.assert_array_equal(gy, [0., 0., -np.inf, -0.1875, 0.])
    value, (gx, gy) = _graph_grads(tf.math.xlog1py, x, y)
    np.testing.assert_allclose(value, [0., 0., 0., 4.828313737302301, 0.], rtol=1e-15)
    np.testing.assert_allclose(gx, [0., 0., 0., 1.6094379124341003, 0.], rtol=1e-15)
    np.testing.assert_allclose(gy, [0., 0., 2., 0.6, 0.], rtol=1e-15)


# TF 2.21, float64, axis=1 of [[1, 2, 3], [-1, 0, 5]]: (value, gradient of its sum).
CUMULATIVE_LOGSUMEXP = {
    (True, False): ([[-np.inf, 1.0, 2.313261687518223], [-np.inf, -1.0, 0.31326168751822286]],
                    [[1.2689414213699952, 0.7310585786300048, 0.0],
                     [1.2689414213699952, 0.7310585786300049, 0.0]]),
    (True, True): ([[3.313261687518223, 3.0, -np.inf], [5.006715348489118, 5.0, -np.inf]],
                   [[0.0, 0.26894142136999505, 1.7310585786300048],
                    [0.0, 0.006692850924284855, 1.9933071490757153]]),
    (False, True): ([[3.4076059644443806, 3.313261687518223, 3.0],
                     [5.0091744845917345, 5.006715348489118, 5.0]],
                    [[0.09003057317038043, 0.5136698924247926, 2.396299534404826],
                     [0.002456114904450954, 0.013369263437661302, 2.9841746216578864]]),
}


@pytest.mark.parametrize("exclusive,reverse", sorted(CUMULATIVE_LOGSUMEXP))
def test_cumulative_logsumexp_exclusive_reverse_as_tf(exclusive, reverse):
    want_value, want_grad = CUMULATIVE_LOGSUMEXP[exclusive, reverse]
    value, (grad,) = _graph_grads(
        lambda v: tf.math.cumulative_logsumexp(v, axis=1, exclusive=exclusive, reverse=reverse),
        np.array([[1., 2., 3.], [-1., 0., 5.]]))
    np.testing.assert_allclose(value, want_value, rtol=1e-13)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-13, atol=1e-15)


def test_log_sigmoid_extremes_as_tf():
    # TF 2.21 float64 at [-1000, -1, 0, 1, 1000]: finite values, gradients 1 ... 0.
    value, (grad,) = _graph_grads(tf.math.log_sigmoid, np.array([-1000., -1., 0., 1., 1000.]))
    np.testing.assert_allclose(value, [-1000.0, -1.3132616875182228, -0.6931471805599453,
                                       -0.3132616875182228, 0.0], rtol=1e-15)
    np.testing.assert_allclose(grad, [1.0, 0.7310585786300049, 0.5, 0.2689414213699951, 0.0],
                               rtol=1e-15)


def test_truncatediv_as_tf():
    # TF 2.21: rounds toward zero for ints and floats; no gradient (None for both).
    np.testing.assert_array_equal(tf.truncatediv([7, -7, 7, -7], [2, 2, -2, -2]), [3, -3, -3, 3])
    np.testing.assert_array_equal(tf.truncatediv(tf.constant([7., -7.]), 2.), [3., -3.])
    _, grads = _graph_grads(tf.truncatediv, np.array([7., -7.]), np.array([2., 2.]))
    assert grads == [None, None]
    assert not hasattr(tf.math, "truncatediv")  # TF exports it at the top level only


def test_top_k_unsorted_gives_tfs_entries():
    # TF 2.21 CPU, sorted=False: values [5, 9, 6], indices [4, 5, 7] (its own order);
    # the same (value, index) pairs here, sorted.
    values, indices = tf.math.top_k(tf.constant([3., 1., 4., 1., 5., 9., 2., 6.]), 3,
                                    sorted=False)
    assert sorted(zip(np.asarray(values).tolist(), np.asarray(indices).tolist())) == \
        sorted(zip([5., 9., 6.], [4, 5, 7]))


# ---------------------------------------------------------------------------
# Names, namespaces, dtypes, and the op catalog.

def test_graph_names_as_tf():
    # TF 2.21 names these composites' outputs and ops so.
    with tf.Graph().as_default():
        x = tf.constant([1., 2.])
        assert tf.math.xdivy(x, x).name == "xdivy/Xdivy:0"
        assert tf.math.xlog1py(x, x).name == "xlog1py/Xlog1py:0"
        assert tf.math.log_sigmoid(x).name == "LogSigmoid:0"
        assert tf.norm(x).name == "norm/Squeeze:0"
        assert tf.math.unsorted_segment_mean(x, [0, 1], 2).name == \
            "UnsortedSegmentMean/truediv:0"
        assert tf.math.unsorted_segment_sqrt_n(x, [0, 1], 2).name == \
            "UnsortedSegmentSqrtN/truediv:0"
        assert tf.dtypes.saturate_cast(x, tf.int32).name == "saturate_cast:0"
        # TF: TypeError from Sqrt for integer data, naming its parameter 'x'.
        with pytest.raises(TypeError, match="parameter 'x'"):
            tf.math.unsorted_segment_sqrt_n(tf.constant([1]), [0], 1)
        with pytest.raises(TypeError, match="parameter 'features'"):
            tf.math.log_sigmoid(tf.constant([1]))


def test_namespaces_and_dtypes():
    assert tf.math.log_softmax is tf.nn.log_softmax
    assert tf.math.in_top_k is tf.nn.in_top_k
    assert tf.dtypes.float32 is tf.float32 and tf.dtypes.DType is tf.DType
    assert tf.dtypes.as_dtype("int8") is tf.int8 and tf.dtypes.string is tf.string
    assert tf.dtypes.cast(tf.constant(1.5), tf.int32).numpy() == 1
    # TF 2.21: saturate_cast clamps to the largest float32 below 2**31 first.
    np.testing.assert_array_equal(
        tf.dtypes.saturate_cast(tf.constant([1e10, -1e10, 3.7]), tf.int32),
        [2147483520, -2147483648, 3])
    assert callable(tf.group)


def test_new_ops_are_listed_with_their_gradient_policies():
    ops = {op.type: op for op in tf.list_ops()}
    want = {"Xdivy": "tf rule", "Xlog1py": "tf rule", "TruncateDiv": "not differentiable",
            "InTopKV2": "not differentiable", "CumulativeLogsumexp": "autodiff"}
    for op_type, policy in want.items():
        assert ops[op_type].gradient_policy == policy, op_type
        assert registered_opdefs()[op_type].public_names, op_type
    assert "math_ops.in_top_k" in ops["InTopKV2"].public_names
