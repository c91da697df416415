"""The op table's row type and its one checker.

Every declared op type has at least one `OpSpec` row (tests/test_op_table.py
fails for a declared op without one). A row says how to call the public
function, what numpy/scipy/JAX formula it must equal, which inputs to draw,
and whether to check gradients. `check_values` compares eager and
`tf.function` results with the reference; `check_gradients` compares
`tf.gradients` in float64 with `jax.vjp` of the reference and with central
finite differences.
"""

import dataclasses
from typing import Callable, Optional, Sequence

import jax
import numpy as np

import tfgrad_jax as tf


@dataclasses.dataclass
class OpSpec:
    op_type: str                      # the TF op type the row covers, e.g. "AddV2"
    fn: Callable                      # fn(*tensors) -> tensor (calls tfgrad_jax's public API)
    ref: Callable                     # ref(*numpy arrays) -> numpy array (numpy/scipy/jax.numpy)
    shapes: Sequence[Sequence[tuple]]  # input shape cases, e.g. [[(2, 3), (3,)], [(), ()]]
    dtypes: Sequence = (np.float64,)  # input dtypes to try (float64 first for gradients)
    sample: Optional[Callable] = None  # sample(rng, shape, dtype) -> array; default normal
    grad: bool = True                 # check gradients (False for non-differentiable ops)
    grad_args: Optional[Sequence[int]] = None  # which inputs to differentiate (default floats)
    out_dtype: Optional[object] = None  # expected result dtype(s): a tf dtype, "same" (the
    #                                     first input's), or a list with one per output
    eager_only: bool = False          # data-dependent output shape: runs eagerly only
    rtol: float = 1e-6
    atol: float = 1e-6
    name: str = ""

    def __post_init__(self):
        if not self.name:
            self.name = self.op_type


def default_sample(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) > 0.5
    if dtype.kind in "iu":
        return rng.integers(-5 if dtype.kind == "i" else 0, 6, size=shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


def positive(rng, shape, dtype):
    return rng.uniform(0.5, 2.0, size=shape).astype(dtype)


def unit_interval(rng, shape, dtype):
    return rng.uniform(-0.9, 0.9, size=shape).astype(dtype)


def draw(spec, rng, shapes, dtype):
    sample = spec.sample or default_sample
    return [sample(rng, s, dtype) for s in shapes]


def _as_numpy(out):
    if isinstance(out, (list, tuple)):
        return [_as_numpy(o) for o in out]
    if hasattr(out, "_as_tensor"):
        out = out._as_tensor()
    return np.asarray(out)


def check_values(spec, seed=0):
    """Eager and tf.function results equal the reference for every shape and dtype.

    Every (dtype, shapes) case is run eagerly, and all of them are built into
    one tf.function graph (each case its own ops, so each is traced, inferred
    and lowered as a graph): one XLA compile per row rather than one per case,
    which is most of the op table's time.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for dtype in spec.dtypes:
        for shapes in spec.shapes:
            args = draw(spec, rng, shapes, dtype)
            where = f"{spec.name} {dtype} {shapes}"
            expected = spec.ref(*args)
            eager = spec.fn(*[tf.constant(a) for a in args])
            _check_result(spec, eager, expected, args, where)
            cases.append((args, expected, where))
    if spec.eager_only:
        return
    counts = [len(args) for args, _, _ in cases]

    def all_cases(*flat):
        results, start = [], 0
        for n in counts:
            results.append(spec.fn(*flat[start:start + n]))
            start += n
        return results

    flat_args = [a for args, _, _ in cases for a in args]
    for got, (args, expected, where) in zip(tf.function(all_cases)(*flat_args), cases):
        _check_result(spec, got, expected, args, where + " (tf.function)")


def _check_result(spec, got, expected, args, where):
    _assert_close(spec, got, expected, where)
    if spec.out_dtype is not None:
        _assert_dtypes(spec, got, args)


def _assert_dtypes(spec, got, args):
    outs = list(got) if isinstance(got, (list, tuple)) else [got]
    want = spec.out_dtype
    if not isinstance(want, (list, tuple)):
        want = [want] * len(outs)
    want = [tf.as_dtype(args[0].dtype) if w == "same" else w for w in want]
    assert [o.dtype for o in outs] == list(want), (
        f"{spec.name}: dtypes {[o.dtype for o in outs]} != {want} for inputs "
        f"{[np.asarray(a).dtype for a in args]}")


def _assert_close(spec, got, expected, where):
    got = _as_numpy(got)
    if isinstance(expected, (list, tuple)):
        assert isinstance(got, list) and len(got) == len(expected), where
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, np.asarray(e), rtol=spec.rtol, atol=spec.atol,
                                       err_msg=where)
    else:
        np.testing.assert_allclose(got, np.asarray(expected), rtol=spec.rtol, atol=spec.atol,
                                   err_msg=where)


def _scalar_loss(out, weights):
    """sum(out * w) over all outputs, so one gradient covers every output."""
    outs = out if isinstance(out, (list, tuple)) else [out]
    return sum(tf.reduce_sum(tf.cast(o, tf.float64) * w) for o, w in zip(outs, weights))


def check_gradients(spec, seed=0, eps=1e-6):
    """tf.gradients (float64) equals jax.vjp of the reference and central differences."""
    if not spec.grad:
        return
    rng = np.random.default_rng(seed + 1)
    for shapes in spec.shapes:
        args = draw(spec, rng, shapes, np.float64)
        which = spec.grad_args if spec.grad_args is not None else [
            i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]
        ref_out = spec.ref(*args)
        ref_outs = ref_out if isinstance(ref_out, (list, tuple)) else [ref_out]
        weights = [rng.normal(size=np.shape(o)) for o in ref_outs]

        @tf.function
        def tf_grads(*xs):
            loss = _scalar_loss(spec.fn(*xs), weights)
            return tf.gradients(loss, [xs[i] for i in which])

        got = [_as_numpy(g) if g is not None else None for g in tf_grads(*args)]

        def ref_loss(*diff_args):
            full = list(args)
            for i, a in zip(which, diff_args):
                full[i] = a
            out = spec.ref(*full)
            outs = out if isinstance(out, (list, tuple)) else [out]
            return sum(jax.numpy.sum(jax.numpy.asarray(o) * w) for o, w in zip(outs, weights))

        def tf_loss(*diff_args):  # our own op, run eagerly, for finite differences
            full = [tf.constant(a) for a in args]
            for i, a in zip(which, diff_args):
                full[i] = tf.constant(a)
            return np.asarray(_scalar_loss(spec.fn(*full), weights))

        expected = jax.jit(jax.grad(ref_loss, argnums=tuple(range(len(which)))))(
            *[jax.numpy.asarray(args[i]) for i in which])
        for k, i in enumerate(which):
            where = f"{spec.name} d/d(arg {i}) shapes {shapes}"
            assert got[k] is not None, f"{where}: tf.gradients returned None"
            np.testing.assert_allclose(got[k], np.asarray(expected[k]), rtol=1e-5, atol=1e-6,
                                       err_msg=where + " vs jax.grad")
            numeric = _central_difference(tf_loss, [args[j] for j in which], k, eps)
            np.testing.assert_allclose(got[k], numeric, rtol=1e-4, atol=1e-5,
                                       err_msg=where + " vs finite differences")


def _central_difference(f, args, k, eps):
    x = np.array(args[k], dtype=np.float64)
    grad = np.zeros_like(x)
    flat = x.reshape(-1)
    for j in range(flat.size):
        plus, minus = flat.copy(), flat.copy()
        plus[j] += eps
        minus[j] -= eps
        a_plus, a_minus = list(args), list(args)
        a_plus[k] = plus.reshape(x.shape)
        a_minus[k] = minus.reshape(x.shape)
        grad.reshape(-1)[j] = (float(f(*a_plus)) - float(f(*a_minus))) / (2 * eps)
    return grad
