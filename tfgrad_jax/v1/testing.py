"""`tf.compat.v1.test`: TF-2's `tf.test` (see `tfgrad_jax.test`) and `get_temp_dir`,
which TF keeps in the TF-1 namespace only."""

from tfgrad_jax import test as _test
from tfgrad_jax.test import (TestCase, get_temp_dir, gpu_device_name,  # noqa: F401
                             is_built_with_cuda, is_built_with_gpu_support, is_built_with_rocm,
                             is_built_with_xla, is_gpu_available, main)

__all__ = list(_test.__all__) + ["get_temp_dir"]
