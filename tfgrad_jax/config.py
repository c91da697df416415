"""`tf.config`: the devices JAX sees, in TF's form, and tf.function's eager switch."""

from tfgrad_jax.device import list_logical_devices, list_physical_devices  # noqa: F401
from tfgrad_jax.function import functions_run_eagerly, run_functions_eagerly  # noqa: F401
