"""`tf.math`: the math ops under their TF names."""

from tfgrad_jax.ops.math_ops import (abs, add, add_n, cast, cos, divide, equal, exp, expm1,  # noqa: F401
                                     floordiv, floormod, greater, greater_equal, less, less_equal,
                                     log, log1p, logical_and, logical_not, logical_or, logical_xor,
                                     maximum, minimum, mod, multiply, negative, not_equal, pow,
                                     reciprocal, reduce_all, reduce_any, reduce_max, reduce_mean,
                                     reduce_min, reduce_prod, reduce_sum, rsqrt, sigmoid, sign, sin,
                                     sqrt, square, subtract, tan, tanh, truediv)
from tfgrad_jax.ops.math_ops import (  # noqa: F401
    accumulate_n, acos, acosh, angle, argmax, argmin, asin, asinh, atan, atan2, atanh, bincount,
    ceil, conj, cosh, count_nonzero, cumprod, cumsum, digamma, divide_no_nan, erf, erfc, floor,
    imag, is_finite, is_inf, is_nan, l2_normalize, lgamma, real, reduce_euclidean_norm,
    reduce_logsumexp, reduce_std, reduce_variance, rint, round, segment_max, segment_mean,
    segment_min, segment_prod, segment_sum, sinh, softplus, softsign, squared_difference, top_k,
    unsorted_segment_max, unsorted_segment_min, unsorted_segment_prod, unsorted_segment_sum,
    xlogy)
from tfgrad_jax.ops.math_ops import (  # noqa: F401,E402
    cumulative_logsumexp, in_top_k, log_sigmoid, unsorted_segment_mean, unsorted_segment_sqrt_n,
    xdivy, xlog1py)
from tfgrad_jax.ops.nn_ops import log_softmax, softmax  # noqa: F401,E402
