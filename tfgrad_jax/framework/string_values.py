"""tf.string values: constants held on the host, never given to XLA.

XLA has no string type, and string ops (`tf.strings.*`) are out of this
library's scope. What is kept is what graphs routinely carry: a string
constant (a name, a message) that is created, passed through `tf.identity`,
fetched from a Session or returned from a tf.function. Such a value is a
numpy object array of `bytes`, as TF's `.numpy()` returns it; it lives in
the Const op's `value` attribute and is handed back as it is, outside the
compiled program (see `framework.program`). Any other op given a string
tensor raises `NotImplementedError` naming the op.
"""

import numpy as np

# The op types that take or give tf.string values (by identity: no computation).
STRING_OP_TYPES = frozenset({"Const", "Identity"})


def is_string_data(value):
    """True for str/bytes, numpy string or object arrays, and lists whose leaves are strings."""
    if isinstance(value, (str, bytes)):
        return True
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.kind in "USO"
    if isinstance(value, (list, tuple)) and value:
        return is_string_data(value[0])
    return False


def _leaf_bytes(leaf):
    if isinstance(leaf, bytes):
        return leaf
    if isinstance(leaf, str):
        return leaf.encode("utf-8")  # TF stores str as UTF-8 bytes
    if isinstance(leaf, np.generic) and leaf.dtype.kind in "US":
        return _leaf_bytes(leaf.item())
    raise ValueError("Can't convert Python sequence with mixed types to Tensor.")


def to_string_array(value, shape=None):
    """A numpy object array of bytes from Python/numpy strings (TF's tf.constant rules).

    `shape` broadcasts a single string or reshapes, as for numbers.
    """
    nested = np.asarray(value, dtype=object)
    out = np.empty(nested.shape, dtype=object)
    out.reshape(-1)[:] = [_leaf_bytes(v) for v in nested.reshape(-1)]
    if out.ndim == 0:  # a numpy scalar, as .numpy() gives for numbers (np.bytes_ is bytes)
        out[()] = np.bytes_(out[()])
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if out.size == 1:
            out = np.full(shape, bytes(out.reshape(-1)[0]), dtype=object)
        elif out.size == int(np.prod(shape)):
            out = out.reshape(shape)
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor "
                            f"{value!r} has {out.size} elements, but got `shape` {shape} with "
                            f"{int(np.prod(shape))} elements).")
    return out


def string_op_error(op_type):
    return NotImplementedError(
        f"'{op_type}' was given a tf.string tensor: string ops are out of scope in tfgrad_jax "
        "(XLA has no string type). String tensors can only be created (tf.constant), passed "
        "through tf.identity, fetched and returned.")
