"""`tf.compat.v1.summary`: TF-1 summaries, as harmless no-ops.

TF writes TensorBoard event files: `summary.scalar(name, tensor)` adds an op
whose value is a serialized `Summary` protocol buffer (a scalar tf.string),
`merge`/`merge_all` concatenate them, and `FileWriter.add_summary` appends
them to `logdir/events.out.tfevents.*`. Here nothing is written: each summary
function returns a scalar tf.string constant holding `b""` (an empty
`Summary`, serialized), added to the `summaries` collection under the same
name TF gives it, so a program can fetch it with `Session.run` and hand it to
`FileWriter.add_summary`, which accepts it and drops it. The summarized value
is checked to be convertible to a tensor, not computed. The first use says so
once on stderr. As TF: the collection-based `merge_all` returns None when no
summary was made and raises RuntimeError eagerly, and `FileWriter` raises
RuntimeError eagerly and creates `logdir`.

TF-2's `tf.summary` (create_file_writer, ...) is not provided.
"""

import os
import re
import sys

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.op_def import constant, convert_to_tensor
from tfgrad_jax.framework.scopes import name_scope

__all__ = ["FileWriter", "FileWriterCache", "Summary", "audio", "histogram", "image",
           "initialize", "merge", "merge_all", "scalar", "tensor_summary", "text"]

_SUMMARIES = "summaries"  # tf.compat.v1.GraphKeys.SUMMARIES
_noted = False


def _note():
    """Says once per process, on stderr, that summaries are not written."""
    global _noted
    if not _noted:
        _noted = True
        sys.stderr.write("tfgrad_jax: tf.summary.* writes no summaries (no-op)\n")


def _op_name(name):
    # TF turns a tag into an op name by replacing characters op names cannot hold.
    return re.sub(r"[^A-Za-z0-9_.\-/]", "_", name).lstrip("_/") or "summary"


def _empty_summary(name, value_arg, value, collections, default_name="summary"):
    """The b"" string constant standing for a summary op, put in `collections`."""
    _note()
    if not isinstance(name, str):
        raise TypeError(f"Argument `name` must be a string (the summary's tag), got "
                        f"{type(name).__name__}: {name!r}")
    if value_arg is not None:
        try:
            convert_to_tensor(value)
        except (TypeError, ValueError) as e:
            raise type(e)(f"Tried to convert '{value_arg}' to a tensor and failed. "
                          f"Error: {e}") from None
    out = constant(b"", dtype=dtypes.string, name=_op_name(name) or default_name)
    graph = graph_mod.current_graph_or_none()
    if graph is not None:
        for key in ([_SUMMARIES] if collections is None else collections):
            graph.add_to_collection(key, out)
    return out


def scalar(name, tensor, collections=None, family=None):
    """A scalar summary: here a b"" tf.string constant (see the module doc). `family`
    is ignored."""
    return _empty_summary(name, "tensor", tensor, collections)


def histogram(name, values, collections=None, family=None):
    """A histogram summary: here a b"" tf.string constant (see the module doc)."""
    return _empty_summary(name, "values", values, collections)


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """An image summary: here a b"" tf.string constant (see the module doc)."""
    return _empty_summary(name, "tensor", tensor, collections)


def audio(name, tensor, sample_rate, max_outputs=3, collections=None, family=None):
    """An audio summary: here a b"" tf.string constant (see the module doc)."""
    return _empty_summary(name, "tensor", tensor, collections)


def text(name, tensor, collections=None):
    """A text summary: here a b"" tf.string constant (see the module doc)."""
    return _empty_summary(name, "tensor", tensor, collections)


def tensor_summary(name, tensor, summary_description=None, collections=None,
                   summary_metadata=None, family=None, display_name=None):
    """A tensor summary: here a b"" tf.string constant (see the module doc)."""
    return _empty_summary(name, "tensor", tensor, collections)


def merge(inputs, collections=None, name=None):
    """Merges summaries (TF: a MergeSummary op): here one b"" tf.string constant.

    `inputs` must be a list of summaries (TypeError otherwise; TF fails less
    clearly). Named `Merge/MergeSummary` as TF's.
    """
    _note()
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(f"Argument `inputs` of summary.merge must be a list of summary "
                        f"tensors, got {type(inputs).__name__}")
    with name_scope(name or "Merge"):
        return _empty_summary("MergeSummary", None, None,
                              [] if collections is None else collections)


def merge_all(key=_SUMMARIES, scope=None, name=None):
    """Merges the summaries of collection `key` (None if there are none), as TF."""
    _note()
    if graph_mod.executing_eagerly():
        raise RuntimeError("Merging tf.summary.* ops is not compatible with eager execution. "
                           "Use tf.contrib.summary instead.")
    found = graph_mod.get_default_graph().get_collection(key, scope=scope)
    return merge(found, name=name) if found else None


def initialize(graph=None, session=None):
    """TF-2 summary-writer initialization for TF-1 code: nothing to do here."""
    _note()


class Summary:
    """A stand-in for TF's `Summary` protocol buffer: holds `value` entries, writes nothing.

    `Summary(value=[Summary.Value(tag="loss", simple_value=0.5)])` and
    `summary.value.add(tag=..., simple_value=...)` work as with the proto;
    `SerializeToString()` gives b"" (nothing is recorded).
    """

    class Value:
        """One entry of a Summary (`tag`, `simple_value`, `image`, ...), kept as attributes."""

        def __init__(self, **fields):
            self.__dict__.update(fields)

        def __repr__(self):
            return f"Summary.Value({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"

    class _Values(list):
        def add(self, **fields):
            value = Summary.Value(**fields)
            self.append(value)
            return value

    def __init__(self, value=None):
        self.value = Summary._Values(value or ())

    def SerializeToString(self):  # noqa: N802 - the proto method's name
        return b""

    def ParseFromString(self, data):  # noqa: N802 - the proto method's name
        return 0


def _is_summary(summary):
    if isinstance(summary, (bytes, Summary)):
        return True
    # a fetched summary is a numpy bytes scalar, or an object array holding bytes
    return getattr(summary, "dtype", None) is not None and summary.dtype.kind in "SO"


class FileWriter:
    """TF-1's event-file writer, as `tf.compat.v1.summary.FileWriter(logdir, graph=None, ...)`.

    TF writes `graph` and every summary added to an events file in `logdir`.
    Here `logdir` is created (as TF does) and nothing is written: `add_summary`
    (which checks its argument is a summary, AttributeError otherwise as TF),
    `add_graph`, `add_session_log`, `add_event`, `add_run_metadata`,
    `add_meta_graph`, `flush`, `reopen` and `close` do nothing. A context
    manager, closed on exit. Eagerly it raises RuntimeError, as TF.
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        _note()
        if graph_mod.executing_eagerly():
            raise RuntimeError("v1.summary.FileWriter is not compatible with eager execution. "
                               "Use `tf.summary.create_file_writer`,or a "
                               "`with v1.Graph().as_default():` context")
        if not isinstance(logdir, (str, os.PathLike)):
            raise TypeError(f"Argument `logdir` must be a path, got {type(logdir).__name__}")
        self._logdir = os.fspath(logdir)
        os.makedirs(self._logdir, exist_ok=True)
        self._closed = False

    def get_logdir(self):
        """The directory given as `logdir`."""
        return self._logdir

    def add_summary(self, summary, global_step=None):
        """Accepts a Summary, or its serialized bytes as `Session.run` returns them;
        writes nothing."""
        if not _is_summary(summary):
            raise AttributeError(f"FileWriter.add_summary: argument `summary` must be a Summary "
                                 f"or its serialized bytes (a fetched summary tensor), got "
                                 f"{type(summary).__name__}")

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Writes nothing (TF: adds the graph for TensorBoard)."""

    def add_session_log(self, session_log, global_step=None):
        """Writes nothing."""

    def add_event(self, event):
        """Writes nothing."""

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        """Writes nothing."""

    def add_meta_graph(self, meta_graph_def, global_step=None):
        """Writes nothing."""

    def flush(self):
        """Nothing is pending."""

    def close(self):
        """Closes the writer (later adds are dropped, as after TF's close)."""
        self._closed = True

    def reopen(self):
        """Reopens a closed writer."""
        self._closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class FileWriterCache:
    """One FileWriter per logdir, as TF's `FileWriterCache`."""

    _writers = {}

    @staticmethod
    def get(logdir):
        """The FileWriter for `logdir`, made on first request."""
        if logdir not in FileWriterCache._writers:
            FileWriterCache._writers[logdir] = FileWriter(logdir,
                                                          graph=graph_mod.get_default_graph())
        return FileWriterCache._writers[logdir]

    @staticmethod
    def clear():
        """Closes and forgets every cached writer."""
        for writer in FileWriterCache._writers.values():
            writer.close()
        FileWriterCache._writers.clear()
