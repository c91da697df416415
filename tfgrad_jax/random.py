"""`tf.random`: seeded random ops under their TF names (see `tfgrad_jax.ops.random_ops`)."""

from tfgrad_jax.ops.random_ops import (categorical, get_seed, normal, set_seed,  # noqa: F401
                                       shuffle, truncated_normal, uniform)
