"""Gradient benchmarks of issue #3: tf.gradients against JAX autodiff, side by side.

    python benchmarks/bench_gradients.py           # the full run (a few minutes)
    python benchmarks/bench_gradients.py --quick   # a small, fast run that only checks it works

Every result is a ratio of timings taken in the same run, interleaved.

1. Compiled gradient of an MLP loss (4 layers of 512, batch 256, tanh, MSE):
   `tf.function` + `tf.gradients` against `jax.jit(jax.grad(loss))`. Target <= 1.10.
2. First call of the gradient of a 1,000-op elementwise chain (trace + gradients +
   lower + XLA compile + run), against the first call of `jax.jit(jax.grad(f))`.
   Fresh functions each round on both sides. Target <= 1.5 (TF 2.21 takes ~12x).
3. Our own part of that first call (trace + tf.gradients + lowering to a jaxpr, XLA
   compile excluded) at 1,000 and 4,000 ops. Target: grows at most 4.5x.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import tfgrad_jax as tf  # noqa: E402
from bench_core import RESULTS, _block, _interleaved, report  # noqa: E402


# ---------------------------------------------------------------------------
# 1. The compiled gradient of an MLP loss.

def bench_mlp_gradient(quick):
    batch, width, layers = (32, 64, 4) if quick else (256, 512, 4)
    rounds, calls = (4, 2) if quick else (31, 3)
    print(f"[1] MLP loss gradient: {layers} tanh layers of {width}, batch {batch}, MSE")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, width)).astype(np.float32)
    target = rng.standard_normal((batch, width)).astype(np.float32)
    ws = [(rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32)
          for _ in range(layers)]

    def jax_loss(ws, x, target):
        h = x
        for w in ws:
            h = jnp.tanh(h @ w)
        return jnp.mean((h - target) ** 2)

    jax_grad = jax.jit(jax.grad(jax_loss))

    @tf.function
    def tf_grad(ws, x, target):
        h = x
        for w in ws:
            h = tf.tanh(tf.matmul(h, w))
        loss = tf.reduce_mean(tf.square(h - target))
        return tf.gradients(loss, ws)

    ws_j = [jnp.asarray(w) for w in ws]
    x_j, t_j = jnp.asarray(x), jnp.asarray(target)
    ws_t = [tf.constant(w) for w in ws]
    x_t, t_t = tf.constant(x), tf.constant(target)
    ours, ref = tf_grad(ws_t, x_t, t_t), jax_grad(ws_j, x_j, t_j)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-3, atol=1e-5)
    samples = _interleaved([lambda: tf_grad(ws_t, x_t, t_t), lambda: jax_grad(ws_j, x_j, t_j)],
                           rounds, calls, _block)
    t_ours, t_ref = (statistics.median(s) for s in samples)
    ratio = t_ours / t_ref
    print(f"  tf.function + tf.gradients {t_ours * 1e3:.3f} ms, jax.jit(jax.grad) "
          f"{t_ref * 1e3:.3f} ms")
    report("MLP loss gradient (compiled)", t_ours * 1e3, t_ref * 1e3, ratio, "<= 1.10",
           ratio <= 1.10, "ms")


# ---------------------------------------------------------------------------
# 2 and 3. A long elementwise chain.

def _tf_chain(n_ops):
    """A tf.function whose graph has about n_ops ops, returning the chain's gradient."""
    @tf.function
    def f(x):
        y = x
        for i in range(n_ops // 4):  # four ops a step: mul, Const, add, sin/tanh
            y = y * 0.999 + 0.001
            y = tf.sin(y) if i % 2 else tf.tanh(y)
        return tf.gradients(tf.reduce_sum(y), x)[0]
    return f


def _jax_chain(n_ops):
    def f(x):
        y = x
        for i in range(n_ops // 4):
            y = y * 0.999 + 0.001
            y = jnp.sin(y) if i % 2 else jnp.tanh(y)
        return jnp.sum(y)
    return jax.jit(jax.grad(f))


def bench_first_call(quick):
    n_ops = 200 if quick else 1000
    rounds = 2 if quick else 5
    print(f"[2] First call of the gradient of a {n_ops}-op elementwise chain")
    x = np.linspace(-1, 1, 64).astype(np.float32)
    ours, ref = [], []
    for r in range(rounds):
        for side in ((0, 1) if r % 2 == 0 else (1, 0)):
            if side == 0:
                f = _tf_chain(n_ops)
                t0 = time.perf_counter()
                _block(f(x))
                ours.append(time.perf_counter() - t0)
            else:
                g = _jax_chain(n_ops)
                t0 = time.perf_counter()
                _block(g(x))
                ref.append(time.perf_counter() - t0)
    np.testing.assert_allclose(np.asarray(_tf_chain(n_ops)(x)), np.asarray(_jax_chain(n_ops)(x)),
                               rtol=1e-4, atol=1e-6)
    t_ours, t_ref = statistics.median(ours), statistics.median(ref)
    ratio = t_ours / t_ref
    print(f"  tfgrad_jax first call {t_ours:.3f} s, jax.jit(jax.grad) first call {t_ref:.3f} s")
    report(f"first call, gradient of {n_ops}-op chain", t_ours, t_ref, ratio, "<= 1.5",
           ratio <= 1.5, "s")


def _our_part(n_ops, x):
    """Trace + tf.gradients + lowering to a jaxpr, without XLA compilation."""
    f = _tf_chain(n_ops)
    t0 = time.perf_counter()
    concrete = f.get_concrete_function(x)
    concrete.as_jaxpr()
    return time.perf_counter() - t0


def bench_growth(quick):
    small, large = (250, 1000) if quick else (1000, 4000)
    rounds = 2 if quick else 3
    print(f"[3] Our part (trace + gradients + lowering), {small} vs {large} ops")
    x = np.linspace(-1, 1, 64).astype(np.float32)
    _our_part(small, x)  # warm the per-signature caches once, as any real process has
    t_small = min(_our_part(small, x) for _ in range(rounds))
    t_large = min(_our_part(large, x) for _ in range(rounds))
    ratio = t_large / t_small
    print(f"  {small} ops {t_small:.3f} s, {large} ops {t_large:.3f} s")
    report(f"our part, {large} vs {small} ops", t_large, t_small, ratio, "<= 4.5",
           ratio <= 4.5, "s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}\n")
    bench_mlp_gradient(args.quick)
    bench_first_call(args.quick)
    bench_growth(args.quick)
    print("| benchmark | tfgrad_jax | reference | ratio | target | result |")
    print("|---|---|---|---|---|---|")
    for row in RESULTS:
        print("| " + " | ".join(str(c) for c in row) + " |")


if __name__ == "__main__":
    main()
