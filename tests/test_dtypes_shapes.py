"""tf.DType, tf.as_dtype, tf.TensorShape and tf.TensorSpec.

Expected values were read off TensorFlow 2.21 running the same expressions.
"""

import ml_dtypes
import numpy as np
import pytest

import tfgrad_jax as tf

# name, is_floating, is_integer, is_complex, is_bool, numpy type, size, real_dtype name
DTYPE_TABLE = [
    (tf.float16, "float16", True, False, False, False, np.float16, 2, "float16"),
    (tf.bfloat16, "bfloat16", True, False, False, False, ml_dtypes.bfloat16, 2, "bfloat16"),
    (tf.float32, "float32", True, False, False, False, np.float32, 4, "float32"),
    (tf.float64, "float64", True, False, False, False, np.float64, 8, "float64"),
    (tf.int8, "int8", False, True, False, False, np.int8, 1, "int8"),
    (tf.int32, "int32", False, True, False, False, np.int32, 4, "int32"),
    (tf.int64, "int64", False, True, False, False, np.int64, 8, "int64"),
    (tf.uint8, "uint8", False, True, False, False, np.uint8, 1, "uint8"),
    (tf.complex64, "complex64", False, False, True, False, np.complex64, 8, "float32"),
    (tf.complex128, "complex128", False, False, True, False, np.complex128, 16, "float64"),
    (tf.bool, "bool", False, False, False, True, np.bool_, 1, "bool"),
]


@pytest.mark.parametrize("row", DTYPE_TABLE, ids=lambda r: r[1])
def test_dtype_properties(row):
    dtype, name, floating, integer, complex_, boolean, np_type, size, real = row
    assert dtype.name == name
    assert dtype.is_floating is floating
    assert dtype.is_integer is integer
    assert dtype.is_complex is complex_
    assert dtype.is_bool is boolean
    assert dtype.as_numpy_dtype is np_type
    assert dtype.size == size
    assert dtype.real_dtype.name == real
    # TF: repr is `tf.float32`, str is `<dtype: 'float32'>`.
    assert repr(dtype) == f"tf.{name}"
    assert str(dtype) == f"<dtype: '{name}'>"
    assert tf.as_dtype(name) is dtype
    assert tf.as_dtype(np.dtype(np_type)) is dtype
    assert tf.as_dtype(np_type) is dtype


def test_dtype_unsigned_and_limits():
    assert tf.uint8.is_unsigned and not tf.int8.is_unsigned
    assert tf.int32.max == 2**31 - 1 and tf.int32.min == -2**31
    assert tf.float32.max == np.finfo(np.float32).max
    assert tf.bool.max is True


def test_dtype_aliases_and_equality():
    assert tf.double is tf.float64 and tf.half is tf.float16
    assert tf.float32 == "float32" and tf.float32 == np.float32
    assert tf.float32 != tf.float64
    assert tf.float64 != None  # noqa: E711 - np.dtype(None) is float64, but TF says False
    assert len({tf.float32, tf.as_dtype("float32"), tf.float64}) == 2


def test_as_dtype_python_types():
    # TF maps Python float -> float32, bool -> bool, object -> string only.
    assert tf.as_dtype(float) is tf.float32
    assert tf.as_dtype(bool) is tf.bool
    assert tf.as_dtype(object) is tf.string
    assert tf.string.size == 0  # TF: tf.string.size is 0


@pytest.mark.parametrize("bad", [int, complex, str, "int", "floatz", None, object(), [1]],
                         ids=lambda v: "object()" if type(v) is object else repr(v))
def test_as_dtype_type_error(bad):
    # TF 2.21: `tf.as_dtype(int)` and `tf.as_dtype(None)` raise TypeError with this text.
    with pytest.raises(TypeError, match="Cannot convert the argument `type_value`"):
        tf.as_dtype(bad)


def test_tensor_shape_known_and_unknown_dims():
    s = tf.TensorShape([None, 3])
    assert s.rank == 2 and s.ndims == 2
    assert s.as_list() == [None, 3]
    assert s[0] is None and s[1] == 3
    assert not s.is_fully_defined()
    assert s.num_elements() is None
    assert s.is_compatible_with([5, 3]) and not s.is_compatible_with([5, 4])
    assert not s.is_compatible_with([5, 3, 1])
    assert s.merge_with([7, None]).as_list() == [7, 3]
    with pytest.raises(ValueError):
        s.merge_with([1, 4])
    # TF's reprs and strs.
    assert repr(s) == "TensorShape([None, 3])"
    assert str(s) == "(None, 3)"
    assert str(tf.TensorShape([4])) == "(4,)"
    assert str(tf.TensorShape([])) == "()"
    full = tf.TensorShape([2, 3])
    assert full.is_fully_defined() and full.num_elements() == 6
    assert full == [2, 3] and full == (2, 3) and full != [3, 2]
    assert (full + [4]).as_list() == [2, 3, 4]
    assert full[1:].as_list() == [3]


def test_tensor_shape_unknown_rank():
    s = tf.TensorShape(None)
    assert s.rank is None and s.dims is None
    assert repr(s) == "TensorShape(None)" and str(s) == "<unknown>"
    assert s.is_compatible_with([1, 2, 3])
    assert s.merge_with([1, 2]).as_list() == [1, 2]
    with pytest.raises(ValueError):
        s.as_list()
    with pytest.raises(ValueError):
        len(s)


def test_tensor_shape_bad_dims():
    with pytest.raises(TypeError):
        tf.TensorShape(["a"])
    with pytest.raises(ValueError):
        tf.TensorShape([-2])


def test_tensor_spec():
    spec = tf.TensorSpec([None, 3], tf.float32)
    assert spec.shape.as_list() == [None, 3]
    assert spec.dtype is tf.float32 and spec.name is None
    # TF's repr.
    assert repr(spec) == "TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)"
    assert repr(tf.TensorSpec([2], tf.int64, name="x")) == \
        "TensorSpec(shape=(2,), dtype=tf.int64, name='x')"
    assert tf.TensorSpec([2]).dtype is tf.float32  # default dtype
    assert spec == tf.TensorSpec((None, 3), "float32")
    assert spec != tf.TensorSpec([None, 3], tf.float64)
    assert spec.is_compatible_with(tf.ones([5, 3]))
    assert not spec.is_compatible_with(tf.ones([5, 4]))
    assert not spec.is_compatible_with(tf.ones([5, 3], tf.int32))
    from_t = tf.TensorSpec.from_tensor(tf.zeros([2, 2], tf.int64))
    assert from_t.shape.as_list() == [2, 2] and from_t.dtype is tf.int64
    with pytest.raises(TypeError):
        tf.TensorSpec([2], "no_such_dtype")


def test_unknown_dims_of_different_inputs_combine_as_in_tf():
    # TF's shape inference propagates unknown dims: two inputs with None batch dims
    # multiply, a None dim broadcasts against a known one, and known dims stay known.
    @tf.function(input_signature=[tf.TensorSpec([None, 1]), tf.TensorSpec([None, 1]),
                                  tf.TensorSpec([None])])
    def f(x, y, v):
        z = x * y + x
        w = tf.matmul(tf.reshape(z, [-1, 1]), tf.ones([1, 3]))
        b = v + tf.ones([3])
        assert (z.shape.as_list(), w.shape.as_list(), b.shape.as_list()) == (
            [None, 1], [None, 3], [3])
        return tf.reduce_sum(w, axis=0), b

    x, y = np.ones((2, 1), np.float32), np.full((2, 1), 2.0, np.float32)
    w, b = f(x, y, np.arange(3, dtype=np.float32))
    np.testing.assert_allclose(w.numpy(), [6.0, 6.0, 6.0])
    np.testing.assert_allclose(b.numpy(), [1.0, 2.0, 3.0])
    w, _ = f(np.ones((5, 1), np.float32), np.ones((5, 1), np.float32), np.zeros(3, np.float32))
    np.testing.assert_allclose(w.numpy(), [10.0] * 3)


def test_known_dims_that_cannot_match_still_raise():
    # TF: "Dimensions must be equal, but are 3 and 4" at graph construction.
    @tf.function(input_signature=[tf.TensorSpec([None, 3]), tf.TensorSpec([None, 4])])
    def f(x, y):
        return x + y

    with pytest.raises(ValueError, match="AddV2"):
        f.get_concrete_function()
