"""Drop-in: unmodified TF programs run with `python -m tfgrad_jax.run` (issue #11).

The programs in tests/programs/ are small TF-1 programs in the classic styles,
written `import tensorflow as tf` or `import tensorflow.compat.v1 as tf`. Each
runs unchanged in a subprocess, as a user would run it, and prints its numbers
on a `RESULT {json}` line; the tests recompute them with JAX (or by hand). All
programs run at once, in one module fixture.
"""

import importlib
import json
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from tfgrad_jax import dropin

PROGRAMS = os.path.join(os.path.dirname(__file__), "programs")
RUNS = {
    "hvp": ["hvp.py"],
    "fgsm": ["fgsm.py"],
    "wgan_gp": ["wgan_gp.py"],
    "maml": ["maml.py"],
    "pinn": ["pinn.py"],
    "surface": ["tf1_surface.py", "first", "--second=2"],
    "unittest": ["-m", "unittest", "-v", "tf1_unit_tests"],
}


@pytest.fixture(scope="module")
def runs():
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    procs = {name: subprocess.Popen([sys.executable, "-m", "tfgrad_jax.run"] + args,
                                    cwd=PROGRAMS, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
             for name, args in RUNS.items()}
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=600)
        out[name] = (proc.returncode, stdout, stderr)
    return out


def result(runs, name):
    code, stdout, stderr = runs[name]
    assert code == 0, stderr[-3000:]
    line = [s for s in stdout.splitlines() if s.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def close(got, want, tol=1e-4):
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                               rtol=tol, atol=tol)


def test_hessian_vector_product(runs):
    # TF-1 idiom: tf.gradients(g * tf.stop_gradient(v), x) is H v.
    r = result(runs, "hvp")
    x, v = jnp.array(r["x"]), jnp.array(r["v"])

    def f(x):
        return jnp.sum(jnp.sin(x) * x ** 2) + jnp.sum(x) ** 2

    close(r["grad"], jax.grad(f)(x))
    close(r["hvp"], jax.jvp(jax.grad(f), (x,), (v,))[1])


def test_iterative_fgsm_in_while_loop(runs):
    # tf.gradients inside a tf.while_loop body, as TF-1 adversarial-attack code writes it.
    r = result(runs, "fgsm")
    w, b, x, y = (jnp.array(r[k]) for k in ("w", "b", "x", "y"))

    def loss(inputs):
        logits = inputs @ w + b
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], 1))

    adv = x
    for _ in range(r["steps"]):
        adv = jnp.clip(adv + r["alpha"] * jnp.sign(jax.grad(loss)(adv)), x - r["eps"],
                       x + r["eps"])
    close(r["x_adv"], adv)
    close(r["clean_loss"], loss(x))
    close(r["adv_loss"], loss(adv))
    assert r["adv_loss"] > r["clean_loss"]


def _critic(params, h):
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = jnp.where(h > 0, h, 0.2 * h)
    return h


def test_wgan_gradient_penalty(runs):
    # The penalty's gradient is differentiated again for the critic's update.
    r = result(runs, "wgan_gp")
    assert r["names"] == ["critic/w0:0", "critic/b0:0", "critic/w1:0", "critic/b1:0"]
    params = [(jnp.array(w), jnp.array(b)) for w, b in r["init"]]
    real, fake, eps = (jnp.array(r[k]) for k in ("real", "fake", "eps"))

    def penalty(params):
        x_hat = eps * real + (1 - eps) * fake
        grads = jax.grad(lambda x: jnp.sum(_critic(params, x)))(x_hat)
        return jnp.mean((jnp.sqrt(jnp.sum(grads ** 2, axis=1)) - 1) ** 2)

    def loss(params):
        return (jnp.mean(_critic(params, fake)) - jnp.mean(_critic(params, real))
                + 10 * penalty(params))

    close(r["penalty"], penalty(params))
    close(r["loss"], loss(params))
    for got, want in zip(r["grads"], [g for pair in jax.grad(loss)(params) for g in pair]):
        close(got, want)
    assert r["loss_after"] < r["loss"]


def test_maml_meta_gradient_through_inner_step(runs):
    # MAML: the meta-gradient goes through the inner tf.gradients step (second order).
    r = result(runs, "maml")
    xs, xv = jnp.array(r["x_train"]), jnp.array(r["x_val"])

    def mse(w, x):
        return jnp.mean((jnp.tanh(x @ w[0]) @ w[1] - jnp.sin(x)) ** 2)

    def meta_loss(w):
        grads = jax.grad(mse)(w, xs)
        return mse([a - r["inner_lr"] * g for a, g in zip(w, grads)], xv)

    w = [jnp.array(r["w0"]), jnp.array(r["w1"])]
    close(r["meta_loss"], meta_loss(w))
    for got, want in zip(r["meta_grads"], jax.grad(meta_loss)(w)):
        close(got, want)
    assert r["meta_loss_after"] < r["meta_loss"]


def test_pinn_derivatives_and_adam_then_lbfgs(runs):
    # u_x and u_xx by tf.gradients with respect to the placeholder x; Adam, then L-BFGS-B.
    r = result(runs, "pinn")
    params = [(jnp.array(w), jnp.array(b)) for w, b in r["init"]]

    def u(x):
        h = jnp.reshape(x, (1, 1))
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = jnp.tanh(h)
        return h[0, 0]

    probe = jnp.array(r["probe"])[:, 0]
    close(np.ravel(r["u0"]), jax.vmap(u)(probe))
    close(np.ravel(r["u_x0"]), jax.vmap(jax.grad(u))(probe))
    close(np.ravel(r["u_xx0"]), jax.vmap(jax.grad(jax.grad(u)))(probe), tol=1e-3)
    assert r["loss_lbfgs"] < r["loss_adam"]
    # The exact solution is sin(pi x).
    np.testing.assert_allclose(np.ravel(r["u_probe"]), np.sin(np.pi * np.ravel(r["probe"])),
                               atol=2e-2)


def test_tf1_program_meets_tf1_top_level(runs):
    # TF 1.x ran `import tensorflow as tf` programs in graph mode, tf.nn.dropout's second
    # argument was keep_prob, and tf.contrib existed; the script keeps its own argv.
    code, stdout, _ = runs["surface"]
    assert code == 0
    assert "argv ['first', '--second=2']" in stdout
    r = result(runs, "surface")
    assert r["eager"] is False
    assert r["python_imports"] == [True, True]
    assert r["dropout_keep_all"] == [1.0, 2.0, 3.0, 4.0]
    assert r["contrib.slim"].startswith("tfgrad_jax does not implement tf.contrib.slim")
    assert r["not_a_tf_name"] == "tfgrad_jax does not implement tf.not_a_tf_name"


def test_unittest_module_of_tf_test_cases(runs):
    # A project's tf.test.TestCase module, run with `-m unittest`.
    code, stdout, stderr = runs["unittest"]
    assert code == 0, stderr[-3000:]
    # (TF's TestCase has a method test_session, which unittest runs and skips, as in TF.)
    assert "Ran 4 tests" in stderr and stderr.rstrip().endswith("OK (skipped=1)")
    assert "test_square_gradient (tf1_unit_tests.GradientTest" in stderr


# ---------------------------------------------------------------------------
# The alias itself, in this process (TF-2 flavour: no global mode changes).

@pytest.fixture
def installed():
    dropin.install(version=2)
    yield
    dropin.uninstall()


def test_import_forms_resolve_to_tfgrad_jax(installed):
    import tfgrad_jax
    import tensorflow as tf
    import tensorflow.compat.v1 as tf1
    import tensorflow.compat.v2 as tf2
    from tensorflow.compat.v1 import placeholder
    from tensorflow.python.framework import dtypes
    from tensorflow.python.ops import array_ops
    assert tf.reduce_sum is tfgrad_jax.reduce_sum and tf2.gradients is tfgrad_jax.gradients
    assert placeholder is tfgrad_jax.compat.v1.placeholder
    assert tf1.Session is tfgrad_jax.compat.v1.Session
    assert tf.compat.v1.placeholder is placeholder
    assert dtypes.float32 is tfgrad_jax.float32 and array_ops.reshape is tfgrad_jax.reshape
    assert tf.nn.relu is tfgrad_jax.nn.relu


def test_missing_names_say_what_is_missing(installed):
    import tensorflow as tf
    with pytest.raises(AttributeError, match=r"^tfgrad_jax does not implement "
                       r"tf.nn.relu7 \(the nearest name we have: tf.nn.relu\)$"):
        tf.nn.relu7
    with pytest.raises(AttributeError, match="does not implement tf.placeholder"):
        tf.placeholder  # TF 2's top level has none, as in TF 2.21
    from tensorflow.python.ops import math_ops
    with pytest.raises(AttributeError, match="tf.python.ops.math_ops.no_such_op"):
        math_ops.no_such_op
    assert not hasattr(tf, "framework")  # our implementation packages do not show


def test_uninstall_removes_the_alias():
    dropin.install(version=2)
    importlib.import_module("tensorflow.compat.v1")
    dropin.uninstall()
    assert not [name for name in sys.modules if name.split(".")[0] == "tensorflow"]
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("tensorflow")


@pytest.mark.parametrize("source, flavour", [
    ("import tensorflow as tf\nx = tf.placeholder(tf.float32)\n", 1),
    ("import tensorflow as tf\nsess = tf.Session()\n", 1),
    ("import tensorflow\nopt = tensorflow.train.AdamOptimizer(0.1)\n", 1),
    ("import tensorflow as tf\n@tf.function\ndef f(x):\n    return tf.nn.dropout(x, 0.5)\n", 2),
    ("import tensorflow.compat.v1 as tf\nx = tf.placeholder(tf.float32)\n", 2),
    ("import numpy as np\n", 2),
])
def test_flavour_read_off_the_program(source, flavour):
    # A program that reads TF-1-only names off `import tensorflow` is a TF-1 program.
    assert dropin.flavour_of(source) == flavour


def test_install_refuses_a_bad_version():
    with pytest.raises(ValueError, match="`version` must be 1, 2 or None"):
        dropin.install(version=3)
