"""Neural-network ops (`tf.nn`): activations, softmax and losses, convolution,
pooling, normalization, dropout and embeddings.

Where TF has one op for a function (Relu6, Conv2D, MaxPool, LRN, ...) it is
declared here once; where TF composes a function from other ops in Python
(gelu, silu, sigmoid_cross_entropy_with_logits, moments, batch_normalization,
dropout, ...) the wrapper composes the same ops, so graphs, values and
gradients at kinks come out as TF's. TF's registered gradients that differ
from JAX's derivative are JAX rules beside their declarations: Relu and Relu6
(0 at the kinks), Elu and Selu (written on the output, as TF's EluGrad and
SeluGrad), LeakyRelu (alpha at 0) and SoftmaxCrossEntropyWithLogits
(softmax - labels, even when labels do not sum to 1).

Window and stride arguments, paddings and shapes are static for XLA: op
attributes, folded when given as graph tensors.
"""

import numbers

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tfgrad_jax.framework import dtypes, runtime_checks
from tfgrad_jax.framework.constant_folding import static_value
from tfgrad_jax.framework.dtypes import FLOATING, NUMERIC, REAL_NUMERIC
from tfgrad_jax.framework.op_def import (apply_op, convert_to_tensor, def_op, op_scope,
                                         public)
from tfgrad_jax.framework.tensor import Tensor
from tfgrad_jax.ops import array_ops, math_ops, random_ops


def _features(features, name="features"):
    return convert_to_tensor(features, name=name)


# ---------------------------------------------------------------------------
# Activations.

def _zeros_tied_to(x):
    """Zeros that depend on `x` as a float (derivative 0), for the masked-off entries.

    TF's ReluGrad/Relu6Grad/LeakyReluGrad kernels take the features, so the
    gradient of their gradient is zeros, not None; tf.gradients reads that
    dependence from the float values (a boolean mask alone would not connect).
    """
    return jnp.where(jnp.isfinite(x), x, jnp.zeros_like(x)) * jnp.zeros((), x.dtype)


def _relu_rule(inputs, out, g):
    (x,) = inputs
    return (jnp.where(x > 0, g, _zeros_tied_to(x)),)  # TF: 0 at x == 0


RELU = def_op("Relu", lambda features: jnp.maximum(features, 0).astype(features.dtype),
              "features: T", T=REAL_NUMERIC, vjp=_relu_rule)


@public(RELU)
def relu(features, name=None):
    """max(features, 0), as `tf.nn.relu`; TF's gradient is 0 at 0."""
    return apply_op(RELU, [features], name=name or "Relu")


def _relu6_rule(inputs, out, g):
    (x,) = inputs
    return (jnp.where((x > 0) & (x < 6), g, _zeros_tied_to(x)),)  # TF: 0 at 0 and at 6


RELU6 = def_op("Relu6", lambda features: jnp.clip(features, 0, 6).astype(features.dtype),
               "features: T", T=REAL_NUMERIC, vjp=_relu6_rule)


@public(RELU6)
def relu6(features, name=None):
    """min(max(features, 0), 6), as `tf.nn.relu6`; TF's gradient is 0 at 0 and at 6."""
    return apply_op(RELU6, [features], name=name or "Relu6")


def _elu_rule(inputs, out, g):
    return (jnp.where(out < 0, g * (out + 1), g),)  # TF's EluGrad, on the output


ELU = def_op("Elu", lambda features: jax.nn.elu(features).astype(features.dtype),
             "features: T", T=FLOATING, vjp=_elu_rule)


@public(ELU)
def elu(features, name=None):
    """exp(x) - 1 for x < 0, else x, as `tf.nn.elu` (gradient 1 at 0, as TF)."""
    return apply_op(ELU, [features], name=name or "Elu")


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _selu_rule(inputs, out, g):
    # TF's SeluGrad: scale at 0 (JAX's derivative takes the left branch, scale * alpha).
    return (jnp.where(out < 0, g * (out + _SELU_SCALE * _SELU_ALPHA), g * _SELU_SCALE),)


SELU = def_op("Selu", lambda features: jax.nn.selu(features).astype(features.dtype),
              "features: T", T=FLOATING, vjp=_selu_rule)


@public(SELU)
def selu(features, name=None):
    """scale * elu-like(x, alpha), as `tf.nn.selu`; TF's gradient at 0 is `scale`."""
    return apply_op(SELU, [features], name=name or "Selu")


def _leaky_relu_lowering(features, *, alpha):
    return jnp.where(features > 0, features, features * jnp.asarray(alpha, features.dtype))


def _leaky_relu_rule(inputs, out, g, *, alpha):
    (x,) = inputs
    # TF: alpha at 0
    return (jnp.where(x > 0, g, g * jnp.asarray(alpha, g.dtype) + _zeros_tied_to(x)),)


LEAKY_RELU = def_op("LeakyRelu", _leaky_relu_lowering, "features: T", T=FLOATING,
                    vjp=_leaky_relu_rule)


@public(LEAKY_RELU)
def leaky_relu(features, alpha=0.2, name=None):
    """x if x > 0 else alpha * x, as `tf.nn.leaky_relu`.

    Integer features are cast to float32 first, as TF; the gradient at 0 is
    alpha (TF's LeakyReluGrad; JAX's derivative would give 1).
    """
    with op_scope(name, "LeakyRelu") as scope:
        features = _features(features)
        if features.dtype.is_integer:
            features = math_ops.cast(features, dtypes.float32)
        if isinstance(alpha, np.ndarray):
            alpha = alpha.item()
        return apply_op(LEAKY_RELU, [features], {"alpha": float(alpha)},
                        name=scope or "LeakyRelu")


def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit, as `tf.nn.gelu`, built from the same ops as TF.

    Exact: 0.5 * x * erfc(-x / sqrt(2)); approximate: the tanh formula
    0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x ** 3))).
    """
    with op_scope(name, "Gelu"):
        features = _features(features)
        if not features.dtype.is_floating:
            raise ValueError("`features.dtype` must be a floating point tensor."
                             f"Received:features.dtype={features.dtype}")
        dt = features.dtype
        if approximate:
            coeff = convert_to_tensor(np.asarray(0.044715, dt.as_numpy_dtype), name="Cast/x")
            half_x = 0.5 * features
            inner = 0.7978845608028654 * (features + coeff * math_ops.pow(features, 3))
            return half_x * (1.0 + math_ops.tanh(inner))
        half_x = 0.5 * features
        scale = convert_to_tensor(np.asarray(0.7071067811865476, dt.as_numpy_dtype), name="Cast/x")
        return half_x * math_ops.erfc(-features * scale)


def silu(features, beta=1.0):
    """x * sigmoid(beta * x), as `tf.nn.silu` / `tf.nn.swish` (Mul and Sigmoid ops).

    TF wraps it in a custom gradient equal to the exact derivative, which
    JAX's autodiff of the same ops gives.
    """
    features = _features(features)
    beta = convert_to_tensor(beta, dtype=features.dtype, name="beta")
    return features * math_ops.sigmoid(beta * features)


swish = silu


# ---------------------------------------------------------------------------
# Softmax.

def _softmax_axis(logits, axis):
    x = convert_to_tensor(logits, name="logits")
    rank = x.shape.rank
    axis = -1 if axis is None else int(static_value(axis, "axis"))
    if rank is not None and not -rank <= axis < max(rank, 1):
        raise ValueError(f"`axis` {axis} is out of range for `logits` of rank {rank}.")
    return x, axis


SOFTMAX = def_op("Softmax", lambda logits, *, axis: jax.nn.softmax(logits, axis=axis),
                 "logits: T", T=FLOATING)
LOG_SOFTMAX = def_op("LogSoftmax", lambda logits, *, axis: jax.nn.log_softmax(logits, axis=axis),
                     "logits: T", T=FLOATING)


@public(SOFTMAX)
def softmax(logits, axis=None, name=None):
    """exp(logits) / sum(exp(logits), axis), as `tf.nn.softmax` (axis defaults to -1).

    TF transposes `axis` to the end and back; one op on `axis` here.
    """
    x, axis = _softmax_axis(logits, axis)
    return apply_op(SOFTMAX, [x], {"axis": axis}, name=name or "Softmax")


@public(LOG_SOFTMAX)
def log_softmax(logits, axis=None, name=None):
    """logits - log(sum(exp(logits), axis)), as `tf.nn.log_softmax`."""
    x, axis = _softmax_axis(logits, axis)
    return apply_op(LOG_SOFTMAX, [x], {"axis": axis}, name=name or "LogSoftmax")


# ---------------------------------------------------------------------------
# Losses.

def _softmax_xent_lowering(features, labels):
    log_p = jax.nn.log_softmax(features, axis=-1)
    loss = -jnp.sum(labels * log_p, axis=-1)
    return loss, jnp.exp(log_p) - labels


def _softmax_xent_rule(inputs, outs, cts):
    # TF's _SoftmaxCrossEntropyWithLogitsGrad: d/dlogits = g * (softmax - labels)
    # (the op's second output), not g * (softmax * sum(labels) - labels).
    features, labels = inputs
    # The op's own output (not the residual): TF differentiates it with this rule
    # again, so a second derivative sends nothing from `backprop` to the labels.
    _, backprop = SOFTMAX_XENT.call_raw([features, labels], None, {})
    g_loss, g_backprop = cts
    softmax_ = jax.nn.softmax(features, axis=-1)
    g = g_loss[..., None] * backprop
    g = g + (g_backprop - jnp.sum(g_backprop * softmax_, -1, keepdims=True)) * softmax_
    return g, g_loss[..., None] * -jax.nn.log_softmax(features, axis=-1)


SOFTMAX_XENT = def_op("SoftmaxCrossEntropyWithLogits", _softmax_xent_lowering,
                      "features: T, labels: T", T=FLOATING, vjp=_softmax_xent_rule)


def _move_axis_last(x, axis):
    rank = x.shape.rank
    if rank is None:
        if axis == -1:
            return x, None
        raise ValueError(f"`axis` = {axis} needs the rank of its tensor when the graph is "
                         "built (only the last axis, -1, works with an unknown rank).")
    axis %= rank
    if axis == rank - 1:
        return x, None
    perm = [i for i in range(rank) if i != axis] + [axis]
    return array_ops.transpose(x, perm), perm


@public(SOFTMAX_XENT)
def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """-sum(labels * log_softmax(logits), axis), as `tf.nn.softmax_cross_entropy_with_logits`.

    Gradients flow to both labels and logits (TF 2); d/dlogits is
    softmax - labels, TF's op output, even when labels do not sum to 1.
    float16 inputs are computed in float32 and cast back, as TF.
    """
    with op_scope(name, "softmax_cross_entropy_with_logits") as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels", dtype_hint=logits.dtype)
        if logits.shape.rank == 0:
            raise ValueError("`logits` cannot be a scalar.")
        if labels.shape.rank is not None and logits.shape.rank is not None and \
                not labels.shape.is_compatible_with(logits.shape):
            raise ValueError(f"`labels` and `logits` must have the same shape, received "
                             f"({labels.shape} vs {logits.shape}).")
        in_dtype = logits.dtype
        if in_dtype in (dtypes.float16, dtypes.bfloat16):
            logits = math_ops.cast(logits, dtypes.float32)
            labels = math_ops.cast(labels, dtypes.float32)
        axis = int(static_value(axis, "axis"))
        logits, perm = _move_axis_last(logits, axis)
        if perm is not None:
            labels = array_ops.transpose(labels, perm)
        loss, _ = apply_op(SOFTMAX_XENT, [logits, labels], name=scope or "SoftmaxCrossEntropyWithLogits")
        if in_dtype != loss.dtype:
            loss = math_ops.cast(loss, in_dtype)
        return loss


def _sparse_xent_lowering(features, labels):
    n = features.shape[-1]
    log_p = jax.nn.log_softmax(features, axis=-1)
    onehot = jax.nn.one_hot(labels, n, dtype=features.dtype)
    bad = (labels < 0) | (labels >= n)  # TF's GPU kernel gives NaN; its CPU kernel raises
    loss = jnp.where(bad, jnp.nan, -jnp.sum(onehot * log_p, axis=-1)).astype(features.dtype)
    backprop = jnp.where(bad[..., None], jnp.nan, jnp.exp(log_p) - onehot).astype(features.dtype)
    return loss, backprop


def _sparse_xent_check(features, labels):
    """TF's CPU kernel refuses labels outside [0, classes); it names the last one."""
    n = features.shape[-1]

    def message(labels):
        flat = labels.reshape(-1)
        last = flat[np.flatnonzero((flat < 0) | (flat >= n))[-1]]
        return (f"Received a label value of {last} which is outside the valid range of "
                f"[0, {n}).  Label values: {' '.join(str(v) for v in flat)}")

    return runtime_checks.Check(jnp.any((labels < 0) | (labels >= n)), message, (labels,))


SPARSE_SOFTMAX_XENT = def_op("SparseSoftmaxCrossEntropyWithLogits", _sparse_xent_lowering,
                             "features: T, labels: Tlabels", T=FLOATING,
                             Tlabels=(dtypes.int32, dtypes.int64), check=_sparse_xent_check)


@public(SPARSE_SOFTMAX_XENT)
def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """-log_softmax(logits)[label], as `tf.nn.sparse_softmax_cross_entropy_with_logits`.

    `labels` (int32/int64) has the shape of `logits` without its last axis
    (ValueError otherwise). A label outside [0, classes) raises
    InvalidArgumentError as on TF's CPU, eagerly and compiled with the run-time
    checks on (`tf.config.experimental.enable_runtime_checks`); otherwise it
    gives NaN (as TF on GPU).
    """
    with op_scope(name, "SparseSoftmaxCrossEntropyWithLogits"):
        labels = convert_to_tensor(labels, name="labels")
        logits = convert_to_tensor(logits, name="logits")
        if logits.shape.rank == 0:
            raise ValueError(f"Logits cannot be scalars - received shape {logits.shape}.")
        if labels.shape.rank is not None and logits.shape.rank is not None:
            if labels.shape.rank != logits.shape.rank - 1:
                raise ValueError(f"Rank mismatch: Rank of labels (received "
                                 f"{labels.shape.rank}) should equal rank of logits minus 1 "
                                 f"(received {logits.shape.rank}).")
            if not labels.shape.is_compatible_with(logits.shape[:-1]):
                raise ValueError(f"`labels.shape` must equal `logits.shape` except for the last "
                                 f"dimension. Received: labels.shape={labels.shape} and "
                                 f"logits.shape={logits.shape}")
        in_dtype = logits.dtype
        if in_dtype in (dtypes.float16, dtypes.bfloat16):
            logits = math_ops.cast(logits, dtypes.float32)
        loss, _ = apply_op(SPARSE_SOFTMAX_XENT, [logits, labels],
                           name="SparseSoftmaxCrossEntropyWithLogits")
        if in_dtype != loss.dtype:
            loss = math_ops.cast(loss, in_dtype)
        return loss


def _same_shape(labels, logits):
    if labels.shape.rank is not None and logits.shape.rank is not None and \
            not labels.shape.is_compatible_with(logits.shape):
        raise ValueError(f"`logits` and `labels` must have the same shape, received "
                         f"({logits.shape} vs {labels.shape}).")


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """max(x, 0) - x * z + log(1 + exp(-|x|)), as `tf.nn.sigmoid_cross_entropy_with_logits`.

    Composed from TF's ops (GreaterEqual, SelectV2, Neg, Mul, Sub, Exp,
    Log1p, AddV2), so its gradient at logits == 0 is TF's (0.5 - labels).
    """
    if labels is None or logits is None:
        raise ValueError("Both `labels` and `logits` must be provided.")
    with op_scope(name, "logistic_loss") as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels", dtype_hint=logits.dtype)
        _same_shape(labels, logits)
        zeros = array_ops.zeros_like(logits)
        cond = logits >= zeros
        relu_logits = array_ops.where(cond, logits, zeros)
        neg_abs_logits = array_ops.where(cond, -logits, logits)
        return math_ops.add(relu_logits - logits * labels,
                            math_ops.log1p(math_ops.exp(neg_abs_logits)), name=scope)


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """Sigmoid cross entropy with positives weighted by `pos_weight`, as TF.

    (1 - z) * x + (1 + (q - 1) * z) * (log1p(exp(-|x|)) + relu(-x)), composed
    from TF's ops: at x == 0 the gradient is TF's (Abs and Relu count 0 there).
    """
    with op_scope(name, "logistic_loss") as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels", dtype_hint=logits.dtype)
        _same_shape(labels, logits)
        log_weight = 1 + (pos_weight - 1) * labels
        return math_ops.add(
            (1 - labels) * logits,
            log_weight * (math_ops.log1p(math_ops.exp(-math_ops.abs(logits))) + relu(-logits)),
            name=scope)


L2_LOSS = def_op("L2Loss", lambda t: jnp.sum(t * t) / 2, "t: T", T=FLOATING)


@public(L2_LOSS)
def l2_loss(t, name=None):
    """sum(t ** 2) / 2 as a scalar, as `tf.nn.l2_loss`."""
    return apply_op(L2_LOSS, [t], name=name or "L2Loss")


# ---------------------------------------------------------------------------
# bias_add.

def _bias_add_lowering(value, bias, *, data_format):
    if data_format == "NCHW" and value.ndim >= 3:
        bias = bias.reshape((-1,) + (1,) * (value.ndim - 2))
    return value + bias


BIAS_ADD = def_op("BiasAdd", _bias_add_lowering, "value: T, bias: T", T=NUMERIC)


@public(BIAS_ADD)
def bias_add(value, bias, data_format=None, name=None):
    """Adds the 1-D `bias` along the channel axis, as `tf.nn.bias_add`.

    Channels are last unless `data_format` starts with "NC" (then axis 1).
    ValueError when bias is not 1-D or its size is not the channel count.
    """
    if data_format is not None:
        if data_format.startswith("NC"):
            data_format = "NCHW"
        elif data_format.startswith("N") and data_format.endswith("C"):
            data_format = "NHWC"
        else:
            raise ValueError("data_format must be of the form `N...C` or `NC...`")
    else:
        data_format = "NHWC"
    with op_scope(name, "BiasAdd") as scope:
        value = convert_to_tensor(value, name="input")
        bias = convert_to_tensor(bias, dtype=value.dtype, name="bias") if not isinstance(
            bias, Tensor) else bias
        if bias.shape.rank is not None and bias.shape.rank != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {bias.shape.rank} for "
                             "'{{node BiasAdd}} = BiasAdd' (argument `bias`).")
        rank = value.shape.rank
        if rank is not None and rank < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {rank} for "
                             "'{{node BiasAdd}} = BiasAdd' (argument `value`).")
        channels = value.shape[1 if data_format == "NCHW" and rank >= 3 else -1]
        if channels is not None and bias.shape[0] is not None and channels != bias.shape[0]:
            raise ValueError(f"Dimensions must be equal, but are {channels} and "
                             f"{bias.shape[0]} for '{{{{node BiasAdd}}}} = BiasAdd' with input "
                             f"shapes: {value.shape}, {bias.shape}.")
        return apply_op(BIAS_ADD, [value, bias], {"data_format": data_format},
                        name=scope or "BiasAdd")


# ---------------------------------------------------------------------------
# Convolutions.

def _get_sequence(value, n, channel_index, name):
    """TF's `_get_sequence`: an int or a list of 1, n or n + 2 ints -> n + 2 ints."""
    if value is None:
        return [1] * (n + 2)
    if isinstance(value, Tensor):
        value = static_value(value, name).tolist()
    if isinstance(value, numbers.Integral):
        value = [int(value)]
    value = [int(v) for v in value]
    if len(value) == n + 2:
        return value
    if len(value) == 1:
        value = value * n
    elif len(value) != n:
        raise ValueError(f"{name} should be of length 1, {n} or {n + 2}. Received: "
                         f"{name}={value} of length {len(value)}")
    return [1, 1] + value if channel_index == 1 else [1] + value + [1]


def _channels_first(data_format):
    return data_format is not None and data_format.startswith("NC")


def _spatial(values, data_format):
    return tuple(values[2:]) if _channels_first(data_format) else tuple(values[1:-1])


def _padding_attrs(padding, n, data_format):
    """TF's padding argument: 'SAME', 'VALID', or explicit [[lo, hi]] per dimension."""
    if isinstance(padding, str):
        padding = padding.upper()
        if padding not in ("SAME", "VALID"):
            raise ValueError(f"Value for attr 'padding' of \"{padding}\" is not in the list of "
                             "allowed values: \"SAME\", \"VALID\", \"EXPLICIT\"")
        return padding, ()
    pads = np.asarray(static_value(padding, "padding"), dtype=np.int64)
    if pads.shape != (n + 2, 2):
        raise ValueError(f"padding should be a string or a list of {n + 2} pairs, got {padding!r}")
    batch_channel = (0, 1) if _channels_first(data_format) else (0, n + 1)
    if any(pads[i].any() for i in batch_channel):
        raise ValueError("Explicit padding of the batch or depth dimensions is not supported.")
    return "EXPLICIT", tuple(int(p) for p in pads.reshape(-1))


def _lax_padding(padding, explicit_paddings, data_format):
    if padding != "EXPLICIT":
        return padding
    pairs = [tuple(explicit_paddings[i:i + 2]) for i in range(0, len(explicit_paddings), 2)]
    return _spatial(pairs, data_format)


def _dimension_numbers(data_format, n):
    spatial = "DHW"[3 - n:]
    lhs = data_format if len(data_format) == n + 2 else ("NC" + spatial if _channels_first(
        data_format) else "N" + spatial + "C")
    return lhs, spatial + "IO", lhs


def _conv(x, w, *, strides, padding, explicit_paddings, data_format, dilations):
    n = x.ndim - 2
    dn = _dimension_numbers(data_format, n)
    channels = x.shape[dn[0].index("C")]
    return lax.conv_general_dilated(
        x, w, window_strides=_spatial(strides, data_format),
        padding=_lax_padding(padding, explicit_paddings, data_format),
        rhs_dilation=_spatial(dilations, data_format), dimension_numbers=dn,
        feature_group_count=max(channels // w.shape[-2], 1) if w.shape[-2] else 1)


CONV2D = def_op("Conv2D", _conv, "input: T, filter: T",
                T=FLOATING + (dtypes.int32,))
CONV3D = def_op("Conv3D", _conv, "input: T, filter: T", T=FLOATING)


def _conv_attrs(n, strides, padding, data_format, dilations):
    channel_index = 1 if _channels_first(data_format) else n + 1
    padding, explicit = _padding_attrs(padding, n, data_format)
    strides = _get_sequence(strides, n, channel_index, "strides")
    dilations = _get_sequence(dilations, n, channel_index, "dilations")
    if strides[0] != 1 or strides[channel_index] != 1:
        raise ValueError("Current implementation does not yet support strides in the batch "
                         "and depth dimensions.")
    if dilations[0] != 1 or dilations[channel_index] != 1:
        raise ValueError("Current implementation does not yet support dilations in the batch "
                         "and depth dimensions.")
    if any(s > 1 for s in _spatial(strides, data_format)) and any(
            d > 1 for d in _spatial(dilations, data_format)):
        raise ValueError("strides > 1 not supported in conjunction with dilation_rate > 1")
    return {"strides": tuple(strides), "padding": padding, "explicit_paddings": explicit,
            "data_format": data_format, "dilations": tuple(dilations)}


def _check_rank(x, rank, what, fn):
    if x.shape.rank is not None and x.shape.rank != rank:
        raise ValueError(f"`{what}` of {fn} must be of rank {rank}, got shape {x.shape}.")


_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


def _check_format(data_format, n):
    if data_format not in _FORMATS[n]:
        raise ValueError(f"`data_format` must be one of {', '.join(_FORMATS[n])}, got "
                         f"{data_format!r}.")


@public(CONV2D)
def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):  # noqa: A002
    """2-D convolution (cross-correlation), as `tf.nn.conv2d`.

    `filters` is [height, width, in_channels / groups, out_channels];
    `padding` is "SAME", "VALID" or explicit pairs; `strides` and `dilations`
    an int or 1, 2 or 4 ints. NHWC or NCHW.
    """
    data_format = data_format or "NHWC"
    _check_format(data_format, 2)
    x = convert_to_tensor(input, name="input")
    w = convert_to_tensor(filters, name="filters", dtype_hint=x.dtype)
    _check_rank(x, 4, "input", "conv2d")
    _check_rank(w, 4, "filters", "conv2d")
    attrs = _conv_attrs(2, strides, padding, data_format, dilations)
    return apply_op(CONV2D, [x, w], attrs, name=name or "Conv2D")


@public(CONV2D)
def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):  # noqa: A002
    """1-D convolution, as `tf.nn.conv1d`: ExpandDims, a Conv2D, Squeeze (like TF).

    `filters` is [width, in_channels, out_channels]; NWC or NCW.
    """
    data_format = data_format or "NWC"
    _check_format(data_format, 1)
    with op_scope(name, "conv1d") as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_to_tensor(filters, name="filters", dtype_hint=x.dtype)
        _check_rank(x, 3, "input", "conv1d")
        _check_rank(w, 3, "filters", "conv1d")
        spatial_start = 2 if data_format == "NCW" else 1
        fmt = "NCHW" if data_format == "NCW" else "NHWC"
        stride = _get_sequence(stride, 1, 1 if fmt == "NCHW" else 2, "stride")
        dilations = _get_sequence(dilations, 1, 1 if fmt == "NCHW" else 2, "dilations")
        stride = stride[:spatial_start] + [1] + stride[spatial_start:]
        dilations = dilations[:spatial_start] + [1] + dilations[spatial_start:]
        if not isinstance(padding, str):
            pads = [list(p) for p in np.asarray(static_value(padding, "padding")).tolist()]
            padding = pads[:spatial_start] + [[0, 0]] + pads[spatial_start:]
        x = array_ops.expand_dims(x, spatial_start)
        w = array_ops.expand_dims(w, 0)
        attrs = _conv_attrs(2, stride, padding, fmt, dilations)
        out = apply_op(CONV2D, [x, w], attrs, name=scope or "Conv2D")
        return array_ops.squeeze(out, [spatial_start])


@public(CONV3D)
def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None, name=None):  # noqa: A002
    """3-D convolution, as `tf.nn.conv3d` (NDHWC or NCDHW).

    `strides` and `dilations` take an int or 1, 3 or 5 ints here (TF 2
    wants 5).
    """
    data_format = data_format or "NDHWC"
    _check_format(data_format, 3)
    x = convert_to_tensor(input, name="input")
    w = convert_to_tensor(filters, name="filters", dtype_hint=x.dtype)
    _check_rank(x, 5, "input", "conv3d")
    _check_rank(w, 5, "filters", "conv3d")
    attrs = _conv_attrs(3, strides, padding, data_format, dilations)
    return apply_op(CONV3D, [x, w], attrs, name=name or "Conv3D")


def _conv2d_backprop_input_lowering(filter, out_backprop, *, input_sizes, **conv_attrs):  # noqa: A002
    # The transpose of Conv2D with respect to its input, which is what TF computes.
    x0 = jnp.zeros(input_sizes, out_backprop.dtype)
    out, pullback = jax.vjp(lambda x: _conv(x, filter, **conv_attrs), x0)
    if out.shape != out_backprop.shape:
        raise ValueError(f"Conv2DCustomBackpropInput: Size of out_backprop doesn't match "
                         f"computed: actual = {list(out_backprop.shape)}, computed = "
                         f"{list(out.shape)}")
    return pullback(out_backprop)[0]


CONV2D_BACKPROP_INPUT = def_op("Conv2DBackpropInput", _conv2d_backprop_input_lowering,
                               "filter: T, out_backprop: T", T=FLOATING + (dtypes.int32,))


@public(CONV2D_BACKPROP_INPUT)
def conv2d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NHWC", dilations=None, name=None):
    """The transpose (gradient) of conv2d, as `tf.nn.conv2d_transpose`.

    `filters` is [height, width, output_channels, in_channels];
    `output_shape` (4 ints) must be known when the graph is built, and
    conv2d of a tensor of that shape must have `input`'s shape (ValueError).
    """
    data_format = data_format or "NHWC"
    _check_format(data_format, 2)
    with op_scope(name, "conv2d_transpose") as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_to_tensor(filters, name="filters", dtype_hint=x.dtype)
        _check_rank(x, 4, "input", "conv2d_transpose")
        _check_rank(w, 4, "filters", "conv2d_transpose")
        sizes = tuple(int(d) for d in np.asarray(static_value(output_shape, "output_shape")))
        if len(sizes) != 4:
            raise ValueError(f"output_shape must have shape (4,), got {sizes}")
        channel = sizes[1 if data_format == "NCHW" else 3]
        if w.shape[2] is not None and channel != w.shape[2]:
            raise ValueError(f"`output_shape` channel dimension ({channel}) does not match "
                             f"`filters` output channels ({w.shape[2]}).")
        attrs = _conv_attrs(2, strides, padding, data_format, dilations)
        attrs["input_sizes"] = sizes
        return apply_op(CONV2D_BACKPROP_INPUT, [w, x], attrs, name=scope or "conv2d_transpose")


def _depthwise_lowering(input, filter, **conv_attrs):  # noqa: A002
    h, w, channels, multiplier = filter.shape
    kernel = filter.reshape(h, w, 1, channels * multiplier)
    return _conv(input, kernel, **conv_attrs)


DEPTHWISE_CONV2D = def_op("DepthwiseConv2dNative", _depthwise_lowering, "input: T, filter: T",
                          T=FLOATING)


@public(DEPTHWISE_CONV2D)
def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None,  # noqa: A002
                     name=None):
    """Depthwise 2-D convolution, as `tf.nn.depthwise_conv2d`.

    `filter` is [height, width, in_channels, channel_multiplier]; output
    channel c * multiplier + m applies filter[..., c, m] to input channel c.
    `strides` takes 4 ints (TF); dilations one DepthwiseConv2dNative op
    (TF wraps it in SpaceToBatchND / BatchToSpaceND; same values).
    """
    data_format = data_format or "NHWC"
    _check_format(data_format, 2)
    with op_scope(name, "depthwise") as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_to_tensor(filter, name="filter", dtype_hint=x.dtype)
        _check_rank(x, 4, "input", "depthwise_conv2d")
        _check_rank(w, 4, "filter", "depthwise_conv2d")
        if isinstance(strides, numbers.Integral) or len(list(strides)) != 4:
            raise ValueError(f"strides must be a list of 4 ints, got {strides!r}.")
        attrs = _conv_attrs(2, list(strides), padding, data_format, dilations)
        return apply_op(DEPTHWISE_CONV2D, [x, w], attrs, name=scope or "DepthwiseConv2dNative")


# ---------------------------------------------------------------------------
# Pooling.

def _max_pool_lowering(input, *, ksize, strides, padding, data_format,  # noqa: A002
                       explicit_paddings=()):
    if padding == "EXPLICIT":
        padding = [tuple(explicit_paddings[i:i + 2]) for i in range(0, len(explicit_paddings), 2)]
    # numpy (concrete) init values, so that JAX picks its differentiable max/add windows
    init = -np.inf if jnp.issubdtype(input.dtype, jnp.floating) else jnp.iinfo(input.dtype).min
    return lax.reduce_window(input, np.array(init, input.dtype), lax.max, ksize, strides, padding)


def _avg_pool_lowering(value, *, ksize, strides, padding, data_format):
    total = lax.reduce_window(value, np.array(0, value.dtype), lax.add, ksize, strides, padding)
    if padding == "VALID":
        return total / jnp.asarray(np.prod(ksize), value.dtype)
    # TF divides by the number of inputs in the window, padding excluded; the count
    # only varies along windowed dims (static), so other dims (maybe unknown) are 1.
    ones = np.ones([1 if k == 1 and s == 1 else d for d, k, s in zip(value.shape, ksize, strides)],
                   np.float32)
    count = lax.reduce_window(ones, np.float32(0), lax.add, ksize, strides, padding)
    return total / count.astype(value.dtype)


_MAX_POOL_TYPES = REAL_NUMERIC
MAX_POOL = def_op("MaxPool", _max_pool_lowering, "input: T", T=_MAX_POOL_TYPES)
MAX_POOL_3D = def_op("MaxPool3D", _max_pool_lowering, "input: T", T=FLOATING)
AVG_POOL = def_op("AvgPool", _avg_pool_lowering, "value: T", T=FLOATING)
AVG_POOL_3D = def_op("AvgPool3D", _avg_pool_lowering, "input: T", T=FLOATING)


def _pool(opdef, x, n, ksize, strides, padding, data_format, scope):
    _check_format(data_format, n)
    explicit = ()
    if opdef is MAX_POOL and not isinstance(padding, str):
        padding, explicit = _padding_attrs(padding, n, data_format)  # TF: MaxPool only
    elif not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(f"`padding` must be 'SAME' or 'VALID' for pooling, got {padding!r}.")
    channel_index = 1 if _channels_first(data_format) else n + 1
    ksize = _get_sequence(ksize, n, channel_index, "ksize")
    strides = _get_sequence(strides, n, channel_index, "strides")
    if ksize[0] != 1 or ksize[channel_index] != 1 or strides[0] != 1 or \
            strides[channel_index] != 1:
        raise ValueError("Pooling is not yet supported on the batch or depth dimension.")
    attrs = {"ksize": tuple(ksize), "strides": tuple(strides), "padding": padding.upper(),
             "data_format": data_format}
    if explicit:
        for i, k in enumerate(ksize):
            lo, hi = explicit[2 * i:2 * i + 2]
            if lo >= k or hi >= k:
                side, pad = ("Left", lo) if lo >= k else ("Right", hi)
                raise ValueError(f"{side} padding {pad} needs to be smaller than the window "
                                 f"size {k}")
        attrs["explicit_paddings"] = explicit
    return apply_op(opdef, [x], attrs, name=scope)


def _pool1d(opdef, default_name, input, ksize, strides, padding, data_format, name):  # noqa: A002
    data_format = data_format or "NWC"
    _check_format(data_format, 1)
    with op_scope(name, default_name) as scope:
        x = convert_to_tensor(input, name="input")
        _check_rank(x, 3, "input", default_name)
        expand = 2 if data_format == "NCW" else 1
        fmt = "NCHW" if data_format == "NCW" else "NHWC"
        ch = 1 if fmt == "NCHW" else 2
        ksize = _get_sequence(ksize, 1, ch, "ksize")
        strides = _get_sequence(strides, 1, ch, "strides")
        ksize = ksize[:expand] + [1] + ksize[expand:]
        strides = strides[:expand] + [1] + strides[expand:]
        if not isinstance(padding, str):
            pads = [list(p) for p in np.asarray(static_value(padding, "padding")).tolist()]
            padding = pads[:expand] + [[0, 0]] + pads[expand:]
        x = array_ops.expand_dims(x, expand)
        out = _pool(opdef, x, 2, ksize, strides, padding, fmt, scope or opdef.type)
        return array_ops.squeeze(out, [expand])


def _pool_nd(kind, input, ksize, strides, padding, data_format, name):  # noqa: A002
    x = convert_to_tensor(input, name="input")
    rank = x.shape.rank
    if rank is None or not 3 <= rank <= 5:
        raise ValueError(f"`input.shape.rank` must be 3, 4 or 5. Received: "
                         f"input.shape={x.shape} of rank {rank}.")
    fn = {3: (max_pool1d, avg_pool1d), 4: (max_pool2d, avg_pool2d),
          5: (max_pool3d, avg_pool3d)}[rank][kind]
    if data_format is None:
        data_format = {3: "NWC", 4: "NHWC", 5: "NDHWC"}[rank]
    return fn(x, ksize, strides, padding, data_format=data_format, name=name)


def _pool_fixed_rank(opdef, n_spatial, fn_name, scope_name, op_name, input, input_name,  # noqa: A002
                     ksize, strides, padding, data_format, name):
    """The 2-D and 3-D pooling wrappers: TF's scope and op names, and a rank check."""
    with op_scope(name, scope_name) as scope:
        x = convert_to_tensor(input, name=input_name)
        _check_rank(x, n_spatial + 2, "input", fn_name)
        return _pool(opdef, x, n_spatial, ksize, strides, padding, data_format,
                     scope or op_name)


@public(MAX_POOL)
def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """1-D max pooling, as `tf.nn.max_pool1d` (ExpandDims, MaxPool, Squeeze)."""
    return _pool1d(MAX_POOL, "MaxPool1d", input, ksize, strides, padding, data_format, name)


@public(MAX_POOL)
def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """2-D max pooling, as `tf.nn.max_pool2d`; ties send the gradient to the first max, as TF."""
    return _pool_fixed_rank(MAX_POOL, 2, "max_pool2d", "MaxPool2d", "MaxPool", input, "input",
                            ksize, strides, padding, data_format or "NHWC", name)


@public(MAX_POOL_3D)
def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """3-D max pooling, as `tf.nn.max_pool3d`."""
    return _pool_fixed_rank(MAX_POOL_3D, 3, "max_pool3d", "MaxPool3D", "MaxPool3D", input,
                            "input", ksize, strides, padding, data_format or "NDHWC", name)


def max_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Max pooling over 1, 2 or 3 spatial dims (input rank 3, 4 or 5), as `tf.nn.max_pool`."""
    return _pool_nd(0, input, ksize, strides, padding, data_format, name)


@public(AVG_POOL)
def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """1-D average pooling, as `tf.nn.avg_pool1d` (ExpandDims, AvgPool, Squeeze)."""
    return _pool1d(AVG_POOL, "AvgPool1D", input, ksize, strides, padding, data_format, name)


@public(AVG_POOL)
def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """2-D average pooling, as `tf.nn.avg_pool2d`; with SAME padding each window is
    averaged over its inputs only, padding excluded, as TF."""
    return _pool_fixed_rank(AVG_POOL, 2, "avg_pool2d", "AvgPool2D", "AvgPool", input, "value",
                            ksize, strides, padding, data_format or "NHWC", name)


@public(AVG_POOL_3D)
def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """3-D average pooling, as `tf.nn.avg_pool3d`."""
    return _pool_fixed_rank(AVG_POOL_3D, 3, "avg_pool3d", "AvgPool3D", "AvgPool3D", input,
                            "input", ksize, strides, padding, data_format or "NDHWC", name)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Average pooling over 1, 2 or 3 spatial dims, as `tf.nn.avg_pool`."""
    x = convert_to_tensor(input, name="input")
    if name is None and x.shape.rank == 4:
        name = "AvgPool"  # TF's generic avg_pool names the 2-D op AvgPool, not AvgPool2D
    return _pool_nd(1, x, ksize, strides, padding, data_format, name)


# ---------------------------------------------------------------------------
# Normalization.

def moments(x, axes, shift=None, keepdims=False, name=None):
    """Mean and variance over `axes`, as `tf.nn.moments`.

    variance = mean(squared_difference(x, stop_gradient(mean))), as TF;
    float16 is computed in float32. `shift` is unused, as in TF 2.
    """
    with op_scope(name, "moments"):
        x = convert_to_tensor(x, name="x")
        y = math_ops.cast(x, dtypes.float32) if x.dtype == dtypes.float16 else x
        axes = [int(a) for a in np.asarray(static_value(axes, "axes")).reshape(-1)]
        mean = math_ops.reduce_mean(y, axes, keepdims=True, name="mean")
        variance = math_ops.reduce_mean(
            math_ops.squared_difference(y, array_ops.stop_gradient(mean)), axes,
            keepdims=True, name="variance")
        if not keepdims:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        if x.dtype == dtypes.float16:
            return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + eps) + offset, as `tf.nn.batch_normalization`.

    Computed as TF does: inv = rsqrt(variance + eps) * scale;
    x * inv + (offset - mean * inv). `offset` and `scale` may be None.
    """
    with op_scope(name, "batchnorm"):
        x = convert_to_tensor(x, name="x")
        mean, variance, offset, scale = (
            None if v is None else convert_to_tensor(v, name=n, dtype_hint=x.dtype)
            for v, n in ((mean, "mean"), (variance, "variance"), (offset, "offset"),
                         (scale, "scale")))
        inv = math_ops.rsqrt(variance + variance_epsilon)
        if scale is not None:
            inv = inv * scale
        shift = offset - mean * inv if offset is not None else -mean * inv
        return x * math_ops.cast(inv, x.dtype) + math_ops.cast(shift, x.dtype)


def _lrn_lowering(input, *, depth_radius, bias, alpha, beta):  # noqa: A002
    window = (1,) * (input.ndim - 1) + (2 * depth_radius + 1,)
    pads = ((0, 0),) * (input.ndim - 1) + ((depth_radius, depth_radius),)
    sqr_sum = lax.reduce_window(input * input, np.array(0, input.dtype), lax.add, window,
                                (1,) * input.ndim, pads)
    return input / (bias + alpha * sqr_sum) ** beta


LRN = def_op("LRN", _lrn_lowering, "input: T", T=FLOATING)


@public(LRN)
def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5,  # noqa: A002
                                 name=None):
    """x / (bias + alpha * sum of x ** 2 over +-depth_radius channels) ** beta,
    as `tf.nn.local_response_normalization` (op LRN, 4-D input).

    TF accepts float16/bfloat16/float32 only; float64 is allowed here too.
    """
    x = convert_to_tensor(input, name="input")
    _check_rank(x, 4, "input", "local_response_normalization")
    attrs = {"depth_radius": int(depth_radius), "bias": float(bias), "alpha": float(alpha),
             "beta": float(beta)}
    return apply_op(LRN, [x], attrs, name=name or "LRN")


lrn = local_response_normalization


# ---------------------------------------------------------------------------
# Dropout and embeddings (composites of other ops, as in TF).

def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zeros elements with probability `rate`, scales the rest by 1 / (1 - rate),
    as `tf.nn.dropout`.

    TF's ops: x * scale, RandomUniform of `noise_shape` (default x's shape;
    None entries take x's dims), GreaterEqual(noise, rate), SelectV2. The
    mask is seeded like every random op (see random_ops). Dims of x unknown
    when the graph is built are read from `tf.shape(x)` when it runs.
    """
    is_rate_number = isinstance(rate, numbers.Real)
    if is_rate_number and (rate < 0 or rate >= 1):
        raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). "
                         f"Received: rate={rate}")
    with op_scope(name, "dropout"):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError(f"`x.dtype` must be a floating point tensor as `x` will be scaled. "
                             f"Received: x_dtype={x.dtype}")
        if is_rate_number and rate == 0:
            return x
        if is_rate_number:
            scale = convert_to_tensor(np.asarray(1 / (1 - rate), x.dtype.as_numpy_dtype),
                                      name="Const")
            ret = math_ops.multiply(x, scale, name="Mul")
        else:
            rate = convert_to_tensor(rate, name="rate")
            if rate.shape.rank not in (0, None):
                raise ValueError(f"`rate` must be a scalar, got shape {rate.shape}")
            if rate.dtype != x.dtype:
                rate = math_ops.cast(rate, x.dtype, name="rate")
            ret = math_ops.truediv(x, 1 - rate)
        # Dims unknown when the graph is built (a [None, n] placeholder) come from
        # tf.shape(x), which is concrete when the program is traced (as TF's "Shape").
        if noise_shape is None:
            noise = (x.shape.as_list() if x.shape.is_fully_defined()
                     else array_ops.shape(x, name="Shape"))
        else:
            noise = [int(d) if d is not None else None for d in (
                noise_shape.as_list() if hasattr(noise_shape, "as_list") else
                np.asarray(static_value(noise_shape, "noise_shape"), dtype=object).tolist())]
            shape = x.shape.as_list() if x.shape.rank is not None else [None] * len(noise)
            noise = [shape[i] if d is None else d for i, d in enumerate(noise)]
            if None in noise:
                dynamic = array_ops.shape(x, name="Shape")
                noise = array_ops.stack([dynamic[i] if d is None else np.int32(d)
                                         for i, d in enumerate(noise)])
        random_tensor = random_ops.uniform(noise, seed=seed, dtype=x.dtype)
        keep_mask = random_tensor >= rate
        zero = convert_to_tensor(np.asarray(0, x.dtype.as_numpy_dtype), name="Const_1")
        return array_ops.where(keep_mask, ret, zero, name="SelectV2")


def embedding_lookup(params, ids, max_norm=None, name=None):
    """Rows of `params` picked by `ids`, as `tf.nn.embedding_lookup` (GatherV2 on axis 0).

    A list of shards is joined along axis 0 (TF 2's "div" partitioning,
    whose shards concatenate to the whole table). With `max_norm`, each
    embedding is clipped to that L2 norm, as TF.
    """
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("`params` must be a non-empty list of tensors.")
        params = params[0] if len(params) == 1 else array_ops.concat(list(params), 0)
    with op_scope(name, "embedding_lookup") as scope:
        params = convert_to_tensor(params, name="params")
        ids = convert_to_tensor(ids, name="ids")
        result = array_ops.gather(params, ids, axis=0, name=scope or "GatherV2")
        if max_norm is not None:  # TF's clip_by_norm over the embedding axes
            axes = list(range(ids.shape.rank, result.shape.rank))
            l2sum = math_ops.reduce_sum(result * result, axes, keepdims=True)
            pred = l2sum > 0
            l2norm = array_ops.where(pred, math_ops.sqrt(array_ops.where(
                pred, l2sum, array_ops.ones_like(l2sum))), l2sum)
            limit = convert_to_tensor(max_norm, dtype=result.dtype)
            result = array_ops.identity(result * limit / math_ops.maximum(l2norm, limit))
        return array_ops.identity(result, name="Identity")
