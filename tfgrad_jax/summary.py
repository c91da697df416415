"""`tf.summary` (TF-2): summary writers and summary functions, as harmless no-ops.

TF writes TensorBoard event files: `create_file_writer(logdir)` makes a
writer, `with writer.as_default():` makes it the default, and
`tf.summary.scalar(name, data, step=...)` writes to it, returning True, or
False when there is no default writer (or `record_if` is off). Here nothing
is written, with the same control flow: the writer creates `logdir`, the
functions return True exactly when TF would have written, and raise TF's
ValueError when a writer is set but no step is (neither `step=` nor
`tf.summary.experimental.set_step`). Differences: the results are Python
bools (TF: bool tensors), and a callable `data` is never called. The first
use says once on stderr that summaries are not written (one note for
`tf.summary` and `tf.compat.v1.summary` together). TF-1's `FileWriter` and
friends are in `tf.compat.v1.summary`.
"""

import contextlib
import os

from tfgrad_jax.v1 import summary as _v1_summary

__all__ = ["SummaryWriter", "audio", "create_file_writer", "create_noop_writer", "experimental",
           "flush", "graph", "histogram", "image", "record_if", "scalar",
           "should_record_summaries", "text", "trace_export", "trace_off", "trace_on", "write"]


class _State:
    def __init__(self):
        self.writers = []          # default writers, innermost last
        self.step = None           # experimental.set_step
        self.conditions = []       # record_if conditions, innermost last


_state = _State()


class SummaryWriter:
    """A summary writer, as TF's (from `create_file_writer` or `create_noop_writer`).

    `as_default(step=None)` makes it the default writer within the block (and
    `step`, if given, the default step); `set_as_default(step=None)` for good;
    `init`, `flush` and `close` do nothing.
    """

    def __init__(self, logdir=None, noop=False):
        self._logdir = logdir
        self._noop = noop

    @contextlib.contextmanager
    def as_default(self, step=None):
        """The default writer (and step) within the block."""
        saved_step = _state.step
        _state.writers.append(self)
        if step is not None:
            _state.step = step
        try:
            yield self
        finally:
            _state.writers.pop()
            if step is not None:
                _state.step = saved_step

    def set_as_default(self, step=None):
        """The default writer (and step) from now on."""
        _state.writers[:] = [self]
        if step is not None:
            _state.step = step

    def init(self):
        """Nothing to initialize."""

    def flush(self):
        """Nothing is pending."""

    def close(self):
        """Nothing to close."""


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False, experimental_mesh=None):
    """A writer for `logdir` (created, as TF; nothing is written to it)."""
    _v1_summary._note()
    if not isinstance(logdir, (str, os.PathLike)):
        raise TypeError(f"Argument `logdir` must be a path, got {type(logdir).__name__}")
    os.makedirs(os.fspath(logdir), exist_ok=True)
    return SummaryWriter(os.fspath(logdir))


def create_noop_writer():
    """A writer that writes nothing (summaries under it return False)."""
    return SummaryWriter(noop=True)


def _recording():
    writer = _state.writers[-1] if _state.writers else None
    if writer is None or writer._noop:
        return False
    for condition in _state.conditions:
        if callable(condition):
            condition = condition()
        if not bool(condition):
            return False
    return True


def should_record_summaries():
    """False without a default writer, else the `record_if` condition (default True)."""
    return _recording()


@contextlib.contextmanager
def record_if(condition):
    """Summaries are recorded within the block only if `condition` (a bool, a bool
    tensor, or a callable giving one) holds."""
    _state.conditions.append(condition)
    try:
        yield
    finally:
        _state.conditions.pop()


def write(tag, tensor, step=None, metadata=None, name=None):
    """True where TF would write (a default writer, recording on), else False.

    ValueError, as TF, when it would write but no step is set.
    """
    _v1_summary._note()
    if not isinstance(tag, str):
        raise TypeError(f"Argument `tag` must be a string, got {type(tag).__name__}")
    if not _recording():
        return False
    if step is None and _state.step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument "
                         "or through tf.summary.experimental.set_step()")
    return True


def scalar(name, data, step=None, description=None):
    """A scalar summary: see `write`."""
    return write(name, data, step)


def histogram(name, data, step=None, buckets=None, description=None):
    """A histogram summary: see `write`."""
    return write(name, data, step)


def image(name, data, step=None, max_outputs=3, description=None):
    """An image summary: see `write`."""
    return write(name, data, step)


def audio(name, data, sample_rate, step=None, max_outputs=3, encoding=None, description=None):
    """An audio summary: see `write`."""
    return write(name, data, step)


def text(name, data, step=None, description=None):
    """A text summary: see `write`."""
    return write(name, data, step)


def graph(graph_data):
    """The graph summary: True with a default writer and recording on, as TF."""
    _v1_summary._note()
    return _recording()


def flush(writer=None, name=None):
    """Nothing is pending."""


def trace_on(graph=True, profiler=False, profiler_outdir=None):  # noqa: A002 - TF's name
    """Tracing is not recorded here."""


def trace_off():
    """Tracing is not recorded here."""


def trace_export(name, step=None, profiler_outdir=None):
    """Nothing was traced; writes nothing."""


class experimental:  # noqa: N801 - TF's name: the namespace tf.summary.experimental
    """`tf.summary.experimental`: the default step."""

    @staticmethod
    def set_step(step):
        """The step summaries use when given none."""
        _state.step = step

    @staticmethod
    def get_step():
        """The step set by `set_step` (or `as_default(step=)`), else None."""
        return _state.step
