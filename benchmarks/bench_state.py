"""State and tape benchmarks of issue #8: tfgrad_jax against hand-written JAX, side by side.

    python benchmarks/bench_state.py           # the full run (a few minutes)
    python benchmarks/bench_state.py --quick   # tiny sizes: only checks that it runs

1. A training step with variables inside `tf.function` (MLP 256 -> 512 -> 512 -> 10,
   batch 128, tf.GradientTape, plain SGD with assign_sub) against the same step under
   `jax.jit` with the parameters passed in and returned. Ratio of medians, target <= 1.15.
2. An eager `tf.GradientTape` over 1,000 small ops (a chain of elementwise ops on a
   64-vector) against JAX's eager `jax.grad` of the same Python function (no jit on
   either side). Ratio of medians, target <= 2.
3. `tf.hessians` of sum(tanh(A @ x)), n = 64 and 512, against `jax.jit(jax.hessian)`:
   the first call (trace, lower, compile, run) in fresh functions, target <= 1.5, and
   the per-call time, target <= 1.1.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import tfgrad_jax as tf  # noqa: E402
from bench_core import _block, _interleaved, print_results, report  # noqa: E402



def bench_training_step(quick):
    sizes = (32, 64, 64, 10) if quick else (256, 512, 512, 10)
    batch = 16 if quick else 128
    rounds, calls = (3, 2) if quick else (21, 5)
    print(f"[1] Training step with variables: MLP {sizes}, batch {batch}, SGD")
    rng = np.random.default_rng(0)
    shapes = [(sizes[i], sizes[i + 1]) for i in range(3)]
    init = [(rng.standard_normal(s) / np.sqrt(s[0])).astype(np.float32) for s in shapes]
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.standard_normal((batch, sizes[-1])).astype(np.float32)
    weights = [tf.Variable(w) for w in init]
    tx, ty = tf.constant(x), tf.constant(y)

    @tf.function
    def tf_step(x, y):
        with tf.GradientTape() as tape:
            h = x
            for i, w in enumerate(weights):
                h = tf.matmul(h, w)
                if i < 2:
                    h = tf.tanh(h)
            loss = tf.reduce_mean((h - y) ** 2)
        grads = tape.gradient(loss, weights)
        for w, g in zip(weights, grads):
            w.assign_sub(0.01 * g)
        return loss

    def jax_loss(params, x, y):
        h = x
        for i, w in enumerate(params):
            h = h @ w
            if i < 2:
                h = jnp.tanh(h)
        return jnp.mean((h - y) ** 2)

    @jax.jit
    def jax_step(params, x, y):
        loss, grads = jax.value_and_grad(jax_loss)(params, x, y)
        return loss, [w - 0.01 * g for w, g in zip(params, grads)]

    state = {"params": [jnp.asarray(w) for w in init]}
    jx, jy = jnp.asarray(x), jnp.asarray(y)

    def run_jax():
        loss, state["params"] = jax_step(state["params"], jx, jy)
        return loss

    ours, ref = tf_step(tx, ty), run_jax()  # compile both; the same first loss
    np.testing.assert_allclose(float(ours), float(ref), rtol=1e-4)
    t_ours, t_ref = _interleaved([lambda: tf_step(tx, ty), run_jax], rounds, calls, _block)
    med_o, med_r = statistics.median(t_ours), statistics.median(t_ref)
    print(f"  tf.function step: median {med_o * 1e3:.3f} ms   jax.jit step: median "
          f"{med_r * 1e3:.3f} ms")
    np.testing.assert_allclose(weights[0].numpy(), np.asarray(state["params"][0]), rtol=1e-3,
                               atol=1e-5)
    ratio = med_o / med_r
    report("training step with variables (median per call)", med_o * 1e3, med_r * 1e3, ratio,
           "<= 1.15", ratio <= 1.15, "ms")


def bench_eager_tape(quick):
    n_ops = 200 if quick else 1000
    rounds = 3 if quick else 7
    print(f"[2] Eager GradientTape over {n_ops} small ops vs JAX's eager jax.grad")
    x0 = np.linspace(-1, 1, 64)

    def tf_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            for i in range(n_ops // 2):
                y = tf.sin(y) * 0.9 if i % 2 else tf.tanh(y) + 0.1
            loss = tf.reduce_sum(y)
        return tape.gradient(loss, x)

    def jax_fn(x):
        y = x
        for i in range(n_ops // 2):
            y = jnp.sin(y) * 0.9 if i % 2 else jnp.tanh(y) + 0.1
        return jnp.sum(y)

    tx, jx = tf.constant(x0), jnp.asarray(x0)
    jax_grad = jax.grad(jax_fn)
    np.testing.assert_allclose(np.asarray(tf_grad(tx)), np.asarray(jax_grad(jx)), rtol=1e-10)
    t_ours, t_ref = _interleaved([lambda: tf_grad(tx), lambda: jax_grad(jx)], rounds, 1, _block)
    med_o, med_r = statistics.median(t_ours), statistics.median(t_ref)
    print(f"  tf.GradientTape: median {med_o * 1e3:.1f} ms   jax.grad: median "
          f"{med_r * 1e3:.1f} ms")
    ratio = med_o / med_r
    report(f"eager tape over {n_ops} ops (median per call)", med_o * 1e3, med_r * 1e3, ratio,
           "<= 2.0", ratio <= 2.0, "ms")


def bench_hessians(quick):
    sizes = (16, 32) if quick else (64, 512)
    rounds, calls = (2, 2) if quick else (11, 5)
    for n in sizes:
        print(f"[3] tf.hessians of sum(tanh(A x)), n = {n}")
        rng = np.random.default_rng(n)
        a = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
        x = rng.standard_normal(n).astype(np.float32)
        ta = tf.constant(a)

        def make_tf():
            return tf.function(lambda v: tf.hessians(
                tf.reduce_sum(tf.tanh(tf.linalg.matvec(ta, v))), v)[0])

        def make_jax():
            return jax.jit(jax.hessian(lambda v: jnp.sum(jnp.tanh(a @ v))))

        firsts_o, firsts_r = [], []
        for r in range(3 if not quick else 1):
            for side in ((0, 1) if r % 2 == 0 else (1, 0)):
                t0 = time.perf_counter()
                _block(make_tf()(x) if side == 0 else make_jax()(x))
                (firsts_o if side == 0 else firsts_r).append(time.perf_counter() - t0)
        first_o, first_r = statistics.median(firsts_o), statistics.median(firsts_r)
        ratio = first_o / first_r
        print(f"  first call: tfgrad_jax {first_o:.3f} s, JAX {first_r:.3f} s")
        report(f"tf.hessians n={n}, first call", first_o, first_r, ratio, "<= 1.5",
               ratio <= 1.5, "s")
        ours, ref = make_tf(), make_jax()
        np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(ref(x)), rtol=1e-3,
                                   atol=1e-5)
        t_ours, t_ref = _interleaved([lambda: ours(x), lambda: ref(x)], rounds, calls, _block)
        med_o, med_r = statistics.median(t_ours), statistics.median(t_ref)
        ratio = med_o / med_r
        print(f"  per call: tfgrad_jax {med_o * 1e3:.3f} ms, JAX {med_r * 1e3:.3f} ms")
        report(f"tf.hessians n={n}, per call (median)", med_o * 1e3, med_r * 1e3, ratio,
               "<= 1.1", ratio <= 1.1, "ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, checks it runs")
    args = parser.parse_args()
    print(f"jax {jax.__version__} on {jax.default_backend()}, {os.cpu_count()} CPUs")
    bench_training_step(args.quick)
    bench_eager_tape(args.quick)
    bench_hessians(args.quick)
    print()
    sys.exit(print_results(args.quick))


if __name__ == "__main__":
    main()
