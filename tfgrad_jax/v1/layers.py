"""`tf.compat.v1.layers` (TF-1's `tf.layers`): the functional layers.

TF 1.x built each of these as a Keras layer object made and called once;
TF 2.21 under Keras 3 refuses them (`AttributeError: `dense` is not available
with Keras 3.`). Here each is a function that builds TF-1's ops and variables
directly, with TF-1's names, defaults and collections:

  * a layer opens the variable scope `name`, or a fresh one (`dense`,
    `dense_1`, ...) when `name` is None, and makes its weights there with
    `get_variable` (`dense/kernel:0`, `dense/bias:0`): so `reuse=True` (or a
    reusing enclosing scope) shares them, as TF-1. Its ops are named under the
    name scope the variable scope opened (`dense/MatMul`, `dense/BiasAdd`;
    a reusing call's under `dense_1/`).
  * `kernel_initializer=None` is `get_variable`'s default (the scope's
    initializer, else glorot_uniform); biases start at zeros.
  * regularizers add their losses to REGULARIZATION_LOSSES (under
    `<variable>/Regularizer/`), activity regularizers theirs divided by the
    batch size (under `ActivityRegularizer/`), as TF-1.
  * `batch_normalization` puts its moving-average updates in UPDATE_OPS.

What we do differently: only the functional forms (no `Layer` classes);
`batch_normalization` does not take `renorm`, `virtual_batch_size` or
`adjustment` (NotImplementedError); padding 'causal' is not supported.
"""

import contextlib
import numbers

import numpy as np

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework.constant_folding import constant_value
from tfgrad_jax.framework.op_def import convert_to_tensor
from tfgrad_jax.framework.scopes import name_scope
from tfgrad_jax.framework.tensor import Tensor
from tfgrad_jax.ops import array_ops, control_flow_ops, math_ops, nn_ops
from tfgrad_jax.v1 import initializers
from tfgrad_jax.v1.variable_scope import (GraphKeys, add_to_collection, get_variable,
                                          variable_scope)

__all__ = ["dense", "dropout", "flatten", "conv1d", "conv2d", "max_pooling1d", "max_pooling2d",
           "average_pooling1d", "average_pooling2d", "batch_normalization"]


# ---------------------------------------------------------------------------
# What every layer shares: its scope, its weights, its output.

@contextlib.contextmanager
def _layer_scope(name, reuse, base_name):
    """The scopes a TF-1 layer builds in, as TF-1's `Layer.__call__` opens them.

    TF-1 first opens the layer's variable scope once to fix its name (`name`,
    or `base_name` made unique), then builds inside that captured scope with
    `reuse`, its ops under the name scope the first opening made.
    """
    if reuse:
        first = variable_scope(name if name is not None else base_name)
    else:
        first = variable_scope(name, default_name=base_name)
    with first as captured:
        pass
    with variable_scope(captured, reuse=reuse, auxiliary_name_scope=False) as scope:
        with name_scope(captured.original_name_scope or None):
            yield scope


def _layer_dtype(inputs):
    # A TF-1 layer takes its dtype from its first input (float32 for non-floats).
    return inputs.dtype.base_dtype if inputs.dtype.is_floating else dtypes.float32


def _weight(name, shape, dtype, initializer, regularizer, constraint, trainable):
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                        regularizer=regularizer, constraint=constraint, trainable=trainable)


def _output(outputs, activation, activity_regularizer):
    """`activation(outputs)`; the activity regularizer's loss (per example, as TF-1)."""
    if activation is not None:
        outputs = activation(outputs)
    if activity_regularizer is not None:
        with name_scope("ActivityRegularizer"):
            loss = convert_to_tensor(activity_regularizer(outputs))
            batch = math_ops.cast(array_ops.shape(outputs)[0], loss.dtype)
            add_to_collection(GraphKeys.REGULARIZATION_LOSSES, math_ops.truediv(loss, batch))
    return outputs


def _inputs(inputs, min_rank, fn):
    inputs = convert_to_tensor(inputs, name="inputs")
    rank = inputs.shape.rank
    if rank is not None and rank < min_rank:
        raise ValueError(f"Input 0 of layer \"{fn}\" is incompatible with the layer: expected "
                         f"min_ndim={min_rank}, found ndim={rank}. Full shape received: "
                         f"{tuple(inputs.shape.as_list())}")
    return inputs


def _ints(value, n, arg):
    """An int or n ints as a tuple of n ints; ValueError naming `arg` otherwise."""
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    try:
        values = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        values = ()
    if len(values) != n:
        raise ValueError(f"The `{arg}` argument must be a tuple of {n} integers. "
                         f"Received: {value}")
    return values


def _padding(padding):
    if isinstance(padding, str) and padding.lower() in ("valid", "same"):
        return padding.upper()
    raise ValueError("The `padding` argument must be one of \"valid\", \"same\" (tfgrad_jax "
                     f"has no \"causal\" padding). Received: {padding}")


def _channels_first(data_format):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of \"channels_first\", "
                         f"\"channels_last\". Received: {data_format}")
    return data_format == "channels_first"


# ---------------------------------------------------------------------------
# dense

def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=initializers.Zeros(), kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
          trainable=True, name=None, reuse=None):
    """`activation(inputs @ kernel + bias)`, as TF-1's `tf.layers.dense`.

    `kernel` [last dim of inputs, units] and `bias` [units] are made by
    `get_variable` in the layer's scope (`dense/kernel:0`); inputs of rank
    above 2 are contracted on their last axis (TF-1's Tensordot; here an
    einsum). The last
    dim of `inputs` must be known (ValueError, TF's text). Unlike TF-1, a
    `units` that is not a positive integer raises ValueError.
    """
    inputs = _inputs(inputs, 2, "dense")
    if not isinstance(units, numbers.Integral) or isinstance(units, bool) or units <= 0:
        raise ValueError("Received an invalid value for `units`, expected a positive integer. "
                         f"Received: units={units}")
    last = inputs.shape[-1] if inputs.shape.rank is not None else None
    if last is None:
        raise ValueError("The last dimension of the inputs to a Dense layer should be defined. "
                         f"Found None. Full input shape received: {inputs.shape}")
    dtype = _layer_dtype(inputs)
    with _layer_scope(name, reuse, "dense"):
        kernel = _weight("kernel", [last, int(units)], dtype, kernel_initializer,
                         kernel_regularizer, kernel_constraint, trainable)
        bias = (_weight("bias", [int(units)], dtype, bias_initializer, bias_regularizer,
                        bias_constraint, trainable) if use_bias else None)
        x = math_ops.cast(inputs, dtype) if inputs.dtype != dtype else inputs
        if inputs.shape.rank == 2:
            outputs = math_ops.matmul(x, kernel)
        else:
            # TF-1 takes a Tensordot; an einsum contracts the last axis just the
            # same, and keeps unknown leading dims (a [None, t, n] batch).
            outputs = array_ops.einsum("...i,ij->...j", x, kernel, name="Tensordot")
        if bias is not None:
            outputs = nn_ops.bias_add(outputs, bias)
        return _output(outputs, activation, activity_regularizer)


# ---------------------------------------------------------------------------
# Convolutions

def _conv(n, fn, inputs, filters, kernel_size, strides, padding, data_format, dilation_rate,
          activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
          bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, trainable,
          name, reuse):
    inputs = _inputs(inputs, n + 2, fn)
    if inputs.shape.rank != n + 2:
        raise ValueError(f"Input 0 of layer \"{fn}\" is incompatible with the layer: expected "
                         f"ndim={n + 2}, found ndim={inputs.shape.rank}. Full shape received: "
                         f"{inputs.shape}")
    if not isinstance(filters, numbers.Integral) or filters <= 0:
        raise ValueError("Invalid value for argument `filters`. Expected a strictly positive "
                         f"value. Received filters={filters}.")
    kernel_size = _ints(kernel_size, n, "kernel_size")
    strides = _ints(strides, n, "strides")
    dilation_rate = _ints(dilation_rate, n, "dilation_rate")
    padding = _padding(padding)
    first = _channels_first(data_format)
    channels = inputs.shape[1 if first else -1]
    if channels is None:
        raise ValueError("The channel dimension of the inputs should be defined. The input_shape "
                         f"received is {inputs.shape}, where axis {1 if first else -1} (0-based) "
                         "is the channel dimension, which found to be `None`.")
    dtype = _layer_dtype(inputs)
    fmt = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW")}[n][first]
    with _layer_scope(name, reuse, fn):
        kernel = _weight("kernel", list(kernel_size) + [channels, int(filters)], dtype,
                         kernel_initializer, kernel_regularizer, kernel_constraint, trainable)
        bias = (_weight("bias", [int(filters)], dtype, bias_initializer, bias_regularizer,
                        bias_constraint, trainable) if use_bias else None)
        x = math_ops.cast(inputs, dtype) if inputs.dtype != dtype else inputs
        if n == 1:
            outputs = nn_ops.conv1d(x, kernel, strides[0], padding, data_format=fmt,
                                    dilations=dilation_rate[0], name="Conv1D")
        else:
            outputs = nn_ops.conv2d(x, kernel, list(strides), padding, data_format=fmt,
                                    dilations=list(dilation_rate), name="Conv2D")
        if bias is not None:
            outputs = nn_ops.bias_add(outputs, bias, data_format=fmt)
        return _output(outputs, activation, activity_regularizer)


def conv1d(inputs, filters, kernel_size, strides=1, padding="valid", data_format="channels_last",
           dilation_rate=1, activation=None, use_bias=True, kernel_initializer=None,
           bias_initializer=initializers.Zeros(), kernel_regularizer=None, bias_regularizer=None,
           activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
           trainable=True, name=None, reuse=None):
    """1-D convolution layer, as TF-1's `tf.layers.conv1d`: `tf.nn.conv1d` with a kernel
    [kernel_size, in_channels, filters] (`conv1d/kernel:0`), plus bias and activation.
    Padding 'valid' or 'same' (TF-1's 'causal' is not supported: ValueError)."""
    return _conv(1, "conv1d", inputs, filters, kernel_size, strides, padding, data_format,
                 dilation_rate, activation, use_bias, kernel_initializer, bias_initializer,
                 kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
                 bias_constraint, trainable, name, reuse)


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1), activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=initializers.Zeros(),
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable=True, name=None, reuse=None):
    """2-D convolution layer, as TF-1's `tf.layers.conv2d`: `tf.nn.conv2d` with a kernel
    [kh, kw, in_channels, filters] (`conv2d/kernel:0`), plus bias and activation.
    `kernel_size`, `strides`, `dilation_rate`: an int or two; padding 'valid' or 'same'
    (any case); `data_format` 'channels_last' (NHWC) or 'channels_first' (NCHW)."""
    return _conv(2, "conv2d", inputs, filters, kernel_size, strides, padding, data_format,
                 dilation_rate, activation, use_bias, kernel_initializer, bias_initializer,
                 kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
                 bias_constraint, trainable, name, reuse)


# ---------------------------------------------------------------------------
# Pooling

def _pool(n, fn, op, op_name, inputs, pool_size, strides, padding, data_format, name):
    inputs = _inputs(inputs, n + 2, fn)
    pool_size = _ints(pool_size, n, "pool_size")
    if strides is None:
        raise ValueError(f"{fn}: `strides` is required (TF-1's functional pooling layers have "
                         "no default).")
    strides = _ints(strides, n, "strides")
    padding = _padding(padding)
    fmt = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW")}[n][_channels_first(data_format)]
    with _layer_scope(name, None, fn):
        return op(inputs, list(pool_size), list(strides), padding, data_format=fmt,
                  name=op_name)


def max_pooling1d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """1-D max pooling layer, as TF-1's `tf.layers.max_pooling1d` (`tf.nn.max_pool1d`)."""
    return _pool(1, "max_pooling1d", nn_ops.max_pool1d, "MaxPool", inputs, pool_size,
                 strides, padding, data_format, name)


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """2-D max pooling layer, as TF-1's `tf.layers.max_pooling2d` (`max_pooling2d/MaxPool`).
    `pool_size`, `strides`: an int or two; padding 'valid' or 'same'."""
    return _pool(2, "max_pooling2d", nn_ops.max_pool2d, "MaxPool", inputs, pool_size,
                 strides, padding, data_format, name)


def average_pooling1d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                      name=None):
    """1-D average pooling layer, as TF-1's `tf.layers.average_pooling1d`."""
    return _pool(1, "average_pooling1d", nn_ops.avg_pool1d, "AvgPool", inputs, pool_size,
                 strides, padding, data_format, name)


def average_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                      name=None):
    """2-D average pooling layer, as TF-1's `tf.layers.average_pooling2d`
    (`average_pooling2d/AvgPool`; 'same' padding averages only the real inputs, as TF)."""
    return _pool(2, "average_pooling2d", nn_ops.avg_pool2d, "AvgPool", inputs, pool_size,
                 strides, padding, data_format, name)


# ---------------------------------------------------------------------------
# dropout, flatten

def _static_bool(training):
    """`training` as a Python bool if known when the graph is built, else None (a tensor)."""
    if isinstance(training, (bool, np.bool_)):
        return bool(training)
    if isinstance(training, Tensor) or hasattr(training, "_as_tensor"):
        value = constant_value(convert_to_tensor(training))
        return None if value is None else bool(value)
    return bool(training)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """`tf.nn.dropout(inputs, rate)` when `training`, else `inputs`, as TF-1's
    `tf.layers.dropout`.

    `training` a Python bool, or a scalar bool tensor (a placeholder) deciding
    when the graph runs: TF-1 takes a `tf.cond`, we a rate of 0 when it is
    false (the same values; the mask is still drawn). Note TF-1's `tf.layers.dropout`
    takes the drop `rate`, where `tf.compat.v1.nn.dropout` takes `keep_prob`.
    """
    inputs = convert_to_tensor(inputs, name="inputs")
    with _layer_scope(name, None, "dropout"):
        known = _static_bool(training)
        if known is False:
            return array_ops.identity(inputs)
        if known is None:
            # TF-1 takes a tf.cond between dropout and identity; a rate of 0 when not
            # training gives the same values, without branches whose unknown dims
            # (a [None, n] batch) XLA's conditional could not reconcile.
            if isinstance(rate, numbers.Real) and not 0 <= rate < 1:  # tf.nn.dropout's check
                raise ValueError("`rate` must be a scalar tensor or a float in the range "
                                 f"[0, 1). Received: rate={rate}")
            dtype = inputs.dtype.as_numpy_dtype
            rate = array_ops.where(training, math_ops.cast(rate, inputs.dtype),
                                   np.zeros((), dtype), name="rate")
        return nn_ops.dropout(inputs, rate, noise_shape=noise_shape, seed=seed)


def flatten(inputs, name=None, data_format="channels_last"):
    """`inputs` reshaped to [batch, everything else], as TF-1's `tf.layers.flatten`.

    With `data_format='channels_first'` the channels are moved last first, so
    that the order of the features is that of channels_last, as TF-1. A rank-1
    input becomes [batch, 1].
    """
    inputs = _inputs(inputs, 1, "flatten")
    first = _channels_first(data_format)
    with _layer_scope(name, None, "flatten"):
        rank = inputs.shape.rank
        if rank == 1:
            return array_ops.expand_dims(inputs, 1)
        if first and rank is not None and rank > 2:
            inputs = array_ops.transpose(inputs, [0] + list(range(2, rank)) + [1])
        rest = inputs.shape.as_list()[1:] if rank is not None else [None]
        if None not in rest:
            return array_ops.reshape(inputs, [-1, int(np.prod(rest))])
        batch = array_ops.shape(inputs)[0]
        return array_ops.reshape(inputs, array_ops.stack([batch, np.int32(-1)]))


# ---------------------------------------------------------------------------
# batch_normalization

def _fusable(rank, axes, dtype):
    # Where TF-1 runs its fused kernel, whose batch variance (used for the moving
    # variance) is unbiased; elsewhere TF-1 uses the biased one of tf.nn.moments.
    return (rank in (4, 5) and axes in ([1], [rank - 1])
            and dtype in (dtypes.float16, dtypes.bfloat16, dtypes.float32))


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=initializers.Zeros(),
                        gamma_initializer=initializers.Ones(),
                        moving_mean_initializer=initializers.Zeros(),
                        moving_variance_initializer=initializers.Ones(),
                        beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                        gamma_constraint=None, training=False, trainable=True, name=None,
                        reuse=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                        fused=None, virtual_batch_size=None, adjustment=None):
    """Batch normalization layer, as TF-1's `tf.layers.batch_normalization`.

    Variables (in the layer's scope): `gamma` (if `scale`), `beta` (if
    `center`), and the non-trainable `moving_mean` and `moving_variance`,
    shaped like the `axis` dims of `inputs`. Training (`training` True or a
    bool tensor that is true when run): normalizes with the batch's mean and
    (biased) variance over the other axes, and the update ops
    `moving -= (moving - batch) * (1 - momentum)` go to UPDATE_OPS (run them,
    e.g. with `control_dependencies(get_collection(UPDATE_OPS))`). Inference:
    normalizes with the moving averages; with `training=False` no update ops
    are made. As TF-1, the moving variance takes the unbiased batch variance
    where TF-1 uses its fused kernel (4-D/5-D float32 inputs, `axis` the
    channel axis), the biased one elsewhere; `fused=False` forces the latter.

    Not supported (NotImplementedError): `renorm`, `virtual_batch_size`,
    `adjustment`.
    """
    if renorm or virtual_batch_size is not None or adjustment is not None:
        raise NotImplementedError("batch_normalization: tfgrad_jax does not implement "
                                  "`renorm`, `virtual_batch_size` or `adjustment`.")
    inputs = _inputs(inputs, 1, "batch_normalization")
    rank = inputs.shape.rank
    if rank is None:
        raise ValueError(f"Input has undefined rank. Received: input_shape={inputs.shape}.")
    axes = sorted({a % rank if -rank <= a < rank else _bad_axis(axis, rank)
                   for a in ([axis] if isinstance(axis, numbers.Integral) else list(axis))})
    dims = [inputs.shape[a] for a in axes]
    if None in dims:
        raise ValueError(f"Axis {axis} of input tensor should have a defined dimension but the "
                         f"layer received an input with shape {inputs.shape}.")
    dtype = _layer_dtype(inputs)
    param_dtype = dtypes.float32 if dtype in (dtypes.float16, dtypes.bfloat16) else dtype
    unbiased = _fusable(rank, axes, dtype) if fused is None else bool(fused)
    if fused and not _fusable(rank, axes, dtype):
        raise ValueError("batch_normalization: `fused=True` needs a 4-D or 5-D float32 input "
                         f"normalized over its channel axis (1 or last); got shape "
                         f"{inputs.shape} and axis={axis}.")
    known = _static_bool(training)
    with _layer_scope(name, reuse, "batch_normalization"):
        def weight(name, init, regularizer=None, constraint=None, train=trainable):
            return _weight(name, dims, param_dtype, init, regularizer, constraint, train)
        gamma = weight("gamma", gamma_initializer, gamma_regularizer, gamma_constraint) \
            if scale else None
        beta = weight("beta", beta_initializer, beta_regularizer, beta_constraint) \
            if center else None
        moving_mean = weight("moving_mean", moving_mean_initializer, train=False)
        moving_variance = weight("moving_variance", moving_variance_initializer, train=False)

        x = math_ops.cast(inputs, param_dtype) if inputs.dtype != param_dtype else inputs
        reduce = [a for a in range(rank) if a not in axes]
        # Parameters broadcast against the inputs: [C] as is when `axis` is last only.
        broadcast = None if axes == [rank - 1] else [
            inputs.shape[a] if a in axes else 1 for a in range(rank)]

        def shaped(t):
            return t if t is None or broadcast is None else array_ops.reshape(t, broadcast)

        def batch_moments():
            mean, variance = nn_ops.moments(x, reduce)
            return mean, variance

        if known is False:
            mean, variance = moving_mean.value(), moving_variance.value()
        elif known is True:
            mean, variance = batch_moments()
        else:
            mean, variance = control_flow_ops.cond(
                training, batch_moments,
                lambda: (array_ops.identity(moving_mean), array_ops.identity(moving_variance)),
                name="cond")
        outputs = nn_ops.batch_normalization(x, shaped(mean), shaped(variance), shaped(beta),
                                             shaped(gamma), epsilon)
        if outputs.dtype != inputs.dtype:
            outputs = math_ops.cast(outputs, inputs.dtype)
        if known is not False:
            _add_moving_average_updates(x, moving_mean, moving_variance, mean, variance,
                                        momentum, training, known, unbiased)
        return outputs


def _bad_axis(axis, rank):
    raise ValueError(f"Invalid axis: {axis}. Input has rank {rank}.")


def _add_moving_average_updates(x, moving_mean, moving_variance, mean, variance, momentum,
                                training, known, unbiased):
    """Adds TF-1's `moving -= (moving - value) * decay` ops to UPDATE_OPS.

    `decay` is 1 - momentum, or 0 when a `training` tensor is false (then the
    values are the moving averages themselves and nothing changes), as TF-1.
    """
    dtype = moving_mean.dtype
    if unbiased:  # TF-1's fused kernel: variance * n / (n - 1), n values per channel
        n = math_ops.cast(array_ops.size(x), dtype) / math_ops.cast(array_ops.size(variance),
                                                                    dtype)
        corrected = variance * n / (n - 1)
        variance = corrected if known else control_flow_ops.cond(
            training, lambda: corrected, lambda: array_ops.identity(variance))
    decay = np.asarray(1.0 - momentum, dtype.as_numpy_dtype)
    if not known:
        decay = control_flow_ops.cond(training, lambda: convert_to_tensor(decay),
                                      lambda: convert_to_tensor(np.zeros((), decay.dtype)))
    for variable, value, scope in ((moving_mean, mean, "AssignMovingAvg"),
                                   (moving_variance, variance, "AssignMovingAvg_1")):
        with name_scope(scope):
            delta = math_ops.multiply(math_ops.subtract(variable, value), decay)
            update = variable.assign_sub(delta, read_value=False)
        add_to_collection(GraphKeys.UPDATE_OPS, update)
