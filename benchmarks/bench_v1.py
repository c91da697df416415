"""TF-1 benchmark of issue #9: a `Session.run` training step against hand-written JAX.

    python benchmarks/bench_v1.py           # the full run (under a minute)
    python benchmarks/bench_v1.py --quick   # tiny sizes: only checks that it runs

1. A TF-1 training step: placeholders x and y ([None, n]) fed with numpy arrays, an MLP
   (256 -> 512 -> 512 -> 10, tanh, batch 128) on `tf.Variable`s made in a
   `tf.Graph`, a mean-squared loss, `tf.gradients`, and SGD updates
   (`assign_sub`) grouped into a train op; each step is
   `sess.run([train_op, loss], feed_dict)`. Against the same step under
   `jax.jit`, the parameters passed in and returned (donated, as the session
   donates its variables), x and y passed as numpy, the loss brought back to
   numpy as `Session.run` does. Ratio of medians, interleaved; target <= 1.3.
   `make_callable` is timed as well (informational).
"""

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import tfgrad_jax as tf  # noqa: E402
from bench_core import _interleaved, print_results, report  # noqa: E402


def bench_session_training_step(quick):
    sizes = (32, 64, 64, 10) if quick else (256, 512, 512, 10)
    batch = 16 if quick else 128
    rounds, calls = (3, 2) if quick else (31, 10)
    lr = 0.01
    print(f"[1] TF-1 training step through Session.run: MLP {sizes}, batch {batch}, SGD")
    rng = np.random.default_rng(0)
    shapes = [(sizes[i], sizes[i + 1]) for i in range(3)]
    init = [(rng.standard_normal(s) / np.sqrt(s[0])).astype(np.float32) for s in shapes]
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.standard_normal((batch, sizes[-1])).astype(np.float32)

    graph = tf.Graph()
    with graph.as_default():
        # A None batch dim, as TF-1 programs write it (compiled for the fed shape).
        px = tf.compat.v1.placeholder(tf.float32, [None, sizes[0]], name="x")
        py = tf.compat.v1.placeholder(tf.float32, [None, sizes[-1]], name="y")
        weights = [tf.Variable(w, name=f"w{i}") for i, w in enumerate(init)]
        h = px
        for i, w in enumerate(weights):
            h = tf.matmul(h, w)
            if i < 2:
                h = tf.tanh(h)
        loss = tf.reduce_mean((h - py) ** 2)
        grads = tf.gradients(loss, weights)
        train_op = tf.group(*[w.assign_sub(lr * g) for w, g in zip(weights, grads)])
        init_op = tf.group(*[w.initializer for w in weights])
    sess = tf.compat.v1.Session(graph=graph)
    sess.run(init_op)
    feed = {px: x, py: y}
    other = tf.compat.v1.Session(graph=graph)  # its own copy of the variables, for make_callable
    other.run(init_op)
    step = other.make_callable([train_op, loss], feed_list=[px, py])

    def jax_loss(params, x, y):
        h = x
        for i, w in enumerate(params):
            h = h @ w
            if i < 2:
                h = jnp.tanh(h)
        return jnp.mean((h - y) ** 2)

    def _jax_step(params, x, y):
        loss, grads = jax.value_and_grad(jax_loss)(params, x, y)
        return loss, [w - lr * g for w, g in zip(params, grads)]

    jax_step = jax.jit(_jax_step, donate_argnums=0)
    state = {"params": [jnp.asarray(w) for w in init]}

    def run_jax():
        loss, state["params"] = jax_step(state["params"], x, y)
        return [None, np.asarray(loss)]

    def run_session():
        return sess.run([train_op, loss], feed)

    ours, ref = run_session(), run_jax()  # compile both; the same first loss
    np.testing.assert_allclose(ours[1], ref[1], rtol=1e-4)
    t_ours, t_ref, t_call = _interleaved(
        [run_session, run_jax, lambda: step(x, y)], rounds, calls, lambda out: None)
    # Each side took the same number of steps from the same start.
    np.testing.assert_allclose(sess.run(weights[0]), np.asarray(state["params"][0]),
                               rtol=1e-3, atol=1e-4)
    med_o, med_r, med_c = (statistics.median(t) for t in (t_ours, t_ref, t_call))
    print(f"  Session.run step: median {med_o * 1e3:.3f} ms   make_callable step: median "
          f"{med_c * 1e3:.3f} ms   jax.jit step: median {med_r * 1e3:.3f} ms")
    print(f"  make_callable / jax.jit: {med_c / med_r:.3f}")
    ratio = med_o / med_r
    report("TF-1 training step, Session.run (median per call)", med_o * 1e3, med_r * 1e3,
           ratio, "<= 1.3", ratio <= 1.3, "ms")
    sess.close()
    other.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, checks it runs")
    args = parser.parse_args()
    print(f"jax {jax.__version__} on {jax.default_backend()}, {os.cpu_count()} CPUs")
    bench_session_training_step(args.quick)
    print()
    sys.exit(print_results(args.quick))


if __name__ == "__main__":
    main()
