"""What `tf.config.experimental.enable_runtime_checks(True)` costs compiled code.

    python benchmarks/bench_runtime_checks.py           # the full run (under a minute)
    python benchmarks/bench_runtime_checks.py --quick   # tiny sizes: only checks that it runs

Each case is one `tf.function`, timed per call with the switch off and on (both
programs compiled before timing, calls interleaved); the checks pass, so what is
measured is their cost, not an error's:
1. a small step: an embedding lookup (GatherV2), integer bucketing (FloorDiv,
   FloorMod), a dense layer and a 16x16 `tf.linalg.inv`: 4 checked ops;
2. the same step with a wide dense layer (compute dominates);
3. a `tf.while_loop` of 100 iterations with a FloorDiv in its body: a check per
   iteration.
No target: the switch is off by default; this reports what turning it on costs.
A check that passes stays on the device (a flag and a conditional); most of the
cost is fixed per call, JAX's price for running a program that holds a host
callback at all.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import jax  # noqa: E402
import numpy as np  # noqa: E402

import tfgrad_jax as tf  # noqa: E402


def _per_call(f, args, rounds, calls):
    """Median per-call seconds of f(*args) with the checks off and on, interleaved."""
    samples = {False: [], True: []}
    for r in range(rounds):
        for checks in ((False, True) if r % 2 == 0 else (True, False)):
            tf.config.experimental.enable_runtime_checks(checks)
            t0 = time.perf_counter()
            for _ in range(calls):
                out = f(*args)
            jax.block_until_ready([o._value for o in tf.nest.flatten(out)])
            samples[checks].append((time.perf_counter() - t0) / calls)
    tf.config.experimental.enable_runtime_checks(False)
    return statistics.median(samples[False]), statistics.median(samples[True])


def _report(name, off, on):
    print(f"  {name}: off {off * 1e6:.1f} us, on {on * 1e6:.1f} us per call; ratio "
          f"{on / off:.2f}, +{(on - off) * 1e6:.1f} us per call")


def _step_case(width, quick, rounds, calls):
    rng = np.random.default_rng(0)
    vocab, dim, batch = (100, 16, 8) if quick else (1000, 64, 64)
    table = tf.constant(rng.standard_normal((vocab, dim)).astype(np.float32))
    w = tf.constant((rng.standard_normal((dim, width)) / np.sqrt(dim)).astype(np.float32))
    m = tf.constant((np.eye(16) * 2 + rng.standard_normal((16, 16)) * 0.1).astype(np.float32))
    ids = tf.constant(rng.integers(0, vocab, (batch, 8)).astype(np.int32))

    @tf.function
    def step(ids, m):
        buckets = ids // 7 + ids % 5              # FloorDiv, FloorMod
        x = tf.reduce_mean(tf.gather(table, buckets), axis=1)  # GatherV2
        h = tf.nn.relu(tf.matmul(x, w))
        return tf.reduce_sum(h) + tf.reduce_sum(tf.linalg.inv(m))  # MatrixInverse

    for checks in (False, True):  # compile both programs before timing
        tf.config.experimental.enable_runtime_checks(checks)
        step(ids, m)
    return _per_call(step, (ids, m), rounds, calls)


def _loop_case(quick, rounds, calls):
    n = 10 if quick else 100

    @tf.function
    def loop(y):
        def body(i, acc):
            return i + 1, acc + 1000 // (y + i)
        return tf.while_loop(lambda i, acc: i < n, body, [tf.constant(0), tf.constant(0)])

    y = tf.constant(1)
    for checks in (False, True):
        tf.config.experimental.enable_runtime_checks(checks)
        loop(y)
    return _per_call(loop, (y,), rounds, calls), n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and few repetitions: checks the script runs")
    args = parser.parse_args()
    rounds, calls = (2, 2) if args.quick else (31, 20)
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}")
    print("[1] Small step, 4 checked ops (gather, floordiv, floormod, inv)")
    _report("small step", *_step_case(64, args.quick, rounds, calls))
    print("[2] The step with a wide dense layer (64 -> 4096)")
    _report("wide step", *_step_case(16 if args.quick else 4096, args.quick, rounds, calls))
    (off, on), n = _loop_case(args.quick, rounds, max(calls // 4, 1))
    print(f"[3] while_loop, {n} iterations, a FloorDiv in the body")
    _report("loop", off, on)
    return 0


if __name__ == "__main__":
    sys.exit(main())
