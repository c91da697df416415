"""`tf.math`: the math ops under their TF names."""

from tfgrad_jax.ops.math_ops import (abs, add, add_n, cast, cos, divide, equal, exp, expm1,  # noqa: F401
                                     floordiv, floormod, greater, greater_equal, less, less_equal,
                                     log, log1p, logical_and, logical_not, logical_or, logical_xor,
                                     maximum, minimum, mod, multiply, negative, not_equal, pow,
                                     reciprocal, reduce_all, reduce_any, reduce_max, reduce_mean,
                                     reduce_min, reduce_prod, reduce_sum, rsqrt, sigmoid, sign, sin,
                                     sqrt, square, subtract, tan, tanh, truediv)
