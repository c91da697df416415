"""TF's own gradients where they differ from JAX's derivative, hard-coded.

Each case is written once against the TF API (`tf` is the module under test:
tfgrad_jax here, and real TensorFlow 2.21 when the expected values below were
computed). `fn(tf, *xs)` builds the outputs; the check takes
`tf.gradients(outputs, xs)` inside `tf.function` (the sum of all floating
outputs, as TF does with default grad_ys) and compares the value and each
gradient with what TensorFlow returned. `None` means TF returned None (no
gradient path); "LookupError" means TF raised LookupError (no gradient
function). The values were produced by running these same lambdas under
TensorFlow 2.21 (float64 inputs; complex128 where noted) and are pasted in
EXPECTED; this project never imports TensorFlow.
"""

import numpy as np

nan, inf = np.nan, np.inf
f64 = lambda *v: np.array(v, np.float64)  # noqa: E731
c128 = lambda *v: np.array(v, np.complex128)  # noqa: E731
scalar = np.float64

# name: (fn(tf, *xs), inputs)
CASES = {
    # Rounding: TF's gradient functions return None; sign's returns zeros.
    "sign": (lambda tf, x: tf.math.sign(x), [f64(-1, 0, 2)]),
    "floor": (lambda tf, x: tf.math.floor(x), [f64(-1.5, 0, 2)]),
    "ceil": (lambda tf, x: tf.math.ceil(x), [f64(-1.5, 0, 2)]),
    "round": (lambda tf, x: tf.math.round(x), [f64(-1.5, 0.5, 1.5, 2.5, -2.5)]),
    "rint": (lambda tf, x: tf.math.rint(x), [f64(-1.5, 0.5, 1.5, 2.5)]),
    "floordiv": (lambda tf, x, y: tf.math.floordiv(x, y), [f64(7, -7), f64(2, 2)]),
    "is_nan": (lambda tf, x: tf.cast(tf.math.is_nan(x), tf.float64) * x, [f64(1, 3)]),
    # Kinks and singular points.
    "abs_at_0": (lambda tf, x: tf.abs(x), [f64(0, -2, 3)]),
    "xlogy": (lambda tf, x, y: tf.math.xlogy(x, y), [f64(0, 0, 1, 2), f64(0, 2, 0, 3)]),
    "div_no_nan": (lambda tf, x, y: tf.math.divide_no_nan(x, y),
                   [f64(0, 1, 1, 2), f64(0, 0, 2, 3)]),
    "atan2_origin": (lambda tf, y, x: tf.math.atan2(y, x), [f64(0, 1, 0), f64(0, 0, -1)]),
    "sqrt_0": (lambda tf, x: tf.sqrt(x), [f64(0, 4)]),
    "rsqrt_0": (lambda tf, x: tf.math.rsqrt(x), [f64(0, 4)]),
    "reciprocal_0": (lambda tf, x: tf.math.reciprocal(x), [f64(0, 4)]),
    "log1p_-1": (lambda tf, x: tf.math.log1p(x), [f64(-1, 0)]),
    "acosh_1": (lambda tf, x: tf.math.acosh(x), [f64(1, 2)]),
    "atanh_1": (lambda tf, x: tf.math.atanh(x), [f64(1, 0.5)]),
    "asin_1": (lambda tf, x: tf.math.asin(x), [f64(1, 0)]),
    "lgamma_poles": (lambda tf, x: tf.math.lgamma(x), [f64(-1.5, 0.5, -2)]),
    "digamma": (lambda tf, x: tf.math.digamma(x), [f64(-1.5, 0.5)]),
    "softplus_tails": (lambda tf, x: tf.math.softplus(x), [f64(-30, 0, 30, 100)]),
    "softsign_0": (lambda tf, x: tf.math.softsign(x), [f64(0, -3)]),
    "pow_0": (lambda tf, x, y: tf.pow(x, y), [f64(0, 0, -2), f64(0, 2, 2)]),
    "floormod": (lambda tf, x, y: tf.math.floormod(x, y),
                 [f64(5, -5, 5, -5, 4), f64(3, 3, -3, -3, 2)]),
    "squared_difference": (lambda tf, x, y: tf.math.squared_difference(x, y),
                           [f64(1, 3), f64(2, 2)]),
    # Ties: max/min/segment max split equally; maximum/minimum give x all.
    "minimum_tie": (lambda tf, x, y: tf.minimum(x, y), [f64(1, 2), f64(1, 1)]),
    "maximum_tie": (lambda tf, x, y: tf.maximum(x, y), [f64(1, 0), f64(1, 1)]),
    "reduce_max_ties": (lambda tf, x: tf.reduce_max(x), [f64(1, 3, 3)]),
    "reduce_min_ties": (lambda tf, x: tf.reduce_min(x, axis=1), [f64(1, 1, 2, 0).reshape(2, 2)]),
    "segment_max_ties": (lambda tf, x: tf.math.segment_max(x, [0, 0, 0, 2]), [f64(1, 3, 3, 2)]),
    "segment_min_ties": (lambda tf, x: tf.math.segment_min(x, [0, 0, 1, 1]), [f64(1, 1, 3, 2)]),
    "unsorted_segment_max": (lambda tf, x: tf.math.unsorted_segment_max(x, [0, 0, 2, 2], 4),
                             [f64(1, 3, 3, 3)]),
    "unsorted_segment_min": (lambda tf, x: tf.math.unsorted_segment_min(x, [0, 0, 2, 2], 4),
                             [f64(1, 3, 3, 3)]),
    "unsorted_segment_sum_neg_id": (lambda tf, x: tf.math.unsorted_segment_sum(
        x, [0, -1, 2, 2], 3), [f64(1, 3, 3, 3)]),
    "segment_mean": (lambda tf, x: tf.math.segment_mean(x, [0, 0, 2, 2]), [f64(1, 3, 3, 3)]),
    "segment_max_empty": (lambda tf, x: tf.math.segment_max(x, [0, 2]), [f64(1, 3)]),
    "segment_prod_zeros": (lambda tf, x: tf.math.segment_prod(x, [0, 0, 1, 1, 1]),
                           [f64(2, 0, 3, 0, 0)]),
    "unsorted_segment_prod": (lambda tf, x: tf.math.unsorted_segment_prod(x, [0, 0, 1, 1], 3),
                              [f64(2, 0, 3, 4)]),
    "top_k_ties": (lambda tf, x: tf.math.top_k(x, 2).values, [f64(1, 3, 3, 2)]),
    "sort_ties": (lambda tf, x: tf.sort(x) * tf.constant([1., 2., 3., 4.], tf.float64),
                  [f64(1, 3, 3, 2)]),
    "argmax_cut": (lambda tf, x: tf.cast(tf.argmax(x), tf.float64) * x[0], [f64(1, 3, 3)]),
    # Products with zeros: Prod is exact; TF's Cumprod rule gives 0 at zeros.
    "reduce_prod_zero": (lambda tf, x: tf.reduce_prod(x), [f64(2, 0, 3)]),
    "reduce_prod_zeros": (lambda tf, x: tf.reduce_prod(x), [f64(2, 0, 0)]),
    "cumprod_zero": (lambda tf, x: tf.math.cumprod(x), [f64(1, 0, 2)]),
    "cumprod_zero_exclusive_reverse": (lambda tf, x: tf.math.cumprod(
        x, exclusive=True, reverse=True), [f64(1, 0, 2, 3)]),
    "cumprod_exclusive": (lambda tf, x: tf.math.cumprod(x, exclusive=True), [f64(1, 3, 2)]),
    "cumsum_exclusive_reverse": (lambda tf, x: tf.math.cumsum(x, exclusive=True, reverse=True),
                                 [f64(1, 2, 4)]),
    # Composites built as TF builds them.
    "clip_by_value_bounds": (lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi),
                             [f64(-1, 0, 0.5, 1, 2), scalar(0), scalar(1)]),
    "clip_by_norm_at_bound": (lambda tf, x: tf.clip_by_norm(x, 5.), [f64(3, 4)]),
    "clip_by_norm_zero": (lambda tf, x: tf.clip_by_norm(x, 5.), [f64(0, 0)]),
    "clip_by_global_norm": (lambda tf, x, y: tf.clip_by_global_norm([x, y], 1.)[0],
                            [f64(3, 4), f64(1)]),
    "l2_normalize_zero": (lambda tf, x: tf.math.l2_normalize(x), [f64(0, 0)]),
    "l2_normalize_eps": (lambda tf, x: tf.math.l2_normalize(x, epsilon=1.0), [f64(0.5, 0.5)]),
    "euclidean_norm_zero": (lambda tf, x: tf.math.reduce_euclidean_norm(x), [f64(0, 0)]),
    "logsumexp_all_-inf": (lambda tf, x: tf.reduce_logsumexp(x), [f64(-inf, -inf)]),
    "logsumexp": (lambda tf, x: tf.reduce_logsumexp(x, axis=1), [f64(1, 2, 3, 0).reshape(2, 2)]),
    "reduce_std_constant": (lambda tf, x: tf.math.reduce_std(x), [f64(1, 1)]),
    "linspace": (lambda tf, a, b: tf.linspace(a, b, 4), [scalar(0), scalar(3)]),
    # Array ops.
    "tensor_scatter_update_duplicates": (lambda tf, t, u: tf.tensor_scatter_nd_update(
        t, [[0], [0]], u), [f64(1, 2, 3), f64(5, 7)]),
    "tensor_scatter_update": (lambda tf, t, u: tf.tensor_scatter_nd_update(t, [[0], [2]], u),
                              [f64(1, 2, 3), f64(5, 7)]),
    "gather_duplicates": (lambda tf, p: tf.gather(p, [0, 0, 2]), [f64(1, 2, 3)]),
    "gather_axis1": (lambda tf, p: tf.gather(p, [1, 1], axis=1), [f64(1, 2, 3, 4).reshape(2, 2)]),
    "mirror_pad_reflect": (lambda tf, x: tf.pad(x, [[2, 1]], "REFLECT"), [f64(1, 2, 3)]),
    "mirror_pad_symmetric": (lambda tf, x: tf.pad(x, [[3, 1]], "SYMMETRIC"), [f64(1, 2, 3)]),
    "pad_constant_values": (lambda tf, x, c: tf.pad(x, [[1, 1]], constant_values=c),
                            [f64(1, 2), scalar(5)]),
    "one_hot_on_off": (lambda tf, on, off: tf.one_hot([0, 2], 3, on, off), [scalar(2), scalar(-1)]),
    "roll": (lambda tf, x: tf.roll(x, -1, 0) * tf.constant([1., 2., 3.], tf.float64),
             [f64(1, 2, 3)]),
    "repeat": (lambda tf, x: tf.repeat(x, [2, 1, 3], axis=0), [f64(1, 2, 3)]),
    # Complex inputs (complex128): TF's gradient is the conjugate of JAX's cotangent.
    "real": (lambda tf, z: tf.math.real(z) * tf.constant([1., 2.], tf.float64),
             [c128(1 + 2j, -3 + 0.5j)]),
    "imag": (lambda tf, z: tf.math.imag(z) * tf.constant([1., 2.], tf.float64),
             [c128(1 + 2j, -3 + 0.5j)]),
    "angle": (lambda tf, z: tf.math.angle(z), [c128(1 + 2j, -3 + 0.5j)]),
    "complex_abs": (lambda tf, z: tf.abs(z), [c128(3 + 4j, -1 + 1j)]),
    "conj": (lambda tf, z: tf.abs(tf.math.conj(z) * tf.constant([1 + 1j, 2], tf.complex128)),
             [c128(3 + 4j, -1 + 1j)]),
    "complex": (lambda tf, x, y: tf.abs(tf.complex(x, y)), [f64(3, 1), f64(4, -1)]),
    "sign_complex": (lambda tf, z: tf.abs(tf.math.sign(z) + 1), [c128(3 + 4j, 0)]),
    "xlogy_complex": (lambda tf, x: tf.abs(tf.math.xlogy(x, tf.constant([2 + 1j, 1j]))),
                      [c128(1 + 1j, 2)]),
    "cumprod_complex": (lambda tf, z: tf.abs(tf.math.cumprod(z)), [c128(1 + 1j, 2 - 1j, 0.5j)]),
    "segment_prod_complex": (lambda tf, z: tf.abs(tf.math.segment_prod(z, [0, 0, 1])),
                             [c128(1 + 1j, 2 - 1j, 0.5j)]),
    "reduce_prod_complex": (lambda tf, z: tf.abs(tf.reduce_prod(z)), [c128(1 + 1j, 2 - 1j)]),
    "squared_difference_complex": (lambda tf, x, y: tf.abs(tf.math.squared_difference(x, y)),
                                   [c128(1 + 1j, 2), c128(0.5j, 1 - 1j)]),
    "div_no_nan_complex": (lambda tf, x, y: tf.abs(tf.math.divide_no_nan(x, y)),
                           [c128(1 + 1j, 2), c128(0.5j, 0)]),
    # No gradient function in TF: LookupError.
    "unique": (lambda tf, x: tf.unique(x)[0], [f64(1, 2, 1)]),
    "bincount_weights": (lambda tf, w: tf.math.bincount([0, 1, 1], weights=w), [f64(1, 2, 3)]),
}

# Ops that could not be put in a graph (none left: data-dependent ops such as Unique run
# between compiled segments, so their missing gradient is TF's LookupError in a graph).
EAGER_ONLY = set()

# name: (value, [gradient per input]) from TensorFlow 2.21.
EXPECTED = {
    'sign': (f64(-1, 0, 1), [f64(0, 0, 0)]),
    'floor': (f64(-2, 0, 2), [None]),
    'ceil': (f64(-1, 0, 2), [None]),
    'round': (f64(-2, 0, 2, 2, -2), [None]),
    'rint': (f64(-2, 0, 2, 2), [None]),
    'floordiv': (f64(3, -4), [None, None]),
    'is_nan': (f64(0, 0), [f64(0, 0)]),
    'abs_at_0': (f64(0, 2, 3), [f64(0, -1, 1)]),
    'xlogy': (
        f64(0, 0, -inf, 2.197224577336219),
        [f64(0, 0, -inf, 1.0986122886681096),
         f64(0, 0, inf, 0.6666666666666666)]),
    'div_no_nan': (
        f64(0, 0, 0.5, 0.6666666666666666),
        [f64(0, 0, 0.5, 0.3333333333333333),
         f64(0, 0, -0.25, -0.2222222222222222)]),
    'atan2_origin': (
        f64(0, 1.5707963267948966, 3.141592653589793),
        [f64(nan, 0, -1),
         f64(nan, -1, -0)]),
    'sqrt_0': (f64(0, 2), [f64(inf, 0.25)]),
    'rsqrt_0': (f64(inf, 0.5), [f64(-inf, -0.0625)]),
    'reciprocal_0': (f64(inf, 0.25), [f64(-inf, -0.0625)]),
    'log1p_-1': (f64(-inf, 0), [f64(inf, 1)]),
    'acosh_1': (f64(0, 1.3169578969248166), [f64(inf, 0.5773502691896258)]),
    'atanh_1': (f64(inf, 0.5493061443340548), [f64(inf, 1.3333333333333333)]),
    'asin_1': (f64(1.5707963267948966, 0), [f64(inf, 1)]),
    'lgamma_poles': (
        f64(0.8600470153764809, 0.5723649429247001, inf),
        [f64(0.7031566406452434, -1.9635100260214227, nan)]),
    'digamma': (
        f64(0.7031566406452434, -1.9635100260214227),
        [f64(9.379246644989124, 4.93480220054468)]),
    'softplus_tails': (
        f64(9.357622968839737e-14, 0.6931471805599453, 30.00000000000009, 100),
        [f64(9.3576229688393e-14, 0.5, 0.9999999999999064, 1)]),
    'softsign_0': (f64(0, -0.75), [f64(1, 0.0625)]),
    'pow_0': (f64(1, 0, 4), [f64(nan, 0, -4), f64(0, 0, 0)]),
    'floormod': (f64(2, 1, -1, -2, 0), [f64(1, 1, 1, 1, 1), f64(-1, 2, 2, -1, -2)]),
    'squared_difference': (f64(1, 1), [f64(-2, 2), f64(2, -2)]),
    'minimum_tie': (f64(1, 1), [f64(1, 0), f64(0, 1)]),
    'maximum_tie': (f64(1, 1), [f64(1, 0), f64(0, 1)]),
    'reduce_max_ties': (3, [f64(0, 0.5, 0.5)]),
    'reduce_min_ties': (f64(1, 0), [f64(0.5, 0.5, 0, 1).reshape(2, 2)]),
    'segment_max_ties': (f64(3, 0, 2), [f64(0, 0.5, 0.5, 1)]),
    'segment_min_ties': (f64(1, 2), [f64(0.5, 0.5, 0, 1)]),
    'unsorted_segment_max': (
        f64(3, -1.7976931348623157e+308, 3, -1.7976931348623157e+308),
        [f64(0, 1, 0.5, 0.5)]),
    'unsorted_segment_min': (
        f64(1, 1.7976931348623157e+308, 3, 1.7976931348623157e+308),
        [f64(1, 0, 0.5, 0.5)]),
    'unsorted_segment_sum_neg_id': (f64(1, 0, 6), [f64(1, 0, 1, 1)]),
    'segment_mean': (f64(2, 0, 3), [f64(0.5, 0.5, 0.5, 0.5)]),
    'segment_max_empty': (f64(1, 0, 3), [f64(1, 1)]),
    'segment_prod_zeros': (f64(0, 0), [f64(0, 2, 0, 0, 0)]),
    'unsorted_segment_prod': (f64(0, 12, 1), [f64(0, 2, 4, 3)]),
    'top_k_ties': (f64(3, 3), [f64(0, 1, 1, 0)]),
    'sort_ties': (f64(1, 4, 9, 12), [f64(1, 3, 4, 2)]),
    'argmax_cut': (1, [f64(1, 0, 0)]),
    'reduce_prod_zero': (0, [f64(0, 6, 0)]),
    'reduce_prod_zeros': (0, [f64(0, 0, 0)]),
    'cumprod_zero': (f64(1, 0, 0), [f64(1, 0, 0)]),
    'cumprod_zero_exclusive_reverse': (f64(0, 6, 3, 1), [f64(0, 0, 3, 3)]),
    'cumprod_exclusive': (f64(1, 1, 3), [f64(4, 1, 0)]),
    'cumsum_exclusive_reverse': (f64(6, 4, 0), [f64(0, 1, 2)]),
    'clip_by_value_bounds': (f64(0, 0, 0.5, 1, 1), [f64(0, 1, 1, 1, 0), 1, 1]),
    'clip_by_norm_at_bound': (f64(3, 4), [f64(0.16000000000000014, -0.11999999999999988)]),
    'clip_by_norm_zero': (f64(0, 0), [f64(1, 1)]),
    'clip_by_global_norm': (
        [f64(0.5883484054145521, 0.7844645405527362), f64(0.19611613513818404)],
        [f64(0.015085856549091059, -0.04525756964727326),
         f64(0.13577270894181973)]),
    'l2_normalize_zero': (f64(0, 0), [f64(1000000, 1000000)]),
    'l2_normalize_eps': (f64(0.5, 0.5), [f64(1, 1)]),
    'euclidean_norm_zero': (0, [f64(nan, nan)]),
    'logsumexp_all_-inf': (-inf, [f64(nan, nan)]),
    'logsumexp': (
        f64(2.313261687518223, 3.048587351573742),
        [f64(0.2689414213699951, 0.7310585786300049, 0.9525741268224334,
            0.04742587317756679).reshape(2, 2)]),
    'reduce_std_constant': (0, [f64(nan, nan)]),
    'linspace': (f64(0, 1, 2, 3), [2, 2]),
    'tensor_scatter_update_duplicates': (f64(7, 2, 3), [f64(0, 1, 1), f64(1, 1)]),
    'tensor_scatter_update': (f64(5, 2, 7), [f64(0, 1, 0), f64(1, 1)]),
    'gather_duplicates': (f64(1, 1, 3), [f64(2, 0, 1)]),
    'gather_axis1': (f64(2, 2, 4, 4).reshape(2, 2), [f64(0, 2, 0, 2).reshape(2, 2)]),
    'mirror_pad_reflect': (f64(3, 2, 1, 2, 3, 2), [f64(1, 3, 2)]),
    'mirror_pad_symmetric': (f64(3, 2, 1, 1, 2, 3, 3), [f64(2, 2, 3)]),
    'pad_constant_values': (f64(5, 1, 2, 5), [f64(1, 1), None]),
    'one_hot_on_off': (f64(2, -1, -1, -1, -1, 2).reshape(2, 3), [None, None]),
    'roll': (f64(2, 6, 3), [f64(3, 1, 2)]),
    'repeat': (f64(1, 1, 2, 3, 3, 3), [f64(2, 1, 3)]),
    'real': (f64(1, -6), [c128(1+0j, 2+0j)]),
    'imag': (f64(2, 1), [c128(0+1j, 0+2j)]),
    'angle': (
        f64(1.1071487177940904, 2.976443976175166),
        [c128(-0.4+0.2j, -0.05405405405405406-0.32432432432432434j)]),
    'complex_abs': (
        f64(5, 1.4142135623730951),
        [c128(0.6+0.8j, -0.7071067811865475+0.7071067811865475j)]),
    'conj': (
        f64(7.0710678118654755, 2.8284271247461903),
        [c128(0.8485281374238569+1.131370849898476j, -1.414213562373095+1.414213562373095j)]),
    'complex': (
        f64(5, 1.4142135623730951),
        [f64(0.6, 0.7071067811865475),
         f64(0.8, -0.7071067811865475)]),
    'sign_complex': (
        f64(1.788854381999832, 1),
        [c128(0.07155417527999326-0.053665631459994964j, 0+0j)]),
    'xlogy_complex': (
        f64(1.3134243060239317, 3.141592653589793),
        [c128(-0.23877169421494684+0.8975131095805494j, -1.5707963267948966+0j)]),
    'cumprod_complex': (
        f64(1.4142135623730951, 3.1622776601683795, 1.5811388300841898),
        [c128(1.8139039622454802+0.5489928981781287j, 0.3162277660168379+0.6324555320336758j,
            -1.8973665961010275+2.529822128134703j)]),
    'segment_prod_complex': (
        f64(3.1622776601683795, 0.5),
        [c128(2.2135943621178655-0.3162277660168379j, 0.6324555320336758+1.2649110640673518j,
            0+1j)]),
    'reduce_prod_complex': (
        3.1622776601683795,
        [c128(1.5811388300841895+1.5811388300841895j, 1.2649110640673518-0.6324555320336758j)]),
    'squared_difference_complex': (f64(1.25, 2), [c128(2+1j, 2+2j), c128(-2-1j, -2-2j)]),
    'div_no_nan_complex': (
        f64(2.8284271247461903, 0),
        [c128(1.414213562373095+1.414213562373095j, 0+0j),
         c128(0-5.65685424949238j,
            0+0j)]),
    'unique': 'LookupError',
    'bincount_weights': 'LookupError',
}
