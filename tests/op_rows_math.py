"""Op table rows for tf.math and the array ops (tests/test_op_table.py runs them).

One `OpSpec` per case: how to call the public function, the numpy/JAX formula
it must equal, the shapes and dtypes to draw, and whether to check gradients
(float64, against jax.grad of the formula and central differences). Index
arguments, axes and segment ids are Python constants inside `fn`: XLA needs
them static, and `tf.function` turns every positional argument into a
placeholder. Values that TF's gradient treats specially (ties, kinks, zeros)
are checked against TensorFlow's own numbers in tests/tf_gradient_cases.py.
"""

import jax
import jax.numpy as jnp
import numpy as np
import scipy.special

import tfgrad_jax as tf
from tfgrad_jax.framework.op_def import apply_op
from tfgrad_jax.ops import array_ops, math_ops
from op_spec import OpSpec, positive, unit_interval

F64, F32, I32, I64, C128 = np.float64, np.float32, np.int32, np.int64, np.complex128
BOOL = np.bool_


def R(op_type, fn, ref, shapes, **kw):
    """A row whose result has the first input's dtype unless `out_dtype` says otherwise."""
    kw.setdefault("out_dtype", "same")
    return OpSpec(op_type, fn, ref, shapes, **kw)


# Input samplers: sample(rng, shape, dtype).

def nonzero(rng, shape, dtype):
    if np.dtype(dtype).kind in "iu":
        return (rng.integers(1, 6, size=shape) * rng.choice([-1, 1], size=shape)).astype(dtype)
    return (rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape)).astype(dtype)


def above_one(rng, shape, dtype):
    return rng.uniform(1.5, 3.0, size=shape).astype(dtype)


def halves(rng, shape, dtype):
    return (rng.integers(-6, 7, size=shape) / 2).astype(dtype)


def with_specials(rng, shape, dtype):
    x = rng.normal(size=shape).astype(dtype)
    flat = x.reshape(-1)
    for i, v in zip(range(flat.size), [np.nan, np.inf, -np.inf]):
        flat[i] = v
    return x


def bools(rng, shape, dtype):
    return rng.random(shape) > 0.5


def small_ints(rng, shape, dtype):
    return rng.integers(0, 3, size=shape).astype(dtype)


def index_arg(rng, shape, dtype):
    """A float that the row casts to int32: a run-time index (0 or 1) for dynamic indexing."""
    return np.asarray(rng.integers(0, 2, size=shape), dtype)


# Few cases per row keep the table fast (each case compiles with XLA); the
# scalar and empty cases are spread over the rows.
BINARY_SHAPES = [[(2, 3), (3,)], [(), (0, 1)]]
UNARY_SHAPES = [[(2, 3)]]


def _binary(op_type, fn, ref, dtypes=(F64,), **kw):
    return R(op_type, fn, ref, BINARY_SHAPES, dtypes=dtypes, **kw)


def _unary(op_type, fn, ref, dtypes=(F64,), **kw):
    return R(op_type, fn, ref, UNARY_SHAPES, dtypes=dtypes, **kw)


def _trunc_div(x, y):
    if jnp.asarray(x).dtype.kind in "iu":
        return (np.trunc(np.asarray(x) / np.asarray(y))).astype(np.asarray(x).dtype)
    return jnp.asarray(x) / jnp.asarray(y)


def _segments(reduce, ids, n, empty):
    """Reference segment reduction by explicit loops (differentiable by jax)."""
    def ref(x):
        x = jnp.asarray(x)
        rows = []
        for s in range(n):
            members = [x[i] for i, k in enumerate(ids) if k == s]
            rows.append(reduce(jnp.stack(members)) if members else jnp.full(x.shape[1:], empty,
                                                                            x.dtype))
        return jnp.stack(rows)
    return ref


def _sum0(v):
    return jnp.sum(v, axis=0)


def _np_unique(x):
    _, first, inverse = np.unique(x, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return [x[first[order]], rank[inverse.reshape(-1)].astype(np.int32)]


def _topk_ref(k):
    def ref(x):
        x = jnp.asarray(x)
        order = jnp.argsort(-x, axis=-1, stable=True)[..., :k]
        return [jnp.take_along_axis(x, order, axis=-1), order.astype(jnp.int32)]
    return ref


def _cumulative(fn, identity, axis, exclusive, reverse):
    """The reference scans the whole axis, then shifts the *result* by one for `exclusive`
    (the lowering shifts the input instead), so the two are written independently."""
    def ref(x):
        x = jnp.moveaxis(jnp.asarray(x), axis, 0)
        if reverse:
            x = x[::-1]
        out = fn(x, axis=0)
        if exclusive:
            first = jnp.full((1,) + out.shape[1:], identity, out.dtype)
            out = jnp.concatenate([first, out[:-1]], axis=0)
        if reverse:
            out = out[::-1]
        return jnp.moveaxis(out, 0, axis)
    return ref


def _one_hot(indices, depth, on, off, axis=-1):
    hot = np.asarray(indices)[..., None] == np.arange(depth)
    return np.moveaxis(np.where(hot, on, off), -1, axis)


def _dense_scatter(shape, indices, updates, base=None, mode="add"):
    out = jnp.zeros(shape, jnp.asarray(updates).dtype) if base is None else jnp.asarray(base)
    index = tuple(np.moveaxis(np.asarray(indices), -1, 0))
    return out.at[index].add(updates) if mode == "add" else out.at[index].set(updates)


def _sequence_mask(lengths, maxlen):
    return np.arange(maxlen) < np.asarray(lengths)[..., None]


ROWS = [
    # -----------------------------------------------------------------------
    # Binary arithmetic (broadcasting, scalars, empty shapes).
    _binary("AddV2", tf.add, jnp.add, dtypes=(F64, I32)),
    _binary("Sub", tf.subtract, jnp.subtract),
    _binary("Mul", tf.multiply, jnp.multiply),
    _binary("RealDiv", tf.math.truediv, jnp.true_divide, sample=nonzero),
    R("RealDiv", tf.math.truediv, lambda x, y: np.asarray(x) / np.asarray(y), [[(2, 3), (3,)]],
      dtypes=(I32,), sample=nonzero, out_dtype=tf.float64, grad=False, name="truediv int32"),
    _binary("Div", math_ops.div, _trunc_div, dtypes=(F64, I32), sample=nonzero,
            name="div (compat.v1)"),
    _binary("FloorDiv", tf.math.floordiv, np.floor_divide, dtypes=(F64, I32), sample=nonzero,
            grad=False),
    _binary("FloorMod", tf.math.floormod, jnp.mod, dtypes=(F64, I32), sample=nonzero),
    _binary("Maximum", tf.maximum, jnp.maximum),
    _binary("Minimum", tf.minimum, jnp.minimum),
    _binary("Pow", tf.pow, jnp.power, sample=positive),
    _binary("Atan2", tf.math.atan2, jnp.arctan2, sample=nonzero),
    _binary("SquaredDifference", tf.math.squared_difference, lambda x, y: (x - y) ** 2),
    _binary("DivNoNan", tf.math.divide_no_nan, jnp.true_divide, sample=nonzero),
    R("DivNoNan", tf.math.divide_no_nan,
      lambda x, y: np.where(np.asarray(y) == 0, 0, np.asarray(x) / np.where(
          np.asarray(y) == 0, 1, y)), [[(2, 3), (3,)]], dtypes=(I32,), out_dtype=tf.float64,
      grad=False, name="divide_no_nan int32 (zeros in y)"),
    _binary("Xlogy", tf.math.xlogy, jax.scipy.special.xlogy, sample=positive),
    # -----------------------------------------------------------------------
    # Unary elementwise.
    _unary("Neg", tf.negative, jnp.negative),
    _unary("Abs", tf.abs, jnp.abs, dtypes=(F64, I32)),
    R("ComplexAbs", tf.abs, np.abs, UNARY_SHAPES, dtypes=(C128,), grad=False,
      out_dtype=tf.float64, name="abs complex"),
    _unary("Square", tf.square, jnp.square),
    _unary("Sqrt", tf.sqrt, jnp.sqrt, sample=positive),
    _unary("Rsqrt", tf.math.rsqrt, jax.lax.rsqrt, sample=positive),
    R("Exp", tf.exp, jnp.exp, [[()], [(0, 2)]], name="exp scalar and empty"),
    _unary("Expm1", tf.math.expm1, jnp.expm1),
    _unary("Log", tf.math.log, jnp.log, sample=positive),
    _unary("Log1p", tf.math.log1p, jnp.log1p, sample=positive),
    _unary("Sin", tf.sin, jnp.sin),
    _unary("Cos", tf.cos, jnp.cos),
    _unary("Tan", tf.math.tan, jnp.tan, sample=unit_interval),
    _unary("Asin", tf.math.asin, jnp.arcsin, sample=unit_interval),
    _unary("Acos", tf.math.acos, jnp.arccos, sample=unit_interval),
    _unary("Atan", tf.math.atan, jnp.arctan),
    _unary("Sinh", tf.math.sinh, jnp.sinh),
    _unary("Cosh", tf.math.cosh, jnp.cosh),
    _unary("Tanh", tf.tanh, jnp.tanh),
    _unary("Asinh", tf.math.asinh, jnp.arcsinh),
    _unary("Acosh", tf.math.acosh, jnp.arccosh, sample=above_one),
    _unary("Atanh", tf.math.atanh, jnp.arctanh, sample=unit_interval),
    _unary("Sigmoid", tf.sigmoid, jax.nn.sigmoid),
    _unary("Reciprocal", tf.math.reciprocal, jnp.reciprocal, sample=nonzero),
    _unary("Erf", tf.math.erf, jax.scipy.special.erf),
    _unary("Erfc", tf.math.erfc, jax.scipy.special.erfc),
    _unary("Lgamma", tf.math.lgamma, jax.scipy.special.gammaln, sample=positive),
    _unary("Digamma", tf.math.digamma, jax.scipy.special.digamma, sample=positive),
    _unary("Softplus", tf.math.softplus, jax.nn.softplus),
    _unary("Softsign", tf.math.softsign, lambda x: x / (1 + jnp.abs(x)), sample=nonzero),
    _unary("Sign", tf.sign, jnp.sign, dtypes=(F64, I32)),
    R("DivNoNan", tf.sign, lambda z: np.where(z == 0, 0, z / np.where(z == 0, 1, np.abs(z))),
      UNARY_SHAPES, dtypes=(C128,), grad=False, name="sign complex"),
    _unary("Floor", tf.floor, np.floor, grad=False),
    _unary("Ceil", tf.math.ceil, np.ceil, grad=False),
    _unary("Rint", tf.math.rint, np.rint, sample=halves, grad=False),
    _unary("Round", tf.round, np.round, sample=halves, grad=False),
    R("Round", tf.round, lambda x: x, UNARY_SHAPES, dtypes=(I32,), grad=False,
      name="round int32 (no op)"),
    _unary("IsNan", tf.math.is_nan, np.isnan, sample=with_specials, grad=False,
           out_dtype=tf.bool),
    _unary("IsInf", tf.math.is_inf, np.isinf, sample=with_specials, grad=False,
           out_dtype=tf.bool),
    _unary("IsFinite", tf.math.is_finite, np.isfinite, sample=with_specials, grad=False,
           out_dtype=tf.bool),
    # float32 stays float32 through the lowerings that could promote to float64.
    R("Pack", lambda x, y: tf.stack([
        f(x) for f in (tf.math.lgamma, tf.math.digamma, tf.math.erf, tf.math.softplus, tf.sign,
                       tf.round, tf.math.cumprod)] + [
        x - x + tf.math.reduce_std(x), x - x + tf.math.reduce_logsumexp(x)] + [
        f(x, y) for f in (tf.math.atan2, tf.math.divide_no_nan, tf.math.xlogy,
                          tf.math.floormod)]),
      lambda x, y: np.stack([
          scipy.special.gammaln(x), scipy.special.digamma(x), scipy.special.erf(x),
          np.logaddexp(x, 0), np.sign(x), np.round(x), np.cumprod(x),
          np.full_like(x, np.std(x)), np.full_like(x, scipy.special.logsumexp(x)),
          np.arctan2(x, y), x / y, scipy.special.xlogy(x, y), np.mod(x, y)]).astype(np.float32),
      [[(3,), (3,)]], dtypes=(F32,), sample=positive, grad=False, rtol=1e-5,
      name="float32 results stay float32"),
    # -----------------------------------------------------------------------
    # Complex numbers.
    R("Real", tf.math.real, np.real, UNARY_SHAPES, dtypes=(C128,), grad=False,
      out_dtype=tf.float64),
    R("Real", tf.math.real, lambda x: x, UNARY_SHAPES, name="real of float (no op)"),
    R("Imag", tf.math.imag, np.imag, UNARY_SHAPES, dtypes=(C128,), grad=False,
      out_dtype=tf.float64),
    R("Conj", tf.math.conj, np.conj, UNARY_SHAPES, dtypes=(C128,), grad=False),
    R("Angle", tf.math.angle, np.angle, UNARY_SHAPES, dtypes=(C128,), grad=False,
      out_dtype=tf.float64),
    R("Less", tf.math.angle, lambda x: np.where(x < 0, np.pi, 0.0), UNARY_SHAPES, grad=False,
      name="angle of float"),
    R("Complex", tf.complex, lambda x, y: x + 1j * y, BINARY_SHAPES[:1], grad=False,
      out_dtype=tf.complex128),
    # -----------------------------------------------------------------------
    # Comparisons and logic.
    *[R(t, f, r, BINARY_SHAPES[:1], dtypes=(F64, I32), grad=False, out_dtype=tf.bool)
      for t, f, r in [("Equal", tf.equal, np.equal), ("NotEqual", tf.not_equal, np.not_equal),
                      ("Less", tf.less, np.less), ("LessEqual", tf.less_equal, np.less_equal),
                      ("Greater", tf.greater, np.greater),
                      ("GreaterEqual", tf.greater_equal, np.greater_equal)]],
    R("LogicalAnd", tf.logical_and, np.logical_and, BINARY_SHAPES, dtypes=(BOOL,), grad=False),
    R("LogicalOr", tf.logical_or, np.logical_or, BINARY_SHAPES[:1], dtypes=(BOOL,), grad=False),
    R("LogicalNot", tf.logical_not, np.logical_not, UNARY_SHAPES, dtypes=(BOOL,), grad=False),
    R("LogicalAnd", tf.math.logical_xor, np.logical_xor, BINARY_SHAPES[:1], dtypes=(BOOL,),
      grad=False, name="logical_xor"),
    R("Cast", lambda x: tf.cast(x, tf.float32), lambda x: x.astype(np.float32), UNARY_SHAPES,
      dtypes=(F64, I32), grad=False, out_dtype=tf.float32),
    R("Cast", lambda x: tf.cast(x, tf.complex128), lambda x: x.astype(np.complex128),
      UNARY_SHAPES, grad=False, out_dtype=tf.complex128, name="cast to complex"),
    # -----------------------------------------------------------------------
    # Reductions.
    R("Sum", tf.reduce_sum, jnp.sum, [[(2, 3)], [(0, 3)]], dtypes=(F64, I32)),
    R("Sum", lambda x: tf.reduce_sum(x, axis=1, keepdims=True),
      lambda x: jnp.sum(x, axis=1, keepdims=True), [[(2, 3)]], dtypes=(F64, np.uint8),
      name="reduce_sum axis=1 keepdims"),
    R("Mean", lambda x: tf.reduce_mean(x, axis=[0, -1]), lambda x: jnp.mean(x, axis=(0, 2)),
      [[(2, 3, 2)]]),
    R("Mean", tf.reduce_mean, lambda x: np.trunc(np.sum(x) / max(x.size, 1)).astype(x.dtype),
      [[(2, 3)], [(0,)]], dtypes=(I32,), grad=False, name="reduce_mean int (truncates)"),
    R("Max", lambda x: tf.reduce_max(x, axis=0), lambda x: jnp.max(x, axis=0), [[(2, 3)]]),
    R("Max", lambda x: tf.reduce_max(x, axis=0), lambda x: np.full(x.shape[1:], -np.inf, x.dtype),
      [[(0, 3)]], grad=False, name="reduce_max empty (-inf)"),
    R("Min", lambda x: tf.reduce_min(x, axis=-1, keepdims=True),
      lambda x: jnp.min(x, axis=-1, keepdims=True), [[(2, 3)]]),
    R("Prod", lambda x: tf.reduce_prod(x, axis=1), lambda x: jnp.prod(x, axis=1),
      [[(2, 3)]], dtypes=(F64, I32)),
    R("All", lambda x: tf.reduce_all(x, axis=0), lambda x: np.all(x, axis=0), [[(3, 2)], [(0,)]],
      dtypes=(BOOL,), grad=False),
    R("Any", tf.reduce_any, np.any, [[(3, 2)]], dtypes=(BOOL,), grad=False),
    R("EuclideanNorm", lambda x: tf.math.reduce_euclidean_norm(x, axis=1),
      lambda x: jnp.sqrt(jnp.sum(x * x, axis=1)), [[(2, 3)]]),
    R("EuclideanNorm", lambda x: tf.math.reduce_euclidean_norm(x, axis=1, keepdims=True),
      lambda x: np.floor(np.sqrt(np.sum(x.astype(float) ** 2, 1, keepdims=True))).astype(x.dtype),
      [[(2, 3)]], dtypes=(I32,), grad=False, name="reduce_euclidean_norm int (truncated)"),
    R("StopGradient", lambda x: tf.reduce_logsumexp(x, axis=1),
      lambda x: jax.scipy.special.logsumexp(x, axis=1), [[(2, 3)]], name="reduce_logsumexp"),
    R("Mean", lambda x: tf.math.reduce_variance(x, axis=0),
      lambda x: jnp.var(x, axis=0), [[(3, 2)]], name="reduce_variance"),
    R("Sqrt", lambda x: tf.math.reduce_std(x, keepdims=True),
      lambda x: jnp.std(x, keepdims=True), [[(3, 2)]], name="reduce_std"),
    R("Real", tf.math.reduce_variance, np.var, [[(3,)]], dtypes=(C128,), grad=False,
      out_dtype=tf.float64, name="reduce_variance complex"),
    R("NotEqual", lambda x: tf.math.count_nonzero(x, axis=1),
      lambda x: np.count_nonzero(x, axis=1), [[(2, 3)]], dtypes=(I32, BOOL), grad=False,
      sample=small_ints, out_dtype=tf.int64, name="count_nonzero"),
    R("Cumsum", tf.math.cumsum, _cumulative(jnp.cumsum, 0, 0, False, False), [[(3, 2)], [(0,)]],
      dtypes=(F64, I32)),
    R("Cumsum", lambda x: tf.math.cumsum(x, axis=1, exclusive=True, reverse=True),
      _cumulative(jnp.cumsum, 0, 1, True, True), [[(2, 3)]], name="cumsum exclusive reverse"),
    R("Cumprod", lambda x: tf.math.cumprod(x, axis=-1, exclusive=True, reverse=True),
      _cumulative(jnp.cumprod, 1, 1, True, True), [[(2, 3)]], sample=nonzero,
      name="cumprod exclusive reverse"),
    R("ArgMax", lambda x: tf.math.argmax(x, axis=1), lambda x: np.argmax(x, axis=1),
      [[(2, 3)]], grad=False, out_dtype=tf.int64),
    R("ArgMin", lambda x: tf.math.argmin(x, output_type=tf.int32), lambda x: np.argmin(x, 0),
      [[(3, 2)]], grad=False, out_dtype=tf.int32),
    R("TopKV2", lambda x: tf.math.top_k(x, 2), _topk_ref(2), [[(2, 4)]],
      out_dtype=["same", tf.int32]),
    R("TopKV2", lambda x: tf.sort(x, axis=0), lambda x: jnp.sort(x, axis=0), [[(3, 2)]],
      dtypes=(F64, I32), name="sort axis=0"),
    R("TopKV2", lambda x: tf.sort(x, direction="DESCENDING"), lambda x: -jnp.sort(-x),
      [[(2, 3)]], name="sort descending"),
    R("TopKV2", tf.argsort, lambda x: np.argsort(x, kind="stable"), [[(2, 4)]],
      dtypes=(F64, np.uint8), sample=small_ints, grad=False, out_dtype=tf.int32,
      name="argsort (ties stable)"),
    R("AddN", lambda a, b, c: tf.add_n([a, b, c]), lambda a, b, c: a + b + c,
      [[(2, 3)] * 3, [()] * 3]),
    R("AddN", lambda a, b: tf.math.accumulate_n([a, b]), jnp.add, [[(2,)] * 2],
      name="accumulate_n"),
    R("Rsqrt", lambda x: tf.math.l2_normalize(x, axis=1),
      lambda x: x / jnp.sqrt(jnp.maximum(jnp.sum(x * x, axis=1, keepdims=True), 1e-12)),
      [[(2, 3)]], name="l2_normalize"),
    R("Maximum", lambda x: tf.clip_by_value(x, -0.5, 0.5), lambda x: jnp.clip(x, -0.5, 0.5),
      [[(2, 3)]], name="clip_by_value"),
    R("Maximum", lambda x: tf.clip_by_value(x, 0, 3), lambda x: np.clip(x, 0, 3), [[(2, 3)]],
      dtypes=(I32,), grad=False, name="clip_by_value int"),
    R("Maximum", lambda x, lo, hi: tf.clip_by_value(x, lo, hi),
      lambda x, lo, hi: jnp.maximum(jnp.minimum(x, hi), lo), [[(4,), (), (4,)]],
      name="clip_by_value tensor bounds"),
    R("Select", lambda x: tf.clip_by_norm(x, 1.0, axes=[1]),
      lambda x: x * 1.0 / jnp.maximum(jnp.linalg.norm(x, axis=1, keepdims=True), 1.0),
      [[(2, 3)]], name="clip_by_norm"),
    R("L2Loss", lambda a, b: tf.clip_by_global_norm([a, b], 1.5)[0],
      lambda a, b: [v * 1.5 / jnp.maximum(jnp.sqrt(jnp.sum(a * a) + jnp.sum(b * b)), 1.5)
                    for v in (a, b)], [[(2, 2), (3,)]], name="clip_by_global_norm"),
    # -----------------------------------------------------------------------
    # Segment reductions (ids are constants: the segment count must be static).
    R("SegmentSum", lambda x: tf.math.segment_sum(x, [0, 0, 1, 3]),
      _segments(_sum0, [0, 0, 1, 3], 4, 0), [[(4, 2)]], dtypes=(F64, I32)),
    R("SegmentMean", lambda x: tf.math.segment_mean(x, [0, 0, 2]),
      _segments(lambda v: jnp.mean(v, axis=0), [0, 0, 2], 3, 0), [[(3, 2)]]),
    R("SegmentMax", lambda x: tf.math.segment_max(x, [0, 1, 1, 3]),
      _segments(lambda v: jnp.max(v, axis=0), [0, 1, 1, 3], 4, 0), [[(4, 2)]]),
    R("SegmentMin", lambda x: tf.math.segment_min(x, [0, 0, 2]),
      _segments(lambda v: jnp.min(v, axis=0), [0, 0, 2], 3, 0), [[(3,)]]),
    R("SegmentProd", lambda x: tf.math.segment_prod(x, [0, 0, 1, 1]),
      _segments(lambda v: jnp.prod(v, axis=0), [0, 0, 1, 1], 2, 1), [[(4, 2)]],
      sample=nonzero),
    R("UnsortedSegmentSum", lambda x: tf.math.unsorted_segment_sum(x, [2, 0, -1, 2], 4),
      _segments(_sum0, [2, 0, -1, 2], 4, 0), [[(4, 3)]]),
    R("UnsortedSegmentSum", lambda x: tf.math.unsorted_segment_sum(x, [[0, 1], [1, 1]], 2),
      lambda x: jnp.stack([x[0, 0], x[0, 1] + x[1, 0] + x[1, 1]]), [[(2, 2)]],
      name="unsorted_segment_sum 2-D ids"),
    R("UnsortedSegmentMax", lambda x: tf.math.unsorted_segment_max(x, [2, 0, 2, 1], 3),
      _segments(lambda v: jnp.max(v, axis=0), [2, 0, 2, 1], 3, 0), [[(4, 2)]]),
    R("UnsortedSegmentMax", lambda x: tf.math.unsorted_segment_max(x, [1, 1], 3),
      lambda x: np.array([np.finfo(x.dtype).min, x.max(), np.finfo(x.dtype).min], x.dtype),
      [[(2,)]], dtypes=(F64, F32), grad=False, name="unsorted_segment_max empty: lowest"),
    R("UnsortedSegmentMin", lambda x: tf.math.unsorted_segment_min(x, [1, 0, 1, 2], 4),
      _segments(lambda v: jnp.min(v, axis=0), [1, 0, 1, 2], 4, np.iinfo(np.int32).max),
      [[(4,)]], dtypes=(I32,), grad=False, name="unsorted_segment_min int (empty: highest)"),
    R("UnsortedSegmentMin", lambda x: tf.math.unsorted_segment_min(x, [1, 0, 1], 2),
      _segments(lambda v: jnp.min(v, axis=0), [1, 0, 1], 2, 0), [[(3,)]]),
    R("UnsortedSegmentProd", lambda x: tf.math.unsorted_segment_prod(x, [1, 0, 1, 1], 3),
      _segments(lambda v: jnp.prod(v, axis=0), [1, 0, 1, 1], 3, 1), [[(4,)]], sample=nonzero),
    R("DenseBincount", lambda w: tf.math.bincount([1, 1, 3, 0], weights=w),
      lambda w: np.array([w[3], w[0] + w[1], 0, w[2]]), [[(4,)]], dtypes=(F64, F32),
      grad=False, name="bincount weights"),
    R("DenseBincount", lambda x: tf.math.bincount(x, minlength=6, maxlength=6),
      lambda x: np.bincount(x, minlength=6)[:6].astype(np.int32), [[(5,)], [(0,)]],
      dtypes=(I32,), sample=small_ints, grad=False, name="bincount min/maxlength (graph-safe)"),
    R("DenseBincount", lambda x: tf.math.bincount(x, axis=-1, binary_output=True, minlength=3,
                                                  maxlength=3),
      lambda x: np.stack([np.bincount(r, minlength=3)[:3] > 0 for r in x]).astype(np.int32),
      [[(2, 4)]], dtypes=(I32,), sample=small_ints, grad=False,
      name="bincount axis=-1 binary_output"),
    R("Unique", tf.unique, _np_unique, [[(6,)], [(9,)]], dtypes=(I32, F64), sample=small_ints,
      grad=False, out_dtype=["same", tf.int32]),
    # -----------------------------------------------------------------------
    # Creation, identity, shapes.
    R("Identity", tf.identity, lambda x: x, UNARY_SHAPES),
    R("IdentityN", lambda a, b: tf.identity_n([a, tf.cast(b, tf.int32)]),
      lambda a, b: [a, b.astype(np.int32)], [[(2,), (3,)]], out_dtype=["same", tf.int32],
      grad_args=[0]),
    R("StopGradient", tf.stop_gradient, lambda x: x, UNARY_SHAPES, grad=False),
    R("CheckNumerics", lambda x: tf.debugging.check_numerics(x, "x"), lambda x: x,
      [[(2, 3)]]),  # failing checks: tests/test_debugging.py
    R("Fill", lambda v: tf.fill([2, 3], v), lambda v: jnp.full((2, 3), v), [[()]]),
    R("FillLike", lambda x: apply_op(array_ops.FILL_LIKE, [x], {"fill_value": 1,
                                                               "dtype": tf.float32}),
      lambda x: np.ones(x.shape, np.float32), [[(2, 3)]], grad=False, out_dtype=tf.float32,
      name="ones_like of a dynamic shape (FillLike)"),
    R("Range", lambda: tf.range(1, 7, 2), lambda: np.arange(1, 7, 2, dtype=np.int32), [[]],
      grad=False, out_dtype=tf.int32),
    R("Range", lambda: tf.range(0.5, 2.0, 0.5), lambda: np.arange(0.5, 2.0, 0.5,
                                                               dtype=np.float32), [[]],
      grad=False, out_dtype=tf.float32, name="range float"),
    R("Shape", lambda x: apply_op(array_ops.SHAPE, [x], {"out_type": tf.int32}),
      lambda x: np.array(x.shape, np.int32), [[(2, 3)]], grad=False, out_dtype=tf.int32),
    R("Shape", lambda x: tf.shape(x, out_type=tf.int64), lambda x: np.array(x.shape, np.int64),
      [[(2, 0)]], grad=False, out_dtype=tf.int64, name="shape (folded)"),
    R("Size", lambda x: apply_op(array_ops.SIZE, [x], {"out_type": tf.int64}),
      lambda x: np.int64(x.size), [[(2, 3)]], grad=False, out_dtype=tf.int64),
    R("Rank", lambda x: apply_op(array_ops.RANK, [x]), lambda x: np.int32(x.ndim),
      [[()]], grad=False, out_dtype=tf.int32),
    R("MatrixDiagV3", lambda: tf.eye(2, 3, batch_shape=[2], dtype=tf.int32),
      lambda: np.broadcast_to(np.eye(2, 3, dtype=np.int32), (2, 2, 3)), [[]], grad=False,
      out_dtype=tf.int32, name="eye"),
    R("Const", lambda: tf.zeros([2, 0], tf.int64), lambda: np.zeros([2, 0], np.int64), [[]],
      grad=False, out_dtype=tf.int64, name="zeros"),
    R("Const", lambda: tf.ones([3], tf.bool), lambda: np.ones([3], bool), [[]], grad=False,
      out_dtype=tf.bool, name="ones"),
    # -----------------------------------------------------------------------
    # Reshaping and joining.
    R("Reshape", lambda x: tf.reshape(x, [3, -1]), lambda x: jnp.reshape(x, (3, -1)),
      [[(2, 3)], [(0, 3)]]),
    R("Transpose", lambda x: tf.transpose(x, [1, 2, 0]), lambda x: jnp.transpose(x, (1, 2, 0)),
      [[(2, 3, 1)]]),
    R("Transpose", tf.transpose, jnp.transpose, [[(2, 3)]], name="transpose default"),
    R("ExpandDims", lambda x: tf.expand_dims(x, -1), lambda x: jnp.expand_dims(x, -1),
      [[(2, 3)], [()]]),
    R("Squeeze", lambda x: tf.squeeze(x, [0]), lambda x: jnp.squeeze(x, 0), [[(1, 3, 1)]]),
    R("Squeeze", tf.squeeze, jnp.squeeze, [[(1, 3, 1)]], name="squeeze all"),
    R("ConcatV2", lambda a, b: tf.concat([a, b], -1), lambda a, b: jnp.concatenate([a, b], -1),
      [[(2, 3), (2, 1)], [(2, 0), (2, 2)]]),
    R("Pack", lambda a, b: tf.stack([a, b], axis=1), lambda a, b: jnp.stack([a, b], 1),
      [[(2, 3), (2, 3)]]),
    R("Pack", lambda a, b: tf.stack([a, b]), lambda a, b: jnp.stack([a, b]), [[(), ()]],
      dtypes=(I32,), name="stack scalars"),
    R("Unpack", lambda x: tf.unstack(x, axis=-1), lambda x: list(jnp.moveaxis(x, -1, 0)),
      [[(2, 3)]]),
    R("Split", lambda x: tf.split(x, 3, axis=1), lambda x: jnp.split(x, 3, axis=1),
      [[(2, 6)], [(0, 3)]]),
    R("SplitV", lambda x: tf.split(x, [2, -1, 1]), lambda x: jnp.split(x, [2, 5]),
      [[(6, 2)]]),
    R("Tile", lambda x: tf.tile(x, [2, 1, 3]), lambda x: jnp.tile(x, (2, 1, 3)),
      [[(1, 2, 2)]]),
    R("GatherV2", lambda x: tf.repeat(x, [1, 0, 2], axis=1),
      lambda x: jnp.repeat(x, np.array([1, 0, 2]), axis=1), [[(2, 3)]], name="repeat"),
    R("GatherV2", lambda x: tf.repeat(x, 2), lambda x: jnp.repeat(x.reshape(-1), 2),
      [[(2, 2)]], name="repeat flattened"),
    R("BroadcastTo", lambda x: tf.broadcast_to(x, [2, 3, 4]),
      lambda x: jnp.broadcast_to(x, (2, 3, 4)), [[(3, 1)], [()]]),
    R("ReverseV2", lambda x: tf.reverse(x, [0, -1]), lambda x: jnp.flip(x, (0, 2)),
      [[(2, 3, 2)]]),
    R("Roll", lambda x: tf.roll(x, [1, -1], [0, 1]), lambda x: jnp.roll(x, (1, -1), (0, 1)),
      [[(3, 4)]]),
    R("Roll", lambda x, s: tf.roll(x, tf.cast(s, tf.int32), 0),
      lambda x, s: jnp.roll(x, int(s), 0), [[(4, 2), ()]], sample=index_arg, grad_args=[0],
      name="roll by a run-time shift"),
    R("Pad", lambda x: tf.pad(x, [[1, 2], [0, 1]]), lambda x: jnp.pad(x, ((1, 2), (0, 1))),
      [[(2, 3)]]),
    R("PadV2", lambda x, c: tf.pad(x, [[1, 0], [2, 2]], constant_values=c),
      lambda x, c: jnp.pad(x, ((1, 0), (2, 2)), constant_values=c), [[(2, 3), ()]],
      grad_args=[0]),
    R("MirrorPad", lambda x: tf.pad(x, [[2, 1], [1, 1]], "REFLECT"),
      lambda x: jnp.pad(x, ((2, 1), (1, 1)), mode="reflect"), [[(3, 3)]]),
    R("MirrorPad", lambda x: tf.pad(x, [[3, 1]], "symmetric"),
      lambda x: jnp.pad(x, ((3, 1),), mode="symmetric"), [[(3,)]], name="pad symmetric"),
    # -----------------------------------------------------------------------
    # Slicing.
    R("Slice", lambda x: tf.slice(x, [1, 0], [-1, 2]), lambda x: x[1:, 0:2], [[(3, 3)]]),
    R("Slice", lambda x, b: tf.slice(x, tf.cast(tf.stack([b, b]), tf.int32), [2, 1]),
      lambda x, b: x[int(b):int(b) + 2, int(b):int(b) + 1], [[(3, 3), ()]], sample=index_arg,
      grad_args=[0], name="slice at a run-time begin"),
    R("StridedSlice", lambda x: x[::-1, tf.newaxis, 1:], lambda x: x[::-1, None, 1:],
      [[(3, 4)], [(0, 2)]], name="getitem negative stride, newaxis"),
    R("StridedSlice", lambda x: x[..., 1], lambda x: x[..., 1], [[(2, 3, 2)]], dtypes=(I32,),
      name="getitem ellipsis"),
    R("StridedSlice", lambda x, i: x[tf.cast(i, tf.int32), 1:],
      lambda x, i: x[int(i), 1:], [[(3, 4), ()]], sample=index_arg, grad_args=[0],
      name="getitem with a run-time scalar tensor index"),
    R("StridedSlice", lambda x: x[[1, -1]], lambda x: x[1, -1], [[(2, 3)]],
      name="getitem list (read as a tuple, as TF)"),
    R("GatherV2", lambda x: x[np.array([True, False, True])], lambda x: x[np.array([0, 2])],
      [[(3, 2)]], name="getitem bool mask (boolean_mask)"),
    R("StridedSlice", lambda x: tf.strided_slice(x, [0, 1], [3, 4], [2, 1], end_mask=2),
      lambda x: x[0:3:2, 1:], [[(3, 4)]], name="strided_slice masks"),
    # -----------------------------------------------------------------------
    # Gathering and scattering.
    R("GatherV2", lambda x: tf.gather(x, [2, 0, 2]), lambda x: x[np.array([2, 0, 2])],
      [[(3, 2)]]),
    R("GatherV2", lambda x: tf.gather(x, [[1, 0], [2, 2]], axis=1),
      lambda x: jnp.take(x, np.array([[1, 0], [2, 2]]), axis=1), [[(2, 3)]],
      name="gather axis=1"),
    R("GatherV2", lambda x: tf.gather(x, [[2, 0], [1, 1]], axis=1, batch_dims=1),
      lambda x: jnp.take_along_axis(x, np.array([[2, 0], [1, 1]]), axis=1), [[(2, 3)]],
      name="gather batch_dims=1"),
    R("GatherV2", lambda x, i: tf.gather(x, tf.cast(i, tf.int32)),
      lambda x, i: x[np.asarray(i).astype(int)], [[(3, 2), (2,)]], sample=index_arg,
      grad_args=[0], name="gather run-time indices"),
    R("GatherNd", lambda x: tf.gather_nd(x, [[0, 1], [2, 0]]),
      lambda x: x[np.array([0, 2]), np.array([1, 0])], [[(3, 2, 2)]]),
    R("GatherNd", lambda x: tf.gather_nd(x, [[1], [0]], batch_dims=1),
      lambda x: x[np.arange(2), np.array([1, 0])], [[(2, 3)]], name="gather_nd batch_dims=1"),
    R("ScatterNd", lambda u: tf.scatter_nd([[0], [2], [0]], u, [4, 2]),
      lambda u: _dense_scatter((4, 2), [[0], [2], [0]], u), [[(3, 2)]]),
    R("TensorScatterUpdate", lambda t, u: tf.tensor_scatter_nd_update(t, [[0, 1], [2, 0]], u),
      lambda t, u: _dense_scatter(None, [[0, 1], [2, 0]], u, base=t, mode="set"),
      [[(3, 2), (2,)]]),
    R("TensorScatterAdd", lambda t, u: tf.tensor_scatter_nd_add(t, [[1], [1]], u),
      lambda t, u: _dense_scatter(None, [[1], [1]], u, base=t), [[(3, 2), (2, 2)]]),
    R("TensorScatterSub", lambda t, u: tf.tensor_scatter_nd_sub(t, [[2]], u),
      lambda t, u: _dense_scatter(None, [[2]], -u, base=t), [[(3,), (1,)]]),
    R("OneHot", lambda on, off: tf.one_hot([[0, 2], [-1, 5]], 3, on, off, axis=1),
      lambda on, off: _one_hot([[0, 2], [-1, 5]], 3, on, off, axis=1), [[(), ()]],
      dtypes=(F64, I32), grad=False),
    R("OneHot", lambda: tf.one_hot([1, 0], 2), lambda: np.eye(2, dtype=np.float32)[[1, 0]],
      [[]], grad=False, out_dtype=tf.float32, name="one_hot defaults"),
    # -----------------------------------------------------------------------
    # where, masks, ranges, grids, einsum, matmul.
    R("SelectV2", lambda a, b: tf.where([[True], [False]], a, b),
      lambda a, b: jnp.where(np.array([[True], [False]]), a, b), [[(2, 3), (3,)], [(2, 1), ()]]),
    R("Where", lambda x: tf.where(x > 0), lambda x: np.argwhere(x > 0), [[(2, 3)], [(7,)]],
      grad=False, out_dtype=tf.int64),
    R("DynamicPartition", lambda x: tf.dynamic_partition(
        x, tf.cast(x > 0, tf.int32) + tf.cast(x > 1, tf.int32), 3),
      lambda x: [x[((x > 0).astype(int) + (x > 1)) == i] for i in range(3)],
      [[(7,)], [(4, 2)]], grad=False, out_dtype=["same"] * 3),
    R("Select", lambda a, b: array_ops.where_v1([True, False], a, b),
      lambda a, b: jnp.where(np.array([True, False])[:, None], a, b), [[(2, 3), (2, 3)]]),
    R("GatherV2", lambda x: tf.boolean_mask(x, [[True, False, True], [False, False, True]]),
      lambda x: x[np.array([[True, False, True], [False, False, True]])], [[(2, 3, 2)]],
      name="boolean_mask"),
    R("GatherV2", lambda x: tf.boolean_mask(x, [False, True], axis=1),
      lambda x: x[:, np.array([False, True])], [[(3, 2)]], dtypes=(I32,),
      name="boolean_mask axis=1"),
    R("Less", lambda: tf.sequence_mask([[1, 3], [0, 2]], 4),
      lambda: _sequence_mask([[1, 3], [0, 2]], 4), [[]], grad=False, out_dtype=tf.bool,
      name="sequence_mask"),
    R("Less", lambda: tf.sequence_mask([2, 0, 1], dtype=tf.float32),
      lambda: _sequence_mask([2, 0, 1], 2).astype(np.float32), [[]], grad=False,
      out_dtype=tf.float32, name="sequence_mask default maxlen"),
    R("LinSpace", lambda a, b: tf.linspace(a, b, 5), lambda a, b: jnp.linspace(a, b, 5),
      [[(), ()]], dtypes=(F64, F32)),
    R("LinSpace", lambda a, b: tf.linspace(a, b, 3, axis=-1),
      lambda a, b: jnp.linspace(a, b, 3, axis=-1), [[(2,), ()]], name="linspace N-D axis=-1"),
    R("LinSpace", lambda a, b: tf.linspace(a, b, 4), lambda a, b: np.linspace(a, b, 4),
      [[(), ()]], dtypes=(I32,), grad=False, out_dtype=tf.float64, name="linspace int"),
    R("Mul", lambda a, b: tf.meshgrid(a, b), lambda a, b: list(jnp.meshgrid(a, b)),
      [[(2,), (3,)]], name="meshgrid"),
    R("Mul", lambda a, b, c: tf.meshgrid(a, b, c, indexing="ij"),
      lambda a, b, c: list(jnp.meshgrid(a, b, c, indexing="ij")), [[(2,), (1,), (3,)]],
      dtypes=(I32,), grad=False, name="meshgrid ij"),
    R("Einsum", lambda a, b: tf.einsum("ij,jk->ik", a, b), lambda a, b: a @ b,
      [[(2, 3), (3, 2)]]),
    R("Einsum", lambda a: tf.einsum("bii->b", a), lambda a: jnp.einsum("bii->b", a),
      [[(2, 3, 3)]], name="einsum trace"),
    R("MatMul", tf.matmul, jnp.matmul, [[(2, 3), (3, 4)], [(0, 2), (2, 1)]]),
    R("MatMul", lambda a, b: tf.matmul(a, b, transpose_a=True), lambda a, b: a.T @ b,
      [[(3, 2), (3, 4)]], dtypes=(F32,), name="matmul transpose_a"),
    R("BatchMatMulV2", tf.matmul, jnp.matmul, [[(2, 2, 3), (3, 2)]]),
]


# ---------------------------------------------------------------------------
# The last ops of issue #10 (tests/test_last_ops.py checks what a row cannot: TF's
# numbers at zeros, -inf and ties, strings, errors).

def _segment_sqrt_n(v):
    return jnp.sum(v, axis=0) / jnp.sqrt(v.shape[0])


def _in_top_k_ref(targets, k):
    def ref(p):
        target = p[np.arange(len(targets)), targets][:, None]
        return np.sum(p > target, axis=1) < k
    return ref


def _saturating(rng, shape, dtype):
    return rng.integers(-300, 300, size=shape).astype(dtype)


ROWS += [
    _binary("Xdivy", tf.math.xdivy, lambda x, y: jnp.where(x != 0, x / y, 0), sample=nonzero),
    _binary("Xlog1py", tf.math.xlog1py, jax.scipy.special.xlog1py, sample=positive),
    _binary("TruncateDiv", tf.truncatediv,
            lambda x, y: np.trunc(np.asarray(x) / np.asarray(y)).astype(np.asarray(x).dtype),
            dtypes=(F64, I32), sample=nonzero, grad=False),
    R("CumulativeLogsumexp", lambda x: tf.math.cumulative_logsumexp(x, axis=1, reverse=True),
      _cumulative(lambda x, axis: jnp.log(jnp.cumsum(jnp.exp(x), axis=axis)), 0, 1, False, True),
      [[(2, 3)], [(2, 0)]], dtypes=(F64, F32), rtol=1e-5),  # exclusive (-inf): test_last_ops
    R("InTopKV2", lambda p: tf.math.in_top_k([1, 0, 3], p, 2), _in_top_k_ref([1, 0, 3], 2),
      [[(3, 4)]], dtypes=(F32,), sample=small_ints, grad=False, out_dtype=tf.bool,
      name="in_top_k (ties: small ints)"),
    R("InTopKV2", lambda p: tf.nn.in_top_k(np.array([2, 2], np.int64), p, 1),
      _in_top_k_ref([2, 2], 1), [[(2, 3)]], dtypes=(F32,), grad=False, out_dtype=tf.bool,
      name="nn.in_top_k int64 targets"),
    R("Softplus", tf.math.log_sigmoid, jax.nn.log_sigmoid, UNARY_SHAPES, dtypes=(F64, F32),
      rtol=1e-5, name="log_sigmoid"),
    R("LogSoftmax", lambda x: tf.math.log_softmax(x, axis=0),
      lambda x: jax.nn.log_softmax(x, axis=0), UNARY_SHAPES, name="math.log_softmax"),
    R("UnsortedSegmentSum", lambda x: tf.math.unsorted_segment_mean(x, [2, 0, -1, 2], 4),
      _segments(lambda v: jnp.mean(v, axis=0), [2, 0, -1, 2], 4, 0), [[(4, 3)]],
      name="unsorted_segment_mean"),
    R("UnsortedSegmentSum", lambda x: tf.math.unsorted_segment_mean(x, [1, 1, 0], 3),
      lambda x: np.array([x[2], (x[0] + x[1]) / 2, 0]), [[(3,)]], dtypes=(I32,), grad=False,
      out_dtype=tf.float64, name="unsorted_segment_mean int32 (float64, as TF)"),
    R("UnsortedSegmentSum", lambda x: tf.math.unsorted_segment_sqrt_n(x, [[0, 1], [1, 1]], 3),
      lambda x: _segments(_segment_sqrt_n, [0, 1, 1, 1], 3, 0)(jnp.reshape(x, (4, 2))),
      [[(2, 2, 2)]],
      name="unsorted_segment_sqrt_n 2-D ids"),
    R("Sqrt", lambda x: [tf.norm(x), tf.norm(x, "fro", axis=[0, 1], keepdims=True),
                         tf.norm(x, np.inf, axis=0), tf.norm(x, 1, axis=-1)],
      lambda x: [jnp.sqrt(jnp.sum(x * x)), jnp.sqrt(jnp.sum(x * x, keepdims=True)),
                 jnp.max(jnp.abs(x), 0), jnp.sum(jnp.abs(x), -1)], [[(2, 3)]],
      name="tf.norm (top level)"),
    R("Cast", lambda x: tf.dtypes.saturate_cast(x, tf.uint8),
      lambda x: np.clip(x, 0, 255).astype(np.uint8), UNARY_SHAPES, dtypes=(I32,),
      sample=_saturating, grad=False, out_dtype=tf.uint8, name="saturate_cast"),
]
