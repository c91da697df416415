"""`tf.nn`: neural-network ops under their TF names."""

from tfgrad_jax.ops.math_ops import sigmoid, tanh  # noqa: F401
from tfgrad_jax.ops.nn_ops import log_softmax, relu, softmax  # noqa: F401
