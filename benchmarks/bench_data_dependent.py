"""Data-dependent shapes inside a tf.function (issue #10): the cost of running in segments.

    python benchmarks/bench_data_dependent.py           # the full run (about half a minute)
    python benchmarks/bench_data_dependent.py --quick   # tiny sizes: only checks that it runs

A 4-layer MLP (batch 256, width 512, relu) with one `tf.boolean_mask` in the
middle: the rows whose first feature after layer 2 is positive go on through
layers 3 and 4. The mask is only known at run time, so tfgrad_jax runs the
function in two compiled segments with `Where` on the host in between
(`framework.segments`). The reference is what one would write by hand in JAX:
the two halves under `jax.jit`, the mask brought to the host between them
(`np.flatnonzero`), and the second half gathering those rows. Both pay one host
sync per call; the ratio measures what the interpreter adds (its Python walk
over the ops between segments, the environment, two dispatches).

Wall clock per call, rounds interleaved, each round ended by
`block_until_ready`; ratio of medians. Target: <= 1.3.
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
from bench_core import _block, _interleaved, print_header, print_results, report  # noqa: E402


def bench_masked_mlp(quick):
    batch, width = (32, 64) if quick else (256, 512)
    rounds, calls = (4, 2) if quick else (41, 5)
    print(f"[1] 4-layer MLP with a run-time boolean_mask after layer 2: batch {batch}, "
          f"width {width}")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, width)).astype(np.float32)
    ws = [(rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32)
          for _ in range(4)]
    bs = [rng.standard_normal(width).astype(np.float32) * 0.1 for _ in range(4)]

    tf_ws, tf_bs = [tf.constant(w) for w in ws], [tf.constant(b) for b in bs]

    @tf.function
    def tf_masked_mlp(h):
        for i in range(4):
            if i == 2:
                h = tf.boolean_mask(h, h[:, 0] > 0.0)
            h = tf.nn.relu(tf.matmul(h, tf_ws[i]) + tf_bs[i])
        return h

    @jax.jit
    def first_half(h, params):
        for w, b in params[:2]:
            h = jax.nn.relu(h @ w + b)
        return h, h[:, 0] > 0.0

    @jax.jit
    def second_half(h, rows, params):
        h = h[rows]
        for w, b in params[2:]:
            h = jax.nn.relu(h @ w + b)
        return h

    def jax_masked_mlp(h, params):
        h, mask = first_half(h, params)
        rows = np.flatnonzero(np.asarray(mask))  # the host sync, as in tfgrad_jax
        return second_half(h, rows, params)

    tx, jx = tf.constant(x), jnp.asarray(x)
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in zip(ws, bs)]
    ours, ref = tf_masked_mlp(tx), jax_masked_mlp(jx, params)
    assert 0 < ours.shape[0] < batch
    np.testing.assert_allclose(ours.numpy(), np.asarray(ref), rtol=1e-4, atol=1e-4)

    t_ours, t_ref = _interleaved([lambda: tf_masked_mlp(tx), lambda: jax_masked_mlp(jx, params)],
                                 rounds, calls, _block)
    med_o, med_r = statistics.median(t_ours), statistics.median(t_ref)
    print(f"  tf.function (2 segments + Where on the host): median {med_o * 1e3:.3f} ms  "
          f"min {min(t_ours) * 1e3:.3f} ms")
    print(f"  jax.jit, two halves + host mask:             median {med_r * 1e3:.3f} ms  "
          f"min {min(t_ref) * 1e3:.3f} ms")
    ratio = med_o / med_r
    report(f"masked MLP {batch}x{width}, 4 layers (median per call)", med_o * 1e3,
           med_r * 1e3, ratio, "<= 1.3", ratio <= 1.3, "ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and few repetitions: checks the script runs")
    args = parser.parse_args()
    print_header(args.quick)
    bench_masked_mlp(args.quick)
    return print_results(args.quick)


if __name__ == "__main__":
    sys.exit(main())
