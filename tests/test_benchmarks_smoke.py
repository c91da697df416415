"""The benchmark script runs (tiny sizes) and reports its ratios; no timing is judged here."""

import os
import subprocess
import sys

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "benchmarks", "bench_core.py")


def test_bench_core_quick_runs_and_prints_ratios():
    out = subprocess.run([sys.executable, SCRIPT, "--quick", "--no-tf"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    for section in ("[1] MLP forward", "[2] Per-call overhead", "[3] Tracing + lowering"):
        assert section in text
    rows = [line for line in text.splitlines() if line.endswith(("| PASS |", "| FAIL |"))]
    assert len(rows) == 4, text
    assert text.count("-> ratio ") == 3


def test_bench_v1_quick_runs_and_prints_its_ratio():
    script = os.path.join(os.path.dirname(__file__), "..", "benchmarks", "bench_v1.py")
    out = subprocess.run([sys.executable, script, "--quick"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "[1] TF-1 training step through Session.run" in out.stdout
    assert out.stdout.count("-> ratio ") == 1


def test_bench_data_dependent_quick_runs_and_prints_its_ratio():
    script = os.path.join(os.path.dirname(__file__), "..", "benchmarks",
                          "bench_data_dependent.py")
    out = subprocess.run([sys.executable, script, "--quick"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "[1] 4-layer MLP with a run-time boolean_mask" in out.stdout
    assert out.stdout.count("-> ratio ") == 1
