"""AutoGraph: Python control flow on graph tensors becomes tf.cond / tf.while_loop.

`tf.function` converts the function it traces (unless `autograph=False`):
the function's source is parsed, transformed (`transformer`) and compiled
back with its globals, closure and defaults (`conversion`). In the converted
code, `if`, `while` and `for` call the operators of `operators`, which stage
`tf.cond` / `tf.while_loop` when the condition or iterable is a graph tensor
and run the Python statement otherwise; functions it calls are converted in
turn when they are user code.
"""

import types as _types

from tfgrad_jax.autograph import conversion as _conversion
from tfgrad_jax.autograph.conversion import AutoGraphWarning, do_not_convert

__all__ = ["AutoGraphWarning", "convert", "do_not_convert", "experimental", "to_code",
           "to_graph"]


def convert(python_function, recursive=True):
    """The function tf.function traces when `autograph=True` (TF's default).

    Returns the converted function (methods stay bound); library functions,
    tf.function objects and `do_not_convert` functions come back unchanged,
    and a function whose source cannot be read comes back unchanged with an
    `AutoGraphWarning`, as TF logs "AutoGraph could not transform ...".
    Conversions are cached per code object.
    """
    return _conversion.convert(python_function, recursive)


def to_graph(entity, recursive=True, experimental_optional_features=None):
    """Converts a Python function or method to one that builds graph control flow, as
    `tf.autograph.to_graph`.

    The result runs plain Python on Python values and eager tensors, and stages
    tf.cond / tf.while_loop on graph tensors (inside tf.function or a
    `tf.Graph`). With `recursive=False` the functions it calls are not
    converted. `experimental_optional_features` is accepted; TF's optional
    features (asserts, lists) are not implemented. Raises ValueError if the
    source cannot be read or uses an unsupported construct (TF raises
    ValueError too).
    """
    del experimental_optional_features
    if _conversion.is_converted(getattr(entity, "__func__", entity)):
        return entity
    target = _conversion.conversion_target(entity)
    if target is None:
        raise ValueError(f"{entity} is not a user function that AutoGraph converts.")
    func, self_ = target
    converted = _conversion.compile_strict(func, recursive)
    return converted if self_ is None else _types.MethodType(converted, self_)


def to_code(entity, recursive=True, experimental_optional_features=None):
    """The source text of `entity`'s conversion, as `tf.autograph.to_code` (our operators'
    names differ from TF's)."""
    del experimental_optional_features
    return _conversion.to_code(entity, recursive)


def set_loop_options(parallel_iterations=None, swap_memory=None, maximum_iterations=None,
                     shape_invariants=None):
    """Loop options for the loop whose body starts with this call, as TF's directive.

    AutoGraph removes the call from the loop body and passes the options to
    the staged `tf.while_loop` (`shape_invariants` is a list of `(variable,
    shape)` pairs). Called anywhere else it does nothing, as in TF.
    """
    del parallel_iterations, swap_memory, maximum_iterations, shape_invariants


experimental = _types.SimpleNamespace(do_not_convert=do_not_convert,
                                      set_loop_options=set_loop_options)
