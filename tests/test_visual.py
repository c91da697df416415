"""Pictures of graphs (tfgrad_jax.visual, tfgrad_jax.show): SVG checked by parsing it.

Not a TF API: TensorFlow draws graphs in TensorBoard. What the pictures mirror
is TensorBoard's drawing (name scopes collapsed into boxes, shapes on edges)
and TF's gradient rules (what stops a gradient: StopGradient, stop_gradients,
integer tensors, ops without a gradient).
"""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax import visual

SVG = "{http://www.w3.org/2000/svg}"


def parse(picture):
    return ET.fromstring(picture.svg)


def nodes(root):
    """data-name -> the node's <g> element."""
    return {g.get("data-name"): g for g in root.iter(SVG + "g")
            if "node" in g.get("class", "").split()}


def edges(root):
    return [g for g in root.iter(SVG + "g") if "edge" in g.get("class", "").split()]


def classes(g):
    return g.get("class", "").split()


def title(g):
    return g.find(SVG + "title").text


def stop_marks(g):
    return [m for m in g.iter(SVG + "g") if "stop-mark" in classes(m)]


@tf.function
def readme_example():
    a = tf.constant(0.)
    b = 2 * a
    return tf.gradients(a + b, [a, b], stop_gradients=[a, b])


@pytest.fixture(scope="module")
def readme_picture():
    return visual.show(readme_example)


def test_readme_example_has_a_b_the_addition_and_the_stop_marks(readme_picture):
    root = parse(readme_picture)
    drawn = nodes(root)
    # a = tf.constant(0.) is `Const`, b = 2 * a is `mul`, a + b is `add` (TF's names).
    assert {"Const", "mul", "add", "gradients/SymbolicGradient"} <= set(drawn)
    assert drawn["add"].get("data-kind") == "op" and "AddV2" in title(drawn["add"])
    assert drawn["Const"].get("data-kind") == "constant"
    assert drawn["gradients/SymbolicGradient"].get("data-kind") == "gradient"
    assert drawn["gradients/grad_ys_0"].get("data-kind") == "gradient"
    # stop_gradients=[a, b]: both carry a stop mark naming the gradient; nothing else does.
    for name in ("Const", "mul"):
        (mark,) = stop_marks(drawn[name])
        assert "stop_gradients" in title(mark) and "gradients/SymbolicGradient" in title(mark)
    assert [n for n, g in drawn.items() if stop_marks(g)] == ["Const", "mul"]
    # The two gradients are the function's outputs; the scalar edges read f32[].
    assert {"output 0", "output 1"} <= set(drawn)
    labels = {t.text for e in edges(root) for t in e.iter(SVG + "text")}
    assert labels == {"f32[]"}
    # The example still gives TF's partial derivatives [1.0, 1.0].
    np.testing.assert_allclose([g.numpy() for g in readme_example()], [1.0, 1.0])


def test_legend_names_every_kind(readme_picture):
    legend = [g for g in parse(readme_picture).iter(SVG + "g") if "legend" in classes(g)][0]
    texts = " ".join(t.text for t in legend.iter(SVG + "text"))
    for word in ("input", "op", "constant", "stops the gradient", "StopGradient", "gradient op",
                 "name scope"):
        assert word in texts


def test_stop_gradients_are_not_an_attr_tf_shows(readme_picture):
    # The record of stop_gradients is private: as_text / as_graph_def show TF's attrs only.
    graph = readme_example.get_concrete_function().graph
    assert "_stop_gradients" not in graph.as_text()
    op = graph.get_operation_by_name("gradients/SymbolicGradient")
    assert "_stop_gradients" not in [a for d in graph.as_graph_def() for a in d["attr"]]
    assert op._attrs["_stop_gradients"] == ("Const:0", "mul:0")


@pytest.fixture(scope="module")
def layered():
    """x -> dense (MatMul, add, Relu) -> StopGradient, a cast to int, gradients."""
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        u = tf.compat.v1.placeholder(tf.float32, None, name="u")  # unknown rank
        w = tf.constant(np.ones((3, 2), np.float32), name="w")
        with tf.name_scope("dense"):
            h = tf.nn.relu(tf.matmul(x, w) + 1.0)
        with tf.name_scope("head"):
            s = tf.stop_gradient(h)
            k = tf.cast(h, tf.int32)
            y = tf.reduce_sum(h * 2.0) + tf.reduce_sum(s) + tf.cast(tf.reduce_sum(k), tf.float32)
        z = u * 3.0
        grads = tf.gradients(y, [x, w])
    return g, x, u, w, h, s, k, y, z, grads


def test_kinds_shapes_and_edge_labels(layered):
    g, x, u, w, h, s, k, y, z, grads = layered
    root = parse(visual.show(g, collapse=None))
    drawn = nodes(root)
    assert drawn["x"].get("data-kind") == "input" and drawn["x"].find(SVG + "ellipse") is not None
    assert drawn["w"].get("data-kind") == "constant"
    assert drawn["head/StopGradient"].get("data-kind") == "stopped"
    assert drawn["head/StopGradient"].find(SVG + "polygon") is not None  # an octagon
    assert drawn["dense/MatMul"].get("data-kind") == "op"
    assert all(drawn[n].get("data-kind") == "gradient" for n in drawn if n.startswith("gradients/"))
    # Each node shows its name and type.
    texts = [t.text for t in drawn["dense/MatMul"].iter(SVG + "text")]
    assert texts == ["dense/MatMul", "MatMul"]
    # Edges: dtype and shape, `?` for an unknown dim, `f32?` for an unknown rank; the
    # tooltip names the tensor.
    by_pair = {(e.get("data-src"), e.get("data-dst")): e for e in edges(root)}
    matmul_in = by_pair["x", "dense/MatMul"]
    assert [t.text for t in matmul_in.iter(SVG + "text")][-1] == "f32[?,3]"
    assert title(matmul_in) == "x:0 f32[?,3]"
    assert [t.text for t in by_pair["w", "dense/MatMul"].iter(SVG + "text")][-1] == "f32[3,2]"
    assert [t.text for t in by_pair["u", "mul"].iter(SVG + "text")][-1] == "f32?"
    assert [t.text for t in by_pair["head/Cast", "head/Sum_2"].iter(SVG + "text")][-1] == "i32[?,2]"
    assert len(drawn) == len(g.get_operations())


def test_collapse_named_scopes_into_boxes(layered):
    g = layered[0]
    picture = visual.show(g, collapse=["dense", "head/"])
    drawn = nodes(parse(picture))
    assert drawn["dense"].get("data-kind") == "scope"
    assert [t.text for t in drawn["dense"].iter(SVG + "text")] == ["dense/", "4 ops"]
    assert "Relu" in title(drawn["dense"]) and "MatMul" in title(drawn["dense"])
    assert not any(n.startswith(("dense/", "head/")) for n in drawn)
    # Edges between a box and the rest are merged; one tensor keeps its shape label.
    by_pair = {(e.get("data-src"), e.get("data-dst")): e for e in edges(parse(picture))}
    assert [t.text for t in by_pair["dense", "head"].iter(SVG + "text")][-1] == "f32[?,2]"
    # A nested scope collapses alone; the outer one wins when both are given.
    assert "dense" in visual.show(g, collapse="dense").node_names
    assert visual.show(g, collapse=["dense/Relu"]).node_names.count("dense/Relu") == 1
    names = visual.show(g, collapse=["dense/Relu", "dense"]).node_names
    assert "dense" in names and not any(n.startswith("dense/") for n in names)
    with pytest.raises(ValueError, match="collapse"):
        visual.show(g, collapse=[""])
    with pytest.raises(TypeError, match="collapse"):
        visual.show(g, collapse=3)


def test_2000_op_graph_is_drawn_as_scope_boxes():
    g = tf.Graph()
    with g.as_default():
        h = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x")
        for scope in range(20):
            with tf.name_scope(f"block{scope}"):
                for _ in range(50):
                    h = tf.negative(tf.tanh(h))
    assert len(g.get_operations()) == 2001
    picture = tf.show(g)  # collapse="auto": over AUTO_COLLAPSE_OPS ops
    drawn = nodes(parse(picture))
    assert sorted(drawn) == sorted(["x"] + [f"block{i}" for i in range(20)])
    assert all(drawn[f"block{i}"].get("data-kind") == "scope" for i in range(20))
    assert [t.text for t in drawn["block7"].iter(SVG + "text")] == ["block7/", "100 ops"]
    pairs = {(e.get("data-src"), e.get("data-dst")) for e in edges(parse(picture))}
    assert pairs == {("x", "block0")} | {(f"block{i}", f"block{i + 1}") for i in range(19)}
    # Boxes are laid out top to bottom, in the order data flows.
    ys = [float(drawn[f"block{i}"].find(SVG + "rect").get("y")) for i in range(20)]
    assert ys == sorted(ys) and len(set(ys)) == 20


def test_show_an_op_draws_its_neighbourhood(layered):
    g = layered[0]
    op = g.get_operation_by_name("dense/add")
    picture = tf.show(op)
    drawn = nodes(parse(picture))
    # Its inputs' ops, itself, the ops reading it: nothing else.
    assert set(drawn) == {"dense/MatMul", "dense/add/y", "dense/add", "dense/Relu"}
    assert f"4 of {len(g.get_operations())} ops" in picture.svg
    assert "hl" in classes(drawn["dense/add"]) and "hl" not in classes(drawn["dense/Relu"])
    assert op._repr_html_().startswith('<div style="max-width:100%;overflow:auto"><svg')


def test_show_tensors_gradients_functions_and_rich_display(layered):
    g, x, u, w, h, s, k, y, z, grads = layered
    drawn = nodes(parse(tf.show(h)))
    assert [n for n, e in drawn.items() if "hl" in classes(e)] == ["dense/Relu"]
    drawn = nodes(parse(tf.show(grads + [None])))  # a tf.gradients result (None skipped)
    assert [n for n, e in drawn.items() if "hl" in classes(e)] == ["gradients/SymbolicGradient"]
    assert g._repr_html_().count("<svg") == 1
    # A tf.function is traced for the arguments given; its outputs are drawn.
    f = tf.function(lambda a: tf.reduce_sum(a * a))
    cf = f.get_concrete_function(tf.TensorSpec([2, 5]))
    picture = tf.show(f, tf.TensorSpec([2, 5]))
    drawn = nodes(parse(picture))
    assert drawn["a"].get("data-kind") == "input" and "output 0" in drawn
    assert cf._repr_html_() == picture._repr_html_()
    assert picture._repr_svg_() == picture.svg
    # The text form: the graph as Graph.as_text() prints it.
    assert repr(picture).endswith(cf.graph.as_text())
    # Eager tensors keep TF's repr and draw nothing.
    e = tf.constant(1.0)
    assert not hasattr(e, "_repr_html_") and not hasattr(e, "_repr_svg_")
    assert repr(e) == "<tf.Tensor: shape=(), dtype=float32, numpy=1.0>"


def test_jupyter_formats_graphs_as_html_and_eager_tensors_as_text(layered):
    # IPython's own formatter (what a Jupyter kernel sends; ipykernel is a test extra).
    from IPython.core.formatters import DisplayFormatter
    formatter = DisplayFormatter()
    g = layered[0]
    for obj in (g, g.get_operation_by_name("dense/Relu"), readme_example.get_concrete_function(),
                tf.show(layered[-1])):
        data, _ = formatter.format(obj)
        assert "<svg" in data["text/html"], type(obj)
    data, _ = formatter.format(tf.constant([1.0, 2.0]))
    assert set(data) == {"text/plain"}
    assert data["text/plain"] == ("<tf.Tensor: shape=(2,), dtype=float32, "
                                  "numpy=array([1., 2.], dtype=float32)>")


def test_save(readme_picture, tmp_path):
    path = tmp_path / "g.svg"
    readme_picture.save(path)
    assert path.read_text(encoding="utf-8") == readme_picture.svg
    ET.parse(path)  # a well-formed SVG file


def test_path_highlights_and_marks_what_stops_the_gradient(layered):
    g, x, u, w, h, s, k, y, z, grads = layered
    root = parse(tf.show(g, path=(x, y), collapse=None))
    drawn = nodes(root)
    on = {n for n, e in drawn.items() if "hl" in classes(e)}
    assert {"x", "dense/MatMul", "dense/add", "dense/Relu", "head/StopGradient", "head/Cast",
            y.op.name} <= on
    assert not on & {"w", "u", "mul", "dense/add/y"}
    # TF's rules: StopGradient passes nothing, an integer tensor is a constant.
    assert "StopGradient" in title(stop_marks(drawn["head/StopGradient"])[0])
    assert "integer" in title(stop_marks(drawn["head/Cast"])[0])
    assert not stop_marks(drawn["head/Sum_2"])  # integer already: the mark is on the cast
    assert not stop_marks(drawn["dense/Relu"])
    assert any("hl" in classes(e) for e in edges(root))
    # An op without a gradient (TF: Floor is NotDifferentiable) is marked too.
    with g.as_default():
        q = tf.floor(h) * 2.0
    blocked = nodes(parse(visual.show(g, path=(x, q), collapse=None)))
    assert "not differentiable" in title(stop_marks(blocked[q.op.inputs[0].op.name])[0])
    with pytest.raises(ValueError, match="path"):
        tf.show(g, path=(x,))


def test_control_edges_paths_between_boxes_and_indexed_slices():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [4, 3], name="x")
        with tf.name_scope("a"):
            y = tf.tanh(x)
        with tf.control_dependencies([y]):
            tf.identity(x, name="z")
        with tf.name_scope("b"):
            out = tf.reduce_sum(tf.gather(y, [0, 2]))
        (grad,) = tf.gradients(out, [y])
    assert isinstance(grad, tf.IndexedSlices)  # TF: the gradient of a gather
    root = parse(tf.show(g, collapse=["a", "b"], path=(x, out), highlight="z"))
    by_pair = {(e.get("data-src"), e.get("data-dst")): e for e in edges(root)}
    assert "control" in classes(by_pair["a", "z"])  # a dashed control edge, no label
    assert title(by_pair["a", "z"]) == "control dependency: a/Tanh"
    assert "hl" in classes(by_pair["a", "b"]) and "hl" not in classes(by_pair["x", "z"])
    assert "hl" in classes(nodes(root)["z"])
    drawn = nodes(parse(tf.show([grad])))
    assert [n for n, e in drawn.items() if "hl" in classes(e)] == [grad.values.op.name]


def test_bad_arguments_name_the_argument(layered):
    g, x = layered[0], layered[1]
    with pytest.raises(TypeError, match="obj"):
        tf.show(3)
    with pytest.raises(TypeError, match="eager"):
        tf.show(tf.constant(1.0))
    with pytest.raises(ValueError, match="None"):
        tf.show([None])
    with pytest.raises(TypeError, match="args"):
        tf.show(g, 1)
    with pytest.raises(TypeError, match="highlight"):
        tf.show(g, highlight=[3.5])
    with pytest.raises(TypeError, match=r"path\[1\]"):
        tf.show(g, path=(x, 1.0))
    other = tf.Graph()
    with other.as_default():
        t = tf.constant(1.0)
    with pytest.raises(ValueError, match="another graph"):
        tf.show(g, path=(x, t))
