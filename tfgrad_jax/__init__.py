"""tfgrad_jax: TensorFlow's graph-mode API, rebuilt on JAX.

    import tfgrad_jax as tf

gives `tf.function`, `tf.gradients`, `tf.stop_gradient`, the everyday ops and
TF-1 style graphs, with TF's semantics, compiled by XLA through `jax.jit`.
Importing it turns on JAX's 64-bit types (see `tfgrad_jax._jax_config`).
"""

from tfgrad_jax import _jax_config  # noqa: F401  (must run before any array is made)

from tfgrad_jax.framework import dtypes as _dtypes
from tfgrad_jax.framework import errors
from tfgrad_jax.framework import nest
from tfgrad_jax.framework.dtypes import (DType, as_dtype, bfloat16, bool, complex64, complex128,
                                         double, float16, float32, float64, half, int8, int16,
                                         int32, int64, string, uint8, uint16, uint32, uint64)
from tfgrad_jax.framework.graph import (Graph, Operation, executing_eagerly,
                                        get_default_graph)
from tfgrad_jax.framework.indexed_slices import IndexedSlices
from tfgrad_jax.framework.op_def import constant, convert_to_tensor
from tfgrad_jax.framework.tensor import OperatorNotAllowedInGraphError, Tensor, is_tensor
from tfgrad_jax.framework.tensor_shape import TensorShape
from tfgrad_jax.framework.tensor_spec import TensorSpec
from tfgrad_jax.framework.scopes import name_scope, control_dependencies
from tfgrad_jax.function import function
from tfgrad_jax.gradients import (AggregationMethod, NotDifferentiable, RegisterGradient,
                                  UnconnectedGradients, custom_gradient, gradients, hessians,
                                  no_gradient)
from tfgrad_jax.device import device
from tfgrad_jax.ops.check_ops import Assert
from tfgrad_jax.ops.check_ops import assert_equal, assert_greater, assert_less, assert_rank
from tfgrad_jax.ops.logging_ops import print  # noqa: A004 - tf.print, as TF exports it
from tfgrad_jax.ops.control_flow_ops import case, cond, group, no_op, switch_case, while_loop
from tfgrad_jax.ops.variables import Variable
from tfgrad_jax.tape import GradientTape
from tfgrad_jax.module import Module
from tfgrad_jax.ops.functional_ops import foldl, foldr, map_fn, scan, vectorized_map
from tfgrad_jax.op_catalog import list_ops
from tfgrad_jax import autograph
from tfgrad_jax import config
from tfgrad_jax import debugging
from tfgrad_jax import dtypes
from tfgrad_jax import math
from tfgrad_jax import nn
from tfgrad_jax import linalg
from tfgrad_jax import random
from tfgrad_jax import strings
from tfgrad_jax import keras
from tfgrad_jax import summary
from tfgrad_jax import test
from tfgrad_jax.ops.linalg_ops import eye, norm, tensordot
from tfgrad_jax.ops.math_ops import truncatediv
from tfgrad_jax.ops.array_ops import (concat, expand_dims, fill, identity, ones, ones_like, range,
                                      rank, reshape, shape, size, squeeze, stack, stop_gradient,
                                      transpose, unstack, where, zeros, zeros_like)
from tfgrad_jax.ops.math_ops import (abs, add, add_n, cast, cos, divide, equal, exp, greater,
                                     greater_equal, less, less_equal, log, logical_and,
                                     logical_not, logical_or, matmul, maximum, minimum, multiply,
                                     negative, not_equal, pow, reduce_all, reduce_any, reduce_max,
                                     reduce_mean, reduce_min, reduce_prod, reduce_sum, sigmoid, sign,
                                     sin, sqrt, square, subtract, tanh, truediv)
from tfgrad_jax.ops.array_ops import (boolean_mask, broadcast_to, dynamic_partition, einsum,
                                      gather, gather_nd, identity_n, linspace, meshgrid, one_hot,
                                      pad, repeat, reverse, roll, scatter_nd, sequence_mask, slice,
                                      split, strided_slice, tensor_scatter_nd_add,
                                      tensor_scatter_nd_sub, tensor_scatter_nd_update, tile)
from tfgrad_jax.ops.math_ops import (acos, acosh, argmax, argmin, argsort, asin, asinh, atan,
                                     atan2, atanh, clip_by_global_norm, clip_by_norm,
                                     clip_by_value, complex, cosh, cumsum, floor,
                                     reduce_logsumexp, round, sinh, sort, tan, unique)

newaxis = None

# Not TF names: `import tensorflow` resolved to tfgrad_jax (tfgrad_jax.dropin).
from tfgrad_jax.dropin import install, uninstall  # noqa: E402
from tfgrad_jax.interop import from_jax, to_jax  # noqa: E402
from tfgrad_jax.visual import show  # noqa: E402  (pictures of graphs in Jupyter)

# Last: tf.compat.v1 is assembled from the whole top level above.
from tfgrad_jax import compat  # noqa: E402

__version__ = "0.1.0"
