"""`tf.TensorShape`: a shape whose rank or dimensions may be unknown (None)."""

import numbers

# TF-1 shapes (`tf.compat.v1.disable_v2_tensorshape`): indexing gives a `Dimension`.
_v2_behavior = True


def set_v2_behavior(enabled):
    """`enable_v2_tensorshape` (True) / `disable_v2_tensorshape` (False), process-wide."""
    global _v2_behavior
    _v2_behavior = bool(enabled)


class Dimension(int):
    """A known dimension of a TF-1 shape, as `tf.compat.v1.Dimension`: `.value` is the int.

    TF's Dimension is a wrapper that may hold None and whose arithmetic
    propagates unknowns. Here it is an int with a `.value` (so every library
    path that expects ints keeps working), and an unknown dimension is None:
    `Dimension(None)` raises ValueError, and `shape[i]` of an unknown dimension
    is None even with v2 tensorshape disabled. Arithmetic gives plain ints.
    """

    __slots__ = ()

    def __new__(cls, value):
        if value is None or getattr(value, "value", 0) is None:
            raise ValueError("tfgrad_jax has no unknown Dimension object: an unknown "
                             "dimension is None.")
        value = int(getattr(value, "value", value))
        if value < 0:
            raise ValueError(f"Dimension {value} must be >= 0")
        return super().__new__(cls, value)

    @property
    def value(self):
        return int(self)

    def __repr__(self):
        return f"Dimension({int(self)})"

    __str__ = int.__repr__


def dimension_value(dimension):
    """The int (or None) of a dimension, as `tf.compat.v1.dimension_value`."""
    return dimension.value if isinstance(dimension, Dimension) else dimension


def _as_dim(d):
    if type(d) is int and d >= 0:  # the common case first: every graph tensor builds a shape
        return d
    if d is None:
        return None
    if hasattr(d, "value") and not isinstance(d, numbers.Integral):
        d = d.value  # a TF-1 style Dimension
        if d is None:
            return None
    if not isinstance(d, numbers.Integral):
        # A JAX symbolic dimension (input_signature with None) is unknown to TF.
        if type(d).__module__.startswith("jax"):
            return None
        raise TypeError(f"Dimension value must be integer or None, got {d!r}")
    if d < 0:
        raise ValueError(f"Dimension {int(d)} must be >= 0")
    return int(d)


class TensorShape:
    """The static shape of a tensor, as `tf.TensorShape`.

    `TensorShape(None)` has unknown rank; a None dimension is unknown.
    """

    __slots__ = ("_dims",)

    def __init__(self, dims):
        if isinstance(dims, TensorShape):
            self._dims = dims._dims
        elif dims is None:
            self._dims = None
        elif isinstance(dims, numbers.Integral):
            self._dims = (_as_dim(dims),)
        else:
            self._dims = tuple(_as_dim(d) for d in dims)

    @property
    def rank(self):
        return None if self._dims is None else len(self._dims)

    ndims = rank

    @property
    def dims(self):
        return None if self._dims is None else list(self._dims)

    def as_list(self):
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def is_fully_defined(self):
        return self._dims is not None and all(d is not None for d in self._dims)

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self._dims:
            n *= d
        return n

    def is_compatible_with(self, other):
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self._dims, other._dims))

    def merge_with(self, other):
        other = as_shape(other)
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape([a if a is not None else b for a, b in zip(self._dims, other._dims)])

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {as_shape(other)} are incompatible")

    def __len__(self):
        if self._dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __iter__(self):
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self._dims)

    def __getitem__(self, key):
        if self._dims is None:
            return TensorShape(None) if isinstance(key, slice) else None
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        d = self._dims[key]
        return d if _v2_behavior or d is None else Dimension(d)

    def __bool__(self):
        return self._dims is not None

    def __eq__(self, other):
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self._dims == other._dims

    def __hash__(self):
        return hash(self._dims)

    def __add__(self, other):
        return self.concatenate(other)

    def concatenate(self, other):
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    def __repr__(self):
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({list(self._dims)})"

    def __str__(self):
        if self._dims is None:
            return "<unknown>"
        if len(self._dims) == 1:
            return f"({self._dims[0]},)"
        return "(" + ", ".join(str(d) for d in self._dims) + ")"


def as_shape(shape):
    """Converts a list, tuple, int or None to a TensorShape."""
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)
