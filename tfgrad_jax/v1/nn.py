"""`tf.compat.v1.nn`: every op of `tf.nn`, with TF-1's signatures where they differ.

The TF-1 forms are thin wrappers over the v2 ops: they accept the old argument
names (`dim`, `keep_dims`, `keep_prob`, `value`, `filter`, `rate`, ...), raise
TF's ValueError when both spellings of one argument are given, and otherwise
build exactly the v2 op. The one change in meaning: TF-1's
`softmax_cross_entropy_with_logits` passes no gradient to `labels`.
"""

from tfgrad_jax import nn as _v2
from tfgrad_jax.framework.op_def import op_scope
from tfgrad_jax.nn import *  # noqa: F401,F403 - tf.compat.v1.nn holds all of tf.nn
from tfgrad_jax.ops import array_ops, math_ops, nn_ops
from tfgrad_jax.v1.api import either_argument

_V1_FORMS = [
    "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
    "sparse_softmax_cross_entropy_with_logits", "weighted_cross_entropy_with_logits",
    "dropout", "softmax", "log_softmax", "moments", "l2_normalize", "conv1d", "conv2d",
    "conv3d", "conv2d_transpose", "depthwise_conv2d", "max_pool", "avg_pool", "avg_pool2d",
    "embedding_lookup", "xw_plus_b", "in_top_k",
]
_NOT_IN_V1 = {"gelu"}  # added to tf.nn after TF 1; tf.compat.v1.nn lacks it
__all__ = sorted({n for n in vars(_v2) if not n.startswith("_")} - _NOT_IN_V1 | set(_V1_FORMS))


def _require_both(labels, logits, fn_name):
    if labels is None or logits is None:
        raise ValueError(f"Both `labels` and `logits` must be provided for {fn_name}"
                         f"Received: labels={labels} and logits={logits}")


# ---------------------------------------------------------------------------
# Losses.

def softmax_cross_entropy_with_logits(labels=None, logits=None, dim=-1, name=None, axis=None):
    """TF-1's `tf.compat.v1.nn.softmax_cross_entropy_with_logits`: the v2 op with
    `labels` under stop_gradient (TF-1 trained only the logits); `dim` is TF-1's `axis`."""
    _require_both(labels, logits, "softmax_cross_entropy_with_logits")
    axis = either_argument("axis", axis, "dim", dim)
    with op_scope(name, "softmax_cross_entropy_with_logits_sg") as scope:
        labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
        return nn_ops.softmax_cross_entropy_with_logits(labels, logits, axis=axis, name=scope)


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None):
    """`tf.compat.v1.nn.softmax_cross_entropy_with_logits_v2`: `tf.nn`'s op (gradients
    reach the labels too), with TF-1's `dim` for `axis` (default -1)."""
    axis = either_argument("axis", axis, "dim", dim)
    return nn_ops.softmax_cross_entropy_with_logits(labels, logits,
                                                    axis=-1 if axis is None else axis, name=name)


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """`tf.compat.v1.nn.sparse_softmax_cross_entropy_with_logits`: `tf.nn`'s op; both
    arguments are required (ValueError, as TF). TF 2.21 dropped TF-1's `_sentinel`."""
    _require_both(labels, logits, "sparse_softmax_cross_entropy_with_logits")
    return nn_ops.sparse_softmax_cross_entropy_with_logits(labels, logits, name=name)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None,
                                       targets=None):
    """`tf.compat.v1.nn.weighted_cross_entropy_with_logits`: `tf.nn`'s op, with TF-1's
    `targets` for `labels`."""
    labels = either_argument("labels", labels, "targets", targets)
    return nn_ops.weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=name)


# ---------------------------------------------------------------------------
# Activations and normalization.

def softmax(logits, axis=None, name=None, dim=None):
    """`tf.compat.v1.nn.softmax`: `tf.nn.softmax` with TF-1's `dim` for `axis`."""
    return nn_ops.softmax(logits, axis=either_argument("axis", axis, "dim", dim), name=name)


def log_softmax(logits, axis=None, name=None, dim=None):
    """`tf.compat.v1.nn.log_softmax`: `tf.nn.log_softmax` with TF-1's `dim` for `axis`."""
    return nn_ops.log_softmax(logits, axis=either_argument("axis", axis, "dim", dim), name=name)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """`tf.compat.v1.nn.l2_normalize`: `tf.math.l2_normalize` with TF-1's `dim`."""
    return math_ops.l2_normalize(x, axis=either_argument("axis", axis, "dim", dim), epsilon=epsilon,
                                 name=name)


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """`tf.compat.v1.nn.moments`: `tf.nn.moments` with TF-1's argument order and
    `keep_dims`; `shift` is unused, as in TF."""
    keepdims = either_argument("keepdims", keepdims, "keep_dims", keep_dims)
    return nn_ops.moments(x, axes, shift=shift, keepdims=bool(keepdims), name=name)


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """`tf.compat.v1.nn.dropout`: `tf.nn.dropout` with TF-1's `keep_prob` (rate =
    1 - keep_prob). Exactly one of them is required (ValueError, as TF)."""
    if keep_prob is not None:
        if rate is not None:
            raise ValueError("Cannot specify both 'keep_prob' and 'rate'.")
        rate = 1 - keep_prob
    if rate is None:
        raise ValueError(f"`rate` must be provided. Received: rate={rate}")
    return nn_ops.dropout(x, rate, noise_shape=noise_shape, seed=seed, name=name)


def in_top_k(predictions, targets, k, name=None):
    """`tf.compat.v1.nn.in_top_k`: `tf.nn.in_top_k` with TF-1's argument order
    (predictions first)."""
    return math_ops.in_top_k(targets, predictions, k, name=name)


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases (BiasAdd), as `tf.compat.v1.nn.xw_plus_b`."""
    with op_scope(name, "xw_plus_b") as scope:
        product = math_ops.matmul(x, weights, name="MatMul")
        return nn_ops.bias_add(product, biases, name=scope)


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """`tf.compat.v1.nn.embedding_lookup`: `tf.nn.embedding_lookup`. `partition_strategy`
    only matters for sharded params (a list), which are not supported here, and
    `validate_indices` is ignored, as in TF."""
    return nn_ops.embedding_lookup(params, ids, max_norm=max_norm, name=name)


# ---------------------------------------------------------------------------
# Convolution and pooling: TF-1's `value`/`filter` names and NHWC defaults.

def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None,
           data_format=None, name=None, input=None, dilations=None):  # noqa: A002
    """`tf.compat.v1.nn.conv1d`: `tf.nn.conv1d` with TF-1's `value` for `input`
    (`use_cudnn_on_gpu` is ignored: XLA picks the kernels)."""
    value = either_argument("input", input, "value", value)
    return nn_ops.conv1d(value, filters, stride, padding, data_format=data_format or "NWC",
                         dilations=dilations, name=name)


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,  # noqa: A002
           data_format="NHWC", dilations=(1, 1, 1, 1), name=None, filters=None):
    """`tf.compat.v1.nn.conv2d`: `tf.nn.conv2d` with TF-1's `filter` for `filters`
    (`use_cudnn_on_gpu` is ignored: XLA picks the kernels)."""
    filters = either_argument("filters", filters, "filter", filter)
    return nn_ops.conv2d(input, filters, strides, padding, data_format=data_format,
                         dilations=dilations, name=name)


def conv3d(input, filter=None, strides=None, padding=None, data_format="NDHWC",  # noqa: A002
           dilations=(1, 1, 1, 1, 1), name=None, filters=None):
    """`tf.compat.v1.nn.conv3d`: `tf.nn.conv3d` with TF-1's `filter` for `filters`."""
    filters = either_argument("filters", filters, "filter", filter)
    return nn_ops.conv3d(input, filters, strides, padding, data_format=data_format,
                         dilations=dilations, name=name)


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None,  # noqa: A002
                     padding="SAME", data_format="NHWC", name=None, input=None, filters=None,
                     dilations=None):
    """`tf.compat.v1.nn.conv2d_transpose`: `tf.nn.conv2d_transpose` with TF-1's `value`
    and `filter` for `input` and `filters`."""
    value = either_argument("input", input, "value", value)
    filters = either_argument("filters", filters, "filter", filter)
    return nn_ops.conv2d_transpose(value, filters, output_shape, strides, padding=padding,
                                   data_format=data_format, dilations=dilations, name=name)


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None,  # noqa: A002
                     data_format=None, dilations=None):
    """`tf.compat.v1.nn.depthwise_conv2d`: `tf.nn.depthwise_conv2d` with TF-1's `rate`
    for `dilations`."""
    dilations = either_argument("dilations", dilations, "rate", rate)
    return nn_ops.depthwise_conv2d(input, filter, strides, padding, data_format=data_format,
                                   dilations=dilations, name=name)


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None,
             input=None):  # noqa: A002
    """`tf.compat.v1.nn.max_pool`: 2-D max pooling (NHWC by default), with TF-1's
    `value` for `input`."""
    value = either_argument("input", input, "value", value)
    return nn_ops.max_pool(value, ksize, strides, padding, data_format=data_format, name=name)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None,
             input=None):  # noqa: A002
    """`tf.compat.v1.nn.avg_pool`: 2-D average pooling (NHWC by default), with TF-1's
    `value` for `input`."""
    value = either_argument("input", input, "value", value)
    return nn_ops.avg_pool(value, ksize, strides, padding, data_format=data_format, name=name)


avg_pool2d = avg_pool  # TF-1's avg_pool2d is avg_pool (value=, input=)
