"""The op table: every declared op type checked against numpy/JAX and TF's gradients.

Rows come from tests/op_rows_math.py (tf.math and array ops), tests/op_rows_nn.py
(tf.nn, tf.linalg, tf.random), tests/op_rows_control_flow.py (cond, switch_case,
while_loop, nested tf.function calls) and tests/op_rows_functional.py (map_fn, scan,
foldl/foldr, vectorized_map). Each row runs
through the one checker in tests/op_spec.py: values eagerly and in
tf.function, gradients in float64 against jax.grad and finite differences.
TF's own gradient values at ties, kinks and zeros (tests/tf_gradient_cases.py)
and TF's error classes for bad arguments are checked here too.
"""

import importlib

import numpy as np
import pytest

import tfgrad_jax as tf
from tfgrad_jax.framework.op_def import registered_opdefs
from op_spec import check_gradients, check_values
import tf_gradient_cases

ROWS = []
for _module in ("op_rows_math", "op_rows_nn", "op_rows_control_flow", "op_rows_functional"):
    try:
        ROWS += importlib.import_module(_module).ROWS
    except ModuleNotFoundError as e:
        if e.name != _module:
            raise

# Op types with no row, each covered elsewhere.
EXEMPT = {
    "Placeholder",       # the inputs of every tf.function row; tests/test_graph.py
    "SymbolicGradient",  # the op tf.gradients adds; every gradient row, tests/test_gradients.py
    "CallWithGradient",  # a registered gradient inside a SymbolicGradient; tests/test_gradients.py
    "Assert",            # no outputs; tests/test_control_flow.py (tf.case, tf.debugging.Assert)
    "NoOp",              # no outputs; tf.group in tests/test_variables.py
    "PrintV2",           # no outputs; tf.print in tests/test_debugging.py
    "PlaceholderWithDefault",  # a fed input; tests/test_v1_api.py
    # State: a variable's versions (tests/test_variables.py, tests/test_tape.py).
    "VarHandleOp", "ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp",
    "AssignSubVariableOp", "ResourceScatterUpdate", "ResourceScatterAdd", "ResourceScatterSub",
    "VarIsInitializedOp", "ReportUninitializedVariables",  # session state; test_v1_variables
}


def _ids(rows):
    return [f"{r.op_type}:{r.name}" if r.name != r.op_type else r.op_type for r in rows]


@pytest.mark.parametrize("spec", ROWS, ids=_ids(ROWS))
def test_values(spec):
    check_values(spec)


GRAD_ROWS = [r for r in ROWS if r.grad]


@pytest.mark.parametrize("spec", GRAD_ROWS, ids=_ids(GRAD_ROWS))
def test_gradients(spec):
    check_gradients(spec)


def test_every_declared_op_type_has_a_row():
    covered = {r.op_type for r in ROWS}
    missing = sorted(set(registered_opdefs()) - covered - EXEMPT)
    assert not missing, f"op types without a row in the op table: {missing}"
    assert not EXEMPT & covered, "an exempt op type has rows: drop it from EXEMPT"


# ---------------------------------------------------------------------------
# TF's gradients where they differ from JAX's derivative (hard-coded TF values).

CASES = sorted(tf_gradient_cases.CASES)


@pytest.mark.parametrize("name", CASES)
def test_gradient_matches_tensorflow(name):
    fn, inputs = tf_gradient_cases.CASES[name]
    expected = tf_gradient_cases.EXPECTED[name]
    if name in tf_gradient_cases.EAGER_ONLY:
        # The op cannot be put in a graph here (data-dependent shape); TF's
        # missing gradient is the op's declared policy.
        with pytest.raises(ValueError, match="data-dependent"):
            tf.function(lambda *xs: fn(tf, *xs))(*inputs)
        assert expected == "LookupError"
        return

    @tf.function
    def run(*xs):
        y = fn(tf, *xs)
        ys = list(y) if isinstance(y, (list, tuple)) else [y]
        return ys, tf.gradients(ys, list(xs))

    if expected == "LookupError":
        with pytest.raises(LookupError, match="No gradient defined for operation"):
            run(*inputs)
        return
    want_value, want_grads = expected
    ys, grads = run(*inputs)
    got_value = [np.asarray(y) for y in ys]
    want_value = want_value if isinstance(want_value, list) else [want_value]
    for g, w in zip(got_value, want_value):
        np.testing.assert_allclose(g, w, rtol=1e-7, atol=1e-12, err_msg=f"{name} value")
    assert len(grads) == len(want_grads)
    for i, (g, w) in enumerate(zip(grads, want_grads)):
        if w is None:
            assert g is None, f"{name}: TF gives None for input {i}, got {g}"
            continue
        assert g is not None, f"{name}: TF gives a gradient for input {i}, got None"
        g = np.asarray(g._as_tensor() if hasattr(g, "_as_tensor") else g)
        np.testing.assert_allclose(g, w, rtol=1e-7, atol=1e-12, err_msg=f"{name} d/dx{i}")


def test_policies_of_ops_without_gradients():
    """TF's tf.no_gradient ops and the ops it has no gradient function for."""
    ops = registered_opdefs()
    for t in ("Floor", "Ceil", "Round", "Rint", "FloorDiv", "ArgMax", "ArgMin", "OneHot",
              "IsNan", "IsInf", "IsFinite", "Equal", "Less", "All", "Any", "Shape", "Size",
              "Rank", "Where", "StopGradient"):
        assert ops[t].gradient_policy == "not differentiable", t
    for t in ("Unique", "DenseBincount"):
        assert ops[t].gradient_policy == "no gradient", t
    assert ops["Sign"].gradient_policy == "tf rule"  # zeros, and connected, as TF


# ---------------------------------------------------------------------------
# Bad arguments: TF's error class at graph construction, naming op and argument.

ERRORS = [
    ("broadcast", lambda: tf.add(tf.ones([2]), tf.ones([3])), ValueError, "AddV2"),
    ("broadcast atan2", lambda: tf.math.atan2(tf.ones([2]), tf.ones([3])), ValueError, "Atan2"),
    ("dtype mismatch", lambda: tf.add(tf.ones([2]), tf.ones([2], tf.int32)), TypeError,
     "'y' of 'AddV2'"),
    ("dtype not allowed", lambda: tf.math.floor(tf.constant([1, 2])), TypeError,
     "parameter 'x'"),
    ("xlogy int", lambda: tf.math.xlogy(tf.constant([1]), tf.constant([1])), TypeError,
     "parameter 'x'"),
    ("reduce axis", lambda: tf.reduce_sum(tf.ones([2, 2]), axis=2), ValueError, "axis"),
    ("argmax axis", lambda: tf.math.argmax(tf.ones([2, 2]), axis=2), ValueError,
     "ArgMax.*axis"),
    ("cumsum axis", lambda: tf.math.cumsum(tf.ones([2, 2]), axis=2), ValueError,
     "Cumsum.*axis"),
    ("transpose perm length", lambda: tf.transpose(tf.ones([2, 2]), [1, 0, 2]), ValueError,
     "Transpose.*perm"),
    ("transpose perm values", lambda: tf.transpose(tf.ones([2, 2]), [1, 1]), ValueError,
     "Transpose"),
    ("concat shapes", lambda: tf.concat([tf.ones([2, 2]), tf.ones([2, 3])], 0), ValueError,
     "ConcatV2"),
    ("gather axis", lambda: tf.gather(tf.ones([2, 2]), [0], axis=3), ValueError,
     "GatherV2.*axis"),
    ("reshape", lambda: tf.reshape(tf.ones([2, 3]), [4]), ValueError, "shape"),
    ("split count", lambda: tf.split(tf.ones([5]), 2), ValueError, "Split"),
    ("split sizes", lambda: tf.split(tf.ones([5]), [2, 2]), ValueError, "SplitV"),
    ("tile multiples", lambda: tf.tile(tf.ones([2]), [2, 2]), ValueError, "Tile.*multiples"),
    ("pad paddings", lambda: tf.pad(tf.ones([2]), [[1, 1], [1, 1]]), ValueError,
     "Pad.*paddings"),
    ("pad mode", lambda: tf.pad(tf.ones([2]), [[1, 0]], "FOO"), ValueError, "mode"),
    ("reflect too far", lambda: tf.pad(tf.ones([2]), [[2, 0]], "REFLECT"), ValueError,
     "MirrorPad"),
    ("squeeze", lambda: tf.squeeze(tf.ones([2, 1]), [0]), ValueError, "squeeze"),
    ("top_k k", lambda: tf.math.top_k(tf.ones([2]), 3), ValueError, "TopKV2.*k"),
    ("broadcast_to", lambda: tf.broadcast_to(tf.ones([3]), [2, 2]), ValueError, "BroadcastTo"),
    ("reverse axis", lambda: tf.reverse(tf.ones([2]), [1]), ValueError, "ReverseV2.*axis"),
    ("roll axis", lambda: tf.roll(tf.ones([2]), 1, 1), ValueError, "Roll.*axis"),
    ("slice size", lambda: tf.slice(tf.ones([2]), [1], [3]), ValueError, "Slice"),
    ("one_hot indices dtype", lambda: tf.one_hot([0.5], 3), TypeError, "indices"),
    ("one_hot dtype", lambda: tf.one_hot([0], 3, on_value=5., dtype=tf.int64), TypeError,
     "on_value"),
    ("einsum", lambda: tf.einsum("ij,jk->ik", tf.ones([2, 3]), tf.ones([2, 3])), ValueError,
     "Einsum"),
    ("where shapes", lambda: tf.where([True, False], tf.ones([3]), tf.ones([3])), ValueError,
     "SelectV2"),
    ("gather_nd index depth", lambda: tf.gather_nd(tf.ones([2, 2]), [[0, 0, 0]]), ValueError,
     "GatherNd.*indices"),
    ("scatter_nd updates", lambda: tf.scatter_nd([[0]], [1., 2.], [3]), ValueError,
     "ScatterNd.*updates"),
    ("segment ids", lambda: tf.math.segment_sum(tf.ones([3]), [1, 0, 1]),
     tf.errors.InvalidArgumentError, "segment_ids"),
    ("segment ids shape", lambda: tf.math.unsorted_segment_sum(tf.ones([3]), [0, 1], 2),
     ValueError, "UnsortedSegmentSum.*segment_ids"),
    ("segment_max complex", lambda: tf.math.segment_max(tf.constant([1j]), [0]), TypeError,
     "data"),
    ("reduce_std int", lambda: tf.math.reduce_std(tf.constant([1, 2])), TypeError, "integer"),
    ("logsumexp int", lambda: tf.reduce_logsumexp(tf.constant([1, 2])), TypeError,
     "parameter 'x'"),
    ("sort direction", lambda: tf.sort(tf.ones([2]), direction="UP"), ValueError, "direction"),
    ("sort axis", lambda: tf.sort(tf.ones([2]), axis=1), ValueError, "axis"),
    ("getitem out of bounds", lambda: tf.ones([2])[3], ValueError, "out of bounds"),
    ("getitem float", lambda: tf.ones([2])[0.5], TypeError, "valid indices"),
    ("boolean_mask shape", lambda: tf.boolean_mask(tf.ones([2, 2]), [True, False, True]),
     ValueError, "incompatible"),
    ("meshgrid indexing", lambda: tf.meshgrid([1, 2], indexing="foo"), ValueError, "indexing"),
    ("clip_by_value broadcast", lambda: tf.clip_by_value(tf.ones([2]), tf.ones([3]), 2.),
     ValueError, "incompatible"),
    ("add_n shapes", lambda: tf.add_n([tf.ones([2]), tf.ones([3])]), ValueError, "AddN"),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_bad_arguments_raise_tf_error_class(case):
    _, build, error, match = case
    with tf.Graph().as_default():
        with pytest.raises(error, match=match):
            build()


def test_data_dependent_shapes_need_static_values_in_graphs():
    @tf.function
    def f(x, ids):
        return tf.math.segment_sum(x, ids)

    with pytest.raises(ValueError, match="data-dependent"):
        f(np.ones(3), np.array([0, 0, 1], np.int32))
    # (tf.unique, tf.where(c) and tf.boolean_mask with a run-time mask run between compiled
    # segments: tests/test_data_dependent.py.)
    with pytest.raises(ValueError, match="data-dependent"):
        tf.function(lambda x: tf.math.bincount(x))(np.array([1, 2], np.int32))
    # Known when the graph is built: fine.
    out = tf.function(lambda: tf.math.bincount(tf.constant([1, 1, 3])))()
    np.testing.assert_array_equal(out, [0, 2, 0, 1])


def test_eager_gather_checks_index_bounds_as_tf_cpu():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[0\] = 5 is not in"):
        tf.gather(tf.range(3), [5])


def test_list_ops_names_creators_and_policies():
    ops = {op.type: op for op in tf.list_ops()}
    assert set(ops) == set(registered_opdefs())
    assert ops["Cumprod"].gradient_policy == "tf rule"
    assert "math_ops.cumprod" in ops["Cumprod"].public_names
    assert ops["Unique"].gradient_policy == "no gradient"
    assert "math_ops.sort" not in ops["TopKV2"].public_names  # composite: not recorded
    assert "Xlogy" in {op.type for op in tf.list_ops("tf rule")}
    text = str(tf.list_ops())
    assert text.splitlines()[0].startswith("op type") and "DenseBincount" in text
