"""`tf.linalg`: linear-algebra ops under their TF names."""

from tfgrad_jax.ops.linalg_ops import (adjoint, band_part, cholesky, cholesky_solve,  # noqa: F401
                                       cross, det, diag, diag_part, eigh, eigvalsh, eye, inv,
                                       logdet, lstsq, matmul, matrix_transpose, matvec, norm,
                                       qr, slogdet, solve, svd, tensordot, trace,
                                       triangular_solve)
from tfgrad_jax.ops.array_ops import einsum  # noqa: F401,E402
from tfgrad_jax.ops.math_ops import global_norm, l2_normalize  # noqa: F401,E402
