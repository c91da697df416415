"""The gradient cross-check (issue #12): TF's rules, JAX's derivative and finite
differences side by side (`tfgrad_jax.check`), and `compute_gradient`, which
mirrors `tf.test.compute_gradient` (its values checked against TF 2.21)."""

import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax import check


@tf.RegisterGradient("TestCheckWrongSquare")
def _wrong_square_gradient(op, grad):
    return grad * 3.0 * op.inputs[0]  # deliberately wrong: d(x^2)/dx is 2x


def _wrong_square(x):
    with tf.compat.v1.get_default_graph().gradient_override_map(
            {"Square": "TestCheckWrongSquare"}):
        return tf.reduce_sum(tf.square(x) * 0.5, name="loss")


def test_smooth_function_agrees_everywhere():
    x = np.array([0.1, -0.4, 1.3], np.float32)
    w = np.float32(2.0)
    report = check.check_gradients(lambda x, w: tf.reduce_sum(tf.sin(x) * w), x, w)
    assert report.ok and not report.blame
    assert [r.name for r in report.rows] == ["x", "w"]
    np.testing.assert_allclose(report.rows[0].tf, 2.0 * np.cos(x), rtol=1e-6)
    np.testing.assert_allclose(report.rows[1].numeric, np.sum(np.sin(x)), rtol=1e-6)
    assert report.precision == "float64"
    assert max(r.tf_vs_numeric for r in report.rows) < 1e-5
    text = str(report)
    assert text.startswith("Gradient check of 2 argument(s)") and "OK" in text.splitlines()[0]
    assert "<table>" in report._repr_html_()


def test_wrong_registered_gradient_is_caught_and_blamed():
    report = check.check_gradients(_wrong_square, np.array([1.0, 2.0], np.float32))
    assert not report.ok
    (row,) = report.rows
    assert row.name == "x" and not row.ok
    np.testing.assert_allclose(row.tf, [1.5, 3.0])       # the wrong rule
    np.testing.assert_allclose(row.jax, [1.0, 2.0], rtol=1e-6)
    np.testing.assert_allclose(row.numeric, [1.0, 2.0], rtol=1e-6)
    (blame,) = report.blame
    assert (blame.op, blame.type, blame.input) == ("Square", "Square", 0)
    assert blame.rule == "registered gradient 'TestCheckWrongSquare'"
    text = str(report)
    assert "FAILED" in text and "Square (Square, registered gradient" in text
    with pytest.raises(AssertionError, match="registered gradient 'TestCheckWrongSquare'"):
        check.assert_gradients_close(_wrong_square, np.array([1.0, 2.0], np.float32))


def test_tf_rule_at_a_kink_is_named():
    # TF: the gradient of abs at 0 is sign(0) = 0, which the central differences agree
    # with; JAX's own rule gives another value there, and the report says which op.
    report = check.check_gradients(lambda x: tf.abs(x) * 2.0, np.array([0.0, 1.5], np.float32))
    assert report.ok
    (row,) = report.rows
    np.testing.assert_allclose(row.tf, [0.0, 2.0])
    assert row.tf_vs_jax > 0
    assert [(b.op, b.rule) for b in report.blame] == [("Abs", "TF rule")]


def test_stop_gradients_by_name_as_tf_gradients():
    # TF's documented example: d(a + b)/da with b = 2a is 3, or 1 with b stopped.
    def fn(a):
        b = tf.multiply(2.0, a, name="b")
        return a + b

    assert check.check_gradients(fn, 0.0).rows[0].tf == 3.0
    stopped = check.check_gradients(fn, 0.0, stop_gradients=["b"]).rows[0]
    assert stopped.tf == stopped.jax == 1.0 and stopped.numeric == pytest.approx(1.0)


def test_grad_ys_weights_each_output():
    report = check.check_gradients(lambda x: [x * 2.0, x * x], np.float32(3.0),
                                   grad_ys=[np.float32(1.0), np.float32(10.0)])
    assert report.ok and report.rows[0].tf == pytest.approx(62.0)


def test_compute_gradient_as_tf():
    # tf.test.compute_gradient(lambda x: reduce_sum(x * x, axis=1), [ones((2, 3))]) in TF
    # 2.21: both Jacobians are [[2, 2, 2, 0, 0, 0], [0, 0, 0, 2, 2, 2]], shape (y, x).
    theoretical, numerical = check.compute_gradient(
        lambda x: tf.reduce_sum(x * x, axis=1), [np.ones((2, 3), np.float32)])
    expected = np.kron(np.eye(2), np.full((1, 3), 2.0))
    np.testing.assert_allclose(theoretical[0], expected)
    np.testing.assert_allclose(numerical[0], expected, rtol=1e-3)
    assert theoretical[0].dtype == np.float32
    with pytest.raises(AssertionError, match="unsupported type int32 of argument 0"):
        check.compute_gradient(lambda x: x * 2, [np.ones(2, np.int32)])


def test_bad_input_gets_clear_errors():
    with pytest.raises(TypeError, match="argument 0 has dtype int64, which has no gradient"):
        check.check_gradients(lambda x: x * 2, np.arange(3))
    with pytest.raises(ValueError, match="returns no floating-point tensor"):
        check.check_gradients(lambda x: tf.cast(x, tf.int32), np.float32(1.0))
    with pytest.raises(ValueError, match=r"grad_ys\[0\] has shape \(3,\), but output 0 has "
                                         r"shape \(2,\)"):
        check.check_gradients(lambda x: x * 2.0, np.ones(2, np.float32),
                              grad_ys=np.ones(3, np.float32))
    with pytest.raises(ValueError, match="'nope' names no tensor"):
        check.check_gradients(lambda x: x * 2.0, np.float32(1.0), stop_gradients=["nope"])


MODEL = '''
import tensorflow as tf


def loss(x, w):
    return tf.reduce_sum(tf.nn.softplus(tf.matmul(x, w)))
'''

BAD = '''
import tensorflow as tf


@tf.RegisterGradient("TestCheckCliWrongTanh")
def _wrong(op, grad):
    return grad  # wrong: the gradient of tanh is grad * (1 - y * y)


def bad(x):
    with tf.compat.v1.get_default_graph().gradient_override_map(
            {"Tanh": "TestCheckCliWrongTanh"}):
        return tf.reduce_sum(tf.tanh(x))
'''


@pytest.fixture
def scripts(tmp_path):
    from tfgrad_jax import dropin
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "bad.py").write_text(BAD)
    yield tmp_path
    dropin.uninstall()


def test_command_line_exit_status_and_report(scripts, capsys):
    # python -m tfgrad_jax.check script.py:function --random/--args: 0 when TF's gradient
    # matches the differences, 1 when not (usable in CI), 2 for bad usage.
    assert check.main([f"{scripts / 'model.py'}:loss", "--random", "2,3", "3,1"]) == 0
    assert "x  (2, 3)" in capsys.readouterr().out
    assert check.main([f"{scripts / 'bad.py'}:bad", "--args", "[0.5, -1.0]"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "registered gradient 'TestCheckCliWrongTanh'" in out
    assert check.main([f"{scripts / 'model.py'}:nope"]) == 2
    assert "defines no function 'nope'" in capsys.readouterr().err


def test_inspect_function_shows_every_level():
    def fn(x):
        y = x * 2.0
        return tf.gradients(tf.reduce_sum(tf.sin(y) * x), x, stop_gradients=[y])

    seen = check.inspect_function(fn, np.ones(3, np.float32))
    assert "SymbolicGradient" in seen.graph_text
    assert "forward of gradients/SymbolicGradient:" in seen.graph_text
    assert "sin" in str(seen.jaxpr)
    assert seen.cost["flops"] > 0 and "HloModule" in seen.hlo_text
    assert str(seen).startswith("== graph ==")
