"""`tf.compat.v1.test`: TF-2's `tf.test` (see `tfgrad_jax.test`) with TF-1's
`compute_gradient` (graph tensors, run in the default session) and
`compute_gradient_error`, and `get_temp_dir`, which TF keeps in TF-1 only."""

import numpy as np

from tfgrad_jax import test as _test
from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework.graph import get_default_session
from tfgrad_jax.gradients import gradients
from tfgrad_jax.test import (TestCase, _check_gradient_dtype, get_temp_dir,  # noqa: F401
                             gpu_device_name, is_built_with_cuda, is_built_with_gpu_support,
                             is_built_with_rocm, is_built_with_xla, is_gpu_available, main,
                             _one_hot_rows)
from tfgrad_jax.v1.api import placeholder

__all__ = list(_test.__all__) + ["get_temp_dir", "compute_gradient_error"]


def compute_gradient(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3, init_targets=None,
                     extra_feed_dict=None):
    """Theoretical and numerical Jacobians of graph tensor `y` against `x`, as TF-1's
    `tf.compat.v1.test.compute_gradient`, run in the default session.

    `x` is a tensor (or a list of them, with a list of shapes); each is fed
    `x_init_value` (single `x` only) or else uniform random values in [0, 1)
    as TF. Returns `(theoretical, numerical)` arrays shaped (x.size, y.size)
    for one `x`, a list of such pairs for a list. Theoretical: `tf.gradients`
    with a fed one-hot `grad_ys`, one run per element of y; numerical: central
    differences with step `delta`. `init_targets` are run first,
    `extra_feed_dict` is fed to every run. Needs a default session
    (ValueError otherwise).
    """
    session = get_default_session()
    if session is None:
        raise ValueError("compute_gradient runs in the default session: call it inside "
                         "`with tf.compat.v1.Session():` (or a test's self.cached_session())")
    several = isinstance(x, (list, tuple))
    xs, shapes = (list(x), list(x_shape)) if several else ([x], [x_shape])
    if len(xs) != len(shapes):
        raise ValueError(f"Arguments `x` and `x_shape` differ in length: {len(xs)} vs "
                         f"{len(shapes)}")
    if x_init_value is not None and several:
        raise ValueError("Argument `x_init_value` is for a single `x`; got a list of x")
    for i, t in enumerate(xs):
        _check_gradient_dtype(t.dtype, i)
    _check_gradient_dtype(y.dtype, "y")
    for target in init_targets or ():
        session.run(target)
    values = []
    for t, shape in zip(xs, shapes):
        dtype = t.dtype.as_numpy_dtype
        if x_init_value is not None:
            value = np.asarray(x_init_value, dtype=dtype).reshape(shape)
        else:
            value = np.random.random_sample(shape).astype(dtype)
        values.append(value)
    feeds = dict(extra_feed_dict or {})

    def run(fetches, moved=None):
        feed = {**feeds, **dict(zip(xs, values))}
        if moved is not None:
            feed[xs[moved[0]]] = moved[1]
        return session.run(fetches, feed)

    y_shape = tuple(int(d) for d in y_shape)
    y_dtype = dtypes.as_dtype(y.dtype).as_numpy_dtype
    dy = placeholder(y.dtype, y_shape)
    grads = gradients(y, xs, grad_ys=dy)
    computed = [(i, g) for i, g in enumerate(grads) if g is not None]  # None: no path, zeros
    y_size = int(np.prod(y_shape, dtype=np.int64))
    pairs = []
    theoretical = [np.zeros((v.size, y_size), dtype=v.dtype) for v in values]
    for j, row in enumerate(_one_hot_rows(y_shape, y_dtype)):
        feeds[dy] = row
        for (i, _), grad in zip(computed, run([g for _, g in computed])):
            theoretical[i][:, j] = np.asarray(grad).ravel()
    del feeds[dy]
    for i, value in enumerate(values):
        numerical = np.zeros((value.size, y_size), dtype=value.dtype)
        for k in range(value.size):
            ends = []
            for step in (delta, -delta):
                moved = value.copy()
                moved.flat[k] += step
                ends.append(np.asarray(run(y, (i, moved))))
            numerical[k, :] = ((ends[0] - ends[1]) / (2 * delta)).ravel()
        pairs.append((theoretical[i], numerical))
    return pairs if several else pairs[0]


def compute_gradient_error(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3,
                           init_targets=None, extra_feed_dict=None):
    """The largest |theoretical - numerical| of `compute_gradient` (over every x), as TF-1's."""
    pairs = compute_gradient(x, x_shape, y, y_shape, x_init_value, delta, init_targets,
                             extra_feed_dict)
    if isinstance(pairs, tuple):
        pairs = [pairs]
    error = 0.0
    for theoretical, numerical in pairs:
        if theoretical.size:
            error = max(error, float(np.max(np.abs(theoretical.astype(np.float64)
                                                   - numerical.astype(np.float64)))))
    return error
