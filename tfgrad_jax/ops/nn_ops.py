"""Neural-network ops (`tf.nn`): activations and softmax."""

import jax
import jax.numpy as jnp

from tfgrad_jax.framework.dtypes import FLOATING, REAL_NUMERIC
from tfgrad_jax.framework.op_def import apply_op, convert_to_tensor, def_op, public


def _relu_rule(inputs, out, g):
    (x,) = inputs
    return (jnp.where(x > 0, g, jnp.zeros_like(g)),)  # TF: 0 at x == 0


RELU = def_op("Relu", lambda features: jnp.maximum(features, 0).astype(features.dtype),
              "features: T", T=REAL_NUMERIC, vjp=_relu_rule)


@public(RELU)
def relu(features, name=None):
    """max(features, 0), as `tf.nn.relu`; TF's gradient is 0 at 0."""
    return apply_op(RELU, [features], name=name or "Relu")


def _softmax_axis(logits, axis):
    x = convert_to_tensor(logits, name="logits")
    rank = x.shape.rank
    axis = -1 if axis is None else int(axis)
    if rank is not None and not -rank <= axis < max(rank, 1):
        raise ValueError(f"`axis` {axis} is out of range for `logits` of rank {rank}.")
    return x, axis


SOFTMAX = def_op("Softmax", lambda logits, *, axis: jax.nn.softmax(logits, axis=axis),
                 "logits: T", T=FLOATING)
LOG_SOFTMAX = def_op("LogSoftmax", lambda logits, *, axis: jax.nn.log_softmax(logits, axis=axis),
                     "logits: T", T=FLOATING)


@public(SOFTMAX)
def softmax(logits, axis=None, name=None):
    """exp(logits) / sum(exp(logits), axis), as `tf.nn.softmax` (axis defaults to -1)."""
    x, axis = _softmax_axis(logits, axis)
    return apply_op(SOFTMAX, [x], {"axis": axis}, name=name or "Softmax")


@public(LOG_SOFTMAX)
def log_softmax(logits, axis=None, name=None):
    """logits - log(sum(exp(logits), axis)), as `tf.nn.log_softmax`."""
    x, axis = _softmax_axis(logits, axis)
    return apply_op(LOG_SOFTMAX, [x], {"axis": axis}, name=name or "LogSoftmax")
