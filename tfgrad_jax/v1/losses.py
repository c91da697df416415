"""`tf.compat.v1.losses`: TF-1's weighted losses and the LOSSES collection.

Each loss computes per-element losses in float32, multiplies them by
`weights` (which must broadcast to them: a scalar, or the same rank with each
dimension 1 or equal), reduces them as `reduction` says and casts back to the
input dtype (`compute_weighted_loss`). In a graph the result is added to
`loss_collection` ("losses"), which `get_losses` and `get_total_loss` read.

The reductions, as TF: NONE keeps the weighted losses; SUM sums them; MEAN
divides the sum by the sum of the (broadcast) weights; SUM_OVER_BATCH_SIZE by
the number of elements; SUM_BY_NONZERO_WEIGHTS (the default) by the number of
elements whose weight is not 0. A division by 0 gives 0 (`divide_no_nan`).
"""

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.op_def import constant, convert_to_tensor, op_scope
from tfgrad_jax.ops import array_ops, math_ops, nn_ops
from tfgrad_jax.v1.api import either_argument

__all__ = ["Reduction", "compute_weighted_loss", "mean_squared_error", "absolute_difference",
           "log_loss", "hinge_loss", "huber_loss", "cosine_distance",
           "mean_pairwise_squared_error", "softmax_cross_entropy",
           "sparse_softmax_cross_entropy", "sigmoid_cross_entropy", "add_loss", "get_losses",
           "get_regularization_losses", "get_regularization_loss", "get_total_loss"]

LOSSES = "losses"  # tf.compat.v1.GraphKeys.LOSSES
REGULARIZATION_LOSSES = "regularization_losses"  # tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES


class Reduction:
    """How a loss is reduced to a scalar, as `tf.compat.v1.losses.Reduction`."""

    NONE = "none"
    SUM = "weighted_sum"
    MEAN = "weighted_mean"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE,
                cls.SUM_OVER_NONZERO_WEIGHTS, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}. Key should be one of {cls.all()}.")


def _check_broadcastable(weights, values):
    """TF's `assert_broadcastable`, on static shapes: a scalar, or the rank of `values`
    with every dimension 1 or equal."""
    w, v = weights.shape, values.shape
    if w.rank == 0 or w.rank is None or v.rank is None:
        return
    prefix = "weights can not be broadcast to values."
    if w.rank != v.rank:
        raise ValueError(f"{prefix} values.rank={v.rank}. weights.rank={w.rank}. "
                         f"values.shape={v}. weights.shape={w}.")
    for i, (wd, vd) in enumerate(zip(w, v)):
        if wd not in (1, None) and vd is not None and wd != vd:
            raise ValueError(f"{prefix} Mismatch at dim {i}. values.shape={v}, "
                             f"weights.shape={w}.")


def _num_present(losses, weights, weights_arg):
    """How many elements of `losses` have a non-zero weight (a float32 scalar); the
    `weights` tensor was given as `weights_arg`."""
    if _is_nonzero_scalar(weights_arg, weights):  # every element counts: TF skips the count
        return math_ops.cast(array_ops.size(losses), dtypes.float32)
    with op_scope(None, "num_present") as scope:
        present = array_ops.where(math_ops.equal(weights, 0.0), array_ops.zeros_like(weights),
                                  array_ops.ones_like(weights))
        present = math_ops.multiply(present, array_ops.ones_like(losses))
        return math_ops.reduce_sum(present, name=scope)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """`losses` * `weights`, reduced as `reduction` says, as
    `tf.compat.v1.losses.compute_weighted_loss` (see the module docstring).

    Computed in float32 and cast back to the dtype of `losses`; the result is
    added to `loss_collection` in a graph. Weights that cannot broadcast to
    the losses raise ValueError when the graph is built (TF checks statically
    where it can, else when the graph runs).
    """
    Reduction.validate(reduction)
    with op_scope(scope, "weighted_loss"):
        losses = convert_to_tensor(losses, name="losses")
        input_dtype = losses.dtype
        losses = math_ops.cast(losses, dtypes.float32)
        weights_arg = weights
        weights = math_ops.cast(convert_to_tensor(weights, name="weights"), dtypes.float32)
        _check_broadcastable(weights, losses)
        weighted = math_ops.multiply(losses, weights)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            loss = math_ops.reduce_sum(weighted)
            if reduction == Reduction.MEAN:
                denominator = math_ops.reduce_sum(
                    math_ops.multiply(array_ops.ones_like(losses), weights))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                denominator = math_ops.cast(array_ops.size(losses), dtypes.float32)
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                denominator = _num_present(losses, weights, weights_arg)
            if reduction != Reduction.SUM:
                loss = math_ops.divide_no_nan(loss, denominator, name="value")
        loss = math_ops.cast(loss, input_dtype)
        add_loss(loss, loss_collection)
        return loss


def _not_none(**arguments):
    for name, value in arguments.items():
        if value is None:
            raise ValueError(f"Argument `{name}` must not be None.")


def _float_pair(labels, predictions):
    """labels and predictions as float32 tensors of compatible shapes (ValueError)."""
    predictions = math_ops.cast(convert_to_tensor(predictions, name="predictions"),
                                dtypes.float32)
    labels = math_ops.cast(convert_to_tensor(labels, name="labels"), dtypes.float32)
    predictions.shape.assert_is_compatible_with(labels.shape)
    return labels, predictions


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """(predictions - labels)^2, weighted and reduced, as
    `tf.compat.v1.losses.mean_squared_error`."""
    _not_none(labels=labels, predictions=predictions)
    with op_scope(scope, "mean_squared_error") as name:
        labels, predictions = _float_pair(labels, predictions)
        losses = math_ops.squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, name, loss_collection, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """|predictions - labels|, weighted and reduced, as
    `tf.compat.v1.losses.absolute_difference`."""
    _not_none(labels=labels, predictions=predictions)
    with op_scope(scope, "absolute_difference") as name:
        labels, predictions = _float_pair(labels, predictions)
        losses = math_ops.abs(math_ops.subtract(predictions, labels))
        return compute_weighted_loss(losses, weights, name, loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None, loss_collection=LOSSES,
             reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """-labels * log(p + eps) - (1 - labels) * log(1 - p + eps), weighted and reduced,
    as `tf.compat.v1.losses.log_loss`."""
    _not_none(labels=labels, predictions=predictions)
    with op_scope(scope, "log_loss") as name:
        labels, predictions = _float_pair(labels, predictions)
        losses = -math_ops.multiply(labels, math_ops.log(predictions + epsilon)) - \
            math_ops.multiply(1 - labels, math_ops.log(1 - predictions + epsilon))
        return compute_weighted_loss(losses, weights, name, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """relu(1 - (2 * labels - 1) * logits) for 0/1 labels, weighted and reduced, as
    `tf.compat.v1.losses.hinge_loss`."""
    _not_none(labels=labels, logits=logits)
    with op_scope(scope, "hinge_loss") as name:
        labels, logits = _float_pair(labels, logits)
        signed = math_ops.subtract(2 * labels, 1.0)
        losses = nn_ops.relu(math_ops.subtract(1.0, math_ops.multiply(signed, logits)))
        return compute_weighted_loss(losses, weights, name, loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None, loss_collection=LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """0.5 * e^2 where |e| <= delta, else delta * (|e| - 0.5 * delta), e = predictions -
    labels; weighted and reduced, as `tf.compat.v1.losses.huber_loss`."""
    _not_none(labels=labels, predictions=predictions)
    with op_scope(scope, "huber_loss") as name:
        labels, predictions = _float_pair(labels, predictions)
        abs_error = math_ops.abs(math_ops.subtract(predictions, labels))
        quadratic = math_ops.minimum(abs_error, delta)
        linear = math_ops.subtract(abs_error, quadratic)
        losses = 0.5 * quadratic * quadratic + delta * linear
        return compute_weighted_loss(losses, weights, name, loss_collection, reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None,
                    loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
                    dim=None):
    """1 - sum(labels * predictions, axis) for unit-normalized inputs, weighted and
    reduced, as `tf.compat.v1.losses.cosine_distance` (`dim` is TF-1's `axis`)."""
    axis = either_argument("axis", axis, "dim", dim)
    if axis is None:
        raise ValueError("You must specify argument `axis`.")
    _not_none(labels=labels, predictions=predictions)
    with op_scope(scope, "cosine_distance_loss") as name:
        labels, predictions = _float_pair(labels, predictions)
        products = math_ops.multiply(labels, predictions)
        losses = 1 - math_ops.reduce_sum(products, axis=(axis,), keepdims=True)
        return compute_weighted_loss(losses, weights, name, loss_collection, reduction)


def _is_nonzero_scalar(weights, tensor):
    """TF's test for "every element counts": a non-zero Python float, or (eagerly) a
    non-zero scalar tensor."""
    if isinstance(weights, float):
        return weights != 0.0
    return (graph_mod.current_graph_or_none() is None and tensor.shape.rank == 0
            and float(tensor) != 0.0)


def mean_pairwise_squared_error(labels, predictions, weights=1.0, scope=None,
                                loss_collection=LOSSES):
    """Mean over pairs of elements of one example of ((p_i - p_j) - (l_i - l_j))^2,
    weighted per example and summed, as `tf.compat.v1.losses.mean_pairwise_squared_error`.

    With d = predictions - labels and n the example's number of elements of
    non-zero weight, each example contributes 2 * sum(d^2) / (n - 1) -
    2 * sum(d)^2 / (n * (n - 1)) (0 where a denominator is 0), times its
    weight; the loss is 0 if no element has a non-zero weight. As TF, a
    non-zero Python float weight (or, eagerly, scalar tensor) makes n the
    number of elements of the whole batch. There is no `reduction` argument.
    """
    _not_none(labels=labels, predictions=predictions)
    with op_scope(scope, "mean_pairwise_squared_error"):
        labels, predictions = _float_pair(labels, predictions)
        weights_arg = weights
        weights = math_ops.cast(convert_to_tensor(weights, name="weights"), dtypes.float32)
        _check_broadcastable(weights, labels)
        diffs = math_ops.subtract(predictions, labels)
        axis = list(range(1, diffs.shape.rank))
        if _is_nonzero_scalar(weights_arg, weights):
            # TF's quirk: then n is the number of elements of the whole batch.
            count = math_ops.cast(array_ops.size(diffs), dtypes.float32)
        else:
            present = array_ops.where(math_ops.equal(weights, 0.0),
                                      array_ops.zeros_like(weights), array_ops.ones_like(weights))
            present = math_ops.multiply(present, array_ops.ones_like(diffs))
            count = math_ops.reduce_sum(present, axis, keepdims=True, name="num_present")
        term1 = 2.0 * math_ops.divide_no_nan(
            math_ops.reduce_sum(math_ops.square(diffs), axis, keepdims=True), count - 1)
        term2 = 2.0 * math_ops.divide_no_nan(
            math_ops.square(math_ops.reduce_sum(diffs, axis, keepdims=True)),
            math_ops.multiply(count, count - 1))
        loss = math_ops.reduce_sum(math_ops.multiply(term1 - term2, weights))
        loss = array_ops.where(math_ops.reduce_sum(count) > 0, loss,
                               array_ops.zeros_like(loss), name="value")
        add_loss(loss, loss_collection)
        return loss


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """`tf.nn.sigmoid_cross_entropy_with_logits`, weighted and reduced, as
    `tf.compat.v1.losses.sigmoid_cross_entropy`. With `label_smoothing` s > 0 the
    labels become labels * (1 - s) + s / 2."""
    _not_none(multi_class_labels=multi_class_labels, logits=logits)
    with op_scope(scope, "sigmoid_cross_entropy_loss") as name:
        logits = convert_to_tensor(logits, name="logits")
        labels = math_ops.cast(convert_to_tensor(multi_class_labels, name="multi_class_labels"),
                               logits.dtype)
        logits.shape.assert_is_compatible_with(labels.shape)
        if label_smoothing > 0:
            labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
        losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits,
                                                          name="xentropy")
        return compute_weighted_loss(losses, weights, name, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Softmax cross entropy of [batch, classes] one-hot labels and logits, weighted per
    example and reduced, as `tf.compat.v1.losses.softmax_cross_entropy`.

    With `label_smoothing` s > 0 the labels become labels * (1 - s) + s / classes.
    No gradient reaches the labels, as TF.
    """
    _not_none(onehot_labels=onehot_labels, logits=logits)
    with op_scope(scope, "softmax_cross_entropy_loss") as name:
        logits = convert_to_tensor(logits, name="logits")
        labels = math_ops.cast(convert_to_tensor(onehot_labels, name="onehot_labels"),
                               logits.dtype)
        logits.shape.assert_is_compatible_with(labels.shape)
        if label_smoothing > 0:
            classes = math_ops.cast(array_ops.shape(labels)[-1], logits.dtype)
            labels = labels * (1 - label_smoothing) + label_smoothing / classes
        labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
        losses = nn_ops.softmax_cross_entropy_with_logits(labels, logits, name="xentropy")
        return compute_weighted_loss(losses, weights, name, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """`tf.nn.sparse_softmax_cross_entropy_with_logits`, weighted per example and reduced,
    as `tf.compat.v1.losses.sparse_softmax_cross_entropy`. Labels of shape
    [batch, 1] are squeezed to [batch], as TF."""
    _not_none(labels=labels, logits=logits)
    with op_scope(scope, "sparse_softmax_cross_entropy_loss") as name:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels")
        if labels.shape.rank is not None and labels.shape.rank == logits.shape.rank and \
                labels.shape[-1] == 1:
            labels = array_ops.squeeze(labels, [-1])
        losses = nn_ops.sparse_softmax_cross_entropy_with_logits(labels, logits,
                                                                 name="xentropy")
        return compute_weighted_loss(losses, weights, name, loss_collection, reduction)


# ---------------------------------------------------------------------------
# The collections.

def add_loss(loss, loss_collection=LOSSES):
    """Adds `loss` to the graph's `loss_collection`, as `tf.compat.v1.losses.add_loss`;
    nothing happens eagerly or when `loss_collection` is None, as TF."""
    graph = graph_mod.current_graph_or_none()
    if loss_collection and graph is not None:
        graph.add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=LOSSES):
    """The default graph's `loss_collection`, filtered by name prefix `scope`, as
    `tf.compat.v1.losses.get_losses`."""
    return graph_mod.get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    """The REGULARIZATION_LOSSES collection, as `tf.compat.v1.losses.get_regularization_losses`."""
    return graph_mod.get_default_graph().get_collection(REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of the regularization losses (AddN), or a constant 0.0 when there are
    none, as `tf.compat.v1.losses.get_regularization_loss`."""
    losses = get_regularization_losses(scope)
    if losses:
        return math_ops.add_n(losses, name=name)
    return constant(0.0)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum (AddN) of the losses, and of the regularization losses unless
    `add_regularization_losses` is False, as `tf.compat.v1.losses.get_total_loss`."""
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope)
    return math_ops.add_n(losses, name=name)
