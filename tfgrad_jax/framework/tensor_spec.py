"""`tf.TensorSpec`: the shape and dtype a tf.function argument must have."""

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework.tensor_shape import TensorShape, as_shape


class TensorSpec:
    """Describes a tensor: `shape` (None dims allowed), `dtype` and an optional `name`."""

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self._shape = as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        return cls(tensor.shape, tensor.dtype, name)

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def name(self):
        return self._name

    def is_compatible_with(self, other):
        """True if `other` (a spec or a tensor) has this dtype and a compatible shape."""
        return (self._dtype == other.dtype
                and self._shape.is_compatible_with(TensorShape(other.shape)))

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self._shape == other._shape
                and self._dtype == other._dtype and self._name == other._name)

    def __hash__(self):
        return hash((self._shape, self._dtype, self._name))

    def __repr__(self):
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={self._name!r})"
