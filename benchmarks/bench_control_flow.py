"""Control-flow benchmarks of issue #7: a 1,000-step tf.while_loop against lax.scan.

    python benchmarks/bench_control_flow.py           # the full run (about a minute)
    python benchmarks/bench_control_flow.py --quick   # tiny sizes: only checks that it runs

The loop: v <- tanh(v @ W + b), 1,000 steps, loss = sum(v), for a batch of 16
vectors of width 32. Each result is a ratio of two timings taken side by side in
one run (interleaved rounds, medians), tfgrad_jax against the same loop written
by hand with `lax.scan`:

1. gradient, static trip count (`i < 1000`): a `tf.function` returning
   `tf.gradients(loss, [W, b])` against `jax.jit(jax.grad(loss))`. Target <= 1.2.
2. gradient, trip count a run-time tensor (`i < n`, n fed): the same against
   the same reference, informational. The loop lowers to a scan of the next
   power of two (1,024) steps, each a `lax.cond` on whether the loop still runs
   (see tfgrad_jax/framework/program.py): that costs about what the same masked
   scan written by hand in JAX costs.
3. forward and gradient together (`loss, tf.gradients(...)`) against
   `jax.jit(jax.value_and_grad(loss))`: informational. The loss comes from the
   forward `lax.while_loop`, the gradient from its own scan, so the loop's
   forward runs twice (XLA does not merge a while loop with a scan).
4. forward only: `tf.function` returning the loss (one `lax.while_loop`)
   against `jax.jit(loss)` (a scan): informational.
First calls (trace, lower, compile and run) are measured too, each side once,
in a fresh function: informational.
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
from jax import lax  # noqa: E402

import tfgrad_jax as tf  # noqa: E402
from bench_core import _block, _interleaved, print_results, report  # noqa: E402


def _tf_loss(w, b, v0, n):
    def body(i, v):
        return i + 1, tf.tanh(tf.matmul(v, w) + b)
    return tf.reduce_sum(tf.while_loop(lambda i, v: i < n, body, [0, v0])[1])


def _jax_loss(w, b, v0, steps):
    def step(v, _):
        return jnp.tanh(v @ w + b), None
    return jnp.sum(lax.scan(step, v0, None, length=steps)[0])


def _first_call(make, args):
    t0 = time.perf_counter()
    _block(make()(*args))
    return time.perf_counter() - t0


def run(quick):
    steps, batch, width = (50, 4, 8) if quick else (1000, 16, 32)
    rounds, calls = (3, 2) if quick else (21, 5)
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32)
    b = (rng.standard_normal(width) * 0.1).astype(np.float32)
    v0 = rng.standard_normal((batch, width)).astype(np.float32)
    tw, tb, tv = tf.constant(w), tf.constant(b), tf.constant(v0)
    jw, jb, jv = jnp.asarray(w), jnp.asarray(b), jnp.asarray(v0)
    tn = tf.constant(steps)

    def make_static():
        return tf.function(lambda w, b, v: tf.gradients(_tf_loss(w, b, v, steps), [w, b]))

    def make_dynamic():
        return tf.function(lambda w, b, v, n: tf.gradients(_tf_loss(w, b, v, n), [w, b]))

    def make_both():
        def both(w, b, v):
            loss = _tf_loss(w, b, v, steps)
            return loss, tf.gradients(loss, [w, b])
        return tf.function(both)

    def make_jax_grad():
        return jax.jit(jax.grad(lambda w, b, v: _jax_loss(w, b, v, steps), argnums=(0, 1)))

    def make_jax_both():
        return jax.jit(jax.value_and_grad(lambda w, b, v: _jax_loss(w, b, v, steps),
                                          argnums=(0, 1)))

    static, dynamic, both = make_static(), make_dynamic(), make_both()
    forward = tf.function(lambda w, b, v: _tf_loss(w, b, v, steps))
    jax_grad, jax_both = make_jax_grad(), make_jax_both()
    jax_forward = jax.jit(lambda w, b, v: _jax_loss(w, b, v, steps))

    want = jax_grad(jw, jb, jv)
    for got in (static(tw, tb, tv), dynamic(tw, tb, tv, tn), both(tw, tb, tv)[1]):
        for g, e in zip(got, want):
            np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=2e-4, atol=1e-5)

    cases = [
        ("gradient, static trip count", lambda: static(tw, tb, tv),
         lambda: jax_grad(jw, jb, jv), "jax.jit(jax.grad(scan))", 1.2),
        ("gradient, run-time trip count", lambda: dynamic(tw, tb, tv, tn),
         lambda: jax_grad(jw, jb, jv), "jax.jit(jax.grad(scan))", None),
        ("forward and gradient", lambda: both(tw, tb, tv),
         lambda: jax_both(jw, jb, jv), "jax.jit(jax.value_and_grad(scan))", None),
        ("forward only", lambda: forward(tw, tb, tv),
         lambda: jax_forward(jw, jb, jv), "jax.jit(scan)", None),
    ]
    for i, (name, ours, ref, ref_name, target) in enumerate(cases, 1):
        print(f"[{i}] {name}: {steps} steps, batch {batch}, width {width}")
        t_ours, t_ref = _interleaved([ours, ref], rounds, calls, _block)
        med_o, med_r = statistics.median(t_ours), statistics.median(t_ref)
        print(f"  tfgrad_jax: median {med_o * 1e3:.3f} ms   {ref_name}: median "
              f"{med_r * 1e3:.3f} ms")
        ratio = med_o / med_r
        label = f"{steps}-step while loop, {name} (median per call)"
        if target is None:
            report(label, med_o * 1e3, med_r * 1e3, ratio, "informational", True, "ms")
        else:
            report(label, med_o * 1e3, med_r * 1e3, ratio, f"<= {target}", ratio <= target,
                   "ms")

    print("[5] first calls (trace, lower, compile, run), one each")
    firsts = [
        ("gradient, static trip count", _first_call(make_static, (tw, tb, tv)),
         _first_call(make_jax_grad, (jw, jb, jv))),
        ("gradient, run-time trip count", _first_call(make_dynamic, (tw, tb, tv, tn)),
         _first_call(make_jax_grad, (jw, jb, jv))),
        ("forward and gradient", _first_call(make_both, (tw, tb, tv)),
         _first_call(make_jax_both, (jw, jb, jv))),
    ]
    for name, ours, ref in firsts:
        print(f"  {name}: tfgrad_jax {ours:.3f} s, JAX {ref:.3f} s")
        report(f"first call, {name}", ours, ref, ours / ref, "informational", True, "s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, checks it runs")
    args = parser.parse_args()
    print(f"jax {jax.__version__} on {jax.default_backend()}, {os.cpu_count()} CPUs")
    run(args.quick)
    print()
    sys.exit(print_results(args.quick))


if __name__ == "__main__":
    main()
