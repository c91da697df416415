"""TensorFlow's DType objects, backed by numpy/JAX dtypes.

TF names every element type with a `tf.DType` (`tf.float32`, `tf.int32`, ...).
Here each DType wraps the numpy dtype JAX computes with, so converting between
the two is a dictionary look-up.
"""

import builtins

import jax.numpy as jnp
import numpy as np


class DType:
    """An element type, as `tf.DType`: `name`, `as_numpy_dtype`, `is_floating`, ..."""

    __slots__ = ("_name", "_np")

    def __init__(self, name, np_dtype):
        self._name = name
        self._np = np.dtype(np_dtype) if np_dtype is not None else None

    @property
    def name(self):
        return self._name

    @property
    def as_numpy_dtype(self):
        """The numpy scalar type, as TF returns it (e.g. `np.float32`)."""
        if self._np is None:
            return object
        return self._np.type

    @property
    def base_dtype(self):
        return self

    @property
    def is_floating(self):
        return self._name in ("float16", "bfloat16", "float32", "float64")

    @property
    def is_integer(self):
        return self._np is not None and self._np.kind in "iu"

    @property
    def is_unsigned(self):
        return self._np is not None and self._np.kind == "u"

    @property
    def is_complex(self):
        return self._name in ("complex64", "complex128")

    @property
    def is_bool(self):
        return self._name == "bool"

    @property
    def is_numeric(self):
        return self.is_floating or self.is_integer or self.is_complex

    @property
    def is_quantized(self):
        return False

    @property
    def real_dtype(self):
        """float32 for complex64, float64 for complex128, itself otherwise."""
        return {"complex64": float32, "complex128": float64}.get(self._name, self)

    @property
    def size(self):
        return 0 if self._np is None else self._np.itemsize  # TF: tf.string.size is 0

    @property
    def min(self):
        if self.is_floating:
            return self._np.type(jnp.finfo(self._np).min)
        if self.is_integer:
            return np.iinfo(self._np).min
        if self.is_bool:
            return False
        raise TypeError(f"Cannot find minimum value of {self._name}.")

    @property
    def max(self):
        if self.is_floating:
            return self._np.type(jnp.finfo(self._np).max)
        if self.is_integer:
            return np.iinfo(self._np).max
        if self.is_bool:
            return True
        raise TypeError(f"Cannot find maximum value of {self._name}.")

    def is_compatible_with(self, other):
        return self == as_dtype(other)

    def __eq__(self, other):
        if isinstance(other, DType):
            return self is other
        try:
            return self is as_dtype(other)
        except TypeError:
            return False

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f"tf.{self._name}"

    def __str__(self):
        return f"<dtype: {self._name!r}>"

    def __reduce__(self):
        return as_dtype, (self._name,)


float16 = DType("float16", np.float16)
bfloat16 = DType("bfloat16", jnp.bfloat16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)
bool = DType("bool", np.bool_)  # noqa: A001 - TF's own name
string = DType("string", None)

half = float16
double = float64

_ALL = [float16, bfloat16, float32, float64, int8, int16, int32, int64, uint8,
        uint16, uint32, uint64, complex64, complex128, bool, string]
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, double=float64)
_BY_NUMPY = {d._np: d for d in _ALL if d._np is not None}
# TF maps only these Python types (tf.as_dtype(float) is float32); int, complex,
# str and bytes raise TypeError in TF, as does None.
_BY_PYTHON_TYPE = {builtins.float: float32, builtins.bool: bool, builtins.object: string}
_BY_NUMPY[np.dtype(object)] = string

FLOATING = (float16, bfloat16, float32, float64)
COMPLEX = (complex64, complex128)
INEXACT = FLOATING + COMPLEX
SIGNED_INTEGERS = (int8, int16, int32, int64)
INTEGERS = SIGNED_INTEGERS + (uint8, uint16, uint32, uint64)
NUMERIC = INEXACT + INTEGERS
REAL_NUMERIC = FLOATING + INTEGERS
ALL_TYPES = NUMERIC + (bool,)


def as_dtype(type_value):
    """Converts a DType, a name, a numpy dtype or a Python type to a `tf.DType`.

    Raises TypeError, as TF does, for anything that names no element type.
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        found = _BY_NAME.get(type_value)
        if found is not None:
            return found
    elif isinstance(type_value, type) and type_value in _BY_PYTHON_TYPE:
        return _BY_PYTHON_TYPE[type_value]
    elif isinstance(type_value, type) and not issubclass(type_value, np.generic):
        pass  # np.dtype(int) would be int64: TF refuses Python's int, complex, str
    elif type_value is not None:  # np.dtype(None) would be float64
        try:
            found = _BY_NUMPY.get(np.dtype(type_value))
        except (TypeError, ValueError):
            found = None
        if found is not None:
            return found
    raise TypeError(f"Cannot convert the argument `type_value`: {type_value!r} "
                    "to a TensorFlow DType.")


def is_differentiable(dtype):
    """TF backpropagates through floating and complex tensors only."""
    return dtype in INEXACT
