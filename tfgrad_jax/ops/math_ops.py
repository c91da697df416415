"""Math ops (`tf.math`): elementwise arithmetic, comparisons, reductions, matmul.

Each op is one `def_op` declaration (TF type name, JAX lowering, gradient
policy) with its public wrapper below it. Where TF's registered gradient
differs from JAX's derivative (ties in maximum/minimum, abs at 0, pow of a
non-positive base), the declaration carries a JAX rule that matches TF.
"""

import jax
import jax.numpy as jnp
from jax import lax

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework.dtypes import (ALL_TYPES, FLOATING, INEXACT, INTEGERS, NUMERIC,
                                         REAL_NUMERIC, SIGNED_INTEGERS)
from tfgrad_jax.framework.op_def import (NOT_DIFFERENTIABLE, apply_op, convert_to_tensor,
                                         def_op, op_scope, public)
from tfgrad_jax.framework.tensor import Tensor

BOOL = (dtypes.bool,)


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
# Binary elementwise ops.

ADD = def_op("AddV2", jnp.add, "x: T, y: T", T=NUMERIC)
SUB = def_op("Sub", jnp.subtract, "x: T, y: T", T=NUMERIC)
MUL = def_op("Mul", jnp.multiply, "x: T, y: T", T=NUMERIC)
REAL_DIV = def_op("RealDiv", jnp.divide, "x: T, y: T", T=INEXACT)
DIV = def_op("Div", lambda x, y: lax.div(x, y), "x: T, y: T", T=INTEGERS)
FLOOR_DIV = def_op("FloorDiv", jnp.floor_divide, "x: T, y: T", T=REAL_NUMERIC,
                   grad=NOT_DIFFERENTIABLE)
FLOOR_MOD = def_op("FloorMod", jnp.mod, "x: T, y: T", T=REAL_NUMERIC)


def _max_min_rule(pick_x):
    def rule(inputs, out, g):
        x, y = inputs
        mask = pick_x(x, y)  # TF: ties go wholly to x
        return (_unbroadcast(_zeros_where(mask, g), x.shape),
                _unbroadcast(_zeros_where(~mask, g), y.shape))
    return rule


MAXIMUM = def_op("Maximum", jnp.maximum, "x: T, y: T", T=REAL_NUMERIC,
                 vjp=_max_min_rule(jnp.greater_equal))
MINIMUM = def_op("Minimum", jnp.minimum, "x: T, y: T", T=REAL_NUMERIC,
                 vjp=_max_min_rule(jnp.less_equal))


def _pow_rule(inputs, z, g):
    x, y = inputs
    gx = g * y * jnp.power(x, y - 1)
    if jnp.iscomplexobj(x):
        log_x = jnp.where(x != 0, jnp.log(jnp.where(x != 0, x, 1)), 0)
    else:  # TF: the log term is 0 where x <= 0, not nan
        log_x = jnp.where(x > 0, jnp.log(jnp.where(x > 0, x, 1)), 0)
    gy = g * z * log_x
    return _unbroadcast(gx, x.shape), _unbroadcast(gy, y.shape)


POW = def_op("Pow", jnp.power, "x: T, y: T", T=NUMERIC, vjp=_pow_rule)


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
        x = _tensor(x, "x")
        y = _tensor(y, "y", dtype_hint=x.dtype)
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


# ---------------------------------------------------------------------------
# Unary elementwise ops: (TF type, public name, JAX lowering, allowed dtypes, rule).

def _abs_rule(inputs, out, g):
    (x,) = inputs
    if jnp.iscomplexobj(x):
        return (g * x / jnp.where(out == 0, 1, out),)
    return (g * jnp.sign(x),)  # TF: 0 at x == 0 (JAX's derivative gives 1)


def _sign_lowering(x):
    if jnp.iscomplexobj(x):
        mag = jnp.abs(x)
        return jnp.where(mag == 0, 0, x / jnp.where(mag == 0, 1, mag)).astype(x.dtype)
    return jnp.sign(x)


_UNARY = [
    ("Neg", "negative", jnp.negative, NUMERIC, None, "-x"),
    ("Abs", "abs", jnp.abs, REAL_NUMERIC, _abs_rule, "|x|"),
    ("Square", "square", jnp.square, NUMERIC, None, "x * x"),
    ("Sqrt", "sqrt", jnp.sqrt, INEXACT, None, "the square root"),
    ("Rsqrt", "rsqrt", lax.rsqrt, INEXACT, None, "1 / sqrt(x)"),
    ("Exp", "exp", jnp.exp, INEXACT, None, "e ** x"),
    ("Expm1", "expm1", jnp.expm1, INEXACT, None, "e ** x - 1"),
    ("Log", "log", jnp.log, INEXACT, None, "the natural logarithm"),
    ("Log1p", "log1p", jnp.log1p, INEXACT, None, "log(1 + x)"),
    ("Sin", "sin", jnp.sin, INEXACT, None, "the sine"),
    ("Cos", "cos", jnp.cos, INEXACT, None, "the cosine"),
    ("Tan", "tan", jnp.tan, INEXACT, None, "the tangent"),
    ("Tanh", "tanh", jnp.tanh, INEXACT, None, "the hyperbolic tangent"),
    ("Sigmoid", "sigmoid", jax.nn.sigmoid, INEXACT, None, "1 / (1 + exp(-x))"),
    ("Reciprocal", "reciprocal", jnp.reciprocal, INEXACT, None, "1 / x"),
    ("Sign", "sign", _sign_lowering, NUMERIC, None, "the sign"),
]

_UNARY_OPS = {}


def _make_unary(tf_type, public_name, lower, allowed, rule, what):
    opdef = def_op(tf_type, lower, "x: T", T=allowed, vjp=rule,
                   grad=NOT_DIFFERENTIABLE if tf_type == "Sign" else "autodiff")

    def wrapper(x, name=None):
        return apply_op(opdef, [x], name=name or tf_type)

    wrapper.__name__ = wrapper.__qualname__ = public_name
    wrapper.__doc__ = (f"Computes {what} elementwise, as `tf.math.{public_name}` "
                       f"(op {tf_type}).")
    public(opdef)(wrapper)
    _UNARY_OPS[tf_type] = opdef
    return wrapper


for _row in _UNARY:
    globals()[_row[1]] = _make_unary(*_row)
del _row

negative = globals()["negative"]
abs = globals()["abs"]  # noqa: A001 - TF's name
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
tanh = globals()["tanh"]
sigmoid = globals()["sigmoid"]
reciprocal = globals()["reciprocal"]
sign = globals()["sign"]


# ---------------------------------------------------------------------------
# Comparisons and logic (not differentiable: TF registers no gradient).

def _comparison(tf_type, public_name, lower, allowed, symbol):
    opdef = def_op(tf_type, lower, "x: T, y: T", T=allowed, grad=NOT_DIFFERENTIABLE)

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
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


# ---------------------------------------------------------------------------
# Casting.

def _cast_lowering(x, *, DstT):
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
            raise ValueError(f"Invalid reduction dimension {a} for input with {rank} "
                             f"dimensions for '{op_type}' (argument `axis`).")
        out.append(a % rank if rank else 0)
    return tuple(sorted(set(out)))


# ---------------------------------------------------------------------------
# Reductions.

def _reduce_lowering(fn):
    def lower(x, *, axis, keepdims):
        return fn(x, axis=axis, keepdims=keepdims)
    lower.__name__ = fn.__name__
    return lower


def _mean_lowering(x, *, axis, keepdims):
    out = jnp.mean(x, axis=axis, keepdims=keepdims)
    if jnp.issubdtype(x.dtype, jnp.integer):  # TF: integer mean truncates
        total = jnp.sum(x, axis=axis, keepdims=keepdims)
        count = x.size // max(out.size, 1) if x.size else 1
        return (total // count).astype(x.dtype) if count else total
    return out.astype(x.dtype)


SUM = def_op("Sum", _reduce_lowering(jnp.sum), "input: T", T=NUMERIC)
MEAN = def_op("Mean", _mean_lowering, "input: T", T=NUMERIC)
MAX = def_op("Max", _reduce_lowering(jnp.max), "input: T", T=REAL_NUMERIC)
MIN = def_op("Min", _reduce_lowering(jnp.min), "input: T", T=REAL_NUMERIC)
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
    """Mean over `axis`, as `tf.math.reduce_mean` (integer means truncate, as TF)."""
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


_MATMUL_TYPES = FLOATING + dtypes.COMPLEX + (dtypes.int32, dtypes.int64)
MATMUL = def_op("MatMul", _matmul_lowering, "a: T, b: T", T=_MATMUL_TYPES)
BATCH_MATMUL = def_op("BatchMatMulV3", _matmul_lowering, "x: T, y: T", T=_MATMUL_TYPES)


@public(MATMUL, BATCH_MATMUL)
def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """Matrix product `a @ b`, as `tf.linalg.matmul`.

    Rank-2 operands give a MatMul op; higher ranks a batched, broadcasting
    BatchMatMulV3. Both operands need rank >= 2 (ValueError otherwise, as TF).
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
    out = apply_op(opdef, [a, b], attrs, name=name or opdef.type)
    if output_type is not None:
        out = cast(out, output_type)
    return out


def add_n(inputs, name=None):
    """Sums a list of same-shaped tensors, as `tf.math.add_n`."""
    from tfgrad_jax.ops.array_ops import ADD_N
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError("inputs must be a non-empty list of tensors with the same shape and dtype.")
    if len(inputs) == 1:
        from tfgrad_jax.ops.array_ops import identity
        return identity(inputs[0], name=name or "Identity")
    return apply_op(ADD_N, [list(inputs)], name=name or "AddN")


# ---------------------------------------------------------------------------
# Python operators on tensors, named as TF names the ops they create.

def _install_operators():
    def binary(fn, tf_name):
        def forward(self, other):
            return fn(self, other, name=tf_name)

        def reflected(self, other):
            return fn(other, self, name=tf_name)

        return forward, reflected

    def _matmul_op(x, y, name):
        return matmul(x, y, name=name)

    def _and(x, y, name):
        return logical_and(x, y, name="LogicalAnd")

    def _or(x, y, name):
        return logical_or(x, y, name="LogicalOr")

    def _xor(x, y, name):
        return logical_xor(x, y, name="LogicalXor")

    table = {
        "add": (add, "add"), "sub": (subtract, "sub"), "mul": (multiply, "mul"),
        "truediv": (truediv, "truediv"), "floordiv": (floordiv, "floordiv"),
        "mod": (floormod, "mod"), "pow": (pow, "pow"), "matmul": (_matmul_op, "matmul"),
        "and": (_and, None), "or": (_or, None), "xor": (_xor, None),
    }
    for py_name, (fn, tf_name) in table.items():
        forward, reflected = binary(fn, tf_name)
        setattr(Tensor, f"__{py_name}__", forward)
        setattr(Tensor, f"__r{py_name}__", reflected)

    def compare(fn):
        def method(self, other):
            return fn(self, other)
        return method

    Tensor.__lt__ = compare(less)
    Tensor.__le__ = compare(less_equal)
    Tensor.__gt__ = compare(greater)
    Tensor.__ge__ = compare(greater_equal)
    Tensor.__neg__ = lambda self: negative(self)
    Tensor.__abs__ = lambda self: abs(self)
    Tensor.__invert__ = lambda self: logical_not(self)
    Tensor.__pos__ = lambda self: self


_install_operators()
