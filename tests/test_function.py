"""tf.function: tracing, the trace cache, input_signature, ConcreteFunction, jit.

Tracing counts were checked against TensorFlow 2.21's
`experimental_get_tracing_count()` for the same call sequences.
"""

import collections

import numpy as np
import pytest

import tfgrad_jax as tf


def _np_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_mlp_forward_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4)).astype(np.float32)
    w1, b1 = rng.normal(size=(4, 8)).astype(np.float32), rng.normal(size=8).astype(np.float32)
    w2, b2 = rng.normal(size=(8, 6)).astype(np.float32), rng.normal(size=6).astype(np.float32)
    w3, b3 = rng.normal(size=(6, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)

    @tf.function
    def mlp(x, w1, b1, w2, b2, w3, b3):
        h = tf.nn.relu(tf.matmul(x, w1) + b1)
        h = tf.nn.relu(tf.matmul(h, w2) + b2)
        return tf.nn.softmax(tf.matmul(h, w3) + b3)

    args = [tf.constant(v) for v in (x, w1, b1, w2, b2, w3, b3)]
    out = mlp(*args)
    h = np.maximum(x @ w1 + b1, 0)
    h = np.maximum(h @ w2 + b2, 0)
    want = _np_softmax(h @ w3 + b3)
    assert out.dtype is tf.float32 and out.shape == [5, 3]
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.numpy().sum(axis=1), np.ones(5), rtol=1e-5)
    # The same result eagerly.
    h = tf.nn.relu(tf.matmul(args[0], args[1]) + args[2])
    h = tf.nn.relu(tf.matmul(h, args[3]) + args[4])
    np.testing.assert_allclose(tf.nn.softmax(tf.matmul(h, args[5]) + args[6]).numpy(), want,
                               rtol=1e-5, atol=1e-6)


def test_retracing_counts_match_tf():
    @tf.function
    def f(x, k=1):
        return x * k

    counts = []
    calls = [
        lambda: f(tf.constant([1.0, 2.0])),          # first trace
        lambda: f(tf.constant([3.0, 4.0])),          # same shape and dtype: cached
        lambda: f(tf.constant([1.0, 2.0, 3.0])),     # new shape: retrace
        lambda: f(tf.constant([1.0, 2.0]), 2),       # new Python value: retrace
        lambda: f(tf.constant([1.0, 2.0]), 2),       # same Python value: cached
        lambda: f(tf.constant([1.0, 2.0]), 3),       # another value: retrace
        lambda: f(tf.constant([1, 2])),              # new dtype: retrace
        lambda: f(tf.constant([1.0, 2.0]), k=2),     # keyword == positional: cached
        lambda: f(np.array([1.0, 2.0])),             # numpy float64: retrace
        lambda: f(np.array([5.0, 6.0])),             # same numpy signature: cached
        lambda: f(2.0),                              # Python float: retrace
        lambda: f(3.0),                              # another Python float: retrace
        lambda: f(tf.constant(2.0, tf.float64)),     # new scalar dtype: retrace
        lambda: f(tf.constant([[1.0]])),             # new rank: retrace
    ]
    for call in calls:
        call()
        counts.append(f.experimental_get_tracing_count())
    # TF 2.21 printed exactly these counts for the same sequence.
    assert counts == [1, 1, 2, 3, 3, 4, 5, 5, 6, 6, 7, 8, 9, 10]


def test_equal_python_literals_share_a_trace_like_tf():
    # TF's Literal trace type compares values: 2 and 2.0, and 1 and True, share a trace.
    @tf.function
    def f(x, k):
        return x * k

    x = tf.constant([1.0])
    counts = []
    for k in (2, 2.0, 2, 1, True, float("nan"), float("nan")):
        f(x, k)
        counts.append(f.experimental_get_tracing_count())
    assert counts == [1, 1, 1, 2, 2, 3, 3]


def test_input_signature_with_none_dims():
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def g(x):
        return tf.reduce_sum(x, axis=1) * 2.0

    np.testing.assert_allclose(g(tf.ones([2, 3])).numpy(), [6.0, 6.0])
    np.testing.assert_allclose(g(tf.ones([5, 3])).numpy(), [6.0] * 5)
    assert g(np.ones([4, 3], np.float32)).shape == [4]
    np.testing.assert_allclose(g([[1.0, 2.0, 3.0]]).numpy(), [12.0])  # a list is one tensor
    assert g(np.ones([4, 3])).dtype is tf.float32  # TF casts numpy input to the spec's dtype
    assert g.experimental_get_tracing_count() == 1
    cf = g.get_concrete_function()
    assert cf is g.get_concrete_function()
    assert cf.graph.inputs[0].shape.as_list() == [None, 3]
    assert cf.outputs[0].shape.as_list() == [None]
    assert cf(tf.ones([7, 3])).shape == [7]
    assert [t.name for t in cf.inputs] == ["x:0"]  # TF names the placeholder after the arg
    assert g.experimental_get_tracing_count() == 1


def test_nested_input_signature():
    spec = [[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.int32)],
            {"k": tf.TensorSpec([2])}]

    @tf.function(input_signature=spec)
    def f(pair, d):
        return pair[0] * tf.cast(pair[1], tf.float32) + tf.reduce_sum(d["k"])

    # TF 2.21 gives these values, with one trace; a list for a TensorSpec is one value.
    np.testing.assert_allclose(
        f([tf.constant([1.0, 2.0]), tf.constant(3)], {"k": [1.0, 1.0]}).numpy(), [5.0, 8.0])
    np.testing.assert_allclose(f([[1.0, 2.0, 5.0], 2], {"k": tf.ones([2])}).numpy(),
                               [4.0, 6.0, 12.0])
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match="Binding inputs to tf.function"):
        f([tf.constant([1.0])], {"k": [1.0, 1.0]})


@pytest.mark.parametrize("bad", [
    lambda: tf.ones([2, 4]), lambda: tf.ones([3]), lambda: tf.ones([2, 3], tf.float64),
    lambda: tf.ones([2, 3], tf.int32)], ids=["shape", "rank", "float64", "int32"])
def test_input_signature_rejects_incompatible_tensors(bad):
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def g(x):
        return x

    # TF: TypeError "Binding inputs to tf.function failed due to `Can not cast
    # TensorSpec(shape=(2, 4), ...) to TensorSpec(shape=(None, 3), ...)`".
    with pytest.raises(TypeError, match="Binding inputs to tf.function.*Can not cast "
                                        r"TensorSpec\(shape=\(None, 3\)|Can not cast"):
        g(bad())
    with pytest.raises(TypeError, match="too many positional arguments"):
        g(tf.ones([2, 3]), tf.ones([2, 3]))
    assert g.experimental_get_tracing_count() == 0


def test_input_signature_must_hold_tensor_specs():
    with pytest.raises(TypeError):
        tf.function(lambda x: x, input_signature=tf.TensorSpec([2]))
    with pytest.raises(TypeError):
        tf.function(lambda x: x, input_signature=[[2]])


def test_get_concrete_function_with_spec_and_tensor():
    @tf.function
    def f(x):
        return x * 2.0

    cf = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    np.testing.assert_allclose(cf(tf.constant([1.0, 2.0, 3.0])).numpy(), [2.0, 4.0, 6.0])
    assert f.get_concrete_function(tf.TensorSpec([None], tf.float32)) is cf
    cf2 = f.get_concrete_function(tf.constant([1.0, 2.0]))
    assert cf2 is not cf and f.experimental_get_tracing_count() == 2
    f(tf.constant([5.0, 6.0]))  # same signature as cf2: no new trace
    assert f.experimental_get_tracing_count() == 2
    # TF's graph also ends in an Identity per output; ours returns `mul` directly.
    assert [op.type for op in cf.graph.get_operations()] == ["Placeholder", "Const", "Mul"]
    assert cf.structured_input_signature[0][0] == tf.TensorSpec([None], tf.float32, "x")


def test_nested_structures_returned():
    Pair = collections.namedtuple("Pair", ["first", "second"])

    @tf.function
    def h(x):
        return {"b": x, "a": [x * 2.0, (x + 1.0, None)], "c": None, "p": Pair(x, 3)}

    out = h(tf.constant(1.0))
    assert list(out) == ["b", "a", "c", "p"]  # TF keeps the dict's own key order
    assert out["c"] is None and out["a"][1][1] is None
    assert isinstance(out["a"], list) and isinstance(out["a"][1], tuple)
    assert float(out["b"]) == 1.0 and float(out["a"][0]) == 2.0 and float(out["a"][1][0]) == 2.0
    assert isinstance(out["p"], Pair) and float(out["p"].first) == 1.0
    # TF converts Python numbers returned by a tf.function to tensors.
    assert isinstance(out["p"].second, tf.Tensor) and out["p"].second.dtype is tf.int32

    @tf.function
    def none(x):
        return None

    assert none(tf.constant(1.0)) is None

    @tf.function
    def pair(x):
        return x, x * x

    a, b = pair(tf.constant(3.0))
    assert (float(a), float(b)) == (3.0, 9.0)

    @tf.function
    def bad(x):
        return tf.float32

    # TF: TypeError "To be compatible with tf.function, Python functions must return
    # zero or more Tensors ...".
    with pytest.raises(TypeError, match="To be compatible with tf.function"):
        bad(tf.constant(1.0))


def test_second_call_reuses_compiled_code():
    @tf.function
    def f(x):
        return tf.nn.relu(x) * 2.0

    x = tf.constant([[1.0, -2.0]])
    np.testing.assert_allclose(f(x).numpy(), [[2.0, 0.0]])
    cf = f.get_concrete_function(x)
    assert cf.lowering_count == 1
    np.testing.assert_allclose(f(tf.constant([[3.0, 4.0]])).numpy(), [[6.0, 8.0]])
    f(x)
    assert cf.lowering_count == 1  # no retrace, no re-lowering: the cached jit executable
    assert f.experimental_get_tracing_count() == 1


def test_none_dims_compile_once_per_concrete_shape():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return x + 1.0

    cf = f.get_concrete_function()
    f(tf.ones([3]))
    f(tf.ones([3]))
    assert cf.lowering_count == 1
    f(tf.ones([4]))
    assert f.experimental_get_tracing_count() == 1


def test_jaxpr_and_hlo_text():
    @tf.function
    def f(x):
        return tf.reduce_sum(tf.exp(x) * 2.0)

    cf = f.get_concrete_function(tf.constant([1.0, 2.0]))
    jaxpr = str(cf.as_jaxpr())
    assert "exp" in jaxpr and "reduce_sum" in jaxpr and "f32[2]" in jaxpr
    hlo = cf.as_hlo_text()
    assert "stablehlo.exponential" in hlo and "tensor<2xf32>" in hlo
    compiled = cf.compiled_hlo_text()
    assert compiled.startswith("HloModule") and "f32[2]" in compiled

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def g(x):
        return x * x

    cg = g.get_concrete_function()
    assert "f32[d" in str(cg.as_jaxpr())  # the unknown dim stays symbolic
    assert "tensor<?x2xf32>" in cg.as_hlo_text()
    assert "f32[4,2]" in cg.compiled_hlo_text(np.ones([4, 2], np.float32))


def test_captured_eager_tensors():
    c = tf.constant([10.0, 20.0])

    @tf.function
    def f(x):
        return x + c

    np.testing.assert_allclose(f(tf.constant([1.0, 2.0])).numpy(), [11.0, 22.0])
    cf = f.get_concrete_function(tf.constant([1.0, 2.0]))
    assert len(cf.captured_inputs) == 1 and cf.captured_inputs[0] is c
    assert len(cf.graph.captures) == 1

    @tf.function
    def g():
        return c

    np.testing.assert_allclose(g().numpy(), [10.0, 20.0])


def test_methods_decorated_with_tf_function():
    class Dense:
        def __init__(self, w):
            self.w = tf.constant(w)

        @tf.function
        def __call__(self, x):
            return tf.matmul(x, self.w)

    m1, m2 = Dense([[2.0]]), Dense([[3.0]])
    x = tf.constant([[1.0], [2.0]])
    np.testing.assert_allclose(m1(x).numpy(), [[2.0], [4.0]])
    np.testing.assert_allclose(m2(x).numpy(), [[3.0], [6.0]])
    m1(x)
    # TF traces per instance; the class-level function itself never traces.
    assert Dense.__call__.experimental_get_tracing_count() == 0
    assert m1.__call__.experimental_get_tracing_count() == 1
    assert m1.__call__ is m1.__call__


def test_inside_function_is_graph_mode():
    seen = {}

    @tf.function
    def f(x):
        seen["eager"] = tf.executing_eagerly()
        seen["x"] = x
        with pytest.raises(tf.OperatorNotAllowedInGraphError):
            bool(x > 0)
        return tf.executing_eagerly()

    out = f(tf.constant(1.0))
    assert seen["eager"] is False and isinstance(out, tf.Tensor) and not bool(out)
    assert repr(seen["x"]) == "<tf.Tensor 'x:0' shape=() dtype=float32>"
    assert tf.executing_eagerly()


def test_nested_tf_function_is_a_partitioned_call_with_its_own_trace():
    # TF: an inner tf.function is called through one PartitionedCall op carrying its
    # graph; the inner function is traced once per signature, also across retraces of
    # the outer one (TF 2.21: tracing counts 1 after outer traces of two shapes).
    @tf.function
    def inner(x):
        return x * 3.0

    @tf.function
    def outer(x):
        return inner(tf.constant(2.0)) + tf.reduce_sum(x)

    assert float(outer(tf.constant([1.0]))) == 7.0
    assert float(outer(tf.constant([1.0, 2.0]))) == 9.0
    assert inner.experimental_get_tracing_count() == 1
    assert outer.experimental_get_tracing_count() == 2
    cf = outer.get_concrete_function(tf.constant([2.0]))
    types = [op.type for op in cf.graph.get_operations()]
    assert types == ["Placeholder", "Const", "PartitionedCall", "Sum", "AddV2"]
    call = cf.graph.get_operations()[2]
    assert [op.type for op in call.get_attr("f").get_operations()] == [
        "Placeholder", "Const", "Mul"]


def test_gradient_through_a_nested_tf_function():
    # TF: tf.gradients sees through a PartitionedCall (TF 2.21: d(inner(x))/dx = 2x).
    @tf.function
    def inner(x):
        return x * x

    @tf.function
    def outer(x):
        return tf.gradients(inner(x), x)[0]

    assert float(outer(tf.constant(3.0))) == 6.0
