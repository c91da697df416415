"""The update rules of TF's optimizers, as plain functions of tensors.

Each rule takes the current values (the variable, its slots), the gradient
and the hyperparameters, and returns the new values; it assigns nothing, so
the same function serves the Keras optimizers (`tf.keras.optimizers`), the
TF-1 optimizers (`tf.compat.v1.train`) and user code, eagerly, in a
`tf.function` or in a TF-1 graph. Where TF 2.21's Keras optimizers and the
TF-1 kernels compute the same thing differently, the difference is a
parameter; each docstring says which values give which.

Float rounding follows TF's own order of operations, so results match TF's
bit for bit where XLA's kernels round as TF's do (checked for every rule
here against TF 2.21; see tests/test_module_optimizers.py).

Hyperparameters may be Python numbers or tensors of the variable's dtype.
A Python `beta`, `rho`, ... makes `1 - beta` a Python (double) value
rounded once to the variable's dtype, as Keras computes it; a float32
tensor makes it a float32 subtraction, as TF-1's kernels compute it (the
two can differ in the last bit: 1 - 0.9 is 0.1 vs 0.100000024).

Gradients may be dense tensors or `tf.IndexedSlices`. For IndexedSlices a
rule follows Keras 3's TF backend op by op: where Keras densifies (summing
duplicate indices) we densify, and where Keras updates rows with a scatter
(duplicate indices applied one after another) we scatter. TF-1's sparse
updates differ; `densify` and `lazy_rows` build them (see each
rule's docstring).
"""

from tfgrad_jax.framework.indexed_slices import IndexedSlices
from tfgrad_jax.ops import array_ops, math_ops

# Moving averages `a` of `x` with decay `d`, in the two ways TF writes them.
INCREMENT = "increment"  # a + (x - a) * (1 - d): Keras Adam, TF-1's dense kernels
WEIGHTED = "weighted"    # d * a + (1 - d) * x:   Keras RMSprop, TF-1's sparse Adam


# ---------------------------------------------------------------------------
# Dense and IndexedSlices values, treated as Keras 3 treats them.

def _map_values(fn, x):
    """fn applied to a dense tensor, or to the values of IndexedSlices (kept sparse)."""
    if isinstance(x, IndexedSlices):
        return IndexedSlices(fn(x.values), x.indices, x.dense_shape)
    return fn(x)


def _dense(x):
    """A dense tensor; IndexedSlices are summed into rows, as TF's convert_to_tensor."""
    return x._as_tensor() if isinstance(x, IndexedSlices) else x


def _row_indices(slices):
    return array_ops.expand_dims(slices.indices, -1)


def _subtract_from(target, delta):
    """target - delta; sparse deltas subtracted row by row (a scatter, as Keras's
    `scatter_sub`), so duplicate rows are rounded once per slice."""
    if isinstance(delta, IndexedSlices):
        return array_ops.tensor_scatter_nd_sub(target, _row_indices(delta), delta.values)
    return target - delta


def _add_to(target, delta):
    if isinstance(delta, IndexedSlices):
        return array_ops.tensor_scatter_nd_add(target, _row_indices(delta), delta.values)
    return target + delta


def _divide_rows(numerator, denominator):
    """numerator / denominator; sparse numerators divided by the denominator's rows.

    Where the denominator has a row containing 0 or NaN, Keras adds that row
    to the slices (0 / 0 or 0 / NaN: NaN is written there even outside the
    gradient's rows); we do not, which only matters for such a denominator.
    """
    if isinstance(numerator, IndexedSlices):
        rows = array_ops.gather(denominator, numerator.indices)
        return IndexedSlices(numerator.values / rows, numerator.indices, numerator.dense_shape)
    return numerator / denominator


def _one_minus(decay):
    return 1 - decay  # Python arithmetic for a Python decay (Keras), a tensor op for a tensor


def moving_average(average, x, decay, form=INCREMENT):
    """The new moving average of `x` (dense or IndexedSlices), in `form`.

    INCREMENT: `average + (x - average) * (1 - decay)`, x densified first.
    WEIGHTED: `decay * average + (1 - decay) * x`, the product taken on the
    slices' values before they are densified (Keras's order).
    """
    if form == INCREMENT:
        return average + (_dense(x) - average) * _one_minus(decay)
    if form == WEIGHTED:
        scaled = _map_values(lambda values: _one_minus(decay) * values, x)
        return decay * average + _dense(scaled)
    raise ValueError(f"form must be {INCREMENT!r} or {WEIGHTED!r}, got {form!r}.")


def cast_gradient(grad, dtype):
    """The gradient in the variable's dtype (IndexedSlices keep their indices)."""
    return _map_values(lambda values: math_ops.cast(values, dtype), grad)


# ---------------------------------------------------------------------------
# The rules.

def sgd(var, grad, lr, velocity=None, momentum=0.0, nesterov=False, scaled_velocity=True):
    """Gradient descent, with momentum when a `velocity` slot is given.

    Returns `(new_var, new_velocity)` (`new_velocity` is None without one).

    Keras 3 `SGD` (`scaled_velocity=True`, the slot is the step itself):
        without momentum: var - grad * lr
        velocity = velocity * momentum - grad * lr
        var + velocity                               (nesterov: var +
                                                      (velocity * momentum - grad * lr))
    TF-1 `GradientDescentOptimizer`: the same without momentum; with
    IndexedSlices both scatter `-(grad * lr)` into the rows one slice at a
    time, as here.

    TF-1 `MomentumOptimizer` (`scaled_velocity=False`, the slot accumulates
    raw gradients; TF-1 names it "momentum"):
        accum = accum * momentum + grad
        var - accum * lr                             (nesterov: var -
                                                      (grad * lr + accum * momentum * lr))
    Its sparse update (`ResourceSparseApplyMomentum`) changes only the rows
    in the gradient, after summing duplicate indices:
    `lazy_rows(grad, (var, accum), sgd(var, densify(grad), lr, accum, momentum,
    scaled_velocity=False))`.
    """
    if velocity is None:
        return _subtract_from(var, _map_values(lambda g: g * lr, grad)), None
    if scaled_velocity:
        step = _dense(_map_values(lambda g: g * lr, grad))
        velocity = velocity * momentum - step
        if nesterov:
            return var + (velocity * momentum - step), velocity
        return var + velocity, velocity
    grad = _dense(grad)
    velocity = velocity * momentum + grad
    if nesterov:
        return var - (grad * lr + velocity * momentum * lr), velocity
    return var - velocity * lr, velocity


def adam(var, grad, m, v, lr, beta_1, beta_2, epsilon, beta_1_power, beta_2_power,
         v_hat=None, form=INCREMENT):
    """Adam (AMSGrad when a `v_hat` slot is given).

    Returns `(new_var, new_m, new_v, new_v_hat)`. `beta_1_power` and
    `beta_2_power` are beta ** t for this step t (1 on the first step):
        alpha = lr * sqrt(1 - beta_2_power) / (1 - beta_1_power)
        m = moving_average(m, grad, beta_1, form)
        v = moving_average(v, grad ** 2, beta_2, form)
        v_hat = maximum(v_hat, v), used in place of v     (AMSGrad)
        var - (m * alpha) / (sqrt(v) + epsilon)
    epsilon is added outside the square root ("epsilon hat") in both TFs.

    Keras 3 `Adam`: form=INCREMENT, beta powers `pow(beta, iterations + 1)`
    in the variable's dtype, epsilon 1e-7; an IndexedSlices gradient is
    densified (its squares summed per row, as Keras's `square` of the slices
    does), so every row's moments decay.
    TF-1 `AdamOptimizer` (epsilon 1e-8): form=INCREMENT for dense gradients
    (`ResourceApplyAdam`); the beta powers are the non-slot variables
    `beta1_power`/`beta2_power`, multiplied by beta after each step (float32
    products, not `pow`). For IndexedSlices it sums duplicates, then computes
    the same formulas with form=WEIGHTED on every row: this rule given
    `densify(grad)` and form=WEIGHTED.
    """
    alpha = lr * math_ops.sqrt(_one_minus(beta_2_power)) / _one_minus(beta_1_power)
    m = moving_average(m, grad, beta_1, form)
    v = moving_average(v, _map_values(math_ops.square, grad), beta_2, form)
    denominator_v = v
    if v_hat is not None:
        v_hat = math_ops.maximum(v_hat, v)
        denominator_v = v_hat
    new_var = var - (m * alpha) / (math_ops.sqrt(denominator_v) + epsilon)
    return new_var, m, v, v_hat


def rmsprop(var, grad, ms, lr, rho, epsilon, mom=None, momentum=0.0, mg=None, form=WEIGHTED):
    """RMSprop: with momentum when a `mom` slot is given, centered when an `mg` slot is.

    Returns `(new_var, new_ms, new_mom, new_mg)`:
        ms = moving_average(ms, grad ** 2, rho, form)
        mg = moving_average(mg, grad, rho, form)                  (centered)
        denominator = ms + epsilon    (centered: (ms - mg ** 2) + epsilon)
        increment = lr * grad / sqrt(denominator)
        mom = momentum * mom + increment; var - mom    (without a mom slot:
                                                        var - increment)
    epsilon is inside the square root in both TFs.

    Keras 3 `RMSprop`: form=WEIGHTED, `ms` starts at 0, epsilon 1e-7, a `mom`
    slot only when momentum > 0. For IndexedSlices, `ms`/`mg` and `mom` take
    the densified terms; without momentum the variable is updated only in the
    gradient's rows (a scatter).
    TF-1 `RMSPropOptimizer` (`decay` is rho): form=INCREMENT, the "rms" slot
    starts at ONES, epsilon 1e-10, and the "momentum" slot always exists
    (pass it even when momentum is 0). Its sparse kernels change only the
    gradient's rows after summing duplicates:
    `lazy_rows(grad, (var, ms, mom, mg), rmsprop(var, densify(grad), ...))`.
    """
    ms = moving_average(ms, _map_values(math_ops.square, grad), rho, form)
    if mg is not None:
        mg = moving_average(mg, grad, rho, form)
        denominator = ms - math_ops.square(mg) + epsilon
    else:
        denominator = ms + epsilon
    increment = _divide_rows(_map_values(lambda g: lr * g, grad), math_ops.sqrt(denominator))
    if mom is None:
        return _subtract_from(var, increment), ms, None, mg
    mom = momentum * mom + _dense(increment)
    return var - mom, ms, mom, mg


def adagrad(var, grad, accumulator, lr, epsilon=None):
    """Adagrad. Returns `(new_var, new_accumulator)`:
        accumulator = accumulator + grad ** 2
        var - lr * grad / sqrt(accumulator + epsilon)

    Keras 3 `Adagrad`: epsilon 1e-7 (inside the square root), accumulator
    starting at `initial_accumulator_value` (0.1). IndexedSlices update only
    their rows, one slice at a time (duplicates each add their square), as
    Keras's scatters do.
    TF-1 `AdagradOptimizer` (`ResourceApplyAdagrad`): no epsilon, pass
    `epsilon=None` (var - grad * lr / sqrt(accumulator)); the accumulator
    starts at `initial_accumulator_value` (0.1). Its sparse kernel changes
    only the gradient's rows after summing duplicates:
    `lazy_rows(grad, (var, acc), adagrad(var, densify(grad), acc, lr, None))`.
    """
    accumulator = _add_to(accumulator, _map_values(math_ops.square, grad))
    root = math_ops.sqrt(accumulator if epsilon is None else accumulator + epsilon)
    step = _divide_rows(_map_values(lambda g: lr * g, grad), root)
    return _subtract_from(var, step), accumulator


# ---------------------------------------------------------------------------
# TF-1's sparse updates.

def densify(x):
    """A dense tensor for a gradient: IndexedSlices summed into rows (duplicates added),
    as TF's `convert_to_tensor` does; a dense tensor as it is."""
    return _dense(x)


def lazy_rows(grad, old, new):
    """TF-1's "lazy" sparse update: the `new` values in the rows of IndexedSlices
    `grad`, the `old` values elsewhere.

    TF-1's sparse kernels sum the slices of duplicate indices, then update
    only those rows of the variable and its slots. Computing the rule on
    every row with `densify(grad)` and keeping the old values outside the
    gradient's rows gives the same numbers (the rules are elementwise) with
    static shapes for XLA:

        new = rmsprop(var, densify(grad), ms, lr, rho, eps, mom=mom, form=INCREMENT)
        var, ms, mom, _ = lazy_rows(grad, (var, ms, mom, None), new)

    `old` and `new` are tuples in the rule's order; None entries stay None.
    """
    dense = _dense(grad)
    ones = array_ops.ones_like(grad.indices, dtype=dense.dtype)
    touched = math_ops.unsorted_segment_sum(ones, grad.indices, dense.shape[0]) > 0
    touched = array_ops.reshape(touched, [-1] + [1] * (dense.shape.rank - 1))
    return tuple(None if n is None else array_ops.where(touched, n, o)
                 for n, o in zip(new, old))
