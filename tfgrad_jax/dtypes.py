"""`tf.dtypes`: the DType class, `as_dtype`, the dtype constants, `cast`, `saturate_cast`.

TF's quantized, resource and variant dtypes are not provided.
"""

from tfgrad_jax.framework.dtypes import (  # noqa: F401, A004 (bool: TF's name)
    DType, as_dtype, bfloat16, bool, complex64, complex128, double, float16, float32, float64,
    half, int8, int16, int32, int64, string, uint8, uint16, uint32, uint64)
from tfgrad_jax.ops.math_ops import cast, complex, saturate_cast  # noqa: F401,E402,A004
