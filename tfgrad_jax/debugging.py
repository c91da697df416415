"""`tf.debugging`: checks that raise when a graph runs (more come with the state issue)."""

from tfgrad_jax.ops.check_ops import Assert  # noqa: F401
