"""Op-table rows for tf.nn, tf.linalg and tf.random (see tests/op_spec.py).

References are written independently of the lowerings (convolutions and
pooling from padded slices, diagonals from jnp.diagonal, QR of wide
matrices by splitting, ...) in jax.numpy so that `check_gradients` can
differentiate them. Decompositions whose outputs are unique only up to sign
are checked through sign-invariant functions (squares of singular vectors).
Random ops get rows whose results are deterministic (a zero spread, a
certain class, sums over a shuffled axis); their statistics and seeding are
tested in tests/test_random.py.
"""

import jax
import jax.numpy as jnp
import jax.scipy.special
import numpy as np

import tfgrad_jax as tf
from op_spec import OpSpec, positive

F32_64 = (np.float64, np.float32)


# ---------------------------------------------------------------------------
# Samplers.

def spread(lo, hi):
    def sample(rng, shape, dtype):
        return rng.uniform(lo, hi, size=shape).astype(dtype)
    return sample


def well_conditioned(rng, shape, dtype):
    """Square matrices (last two dims) with a dominant diagonal."""
    a = rng.normal(size=shape)
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        a = a + 3.0 * shape[-1] * np.eye(shape[-1])
    return a.astype(dtype)


def spd(rng, shape, dtype):
    a = rng.normal(size=shape)
    n = shape[-1]
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def distinct_values(rng, shape, dtype):
    """Values far apart (no ties), for max pooling and sorting-like ops."""
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) * 0.37 + rng.uniform(-0.1, 0.1, shape)).astype(dtype)


# ---------------------------------------------------------------------------
# Independent references.

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def log_softmax(x, axis=-1):
    return x - jax.scipy.special.logsumexp(x, axis=axis, keepdims=True)


def same_pads(size, k, s, d=1):
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def ref_conv(x, w, strides, padding, dilations=None):
    """Channels-last n-d convolution from padded, strided slices (groups allowed)."""
    n = x.ndim - 2
    dilations = dilations or [1] * n
    if padding == "SAME":
        pads = [same_pads(x.shape[1 + i], w.shape[i], strides[i], dilations[i]) for i in range(n)]
    elif padding == "VALID":
        pads = [(0, 0)] * n
    else:
        pads = padding
    xp = jnp.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    outs = [(xp.shape[1 + i] - (w.shape[i] - 1) * dilations[i] - 1) // strides[i] + 1
            for i in range(n)]
    cin, cout = w.shape[-2], w.shape[-1]
    groups = x.shape[-1] // cin
    per_group = cout // groups
    total = 0
    for idx in np.ndindex(*w.shape[:n]):
        sl = tuple(slice(idx[i] * dilations[i], idx[i] * dilations[i] + (outs[i] - 1) * strides[i]
                         + 1, strides[i]) for i in range(n))
        patch = xp[(slice(None),) + sl + (slice(None),)]
        wk = w[idx]
        total = total + jnp.concatenate(
            [patch[..., g * cin:(g + 1) * cin] @ wk[:, g * per_group:(g + 1) * per_group]
             for g in range(groups)], axis=-1)
    return total


def ref_depthwise(x, w, strides, padding, dilations=None):
    channels, mult = w.shape[2], w.shape[3]
    outs = []
    for c in range(channels):
        for m in range(mult):
            outs.append(ref_conv(x[..., c:c + 1], w[:, :, c:c + 1, m:m + 1], strides, padding,
                                 dilations))
    return jnp.concatenate(outs, axis=-1)


def ref_conv_transpose(y, w, out_shape, strides, padding):
    x0 = jnp.zeros(out_shape, y.dtype)
    _, pullback = jax.vjp(lambda x: ref_conv(x, w, strides, padding), x0)
    return pullback(y)[0]


def ref_pool(x, k, s, padding, kind):
    n = x.ndim - 2
    pads = ([same_pads(x.shape[1 + i], k[i], s[i]) for i in range(n)] if padding == "SAME"
            else [(0, 0)] * n)
    full = [(0, 0)] + pads + [(0, 0)]
    fill = -jnp.inf if kind == "max" else 0.0
    xp = jnp.pad(x, full, constant_values=fill)
    ones = jnp.pad(jnp.ones_like(x), full)
    outs = [(xp.shape[1 + i] - k[i]) // s[i] + 1 for i in range(n)]
    windows, counts = [], []
    for idx in np.ndindex(*k):
        sl = (slice(None),) + tuple(slice(idx[i], idx[i] + (outs[i] - 1) * s[i] + 1, s[i])
                                    for i in range(n)) + (slice(None),)
        windows.append(xp[sl])
        counts.append(ones[sl])
    if kind == "max":
        return jnp.max(jnp.stack(windows), axis=0)
    return jnp.sum(jnp.stack(windows), axis=0) / jnp.sum(jnp.stack(counts), axis=0)


def ref_lrn(x, r=5, bias=1.0, alpha=1.0, beta=0.5):
    sq = x * x
    depth = x.shape[-1]
    s = jnp.stack([jnp.sum(sq[..., max(0, c - r):c + r + 1], -1) for c in range(depth)], -1)
    return x / (bias + alpha * s) ** beta


def ref_diag_part(x, k, align="RIGHT_LEFT", pad=0):
    lo, hi = k
    rows, cols = x.shape[-2:]
    max_len = min(rows + min(hi, 0), cols - max(lo, 0))
    diags = []
    for d in range(hi, lo - 1, -1):
        v = jnp.diagonal(x, d, -2, -1)
        fill = jnp.full(v.shape[:-1] + (max_len - v.shape[-1],), pad, x.dtype)
        right = (d >= 0 and align in ("RIGHT_LEFT", "RIGHT_RIGHT")) or (
            d <= 0 and align in ("LEFT_RIGHT", "RIGHT_RIGHT"))
        diags.append(jnp.concatenate([fill, v] if right else [v, fill], -1))
    return diags[0] if lo == hi else jnp.stack(diags, -2)


def ref_diag(v, k, rows, cols, align="RIGHT_LEFT"):
    lo, hi = k
    if lo == hi:
        v = v[..., None, :]
    out = jnp.zeros(v.shape[:-2] + (rows, cols), v.dtype)
    max_len = v.shape[-1]
    for d in range(lo, hi + 1):
        length = min(rows + min(0, d), cols - max(0, d))
        right = (d >= 0 and align in ("RIGHT_LEFT", "RIGHT_RIGHT")) or (
            d <= 0 and align in ("LEFT_RIGHT", "RIGHT_RIGHT"))
        vals = v[..., hi - d, max_len - length:] if right else v[..., hi - d, :length]
        r = np.arange(length) + max(-d, 0)
        c = np.arange(length) + max(d, 0)
        out = out.at[..., r, c].set(vals)
    return out


def ref_qr_wide(a):
    m = a.shape[-2]
    q, u = jnp.linalg.qr(a[..., :m])
    return q, jnp.concatenate([u, jnp.swapaxes(q, -1, -2) @ a[..., m:]], -1)


def ref_lstsq(a, b, l2=0.0):
    m, n = a.shape[-2:]
    at = jnp.swapaxes(a, -1, -2)
    if m >= n:
        return jnp.linalg.solve(at @ a + l2 * jnp.eye(n), at @ b)
    return at @ jnp.linalg.solve(a @ at + l2 * jnp.eye(m), b)


def sym(a):
    return a + jnp.swapaxes(a, -1, -2)


def tsym(a):
    return a + tf.linalg.matrix_transpose(a)


def gram(a):
    n = a.shape[-1]
    return a @ jnp.swapaxes(a, -1, -2) + n * jnp.eye(n)


def tgram(a):
    n = a.shape[-1]
    return tf.matmul(a, a, transpose_b=True) + n * tf.eye(n, dtype=a.dtype)


LABELS_2D = np.array([[1, 0], [2, 2]], np.int64)
IDS = np.array([[2, 0], [1, 2]], np.int32)


def _plain_graph_uniform_ok(seed):
    """In a TF-1 graph each Session.run draws new values; 1.0 if they look right."""
    with tf.Graph().as_default() as g:
        u = tf.random.uniform([6], seed=seed)
    with tf.compat.v1.Session(graph=g) as sess:
        runs = [sess.run(u) for _ in range(3)]
    ok = all(((r >= 0) & (r < 1)).all() for r in runs) and not np.allclose(runs[0], runs[1])
    return np.float64(ok)


def outs(*fns):
    """One row for several variants: fn(*xs) -> [each variant's result]."""
    return lambda *xs: [f(*xs) for f in fns]


def t_nchw(x):
    return tf.transpose(x, [0, 3, 1, 2])


def t_nhwc(x):
    return tf.transpose(x, [0, 2, 3, 1])


ROWS = [
    # -- activations --------------------------------------------------------
    OpSpec("Relu", lambda x: tf.nn.relu(x), lambda x: jnp.maximum(x, 0),
           [[(2, 3)], [()], [(0, 2)]], dtypes=F32_64, name="relu"),
    OpSpec("Relu6", lambda x: tf.nn.relu6(x), lambda x: jnp.clip(x, 0, 6),
           [[(3, 4)]], sample=spread(-3, 9), name="relu6"),
    OpSpec("Relu6", outs(tf.nn.relu, tf.nn.relu6, tf.nn.leaky_relu),
           lambda x: [np.maximum(x, 0), np.clip(x, 0, 6), np.where(x > 0, x, 0.2 * x)],
           [[(5,)]], dtypes=(np.int32,), sample=lambda r, s, d: np.array([-2, 0, 3, 6, 9], d),
           grad=False, name="relu_family_int"),
    OpSpec("Elu", outs(tf.nn.elu, tf.nn.gelu, lambda x: tf.nn.gelu(x, approximate=True)),
           lambda x: [jnp.where(x > 0, x, jnp.expm1(x)),
                      0.5 * x * jax.scipy.special.erfc(-x / np.sqrt(2.0)),
                      0.5 * x * (1 + jnp.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))],
           [[(2, 3)], [()]], name="elu_gelu"),
    OpSpec("Selu", outs(tf.nn.selu, tf.nn.silu, lambda x: tf.nn.swish(x, beta=2.0)),
           lambda x: [SELU_SCALE * jnp.where(x > 0, x, SELU_ALPHA * jnp.expm1(x)),
                      x * jax.nn.sigmoid(x), x * jax.nn.sigmoid(2 * x)],
           [[(2, 3)]], name="selu_silu"),
    OpSpec("LeakyRelu", outs(tf.nn.leaky_relu, lambda x: tf.nn.leaky_relu(x, alpha=1.5)),
           lambda x: [jnp.where(x > 0, x, 0.2 * x), jnp.where(x > 0, x, 1.5 * x)],
           [[(2, 3)]], name="leaky_relu"),
    # -- softmax and losses --------------------------------------------------
    OpSpec("Softmax", outs(tf.nn.softmax, lambda x: tf.nn.softmax(x, axis=0)),
           lambda x: [jax.nn.softmax(x, -1), jax.nn.softmax(x, 0)],
           [[(2, 3)]], dtypes=F32_64, rtol=1e-5, name="softmax"),
    OpSpec("LogSoftmax", outs(tf.nn.log_softmax, lambda x: tf.nn.log_softmax(x, axis=0)),
           lambda x: [log_softmax(x), log_softmax(x, 0)], [[(2, 3)]], name="log_softmax"),
    OpSpec("SoftmaxCrossEntropyWithLogits", outs(
        lambda lg, raw: tf.nn.softmax_cross_entropy_with_logits(tf.nn.softmax(raw), lg),
        lambda lg, raw: tf.nn.softmax_cross_entropy_with_logits(tf.nn.softmax(raw, axis=0), lg,
                                                                axis=0)),
        lambda lg, raw: [-jnp.sum(jax.nn.softmax(raw) * log_softmax(lg), -1),
                         -jnp.sum(jax.nn.softmax(raw, 0) * log_softmax(lg, 0), 0)],
        [[(2, 3), (2, 3)]], name="softmax_cross_entropy"),
    OpSpec("SparseSoftmaxCrossEntropyWithLogits", outs(
        lambda lg: tf.nn.sparse_softmax_cross_entropy_with_logits(LABELS_2D, lg),
        lambda lg: tf.nn.sparse_softmax_cross_entropy_with_logits(LABELS_2D[0], lg[0])),
        lambda lg: [-jnp.take_along_axis(log_softmax(lg), LABELS_2D[..., None], -1)[..., 0],
                    -jnp.take_along_axis(log_softmax(lg[0]), LABELS_2D[0][:, None], -1)[:, 0]],
        [[(2, 2, 3)]], name="sparse_softmax_cross_entropy"),
    OpSpec("Log1p", outs(lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
                         lambda z, x: tf.nn.weighted_cross_entropy_with_logits(z, x, 2.5)),
           lambda z, x: [jnp.maximum(x, 0) - x * z + jnp.log1p(jnp.exp(-jnp.abs(x))),
                         (1 - z) * x + (1 + 1.5 * z) * (jnp.log1p(jnp.exp(-jnp.abs(x)))
                                                        + jnp.maximum(-x, 0))],
           [[(2, 3), (2, 3)], [(), ()]], name="logistic_losses"),
    OpSpec("L2Loss", lambda x: tf.nn.l2_loss(x), lambda x: jnp.sum(x * x) / 2,
           [[(3, 2)], [(0,)]], name="l2_loss"),
    # -- bias_add, convolutions, pooling ---------------------------------------
    OpSpec("BiasAdd", outs(tf.nn.bias_add, lambda x, b: tf.nn.bias_add(x, b, data_format="NCHW")),
           lambda x, b: [x + b, x + (b[:, None, None] if x.ndim == 4 else b)],
           [[(2, 3, 2, 3), (3,)], [(2, 3), (3,)]], name="bias_add"),
    OpSpec("Conv2D", outs(
        lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"),
        lambda x, w: tf.nn.conv2d(x, w, [2, 1], "VALID"),
        lambda x, w: tf.nn.conv2d(x, w, 2, "SAME"),
        lambda x, w: tf.nn.conv2d(x, w, 1, "SAME", dilations=2),
        lambda x, w: tf.nn.conv2d(x, w, 1, [[0, 0], [1, 0], [0, 2], [0, 0]]),
        lambda x, w: t_nhwc(tf.nn.conv2d(t_nchw(x), w, 1, "VALID", data_format="NCHW")),
        lambda x, w: tf.nn.conv2d(x, w[:, :, :1, :], 1, "VALID")),
        lambda x, w: [ref_conv(x, w, [1, 1], "SAME"), ref_conv(x, w, [2, 1], "VALID"),
                      ref_conv(x, w, [2, 2], "SAME"), ref_conv(x, w, [1, 1], "SAME", [2, 2]),
                      ref_conv(x, w, [1, 1], [(1, 0), (0, 2)]), ref_conv(x, w, [1, 1], "VALID"),
                      ref_conv(x, w[:, :, :1, :], [1, 1], "VALID")],
        [[(1, 4, 3, 2), (2, 2, 2, 2)]], rtol=1e-5, atol=1e-5, name="conv2d"),
    OpSpec("Conv2D", outs(
        lambda x, w: tf.nn.conv1d(x, w, 1, "SAME"),
        lambda x, w: tf.transpose(tf.nn.conv1d(tf.transpose(x, [0, 2, 1]), w, 2, "VALID",
                                               data_format="NCW"), [0, 2, 1])),
        lambda x, w: [ref_conv(x, w, [1], "SAME"), ref_conv(x, w, [2], "VALID")],
        [[(2, 4, 2), (3, 2, 2)]], name="conv1d"),
    OpSpec("Conv3D", lambda x, w: tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "SAME"),
           lambda x, w: ref_conv(x, w, [1, 1, 1], "SAME"),
           [[(1, 2, 3, 3, 1), (2, 2, 2, 1, 1)]], dtypes=(np.float64, np.float32), rtol=1e-5,
           name="conv3d"),
    OpSpec("Conv2DBackpropInput", outs(
        lambda y, w: tf.nn.conv2d_transpose(y, w, [1, 5, 3, 1], 2, "SAME"),
        lambda y, w: tf.nn.conv2d_transpose(y, w, [1, 5, 3, 1], 1, "VALID")),
        lambda y, w: [ref_conv_transpose(y, w, (1, 5, 3, 1), [2, 2], "SAME"),
                      ref_conv_transpose(y, w, (1, 5, 3, 1), [1, 1], "VALID")],
        [[(1, 3, 2, 2), (3, 2, 1, 2)]], rtol=1e-5, name="conv2d_transpose"),
    OpSpec("DepthwiseConv2dNative", outs(
        lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
        lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "VALID"),
        lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME", dilations=[2, 2])),
        lambda x, w: [ref_depthwise(x, w, [1, 1], "SAME"), ref_depthwise(x, w, [2, 2], "VALID"),
                      ref_depthwise(x, w, [1, 1], "SAME", [2, 2])],
        [[(1, 3, 4, 2), (2, 2, 2, 2)]], rtol=1e-5, name="depthwise_conv2d"),
    OpSpec("MaxPool", outs(
        lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"),
        lambda x: tf.nn.max_pool(x, 3, 2, "SAME"),
        lambda x: tf.nn.max_pool2d(x, 2, 2, [[0, 0], [1, 0], [1, 1], [0, 0]]),
        lambda x: tf.nn.max_pool1d(tf.reshape(x, [1, 20, 1]), 3, 2, "VALID")),
        lambda x: [ref_pool(x, [2, 2], [2, 2], "VALID", "max"),
                   ref_pool(x, [3, 3], [2, 2], "SAME", "max"),
                   ref_pool(jnp.pad(x, [(0, 0), (1, 0), (1, 1), (0, 0)], constant_values=-jnp.inf),
                            [2, 2], [2, 2], "VALID", "max"),
                   ref_pool(x.reshape(1, 20, 1), [3], [2], "VALID", "max")],
        [[(1, 4, 5, 1)]], sample=distinct_values, name="max_pool"),
    OpSpec("MaxPool", lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"),
           lambda x: np.max(x.reshape(1, 2, 2, 2, 2, 1), axis=(2, 4)),
           [[(1, 4, 4, 1)]], dtypes=(np.int32,), grad=False, name="max_pool_int"),
    OpSpec("MaxPool3D", lambda x: tf.nn.max_pool3d(x, 2, 1, "VALID"),
           lambda x: ref_pool(x, [2, 2, 2], [1, 1, 1], "VALID", "max"),
           [[(1, 2, 3, 3, 1)]], sample=distinct_values, name="max_pool3d"),
    OpSpec("AvgPool", outs(
        lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"),
        lambda x: tf.nn.avg_pool(x, 2, 2, "VALID"),
        lambda x: tf.nn.avg_pool1d(tf.reshape(x, [1, 20, 1]), 3, 1, "SAME")),
        lambda x: [ref_pool(x, [3, 3], [2, 2], "SAME", "avg"),
                   ref_pool(x, [2, 2], [2, 2], "VALID", "avg"),
                   ref_pool(x.reshape(1, 20, 1), [3], [1], "SAME", "avg")],
        [[(1, 4, 5, 1)]], rtol=1e-5, name="avg_pool"),
    OpSpec("AvgPool3D", lambda x: tf.nn.avg_pool3d(x, 2, 2, "SAME"),
           lambda x: ref_pool(x, [2, 2, 2], [2, 2, 2], "SAME", "avg"),
           [[(1, 2, 3, 3, 1)]], name="avg_pool3d"),
    # -- normalization, dropout, embeddings ------------------------------------
    OpSpec("LRN", outs(tf.nn.local_response_normalization,
                       lambda x: tf.nn.local_response_normalization(x, 2, 1.5, 0.7, 0.6)),
           lambda x: [ref_lrn(x), ref_lrn(x, 2, 1.5, 0.7, 0.6)], [[(2, 1, 1, 7)]],
           dtypes=F32_64, rtol=1e-5, name="lrn"),
    OpSpec("SquaredDifference", lambda x: [*tf.nn.moments(x, [0]),
                                           *tf.nn.moments(x, [0, 2], keepdims=True)],
           lambda x: [jnp.mean(x, 0), jnp.var(x, 0), jnp.mean(x, (0, 2), keepdims=True),
                      jnp.var(x, (0, 2), keepdims=True)], [[(3, 2, 2)]], name="moments"),
    OpSpec("Rsqrt", outs(
        lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
        lambda x, m, v, o, s: tf.nn.batch_normalization(x, 0.5, v, None, None, 1e-3)),
        lambda x, m, v, o, s: [(x - m) * s / jnp.sqrt(v + 1e-3) + o, (x - 0.5) / jnp.sqrt(v + 1e-3)],
        [[(4, 3), (3,), (3,), (3,), (3,)]], sample=positive, name="batch_normalization"),
    OpSpec("RandomUniform", outs(
        lambda x: tf.nn.dropout(x, 0.0),
        lambda x: (lambda y: tf.cast(tf.equal(y, 0.0) | tf.equal(y, 2.0 * x), tf.float64))(
            tf.nn.dropout(x, 0.5, seed=3))),
        lambda x: [x, np.ones_like(x)], [[(3, 4)]], sample=positive, grad=False, name="dropout"),
    OpSpec("GatherV2", outs(
        lambda p: tf.nn.embedding_lookup(p, IDS),
        lambda p: tf.nn.embedding_lookup([p[:2], p[2:]], IDS),
        lambda p: tf.nn.embedding_lookup(p, IDS, max_norm=1.0)),
        lambda p: [p[IDS], p[IDS],
                   p[IDS] / jnp.maximum(jnp.linalg.norm(p[IDS], axis=-1, keepdims=True), 1.0)],
        [[(3, 2)]], name="embedding_lookup"),
    # -- linalg: products, inverse, determinants, factorizations -----------------
    OpSpec("MatMul", outs(
        lambda a, b: tf.linalg.matmul(a, b, adjoint_b=True),
        lambda a, b: tf.linalg.matvec(a, b[0]),
        lambda a, b: tf.linalg.matvec(a, b[:, 0], transpose_a=True),
        lambda a, b: tf.linalg.tensordot(a, b, [[2], [1]]),
        lambda a, b: tf.linalg.tensordot(a, b, [[0, 2], [0, 1]]),
        lambda a, b: tf.linalg.tensordot(a[0, 0], b[0], 0)),
        lambda a, b: [a @ b.T, a @ b[0], (jnp.swapaxes(a, -1, -2) @ b[:, 0][..., None])[..., 0],
                      jnp.tensordot(a, b, [[2], [1]]), jnp.tensordot(a, b, [[0, 2], [0, 1]]),
                      jnp.outer(a[0, 0], b[0])],
        [[(2, 2, 3), (2, 3)]], name="matmul_matvec_tensordot"),
    OpSpec("MatrixInverse", outs(tf.linalg.inv, lambda a: tf.linalg.inv(a, adjoint=True)),
           lambda a: [jnp.linalg.inv(a), jnp.linalg.inv(jnp.swapaxes(a, -1, -2))],
           [[(2, 2, 2)]], sample=well_conditioned, rtol=1e-5, name="inv"),
    OpSpec("MatrixDeterminant", lambda a: tf.linalg.det(a), lambda a: jnp.linalg.det(a),
           [[(2, 2, 2)]], sample=well_conditioned, name="det"),
    OpSpec("LogMatrixDeterminant", lambda a: tf.linalg.slogdet(a),
           lambda a: list(jnp.linalg.slogdet(a)), [[(3, 3)]],
           sample=lambda r, s, d: -well_conditioned(r, s, d), name="slogdet"),
    OpSpec("Cholesky", outs(
        lambda a, b: tf.linalg.cholesky(tgram(a)),
        lambda a, b: tf.linalg.logdet(tgram(a)),
        lambda a, b: tf.linalg.cholesky_solve(tf.linalg.cholesky(tgram(a)), b)),
        lambda a, b: [jnp.linalg.cholesky(gram(a)), jnp.linalg.slogdet(gram(a))[1],
                      jnp.linalg.solve(gram(a), b)],
        [[(2, 2, 2), (2, 2, 1)]], rtol=1e-5, name="cholesky"),
    OpSpec("Cholesky", lambda a: tf.linalg.cholesky(a), lambda a: np.linalg.cholesky(
        np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2)), [[(3, 3)]],
        sample=lambda r, s, d: spd(r, s, d) + np.triu(r.normal(size=s), 1), grad=False,
        name="cholesky_reads_lower_triangle"),
    OpSpec("MatrixSolve", outs(tf.linalg.solve, lambda a, b: tf.linalg.solve(a, b, adjoint=True)),
           lambda a, b: [jnp.linalg.solve(a, b), jnp.linalg.solve(jnp.swapaxes(a, -1, -2), b)],
           [[(2, 2, 2), (2, 2, 1)]], sample=well_conditioned, rtol=1e-5, name="solve"),
    OpSpec("MatrixTriangularSolve", outs(
        tf.linalg.triangular_solve,
        lambda a, b: tf.linalg.triangular_solve(a, b, lower=False, adjoint=True),
        lambda a, b: tf.linalg.triangular_solve(a, b[0])),
        lambda a, b: [jnp.stack([jax.scipy.linalg.solve_triangular(jnp.tril(a[i]), b[i],
                                                                   lower=True) for i in range(2)]),
                      jnp.stack([jax.scipy.linalg.solve_triangular(jnp.triu(a[i]).T, b[i],
                                                                   lower=True) for i in range(2)]),
                      jnp.stack([jax.scipy.linalg.solve_triangular(jnp.tril(a[i]), b[0],
                                                                   lower=True) for i in range(2)])],
        [[(2, 2, 2), (2, 2, 1)]], sample=well_conditioned, rtol=1e-5, name="triangular_solve"),
    OpSpec("MatrixTriangularSolve", outs(
        tf.linalg.lstsq, lambda a, b: tf.linalg.lstsq(a, b, l2_regularizer=0.5),
        lambda a, b: tf.linalg.lstsq(tf.transpose(a), b[:2])),
        lambda a, b: [ref_lstsq(a, b), ref_lstsq(a, b, 0.5), ref_lstsq(a.T, b[:2])],
        [[(3, 2), (3, 1)]], rtol=1e-5, grad=False, name="lstsq"),
    OpSpec("MatrixSolveLs", outs(
        lambda a, b: tf.linalg.lstsq(a, b, fast=False),
        lambda a, b: tf.linalg.lstsq(tf.transpose(a), b[:2], fast=False)),
        lambda a, b: [np.linalg.lstsq(a, b, rcond=None)[0],
                      np.linalg.lstsq(a.T, b[:2], rcond=None)[0]],
        [[(3, 2), (3, 1)]], grad=False, rtol=1e-5, atol=1e-5, name="lstsq_min_norm"),
    OpSpec("SelfAdjointEigV2", lambda a: (lambda e, v: [e, v * v, tf.linalg.eigvalsh(tsym(a))])(
        *tf.linalg.eigh(tsym(a))),
        lambda a: (lambda e, v: [e, v * v, e])(*jnp.linalg.eigh(sym(a))),
        [[(3, 3)]], rtol=1e-5, atol=1e-6, name="eigh"),
    OpSpec("SelfAdjointEigV2", lambda a: tf.linalg.eigvalsh(a),
           lambda a: np.linalg.eigvalsh(a, UPLO="L"), [[(3, 3)]], grad=False,
           name="eigvalsh_reads_lower_triangle"),
    OpSpec("Svd", lambda a: (lambda s, u, v: [s, u * u, v * v, tf.linalg.svd(a, compute_uv=False)])(
        *tf.linalg.svd(a)),
        lambda a: (lambda u, s, vh: [s, u * u, jnp.swapaxes(vh, -1, -2) ** 2, s])(
            *jnp.linalg.svd(a, full_matrices=False)),
        [[(3, 3)], [(3, 2)]], rtol=1e-5, atol=1e-6, name="svd"),
    OpSpec("Svd", lambda a: (lambda s, u, v: [s, u * u, v * v])(
        *tf.linalg.svd(a, full_matrices=True)),
        lambda a: (lambda u, s, vh: [s, u * u, jnp.swapaxes(vh, -1, -2) ** 2])(
            *jnp.linalg.svd(a, full_matrices=True)),
        [[(3, 2)], [(2, 3)]], grad=False, rtol=1e-5, atol=1e-6, name="svd_full_matrices"),
    OpSpec("Qr", lambda a: [*tf.linalg.qr(a), *tf.linalg.qr(tf.transpose(a))],
           lambda a: [*jnp.linalg.qr(a), *ref_qr_wide(a.T)],
           [[(3, 2)]], rtol=1e-5, atol=1e-6, name="qr"),
    OpSpec("Qr", lambda a: list(tf.linalg.qr(a, full_matrices=True)),
           lambda a: list(np.linalg.qr(a, mode="complete")), [[(3, 2)]], grad=False,
           atol=1e-6, name="qr_full_matrices"),
    # -- linalg: diagonals, bands, cross products, norms -------------------------
    OpSpec("MatrixDiagPartV3", outs(
        tf.linalg.diag_part,
        lambda x: tf.linalg.diag_part(x, k=(-1, 2), padding_value=9),
        lambda x: tf.linalg.diag_part(x, k=(-2, 1), align="LEFT_RIGHT"),
        lambda x: tf.linalg.trace(x[..., :3])),
        lambda x: [jnp.diagonal(x, 0, -2, -1), ref_diag_part(x, (-1, 2), pad=9),
                   ref_diag_part(x, (-2, 1), "LEFT_RIGHT"),
                   jnp.trace(x[..., :3], axis1=-2, axis2=-1)],
        [[(3, 4)], [(2, 3, 4)]], name="diag_part"),
    OpSpec("MatrixDiagV3", outs(
        tf.linalg.diag,
        lambda v: tf.linalg.diag(v[0], k=1),
        lambda v: tf.linalg.diag(v, k=(-1, 1), num_rows=3, num_cols=4),
        lambda v: tf.linalg.diag(v[:2], k=(-1, 0), align="LEFT_RIGHT"),
        lambda v: v + tf.eye(3, dtype=tf.float64)),
        lambda v: [ref_diag(v, (0, 0), 3, 3), ref_diag(v[0], (1, 1), 4, 4),
                   ref_diag(v, (-1, 1), 3, 4), ref_diag(v[:2], (-1, 0), 3, 3, "LEFT_RIGHT"),
                   v + np.eye(3)],
        [[(3, 3)]], name="diag"),
    OpSpec("MatrixBandPart", outs(lambda x: tf.linalg.band_part(x, 1, 0),
                                  lambda x: tf.linalg.band_part(x, -1, 1)),
           lambda x: [jnp.tril(x) - jnp.tril(x, -2), jnp.tril(x, 1)], [[(2, 3, 4)]],
           name="band_part"),
    OpSpec("Cross", lambda a, b: tf.linalg.cross(a, b),
           lambda a, b: jnp.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                                   a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                                   a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], -1),
           [[(2, 3), (2, 3)]], name="cross"),
    OpSpec("Sqrt", outs(
        tf.linalg.norm,
        lambda x: tf.linalg.norm(x, axis=1, keepdims=True),
        lambda x: tf.linalg.norm(x, ord=1, axis=[-2, -1]),
        lambda x: tf.linalg.norm(x, ord=np.inf, axis=(0, 1)),
        lambda x: tf.linalg.norm(x, ord=2, axis=[0, 1]),
        lambda x: tf.linalg.norm(x[0], ord=3)),
        lambda x: [jnp.sqrt(jnp.sum(x * x)), jnp.sqrt(jnp.sum(x * x, 1, keepdims=True)),
                   jnp.max(jnp.sum(jnp.abs(x), -2), -1), jnp.max(jnp.sum(jnp.abs(x), 1), 0),
                   jnp.linalg.svd(x, compute_uv=False)[0], jnp.sum(jnp.abs(x[0]) ** 3) ** (1 / 3)],
        [[(3, 4)]], name="norm"),
    # -- random (deterministic facts; statistics in tests/test_random.py) ------
    OpSpec("RandomUniform", lambda x: x + tf.math.floor(tf.random.uniform([2, 3], dtype=tf.float64,
                                                                           seed=1)),
           lambda x: x, [[(2, 3)]], grad=False, name="random_uniform_in_0_1"),
    OpSpec("RandomUniformInt", lambda x: x + tf.cast(
        tf.random.uniform([4], 3, 4, dtype=tf.int32, seed=2), tf.float64),
        lambda x: x + 3, [[(4,)]], grad=False, name="random_uniform_int_single_value"),
    OpSpec("RandomStandardNormal", lambda m: tf.random.normal([2, 2], mean=m, stddev=0.0,
                                                              dtype=tf.float64, seed=3),
           lambda m: m, [[(2, 2)]], grad=False, name="random_normal_zero_stddev"),
    OpSpec("TruncatedNormal", lambda m: tf.random.truncated_normal(
        [3], mean=m, stddev=0.0, dtype=tf.float64, seed=4), lambda m: m, [[(3,)]], grad=False,
        name="truncated_normal_zero_stddev"),
    OpSpec("Multinomial", lambda x: x + tf.cast(tf.random.categorical(
        np.array([[-np.inf, 0.0, -np.inf], [-np.inf, -np.inf, 0.0]]), 4, seed=5), tf.float64),
        lambda x: x + np.array([[1.0] * 4, [2.0] * 4]), [[(2, 4)]], grad=False,
        name="categorical_certain_class"),
    OpSpec("RandomShuffle", lambda x: tf.reduce_sum(tf.random.shuffle(x, seed=6), 0),
           lambda x: x.sum(0), [[(5, 2)]], grad=False, name="shuffle_keeps_rows"),
    OpSpec("RandomOpCounter", lambda x: x + _plain_graph_uniform_ok(7), lambda x: x + 1.0,
           [[()]], grad=False, name="random_counter_plain_graph"),
]
