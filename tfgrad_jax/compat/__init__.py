"""`tf.compat`: the TF-1 API (`tf.compat.v1`)."""

from tfgrad_jax.compat import v1  # noqa: F401
