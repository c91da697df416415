"""tf.Graph, tf.Operation and symbolic tf.Tensor in TF-1 style graphs.

Every expected op name below is what TensorFlow 2.21 printed for the same code
run under `tf.Graph().as_default()`; the comment on each names the TF rule.
"""

import threading

import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax.framework import lowering


def run(*tensors):
    """Evaluates graph tensors (lowered to JAX, as tf.function does)."""
    return [np.asarray(v) for v in lowering.lower([], list(tensors))()]


def new_ops(graph, before):
    return [(op.name, op.type) for op in graph.get_operations()[before:]]


# ---------------------------------------------------------------------------
# Naming.

def test_default_names_made_unique_like_tf():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0)
        b = tf.constant(2.0)
        c = a + b
        d = a + b
        e = tf.add(a, b)
        f = tf.add(a, b, name="add")
    # TF: Const, Const_1; the operator names its op 'add', tf.add names it 'Add';
    # unique_name compares case-insensitively, so 'Add' after 'add', 'add_1' is 'Add_2'.
    assert [a.name, b.name] == ["Const:0", "Const_1:0"]
    assert [c.name, d.name, e.name, f.name] == ["add:0", "add_1:0", "Add_2:0", "add_3:0"]
    assert [op.type for op in (c.op, d.op, e.op, f.op)] == ["AddV2"] * 4


def test_name_scopes_like_tf():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0)
        b = tf.constant(2.0)
        with tf.name_scope("a") as scope_a:
            x = a * b
            y = tf.constant(3.0)
        with tf.name_scope("a") as scope_a1:
            z = a * b
        with tf.name_scope("a/") as scope_again:
            w = a * b
            k = tf.constant(1.0, name="k")
        with tf.name_scope("outer"):
            with tf.name_scope("inner") as inner:
                v = a - b
                with g.name_scope(None) as top:
                    u = a - b
        with tf.name_scope("outer/inner/") as reentered:
            pass
    # TF: a scope name is made unique ('a_1/'); 'a/' re-enters the existing scope;
    # nested scopes join with '/'; Graph.name_scope(None) returns to the top level.
    assert (scope_a, scope_a1, scope_again, inner, top, reentered) == (
        "a/", "a_1/", "a/", "outer/inner/", "", "outer/inner/")
    assert [x.name, y.name, z.name, w.name, k.name] == [
        "a/mul:0", "a/Const:0", "a_1/mul:0", "a/mul_1:0", "a/k:0"]
    assert [v.name, u.name] == ["outer/inner/sub:0", "sub:0"]


def test_graph_name_scope_and_unique_name():
    g = tf.Graph()
    with g.as_default():
        # TF: unique_name appends _N, case-insensitively; mark_as_used=False peeks.
        assert g.unique_name("foo") == "foo"
        assert g.unique_name("foo") == "foo_1"
        assert g.unique_name("Foo") == "Foo_2"
        assert g.unique_name("bar", mark_as_used=False) == "bar"
        assert g.unique_name("bar") == "bar"
        assert g.unique_name("foo_1") == "foo_1_1"
        assert g.unique_name("foo") == "foo_3"
        with g.name_scope("s") as s:
            assert s == "s/"
            assert g.get_name_scope() == "s"
            assert g.unique_name("foo") == "s/foo"
            with g.name_scope("t") as t:
                assert t == "s/t/"
            with g.name_scope(None) as n:
                assert n == ""
                assert tf.constant(1.0).name == "Const:0"
            with g.name_scope("") as n:
                assert n == ""
        assert g.get_name_scope() == ""


def test_operator_names_like_tf():
    # TF names the op of each Python operator after the operator ('add', 'sub',
    # 'truediv', 'and', ...) and reflected operators the same; unary ones and
    # comparisons use the op type ('Neg', 'Less').
    cases = [
        (lambda a, b, t: a + b, [("add", "AddV2")]),
        (lambda a, b, t: 2.0 + a, [("add", "AddV2")]),
        (lambda a, b, t: 1.0 - a, [("sub", "Sub")]),
        (lambda a, b, t: 2 * a, [("mul", "Mul")]),
        (lambda a, b, t: a / b, [("truediv", "RealDiv")]),
        (lambda a, b, t: 1 / a, [("truediv", "RealDiv")]),
        (lambda a, b, t: a // b, [("floordiv", "FloorDiv")]),
        (lambda a, b, t: 7.0 % a, [("mod", "FloorMod")]),
        (lambda a, b, t: 2.0 ** a, [("pow", "Pow")]),
        (lambda a, b, t: tf.ones([2, 2]) @ tf.ones([2, 2]), [("matmul", "MatMul")]),
        (lambda a, b, t: -a, [("Neg", "Neg")]),
        (lambda a, b, t: abs(a), [("Abs", "Abs")]),
        (lambda a, b, t: a < b, [("Less", "Less")]),
        (lambda a, b, t: a <= b, [("LessEqual", "LessEqual")]),
        (lambda a, b, t: a > 1.0, [("Greater", "Greater")]),
        (lambda a, b, t: a >= b, [("GreaterEqual", "GreaterEqual")]),
        (lambda a, b, t: t & t, [("and", "LogicalAnd")]),
        (lambda a, b, t: True & t, [("and", "LogicalAnd")]),
        (lambda a, b, t: t | t, [("or", "LogicalOr")]),
        (lambda a, b, t: t ^ t, [("xor/LogicalOr", "LogicalOr"), ("xor/LogicalAnd", "LogicalAnd"),
                                 ("xor/LogicalNot", "LogicalNot"), ("xor", "LogicalAnd")]),
        (lambda a, b, t: ~t, [("LogicalNot", "LogicalNot")]),
        (lambda a, b, t: np.float32(2.0) * a, [("mul", "Mul")]),
        (lambda a, b, t: tf.ones([3, 4])[1:, ::-1], [("strided_slice", "StridedSlice")]),
    ]
    for fn, expected in cases:
        g = tf.Graph()
        with g.as_default():
            a, b, t = tf.constant(3.0), tf.constant(2.0), tf.constant(True)
            n = len(g.get_operations())
            fn(a, b, t)
            assert [op for op in new_ops(g, n) if op[1] != "Const"] == expected


def test_public_op_names_like_tf():
    # The default name of each public function, as TF 2.21 gives it.
    g = tf.Graph()
    with g.as_default():
        a, b = tf.constant(1.0), tf.constant(2.0)
        m = tf.ones([2, 2])
        cond = a < b
        n = len(g.get_operations())
        made = [
            tf.convert_to_tensor(3.0), tf.matmul(m, m), tf.zeros([2, 3]), tf.fill([2], 3.0), tf.ones_like(m),
            tf.zeros_like(m), tf.reshape(m, [4]), tf.transpose(m), tf.concat([m, m], 0),
            tf.stack([a, b]), tf.range(5), tf.shape(m), tf.size(m), tf.rank(m),
            tf.reduce_sum(m), tf.reduce_mean(m, axis=0), tf.reduce_max(m), tf.cast(a, tf.int32),
            tf.identity(a), tf.stop_gradient(a), tf.equal(a, b), tf.logical_and(cond, cond),
            tf.logical_or(cond, cond), tf.logical_not(cond), tf.where(cond, a, b), tf.nn.relu(m),
            tf.nn.softmax(m), tf.sqrt(a), tf.exp(a), tf.math.log(a), tf.pow(a, b), tf.abs(a),
            tf.sin(a), tf.cos(a), tf.tanh(a), tf.sigmoid(a), tf.maximum(a, b), tf.minimum(a, b),
            tf.negative(a), tf.square(a), tf.divide(a, b), tf.truediv(a, b), tf.multiply(a, b),
            tf.subtract(a, b), tf.greater(a, b), tf.less(a, b),
        ]
    names = [t.op.name for t in made]
    assert names == [
        "Const_2", "MatMul", "zeros", "Fill", "ones_like", "zeros_like", "Reshape", "transpose", "concat",
        "stack", "range", "Shape", "Size", "Rank", "Sum", "Mean", "Max", "Cast", "Identity",
        "StopGradient", "Equal", "LogicalAnd", "LogicalOr", "LogicalNot", "SelectV2", "Relu",
        "Softmax", "Sqrt", "Exp", "Log", "Pow", "Abs", "Sin", "Cos", "Tanh", "Sigmoid", "Maximum",
        "Minimum", "Neg", "Square", "truediv", "truediv_1", "Mul", "Sub", "Greater", "Less_1"]
    # TF: a Python number for a binary op becomes a Const inside the op's scope
    # ('truediv/y'); integer true division casts first ('truediv/Cast').
    with g.as_default():
        i = tf.constant(3)
        q = i / 2
        r = a / 2.0
    assert q.dtype == tf.float64 and q.op.name == "truediv_2"
    assert [t.op.name for t in q.op.inputs] == ["truediv_2/Cast", "truediv_2/Cast_1"]
    assert [t.name for t in r.op.inputs] == ["Const:0", "truediv_3/y:0"]


# ---------------------------------------------------------------------------
# Graph structure.

def test_get_operations_and_lookup():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0, name="a")
        b = tf.constant(2.0, name="a")
        c = tf.multiply(a, b, name="c")
    ops = g.get_operations()
    assert [op.name for op in ops] == ["a", "a_1", "c"]  # creation order
    assert g.get_operation_by_name("a_1") is b.op
    assert g.get_tensor_by_name("c:0") is c
    with pytest.raises(KeyError):
        g.get_operation_by_name("nope")
    with pytest.raises(KeyError):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(KeyError):
        g.get_tensor_by_name("c:1")
    # TF: "The name 'c' refers to an Operation, not a Tensor."
    with pytest.raises(ValueError, match="refers to an Operation, not a Tensor"):
        g.get_tensor_by_name("c")
    with pytest.raises(TypeError):
        g.get_operation_by_name(3)


def test_operation_and_tensor_attributes():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant([1.0, 2.0], name="a")
        b = tf.constant(3.0, name="b")
        c = a * b
        i = tf.cast(a, tf.int32)
        m = tf.matmul(tf.ones([2, 2]), tf.ones([2, 2]), transpose_a=True)
    op = c.op
    assert op.type == "Mul" and op.name == "mul" and op.graph is g
    assert list(op.inputs) == [a, b]
    assert op.outputs == [c]
    assert op.get_attr("T") is tf.float32
    assert a.op.get_attr("dtype") is tf.float32
    assert i.op.get_attr("DstT") is tf.int32 and i.op.get_attr("SrcT") is tf.float32
    assert m.op.get_attr("transpose_a") is True
    with pytest.raises(ValueError):
        op.get_attr("no_such_attr")
    assert c.op is op and c.value_index == 0 and c.graph is g
    assert c.name == "mul:0" and c.dtype is tf.float32
    assert c.shape == tf.TensorShape([2]) and c.get_shape().as_list() == [2]
    assert c.consumers() == [] and a.consumers() == [op, i.op]
    # TF's reprs for graph tensors and ops.
    assert repr(c) == "<tf.Tensor 'mul:0' shape=(2,) dtype=float32>"
    assert str(c) == 'Tensor("mul:0", shape=(2,), dtype=float32)'
    assert repr(op) == "<tf.Operation 'mul' type=Mul>"


def test_as_default_is_a_thread_local_stack():
    g1, g2 = tf.Graph(), tf.Graph()
    seen = {}

    def other_thread():
        seen["eager"] = tf.executing_eagerly()
        seen["default"] = tf.get_default_graph()

    with g1.as_default():
        assert tf.get_default_graph() is g1
        with g2.as_default():
            assert tf.get_default_graph() is g2
            t = threading.Thread(target=other_thread)
            t.start()
            t.join()
            x = tf.constant(1.0)
        y = tf.constant(2.0)
        assert not tf.executing_eagerly()
    assert x.graph is g2 and y.graph is g1
    # Another thread does not see this thread's graph stack.
    assert seen["eager"] is True and seen["default"] is not g2 and seen["default"] is not g1
    assert tf.executing_eagerly()


def test_finalize():
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0)
    g.finalize()
    assert g.finalized
    with g.as_default():
        # TF: RuntimeError("Graph is finalized and cannot be modified.")
        with pytest.raises(RuntimeError, match="Graph is finalized and cannot be modified"):
            tf.constant(2.0)
    assert len(g.get_operations()) == 1


def test_control_dependencies_like_tf():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0, name="a")
        b = tf.constant(2.0, name="a")
        with g.control_dependencies([a]):
            c = b * 2.0
            with g.control_dependencies([b.op]):
                d = tf.identity(c)
            with g.control_dependencies(None):
                e = tf.identity(c)
        with tf.control_dependencies([c]):
            f = tf.identity(a, name="f")
    # TF: the Const made for 2.0 inside the block waits for `a`; `mul` takes that
    # Const as input, so it is already ordered after `a` and gets no control input.
    # Likewise `d`'s input was made in the outer block, so only `b` is added.
    assert [op.name for op in g.get_operation_by_name("mul/y").control_inputs] == ["a"]
    assert c.op.control_inputs == []
    assert [op.name for op in d.op.control_inputs] == ["a_1"]
    assert e.op.control_inputs == []
    assert [op.name for op in f.op.control_inputs] == ["mul"]
    assert "^mul" in g.as_text()
    assert run(f)[0] == 1.0


def test_as_text():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant([1.0, 2.0], name="x")
        tf.nn.relu(x * 2.0)
    text = g.as_text()
    lines = text.splitlines()
    assert lines[0] == "graph {" and lines[-1] == "}"
    assert len(lines) == 2 + len(g.get_operations())
    assert "mul:0 f32[2] = Mul[T=float32](x:0, mul/y:0)" in text
    assert "Relu:0 f32[2] = Relu[T=float32](mul:0)" in text


# ---------------------------------------------------------------------------
# Symbolic tensors: operators, slicing, Python protocols.

def test_arithmetic_and_comparison_operators_compute():
    av = np.array([[1.0, -2.0, 3.0]], np.float32)
    bv = np.array([[2.0, 4.0, -1.0]], np.float32)
    g = tf.Graph()
    with g.as_default():
        a, b = tf.constant(av), tf.constant(bv)
        outs = [a + b, a - b, a * b, a / b, a // b, a % b, b ** 2.0, -a, abs(a),
                2.0 + a, 2.0 - a, 2.0 * a, 2.0 / a, 7.0 // b, 7.0 % b, 2.0 ** a,
                a < b, a <= b, a > b, a >= b, a @ tf.transpose(b), +a]
    got = run(*outs)
    want = [av + bv, av - bv, av * bv, av / bv, av // bv, np.mod(av, bv), bv ** 2, -av,
            np.abs(av), 2 + av, 2 - av, 2 * av, 2 / av, 7 // bv, np.mod(7, bv), 2 ** av,
            av < bv, av <= bv, av > bv, av >= bv, av @ bv.T, av]
    for t, x, y in zip(outs, got, want):
        assert t.dtype == tf.as_dtype(y.dtype), t
        np.testing.assert_allclose(x, y, rtol=1e-6)


@pytest.mark.parametrize("key", [
    (1,), (slice(None, None, -1),), (slice(None, None, -2), Ellipsis, None),
    (Ellipsis, 1), (slice(1, None), -1), (None, slice(None), 0, slice(None, None, -1)),
    (slice(-3, -1), slice(None), slice(1, 2)), (Ellipsis,), (-1, -1, -1),
    (slice(None, None, 3), None, Ellipsis, slice(2, 0, -1)),
], ids=repr)
def test_getitem_matches_numpy(key):
    value = np.arange(24, dtype=np.float32).reshape(4, 3, 2)
    g = tf.Graph()
    with g.as_default():
        t = tf.constant(value)[key]
    expected = value[key]
    assert t.shape.as_list() == list(expected.shape)
    np.testing.assert_array_equal(run(t)[0], expected)
    np.testing.assert_array_equal(tf.constant(value)[key].numpy(), expected)  # eagerly too


def test_getitem_with_tensor_index_and_errors():
    g = tf.Graph()
    with g.as_default():
        t = tf.constant([[1, 2], [3, 4]])
        row = t[tf.constant(1)]
        with pytest.raises(ValueError, match="out of bounds"):
            t[5]
        with pytest.raises(TypeError):
            t["a"]
    np.testing.assert_array_equal(run(row)[0], [3, 4])


def test_bool_iter_len_raise_in_graph_mode():
    g = tf.Graph()
    with g.as_default():
        t = tf.constant([1.0, 2.0])
        # TF: OperatorNotAllowedInGraphError, a TypeError subclass.
        with pytest.raises(tf.OperatorNotAllowedInGraphError, match="as a Python `bool`"):
            bool(t)
        with pytest.raises(tf.OperatorNotAllowedInGraphError, match="Iterating over"):
            iter(t)
        with pytest.raises(TypeError):
            if t > 0:
                pass
        with pytest.raises(TypeError):
            len(t)
        with pytest.raises(AttributeError):  # TF: a SymbolicTensor has no `numpy`
            t.numpy()
        assert not hasattr(t, "numpy")
        # TF-1 graphs compare tensors by identity and allow hashing.
        assert (t == t) is True and {t: 1}[t] == 1
    assert issubclass(tf.OperatorNotAllowedInGraphError, TypeError)


def test_graph_tensor_used_outside_its_graph():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(1.0)
    # TF 2: "... is out of scope and cannot be used here" (TypeError).
    with pytest.raises(TypeError, match="out of scope"):
        x + 1.0
    # TF: inside another graph, an op on x alone is built into x's graph.
    with tf.Graph().as_default() as other:
        y = tf.add(x, 1.0)
    assert y.graph is g and other.get_operations() == []
    assert [op.name for op in g.get_operations()] == ["Const", "Add/y", "Add"]
    assert run(y)[0] == 2.0
