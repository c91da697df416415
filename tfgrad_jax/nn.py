"""`tf.nn`: neural-network ops under their TF names."""

from tfgrad_jax.ops.math_ops import sigmoid, softplus, softsign, tanh  # noqa: F401
from tfgrad_jax.ops.nn_ops import (avg_pool, avg_pool1d, avg_pool2d, avg_pool3d,  # noqa: F401
                                   batch_normalization, bias_add, conv1d, conv2d,
                                   conv2d_transpose, conv3d, depthwise_conv2d, dropout, elu,
                                   embedding_lookup, gelu, l2_loss, leaky_relu,
                                   local_response_normalization, log_softmax, lrn, max_pool,
                                   max_pool1d, max_pool2d, max_pool3d, moments, relu, relu6,
                                   selu, sigmoid_cross_entropy_with_logits, silu, softmax,
                                   softmax_cross_entropy_with_logits,
                                   sparse_softmax_cross_entropy_with_logits, swish,
                                   weighted_cross_entropy_with_logits)
from tfgrad_jax.ops.math_ops import l2_normalize, top_k  # noqa: F401,E402
from tfgrad_jax.ops.math_ops import in_top_k  # noqa: F401,E402
