"""`tf.config`: the devices JAX sees, in TF's form."""

from tfgrad_jax.device import list_logical_devices, list_physical_devices  # noqa: F401
