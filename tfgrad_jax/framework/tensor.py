"""`tf.Tensor`: symbolic graph tensors and eager tensors, and `convert_to_tensor`.

A `SymbolicTensor` is an output of an `Operation` in a `Graph`; its shape and
dtype come from the op's lowering (`jax.eval_shape`). An `EagerTensor` holds a
concrete `jax.Array`. Both derive from `Tensor`, so `isinstance(t, tf.Tensor)`
holds for either, as in TF. The arithmetic operators are installed on `Tensor`
by `tfgrad_jax.ops.math_ops`, where the ops they call are declared.
"""

import numbers

import numpy as np

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework.tensor_shape import TensorShape, as_shape


class OperatorNotAllowedInGraphError(TypeError):
    """TF's error for Python control flow on a symbolic tensor."""


class Reference:
    """A hashable handle on a tensor (`Tensor.ref()`), compared by identity."""

    __slots__ = ("_tensor",)

    def __init__(self, tensor):
        self._tensor = tensor

    def deref(self):
        return self._tensor

    def __eq__(self, other):
        return isinstance(other, Reference) and other._tensor is self._tensor

    def __hash__(self):
        return id(self._tensor)

    def __repr__(self):
        return f"<Reference wrapping {self._tensor!r}>"


class Tensor:
    """Base of graph and eager tensors; carries the operator overloads."""

    __slots__ = ("__weakref__",)
    # Make numpy defer to our reflected operators (np.float32(2) * t).
    __array_priority__ = 100

    @property
    def ndim(self):
        return self.shape.rank

    def get_shape(self):
        return self.shape

    def ref(self):
        """A hashable reference to this tensor, as `Tensor.ref()` in TF."""
        return Reference(self)

    experimental_ref = ref

    def _tensors_are_comparable(self):
        # TF 2: `==` is elementwise and tensors are unhashable, except while
        # building a TF-1 style graph (no eager context outside functions).
        from tfgrad_jax.framework import graph as graph_mod
        return graph_mod.executing_eagerly_outside_functions()

    def __hash__(self):
        if self._tensors_are_comparable():
            raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")
        return id(self)

    def __eq__(self, other):
        if self._tensors_are_comparable():
            from tfgrad_jax.ops import math_ops
            try:
                return math_ops.equal(self, other)
            except (TypeError, ValueError):
                return False
        return self is other

    def __ne__(self, other):
        if self._tensors_are_comparable():
            from tfgrad_jax.ops import math_ops
            try:
                return math_ops.not_equal(self, other)
            except (TypeError, ValueError):
                return True
        return self is not other


class SymbolicTensor(Tensor):
    """An output of an Operation in a Graph: `op`, `value_index`, `name`, shape, dtype."""

    __slots__ = ("_op", "_value_index", "_dtype", "_shape", "_aval", "_consumers")

    def __init__(self, op, value_index, aval):
        self._op = op
        self._value_index = value_index
        self._aval = aval
        self._dtype = dtypes.as_dtype(aval.dtype)
        self._shape = TensorShape(aval.shape)
        self._consumers = []

    @property
    def op(self):
        return self._op

    @property
    def value_index(self):
        return self._value_index

    @property
    def graph(self):
        return self._op._graph

    @property
    def name(self):
        return f"{self._op._name}:{self._value_index}"

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return self._shape

    @property
    def device(self):
        return self._op.device

    def set_shape(self, shape):
        """Refines the static shape; raises ValueError if incompatible, as TF."""
        self._shape = self._shape.merge_with(as_shape(shape))

    def consumers(self):
        return list(self._consumers)

    def _tensors_are_comparable(self):
        # TF 2.21: a TF-1 graph's tensors hash and compare by identity everywhere (feed
        # dicts are built outside `as_default()`); only a function's follow TF 2's rule.
        return self._op._graph.building_function and super()._tensors_are_comparable()

    @property
    def numpy(self):
        # TF's graph tensors have no `numpy`: hasattr(t, "numpy") is False, as in TF.
        raise AttributeError("'SymbolicTensor' object has no attribute 'numpy'")

    def eval(self, feed_dict=None, session=None):
        """`session.run(self, feed_dict)`, in the default session if none is given (TF-1)."""
        from tfgrad_jax.framework.graph import get_default_session
        session = session or get_default_session()
        if session is None:
            raise ValueError("Cannot evaluate tensor using `eval()`: No default session is "
                             "registered. Use `with sess.as_default()` or pass an explicit "
                             "session to `eval(session=sess)`")
        if session.graph is not self.graph:
            raise ValueError("Cannot use the given session to evaluate tensor: the tensor's "
                             "graph is different from the session's graph.")
        return session.run(self, feed_dict=feed_dict)

    def __bool__(self):
        raise OperatorNotAllowedInGraphError(
            "Using a symbolic `tf.Tensor` as a Python `bool` is not allowed. Use "
            "tf.cond or tf.where for data-dependent choices, or run eagerly.")

    def __iter__(self):
        raise OperatorNotAllowedInGraphError(
            "Iterating over a symbolic `tf.Tensor` is not allowed. Use tf.unstack "
            "or index the tensor instead.")

    def __len__(self):
        raise TypeError(
            f"len is not well defined for a symbolic Tensor ({self.name}). Please "
            "call `x.shape` rather than `len(x)` for shape information.")

    def __index__(self):
        raise TypeError(f"Cannot use the symbolic tensor {self.name} as a Python integer.")

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError(
            f"Cannot convert a symbolic tf.Tensor ({self.name}) to a numpy array. This "
            "error may indicate that you're trying to pass a Tensor to a NumPy call, "
            "which is not supported.")

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self._dtype.name}>"

    def __str__(self):
        return f'Tensor("{self.name}", shape={self._shape}, dtype={self._dtype.name})'


def _numpy_text(value, is_repr):
    """TF's `numpy_text`: scalars print as Python items, multi-line text starts a new line."""
    if is_repr:
        text = repr(value.item()) if np.isscalar(value) else repr(value)
    else:
        text = str(value)
    return "\n" + text if "\n" in text else text


class EagerTensor(Tensor):
    """A tensor with a concrete value (a `jax.Array`), as TF's EagerTensor."""

    __slots__ = ("_value", "_dtype")

    def __init__(self, value, dtype=None):
        self._value = value
        self._dtype = dtype if dtype is not None else dtypes.as_dtype(value.dtype)

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return TensorShape(self._value.shape)

    @property
    def device(self):
        device = next(iter(self._value.devices()))
        return f"/job:localhost/replica:0/task:0/device:{device.platform.upper()}:{device.id}"

    @property
    def name(self):
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    @property
    def op(self):
        raise AttributeError("Tensor.op is undefined when eager execution is enabled.")

    @property
    def graph(self):
        raise AttributeError("Tensor.graph is undefined when eager execution is enabled.")

    def numpy(self):
        """The value as a numpy array (a numpy scalar for rank 0), as TF."""
        value = np.array(self._value)
        return value[()] if value.ndim == 0 else value

    def set_shape(self, shape):
        if not as_shape(shape).is_compatible_with(self.shape):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with "
                             f"supplied shape {as_shape(shape)}.")

    def __array__(self, dtype=None, copy=None):
        value = np.asarray(self._value)
        return value if dtype is None else value.astype(dtype)

    def __bool__(self):
        return bool(self._value)

    def __int__(self):
        return int(self._value)

    def __float__(self):
        return float(self._value)

    def __complex__(self):
        return complex(self._value)

    def __index__(self):
        if not self._dtype.is_integer:
            raise TypeError(f"Only integer tensors can be used as an index, got {self._dtype.name}")
        return int(self._value)

    def __len__(self):
        if not self._value.shape:
            raise TypeError("Scalar tensor has no `len()`")
        return self._value.shape[0]

    def __iter__(self):
        if not self._value.shape:
            raise TypeError("Cannot iterate over a scalar tensor.")
        for i in range(self._value.shape[0]):
            yield EagerTensor(self._value[i], self._dtype)

    def __format__(self, format_spec):
        if not format_spec:
            return str(self)
        return format(self.numpy(), format_spec)

    def __repr__(self):
        return (f"<tf.Tensor: shape={self.shape}, dtype={self._dtype.name}, "
                f"numpy={_numpy_text(self.numpy(), True)}>")

    def __str__(self):
        text = _numpy_text(self.numpy(), False)
        return f"tf.Tensor({text}, shape={self.shape}, dtype={self._dtype.name})"


def is_tensor(x):
    """True for a graph or eager tensor, a variable or IndexedSlices (`tf.is_tensor`)."""
    return isinstance(x, Tensor) or getattr(x, "_is_variable", False) or getattr(
        x, "_is_indexed_slices", False)


# ---------------------------------------------------------------------------
# Python values -> numpy, with TF's dtype rules.

_KIND_ORDER = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}


def _python_kind(value):
    """The element kind TF infers from (nested) Python data: b, i, f or c."""
    if isinstance(value, (bool, np.bool_)):
        return "b"
    if isinstance(value, numbers.Integral):
        return "i"
    if isinstance(value, numbers.Real):
        return "f"
    if isinstance(value, numbers.Complex):
        return "c"
    if isinstance(value, (list, tuple)):
        kinds = [_python_kind(v) for v in value]
        kinds = [k for k in kinds if k is not None]
        if not kinds:
            return None
        if "b" in kinds and len(set(kinds)) > 1:
            raise ValueError(f"Can't convert Python sequence with mixed types {value!r} to Tensor.")
        return max(kinds, key=_KIND_ORDER.get)
    if isinstance(value, Tensor):
        return value.dtype.as_numpy_dtype(0).dtype.kind if value.dtype != dtypes.string else None
    return None


def _default_dtype_for_kind(kind, value):
    if kind == "b":
        return dtypes.bool
    if kind == "i":
        arr = np.asarray(value)
        if arr.size and (arr.max() > np.iinfo(np.int32).max or arr.min() < np.iinfo(np.int32).min):
            return dtypes.int64
        return dtypes.int32
    if kind == "f":
        return dtypes.float32
    if kind == "c":
        return dtypes.complex128
    return dtypes.float32  # an empty list, as tf.constant([]) is float32


def to_numpy(value, dtype=None, dtype_hint=None):
    """Converts Python/numpy data to a numpy array following TF's conversion rules.

    A Python float becomes float32 and a Python int int32 (int64 if it does not
    fit); a numpy array keeps its dtype. With `dtype`, Python data must convert
    without loss of kind (2.5 cannot become an int32), else TypeError as TF.
    """
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        if dtype is not None:
            return np.asarray(value).astype(dtype.as_numpy_dtype)
        if value.dtype == np.dtype(object) or value.dtype.kind in "US":
            raise TypeError(f"Failed to convert object of type {type(value)} to Tensor: "
                            "strings and objects are not supported.")
        as_dtype_checked = dtypes.as_dtype(value.dtype)
        return np.asarray(value, dtype=as_dtype_checked.as_numpy_dtype)
    if hasattr(value, "__jax_array__") or type(value).__module__.startswith("jax"):
        arr = np.asarray(value)
        return arr if dtype is None else arr.astype(dtype.as_numpy_dtype)
    kind = _python_kind(value)
    if kind is None and not (isinstance(value, (list, tuple)) and np.asarray(value).size == 0):
        raise TypeError(f"Failed to convert elements of {value!r} to Tensor. Consider casting "
                        "elements to a supported type.")
    if dtype is None:
        if dtype_hint is not None:
            hint = dtypes.as_dtype(dtype_hint)
            if kind is None or _KIND_ORDER[kind] <= _KIND_ORDER.get(
                    np.dtype(hint.as_numpy_dtype).kind, -1) and (kind == "b") == hint.is_bool:
                dtype = hint
        if dtype is None:
            dtype = _default_dtype_for_kind(kind, value)
    elif kind is not None:
        target = np.dtype(dtype.as_numpy_dtype).kind
        allowed = {"b": "biufc", "i": "iufc", "f": "fc", "c": "c"}[kind]  # TF: True -> 1.0
        if dtype.is_floating:
            target = "f"
        if target not in allowed:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
    try:
        arr = np.asarray(value, dtype=dtype.as_numpy_dtype)
    except (TypeError, ValueError) as e:
        raise TypeError(f"Cannot convert {value!r} to a Tensor of dtype {dtype.name}: {e}") from None
    if dtype.is_integer and kind == "i":
        original = np.asarray(value)
        if original.size and not np.array_equal(arr.astype(original.dtype), original):
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}: "
                            "the value is out of range")
    return arr
