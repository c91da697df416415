"""TF's run-time errors: eager shape and dtype errors, and the checks of TF's CPU kernels.

Every text below was produced by TensorFlow 2.21 on CPU (eager texts with TF's
"{{function_node __wrapped__..._device_/job:localhost/...}} " prefix and its
" name: ..." suffix removed; compiled texts are the kernel message and the
"\\n\\t [[{{node ...}}]]" line of TF's graph errors, without the traceback TF
puts before them). Eagerly the kernel checks always run; in compiled code
(tf.function, Session) only with `tf.config.experimental.enable_runtime_checks`.
"""

import numpy as np
import pytest

import tfgrad_jax as tf

InvalidArgumentError = tf.errors.InvalidArgumentError


@pytest.fixture
def runtime_checks():
    tf.config.experimental.enable_runtime_checks(True)
    try:
        yield
    finally:
        tf.config.experimental.enable_runtime_checks(False)


# (id, computation, TF's class name, TF 2.21's eager message)
EAGER = [
    # Shapes and arguments decided before the kernel runs.
    ("reshape", lambda: tf.reshape(tf.ones([2, 3]), [4]), "InvalidArgumentError",
     "Input to reshape is a tensor with 6 values, but the requested shape has 4 [Op:Reshape]"),
    ("reshape_unknown", lambda: tf.reshape(tf.ones([2, 3]), [-1, 4]), "InvalidArgumentError",
     "Input to reshape is a tensor with 6 values, but the requested shape requires a multiple "
     "of 4 [Op:Reshape]"),
    ("reshape_two_unknown", lambda: tf.reshape(tf.ones([2, 3]), [-1, -1]),
     "InvalidArgumentError", "Only one input size may be -1, not both 0 and 1 [Op:Reshape]"),
    ("reshape_negative", lambda: tf.reshape(tf.ones([2, 3]), [-2, 3]), "InvalidArgumentError",
     "Size 0 must be non-negative, not -2 [Op:Reshape]"),
    ("transpose_range", lambda: tf.transpose(tf.ones([2, 3]), [0, 2]), "InvalidArgumentError",
     "2 is out of range [0 .. 2) [Op:Transpose]"),
    ("transpose_negative", lambda: tf.transpose(tf.ones([2, 3]), [-3, 0]),
     "InvalidArgumentError", "-1 is out of range [0 .. 2) [Op:Transpose]"),
    ("transpose_size", lambda: tf.transpose(tf.ones([2, 3]), [0, 1, 2]), "InvalidArgumentError",
     "transpose expects a vector of size 2. But input(1) is a vector of size 3 [Op:Transpose]"),
    ("transpose_repeat", lambda: tf.transpose(tf.ones([2, 3, 4]), [2, 2, 0]),
     "InvalidArgumentError", "1 is missing from {2,2,0}. [Op:Transpose]"),
    ("reduce_sum_axis", lambda: tf.reduce_sum(tf.ones([2, 3]), axis=5), "InvalidArgumentError",
     "Invalid reduction dimension (5 for input with 2 dimension(s) [Op:Sum]"),
    ("reduce_mean_axis", lambda: tf.reduce_mean(tf.ones([2, 3]), axis=-3),
     "InvalidArgumentError", "Invalid reduction dimension (-3 for input with 2 dimension(s) "
     "[Op:Mean]"),
    ("reduce_max_axes", lambda: tf.reduce_max(tf.ones([2, 3]), axis=[0, 3]),
     "InvalidArgumentError", "Invalid reduction dimension (3 for input with 2 dimension(s) "
     "[Op:Max]"),
    ("expand_dims", lambda: tf.expand_dims(tf.ones([2]), 3), "InvalidArgumentError",
     "Tried to expand dim index 3 for tensor with 1 dimensions. [Op:ExpandDims]"),
    ("squeeze", lambda: tf.squeeze(tf.ones([2, 1]), 0), "InvalidArgumentError",
     "Can not squeeze dim[0], expected a dimension of 1, got 2 [Op:Squeeze]"),
    ("inv_not_square", lambda: tf.linalg.inv(tf.ones([2, 3])), "InvalidArgumentError",
     "Input matrix must be square. [Op:MatrixInverse]"),
    # Shapes the kernel checks.
    ("add_broadcast", lambda: tf.ones([2, 3]) + tf.ones([4]), "InvalidArgumentError",
     "Incompatible shapes: [2,3] vs. [4] [Op:AddV2]"),
    ("mul_broadcast", lambda: tf.ones([2, 3]) * tf.ones([3, 2]), "InvalidArgumentError",
     "Incompatible shapes: [2,3] vs. [3,2] [Op:Mul]"),
    ("less_broadcast", lambda: tf.less(tf.ones([2, 3]), tf.ones([4])), "InvalidArgumentError",
     "Incompatible shapes: [2,3] vs. [4] [Op:Less]"),
    ("floordiv_broadcast", lambda: tf.constant([[1, 2]]) // tf.constant([1, 2, 3]),
     "InvalidArgumentError", "Incompatible shapes: [1,2] vs. [3] [Op:FloorDiv]"),
    ("matmul", lambda: tf.matmul(tf.ones([2, 3]), tf.ones([4, 2])), "InvalidArgumentError",
     "Matrix size-incompatible: In[0]: [2,3], In[1]: [4,2] [Op:MatMul]"),
    ("matmul_transpose_a", lambda: tf.matmul(tf.ones([3, 2]), tf.ones([4, 2]), transpose_a=True),
     "InvalidArgumentError", "Matrix size-incompatible: In[0]: [3,2], In[1]: [4,2] [Op:MatMul]"),
    ("batch_matmul", lambda: tf.matmul(tf.ones([2, 2, 3]), tf.ones([2, 4, 2])),
     "InvalidArgumentError",
     "Matrix size-incompatible: In[0]: [2,2,3], In[1]: [2,4,2] [Op:BatchMatMulV2]"),
    ("batch_matmul_batch", lambda: tf.matmul(tf.ones([2, 2, 3]), tf.ones([3, 3, 2])),
     "InvalidArgumentError", "In[0] and In[1] must have compatible batch dimensions: "
     "[2,2,3] vs. [3,3,2] [Op:BatchMatMulV2]"),
    ("concat", lambda: tf.concat([tf.ones([2, 3]), tf.ones([3, 3])], 1), "InvalidArgumentError",
     "ConcatOp : Dimension 0 in both shapes must be equal: shape[0] = [2,3] vs. shape[1] = "
     "[3,3] [Op:ConcatV2]"),
    ("concat_third", lambda: tf.concat([tf.ones([2, 3]), tf.ones([2, 3]), tf.ones([2, 4])], 0),
     "InvalidArgumentError", "ConcatOp : Dimension 1 in both shapes must be equal: shape[0] = "
     "[2,3] vs. shape[2] = [2,4] [Op:ConcatV2]"),
    ("concat_rank", lambda: tf.concat([tf.ones([2, 3]), tf.ones([3])], 0),
     "InvalidArgumentError", "ConcatOp : Ranks of all input tensors should match: shape[0] = "
     "[2,3] vs. shape[1] = [3] [Op:ConcatV2]"),
    ("concat_axis", lambda: tf.concat([tf.ones([2, 3]), tf.ones([2, 3])], -3),
     "InvalidArgumentError", "ConcatOp : Expected concatenating dimensions in the range "
     "[-2, 2), but got -3 [Op:ConcatV2]"),
    # Dtypes.
    ("int32_plus_float32", lambda: tf.constant(1) + tf.constant(1.0), "InvalidArgumentError",
     "cannot compute AddV2 as input #1(zero-based) was expected to be a int32 tensor but is a "
     "float tensor [Op:AddV2]"),
    ("float32_times_float64", lambda: tf.multiply(tf.constant(1.0), tf.constant(1.0, tf.float64)),
     "InvalidArgumentError", "cannot compute Mul as input #1(zero-based) was expected to be a "
     "float tensor but is a double tensor [Op:Mul]"),
    ("int32_plus_python_float", lambda: tf.constant([1, 2]) + 1.5, "InvalidArgumentError",
     "cannot compute AddV2 as input #1(zero-based) was expected to be a int32 tensor but is a "
     "float tensor [Op:AddV2]"),
    ("half_plus_bfloat16", lambda: tf.ones([2], tf.float16) + tf.ones([2], tf.bfloat16),
     "InvalidArgumentError", "cannot compute AddV2 as input #1(zero-based) was expected to be "
     "a half tensor but is a bfloat16 tensor [Op:AddV2]"),
    ("matmul_dtypes", lambda: tf.matmul(tf.ones([2, 2], tf.int32), tf.ones([2, 2])),
     "InvalidArgumentError", "cannot compute MatMul as input #1(zero-based) was expected to be "
     "a int32 tensor but is a float tensor [Op:MatMul]"),
    ("concat_dtypes", lambda: tf.concat([tf.ones([2]), tf.ones([2], tf.int32)], 0),
     "InvalidArgumentError", "cannot compute ConcatV2 as input #1(zero-based) was expected to "
     "be a float tensor but is a int32 tensor [Op:ConcatV2]"),
    ("logical_and_float", lambda: tf.logical_and(tf.ones([2]), tf.ones([2])),
     "InvalidArgumentError", "cannot compute LogicalAnd as input #0(zero-based) was expected "
     "to be a bool tensor but is a float tensor [Op:LogicalAnd]"),
    # Kernel checks on values.
    ("floordiv_zero", lambda: tf.constant(1) // tf.constant(0), "InvalidArgumentError",
     "Integer division by zero [Op:FloorDiv]"),
    ("floordiv_zero_uint8", lambda: tf.constant(1, tf.uint8) // tf.constant(0, tf.uint8),
     "InvalidArgumentError", "Integer division by zero [Op:FloorDiv]"),
    ("floormod_zero", lambda: tf.math.floormod(tf.constant([3, 4]), tf.constant([2, 0])),
     "InvalidArgumentError", "Integer division by zero [Op:FloorMod]"),
    ("mod_operator_zero", lambda: tf.constant(1, tf.int64) % tf.constant(0, tf.int64),
     "InvalidArgumentError", "Integer division by zero [Op:FloorMod]"),
    ("truncatediv_zero", lambda: tf.truncatediv(tf.constant([1, 2]), tf.constant([1, 0])),
     "InternalError", "Unexpected error in binary operator (only integer div and mod should "
     "have errors) [Op:TruncateDiv]"),
    ("pow_negative_integer", lambda: tf.pow(tf.constant([2, 3]), tf.constant([1, -2])),
     "InvalidArgumentError", "Integers to negative integer powers are not allowed [Op:Pow]"),
    ("gather", lambda: tf.gather(tf.ones([3, 2]), [5]), "InvalidArgumentError",
     "indices[0] = 5 is not in [0, 3) [Op:GatherV2]"),
    ("gather_negative", lambda: tf.gather(tf.ones([3, 2]), [0, -1]), "InvalidArgumentError",
     "indices[1] = -1 is not in [0, 3) [Op:GatherV2]"),
    ("gather_matrix_indices", lambda: tf.gather(tf.ones([3, 2]), [[0, 1], [4, 0]]),
     "InvalidArgumentError", "indices[1,0] = 4 is not in [0, 3) [Op:GatherV2]"),
    ("gather_scalar_index", lambda: tf.gather(tf.ones([3]), 4), "InvalidArgumentError",
     "indices = 4 is not in [0, 3) [Op:GatherV2]"),
    ("gather_axis_1", lambda: tf.gather(tf.ones([3, 2]), [2], axis=1), "InvalidArgumentError",
     "indices[0] = 2 is not in [0, 2) [Op:GatherV2]"),
    ("gather_batch_dims", lambda: tf.gather(tf.ones([2, 3]), [[0], [5]], batch_dims=1),
     "InvalidArgumentError", "indices[1,0] = 5 is not in [0, 3) [Op:GatherV2]"),
    ("embedding_lookup", lambda: tf.nn.embedding_lookup(tf.ones([3, 2]), [5]),
     "InvalidArgumentError", "indices[0] = 5 is not in [0, 3) [Op:GatherV2]"),
    ("gather_nd", lambda: tf.gather_nd(tf.ones([3, 2]), [[[0, 0], [1, 1]], [[2, 0], [0, 7]]]),
     "InvalidArgumentError", "indices[1,1] = [0, 7] does not index into param shape [3,2], "
     "node name: GatherNd [Op:GatherNd]"),
    ("scatter_nd", lambda: tf.scatter_nd([[[0]], [[5]]], [[1.0], [2.0]], [3]),
     "InvalidArgumentError", "indices[1,0] = [5] does not index into shape [3] [Op:ScatterNd]"),
    ("tensor_scatter_add", lambda: tf.tensor_scatter_nd_add(tf.ones([3]), [[0], [-1]],
                                                            [1.0, 2.0]),
     "InvalidArgumentError",
     "indices[1] = [-1] does not index into shape [3] [Op:TensorScatterAdd]"),
    ("unsorted_segment_sum", lambda: tf.math.unsorted_segment_sum(tf.ones([3]), [0, -1, 7], 3),
     "InvalidArgumentError", "segment_ids[2] = 7 is out of range [0, 3) [Op:UnsortedSegmentSum]"),
    ("unsorted_segment_max", lambda: tf.math.unsorted_segment_max(
        tf.ones([2, 3]), [[0, 1, 1], [0, 9, 0]], 3), "InvalidArgumentError",
     "segment_ids[1,1] = 9 is out of range [0, 3) [Op:UnsortedSegmentMax]"),
    ("sparse_softmax_cross_entropy", lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=[[1, 5], [7, 0]], logits=tf.ones([2, 2, 3])), "InvalidArgumentError",
     "Received a label value of 7 which is outside the valid range of [0, 3).  Label values: "
     "1 5 7 0 [Op:SparseSoftmaxCrossEntropyWithLogits]"),
    ("inv_singular", lambda: tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]])),
     "InvalidArgumentError", "Input is not invertible. [Op:MatrixInverse]"),
    ("inv_zero_in_batch", lambda: tf.linalg.inv(tf.stack([tf.eye(2), tf.zeros([2, 2])])),
     "InvalidArgumentError", "Input is not invertible. [Op:MatrixInverse]"),
    ("inv_nan", lambda: tf.linalg.inv(tf.fill([2, 2], float("nan"))), "InvalidArgumentError",
     "Input is not invertible. [Op:MatrixInverse]"),
    ("inv_complex_adjoint", lambda: tf.linalg.inv(tf.zeros([2, 2], tf.complex64), adjoint=True),
     "InvalidArgumentError", "Input is not invertible. [Op:MatrixInverse]"),
    ("solve_singular", lambda: tf.linalg.solve(tf.zeros([2, 2]), tf.ones([2, 1])),
     "InvalidArgumentError", "Input matrix is not invertible. [Op:MatrixSolve]"),
]


@pytest.mark.parametrize("compute, error, message", [r[1:] for r in EAGER],
                         ids=[r[0] for r in EAGER])
def test_eager_error_is_tfs(compute, error, message):
    with pytest.raises(tf.errors.OpError) as info:
        compute()
    assert type(info.value).__name__ == error
    assert str(info.value) == message


# What passes TF's checks passes here (no false alarms at the edges).
FINE = [
    ("floordiv", lambda: tf.constant([7, -7]) // tf.constant([2, 2]), [3, -4]),
    ("floordiv_float_zero", lambda: tf.constant(1.0) // tf.constant(0.0), np.inf),
    ("floormod_float_zero", lambda: tf.math.is_nan(tf.constant(1.0) % tf.constant(0.0)), True),
    ("int_min_floordiv", lambda: tf.constant(-2147483648) // tf.constant(-1), -2147483648),
    ("gather_last", lambda: tf.gather(tf.constant([1.0, 2.0, 3.0]), [2, 0]), [3.0, 1.0]),
    ("unsorted_segment_negative_id", lambda: tf.math.unsorted_segment_sum(
        tf.constant([1.0, 2.0, 4.0]), [0, -1, 2], 3), [1.0, 0.0, 4.0]),
    ("scatter_nd_last", lambda: tf.scatter_nd([[2]], [1.0], [3]), [0.0, 0.0, 1.0]),
    ("inv_nearly_singular", lambda: tf.reduce_all(tf.math.is_finite(
        tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0001]])))), True),
    ("inv_inf", lambda: tf.linalg.inv(tf.constant([[np.inf, 0.0], [0.0, 1.0]])),
     [[0.0, 0.0], [0.0, 1.0]]),
    ("inv_empty", lambda: tf.shape(tf.linalg.inv(tf.zeros([0, 0]))), [0, 0]),
    ("transpose_negative_perm", lambda: tf.shape(tf.transpose(tf.ones([2, 3]), [-1, 0])),
     [3, 2]),
    # TF 2.21's CPU Cholesky no longer raises: NaN where the matrix is not positive
    # definite (TF leaves the entries above the diagonal unset; here they are 0).
    ("cholesky_not_positive_definite", lambda: tf.math.is_nan(tf.linalg.cholesky(-tf.eye(2))),
     [[True, False], [True, True]]),
]


@pytest.mark.parametrize("compute, expected", [r[1:] for r in FINE], ids=[r[0] for r in FINE])
def test_valid_inputs_pass_the_checks(compute, expected):
    np.testing.assert_array_equal(compute().numpy(), expected)


def test_graph_construction_keeps_value_and_type_errors():
    # Building a graph, TF raises ValueError / TypeError, not the eager errors.
    with tf.Graph().as_default():
        with pytest.raises(ValueError) as info:
            tf.reshape(tf.ones([2, 3]), [4])
        assert not isinstance(info.value, tf.errors.OpError)
        with pytest.raises(ValueError, match="Invalid reduction dimension 5"):
            tf.reduce_sum(tf.ones([2, 3]), axis=5)
        with pytest.raises(TypeError, match="Input 'y' of 'AddV2' Op has type float32"):
            tf.constant(1) + tf.constant(1.0)

    @tf.function
    def f(x):
        return tf.transpose(x, [0, 2])

    with pytest.raises(ValueError) as info:
        f(tf.ones([2, 3]))
    assert not isinstance(info.value, tf.errors.OpError)


# Kernel checks compiled: (id, function, good args, bad args, class name, TF 2.21's
# kernel text, TF's node name).
COMPILED = [
    ("floordiv", lambda x, y: x // y, (7, 2), (7, 0), "InvalidArgumentError",
     "Integer division by zero", "floordiv"),
    ("floormod", lambda x, y: tf.math.floormod(x, y), ([3, 4], [2, 3]), ([3, 4], [2, 0]),
     "InvalidArgumentError", "Integer division by zero", "FloorMod"),
    ("gather", lambda p, i: tf.gather(p, i), ([1.0, 2.0, 3.0], [0, 2]),
     ([1.0, 2.0, 3.0], [0, 4]), "InvalidArgumentError", "indices[1] = 4 is not in [0, 3)",
     "GatherV2"),
    ("inv", lambda m: tf.linalg.inv(m), ([[2.0, 0.0], [0.0, 2.0]],), ([[0.0, 0.0], [0.0, 0.0]],),
     "InvalidArgumentError", "Input is not invertible.", "MatrixInverse"),
]


def _tensors(args):
    return [tf.constant(a) for a in args]


@pytest.mark.parametrize("fn, good, bad, error, message, node",
                         [r[1:] for r in COMPILED], ids=[r[0] for r in COMPILED])
def test_compiled_checks_raise_tfs_error_when_switched_on(runtime_checks, fn, good, bad, error,
                                                          message, node):
    f = tf.function(fn)
    f(*_tensors(good))  # passes
    with pytest.raises(tf.errors.OpError) as info:
        f(*_tensors(bad))
    assert type(info.value).__name__ == error
    assert str(info.value) == f"{message}\n\t [[{{{{node {node}}}}}]]"


@pytest.mark.parametrize("fn, good, bad", [r[1:4] for r in COMPILED],
                         ids=[r[0] for r in COMPILED])
def test_compiled_code_does_not_check_by_default(fn, good, bad):
    assert not tf.config.experimental.runtime_checks_enabled()
    f = tf.function(fn)
    f(*_tensors(bad))  # XLA's answer (-2, 0, inf/NaN), as TF on GPU: no error
    jaxpr = str(f.get_concrete_function(*_tensors(bad)).as_jaxpr())
    assert "callback" not in jaxpr


def test_switch_recompiles_a_traced_function():
    f = tf.function(lambda p, y: tf.cond(p, lambda: 7 // y, lambda: tf.constant(5)))
    args = (tf.constant(True), tf.constant(0))
    assert int(f(*args)) == -2
    concrete = f.get_concrete_function(*args)
    tf.config.experimental.enable_runtime_checks(True)
    try:
        assert tf.config.experimental.runtime_checks_enabled()
        assert "callback" in str(concrete.as_jaxpr())
        with pytest.raises(InvalidArgumentError) as info:
            f(*args)
        # TF names the node inside the branch the same way.
        assert str(info.value) == "Integer division by zero\n\t [[{node cond/floordiv}}]]" \
            .replace("{node", "{{node")
        assert int(f(tf.constant(False), tf.constant(0))) == 5  # the branch is not run
    finally:
        tf.config.experimental.enable_runtime_checks(False)
    assert int(f(*args)) == -2
    assert "callback" not in str(concrete.as_jaxpr())


def test_checks_in_loops_gradients_and_constants(runtime_checks):
    @tf.function
    def loop(n, y):
        def body(i, acc):
            return i + 1, acc + 10 // (y - i)
        return tf.while_loop(lambda i, acc: i < n, body, [tf.constant(0), tf.constant(0)])

    assert [int(t) for t in loop(tf.constant(2), tf.constant(3))] == [2, 8]
    with pytest.raises(InvalidArgumentError, match="node while/floordiv"):
        loop(tf.constant(5), tf.constant(3))

    table = tf.Variable([1.0, 2.0, 3.0])

    @tf.function
    def grad(i):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.gather(table * 2.0, i))
        return tape.gradient(y, table)

    np.testing.assert_array_equal(grad(tf.constant([0, 0])).numpy(), [4.0, 0.0, 0.0])
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = 3 is not in \[0, 3\)"):
        grad(tf.constant([0, 3]))

    # A check in a loop differentiated in reverse (a scan, its trip count learnt at
    # run time).
    @tf.function
    def loop_gradient(x, n, i):
        def body(k, acc):
            return k + 1, acc * tf.gather(table * x, i)
        _, y = tf.while_loop(lambda k, acc: k < n, body, [tf.constant(0), tf.constant(1.0)])
        return tf.gradients(y, x)[0]

    assert float(loop_gradient(tf.constant(2.0), tf.constant(3), tf.constant(1))) == 96.0
    with pytest.raises(InvalidArgumentError, match=r"indices = 5 is not in \[0, 3\)"):
        loop_gradient(tf.constant(2.0), tf.constant(3), tf.constant(5))

    # Folded constants are checked too, when the function runs (not when traced).
    constant = tf.function(lambda: tf.constant(1) // tf.constant(0))
    concrete = constant.get_concrete_function()
    with pytest.raises(InvalidArgumentError, match="Integer division by zero"):
        concrete()


def test_session_run_checks_when_switched_on(runtime_checks):
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.int32, [])
        y = 7 // x
        with tf.compat.v1.Session() as session:
            assert session.run(y, {x: 2}) == 3
            with pytest.raises(InvalidArgumentError) as info:
                session.run(y, {x: 0})
            # TF 2.21's Session: "...\nInteger division by zero\n\t [[{{node floordiv}}]]..."
            assert str(info.value) == "Integer division by zero\n\t [[{{node floordiv}}]]"
