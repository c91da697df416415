"""`tf.linalg`: linear-algebra ops under their TF names."""

from tfgrad_jax.ops.linalg_ops import (adjoint, band_part, cholesky, cholesky_solve,  # noqa: F401
                                       cross, det, diag, diag_part, eigh, eigvalsh, eye, inv,
                                       logdet, lstsq, matmul, matrix_transpose, matvec, norm,
                                       qr, slogdet, solve, svd, tensordot, trace,
                                       triangular_solve)
