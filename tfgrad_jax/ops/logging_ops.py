"""`tf.print`: TF's `PrintV2`, printing tensors' values when the graph runs.

Eagerly the text is written at once. In a graph, `tf.print` adds one
`PrintV2` op without outputs (stateful, so a tf.function runs it on every
call and a TF-1 Session when it is fetched). TF formats the text with a
separate `StringFormat` op producing a string tensor; JAX has no strings,
so here the op carries the formatted text around its tensors (`pieces`)
and formats the values on the host.

Compiled, the op is an *ordered* host callback, so prints come out in
program order, also from `tf.while_loop` bodies (`lax.while_loop`) and
`tf.cond` branches (`lax.cond`). It is `jax.debug.callback(ordered=True)`
rather than `io_callback(ordered=True)`: JAX refuses ordered (and, in a
`vmap` of a cond or while loop, any) `io_callback`s under `jax.vmap`
(`tf.vectorized_map`), and drops `io_callback`s inside a `lax.scan` it
differentiates; the debug callback keeps its order in jit, loops and
branches, and under `vmap` runs once per element, in element order. The
checks of `check_ops` (Assert, CheckNumerics) are the same kind of
callback, so a failing check stops the prints after it, as in TF.
"""

import os
import pprint
import random
import re
import sys

import jax
import numpy as np

from tfgrad_jax.framework import dtypes, lowering, nest
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.op_def import NOT_DIFFERENTIABLE, apply_op, def_op, public
from tfgrad_jax.framework.tensor import EagerTensor, Tensor

# ---------------------------------------------------------------------------
# Formatting values as TF's PrintV2 does (Tensor::SummarizeValue with print_v2).

_SINGLE = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(dtypes.bfloat16.as_numpy_dtype))


def _format_float(value, single):
    """TF's float text: %.6g if that reads back as the same float, else %.9g (for a
    double, %.15g else %.17g)."""
    if np.isnan(value):
        return "-nan" if np.signbit(value) else "nan"  # printf keeps NaN's sign
    if np.isinf(value):
        return "-inf" if value < 0 else "inf"
    short, full, kind = (6, 9, np.float32) if single else (15, 17, np.float64)
    if abs(value) < np.finfo(kind).tiny:  # TF's CPU kernels flush subnormals to zero
        value = kind(np.copysign(0.0, value))
    text = "%.*g" % (short, value)
    if kind(float(text)) != value:
        text = "%.*g" % (full, value)
    return text


def _element_formatter(dtype):
    if dtype == np.bool_:
        return lambda v: "1" if v else "0"
    if np.issubdtype(dtype, np.integer):
        return lambda v: str(int(v))
    if dtype in _SINGLE:
        return lambda v: _format_float(np.float32(v), True)
    if dtype == np.float64:
        return lambda v: _format_float(np.float64(v), False)
    return lambda v: "?"  # TF prints complex (and other) elements as "?"


def _spacing(dim, ndim):
    """What separates two entries of dimension `dim`: a space in the last dimension,
    else a newline per dimension below it and an indent of dim + 1 spaces."""
    if dim == ndim - 1:
        return " "
    return "\n" * (ndim - dim - 1) + " " * (dim + 1)


def _format_values(array, limit):
    """`array` as TF's tf.print writes it: nested brackets, the first and last
    `limit` entries of each dimension around "..." (every entry if `limit` < 0).

    As TF, `limit` is first capped at the number of elements, so an empty
    tensor of shape (2, 0) prints "[\\n ...]".
    """
    array = np.asarray(array)
    fmt = _element_formatter(array.dtype)
    flat = array.reshape(-1)
    limit = flat.size if limit < 0 else min(limit, flat.size)
    if array.ndim == 0:
        return fmt(flat[0]) if limit else "..."
    shape, out = array.shape, []

    def entry(dim, offset, i, stride):
        if dim == array.ndim - 1:
            out.append(fmt(flat[offset + i]))
        else:
            write_dim(dim + 1, offset + i * stride)

    def write_dim(dim, offset):
        count, stride = shape[dim], int(np.prod(shape[dim + 1:]))
        out.append("[")
        for i in range(min(limit, count)):
            if i:
                out.append(_spacing(dim, array.ndim))
            entry(dim, offset, i, stride)
        if count > 2 * limit:
            out.append(_spacing(dim, array.ndim) + "...")
        for i in range(max(limit, count - limit), count):
            out.append(_spacing(dim, array.ndim))
            entry(dim, offset, i, stride)
        out.append("]")

    write_dim(0, 0)
    return "".join(out)


# ---------------------------------------------------------------------------
# Laying out the inputs: text around the tensors.

def _is_tensor(x):
    return isinstance(x, Tensor) or hasattr(x, "_as_tensor")  # variables print their value


def _placeholder(text):
    """TF's placeholder: "{}", lengthened with digits drawn from random.Random(5) until
    it does not occur in `text` (its length shapes pprint's line breaks)."""
    placeholder, rng = "{}", random.Random(5)
    while placeholder in text:
        placeholder += str(rng.randint(0, 9))
    return placeholder


def _tensors_in_display_order(structure, placeholder):
    """The tensors of `structure` in the order pprint writes them.

    TF pairs the placeholders with the tensors in `tf.nest` order (dict keys
    sorted), which pprint does not follow for an OrderedDict: TF then prints
    its values against the wrong keys. Marking each tensor and reading the
    marks back keeps them paired.
    """
    tensors = []

    def mark(x):
        if not _is_tensor(x):
            return x
        tensors.append(x)
        return f"{placeholder}#{len(tensors) - 1}#"  # the placeholder occurs nowhere else

    text = pprint.pformat(nest.map_structure(mark, structure))
    order = re.findall(re.escape(placeholder) + r"#(\d+)#", text)
    return [tensors[int(i)] for i in order]


def _layout(inputs, sep):
    """(pieces, tensors): the printed text is pieces[0] + tensor 0 + pieces[1] + ...

    As TF: a `str` input is written as it is, a tensor by its values, and any
    other input (numbers, lists, dicts, nested structures with tensors) as
    `pprint.pformat` writes it, its tensors replaced by their values.
    """
    blank = [nest.map_structure(lambda x: "" if _is_tensor(x) else x, i) for i in inputs]
    placeholder = _placeholder(" ".join(pprint.pformat(b) for b in blank) + sep)
    texts, tensors = [], []
    for item in inputs:
        if isinstance(item, str):
            texts.append(item)
        elif _is_tensor(item):
            texts.append(placeholder)
            tensors.append(item)
        else:
            laid = nest.map_structure(lambda x: placeholder if _is_tensor(x) else x, item)
            texts.append(pprint.pformat(laid))
            tensors.extend(_tensors_in_display_order(item, placeholder))
    # Tensors inside structures were written as quoted strings: drop the quotes, as TF.
    template = sep.join(texts).replace(repr(placeholder), placeholder)
    return tuple(template.split(placeholder)), tensors


def _render(pieces, arrays, limit):
    out = [pieces[0]]
    for array, piece in zip(arrays, pieces[1:]):
        out.append(_format_values(array, limit))
        out.append(piece)
    return "".join(out)


# ---------------------------------------------------------------------------
# Output streams.

_DEFAULT_STDERR = sys.stderr  # the signature's default, bound at import


def _stream_name(output_stream):
    """TF's names for the streams: "stdout", "stderr" or "file://<path>"."""
    if output_stream is sys.stdout or output_stream is sys.__stdout__:
        return "stdout"
    if any(output_stream is s for s in (sys.stderr, sys.__stderr__, _DEFAULT_STDERR)):
        return "stderr"
    if isinstance(output_stream, str) and output_stream.startswith("file://"):
        return output_stream
    raise ValueError("Unsupported output stream, logging level, or file." + str(output_stream) +
                     ". Supported streams are sys.stdout, sys.stderr, tf.logging.info, "
                     "tf.logging.warning, tf.logging.error. File needs to be in the form of "
                     "'file://<filepath>'.")


def _write(text, stream):
    # The stream is looked up when writing, so that a redirected sys.stdout (pytest's
    # capture, contextlib.redirect_stdout, a notebook) receives what a compiled
    # function prints, as the C++ stream TF writes to would.
    if stream.startswith("file://"):
        with open(stream[len("file://"):], "a") as f:  # TF appends to the file
            f.write(text)
        return
    target = sys.stdout if stream == "stdout" else sys.stderr
    target.write(text)
    target.flush()


# ---------------------------------------------------------------------------
# The op.

def _print_lowering(inputs, *, pieces, summarize, output_stream, end):
    if lowering.context.reverse_mode:
        # This is the forward pass recomputed inside tf.gradients; TF takes the
        # gradient from the values its forward ops computed and prints once.
        return ()

    def emit(*arrays):
        _write(_render(pieces, arrays, summarize) + end, output_stream)

    jax.debug.callback(emit, *inputs, ordered=True)
    return ()


PRINT_V2 = def_op("PrintV2", _print_lowering, "inputs: N*", grad=NOT_DIFFERENTIABLE,
                  stateful=True)


@public(PRINT_V2)
def print(*inputs, output_stream=sys.stderr, summarize=3, sep=" ", end=os.linesep,  # noqa: A001
          name=None, **kwargs):
    """Prints `inputs`, as `tf.print`: eagerly at once, in a graph when the op runs.

    As TF 2.21: inputs are tensors, Python values and nested structures of
    them; tensors show the first and last `summarize` entries of each
    dimension (all with -1; None means 3), strings are written as they are
    and other values as `pprint.pformat` writes them, joined by `sep` and
    followed by `end`. `output_stream` is sys.stdout, sys.stderr (the
    default) or "file://<path>" (appended to); anything else, and unknown
    keyword arguments, raise TF's ValueError. Returns None eagerly and the
    `PrintV2` Operation in a graph (a tf.function runs it on every call, in
    program order; a TF-1 Session when it is fetched).

    Differences: TF also accepts logging functions and levels as streams
    (ValueError here); the text is written to the Python-level sys.stdout /
    sys.stderr current when it prints (TF writes to the process's C++
    streams); an OrderedDict's tensors are printed against their own keys
    (TF pairs them with the keys in sorted order); inside tf.gradients' own
    recomputation of the forward pass nothing is printed again; under
    `tf.vectorized_map` the op prints once per element, and in a `tf.cond`
    or `tf.while_loop` whose predicate differs between elements, also for
    the elements that did not take that branch or iteration (JAX runs both
    branches and every lane to the longest loop).
    """
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {kwargs}")
    stream = _stream_name(output_stream)
    limit = 3 if summarize is None else int(summarize)
    pieces, tensors = _layout(inputs, sep)
    tensors = [t._as_tensor() if not isinstance(t, Tensor) else t for t in tensors]
    if graph_mod.current_graph_or_none() is None and all(isinstance(t, EagerTensor)
                                                         for t in tensors):
        _write(_render(pieces, [t._value for t in tensors], limit) + end, stream)
        return None
    attrs = {"pieces": pieces, "summarize": limit, "output_stream": stream, "end": end}
    return apply_op(PRINT_V2, [tensors], attrs, name=name or "PrintV2")
