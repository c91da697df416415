"""`tf.linalg`: linear-algebra ops under their TF names."""

from tfgrad_jax.ops.math_ops import matmul  # noqa: F401
