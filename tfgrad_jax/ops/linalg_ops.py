"""Linear-algebra ops (`tf.linalg`): decompositions, solves, diagonals, norms.

TF's conventions are kept: `svd` returns (s, u, v) (v, not v^H) with
full_matrices=False; `eigh` returns (e, v) and, like Cholesky and
triangular_solve, reads only the lower triangle of its input; `slogdet`
returns (sign, log|det|); `lstsq` solves the regularized normal equations
with Cholesky (fast=True) or returns the minimum-norm solution (fast=False,
which TF cannot differentiate: ValueError).

Gradients follow TF's registered functions where they differ from JAX's
derivative: Cholesky (TF's symmetric formula), SelfAdjointEigV2 (lower
triangle, and TF's broadened 1 / (e_i - e_j), finite at repeated
eigenvalues), Svd (TF's formula with the same broadening) and Qr (TF's, which
also covers wide matrices). The others are JAX's derivatives, which equal TF's.

A singular matrix given to `inv` or `solve` raises InvalidArgumentError, as
TF's CPU kernels do, eagerly, and in compiled code when
`tf.config.experimental.enable_runtime_checks(True)` is on (by default it gives
inf/NaN, as TF on GPU). A matrix that is not positive definite gives NaN from
`cholesky`, as TF 2.21's CPU kernel does too (it no longer raises).
"""

import numbers

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tfgrad_jax.framework import dtypes, runtime_checks
from tfgrad_jax.framework.constant_folding import static_value
from tfgrad_jax.framework.dtypes import ALL_TYPES, REAL_NUMERIC
from tfgrad_jax.framework.op_def import (apply_op, argument_error, convert_to_tensor, def_op,
                                         op_scope, public)
from tfgrad_jax.ops import array_ops, math_ops
from tfgrad_jax.ops.math_ops import matmul  # noqa: F401 - tf.linalg.matmul

_LINALG = (dtypes.float32, dtypes.float64, dtypes.complex64, dtypes.complex128)


def _adj(x):
    return jnp.conj(jnp.swapaxes(x, -1, -2))


def _diag(v):
    return v[..., :, None] * jnp.eye(v.shape[-1], dtype=v.dtype)


def _set_diag_zero(x):
    return x * (1 - jnp.eye(x.shape[-1], dtype=x.real.dtype))


def _safe_reciprocal(x, epsilon=1e-20):
    # TF's Lorentz broadening: finite (0) where x == 0, instead of inf.
    return x / (x * x + epsilon)


def _matrix(x, name, fn, square=False):
    t = convert_to_tensor(x, name=name)
    rank = t.shape.rank
    if rank is not None and rank < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {rank} for "
                         f"'{{{{node {fn}}}}}' (argument `{name}`).")
    if square and rank is not None and None not in t.shape.as_list()[-2:] and \
            t.shape[-1] != t.shape[-2]:
        raise argument_error(
            fn, f"Dimensions must be equal, but are {t.shape[-2]} and {t.shape[-1]} for "
            f"'{{{{node {fn}}}}}' (a square matrix; shape {t.shape}).",
            "Input matrix must be square.")
    return t


# ---------------------------------------------------------------------------
# Inverse and determinants.

def _inverse_lowering(input, *, adjoint):  # noqa: A002
    return jnp.linalg.inv(_adj(input) if adjoint else input)


def _invertible_check(text):
    """TF's CPU check: a matrix is singular when its LU factorisation (partial
    pivoting) has a pivot that is 0 or NaN; nearly singular ones pass."""

    def check(matrix, *rhs, adjoint):
        lu = lax.linalg.lu(_adj(matrix) if adjoint else matrix)[0]
        pivots = jnp.abs(jnp.diagonal(lu, axis1=-2, axis2=-1))
        return runtime_checks.Check(~jnp.all(pivots > 0), lambda: text)

    return check


MATRIX_INVERSE = def_op("MatrixInverse", _inverse_lowering, "input: T", T=_LINALG,
                        check=_invertible_check("Input is not invertible."))


@public(MATRIX_INVERSE)
def inv(input, adjoint=False, name=None):  # noqa: A002
    """The inverse of each square matrix (of its adjoint if `adjoint`), as `tf.linalg.inv`.

    A singular matrix raises InvalidArgumentError "Input is not invertible.",
    as TF's CPU kernel: eagerly, and compiled with the run-time checks on
    (`tf.config.experimental.enable_runtime_checks`); otherwise inf/NaN.
    """
    x = _matrix(input, "input", "MatrixInverse", square=True)
    return apply_op(MATRIX_INVERSE, [x], {"adjoint": bool(adjoint)}, name=name or "MatrixInverse")


MATRIX_DETERMINANT = def_op("MatrixDeterminant", jnp.linalg.det, "input: T", T=_LINALG)


@public(MATRIX_DETERMINANT)
def det(input, name=None):  # noqa: A002
    """The determinant of each square matrix, as `tf.linalg.det`."""
    x = _matrix(input, "input", "MatrixDeterminant", square=True)
    return apply_op(MATRIX_DETERMINANT, [x], name=name or "MatrixDeterminant")


def _slogdet_lowering(input):  # noqa: A002
    sign, logabsdet = jnp.linalg.slogdet(input)
    return sign, logabsdet.astype(input.dtype)  # TF: both outputs have the input's dtype


LOG_MATRIX_DETERMINANT = def_op("LogMatrixDeterminant", _slogdet_lowering, "input: T", T=_LINALG)


@public(LOG_MATRIX_DETERMINANT)
def slogdet(input, name=None):  # noqa: A002
    """(sign, log|det|) of each square matrix, as `tf.linalg.slogdet`."""
    x = _matrix(input, "input", "LogMatrixDeterminant", square=True)
    return apply_op(LOG_MATRIX_DETERMINANT, [x], name=name or "LogMatrixDeterminant")


# ---------------------------------------------------------------------------
# Cholesky.

def _cholesky_rule(inputs, l, g):
    # TF's _CholeskyGrad: l^-H ((l^H g) * (tril(ones) - eye / 2)) l^-1, made symmetric.
    n = l.shape[-1]
    eye = jnp.broadcast_to(jnp.eye(n, dtype=l.dtype), l.shape)
    l_inverse = lax.linalg.triangular_solve(l, eye, left_side=True, lower=True)
    middle = _adj(l) @ g
    middle = jnp.tril(middle) - 0.5 * _diag(jnp.diagonal(middle, axis1=-2, axis2=-1))
    grad_a = _adj(l_inverse) @ middle @ l_inverse
    return (0.5 * (grad_a + _adj(grad_a)),)


CHOLESKY = def_op("Cholesky", lambda input: lax.linalg.cholesky(input, symmetrize_input=False),
                  "input: T", T=_LINALG, vjp=_cholesky_rule)


@public(CHOLESKY)
def cholesky(input, name=None):  # noqa: A002
    """The lower Cholesky factor of each Hermitian positive-definite matrix, as
    `tf.linalg.cholesky`.

    Reads only the lower triangle, as TF; the gradient is TF's (symmetric).
    A matrix that is not positive definite gives NaN, as TF 2.21's CPU kernel
    (which no longer raises; the entries above the diagonal that TF leaves
    unset are 0 here).
    """
    x = _matrix(input, "input", "Cholesky", square=True)
    return apply_op(CHOLESKY, [x], name=name or "Cholesky")


# ---------------------------------------------------------------------------
# Solves.

def _solve_lowering(matrix, rhs, *, adjoint):
    return jnp.linalg.solve(_adj(matrix) if adjoint else matrix, rhs)


MATRIX_SOLVE = def_op("MatrixSolve", _solve_lowering, "matrix: T, rhs: T", T=_LINALG,
                      check=_invertible_check("Input matrix is not invertible."))


@public(MATRIX_SOLVE)
def solve(matrix, rhs, adjoint=False, name=None):
    """X with matrix @ X = rhs (adjoint(matrix) if `adjoint`), as `tf.linalg.solve`.

    A singular matrix raises InvalidArgumentError "Input matrix is not
    invertible.", as `inv` does (see there).
    """
    a = _matrix(matrix, "matrix", "MatrixSolve", square=True)
    b = _matrix(rhs, "rhs", "MatrixSolve")
    return apply_op(MATRIX_SOLVE, [a, b], {"adjoint": bool(adjoint)}, name=name or "MatrixSolve")


def _triangular_solve_lowering(matrix, rhs, *, lower, adjoint):
    batch = jnp.broadcast_shapes(matrix.shape[:-2], rhs.shape[:-2])
    a = jnp.broadcast_to(matrix, batch + matrix.shape[-2:])
    b = jnp.broadcast_to(rhs, batch + rhs.shape[-2:])
    return lax.linalg.triangular_solve(a, b, left_side=True, lower=lower, transpose_a=adjoint,
                                       conjugate_a=adjoint)


MATRIX_TRIANGULAR_SOLVE = def_op("MatrixTriangularSolve", _triangular_solve_lowering,
                                 "matrix: T, rhs: T", T=_LINALG)


@public(MATRIX_TRIANGULAR_SOLVE)
def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """Solves with a triangular matrix, as `tf.linalg.triangular_solve`.

    Only the lower (or upper, lower=False) triangle of `matrix` is read and
    gets a gradient; batch dimensions broadcast.
    """
    with op_scope(name, "triangular_solve") as scope:
        a = _matrix(matrix, "matrix", "MatrixTriangularSolve", square=True)
        b = _matrix(rhs, "rhs", "MatrixTriangularSolve")
        return apply_op(MATRIX_TRIANGULAR_SOLVE, [a, b], {"lower": bool(lower),
                                                           "adjoint": bool(adjoint)},
                        name="MatrixTriangularSolve" if scope else None)


def cholesky_solve(chol, rhs, name=None):
    """X with (chol @ chol^H) @ X = rhs, as `tf.linalg.cholesky_solve` (two triangular solves)."""
    with op_scope(name, "cholesky_solve"):
        y = apply_op(MATRIX_TRIANGULAR_SOLVE, [chol, rhs], {"lower": True, "adjoint": False},
                     name="MatrixTriangularSolve")
        return apply_op(MATRIX_TRIANGULAR_SOLVE, [chol, y], {"lower": True, "adjoint": True},
                        name="MatrixTriangularSolve")


def _gramian_cholesky(matrix, l2_regularizer, first_kind):
    gramian = matmul(matrix, matrix, adjoint_a=first_kind, adjoint_b=not first_kind)
    if l2_regularizer != 0:
        n = gramian.shape[-1]
        gramian = gramian + math_ops.cast(l2_regularizer, matrix.dtype) * eye(n, dtype=matrix.dtype)
    return cholesky(gramian)


def _solve_ls_lowering(matrix, rhs, *, l2_regularizer, fast):
    if not fast:
        solution = jnp.linalg.lstsq(matrix, rhs) if matrix.ndim == 2 else None
        if solution is not None:
            return solution[0]
        return jnp.vectorize(lambda a, b: jnp.linalg.lstsq(a, b)[0],
                             signature="(m,n),(m,k)->(n,k)")(matrix, rhs)
    m, n = matrix.shape[-2:]
    reg = l2_regularizer * jnp.eye(min(m, n), dtype=matrix.dtype)
    if m >= n:
        gram = _adj(matrix) @ matrix + reg
        return jnp.linalg.solve(gram, _adj(matrix) @ rhs)
    gram = matrix @ _adj(matrix) + reg
    return _adj(matrix) @ jnp.linalg.solve(gram, rhs)


def _solve_ls_rule(inputs, x, g, *, l2_regularizer, fast):
    if not fast:
        raise ValueError("Gradient not defined for fast=False")
    _, pullback = jax.vjp(lambda a, b: _solve_ls_lowering(a, b, l2_regularizer=l2_regularizer,
                                                          fast=True), *inputs)
    return pullback(g)


MATRIX_SOLVE_LS = def_op("MatrixSolveLs", _solve_ls_lowering, "matrix: T, rhs: T", T=_LINALG,
                         vjp=_solve_ls_rule)


@public(MATRIX_SOLVE_LS, CHOLESKY, MATRIX_TRIANGULAR_SOLVE)
def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Least-squares solutions of matrix @ X = rhs, as `tf.linalg.lstsq`.

    fast=True (TF's default): the Cholesky solution of the normal equations
    (A^H A + l2 I) X = A^H rhs, or X = A^H (A A^H + l2 I)^-1 rhs for wide A,
    composed from MatMul, Cholesky and triangular solves as TF does.
    fast=False: one MatrixSolveLs op giving the minimum-norm solution
    (`l2_regularizer` ignored, as TF); its gradient raises ValueError, as TF.
    `l2_regularizer` must be known when the graph is built.
    """
    with op_scope(name, "matrix_solve_ls") as scope:
        a = _matrix(matrix, "matrix", "MatrixSolveLs")
        b = _matrix(rhs, "rhs", "MatrixSolveLs")
        l2 = float(static_value(l2_regularizer, "l2_regularizer"))
        if not fast:
            return apply_op(MATRIX_SOLVE_LS, [a, b], {"l2_regularizer": l2, "fast": False},
                            name=scope or "MatrixSolveLs")
        m, n = a.shape[-2], a.shape[-1]
        if m is None or n is None:
            raise ValueError("lstsq needs the matrix dimensions when the graph is built "
                             f"(got shape {a.shape}).")
        if m >= n:
            chol = _gramian_cholesky(a, l2, first_kind=True)
            return cholesky_solve(chol, matmul(a, b, adjoint_a=True))
        chol = _gramian_cholesky(a, l2, first_kind=False)
        return matmul(a, cholesky_solve(chol, b), adjoint_a=True)


# ---------------------------------------------------------------------------
# Eigen-, singular value and QR decompositions.

def _eigh_lowering(input, *, compute_v):  # noqa: A002
    e, v = jnp.linalg.eigh(input, UPLO="L", symmetrize_input=False)
    if compute_v:
        return e, v
    return e, jnp.zeros((0,), input.dtype)  # TF's empty second output


def _eigh_rule(inputs, outs, cts, *, compute_v):
    # TF's _SelfAdjointEigV2Grad.
    (a,) = inputs
    e, v = outs
    grad_e, grad_v = cts
    grad_e = grad_e.astype(a.dtype)
    if compute_v:
        f = _set_diag_zero(_safe_reciprocal(e[..., None, :] - e[..., :, None])).astype(a.dtype)
        grad_a = v @ ((_diag(grad_e) + f * (_adj(v) @ grad_v)) @ _adj(v))
    else:
        _, v = jnp.linalg.eigh(a, UPLO="L", symmetrize_input=False)
        grad_a = v @ (_diag(grad_e) @ _adj(v))
    # The op reads the lower triangle only: symmetrize, keep the lower triangle.
    grad_a = jnp.tril(grad_a + _adj(grad_a))
    grad_a = grad_a - 0.5 * _diag(jnp.diagonal(grad_a, axis1=-2, axis2=-1))
    return (grad_a,)


SELF_ADJOINT_EIG = def_op("SelfAdjointEigV2", _eigh_lowering, "input: T", T=_LINALG,
                          vjp=_eigh_rule)


@public(SELF_ADJOINT_EIG)
def eigh(tensor, name=None):
    """(eigenvalues ascending, eigenvectors in columns) of Hermitian matrices, as
    `tf.linalg.eigh`; reads the lower triangle only, as TF."""
    x = _matrix(tensor, "tensor", "SelfAdjointEigV2", square=True)
    e, v = apply_op(SELF_ADJOINT_EIG, [x], {"compute_v": True}, name=name or "SelfAdjointEigV2")
    return e, v


@public(SELF_ADJOINT_EIG)
def eigvalsh(tensor, name=None):
    """The eigenvalues of Hermitian matrices, as `tf.linalg.eigvalsh`."""
    x = _matrix(tensor, "tensor", "SelfAdjointEigV2", square=True)
    e, _ = apply_op(SELF_ADJOINT_EIG, [x], {"compute_v": False}, name=name or "SelfAdjointEigV2")
    return e


def _svd_lowering(input, *, compute_uv, full_matrices):  # noqa: A002
    if not compute_uv:
        s = jnp.linalg.svd(input, compute_uv=False)
        empty = jnp.zeros((0,), input.dtype)
        return s.astype(input.dtype), empty, empty
    u, s, vh = jnp.linalg.svd(input, full_matrices=full_matrices)
    return s.astype(input.dtype), u, _adj(vh)  # TF: s has the input's dtype


def _svd_rule(inputs, outs, cts, *, compute_uv, full_matrices):
    # TF's _SvdGrad (Giles; Townsend for full_matrices=False; complex terms).
    (a,) = inputs
    grad_s, grad_u, grad_v = cts
    grad_s = grad_s.astype(a.dtype)
    if not compute_uv:
        u, _, vh = jnp.linalg.svd(a, full_matrices=False)
        return (u @ (_diag(grad_s) @ vh),)
    s, u, v = outs
    m, n = a.shape[-2:]
    use_adjoint = m > n
    if use_adjoint:
        m, n = n, m
        u, v = v, u
        grad_u, grad_v = grad_v, grad_u
    if full_matrices and abs(m - n) > 1:
        raise NotImplementedError(f"svd gradient is not implemented for abs(m - n) > 1 when "
                                  f"full_matrices is True. Received: m={m} and n={n}.")
    s_mat = _diag(s)
    s2 = s * s
    f = _set_diag_zero(_safe_reciprocal(s2[..., None, :] - s2[..., :, None]))
    s_inv_mat = _diag(_safe_reciprocal(s))
    v1 = v[..., :, :m]
    grad_v1 = grad_v[..., :, :m]
    u_gu = _adj(u) @ grad_u
    v_gv = _adj(v1) @ grad_v1
    f_u = f * u_gu
    f_v = f * v_gv
    term1_nouv = _diag(grad_s) + (f_u + _adj(f_u)) @ s_mat + s_mat @ (f_v + _adj(f_v))
    grad_a = u @ (term1_nouv @ _adj(v1))
    if m != n:
        gv1t = _adj(grad_v1)
        term2_nous = gv1t - (gv1t @ v1) @ _adj(v1)
        if full_matrices:
            v2 = v[..., :, m:n]
            grad_v2 = grad_v[..., :, m:n]
            term2_nous = term2_nous - (_adj(v1) @ grad_v2) @ _adj(v2)
        grad_a = grad_a + (u @ s_inv_mat) @ term2_nous
    if jnp.iscomplexobj(a):
        l = jnp.eye(s.shape[-1], dtype=a.dtype) * v_gv
        term3_nouv = s_inv_mat @ (_adj(l) - l)
        grad_a = grad_a + 0.5 * (u @ (term3_nouv @ _adj(v1)))
    return (_adj(grad_a) if use_adjoint else grad_a,)


SVD = def_op("Svd", _svd_lowering, "input: T", T=_LINALG, vjp=_svd_rule)


@public(SVD)
def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """Singular values, as `tf.linalg.svd`: (s, u, v) with a = u diag(s) v^H, or s alone.

    s is descending and has the input's dtype (as TF); `v`, not v^H.
    """
    x = _matrix(tensor, "tensor", "Svd")
    s, u, v = apply_op(SVD, [x], {"compute_uv": bool(compute_uv),
                                  "full_matrices": bool(full_matrices)}, name=name or "Svd")
    return (s, u, v) if compute_uv else s


def _qr_lowering(input, *, full_matrices):  # noqa: A002
    return tuple(jnp.linalg.qr(input, mode="complete" if full_matrices else "reduced"))


def _qr_rule(inputs, outs, cts, *, full_matrices):
    # TF's _QrGrad (arXiv:2009.10071): square and deep matrices, wide ones by splitting.
    (a,) = inputs
    q, r = outs
    dq, dr = cts
    if r.shape[-2] > r.shape[-1] and q.shape[-2] == q.shape[-1]:
        raise NotImplementedError("QrGrad not implemented when nrows > ncols and "
                                  f"full_matrices is true. Received r.shape={r.shape}.")

    def triangular_solve_right(x, r):  # x @ inv(r)^H, r upper triangular
        return _adj(lax.linalg.triangular_solve(r, _adj(x), left_side=True, lower=False))

    def square_and_deep(q, r, dq, dr):
        qdq = _adj(q) @ dq
        qdq_ = qdq - _adj(qdq)
        rdr = r @ _adj(dr)
        rdr_ = rdr - _adj(rdr)
        tril = jnp.tril(qdq_ + rdr_)
        grad = q @ (dr + triangular_solve_right(tril, r))
        grad = grad + triangular_solve_right(dq - q @ qdq, r)
        if jnp.iscomplexobj(q):
            m = rdr - _adj(qdq)
            eyem = _diag(jnp.diagonal(m, axis1=-2, axis2=-1))
            correction = eyem - jnp.real(eyem).astype(q.dtype)
            grad = grad + triangular_solve_right(q @ _adj(correction), r)
        return grad

    num_rows, num_cols = q.shape[-2], r.shape[-1]
    if num_rows >= num_cols:
        return (square_and_deep(q, r, dq, dr),)
    y = a[..., :, num_rows:]
    u = r[..., :, :num_rows]
    dv = dr[..., :, num_rows:]
    du = dr[..., :, :num_rows]
    dy = q @ dv
    dx = square_and_deep(q, u, dq + y @ _adj(dv), du)
    return (jnp.concatenate([dx, dy], axis=-1),)


QR = def_op("Qr", _qr_lowering, "input: T", T=_LINALG, vjp=_qr_rule)


@public(QR)
def qr(input, full_matrices=False, name=None):  # noqa: A002
    """(q, r) with a = q r, q orthonormal columns, r upper triangular, as `tf.linalg.qr`."""
    x = _matrix(input, "input", "Qr")
    q, r = apply_op(QR, [x], {"full_matrices": bool(full_matrices)}, name=name or "Qr")
    return q, r


# ---------------------------------------------------------------------------
# Diagonals and bands (k, sizes and padding are static attributes).

def _diag_offset(d, diag_len, max_diag_len, align):
    left_aligned_super = align in ("LEFT_LEFT", "LEFT_RIGHT")
    left_aligned_sub = align in ("LEFT_LEFT", "RIGHT_LEFT")
    if (d >= 0 and not left_aligned_super) or (d <= 0 and not left_aligned_sub):
        return max_diag_len - diag_len
    return 0


def _diag_part_indices(rows, cols, k, align):
    """Static (row, col, valid) index arrays of MatrixDiagPartV3's output."""
    lo, hi = k
    max_len = min(rows + min(hi, 0), cols - max(lo, 0))
    ds = list(range(hi, lo - 1, -1))
    r = np.zeros((len(ds), max(max_len, 0)), np.int64)
    c = np.zeros_like(r)
    for m, d in enumerate(ds):
        diag_len = min(rows + min(0, d), cols - max(0, d))
        offset = _diag_offset(d, diag_len, max_len, align)
        n = np.arange(max(max_len, 0))
        r[m] = n + max(-d, 0) - offset
        c[m] = n + max(d, 0) - offset
    valid = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    return np.where(valid, r, 0), np.where(valid, c, 0), valid


def _diag_part_lowering(input, *, k, padding_value, align):  # noqa: A002
    rows, cols = input.shape[-2:]
    r, c, valid = _diag_part_indices(rows, cols, k, align)
    out = jnp.where(valid, input[..., r, c], jnp.asarray(padding_value, input.dtype))
    return out[..., 0, :] if k[0] == k[1] else out


MATRIX_DIAG_PART = def_op("MatrixDiagPartV3", _diag_part_lowering, "input: T", T=ALL_TYPES)


def _k_pair(k):
    k = np.asarray(static_value(k, "k")).reshape(-1).tolist()
    if len(k) not in (1, 2):
        raise ValueError(f"k must be a scalar or a pair, got {k}.")
    lo, hi = (k[0], k[0]) if len(k) == 1 else k
    if lo > hi:
        raise ValueError(f"lower_diag_index must not be larger than upper_diag_index: "
                         f"{lo} > {hi}")
    return int(lo), int(hi)


_ALIGNS = ("LEFT_LEFT", "LEFT_RIGHT", "RIGHT_LEFT", "RIGHT_RIGHT")


def _static_scalar(value, what):
    v = static_value(value, what)
    return np.asarray(v).item() if isinstance(v, np.ndarray) else v


@public(MATRIX_DIAG_PART)
def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):  # noqa: A002
    """The k-th diagonal(s) of each matrix, as `tf.linalg.diag_part` (MatrixDiagPartV3).

    `k` an int or (lo, hi) band; a band gives [..., hi - lo + 1, max_len],
    superdiagonal first, short diagonals padded with `padding_value` and
    aligned by `align`, as TF.
    """
    if align not in _ALIGNS:
        raise ValueError(f"align must be one of {_ALIGNS}, got {align!r}")
    x = _matrix(input, "input", "MatrixDiagPartV3")
    attrs = {"k": _k_pair(k), "padding_value": _static_scalar(padding_value, "padding_value"),
             "align": align}
    return apply_op(MATRIX_DIAG_PART, [x], attrs, name=name or "diag_part")


def _diag_lowering(diagonal, *, k, num_rows, num_cols, padding_value, align):
    lo, hi = k
    max_len = diagonal.shape[-1]
    if lo == hi == 0 and max_len == min(num_rows, num_cols):
        # The main diagonal (tf.eye, tf.linalg.diag): a mask from iotas, so that XLA
        # embeds no rows x cols index arrays.
        rows = lax.broadcasted_iota(np.int32, (num_rows, num_cols), 0)
        cols = lax.broadcasted_iota(np.int32, (num_rows, num_cols), 1)
        values = jnp.pad(diagonal, [(0, 0)] * (diagonal.ndim - 1) + [(0, num_cols - max_len)])
        return jnp.where(rows == cols, values[..., None, :],
                         jnp.asarray(padding_value, diagonal.dtype))
    if lo == hi:
        diagonal = diagonal[..., None, :]
    rows = np.arange(num_rows)[:, None]
    cols = np.arange(num_cols)[None, :]
    d = cols - rows
    diag_len = np.minimum(num_rows + np.minimum(0, d), num_cols - np.maximum(0, d))
    offset = np.zeros_like(d)
    for dd in np.unique(d):
        offset[d == dd] = _diag_offset(int(dd), int(diag_len[d == dd][0]), max_len, align)
    index = cols - np.maximum(d, 0) + offset
    band = (d >= lo) & (d <= hi) & (index >= 0) & (index < max_len)
    which = np.where(band, hi - d, 0)
    index = np.where(band, index, 0)
    values = diagonal[..., which, index]
    return jnp.where(band, values, jnp.asarray(padding_value, diagonal.dtype))


MATRIX_DIAG = def_op("MatrixDiagV3", _diag_lowering, "diagonal: T", T=ALL_TYPES)


@public(MATRIX_DIAG)
def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
         align="RIGHT_LEFT"):
    """Matrices with the given diagonal(s), as `tf.linalg.diag` (MatrixDiagV3).

    Sizes default as TF: square, just large enough for the diagonals.
    """
    if align not in _ALIGNS:
        raise ValueError(f"align must be one of {_ALIGNS}, got {align!r}")
    x = convert_to_tensor(diagonal, name="diagonal")
    lo, hi = _k_pair(k)
    num_rows = int(_static_scalar(num_rows, "num_rows"))
    num_cols = int(_static_scalar(num_cols, "num_cols"))
    rank = x.shape.rank
    if rank is None or rank < (1 if lo == hi else 2):
        raise ValueError(f"diagonal must be at least rank {1 if lo == hi else 2}, got "
                         f"shape {x.shape}.")
    if lo != hi and x.shape[-2] is not None and x.shape[-2] != hi - lo + 1:
        raise ValueError(f"The number of diagonals provided in the input does not match "
                         f"the lower_diag_index and upper_diag_index range. Expected "
                         f"{hi - lo + 1}, got {x.shape[-2]}.")
    max_len = x.shape[-1]
    min_rows = max_len - min(hi, 0)
    min_cols = max_len + max(lo, 0)
    if num_rows == -1 and num_cols == -1:
        num_rows = num_cols = max(min_rows, min_cols)
    elif num_rows == -1:
        num_rows = min_rows
    elif num_cols == -1:
        num_cols = min_cols
    if num_rows < min_rows:
        raise ValueError("The number of rows is too small.")
    if num_cols < min_cols:
        raise ValueError("The number of columns is too small.")
    if num_rows != min_rows and num_cols != min_cols:
        raise ValueError(f"The number of rows or columns is not consistent with the specified "
                         f"d_lower, d_upper, and diagonal: got num_rows={num_rows}, "
                         f"num_cols={num_cols}; expected {min_rows} rows or {min_cols} columns.")
    attrs = {"k": (lo, hi), "num_rows": num_rows, "num_cols": num_cols,
             "padding_value": _static_scalar(padding_value, "padding_value"), "align": align}
    return apply_op(MATRIX_DIAG, [x], attrs, name=name or "diag")


def _band_part_lowering(input, *, num_lower, num_upper):  # noqa: A002
    rows, cols = input.shape[-2:]
    i = np.arange(rows)[:, None]
    j = np.arange(cols)[None, :]
    keep = ((num_lower < 0) | (i - j <= num_lower)) & ((num_upper < 0) | (j - i <= num_upper))
    return jnp.where(keep, input, jnp.zeros((), input.dtype))


MATRIX_BAND_PART = def_op("MatrixBandPart", _band_part_lowering, "input: T", T=ALL_TYPES)


@public(MATRIX_BAND_PART)
def band_part(input, num_lower, num_upper, name=None):  # noqa: A002
    """Keeps `num_lower` sub- and `num_upper` superdiagonals (negative: all), zeroes
    the rest, as `tf.linalg.band_part`."""
    x = _matrix(input, "input", "MatrixBandPart")
    attrs = {"num_lower": int(_static_scalar(num_lower, "num_lower")),
             "num_upper": int(_static_scalar(num_upper, "num_upper"))}
    return apply_op(MATRIX_BAND_PART, [x], attrs, name=name or "MatrixBandPart")


CROSS = def_op("Cross", lambda a, b: jnp.cross(a, b), "a: T, b: T", T=REAL_NUMERIC)


@public(CROSS)
def cross(a, b, name=None):
    """Cross products of 3-vectors along the last axis, as `tf.linalg.cross`.

    Both shapes must be equal, with a last dimension of 3 (ValueError).
    """
    a = convert_to_tensor(a, name="a")
    b = convert_to_tensor(b, name="b", dtype_hint=a.dtype)
    if a.shape.rank is not None and b.shape.rank is not None:
        if not a.shape.is_compatible_with(b.shape):
            raise ValueError(f"Dimensions must be equal, but are {a.shape} and {b.shape} for "
                             "'{{node Cross}} = Cross'.")
        if a.shape.rank == 0 or a.shape[-1] not in (3, None):
            raise ValueError(f"Dimension must be 3 but is {a.shape[-1] if a.shape.rank else 0} "
                             "for '{{node Cross}} = Cross'.")
    return apply_op(CROSS, [a, b], name=name or "Cross")


# ---------------------------------------------------------------------------
# Composites, built from the ops above as TF builds them.

def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Transposes the last two dimensions, as `tf.linalg.matrix_transpose`."""
    with op_scope(name, "matrix_transpose"):
        a = _matrix(a, "a", "matrix_transpose")
        rank = a.shape.rank
        perm = list(range(rank - 2)) + [rank - 1, rank - 2]
        return array_ops.transpose(a, perm, conjugate=conjugate)


def adjoint(matrix, name=None):
    """The conjugate transpose of the last two dimensions, as `tf.linalg.adjoint`."""
    with op_scope(name, "adjoint"):
        return matrix_transpose(matrix, conjugate=True)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """Identity matrices (optionally batched), as `tf.eye` / `tf.linalg.eye`."""
    with op_scope(name, "eye"):
        dtype = dtypes.as_dtype(dtype)
        num_rows = int(_static_scalar(num_rows, "num_rows"))
        num_columns = num_rows if num_columns is None else int(
            _static_scalar(num_columns, "num_columns"))
        batch = [] if batch_shape is None else [
            int(d) for d in np.asarray(static_value(batch_shape, "batch_shape")).reshape(-1)]
        ones = array_ops.ones(batch + [min(num_rows, num_columns)], dtype=dtype)
        return diag(ones, num_rows=num_rows, num_cols=num_columns, name="diag")


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False,
           name=None):
    """a @ b for matrices a and vectors b, as `tf.linalg.matvec` (ExpandDims, MatMul, Squeeze)."""
    with op_scope(name, "MatVec"):
        b = convert_to_tensor(b, name="b")
        out = matmul(a, array_ops.expand_dims(b, -1), transpose_a=transpose_a,
                     adjoint_a=adjoint_a)
        return array_ops.squeeze(out, -1)


def trace(x, name=None):
    """The sum of the main diagonal of each matrix, as `tf.linalg.trace`."""
    with op_scope(name, "Trace") as scope:
        x = _matrix(x, "x", "Trace")
        return math_ops.reduce_sum(diag_part(x), [-1], name=scope)


def logdet(matrix, name=None):
    """log det of Hermitian positive-definite matrices, as `tf.linalg.logdet`:
    2 * sum(log(diag(cholesky(matrix))))."""
    with op_scope(name, "logdet"):
        chol = cholesky(matrix)
        return 2.0 * math_ops.reduce_sum(math_ops.log(math_ops.real(diag_part(chol))), [-1])


def _tensordot_reshape(a, axes, flipped):
    shape = a.shape.as_list()
    axes = [i if i >= 0 else i + len(shape) for i in axes]
    free = [i for i in range(len(shape)) if i not in axes]
    free_dims = [shape[i] for i in free]
    prod_free = int(np.prod(free_dims))
    prod_axes = int(np.prod([shape[i] for i in axes]))
    perm = axes + free if flipped else free + axes
    new_shape = [prod_axes, prod_free] if flipped else [prod_free, prod_axes]
    if perm != list(range(len(shape))):
        a = array_ops.transpose(a, perm)
    if a.shape.as_list() != new_shape:
        a = array_ops.reshape(a, new_shape)
    return a, free_dims


def tensordot(a, b, axes, name=None):
    """Contracts `axes` of a with those of b, as `tf.linalg.tensordot`.

    `axes` is N (the last N of a with the first N of b) or a pair of axis
    lists; built as TF builds it, from Transpose, Reshape and MatMul.
    Shapes must be known when the graph is built.
    """
    with op_scope(name, "Tensordot") as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b", dtype_hint=a.dtype)
        for t in (a, b):
            if not t.shape.is_fully_defined():
                raise ValueError(f"tensordot needs static shapes, got {t.shape}.")
        if isinstance(axes, numbers.Integral):
            if axes < 0:
                raise ValueError(f"`axes` must be at least 0. Received: {axes}.")
            if axes > a.shape.rank:
                raise ValueError(f"`axes` must not be larger than the number of dimensions of "
                                 f"tensor {a}.  Received {axes}, vs tensor dimensions "
                                 f"{a.shape.rank}.")
            a_axes, b_axes = list(range(a.shape.rank - axes, a.shape.rank)), list(range(axes))
        else:
            axes = static_value(axes, "axes")
            if isinstance(axes, np.ndarray):
                axes = axes.tolist()
            if len(axes) != 2:
                raise ValueError(f"`axes` must be an integer or have length 2. Received {axes}.")
            a_axes, b_axes = axes
            if isinstance(a_axes, numbers.Integral):
                a_axes = [a_axes]
            if isinstance(b_axes, numbers.Integral):
                b_axes = [b_axes]
            a_axes, b_axes = [int(i) for i in a_axes], [int(i) for i in b_axes]
            if len(a_axes) != len(b_axes):
                raise ValueError(f"Different number of contraction axes `a` and `b`, "
                                 f"{len(a_axes)} != {len(b_axes)}.")
        a_mat, a_free = _tensordot_reshape(a, a_axes, False)
        b_mat, b_free = _tensordot_reshape(b, b_axes, True)
        product = matmul(a_mat, b_mat)
        if product.shape.as_list() == a_free + b_free:
            return product
        return array_ops.reshape(product, a_free + b_free, name=scope)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):  # noqa: A002
    """Vector and matrix norms, as `tf.linalg.norm`.

    ord: 'euclidean'/'fro' (sqrt of the sum of |x|^2 over `axis`, all
    elements when None), 1, 2, np.inf, or p > 0 for vectors; matrix norms
    (axis a pair) 'fro', 1, 2 (largest singular value), np.inf. Composed
    from TF's ops, with TF's errors for unsupported ord/axis.
    """
    keepdims = bool(keepdims)
    is_matrix_norm = isinstance(axis, (tuple, list)) and len(axis) == 2
    if is_matrix_norm:
        axis = tuple(axis)
        if (not isinstance(axis[0], int) or not isinstance(axis[1], int)
                or axis[0] == axis[1]):
            raise ValueError("'axis' must be None, an integer, or a tuple of 2 unique integers, "
                             f"got {axis}")
        supported = ["euclidean", "fro", 1, 2, np.inf]
        if ord not in supported:
            raise ValueError(f"'ord' must be a supported matrix norm in {supported}, got {ord}")
    else:
        if not (isinstance(axis, int) or axis is None):
            raise ValueError("'axis' must be None, an integer, or a tuple of 2 unique integers, "
                             f"got {axis}")
        supported = ["euclidean", 1, 2, np.inf]
        if ord not in supported and (isinstance(ord, str) or not np.isreal(ord) or ord <= 0):
            raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
        if axis is not None:
            axis = (axis,)
    with op_scope(name, "norm"):
        x = convert_to_tensor(tensor)
        if ord in ("fro", "euclidean", 2, 2.0):
            if is_matrix_norm and ord in (2, 2.0):
                rank = x.shape.rank
                pos = [a % rank for a in axis]
                perm_before = [i for i in range(rank) if i not in pos] + pos
                perm_after = [perm_before.index(i) for i in range(rank)]
                s = svd(array_ops.transpose(x, perm_before), compute_uv=False)
                top = math_ops.reduce_max(math_ops.abs(s), axis=-1, keepdims=True)
                result = array_ops.transpose(array_ops.expand_dims(top, -1), perm_after)
            else:
                squares = x * math_ops.conj(x) if x.dtype.is_complex else x * x
                result = math_ops.sqrt(math_ops.reduce_sum(squares, axis, keepdims=True))
        else:
            result = math_ops.abs(x)
            if ord == 1:
                sum_axis = None if axis is None else axis[0]
                result = math_ops.reduce_sum(result, sum_axis, keepdims=True)
                if is_matrix_norm:
                    result = math_ops.reduce_max(result, axis[-1], keepdims=True)
            elif ord == np.inf:
                if is_matrix_norm:
                    result = math_ops.reduce_sum(result, axis[1], keepdims=True)
                max_axis = None if axis is None else axis[0]
                result = math_ops.reduce_max(result, max_axis, keepdims=True)
            else:
                result = math_ops.pow(
                    math_ops.reduce_sum(math_ops.pow(result, ord), axis, keepdims=True),
                    1.0 / ord)
        if not keepdims:
            result = array_ops.squeeze(result, axis)
        return result
