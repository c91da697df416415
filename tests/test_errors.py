"""Bad input raises TF's exception class when the graph is built.

Each row's class is the one TensorFlow 2.21 raised for the same call under
`tf.Graph().as_default()`; the message must name the offending argument (or,
for shape errors, the node and the input shapes, as TF's messages do).
"""

import pytest

import tfgrad_jax as tf

A = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]

# (id, build(a, i, b) -> tensor, exception class, regex the message must match)
BAD_INPUT = [
    # Wrong types.
    ("add_string", lambda a, i, b: tf.add(a, "x"), TypeError, "'y'"),
    ("constant_object", lambda a, i, b: tf.constant(object()), TypeError, "Failed to convert"),
    ("sqrt_int", lambda a, i, b: tf.sqrt(i), TypeError,
     "parameter 'x' has DataType int32 not in list of allowed values"),
    ("relu_bool", lambda a, i, b: tf.nn.relu(b), TypeError, "parameter 'features'"),
    ("softmax_int", lambda a, i, b: tf.nn.softmax(i), TypeError, "parameter 'logits'"),
    ("logical_and_float", lambda a, i, b: tf.logical_and(a, a), TypeError, "parameter 'x'"),
    ("less_bool", lambda a, i, b: tf.less(b, b), TypeError, "parameter 'x'"),
    ("where_int_condition", lambda a, i, b: tf.where(i, i, i), TypeError, "condition"),
    ("maximum_mixed", lambda a, i, b: tf.maximum(a, i), TypeError,
     "Input 'y' of 'Maximum' Op has type int32 that does not match type float32"),
    ("equal_mixed", lambda a, i, b: tf.equal(a, i), TypeError, "Input 'y' of 'Equal' Op"),
    ("pow_int_float", lambda a, i, b: tf.pow(i, 0.5), TypeError, "'y'"),
    ("constant_2.5_int32", lambda a, i, b: tf.constant(2.5, dtype=tf.int32), TypeError, "int32"),
    ("ones_string_shape", lambda a, i, b: tf.ones(["a"]), TypeError, "shape"),
    # None where a tensor is needed.
    ("add_none", lambda a, i, b: tf.add(a, None), ValueError, "None"),
    ("identity_none", lambda a, i, b: tf.identity(None), ValueError, "None"),
    ("convert_wrong_dtype", lambda a, i, b: tf.convert_to_tensor(a, dtype=tf.int32), ValueError,
     "requested dtype int32 for Tensor with dtype float32"),
    # Shapes that cannot broadcast or combine (TF names the node and input shapes).
    ("broadcast", lambda a, i, b: a + tf.ones([4]), ValueError,
     r"'\{\{node add\}\} = AddV2'.*input shapes: \[2,3\], \[4\]"),
    ("broadcast_subtract", lambda a, i, b: tf.subtract(a, tf.ones([3, 2])), ValueError,
     r"node Sub\}.*\[2,3\], \[3,2\]"),
    ("where_broadcast", lambda a, i, b: tf.where(tf.constant([True, False]), a, a), ValueError,
     r"node SelectV2\}"),
    ("matmul_inner_dims", lambda a, i, b: tf.matmul(a, a), ValueError,
     r"node MatMul\}.*\[2,3\], \[2,3\]"),
    ("matmul_rank1", lambda a, i, b: tf.matmul(a, tf.ones([3])), ValueError, "`b`"),
    ("reshape_size", lambda a, i, b: tf.reshape(a, [4]), ValueError, "shape"),
    ("concat_shapes", lambda a, i, b: tf.concat([a, tf.ones([3, 3])], 1), ValueError,
     r"node concat\}"),
    ("stack_shapes", lambda a, i, b: tf.stack([a, tf.ones([3])]), ValueError, r"node stack\}"),
    ("fill_non_scalar", lambda a, i, b: tf.fill([2], [1.0, 2.0]), ValueError, "`value`"),
    ("ones_negative", lambda a, i, b: tf.ones([-1]), ValueError, "shape"),
    # Axes out of range.
    ("reduce_axis", lambda a, i, b: tf.reduce_sum(a, axis=5), ValueError,
     "Invalid reduction dimension 5 for input with 2 dimensions"),
    ("reduce_mean_axis", lambda a, i, b: tf.reduce_mean(a, axis=-3), ValueError, "axis"),
    ("concat_axis", lambda a, i, b: tf.concat([a, a], 2), ValueError, "axis"),
    ("range_delta_zero", lambda a, i, b: tf.range(0, 5, 0), ValueError, "delta"),
    ("slice_too_many_indices", lambda a, i, b: a[0, 0, 0], ValueError, "out of range"),
    ("slice_out_of_bounds", lambda a, i, b: a[2], ValueError, "out of bounds"),
    # Unknown dtypes.
    ("cast_unknown_dtype", lambda a, i, b: tf.cast(a, "nope"), TypeError, "type_value"),
    ("zeros_unknown_dtype", lambda a, i, b: tf.zeros([2], dtype="floatz"), TypeError, "floatz"),
    ("constant_unknown_dtype", lambda a, i, b: tf.constant(1.0, dtype="floatz"), TypeError,
     "floatz"),
    ("ones_python_int_dtype", lambda a, i, b: tf.ones([2], dtype=int), TypeError, "int"),
]


@pytest.mark.parametrize("build, error, pattern", [r[1:] for r in BAD_INPUT],
                         ids=[r[0] for r in BAD_INPUT])
def test_bad_input_raises_when_graph_is_built(build, error, pattern):
    g = tf.Graph()
    with g.as_default():
        a, i, b = tf.constant(A), tf.constant([1, 2]), tf.constant([True])
        before = len(g.get_operations())
        with pytest.raises(error, match=pattern):
            build(a, i, b)
    # Nothing half-built is left behind by the failed op itself.
    assert all(op.type in ("Const", "Cast") for op in g.get_operations()[before:])


@pytest.mark.parametrize("build, error, pattern", [r[1:] for r in BAD_INPUT],
                         ids=[r[0] for r in BAD_INPUT])
def test_bad_input_raises_while_tracing(build, error, pattern):
    @tf.function
    def f(a, i, b):
        return build(a, i, b)

    with pytest.raises(error, match=pattern):
        f(tf.constant(A), tf.constant([1, 2]), tf.constant([True]))


def test_eager_shape_errors_are_invalid_argument():
    # TF raises InvalidArgumentError for these when running eagerly (its texts are
    # checked in test_runtime_errors.py).
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[2,3\] vs. \[4\]"):
        tf.ones([2, 3]) + tf.ones([4])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.matmul(tf.ones([2, 3]), tf.ones([4, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="int32"):
        tf.sqrt(tf.constant([1, 2]))
