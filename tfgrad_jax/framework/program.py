"""`Program`: a lowered graph, compiled by `jax.jit` and run; shared by tf.function and Session.

Two things happen between a call and XLA that a bare `jax.jit` does not do:

Loop bounds. A while loop differentiated in reverse mode is lowered to a scan
(JAX cannot transpose `lax.while_loop`), and a scan needs its length when it
is compiled. When the trip count is neither a constant of the graph nor
bounded by `maximum_iterations`, the length comes from here: the scan runs a
bucket of B steps (a power of two), masked after the loop's own end. The
first run uses B = 0; whenever a loop needs more steps than its bucket, the
compiled program reports the trip count it found (a host callback, only on
overflow) and the call is run again with the next power of two, compiled
once per bucket. Cost: one extra run and one compilation each time a loop
outgrows its bucket (at most log2 of the largest trip count times), and at
most twice the loop's steps in the scan.

Run-time errors. Checks compiled into the program (TF's Assert, and the
checks of tf.case) raise from a host callback, which aborts the XLA run;
the error is re-raised here with TF's class (InvalidArgumentError).

Donation. A caller may donate input buffers (`donate_argnums`: a Session
donates the variables a run assigns), so that XLA updates them in place.
A donated buffer is gone once the run starts, so a program that talks to the
host (a check that may abort it, a loop that may need a second run, a
print) keeps its inputs: the first call traces the program and keeps the
donation only if it has no such effects.

Data-dependent ops. A program whose graph holds an op with a data-dependent
output size (`data_dependent=True`: tf.unique, tf.where(c), ...) is not one
jitted function: `fn` is called on the arrays, and the interpreter runs it in
compiled segments with the data-dependent ops in between, on the host
(`lowering`, "Data-dependent ops", which also says what that costs). Such a
program donates nothing (its buffers cross segments).
"""

import threading
import warnings

import jax

from tfgrad_jax.framework import lowering, runtime_checks
from tfgrad_jax.framework import segments as segments_mod

_reports_lock = threading.Lock()
_overflows = {}       # loop key -> the largest trip count seen beyond its bucket
_pending_errors = []  # errors raised by compiled checks, newest last


def report_overflow(loop_key, trip_count):
    """Called (on the host) by a compiled loop that needed more steps than its bucket."""
    with _reports_lock:
        _overflows[loop_key] = max(_overflows.get(loop_key, 0), int(trip_count))


def report_error(error):
    """Called (on the host) by a compiled check that failed; the run is then aborted."""
    with _reports_lock:
        _pending_errors.append(error)


def _take_overflows(keys):
    with _reports_lock:
        return {k: _overflows.pop(k) for k in list(keys) if k in _overflows}


def _take_error():
    with _reports_lock:
        error = _pending_errors[-1] if _pending_errors else None
        _pending_errors.clear()
        return error


class LoopBounds:
    """The scan lengths for one compilation, and the dynamic loops met while tracing."""

    def __init__(self, bounds, dynamic):
        self.bounds = bounds
        self.dynamic = dynamic

    def get(self, loop_key):
        self.dynamic.add(loop_key)
        return self.bounds.get(loop_key, 0)


def _next_power_of_two(n):
    return 1 << max(int(n) - 1, 0).bit_length()


def _without_host_values(fn, host_values):
    """`fn`, with its tf.string outputs (numpy object arrays) left out of the program.

    XLA has no strings; a string in a graph is a constant (string_values), so
    its value, recorded when the program is traced, is the same on every run.
    """
    def traced(*arrays):
        out = list(fn(*arrays))
        for i, v in enumerate(out):
            if getattr(v, "dtype", None) == object:
                host_values[i] = v
                out[i] = None
        return out
    return traced


def _with_host_values(out, host_values):
    if host_values:
        out = list(out)
        for i, v in host_values.items():
            out[i] = v
    return out


class Program:
    """`fn(*arrays) -> list of arrays`, jit-compiled per set of loop bounds."""

    def __init__(self, fn, donate_argnums=(), data_dependent=None, **jit_options):
        self._host_values = {}  # output index -> a tf.string value (see _without_host_values)
        self._fn = _without_host_values(fn, self._host_values)
        self._jit_options = jit_options
        if data_dependent is None:
            data_dependent = getattr(fn, "data_dependent", False)
        self._segments = {} if data_dependent else None  # (bounds, checks) -> Segments
        self._donate = () if data_dependent else tuple(donate_argnums)
        self._donation_checked = not self._donate
        self._bounds = {}
        self._compiled = {}
        self._dynamic = set()
        self._current = None  # the jitted function for the current bounds
        self._current_checks = None

    def _jitted(self):
        # A program is compiled with or without the run-time checks (runtime_checks):
        # switching them compiles it again, once.
        checks = runtime_checks.enabled()
        if self._current is not None and self._current_checks == checks:
            return self._current
        self._current_checks = checks
        key = (tuple(sorted(self._bounds.items())), checks)
        jitted = self._compiled.get(key)
        if jitted is None:
            bounds = LoopBounds(dict(self._bounds), self._dynamic)
            fn = self._fn

            def traced(*arrays):
                saved = lowering.context.loop_bounds
                lowering.context.loop_bounds = bounds
                try:
                    return fn(*arrays)
                finally:
                    lowering.context.loop_bounds = saved

            # A check may abort the run, so a checked program keeps its inputs.
            jitted = self._compiled[key] = jax.jit(
                traced, donate_argnums=() if checks else self._donate, **self._jit_options)
        self._current = jitted
        return jitted

    def lower(self, *avals):
        """`jax.jit(...).lower` for the current bounds (to print or compile the program)."""
        if self._segments is not None:
            raise NotImplementedError("This program runs in segments around ops with "
                                      "data-dependent output sizes; it has no single XLA "
                                      "program to show.")
        return self._jitted().lower(*avals)

    def _run_segmented(self, arrays):
        key = (tuple(sorted(self._bounds.items())), runtime_checks.enabled())
        segments = self._segments.get(key)
        if segments is None:
            segments = self._segments[key] = segments_mod.Segments(key)
        saved = lowering.context.loop_bounds, lowering.context.segments
        lowering.context.loop_bounds = LoopBounds(dict(self._bounds), self._dynamic)
        lowering.context.segments = segments
        try:
            return self._fn(*arrays)
        finally:
            lowering.context.loop_bounds, lowering.context.segments = saved

    def _first_donating_call(self, arrays):
        self._donation_checked = True
        with warnings.catch_warnings():
            # Where a backend cannot donate, JAX warns at compile time; nothing is lost.
            warnings.filterwarnings("ignore", message="Some donated buffers were not usable")
            if self._jitted().trace(*arrays).jaxpr.effects:
                self._donate = ()
                self._compiled.clear()
                self._current = None
            return self(*arrays)

    def __call__(self, *arrays):
        if not self._donation_checked:
            return self._first_donating_call(arrays)
        while True:
            try:
                out = _with_host_values(self._jitted()(*arrays) if self._segments is None
                                        else self._run_segmented(arrays), self._host_values)
                if not self._dynamic:
                    return out
                jax.effects_barrier()  # overflow reports come from host callbacks
            except jax.errors.JaxRuntimeError:
                error = _take_error()
                if error is not None:
                    raise error from None
                raise
            except TypeError:
                if any(getattr(a, "dtype", None) == object for a in arrays):
                    raise NotImplementedError(
                        "A tf.string value cannot be an input of a compiled program (a "
                        "tf.function argument or captured tensor, a fed value): string ops are "
                        "out of scope in tfgrad_jax (XLA has no string type).") from None
                raise
            grown = _take_overflows(self._dynamic)
            if not grown:
                return out
            for key, trip_count in grown.items():
                self._bounds[key] = max(_next_power_of_two(trip_count),
                                        self._bounds.get(key, 0) * 2)
            self._current = None
