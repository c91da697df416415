"""Core benchmarks of issue #2: tfgrad_jax measured against plain JAX, side by side.

    python benchmarks/bench_core.py           # the full run (about a minute)
    python benchmarks/bench_core.py --quick   # a small, fast run that only checks it works

Every result is a ratio of two timings taken in the same run, interleaved, so that
the machine's speed and load cancel out. Absolute times are printed for reference.

1. MLP forward (batch 256, width 512, 3 dense layers, relu): a compiled
   `tf.function` against the same function under `jax.jit`, wall clock (XLA runs
   the matmuls on several threads). Target: ratio of medians <= 1.10.
2. Per-call overhead on scalar inputs: a compiled `tf.function` against a `jax.jit`
   call on the same scalars, process CPU time. Target: ratio of minima <= 2.0. If
   TensorFlow is installed in /work/tfref (or $TFREF_PYTHON), TF's own tf.function
   is timed in a subprocess for comparison (informational, never required).
3. Tracing + lowering (not XLA compilation) of graphs of 1,000, 2,000 and 4,000
   ops: trace the Python function into a graph, lower it and trace that to a jaxpr
   (`ConcreteFunction.as_jaxpr`), process CPU time. Targets: 4,000 ops under 1 s
   (everything included), and linear growth: time(4000) / time(1000) at most 4.8
   (4 within 20%), Python's garbage-collection pauses excluded (see bench_tracing).
"""

import argparse
import datetime
import gc
import os
import platform
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import tfgrad_jax as tf  # noqa: E402
from tfgrad_jax.framework import op_def  # noqa: E402

RESULTS = []  # (benchmark, tfgrad_jax, reference, ratio, target, passed)


def report(name, ours, ref, ratio, target, passed, unit):
    RESULTS.append((name, f"{ours:.4g} {unit}", f"{ref:.4g} {unit}", f"{ratio:.3f}", target,
                    "PASS" if passed else "FAIL"))
    print(f"  -> ratio {ratio:.3f} (target {target}): {'PASS' if passed else 'FAIL'}\n")


def print_header(quick):
    """The line that opens a benchmark run: date, jax, device, cpus, Python."""
    print(f"tfgrad_jax benchmarks, {datetime.date.today()}, jax {jax.__version__}, "
          f"{jax.devices()[0].platform}, {os.cpu_count()} cpus, Python "
          f"{platform.python_version()}{' (quick)' if quick else ''}\n")


def print_results(quick):
    """Prints RESULTS as a markdown table; the exit status: 1 if a target failed (a
    quick run is too small and short to judge the targets: always 0)."""
    print("| benchmark | tfgrad_jax | reference | ratio | target | result |")
    print("|---|---|---|---|---|---|")
    for row in RESULTS:
        print("| " + " | ".join(row) + " |")
    return 0 if quick or all(row[-1] == "PASS" for row in RESULTS) else 1


def _interleaved(fns, rounds, calls, block, clock=time.perf_counter):
    """Per-call seconds of each fn, `rounds` samples each, the order alternating per round."""
    samples = [[] for _ in fns]
    for r in range(rounds):
        order = range(len(fns)) if r % 2 == 0 else reversed(range(len(fns)))
        for i in order:
            f = fns[i]
            t0 = clock()
            for _ in range(calls):
                out = f()
            block(out)
            samples[i].append((clock() - t0) / calls)
    return samples


def _block(out):
    jax.block_until_ready([getattr(o, "_value", o) for o in
                           (out if isinstance(out, (list, tuple)) else [out])])


# ---------------------------------------------------------------------------
# 1. MLP forward.

def bench_mlp(quick):
    batch, width, layers = (32, 64, 3) if quick else (256, 512, 3)
    rounds, calls = (4, 2) if quick else (41, 5)
    print(f"[1] MLP forward: batch {batch}, width {width}, {layers} dense layers + relu")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, width)).astype(np.float32)
    ws = [(rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32)
          for _ in range(layers)]
    bs = [rng.standard_normal(width).astype(np.float32) * 0.1 for _ in range(layers)]

    # tfgrad_jax, written as TF code: the weights are captured eager tensors.
    tf_ws, tf_bs = [tf.constant(w) for w in ws], [tf.constant(b) for b in bs]

    @tf.function
    def tf_mlp(h):
        for i in range(layers):
            h = tf.matmul(h, tf_ws[i]) + tf_bs[i]
            if i < layers - 1:
                h = tf.nn.relu(h)
        return h

    # The same in JAX: the weights are arguments (so not baked in as constants).
    @jax.jit
    def jax_mlp(h, params):
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < layers - 1:
                h = jax.nn.relu(h)
        return h

    tx, jx = tf.constant(x), jnp.asarray(x)
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in zip(ws, bs)]
    ours, ref = tf_mlp(tx), jax_mlp(jx, params)
    np.testing.assert_allclose(ours.numpy(), np.asarray(ref), rtol=1e-4, atol=1e-4)

    t_ours, t_ref = _interleaved([lambda: tf_mlp(tx), lambda: jax_mlp(jx, params)],
                                 rounds, calls, _block)
    med_o, med_r = statistics.median(t_ours), statistics.median(t_ref)
    print(f"  tf.function: median {med_o * 1e3:.3f} ms  min {min(t_ours) * 1e3:.3f} ms")
    print(f"  jax.jit:     median {med_r * 1e3:.3f} ms  min {min(t_ref) * 1e3:.3f} ms")
    print(f"  ratio of mins {min(t_ours) / min(t_ref):.3f}")
    ratio = med_o / med_r
    report(f"MLP forward {batch}x{width}, {layers} layers (median per call)",
           med_o * 1e3, med_r * 1e3, ratio, "<= 1.10", ratio <= 1.10, "ms")


# ---------------------------------------------------------------------------
# 2. Per-call overhead on scalars.

_TF_OVERHEAD_SCRIPT = r"""
import os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf
@tf.function
def f(a, b):
    return a * b + a
a, b = tf.constant(1.5), tf.constant(2.0)
f(a, b)
best = 1e9
for _ in range(ROUNDS):
    t0 = time.perf_counter()
    for _ in range(CALLS):
        out = f(a, b)
    out.numpy()
    best = min(best, (time.perf_counter() - t0) / CALLS)
print(best)
"""


def _tf_reference_overhead(rounds, calls):
    python = os.environ.get("TFREF_PYTHON", "/work/tfref/bin/python")
    if not os.path.exists(python):
        return None
    script = _TF_OVERHEAD_SCRIPT.replace("ROUNDS", str(rounds)).replace("CALLS", str(calls))
    try:
        out = subprocess.run([python, "-c", script], capture_output=True, text=True,
                             timeout=300)
        return float(out.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError, OSError):
        return None


def bench_call_overhead(quick, with_tf):
    rounds, calls = (3, 200) if quick else (61, 1000)
    print(f"[2] Per-call overhead on scalar inputs (a * b + a), process CPU time, min over "
          f"{rounds} rounds of {calls} calls")

    @tf.function
    def tf_f(a, b):
        return a * b + a

    @jax.jit
    def jax_f(a, b):
        return a * b + a

    ja, jb = jnp.asarray(1.5, jnp.float32), jnp.asarray(2.0, jnp.float32)
    ta, tb = tf.constant(1.5), tf.constant(2.0)
    assert float(tf_f(ta, tb)) == float(jax_f(ja, jb)) == 4.5
    # CPU time, as for tracing below: a few microseconds per call are easily lost to
    # other processes on a busy machine, and wall-clock minima then differ by chance.
    t_ours, t_ref = _interleaved([lambda: tf_f(ta, tb), lambda: jax_f(ja, jb)],
                                 rounds, calls, _block, clock=time.process_time)
    best_o, best_r = min(t_ours), min(t_ref)
    print(f"  tf.function: min {best_o * 1e6:.2f} us  median {statistics.median(t_ours) * 1e6:.2f} us")
    print(f"  jax.jit:     min {best_r * 1e6:.2f} us  median {statistics.median(t_ref) * 1e6:.2f} us")
    ratio = best_o / best_r
    if with_tf:
        tf_time = _tf_reference_overhead(rounds=11, calls=1000)
        if tf_time is None:
            print("  TensorFlow reference: not available")
        else:
            print(f"  TensorFlow 2 tf.function (subprocess, wall clock, for reference): min "
                  f"{tf_time * 1e6:.2f} us = {tf_time / best_r:.1f}x jax.jit, "
                  f"{tf_time / best_o:.1f}x tfgrad_jax")
    report("tf.function call on 2 scalars (min per call)", best_o * 1e6, best_r * 1e6, ratio,
           "<= 2.0", ratio <= 2.0, "us")


# ---------------------------------------------------------------------------
# 3. Tracing + lowering of large graphs.

def _graph_function(n_iter):
    """A tf.function whose graph has 10 ops per iteration (+ 2 placeholders)."""

    def f(x, w):
        h = x
        for _ in range(n_iter):
            y = tf.matmul(h, w)
            y = tf.nn.relu(y + 0.5)
            y = tf.tanh(y) * 2.0
            h = h + tf.reduce_sum(y, axis=1, keepdims=True) - y
        return h

    return tf.function(f)


def _clear_op_caches():
    # The per-op-signature caches (shapes, traced lowerings) are cleared, so each
    # measurement pays for tracing every distinct op signature once, like a fresh
    # process would.
    for obj in list(vars(op_def).values()):
        if callable(getattr(obj, "cache_clear", None)):
            obj.cache_clear()


class _GCTimer:
    """CPU time spent in CPython's cyclic garbage collector (via gc.callbacks)."""

    def __init__(self):
        self.seconds, self.full, self._t0 = 0.0, 0, None
        gc.callbacks.append(self._callback)

    def _callback(self, phase, info):
        if phase == "start":
            self._t0 = time.process_time()
        elif self._t0 is not None:
            self.seconds += time.process_time() - self._t0
            self.full += info["generation"] == 2


def _trace_and_lower(n_iter, gc_timer):
    fn = _graph_function(n_iter)
    specs = (tf.TensorSpec([8, 16], tf.float32), tf.TensorSpec([16, 16], tf.float32))
    _clear_op_caches()
    gc.collect()  # the garbage of earlier graphs is not this measurement's to collect
    gc_timer.seconds, gc_timer.full = 0.0, 0
    # CPU time of this process: tracing is single-threaded Python, and other load on
    # the machine would otherwise add to one size and not the other.
    t0 = time.process_time()
    concrete = fn.get_concrete_function(*specs)  # Python -> graph, graph -> JAX function
    t1 = time.process_time()
    jaxpr = concrete.as_jaxpr()  # JAX function -> jaxpr (no XLA compilation)
    t2 = time.process_time()
    return dict(ops=len(concrete.graph.get_operations()), eqns=len(jaxpr.eqns), trace=t1 - t0,
                lower=t2 - t1, total=t2 - t0, gc=gc_timer.seconds, full_gcs=gc_timer.full)


def bench_tracing(quick):
    sizes = (100, 200, 400) if quick else (1000, 2000, 4000)
    reps = 1 if quick else 5
    print(f"[3] Tracing + lowering to a jaxpr (no XLA compile), process CPU time, best of {reps}")
    gc_timer = _GCTimer()
    _trace_and_lower(20, gc_timer)  # warm JAX's own caches and imports
    best = {}
    for _ in range(reps):
        for n in sizes:
            run = _trace_and_lower(n // 10, gc_timer)
            if n not in best or run["total"] < best[n]["total"]:
                best[n] = run
    for n in sizes:
        r = best[n]
        print(f"  {r['ops']:5d} graph ops -> {r['eqns']:5d} jaxpr eqns: trace "
              f"{r['trace'] * 1e3:6.1f} ms + lower {r['lower'] * 1e3:6.1f} ms = "
              f"{r['total'] * 1e3:6.1f} ms ({r['total'] / r['ops'] * 1e6:.0f} us/op), of which "
              f"Python's GC {r['gc'] * 1e3:5.1f} ms ({r['full_gcs']} full collections)")
    small, large = best[sizes[0]], best[sizes[-1]]
    # A full collection walks every object in the process (~100k with JAX loaded); CPython
    # runs one after the long-lived objects grew by 25%, so a bigger graph gets one or
    # two more: a lump, not a trend. The growth of tfgrad_jax's own work is judged
    # without it, and the 1 s budget with it.
    own_small, own_large = small["total"] - small["gc"], large["total"] - large["gc"]
    ratio = own_large / own_small
    print(f"  time({sizes[-1]}) / time({sizes[0]}): {large['total'] / small['total']:.2f} with GC, "
          f"{ratio:.2f} without GC pauses (linear: {sizes[-1] / sizes[0]:.0f})")
    RESULTS.append((f"trace + lower, {large['ops']} ops (vs a 1 s budget)",
                    f"{large['total'] * 1e3:.1f} ms", "1000 ms", f"{large['total']:.3f}",
                    "<= 1.0", "PASS" if large["total"] <= 1.0 else "FAIL"))
    report(f"trace + lower growth, {sizes[-1]} vs {sizes[0]} ops, GC pauses excluded",
           own_large * 1e3, own_small * 1e3, ratio, "<= 4.8", ratio <= 4.8, "ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and few repetitions: checks the script runs")
    parser.add_argument("--no-tf", action="store_true",
                        help="skip the TensorFlow reference subprocess")
    args = parser.parse_args()
    print_header(args.quick)
    bench_mlp(args.quick)
    bench_call_overhead(args.quick, with_tf=not (args.quick or args.no_tf))
    bench_tracing(args.quick)
    return print_results(args.quick)


if __name__ == "__main__":
    sys.exit(main())
