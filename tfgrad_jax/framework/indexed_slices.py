"""`tf.IndexedSlices`: a sparse slice-wise tensor (the gradient of tf.gather).

`values[i]` is the slice at row `indices[i]` of a dense tensor of shape
`dense_shape`; repeated indices add up. tf.gradients returns one for an x
that only feeds `tf.gather` (as TF does), and `tf.convert_to_tensor` (or
any op taking it) densifies it with an unsorted segment sum.
"""


class IndexedSlices:
    """`values`, `indices` and `dense_shape`, as `tf.IndexedSlices`."""

    __slots__ = ("_values", "_indices", "_dense_shape", "__weakref__")
    _is_indexed_slices = True

    def __init__(self, values, indices, dense_shape=None):
        self._values = values
        self._indices = indices
        self._dense_shape = dense_shape

    @property
    def values(self):
        return self._values

    @property
    def indices(self):
        return self._indices

    @property
    def dense_shape(self):
        return self._dense_shape

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def shape(self):
        """The static shape of the dense tensor these slices stand for."""
        from tfgrad_jax.framework.constant_folding import constant_value
        from tfgrad_jax.framework.tensor_shape import TensorShape
        if self._dense_shape is None:
            return TensorShape(None)
        value = constant_value(self._dense_shape)
        if value is None:
            return TensorShape([None] * self._dense_shape.shape[0])
        return TensorShape([int(d) for d in value])

    @property
    def name(self):
        return self._values.name

    @property
    def op(self):
        return self._values.op

    @property
    def graph(self):
        return self._values.graph

    @property
    def device(self):
        return self._values.device

    def _as_tensor(self):
        """The dense tensor: slices scattered into zeros and summed, as TF densifies."""
        from tfgrad_jax.ops import math_ops
        if self._dense_shape is None:
            raise ValueError("Cannot convert IndexedSlices with unknown dense_shape to a Tensor.")
        rows = self.shape[0]
        return math_ops.unsorted_segment_sum(self._values, self._indices, rows)

    def __neg__(self):
        from tfgrad_jax.ops import math_ops
        return IndexedSlices(math_ops.negative(self._values), self._indices, self._dense_shape)

    def __repr__(self):
        return (f"IndexedSlices(indices={self._indices!r}, values={self._values!r}, "
                f"dense_shape={self._dense_shape!r})")
