"""Math ops (`tf.math`): elementwise arithmetic, comparisons, reductions, matmul.

Each op is one `def_op` declaration (TF type name, JAX lowering, gradient
policy) with its public wrapper below it. Where TF's registered gradient
differs from JAX's derivative (ties in maximum/minimum, abs at 0, pow of a
non-positive base), the declaration carries a JAX rule that matches TF.
"""

import collections

import jax
import jax.numpy as jnp
import jax.scipy.special  # noqa: F401 - erf, erfc
import numpy as np
from jax import lax

from tfgrad_jax.framework import dtypes, runtime_checks
from tfgrad_jax.framework.dtypes import (ALL_TYPES, FLOATING, INEXACT, NUMERIC, REAL_NUMERIC,
                                         SIGNED_INTEGERS)
from tfgrad_jax.framework.op_def import (AUTODIFF, NO_GRADIENT, NOT_DIFFERENTIABLE, apply_op,
                                         argument_error, convert_to_tensor, def_op, op_scope,
                                         public)
from tfgrad_jax.framework.tensor import Tensor
from tfgrad_jax.framework.tensor_shape import TensorShape
from tfgrad_jax.ops import array_ops
from tfgrad_jax.ops.array_ops import ADD_N

BOOL = (dtypes.bool,)
_REAL_OF_COMPLEX = (dtypes.float32, dtypes.float64)
_SIGNED_REAL = FLOATING + SIGNED_INTEGERS


def _tensor(x, name=None, dtype_hint=None):
    return convert_to_tensor(x, name=name, dtype_hint=dtype_hint)


def _zeros_where(mask, g):
    return jnp.where(mask, g, jnp.zeros_like(g))


def _unbroadcast(g, shape):
    """Sums a broadcast gradient back to `shape` (one helper for every binary rule)."""
    if g.shape == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(shape)
                                      if d == 1 and g.shape[i + lead] != 1)
    return jnp.sum(g, axis=axes).reshape(shape)


# ---------------------------------------------------------------------------
# Binary elementwise ops. Their checks (runtime_checks) give TF's kernel errors:
# shapes that do not broadcast, eagerly; integer division by zero.

_broadcasts = runtime_checks.incompatible_shapes


def _integer_division_check(x, y):
    """TF's integer FloorDiv, FloorMod and Div kernels: "Integer division by zero"."""
    found = _broadcasts(x, y)
    if found is not None or not jnp.issubdtype(y.dtype, jnp.integer):
        return found
    return runtime_checks.Check(jnp.any(y == 0), lambda: "Integer division by zero")


ADD = def_op("AddV2", jnp.add, "x: T, y: T", T=NUMERIC, check=_broadcasts)
SUB = def_op("Sub", jnp.subtract, "x: T, y: T", T=NUMERIC, check=_broadcasts)
MUL = def_op("Mul", jnp.multiply, "x: T, y: T", T=NUMERIC, check=_broadcasts)
REAL_DIV = def_op("RealDiv", jnp.divide, "x: T, y: T", T=INEXACT, check=_broadcasts)
DIV = def_op("Div", lambda x, y: lax.div(*jnp.broadcast_arrays(x, y)), "x: T, y: T", T=NUMERIC,
             check=_integer_division_check)
FLOOR_DIV = def_op("FloorDiv", jnp.floor_divide, "x: T, y: T", T=REAL_NUMERIC,
                   grad=NOT_DIFFERENTIABLE, check=_integer_division_check)
FLOOR_MOD = def_op("FloorMod", jnp.mod, "x: T, y: T", T=REAL_NUMERIC,
                   check=_integer_division_check)


def _max_min_rule(pick_x):
    def rule(inputs, out, g):
        x, y = inputs
        mask = pick_x(x, y)  # TF: ties go wholly to x
        return (_unbroadcast(_zeros_where(mask, g), x.shape),
                _unbroadcast(_zeros_where(~mask, g), y.shape))
    return rule


MAXIMUM = def_op("Maximum", jnp.maximum, "x: T, y: T", T=REAL_NUMERIC,
                 vjp=_max_min_rule(jnp.greater_equal), check=_broadcasts)
MINIMUM = def_op("Minimum", jnp.minimum, "x: T, y: T", T=REAL_NUMERIC,
                 vjp=_max_min_rule(jnp.less_equal), check=_broadcasts)


def _pow_rule(inputs, z, g):
    x, y = inputs
    # TF's _PowGrad builds Pow ops, so its second derivative follows this rule too
    # (the log term stays 0 at x <= 0): the powers here are the op's own.
    z = POW.call_raw([x, y], None, {})
    gx = g * y * POW.call_raw([x, y - 1], None, {})
    if jnp.iscomplexobj(x):
        log_x = jnp.where(x != 0, jnp.log(jnp.where(x != 0, x, 1)), 0)
    else:  # TF: the log term is 0 where x <= 0, not nan
        log_x = jnp.where(x > 0, jnp.log(jnp.where(x > 0, x, 1)), 0)
    gy = g * z * log_x
    return _unbroadcast(gx, x.shape), _unbroadcast(gy, y.shape)


def _pow_check(x, y):
    """TF's CPU Pow kernel refuses negative integer exponents."""
    found = _broadcasts(x, y)
    if found is not None or not jnp.issubdtype(y.dtype, jnp.integer):
        return found
    return runtime_checks.Check(jnp.any(y < 0), lambda: "Integers to negative integer powers "
                                "are not allowed")


POW = def_op("Pow", jnp.power, "x: T, y: T", T=NUMERIC, vjp=_pow_rule, check=_pow_check)


@public(ADD)
def add(x, y, name=None):
    """Returns x + y elementwise, as `tf.math.add` (op AddV2, broadcasting)."""
    return apply_op(ADD, [x, y], name=name or "Add")


@public(SUB)
def subtract(x, y, name=None):
    """Returns x - y elementwise, as `tf.math.subtract`."""
    return apply_op(SUB, [x, y], name=name or "Sub")


@public(MUL)
def multiply(x, y, name=None):
    """Returns x * y elementwise, as `tf.math.multiply`."""
    return apply_op(MUL, [x, y], name=name or "Mul")


# TF's true division casts integers to floats first (int32 -> float64).
_TRUEDIV_TABLE = {dtypes.int8: dtypes.float32, dtypes.uint8: dtypes.float32,
                  dtypes.int16: dtypes.float32, dtypes.uint16: dtypes.float32,
                  dtypes.int32: dtypes.float64, dtypes.int64: dtypes.float64,
                  dtypes.uint32: dtypes.float64, dtypes.uint64: dtypes.float64}


@public(REAL_DIV)
def truediv(x, y, name=None):
    """Returns x / y with float results, as `tf.math.truediv`.

    Integer inputs are cast first, as TF does: int8/int16 to float32,
    int32/int64 to float64. Mixing dtypes raises TypeError.
    """
    with op_scope(name, "truediv") as scope:
        x, y = _binary_tensors(x, y)  # 1 / t: the Python number takes t's dtype
        if x.dtype != y.dtype:
            raise TypeError(f"`x` and `y` must have the same dtype, got {x.dtype!r} != "
                            f"{y.dtype!r}.")
        target = _TRUEDIV_TABLE.get(x.dtype)
        if target is not None:
            x, y = cast(x, target), cast(y, target)
        return apply_op(REAL_DIV, [x, y], name=scope)


@public(REAL_DIV)
def divide(x, y, name=None):
    """Returns x / y, as `tf.math.divide` (true division, like Python 3)."""
    return truediv(x, y, name=name)


@public(DIV)
def div(x, y, name=None):
    """x / y in the dtype of x, as TF 1's `tf.compat.v1.div` (op Div).

    Integers divide truncating toward 0 (C semantics); floats divide exactly.
    """
    x, y = _binary_tensors(x, y)
    return apply_op(DIV, [x, y], name=name or "Div")


@public(FLOOR_DIV)
def floordiv(x, y, name=None):
    """Returns floor(x / y), as `tf.math.floordiv` (not differentiable in TF)."""
    return apply_op(FLOOR_DIV, [x, y], name=name or "floordiv")


@public(FLOOR_MOD)
def floormod(x, y, name=None):
    """Returns x mod y with the sign of y, as `tf.math.floormod`."""
    return apply_op(FLOOR_MOD, [x, y], name=name or "FloorMod")


mod = floormod


@public(MAXIMUM)
def maximum(x, y, name=None):
    """Elementwise max, as `tf.math.maximum`; at ties TF's gradient goes to x."""
    return apply_op(MAXIMUM, [x, y], name=name or "Maximum")


@public(MINIMUM)
def minimum(x, y, name=None):
    """Elementwise min, as `tf.math.minimum`; at ties TF's gradient goes to x."""
    return apply_op(MINIMUM, [x, y], name=name or "Minimum")


@public(POW)
def pow(x, y, name=None):  # noqa: A001 - TF's name
    """Returns x ** y elementwise, as `tf.math.pow`."""
    return apply_op(POW, [x, y], name=name or "Pow")


def _binary_tensors(x, y):
    """Converts both operands, letting a Python number take the tensor's dtype."""
    if isinstance(x, Tensor):
        y = y if isinstance(y, Tensor) else _tensor(y, "y", dtype_hint=x.dtype)
    elif isinstance(y, Tensor):
        x = _tensor(x, "x", dtype_hint=y.dtype)
    else:
        x = _tensor(x, "x")
        y = _tensor(y, "y", dtype_hint=x.dtype)
    return x, y


ATAN2 = def_op("Atan2", jnp.arctan2, "y: T, x: T", T=FLOATING, check=_broadcasts)


@public(ATAN2)
def atan2(y, x, name=None):
    """The angle of the point (x, y), in [-pi, pi], as `tf.math.atan2` (note: y first)."""
    return apply_op(ATAN2, [y, x], name=name or "Atan2")


def _squared_difference_lowering(x, y):
    d = x - y
    return d * jnp.conj(d) if jnp.iscomplexobj(d) else d * d


SQUARED_DIFFERENCE = def_op("SquaredDifference", _squared_difference_lowering, "x: T, y: T",
                            T=INEXACT + (dtypes.int32, dtypes.int64))


@public(SQUARED_DIFFERENCE)
def squared_difference(x, y, name=None):
    """(x - y) * conj(x - y) elementwise, as `tf.math.squared_difference`."""
    return apply_op(SQUARED_DIFFERENCE, [x, y], name=name or "SquaredDifference")


def _div_no_nan_lowering(x, y):
    zero = y == 0  # the inner where keeps the gradient at y == 0 at 0, as TF's
    return jnp.where(zero, jnp.zeros_like(x / jnp.ones_like(y)), x / jnp.where(zero, 1, y))


DIV_NO_NAN = def_op("DivNoNan", _div_no_nan_lowering, "x: T, y: T", T=INEXACT)


@public(DIV_NO_NAN)
def divide_no_nan(x, y, name=None):
    """x / y, but 0 wherever y == 0 (even for x = inf or nan), as `tf.math.divide_no_nan`.

    Integer inputs are cast to floats first (int32 -> float64), as in TF;
    TF's gradient is also 0 where y == 0, and so is ours.
    """
    with op_scope(name, "div_no_nan") as scope:
        x, y = _binary_tensors(x, y)
        if x.dtype != y.dtype:
            raise TypeError(f"`x` and `y` must have the same dtype, got {x.dtype!r} != "
                            f"{y.dtype!r}.")
        target = _TRUEDIV_TABLE.get(x.dtype)
        if target is not None:
            x, y = cast(x, target), cast(y, target)
        return apply_op(DIV_NO_NAN, [x, y], name=scope)


def _xlogy_lowering(x, y):
    nonzero = x != 0
    safe_y = jnp.where(nonzero, y, jnp.ones_like(y))
    return jnp.where(nonzero, x * jnp.log(safe_y), jnp.zeros_like(x * safe_y))


def _tf_formula(rule):
    """A JAX vjp rule from a TF gradient formula that does not conjugate (TF's own form).

    tf.gradients returns conj(JAX's cotangent) for complex values, so a TF
    formula `grad * partial` (with no conj, as some of TF's are) becomes
    `conj(partial) * ct` here; for real dtypes this changes nothing.
    """
    def jax_rule(inputs, out, g, **attrs):
        if not jnp.iscomplexobj(g):
            return rule(inputs, out, g, **attrs)
        grads = rule(inputs, out, jnp.conj(g), **attrs)
        return tuple(None if r is None else jnp.conj(r) for r in grads)
    jax_rule.__name__ = rule.__name__
    return jax_rule


@_tf_formula
def _xlogy_rule(inputs, out, g):
    x, y = inputs
    nonzero = x != 0  # TF: d/dx = xlogy(x != 0, y), d/dy = xdivy(x, y): both 0 where x == 0
    safe_y = jnp.where(nonzero, y, jnp.ones_like(y))
    gx = jnp.where(nonzero, jnp.log(safe_y), 0) * g
    gy = jnp.where(nonzero, x / safe_y, 0) * g
    return _unbroadcast(gx.astype(x.dtype), x.shape), _unbroadcast(gy.astype(y.dtype), y.shape)


XLOGY = def_op("Xlogy", _xlogy_lowering, "x: T, y: T", T=INEXACT, vjp=_xlogy_rule)


@public(XLOGY)
def xlogy(x, y, name=None):
    """x * log(y), and 0 wherever x == 0 (even for y = 0 or nan), as `tf.math.xlogy`.

    Gradients follow TF's rule (JAX's derivative differs where x == 0): both
    partials are 0 there.
    """
    return apply_op(XLOGY, [x, y], name=name or "Xlogy")


def _x_where_nonzero(x, value):
    """`value` where x != 0, else 0 (computed at a safe point, so no nan leaks into grads)."""
    return jnp.where(x != 0, value, jnp.zeros_like(value))


def _xdivy_lowering(x, y):
    nonzero = x != 0
    return _x_where_nonzero(x, x / jnp.where(nonzero, y, jnp.ones_like(y)))


@_tf_formula
def _xdivy_rule(inputs, out, g):
    x, y = inputs
    safe_y = jnp.where(x != 0, y, jnp.ones_like(y))
    # TF: d/dx = xdivy(x != 0, y), d/dy = xdivy(-x, y**2): both 0 where x == 0.
    gx = _x_where_nonzero(x, 1 / safe_y) * g
    gy = _x_where_nonzero(x, -x / (safe_y * safe_y)) * g
    return _unbroadcast(gx.astype(x.dtype), x.shape), _unbroadcast(gy.astype(y.dtype), y.shape)


def _xlog1py_lowering(x, y):
    safe_y = jnp.where(x != 0, y, jnp.zeros_like(y))
    return _x_where_nonzero(x, x * jnp.log1p(safe_y))


@_tf_formula
def _xlog1py_rule(inputs, out, g):
    x, y = inputs
    safe_y = jnp.where(x != 0, y, jnp.zeros_like(y))
    # TF: d/dx = xlog1py(x != 0, y), d/dy = xdivy(x, y + 1): both 0 where x == 0.
    gx = _x_where_nonzero(x, jnp.log1p(safe_y)) * g
    gy = _x_where_nonzero(x, x / (safe_y + 1)) * g
    return _unbroadcast(gx.astype(x.dtype), x.shape), _unbroadcast(gy.astype(y.dtype), y.shape)


XDIVY = def_op("Xdivy", _xdivy_lowering, "x: T, y: T", T=INEXACT, vjp=_xdivy_rule)
XLOG1PY = def_op("Xlog1py", _xlog1py_lowering, "x: T, y: T", T=INEXACT, vjp=_xlog1py_rule)


@public(XDIVY)
def xdivy(x, y, name=None):
    """x / y, and 0 wherever x == 0 (even for y = 0 or nan), as `tf.math.xdivy`.

    Gradients follow TF's rule: both partials are 0 where x == 0.
    """
    with op_scope(name, "xdivy"):
        return apply_op(XDIVY, [x, y], name="Xdivy")


@public(XLOG1PY)
def xlog1py(x, y, name=None):
    """x * log1p(y), and 0 wherever x == 0 (even for y = -1 or nan), as `tf.math.xlog1py`.

    Gradients follow TF's rule: both partials are 0 where x == 0.
    """
    with op_scope(name, "xlog1py"):
        return apply_op(XLOG1PY, [x, y], name="Xlog1py")


def _truncate_div_lowering(x, y):
    if jnp.issubdtype(x.dtype, jnp.integer):
        return lax.div(*jnp.broadcast_arrays(x, y))  # C's division: toward zero
    if jnp.iscomplexobj(x):
        return x / y
    return jnp.trunc(x / y)


def _truncate_div_check(x, y):
    # TF's CPU kernel raises InternalError here (its generic "binary operator" failure).
    found = _broadcasts(x, y)
    if found is not None or not jnp.issubdtype(y.dtype, jnp.integer):
        return found
    from tfgrad_jax.framework.errors import InternalError
    return runtime_checks.Check(
        jnp.any(y == 0), lambda: "Unexpected error in binary operator (only integer div and "
        "mod should have errors)", error=InternalError)


TRUNCATE_DIV = def_op("TruncateDiv", _truncate_div_lowering, "x: T, y: T", T=NUMERIC,
                      grad=NOT_DIFFERENTIABLE, check=_truncate_div_check)


@public(TRUNCATE_DIV)
def truncatediv(x, y, name=None):
    """x / y rounded toward zero, as `tf.truncatediv` (7 // -2 is -3; 7.0 / -2.0 is -3.0).

    Complex numbers divide exactly. Not differentiable: TF's gradient function
    returns None for both inputs. TF exports it only at the top level
    (`tf.truncatediv`), not in `tf.math`.
    """
    x, y = _binary_tensors(x, y)
    return apply_op(TRUNCATE_DIV, [x, y], name=name or "TruncateDiv")


# ---------------------------------------------------------------------------
# Complex numbers: parts, conjugate, angle. TF returns real inputs unchanged
# (real, conj), or zeros (imag), creating no op.

REAL = def_op("Real", jnp.real, "input: T", T=dtypes.COMPLEX, Tout=_REAL_OF_COMPLEX)
IMAG = def_op("Imag", jnp.imag, "input: T", T=dtypes.COMPLEX, Tout=_REAL_OF_COMPLEX)
CONJ = def_op("Conj", jnp.conj, "input: T", T=dtypes.COMPLEX)
ANGLE = def_op("Angle", jnp.angle, "input: T", T=dtypes.COMPLEX, Tout=_REAL_OF_COMPLEX)
COMPLEX = def_op("Complex", lambda real, imag: lax.complex(*jnp.broadcast_arrays(real, imag)),
                 "real: T, imag: T", T=_REAL_OF_COMPLEX,
                 Tout=dtypes.COMPLEX)


@public(REAL)
def real(input, name=None):  # noqa: A002 - TF's argument name
    """The real part, as `tf.math.real`: op Real for complex input, else `input` itself."""
    x = _tensor(input, "input")
    if not x.dtype.is_complex:
        return x
    return apply_op(REAL, [x], {"Tout": x.dtype.real_dtype}, name=name or "Real")


@public(IMAG)
def imag(input, name=None):  # noqa: A002
    """The imaginary part, as `tf.math.imag`: op Imag, or zeros for real input."""
    x = _tensor(input, "input")
    if not x.dtype.is_complex:
        from tfgrad_jax.ops.array_ops import zeros_like
        return zeros_like(x, name=name)
    return apply_op(IMAG, [x], {"Tout": x.dtype.real_dtype}, name=name or "Imag")


@public(CONJ)
def conj(x, name=None):
    """The complex conjugate, as `tf.math.conj`; a real `x` is returned unchanged."""
    x = _tensor(x, "x")
    if not x.dtype.is_complex:
        return x
    return apply_op(CONJ, [x], name=name or "Conj")


@public(ANGLE)
def angle(input, name=None):  # noqa: A002
    """The argument atan2(imag, real), as `tf.math.angle`.

    For real input TF builds `where(input < 0, pi, 0)` (no gradient flows),
    and so do we.
    """
    x = _tensor(input, "input")
    if x.dtype.is_complex:
        return apply_op(ANGLE, [x], {"Tout": x.dtype.real_dtype}, name=name or "Angle")
    if not x.dtype.is_floating:
        raise TypeError(f"Expected {x.dtype.name}, but got 3.141592653589793 of type 'float'.")
    from tfgrad_jax.ops.array_ops import ones_like, where, zeros_like
    with op_scope(name, "Angle"):
        return where(less(x, 0), multiply(np.pi, ones_like(x)), zeros_like(x))


@public(COMPLEX)
def complex(real, imag, name=None):  # noqa: A001 - TF's name
    """real + 1j * imag, as `tf.complex` (float32 -> complex64, float64 -> complex128)."""
    with op_scope(name, "Complex") as scope:
        re, im = _binary_tensors(real, imag)
        if re.dtype != im.dtype:
            raise TypeError(f"`real` and `imag` must have the same dtype, got {re.dtype!r} "
                            f"!= {im.dtype!r}.")
        out = {dtypes.float32: dtypes.complex64, dtypes.float64: dtypes.complex128}.get(re.dtype)
        return apply_op(COMPLEX, [re, im], {"Tout": out}, name=scope)


# ---------------------------------------------------------------------------
# Unary elementwise ops: (TF type, public name, JAX lowering, allowed dtypes,
# gradient: None for JAX autodiff, a JAX rule matching TF, or NOT_DIFFERENTIABLE).

_SIGNED = INEXACT + SIGNED_INTEGERS


def _safe_kernel_rule(dy_dx):
    """TF's SqrtGrad/RsqrtGrad/ReciprocalGrad kernels: 0 where the incoming grad is 0.

    So `tf.where(x > 0, tf.sqrt(x), 0)` has gradient 0, not nan, at x <= 0.
    """
    def rule(inputs, out, g):
        return (jnp.where(g == 0, jnp.zeros_like(g), g * dy_dx(out)),)
    return rule


_UNARY = [
    ("Neg", "negative", jnp.negative, _SIGNED, None, "-x"),
    ("Square", "square", jnp.square, NUMERIC, None, "x * x"),
    ("Sqrt", "sqrt", jnp.sqrt, INEXACT, _safe_kernel_rule(lambda y: 0.5 / y),
     "the square root"),
    ("Rsqrt", "rsqrt", lax.rsqrt, INEXACT, _safe_kernel_rule(lambda y: -0.5 * y * y * y),
     "1 / sqrt(x)"),
    ("Exp", "exp", jnp.exp, INEXACT, None, "e ** x"),
    ("Expm1", "expm1", jnp.expm1, INEXACT, None, "e ** x - 1"),
    ("Log", "log", jnp.log, INEXACT, None, "the natural logarithm"),
    ("Log1p", "log1p", jnp.log1p, INEXACT, None, "log(1 + x)"),
    ("Sin", "sin", jnp.sin, INEXACT, None, "the sine"),
    ("Cos", "cos", jnp.cos, INEXACT, None, "the cosine"),
    ("Tan", "tan", jnp.tan, INEXACT, None, "the tangent"),
    ("Asin", "asin", jnp.arcsin, INEXACT, None, "the inverse sine"),
    ("Acos", "acos", jnp.arccos, INEXACT, None, "the inverse cosine"),
    ("Atan", "atan", jnp.arctan, INEXACT, None, "the inverse tangent"),
    ("Sinh", "sinh", jnp.sinh, INEXACT, None, "the hyperbolic sine"),
    ("Cosh", "cosh", jnp.cosh, INEXACT, None, "the hyperbolic cosine"),
    ("Tanh", "tanh", jnp.tanh, INEXACT, None, "the hyperbolic tangent"),
    ("Asinh", "asinh", jnp.arcsinh, INEXACT, None, "the inverse hyperbolic sine"),
    ("Acosh", "acosh", jnp.arccosh, INEXACT, None, "the inverse hyperbolic cosine"),
    ("Atanh", "atanh", jnp.arctanh, INEXACT, None, "the inverse hyperbolic tangent"),
    ("Sigmoid", "sigmoid", jax.nn.sigmoid, INEXACT, None, "1 / (1 + exp(-x))"),
    ("Reciprocal", "reciprocal", jnp.reciprocal, INEXACT,
     _safe_kernel_rule(lambda y: -y * y), "1 / x"),
    ("Erf", "erf", jax.scipy.special.erf, FLOATING, None, "the error function"),
    ("Erfc", "erfc", jax.scipy.special.erfc, FLOATING, None,
     "the complementary error function 1 - erf(x)"),
    ("Lgamma", "lgamma", lax.lgamma, FLOATING, None, "log |Gamma(x)|"),
    ("Digamma", "digamma", lax.digamma, FLOATING, None,
     "the digamma function (derivative of lgamma)"),
    ("Floor", "floor", jnp.floor, FLOATING, NOT_DIFFERENTIABLE, "the largest integer <= x"),
    ("Ceil", "ceil", jnp.ceil, FLOATING, NOT_DIFFERENTIABLE, "the smallest integer >= x"),
    ("Rint", "rint", jnp.rint, FLOATING, NOT_DIFFERENTIABLE,
     "the nearest integer, halves to even"),
    ("IsNan", "is_nan", jnp.isnan, FLOATING, NOT_DIFFERENTIABLE, "whether x is NaN"),
    ("IsInf", "is_inf", jnp.isinf, FLOATING, NOT_DIFFERENTIABLE, "whether x is +-inf"),
    ("IsFinite", "is_finite", jnp.isfinite, FLOATING, NOT_DIFFERENTIABLE,
     "whether x is finite"),
]

_UNARY_OPS = {}


def _make_unary(tf_type, public_name, lower, allowed, grad, what):
    if callable(grad):
        opdef = def_op(tf_type, lower, "x: T", T=allowed, vjp=grad)
    else:
        opdef = def_op(tf_type, lower, "x: T", T=allowed, grad=grad or AUTODIFF)

    def wrapper(x, name=None):
        return apply_op(opdef, [x], name=name or tf_type)

    wrapper.__name__ = wrapper.__qualname__ = public_name
    wrapper.__doc__ = (f"Computes {what} elementwise, as `tf.math.{public_name}` "
                       f"(op {tf_type}; gradient: {opdef.gradient_policy}, as TF).")
    public(opdef)(wrapper)
    _UNARY_OPS[tf_type] = opdef
    return wrapper


for _row in _UNARY:
    globals()[_row[1]] = _make_unary(*_row)
del _row

negative = globals()["negative"]
square = globals()["square"]
sqrt = globals()["sqrt"]
rsqrt = globals()["rsqrt"]
exp = globals()["exp"]
expm1 = globals()["expm1"]
log = globals()["log"]
log1p = globals()["log1p"]
sin = globals()["sin"]
cos = globals()["cos"]
tan = globals()["tan"]
asin = globals()["asin"]
acos = globals()["acos"]
atan = globals()["atan"]
sinh = globals()["sinh"]
cosh = globals()["cosh"]
tanh = globals()["tanh"]
asinh = globals()["asinh"]
acosh = globals()["acosh"]
atanh = globals()["atanh"]
sigmoid = globals()["sigmoid"]
reciprocal = globals()["reciprocal"]
erf = globals()["erf"]
erfc = globals()["erfc"]
lgamma = globals()["lgamma"]
digamma = globals()["digamma"]
floor = globals()["floor"]
ceil = globals()["ceil"]
rint = globals()["rint"]
is_nan = globals()["is_nan"]
is_inf = globals()["is_inf"]
is_finite = globals()["is_finite"]


def _abs_rule(inputs, out, g):
    (x,) = inputs
    return (g * jnp.sign(x),)  # TF: 0 at x == 0 (JAX's derivative gives 1)


ABS = def_op("Abs", jnp.abs, "x: T", T=_SIGNED_REAL, vjp=_abs_rule)
COMPLEX_ABS = def_op("ComplexAbs", jnp.abs, "x: T", T=dtypes.COMPLEX, Tout=_REAL_OF_COMPLEX)


@public(ABS, COMPLEX_ABS)
def abs(x, name=None):  # noqa: A001 - TF's name
    """|x| elementwise, as `tf.math.abs`: op Abs, or ComplexAbs (real result) for complex x.

    TF's gradient of Abs at 0 is 0 (JAX's derivative gives 1); the rule here matches TF.
    """
    x = _tensor(x, "x")
    if x.dtype.is_complex:
        return apply_op(COMPLEX_ABS, [x], {"Tout": x.dtype.real_dtype}, name=name or "ComplexAbs")
    return apply_op(ABS, [x], name=name or "Abs")


def _zero_rule(inputs, out, g):
    return (jnp.zeros_like(inputs[0]),)  # TF's _SignGrad: zeros, yet connected (not None)


SIGN = def_op("Sign", jnp.sign, "x: T", T=_SIGNED_REAL, vjp=_zero_rule)


@public(SIGN, DIV_NO_NAN, COMPLEX_ABS)
def sign(x, name=None):
    """-1, 0 or 1 elementwise, as `tf.math.sign`; for complex x, x / |x| (0 at 0).

    As TF: op Sign, whose gradient is zeros (connected, unlike floor/round);
    complex inputs build DivNoNan(x, Cast(ComplexAbs(x))), which is
    differentiable.
    """
    x = _tensor(x, "x")
    if x.dtype.is_complex:
        magnitude = apply_op(COMPLEX_ABS, [x], {"Tout": x.dtype.real_dtype}, name="ComplexAbs")
        return apply_op(DIV_NO_NAN, [x, cast(magnitude, x.dtype)], name=name or "DivNoNan")
    return apply_op(SIGN, [x], name=name or "Sign")


ROUND = def_op("Round", jnp.round, "x: T", T=FLOATING, grad=NOT_DIFFERENTIABLE)


@public(ROUND)
def round(x, name=None):  # noqa: A001 - TF's name
    """Rounds half to even (banker's rounding), as `tf.math.round`; not differentiable.

    Integer tensors are returned unchanged (no op), as TF does.
    """
    x = _tensor(x, "x")
    if x.dtype.is_integer:
        return x
    return apply_op(ROUND, [x], name=name or "Round")


def _softplus_lowering(features):
    return jax.nn.softplus(features).astype(features.dtype)


SOFTPLUS = def_op("Softplus", _softplus_lowering, "features: T", T=FLOATING)
SOFTSIGN = def_op("Softsign", lambda features: features / (1 + jnp.abs(features)),
                  "features: T", T=FLOATING)


@public(SOFTPLUS)
def softplus(features, name=None):
    """log(exp(features) + 1), computed stably, as `tf.math.softplus` / `tf.nn.softplus`."""
    return apply_op(SOFTPLUS, [features], name=name or "Softplus")


def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), computed stably, as `tf.math.log_sigmoid`.

    Composed as TF (Neg, Softplus, Neg): floating dtypes only, TypeError naming
    `features` otherwise.
    """
    with op_scope(name, "LogSigmoid") as scope:
        x = _tensor(x, "x")
        return negative(softplus(negative(x)), name=scope)


@public(SOFTSIGN)
def softsign(features, name=None):
    """features / (|features| + 1), as `tf.math.softsign` / `tf.nn.softsign`."""
    return apply_op(SOFTSIGN, [features], name=name or "Softsign")



# ---------------------------------------------------------------------------
# Comparisons and logic (not differentiable: TF registers no gradient).

def _comparison(tf_type, public_name, lower, allowed, symbol):
    opdef = def_op(tf_type, lower, "x: T, y: T", T=allowed, grad=NOT_DIFFERENTIABLE,
                   check=_broadcasts)

    def wrapper(x, y, name=None):
        return apply_op(opdef, [x, y], name=name or tf_type)

    wrapper.__name__ = wrapper.__qualname__ = public_name
    wrapper.__doc__ = (f"Returns the truth value of x {symbol} y elementwise, as "
                       f"`tf.math.{public_name}` (op {tf_type}).")
    return public(opdef)(wrapper)


equal = _comparison("Equal", "equal", jnp.equal, ALL_TYPES, "==")
not_equal = _comparison("NotEqual", "not_equal", jnp.not_equal, ALL_TYPES, "!=")
less = _comparison("Less", "less", jnp.less, REAL_NUMERIC, "<")
less_equal = _comparison("LessEqual", "less_equal", jnp.less_equal, REAL_NUMERIC, "<=")
greater = _comparison("Greater", "greater", jnp.greater, REAL_NUMERIC, ">")
greater_equal = _comparison("GreaterEqual", "greater_equal", jnp.greater_equal, REAL_NUMERIC, ">=")
logical_and = _comparison("LogicalAnd", "logical_and", jnp.logical_and, BOOL, "AND")
logical_or = _comparison("LogicalOr", "logical_or", jnp.logical_or, BOOL, "OR")

LOGICAL_NOT = def_op("LogicalNot", jnp.logical_not, "x: T", T=BOOL, grad=NOT_DIFFERENTIABLE)


@public(LOGICAL_NOT)
def logical_not(x, name=None):
    """Returns NOT x elementwise for a bool tensor, as `tf.math.logical_not`."""
    return apply_op(LOGICAL_NOT, [x], name=name or "LogicalNot")


def logical_xor(x, y, name="LogicalXor"):
    """Returns x XOR y for bool tensors, as `tf.math.logical_xor` (built from and/or/not)."""
    with op_scope(name, "LogicalXor") as scope:  # TF: xor/LogicalOr, ..., then xor itself
        return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=scope)


# ---------------------------------------------------------------------------
# Casting.

def _cast_lowering(x, *, DstT, SrcT=None):  # SrcT is recorded for TF, unused
    target = DstT.as_numpy_dtype
    if jnp.iscomplexobj(x) and not DstT.is_complex:
        x = jnp.real(x)  # TF drops the imaginary part
    return x.astype(target)


CAST = def_op("Cast", _cast_lowering, "x")


@public(CAST)
def cast(x, dtype, name=None):
    """Casts x to `dtype`, as `tf.cast`.

    Gradients flow only between floating/complex dtypes; a cast to or from an
    integer cuts the path, as in TF.
    """
    dtype = dtypes.as_dtype(dtype)
    x = _tensor(x, "x")
    if x.dtype == dtype:
        return x
    return apply_op(CAST, [x], {"SrcT": x.dtype, "DstT": dtype}, name=name or "Cast")


def _largest_not_above(bound, np_dtype):
    """The largest value of `np_dtype` that is <= `bound` (float32(2**31 - 1) rounds up)."""
    value = np.asarray(bound).astype(np_dtype)
    if np.dtype(np_dtype).kind == "f" and float(value) > bound:
        value = np.nextafter(value, np_dtype(-np.inf))
    return value


def saturate_cast(value, dtype, name=None):
    """Casts to `dtype`, clamping to its range first, as `tf.dtypes.saturate_cast`.

    1e10 -> int32 gives 2147483520 (the largest float32 in range), as TF; a
    complex value casts its real part to a real dtype. NaN cast to an integer
    is whatever XLA's conversion gives (TF's CPU gives the dtype's minimum).
    """
    dtype = dtypes.as_dtype(dtype)
    with op_scope(name, "saturate_cast") as scope:
        x = _tensor(value, "value")
        if x.dtype.is_complex and not dtype.is_complex:
            x = real(x)
        src = x.dtype.real_dtype
        out = dtype.real_dtype
        if not src.is_bool and not out.is_bool:
            np_src = src.as_numpy_dtype
            if float(src.min) < float(out.min):
                lo = -_largest_not_above(-float(out.min), np_src)
                x = maximum(x, convert_to_tensor(lo.astype(np_src), x.dtype))
            if float(src.max) > float(out.max):
                hi = _largest_not_above(float(out.max), np_src)
                x = minimum(x, convert_to_tensor(hi.astype(np_src), x.dtype))
        return cast(x, dtype, name=scope)


def _reduction_axes(x, axis, op_type):
    rank = x.shape.rank
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        from tfgrad_jax.framework.constant_folding import constant_value
        folded = constant_value(axis)
        if folded is None:
            raise ValueError("Reduction axis must be known when the graph is built "
                             f"(got the tensor {axis!r}).")
        axis = folded.tolist()
    axes = (axis,) if not isinstance(axis, (list, tuple)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if rank is not None and not -rank <= a < max(rank, 1):
            # TF's eager text has an unmatched parenthesis.
            raise argument_error(
                op_type, f"Invalid reduction dimension {a} for input with {rank} dimensions "
                f"for '{op_type}' (argument `axis`).",
                f"Invalid reduction dimension ({a} for input with {rank} dimension(s)")
        # An unknown rank keeps the axis as given (the lowering sees the real rank).
        out.append(a if rank is None else a % rank if rank else 0)
    return tuple(sorted(set(out)))


# ---------------------------------------------------------------------------
# Reductions.

def _reduce_lowering(fn):
    def lower(x, *, axis, keepdims):
        return fn(x, axis=axis, keepdims=keepdims).astype(x.dtype)  # jnp.sum(int32) is int64
    lower.__name__ = fn.__name__
    return lower


def _mean_lowering(x, *, axis, keepdims):
    out = jnp.mean(x, axis=axis, keepdims=keepdims)
    if jnp.issubdtype(x.dtype, jnp.integer):  # TF: integer mean truncates
        total = jnp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
        count = x.size // max(out.size, 1) if x.size else 1
        return lax.div(total, jnp.asarray(count, total.dtype)).astype(x.dtype) if count else total
    return out.astype(x.dtype)


def _lowest(dtype):
    return -jnp.inf if jnp.issubdtype(dtype, jnp.floating) else jnp.iinfo(dtype).min


def _highest(dtype):
    return jnp.inf if jnp.issubdtype(dtype, jnp.floating) else jnp.iinfo(dtype).max


def _extreme_lowering(fn, identity):
    def lower(x, *, axis, keepdims):  # TF: -inf (max) / inf (min) over an empty axis
        initial = identity(x.dtype) if x.size == 0 else None
        return fn(x, axis=axis, keepdims=keepdims, initial=initial)
    lower.__name__ = fn.__name__
    return lower


SUM = def_op("Sum", _reduce_lowering(jnp.sum), "input: T", T=NUMERIC)
MEAN = def_op("Mean", _mean_lowering, "input: T", T=NUMERIC)
MAX = def_op("Max", _extreme_lowering(jnp.max, _lowest), "input: T", T=REAL_NUMERIC)
MIN = def_op("Min", _extreme_lowering(jnp.min, _highest), "input: T", T=REAL_NUMERIC)
PROD = def_op("Prod", _reduce_lowering(jnp.prod), "input: T", T=NUMERIC)
ALL = def_op("All", _reduce_lowering(jnp.all), "input: T", T=BOOL, grad=NOT_DIFFERENTIABLE)
ANY = def_op("Any", _reduce_lowering(jnp.any), "input: T", T=BOOL, grad=NOT_DIFFERENTIABLE)


def _reduce(opdef, default_name, input_tensor, axis, keepdims, name):
    x = _tensor(input_tensor, "input_tensor")
    if opdef.type in ("Sum", "Mean", "Prod") and x.dtype == dtypes.bool:
        raise TypeError(f"Value passed to parameter 'input' has DataType bool not in list of "
                        f"allowed values for {opdef.type}.")
    axes = _reduction_axes(x, axis, opdef.type)
    return apply_op(opdef, [x], {"axis": axes, "keepdims": bool(keepdims)},
                    name=name or default_name)


@public(SUM)
def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sums over `axis` (all axes when None), as `tf.math.reduce_sum`."""
    return _reduce(SUM, "Sum", input_tensor, axis, keepdims, name)


@public(MEAN)
def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over `axis`, as `tf.math.reduce_mean` (integer means truncate toward 0, as TF)."""
    return _reduce(MEAN, "Mean", input_tensor, axis, keepdims, name)


@public(MAX)
def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """Max over `axis`, as `tf.math.reduce_max`; ties share the gradient equally, as TF."""
    return _reduce(MAX, "Max", input_tensor, axis, keepdims, name)


@public(MIN)
def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    """Min over `axis`, as `tf.math.reduce_min`; ties share the gradient equally, as TF."""
    return _reduce(MIN, "Min", input_tensor, axis, keepdims, name)


@public(PROD)
def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    """Product over `axis`, as `tf.math.reduce_prod`."""
    return _reduce(PROD, "Prod", input_tensor, axis, keepdims, name)


@public(ALL)
def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    """Logical AND over `axis` of a bool tensor, as `tf.math.reduce_all`."""
    return _reduce(ALL, "All", input_tensor, axis, keepdims, name)


@public(ANY)
def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    """Logical OR over `axis` of a bool tensor, as `tf.math.reduce_any`."""
    return _reduce(ANY, "Any", input_tensor, axis, keepdims, name)


# ---------------------------------------------------------------------------
# Matrix multiplication.

def _matmul_lowering(a, b, *, transpose_a, transpose_b, adjoint_a, adjoint_b):
    if transpose_a or adjoint_a:
        a = jnp.swapaxes(a, -1, -2)
        a = jnp.conj(a) if adjoint_a else a
    if transpose_b or adjoint_b:
        b = jnp.swapaxes(b, -1, -2)
        b = jnp.conj(b) if adjoint_b else b
    return jnp.matmul(a, b)


def _matmul_check(a, b, *, transpose_a, transpose_b, adjoint_a, adjoint_b):
    """TF's MatMul / BatchMatMulV2 shape checks, with the shapes as given (eagerly:
    a graph has raised ValueError for them when it was built)."""
    text = runtime_checks.shape_text
    a_shape, b_shape = np.shape(a), np.shape(b)
    try:
        np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError:
        message = (f"In[0] and In[1] must have compatible batch dimensions: {text(a_shape)} "
                   f"vs. {text(b_shape)}")
        return runtime_checks.Check(True, lambda: message)
    inner_a = a_shape[-2] if transpose_a or adjoint_a else a_shape[-1]
    inner_b = b_shape[-1] if transpose_b or adjoint_b else b_shape[-2]
    if inner_a != inner_b:
        message = f"Matrix size-incompatible: In[0]: {text(a_shape)}, In[1]: {text(b_shape)}"
        return runtime_checks.Check(True, lambda: message)
    return None


_MATMUL_TYPES = FLOATING + dtypes.COMPLEX + (dtypes.int32, dtypes.int64)
MATMUL = def_op("MatMul", _matmul_lowering, "a: T, b: T", T=_MATMUL_TYPES, check=_matmul_check)
BATCH_MATMUL = def_op("BatchMatMulV2", _matmul_lowering, "x: T, y: T", T=_MATMUL_TYPES,
                      check=_matmul_check)


@public(MATMUL, BATCH_MATMUL)
def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """Matrix product `a @ b`, as `tf.linalg.matmul`.

    Rank-2 operands give a MatMul op; higher ranks a batched, broadcasting
    BatchMatMulV2 (named MatMul, as TF). Both operands need rank >= 2 (ValueError
    otherwise, as TF).
    """
    if transpose_a and adjoint_a:
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    if transpose_b and adjoint_b:
        raise ValueError("Only one of transpose_b and adjoint_b can be True.")
    a, b = _binary_tensors(a, b)
    for arg, t in (("a", a), ("b", b)):
        if t.shape.rank is not None and t.shape.rank < 2:
            raise ValueError(f"Shape must be rank >= 2 but is rank {t.shape.rank} for argument "
                             f"`{arg}` of matmul (shape {t.shape}).")
    attrs = {"transpose_a": bool(transpose_a), "transpose_b": bool(transpose_b),
             "adjoint_a": bool(adjoint_a), "adjoint_b": bool(adjoint_b)}
    batched = (a.shape.rank or 2) > 2 or (b.shape.rank or 2) > 2
    opdef = BATCH_MATMUL if batched else MATMUL
    out = apply_op(opdef, [a, b], attrs, name=name or "MatMul")
    if output_type is not None:
        out = cast(out, output_type)
    return out


@public(ADD_N)
def add_n(inputs, name=None):
    """Sums a list of same-shaped tensors, as `tf.math.add_n` (op AddN).

    As TF, a single input is returned as is (through an Identity op when
    `name` is given), and shapes must match: AddN does not broadcast.
    """
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError("Inputs must be an iterable of at least one Tensor/IndexedSlices with "
                         "the same dtype and shape.")
    inputs = [_tensor(v.values if hasattr(v, "dense_shape") else v, "inputs") for v in inputs]
    if len(inputs) == 1:
        return array_ops.identity(inputs[0], name=name) if name else inputs[0]
    for t in inputs[1:]:
        if not t.shape.is_compatible_with(inputs[0].shape):
            raise ValueError(f"Shapes must be equal for AddN (argument `inputs`), but are "
                             f"{inputs[0].shape} and {t.shape}.")
    return apply_op(ADD_N, [inputs], name=name or "AddN")


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """Sums a list of tensors, as the deprecated `tf.math.accumulate_n`: TF 2 calls add_n."""
    return add_n(inputs, name=name)


# ---------------------------------------------------------------------------
# More reductions: Euclidean norm, and the composites TF builds from others.

def _euclidean_norm_lowering(x, *, axis, keepdims):
    if jnp.iscomplexobj(x):
        return jnp.sqrt(jnp.sum(x * jnp.conj(x), axis=axis, keepdims=keepdims))
    if jnp.issubdtype(x.dtype, jnp.integer):  # TF: the root of the integer sum, truncated
        total = jnp.sum(jnp.square(x.astype(jnp.float64)), axis=axis, keepdims=keepdims)
        return jnp.floor(jnp.sqrt(total)).astype(x.dtype)
    return jnp.sqrt(jnp.sum(x * x, axis=axis, keepdims=keepdims))


EUCLIDEAN_NORM = def_op("EuclideanNorm", _euclidean_norm_lowering, "input: T", T=NUMERIC)


@public(EUCLIDEAN_NORM)
def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(x ** 2)) over `axis`, as `tf.math.reduce_euclidean_norm`.

    Integer inputs give the truncated integer root, as TF. At a zero norm the
    gradient is nan in TF and here.
    """
    return _reduce(EUCLIDEAN_NORM, "EuclideanNorm", input_tensor, axis, keepdims, name)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) over `axis`, computed stably, as `tf.math.reduce_logsumexp`.

    Built as TF builds it (Max, IsFinite, SelectV2, StopGradient, Sub, Exp,
    Sum, Log, AddV2): the shift by the max is held constant, so the gradient
    is softmax(x), and all -inf rows give -inf.
    """
    from tfgrad_jax.ops.array_ops import reshape, stop_gradient, where
    with op_scope(name, "ReduceLogSumExp") as scope:
        x = _tensor(input_tensor, "input_tensor")
        raw_max = reduce_max(x, axis=axis, keepdims=True)
        my_max = stop_gradient(where(is_finite(raw_max), raw_max, 0))
        result = log(reduce_sum(exp(subtract(x, my_max)), axis=axis, keepdims=keepdims))
        if not keepdims:
            my_max = reshape(my_max, result.shape.as_list())
        return add(result, my_max, name=scope)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Variance over `axis`, as `tf.math.reduce_variance` (mean of squared deviations).

    Integer inputs raise TypeError, as TF; complex inputs give a real result.
    """
    with op_scope(name or "reduce_variance", "reduce_variance"):
        x = _tensor(input_tensor, "input_tensor")
        means = reduce_mean(x, axis=axis, keepdims=True)
        if means.dtype.is_integer or means.dtype.is_bool:
            raise TypeError(f"Input must be either real or complex. Received integer type "
                            f"{means.dtype}.")
        diff = x - means
        if diff.dtype.is_complex:
            squared = apply_op(REAL, [multiply(conj(diff), diff)],
                               {"Tout": diff.dtype.real_dtype}, name="Real")
        else:
            squared = square(diff)
        return reduce_mean(squared, axis=axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Standard deviation over `axis`, as `tf.math.reduce_std`: sqrt(reduce_variance).

    Constant inputs have a nan gradient (sqrt at 0), in TF and here.
    """
    with op_scope(name or "reduce_std", "reduce_std"):
        x = _tensor(input_tensor, "input_tensor")
        return sqrt(reduce_variance(x, axis=axis, keepdims=keepdims))


def count_nonzero(input, axis=None, keepdims=None, dtype=dtypes.int64, name=None):  # noqa: A002
    """Counts non-zero (or True) entries over `axis`, as `tf.math.count_nonzero` (int64).

    Built from NotEqual, Cast and Sum as in TF; not differentiable.
    """
    with op_scope(name, "count_nonzero"):
        x = _tensor(input, "input")
        if x.dtype == dtypes.bool:
            predicate = x
        else:
            predicate = not_equal(x, convert_to_tensor(0, dtype=x.dtype, name="zeros"))
        return cast(reduce_sum(cast(predicate, dtypes.int64), axis=axis,
                               keepdims=bool(keepdims)), dtype)


# ---------------------------------------------------------------------------
# Scans along one axis: cumsum and cumprod (exclusive, reverse).

def _axis(x, axis, op_type, arg="axis"):
    """One static axis of `x`, in [0, rank); ValueError naming the op and argument."""
    from tfgrad_jax.framework.constant_folding import static_value
    axis = static_value(axis, arg)
    if np.ndim(axis) != 0:
        raise ValueError(f"Argument `{arg}` of {op_type} must be a scalar, got {axis!r}.")
    axis = int(axis)
    rank = x.shape.rank
    if rank is None:  # unknown rank: the lowering counts a negative axis from the end
        return axis
    if not -rank <= axis < rank:
        raise ValueError(f"Dimension ({axis}) must be in the range [{-rank}, {rank}), where "
                         f"{rank} is the number of dimensions in the input, for '{op_type}' "
                         f"(argument `{arg}`).")
    return axis % rank


def _scan_lowering(fn, identity):
    def lower(x, *, axis, exclusive, reverse):
        if reverse:
            x = jnp.flip(x, axis)
        if exclusive:
            pad = [(0, 0)] * x.ndim
            pad[axis] = (1, 0)
            x = jnp.pad(x, pad, constant_values=identity)
            x = lax.slice_in_dim(x, 0, x.shape[axis] - 1, axis=axis)
        out = fn(x, axis=axis, dtype=x.dtype)
        return jnp.flip(out, axis) if reverse else out
    lower.__name__ = fn.__name__
    return lower


_cumsum_lowering = _scan_lowering(jnp.cumsum, 0)
_cumprod_lowering = _scan_lowering(jnp.cumprod, 1)


@_tf_formula
def _cumprod_rule(inputs, out, g, *, axis, exclusive, reverse):
    (x,) = inputs
    # TF's _CumprodGrad: div_no_nan(cumsum(out * g, reversed), x). Where x == 0
    # this gives 0, not the derivative JAX computes.
    total = _cumsum_lowering(out * g, axis=axis, exclusive=exclusive, reverse=not reverse)
    return (_div_no_nan_lowering(total, x),)


CUMSUM = def_op("Cumsum", _cumsum_lowering, "x: T", T=NUMERIC)
CUMPROD = def_op("Cumprod", _cumprod_lowering, "x: T", T=NUMERIC, vjp=_cumprod_rule)


def _scan(opdef, x, axis, exclusive, reverse, name):
    with op_scope(name, opdef.type) as scope:
        x = _tensor(x, "x")
        axis = _axis(x, axis, opdef.type)
        return apply_op(opdef, [x], {"axis": axis, "exclusive": bool(exclusive),
                                     "reverse": bool(reverse)}, name=scope)


@public(CUMSUM)
def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along `axis`, as `tf.math.cumsum`.

    `exclusive` starts from 0 (the first output is 0), `reverse` sums from the
    end. The axis must be static; out of range raises ValueError when the graph
    is built (TF fails when it runs).
    """
    return _scan(CUMSUM, x, axis, exclusive, reverse, name)


@public(CUMPROD)
def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along `axis`, as `tf.math.cumprod` (`exclusive`, `reverse`).

    Gradient: TF's rule, cumsum(prod * grad) / x with 0 where x == 0 (JAX's
    exact derivative differs there); ours is TF's.
    """
    return _scan(CUMPROD, x, axis, exclusive, reverse, name)


def _cumlogsumexp(x, axis, dtype):
    return lax.cumlogsumexp(x, axis=axis) if x.shape[axis] else x


# Exclusive: shifted in is log(0) = -inf, the identity of logaddexp.
CUMULATIVE_LOGSUMEXP = def_op("CumulativeLogsumexp", _scan_lowering(_cumlogsumexp, -jnp.inf),
                              "x: T", T=FLOATING)


@public(CUMULATIVE_LOGSUMEXP)
def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """log(cumsum(exp(x))) along `axis`, computed stably, as `tf.math.cumulative_logsumexp`.

    `exclusive` starts from log(0) = -inf, `reverse` accumulates from the end.
    Floating dtypes only (TypeError naming `x` otherwise, as TF). The axis
    must be static; out of range raises ValueError when the graph is built
    (TF fails when it runs). Gradient: JAX's derivative, which equals TF's.
    """
    return _scan(CUMULATIVE_LOGSUMEXP, x, axis, exclusive, reverse, name)


# ---------------------------------------------------------------------------
# argmax/argmin, top_k, sort/argsort.

def _arg_lowering(fn, nan_as):
    def lower(input, *, axis, output_type):  # noqa: A002
        if jnp.issubdtype(input.dtype, jnp.floating):  # TF skips NaNs
            input = jnp.where(jnp.isnan(input), nan_as, input)
        return fn(input, axis=axis).astype(output_type.as_numpy_dtype)
    lower.__name__ = fn.__name__
    return lower


_ARG_TYPES = REAL_NUMERIC + BOOL
ARG_MAX = def_op("ArgMax", _arg_lowering(jnp.argmax, -jnp.inf), "input: T", T=_ARG_TYPES,
                 grad=NOT_DIFFERENTIABLE)
ARG_MIN = def_op("ArgMin", _arg_lowering(jnp.argmin, jnp.inf), "input: T", T=_ARG_TYPES,
                 grad=NOT_DIFFERENTIABLE)


def _arg(opdef, input, axis, output_type, name):  # noqa: A002
    x = _tensor(input, "input")
    axis = _axis(x, 0 if axis is None else axis, opdef.type, "axis")
    if x.shape[axis] == 0:
        raise ValueError(f"Reduction axis {axis} is empty in shape {x.shape} for "
                         f"'{opdef.type}' (argument `axis`).")
    output_type = dtypes.as_dtype(output_type)
    if output_type not in (dtypes.int16, dtypes.uint16, dtypes.int32, dtypes.int64):
        raise TypeError(f"Value for attr 'output_type' of {output_type.name} is not in the "
                        "list of allowed values: int16, uint16, int32, int64")
    return apply_op(opdef, [x], {"axis": axis, "output_type": output_type},
                    name=name or opdef.type)


@public(ARG_MAX)
def argmax(input, axis=None, output_type=dtypes.int64, name=None):  # noqa: A002
    """Index of the largest entry along `axis` (default 0), as `tf.math.argmax`.

    Ties give the first index; NaNs are skipped, as TF's kernel does. Not
    differentiable.
    """
    return _arg(ARG_MAX, input, axis, output_type, name)


@public(ARG_MIN)
def argmin(input, axis=None, output_type=dtypes.int64, name=None):  # noqa: A002
    """Index of the smallest entry along `axis` (default 0), as `tf.math.argmin`."""
    return _arg(ARG_MIN, input, axis, output_type, name)


def _top_k_lowering(input, *, k, sorted):  # noqa: A002 - TF's attribute name
    if k == 0:
        shape = input.shape[:-1] + (0,)
        return jnp.zeros(shape, input.dtype), jnp.zeros(shape, jnp.int32)
    values, indices = lax.top_k(input, k)
    return values, indices.astype(jnp.int32)


TOP_K = def_op("TopKV2", _top_k_lowering, "input: T", T=REAL_NUMERIC)


@public(TOP_K)
def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):  # noqa: A002
    """The `k` largest entries of the last axis and their indices, as `tf.math.top_k`.

    Returns the named tuple (values, indices). Equal values keep their order (lower index
    first). Values are differentiable (the gradient goes to the chosen
    entries); indices are int32. `k` must be static. With `sorted=False`
    TF leaves the order unspecified (its CPU kernel returns the k entries in
    an order of its own, e.g. [5, 9, 6] for the top 3 of [3, 1, 4, 1, 5, 9, 2,
    6]); here they are always sorted, so the same (value, index) pairs come
    back in another order.
    """
    from tfgrad_jax.framework.constant_folding import static_value
    x = _tensor(input, "input")
    k = int(static_value(k, "k"))
    if x.shape.rank == 0:
        raise ValueError("input must have rank >= 1 for 'TopKV2' (argument `input`).")
    n = x.shape[-1]
    if k < 0 or (n is not None and n < k):
        raise ValueError(f"input must have last dimension >= k = {k} but is {n} for "
                         "'TopKV2' (argument `k`).")
    values, indices = apply_op(TOP_K, [x], {"k": k, "sorted": bool(sorted)},
                               name=name or "TopKV2")
    if dtypes.as_dtype(index_type) != dtypes.int32:
        indices = cast(indices, index_type)
    return TopKV2(values, indices)


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def _in_top_k_lowering(predictions, targets, k):
    n = predictions.shape[1]
    valid = (targets >= 0) & (targets < n)
    safe = jnp.where(valid, targets, 0).astype(jnp.int32)
    target_value = jnp.take_along_axis(predictions, safe[:, None], axis=1)
    # TF's kernel: a row holding a non-finite prediction is never "in the top k".
    finite = jnp.all(jnp.isfinite(predictions), axis=1)
    greater = jnp.sum(predictions > target_value, axis=1)
    return valid & finite & (greater < k)


IN_TOP_K = def_op("InTopKV2", _in_top_k_lowering, "predictions: P, targets: T, k: T",
                  P=(dtypes.float32,), T=(dtypes.int32, dtypes.int64), grad=NOT_DIFFERENTIABLE)


@public(IN_TOP_K)
def in_top_k(targets, predictions, k, name=None):
    """Whether each target is among the `k` largest predictions of its row, as
    `tf.math.in_top_k` / `tf.nn.in_top_k` (TF 2 argument order: targets first).

    predictions: float32 [batch, classes]; targets: int32/int64 [batch]; k a
    scalar of the targets' dtype. TF's tie rule: a target is in the top k when
    fewer than k predictions are strictly larger than its own, so ties all
    count as in. Rows holding a non-finite prediction, and targets out of
    range, give False (TF's CPU kernel; no error). Not differentiable.
    """
    with op_scope(name, "in_top_k"):
        predictions = _tensor(predictions, "predictions")
        targets = _tensor(targets, "targets")
        p, t = predictions.shape, targets.shape
        for shape, rank, what in ((p, 2, "predictions"), (t, 1, "targets")):
            if shape.rank is not None and shape.rank != rank:
                raise ValueError(f"Shape must be rank {rank} but is rank {shape.rank} for "
                                 f"'InTopKV2' (argument `{what}`) with input shapes: "
                                 f"{p.as_list()}, {t.as_list()}.")
        if p.rank == 2 and t.rank == 1 and not TensorShape(p[:1]).is_compatible_with(t):
            raise ValueError(f"Dimensions must be equal, but are {p[0]} and {t[0]} for "
                             f"'InTopKV2' (arguments `predictions`, `targets`) with input "
                             f"shapes: {p.as_list()}, {t.as_list()}.")
        return apply_op(IN_TOP_K, [predictions, targets, k], name="InTopKV2")


def _sort_or_argsort(values, axis, direction, return_argsort, name, default_name):
    from tfgrad_jax.ops.array_ops import transpose
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError("Argument `direction` should be one of ASCENDING, DESCENDING. "
                         f"Received: direction={direction}")
    with op_scope(name, default_name):
        x = _tensor(values, "values")
        rank = x.shape.rank
        if rank == 0:
            raise ValueError(f"{default_name} needs a tensor of rank >= 1 (argument `values`).")
        axis = _axis(x, axis, default_name)
        ascending = direction == "ASCENDING"
        if ascending:  # TF sorts descending with top_k, on an order-reversing map
            if x.dtype.is_unsigned:
                offset = convert_to_tensor(x.dtype.max, dtype=x.dtype)
                x = offset - x
            elif x.dtype.is_integer:
                x = -x - 1
            else:
                x = -x
        perm = None
        if axis != rank - 1:  # swap `axis` with the last one (an involution)
            perm = list(range(rank))
            perm[axis], perm[-1] = perm[-1], perm[axis]
            x = transpose(x, perm)
        sorted_values, indices = top_k(x, x.shape[-1])
        out = indices if return_argsort else sorted_values
        if perm is not None:
            out = transpose(out, perm)
        if ascending and not return_argsort:
            if x.dtype.is_unsigned:
                out = offset - out
            elif x.dtype.is_integer:
                out = -out - 1
            else:
                out = -out
        return out


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """Sorts along `axis`, as `tf.sort`: built from Neg/Transpose/TopKV2 as in TF.

    Equal values keep their order; the gradient flows to each value's place.
    """
    return _sort_or_argsort(values, axis, direction, False, name, "sort")


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The int32 indices that sort `values` along `axis`, as `tf.argsort` (not differentiable).

    The order is always stable here (TF's is too in practice, being top_k based).
    """
    return _sort_or_argsort(values, axis, direction, True, name, "argsort")


# ---------------------------------------------------------------------------
# Normalizing and clipping (composites, built as TF builds them).

def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon)), as `tf.math.l2_normalize`.

    Built from Square, Sum, Maximum, Rsqrt and Mul as in TF, so the gradient
    matches TF's (including at a zero vector, where it is 1 / sqrt(epsilon)).
    """
    axis = dim if axis is None else axis
    with op_scope(name, "l2_normalize") as scope:
        x = _tensor(x, "x")
        if x.dtype.is_complex:
            square_real = square(real(x))
            square_imag = square(imag(x))
            square_sum = real(reduce_sum(square_real + square_imag, axis, keepdims=True))
            x_inv_norm = rsqrt(maximum(square_sum, epsilon))
            norm_real = multiply(real(x), x_inv_norm)
            norm_imag = multiply(imag(x), x_inv_norm)
            return complex(norm_real, norm_imag, name=scope)
        if not x.dtype.is_floating:
            raise TypeError(f"Expected {x.dtype.name} passed to parameter 'y' of op 'Maximum', "
                            f"got {epsilon} of type 'float' instead.")
        square_sum = reduce_sum(square(x), axis, keepdims=True)
        x_inv_norm = rsqrt(maximum(square_sum, epsilon))
        return multiply(x, x_inv_norm, name=scope)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clips `t` to [clip_value_min, clip_value_max], as `tf.clip_by_value`.

    Built as Minimum then Maximum, as TF: at a bound the gradient goes to `t`
    (TF's tie rule), and a bound gets the gradient of the entries it clips.
    Broadcasting that would change `t`'s shape raises ValueError, as TF.
    """
    with op_scope(name, "clip_by_value") as scope:
        values = _tensor(t.values if hasattr(t, "dense_shape") else t, "t")
        t_min = minimum(values, clip_value_max)
        if not values.shape.is_compatible_with(t_min.shape):
            raise ValueError(f"Shapes {values.shape} and {t_min.shape} are incompatible "
                             "(clip_by_value must not broadcast `t`).")
        t_max = maximum(t_min, clip_value_min, name=scope)
        if not values.shape.is_compatible_with(t_max.shape):
            raise ValueError(f"Shapes {values.shape} and {t_max.shape} are incompatible "
                             "(clip_by_value must not broadcast `t`).")
        return t_max


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescales `t` so that its L2 norm over `axes` is at most `clip_norm`, as `tf.clip_by_norm`.

    Built as TF builds it (Sum, Greater, Select, Sqrt, Maximum, RealDiv,
    Identity), including its two-`where` guard that keeps a zero tensor's
    gradient finite.
    """
    from tfgrad_jax.ops.array_ops import identity, ones_like, where_v1
    with op_scope(name, "clip_by_norm") as scope:
        values = _tensor(t.values if hasattr(t, "dense_shape") else t, "t")
        l2sum = reduce_sum(values * values, axes, keepdims=True)
        pred = l2sum > 0
        l2sum_safe = where_v1(pred, l2sum, ones_like(l2sum))
        l2norm = where_v1(pred, sqrt(l2sum_safe), l2sum)
        intermediate = values * clip_norm
        if not values.shape.is_compatible_with(intermediate.shape):
            raise ValueError(f"Shapes {values.shape} and {intermediate.shape} are incompatible "
                             "(clip_by_norm must not broadcast `t`).")
        return identity(intermediate / maximum(l2norm, clip_norm), name=scope)


def global_norm(t_list, name=None):
    """sqrt(sum of squared entries of all tensors), as `tf.linalg.global_norm`.

    As TF: L2Loss (sum(t ** 2) / 2) of each tensor, stacked, summed, doubled,
    square-rooted. None entries are skipped.
    """
    from tfgrad_jax.ops.array_ops import stack
    if not isinstance(t_list, (list, tuple)) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    from tfgrad_jax.ops.nn_ops import l2_loss
    with op_scope(name, "global_norm"):
        values = [_tensor(t.values if hasattr(t, "dense_shape") else t, f"t_{i}")
                  for i, t in enumerate(t_list) if t is not None]
        half_squared = [l2_loss(v) for v in values]
        half_squared_norm = reduce_sum(stack(half_squared))
        two = convert_to_tensor(2.0, dtype=half_squared_norm.dtype)
        return sqrt(half_squared_norm * two, name="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales all tensors by clip_norm / max(global_norm, clip_norm), as `tf.clip_by_global_norm`.

    Returns (list_clipped, global_norm). An infinite or NaN norm makes every
    entry NaN, as TF. None entries stay None.
    """
    from tfgrad_jax.ops.array_ops import identity
    if not isinstance(t_list, (list, tuple)) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    t_list = list(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list, name)
    with op_scope(name, "clip_by_global_norm") as scope:
        one = convert_to_tensor(1.0, dtype=use_norm.dtype)
        scale_for_finite = clip_norm * minimum(1.0 / use_norm, one / clip_norm)
        scale = scale_for_finite + (use_norm - use_norm)
        clipped = []
        for i, t in enumerate(t_list):
            if t is None:
                clipped.append(None)
                continue
            v = _tensor(t.values if hasattr(t, "dense_shape") else t, f"t_{i}")
            clipped.append(identity(v * scale, name=f"{scope}_{i}" if scope else None))
        return clipped, use_norm


# ---------------------------------------------------------------------------
# Segment reductions. Sorted segment ops take their number of segments from
# the (static) ids; the unsorted ones from `num_segments`. Ids out of range
# (negative ones included) are dropped, as TF's unsorted ops do.

def _segment_reduce(reduce, empty):
    """A lowering: `reduce` (a jax.ops.segment_*) with TF's value for empty segments."""
    def lower(data, segment_ids, *, num_segments):
        ids = segment_ids.reshape(-1)
        flat = data.reshape(ids.shape + data.shape[segment_ids.ndim:])
        out = reduce(flat, ids, num_segments)
        if empty is not None:
            counts = jax.ops.segment_sum(jnp.ones(ids.shape, jnp.int32), ids, num_segments)
            counts = counts.reshape(counts.shape + (1,) * (out.ndim - 1))
            out = jnp.where(counts > 0, out, jnp.asarray(empty(data.dtype), data.dtype))
        return out
    lower.__name__ = reduce.__name__
    return lower


def _segment_mean_lowering(data, segment_ids, *, num_segments):
    ids = segment_ids.reshape(-1)
    flat = data.reshape(ids.shape + data.shape[segment_ids.ndim:])
    total = jax.ops.segment_sum(flat, ids, num_segments)
    counts = jax.ops.segment_sum(jnp.ones(ids.shape, total.dtype), ids, num_segments)
    counts = jnp.maximum(counts, 1).reshape(counts.shape + (1,) * (total.ndim - 1))
    if jnp.issubdtype(data.dtype, jnp.integer):
        return lax.div(total, counts)  # TF: integer means truncate toward 0
    return total / counts


def _flat_segments(data, segment_ids, num_segments):
    ids = segment_ids.reshape(-1)
    flat = data.reshape(ids.shape + data.shape[segment_ids.ndim:])
    valid = (ids >= 0) & (ids < num_segments)
    safe = jnp.where(valid, ids, 0)
    valid = valid.reshape(valid.shape + (1,) * (flat.ndim - 1))
    return ids, flat, valid, safe


def _segment_extreme_rule(inputs, out, g, *, num_segments):
    data, segment_ids = inputs
    ids, flat, valid, safe = _flat_segments(data, segment_ids, num_segments)
    # TF's _SegmentMinOrMaxGrad: entries equal to their segment's result share
    # its gradient equally (JAX's scatter-max derivative differs at ties).
    selected = (flat == out[safe]) & valid
    counts = jax.ops.segment_sum(selected.astype(g.dtype), ids, num_segments)
    grad = jnp.where(selected, (g / jnp.where(counts == 0, 1, counts))[safe], 0)
    return grad.reshape(data.shape).astype(data.dtype), None


@_tf_formula
def _segment_prod_rule(inputs, out, g, *, num_segments):
    data, segment_ids = inputs
    ids, flat, valid, safe = _flat_segments(data, segment_ids, num_segments)
    # TF's _SegmentProdGrad: the product of the other entries, exact at zeros.
    is_zero = flat == 0
    num_zeros = jax.ops.segment_sum(is_zero.astype(jnp.int32), ids, num_segments)
    g = jnp.where(num_zeros > 1, jnp.zeros_like(g), g)
    non_zero = jnp.where(is_zero, jnp.ones_like(flat), flat)
    non_zero_prod = jax.ops.segment_prod(non_zero, ids, num_segments)
    partial = jnp.where(is_zero, non_zero_prod[safe], out[safe] / non_zero)
    grad = jnp.where(valid, g[safe], 0) * partial
    return grad.reshape(data.shape).astype(data.dtype), None


def _zero(dtype):
    return 0


def _segment_def(tf_type, lower, allowed, **kw):
    return def_op(tf_type, lower, "data: T, segment_ids: Tindices", T=allowed,
                  Tindices=(dtypes.int32, dtypes.int64), **kw)


_MAX_RULE = dict(vjp=_segment_extreme_rule)
SEGMENT_SUM = _segment_def("SegmentSum", _segment_reduce(jax.ops.segment_sum, None), NUMERIC)
SEGMENT_MEAN = _segment_def("SegmentMean", _segment_mean_lowering, NUMERIC)
SEGMENT_MAX = _segment_def("SegmentMax", _segment_reduce(jax.ops.segment_max, _zero),
                           REAL_NUMERIC, **_MAX_RULE)
SEGMENT_MIN = _segment_def("SegmentMin", _segment_reduce(jax.ops.segment_min, _zero),
                           REAL_NUMERIC, **_MAX_RULE)
SEGMENT_PROD = _segment_def("SegmentProd", _segment_reduce(jax.ops.segment_prod, None),
                            NUMERIC, vjp=_segment_prod_rule)


def _segment_ids_check(data, segment_ids, *, num_segments):
    """TF's CPU check of unsorted segment ids: "segment_ids[2] = 7 is out of range [0, 3)"
    (negative ids are dropped, as TF; XLA drops the large ones too)."""

    def message(ids):
        at, where = runtime_checks.first_failure(ids >= num_segments)
        return f"segment_ids{where} = {ids[at]} is out of range [0, {num_segments})"

    return runtime_checks.Check(jnp.any(segment_ids >= num_segments), message, (segment_ids,))


_UNSORTED = dict(check=_segment_ids_check)
UNSORTED_SEGMENT_SUM = _segment_def("UnsortedSegmentSum",
                                    _segment_reduce(jax.ops.segment_sum, None), NUMERIC,
                                    **_UNSORTED)
UNSORTED_SEGMENT_MAX = _segment_def(
    "UnsortedSegmentMax",
    _segment_reduce(jax.ops.segment_max, lambda d: jnp.finfo(d).min
                    if jnp.issubdtype(d, jnp.floating) else jnp.iinfo(d).min),
    REAL_NUMERIC, **_MAX_RULE, **_UNSORTED)
UNSORTED_SEGMENT_MIN = _segment_def(
    "UnsortedSegmentMin",
    _segment_reduce(jax.ops.segment_min, lambda d: jnp.finfo(d).max
                    if jnp.issubdtype(d, jnp.floating) else jnp.iinfo(d).max),
    REAL_NUMERIC, **_MAX_RULE, **_UNSORTED)
UNSORTED_SEGMENT_PROD = _segment_def("UnsortedSegmentProd",
                                     _segment_reduce(jax.ops.segment_prod, None), NUMERIC,
                                     vjp=_segment_prod_rule, **_UNSORTED)


def _check_segment_ids(data, ids, op_type):
    if ids.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"Value passed to parameter 'segment_ids' has DataType {ids.dtype.name} "
                        "not in list of allowed values: int32, int64")
    d, s = data.shape, ids.shape
    if d.rank is not None and s.rank is not None and (
            s.rank > d.rank or not TensorShape(d.as_list()[:s.rank]).is_compatible_with(s)):
        raise ValueError(f"`segment_ids` shape {s} must be a prefix of `data` shape {d} "
                         f"for '{op_type}' (argument `segment_ids`).")


def _sorted_segment(opdef, data, segment_ids, name):
    from tfgrad_jax.framework.constant_folding import constant_value
    from tfgrad_jax.framework.errors import InvalidArgumentError
    data = _tensor(data, "data")
    ids = _tensor(segment_ids, "segment_ids")
    _check_segment_ids(data, ids, opdef.type)
    if ids.shape.rank != 1:
        raise ValueError(f"segment_ids should be a vector for '{opdef.type}' (argument "
                         f"`segment_ids`), got shape {ids.shape}.")
    value = constant_value(ids)
    if value is None:
        raise ValueError(f"{opdef.type}: the number of segments is max(segment_ids) + 1, a "
                         "data-dependent shape XLA cannot compile; `segment_ids` must be known "
                         "when the graph is built (or use unsorted_segment_* with "
                         "`num_segments`).")
    if value.size and (value.min() < 0 or np.any(np.diff(value) < 0)):
        raise InvalidArgumentError(None, None, f"segment ids are not increasing or are negative "
                                   f"[Op:{opdef.type}] (argument `segment_ids`)")
    num = int(value.max()) + 1 if value.size else 0
    return apply_op(opdef, [data, ids], {"num_segments": num}, name=name or opdef.type)


def _unsorted_segment(opdef, data, segment_ids, num_segments, name):
    from tfgrad_jax.framework.constant_folding import static_value
    data = _tensor(data, "data")
    ids = _tensor(segment_ids, "segment_ids")
    _check_segment_ids(data, ids, opdef.type)
    num = static_value(num_segments, "num_segments")
    if np.ndim(num) != 0:
        raise ValueError(f"num_segments should be a scalar for '{opdef.type}' (argument "
                         f"`num_segments`), got {num!r}.")
    return apply_op(opdef, [data, ids], {"num_segments": int(num)}, name=name or opdef.type)


@public(SEGMENT_SUM)
def segment_sum(data, segment_ids, name=None):
    """Sums rows of `data` with equal (sorted) ids, as `tf.math.segment_sum`.

    The output has max(segment_ids) + 1 rows, so the ids must be known when
    the graph is built (XLA compiles static shapes); empty segments give 0.
    """
    return _sorted_segment(SEGMENT_SUM, data, segment_ids, name)


@public(SEGMENT_MEAN)
def segment_mean(data, segment_ids, name=None):
    """Means of the segments of `data`, as `tf.math.segment_mean` (empty: 0; ints truncate)."""
    return _sorted_segment(SEGMENT_MEAN, data, segment_ids, name)


@public(SEGMENT_MAX)
def segment_max(data, segment_ids, name=None):
    """Maxima of the segments of `data`, as `tf.math.segment_max` (empty segments: 0).

    TF's gradient splits equally between tied maxima; the rule here does too.
    """
    return _sorted_segment(SEGMENT_MAX, data, segment_ids, name)


@public(SEGMENT_MIN)
def segment_min(data, segment_ids, name=None):
    """Minima of the segments of `data`, as `tf.math.segment_min` (ties share the gradient)."""
    return _sorted_segment(SEGMENT_MIN, data, segment_ids, name)


@public(SEGMENT_PROD)
def segment_prod(data, segment_ids, name=None):
    """Products of the segments of `data`, as `tf.math.segment_prod` (empty segments: 1).

    Gradient: TF's rule (product of the other entries, exact at zeros); JAX
    cannot differentiate its scatter-multiply.
    """
    return _sorted_segment(SEGMENT_PROD, data, segment_ids, name)


@public(UNSORTED_SEGMENT_SUM)
def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums by segment id into `num_segments` rows, as `tf.math.unsorted_segment_sum`.

    Ids may be in any order and of any rank (a prefix of data's shape);
    negative ids are dropped, as TF. `num_segments` must be static.
    """
    return _unsorted_segment(UNSORTED_SEGMENT_SUM, data, segment_ids, num_segments, name)


@public(UNSORTED_SEGMENT_MAX)
def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """Maxima by segment id, as `tf.math.unsorted_segment_max`.

    Empty segments hold the dtype's lowest finite value (not -inf), as TF.
    """
    return _unsorted_segment(UNSORTED_SEGMENT_MAX, data, segment_ids, num_segments, name)


@public(UNSORTED_SEGMENT_MIN)
def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """Minima by segment id, as `tf.math.unsorted_segment_min` (empty: the largest value)."""
    return _unsorted_segment(UNSORTED_SEGMENT_MIN, data, segment_ids, num_segments, name)


@public(UNSORTED_SEGMENT_PROD)
def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """Products by segment id, as `tf.math.unsorted_segment_prod` (empty segments: 1)."""
    return _unsorted_segment(UNSORTED_SEGMENT_PROD, data, segment_ids, num_segments, name)


def _unsorted_segment_counts(data, segment_ids, num_segments):
    """How many rows each segment gets, shaped to divide the segment sums of `data`."""
    ids = _tensor(segment_ids, "segment_ids")
    ones = array_ops.ones_like(ids, dtype=data.dtype)
    counts = unsorted_segment_sum(ones, ids, num_segments)
    extra = data.shape.rank - ids.shape.rank
    counts = array_ops.reshape(counts, [-1] + [1] * extra)
    return maximum(counts, array_ops.ones([], data.dtype))


def _unsorted_segment_scaled(data, segment_ids, num_segments, name, default_name, scale):
    with op_scope(name, default_name):
        data = _tensor(data, "data")
        counts = _unsorted_segment_counts(data, segment_ids, num_segments)
        total = unsorted_segment_sum(data, segment_ids, num_segments)
        return truediv(total, scale(counts))


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """Means by segment id, as `tf.math.unsorted_segment_mean` (empty segments: 0).

    Composed from UnsortedSegmentSum and a division, as TF: integer data gives
    a float result (int32 -> float64, TF's true division). Negative ids are
    dropped; `num_segments` must be static.
    """
    return _unsorted_segment_scaled(data, segment_ids, num_segments, name,
                                    "UnsortedSegmentMean", lambda n: n)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """Segment sums divided by sqrt(segment size), as `tf.math.unsorted_segment_sqrt_n`.

    Empty segments give 0. Composed as TF: integer data fails in Sqrt
    (TypeError naming `x`), as TF's does.
    """
    return _unsorted_segment_scaled(data, segment_ids, num_segments, name,
                                    "UnsortedSegmentSqrtN", sqrt)


# ---------------------------------------------------------------------------
# bincount and unique: their output sizes depend on the data.

def _dense_bincount_lowering(input, weights, *, size, binary_output):  # noqa: A002
    dtype = weights.dtype
    w = jnp.ones(input.shape, dtype) if weights.size == 0 else weights
    ok = input >= 0  # values >= size are dropped by the scatter; negatives here
    index = jnp.where(ok, input, size)
    w = jnp.where(ok, w, jnp.zeros_like(w))
    if input.ndim == 2:
        rows = jnp.broadcast_to(jnp.arange(input.shape[0])[:, None], input.shape)
        out = jnp.zeros((input.shape[0], size), dtype).at[rows, index].add(w, mode="drop")
    else:
        out = jnp.zeros((size,), dtype).at[index].add(w, mode="drop")
    if binary_output:
        counts = jnp.zeros(out.shape, jnp.int32)
        counts = (counts.at[rows, index] if input.ndim == 2 else counts.at[index]).add(
            1, mode="drop")
        out = (counts > 0).astype(dtype)
    return out


DENSE_BINCOUNT = def_op("DenseBincount", _dense_bincount_lowering,
                        "input: Tidx, weights: T", grad=NO_GRADIENT,
                        Tidx=(dtypes.int32, dtypes.int64),
                        T=(dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64))


@public(DENSE_BINCOUNT)
def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None,
             axis=None, binary_output=False):
    """Counts occurrences of each value in `arr` (summing `weights`), as `tf.math.bincount`.

    The output has max(arr) + 1 bins (at least `minlength`, at most
    `maxlength`), so `arr` must be known when the graph is built unless
    minlength >= maxlength fixes the size. Negative values raise
    InvalidArgumentError when known. TF has no gradient for DenseBincount:
    tf.gradients raises LookupError, here too.
    """
    from tfgrad_jax.framework.constant_folding import constant_value
    from tfgrad_jax.framework.errors import InvalidArgumentError
    from tfgrad_jax.ops.array_ops import reshape
    with op_scope(name or "bincount", "bincount"):
        arr = _tensor(arr, "arr")
        if weights is not None:
            weights = _tensor(weights, "weights")
            if binary_output:
                raise ValueError("Arguments `binary_output` and `weights` are mutually "
                                 "exclusive. Please specify only one.")
        if not arr.dtype.is_integer:
            arr = cast(arr, dtypes.int32)
        axis = 0 if axis is None else axis
        if axis not in (0, -1):
            raise ValueError(f"Unsupported value for argument axis={axis}. Only 0 and -1 are "
                             "currently supported.")
        value = constant_value(arr)
        if value is not None and value.size and value.min() < 0:
            raise InvalidArgumentError(None, None, "Input arr must be non-negative! "
                                       "[Op:DenseBincount]")
        if value is not None:
            size = int(value.max()) + 1 if value.size else 0
            if minlength is not None:
                size = max(size, int(minlength))
            if maxlength is not None:
                size = min(size, int(maxlength))
        elif minlength is not None and maxlength is not None and minlength >= maxlength:
            size = int(maxlength)
        else:
            raise ValueError("bincount: the number of bins is max(arr) + 1, a data-dependent "
                             "shape XLA cannot compile; `arr` must be known when the graph is "
                             "built, or give minlength >= maxlength.")
        if axis == 0:
            arr = reshape(arr, [-1])
            if weights is not None:
                weights = reshape(weights, [-1])
        if weights is None:
            weights = convert_to_tensor(np.zeros([0], dtypes.as_dtype(dtype).as_numpy_dtype))
        return apply_op(DENSE_BINCOUNT, [arr, weights],
                        {"size": size, "binary_output": bool(binary_output)},
                        name="DenseBincount")


def _unique_lowering(x, *, out_idx):
    values = np.asarray(x)  # on the host: the output size depends on the data
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # TF: in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    idx_type = out_idx.as_numpy_dtype
    return values[first[order]], rank[inverse.reshape(-1)].astype(idx_type)


def _unique_avals(inputs, attrs):
    from tfgrad_jax.ops.array_ops import data_dependent_dim
    (x,) = inputs
    return [jax.ShapeDtypeStruct((data_dependent_dim(x),), x._aval.dtype),
            jax.ShapeDtypeStruct(x._aval.shape, attrs["out_idx"].as_numpy_dtype)]


UNIQUE = def_op("Unique", _unique_lowering, "x: T", grad=NO_GRADIENT, data_dependent=True,
                out_avals=_unique_avals)


@public(UNIQUE)
def unique(x, out_idx=dtypes.int32, name=None):
    """The distinct values of a 1-D `x` in order of appearance, and where each entry went,
    as `tf.unique`.

    Returns the named tuple (y, idx). The size of y depends on the data ([None] in a
    graph, as TF): in a tf.function or Session.run, Unique runs on the host between
    compiled segments (`framework.lowering`). TF has no gradient for Unique
    (LookupError), nor do we.
    """
    x = _tensor(x, "x")
    if x.shape.rank != 1:
        raise ValueError(f"unique expects a 1D vector, got shape {x.shape} (argument `x`).")
    out_idx = dtypes.as_dtype(out_idx)
    if out_idx not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"Value for attr 'out_idx' of {out_idx.name} is not in the list of "
                        "allowed values: int32, int64")
    return Unique(*apply_op(UNIQUE, [x], {"out_idx": out_idx}, name=name or "Unique"))


Unique = collections.namedtuple("Unique", ["y", "idx"])


# ---------------------------------------------------------------------------
# Python operators on tensors, named as TF names the ops they create.

def install_operators(cls):
    """Gives `cls` (Tensor, Variable) Python's operators, creating the ops TF names."""
    def binary(fn, tf_name):
        def forward(self, other):
            return fn(self, other, name=tf_name)

        def reflected(self, other):
            return fn(other, self, name=tf_name)

        return forward, reflected

    def _matmul_op(x, y, name):
        return matmul(x, y, name=name)

    def _and(x, y, name):
        return logical_and(x, y, name=name)

    def _or(x, y, name):
        return logical_or(x, y, name=name)

    def _xor(x, y, name):
        return logical_xor(x, y, name=name)

    table = {
        "add": (add, "add"), "sub": (subtract, "sub"), "mul": (multiply, "mul"),
        "truediv": (truediv, "truediv"), "floordiv": (floordiv, "floordiv"),
        "mod": (floormod, "mod"), "pow": (pow, "pow"), "matmul": (_matmul_op, "matmul"),
        "and": (_and, "and"), "or": (_or, "or"), "xor": (_xor, "xor"),  # TF's operator names
    }
    for py_name, (fn, tf_name) in table.items():
        forward, reflected = binary(fn, tf_name)
        setattr(cls, f"__{py_name}__", forward)
        setattr(cls, f"__r{py_name}__", reflected)

    def compare(fn):
        def method(self, other):
            return fn(self, other)
        return method

    cls.__lt__ = compare(less)
    cls.__le__ = compare(less_equal)
    cls.__gt__ = compare(greater)
    cls.__ge__ = compare(greater_equal)
    cls.__neg__ = lambda self: negative(self)
    cls.__abs__ = lambda self: abs(self)
    cls.__invert__ = lambda self: logical_not(self)
    cls.__pos__ = lambda self: self


install_operators(Tensor)
