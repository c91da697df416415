"""`tf.compat`: the TF-1 API (`tf.compat.v1`) and the TF-2 one (`tf.compat.v2`, our top level)."""

import sys

from tfgrad_jax.compat import v1  # noqa: F401

v2 = sys.modules["tfgrad_jax"]
