"""Differential tests against real TensorFlow: every op-table row run by both.

TensorFlow is never a dependency: when `import tensorflow` fails the whole module
is skipped with one line. When it is installed (e.g. a venv with
`tensorflow-cpu==2.21.*` and `tfgrad_jax[test]`), each row of tests/op_rows_*.py
is run twice on the same inputs, eagerly: once with tfgrad_jax and once with real
TensorFlow, and the values and dtypes must agree; where the row has `grad=True`,
the float64 gradient of sum(output * w) by TF's `tf.GradientTape` must agree with
ours (`tf.gradients` inside `tf.function`), None where TF says None.

How a row runs on real TF: the rows' lambdas look up the module-global name `tf`
of their op_rows module at call time, so that name is pointed at `tensorflow` for
the call (and restored after). A row whose `fn` is a public function object
(`tf.add`) or a closure holding some (`outs(tf.nn.relu, ...)`) is rebuilt with
TF's function of the same public name. Rows that cannot run on TF are listed in
`NOT_IN_TF` with the reason; differences that are documented and intended are in
`EXPECTED_DIFFERENCES`.

Run: `pytest -m tensorflow tests/test_against_tensorflow.py` (the marker is
registered in pyproject.toml).
"""

import importlib
import types

import numpy as np
import pytest

tensorflow = pytest.importorskip("tensorflow")

import tfgrad_jax as tf  # noqa: E402
from op_spec import draw  # noqa: E402

pytestmark = pytest.mark.tensorflow

MODULES = ("op_rows_math", "op_rows_nn", "op_rows_control_flow", "op_rows_functional")

# Rows that cannot run on real TensorFlow, by row name.
NOT_IN_TF = {
    "div (compat.v1)": "calls tfgrad_jax.ops.math_ops.div directly (an internal module)",
    "Select": "calls tfgrad_jax.ops.array_ops.where_v1 directly (an internal module)",
    "ones_like of a dynamic shape (FillLike)": "builds our internal FillLike op with apply_op",
    "Shape": "builds our Shape op with apply_op",
    "Size": "builds our Size op with apply_op",
    "Rank": "builds our Rank op with apply_op",
    "JaxCall": "tf.from_jax is a tfgrad_jax extension (a JAX function as an op)",
    # TF's own eager limits (its CPU kernels), not differences in the op:
    "conv2d": "one variant uses data_format='NCHW': TF's CPU Conv2D supports NHWC only",
    "conv1d": "one variant uses data_format='NCW': TF's CPU Conv2D supports NHWC only",
    "max_pool3d": "float64 only, and TF's MaxPool3D has no float64 kernel",
    "avg_pool3d": "float64 only, and TF's AvgPool3D has no float64 CPU kernel",
    # The row calls a tfgrad_jax tf.function built when op_rows_control_flow is imported;
    # the harness cannot rebuild it with TF's (a limit of this harness, not of either).
    "PartitionedCall": "calls a tfgrad_jax tf.function built at import (harness limit)",
    "StatefulPartitionedCall": "calls a tfgrad_jax tf.function built at import (harness)",
}

# Rows whose float64 case TF cannot run (no float64 kernel): the dtypes compared.
TF_DTYPES = {"lrn": (np.float32,)}

# Documented, intended differences: row name -> reason.
EXPECTED_DIFFERENCES = {}


def _rows():
    out = []
    for name in MODULES:
        module = importlib.import_module(name)
        out += [(module, spec) for spec in module.ROWS]
    return out


ROWS = _rows()


# ---------------------------------------------------------------------------
# Our public objects -> TF's objects of the same public name.

def _public_paths():
    """id(object) -> the dotted public names under which tfgrad_jax exposes it."""
    paths, seen = {}, set()
    queue = [("", tf)]
    while queue:
        prefix, namespace = queue.pop(0)
        if id(namespace) in seen or prefix.count(".") > 2:
            continue
        seen.add(id(namespace))
        for attr in dir(namespace):
            if attr.startswith("_"):
                continue
            try:
                obj = getattr(namespace, attr)
            except AttributeError:
                continue
            path = prefix + attr
            if isinstance(obj, types.ModuleType):
                if obj.__name__.startswith("tfgrad_jax") and "compat" not in path:
                    queue.append((path + ".", obj))
            elif callable(obj):
                paths.setdefault(id(obj), []).append(path)
    return paths


PATHS = _public_paths()


class NotInTF(Exception):
    pass


def _tf_object(path):
    obj = tensorflow
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _translate(obj, depth=0):
    """Our function -> TF's; a row's own closure -> a copy holding TF's functions."""
    if id(obj) in PATHS:
        for path in PATHS[id(obj)]:
            try:
                return _tf_object(path)
            except AttributeError:
                continue
        raise NotInTF(f"TF has no {PATHS[id(obj)]}")
    if isinstance(obj, (tuple, list)):
        return type(obj)(_translate(o, depth) for o in obj)
    if (isinstance(obj, types.FunctionType) and depth < 4 and obj.__closure__
            and obj.__module__ in MODULES + ("op_spec",)):
        cells = tuple(types.CellType(_translate(c.cell_contents, depth + 1))
                      for c in obj.__closure__)
        return types.FunctionType(obj.__code__, obj.__globals__, obj.__name__,
                                  obj.__defaults__, cells)
    return obj


class _RealTF:
    """Within the block, the row module's global `tf` is TensorFlow."""

    def __init__(self, module):
        self.module = module

    def __enter__(self):
        self.saved = self.module.tf
        self.module.tf = tensorflow

    def __exit__(self, *exc):
        self.module.tf = self.saved


# ---------------------------------------------------------------------------
# Running a row on both.

def _numpy(out):
    if isinstance(out, (list, tuple)):
        return [_numpy(o) for o in out]
    if hasattr(out, "_as_tensor"):
        out = out._as_tensor()
    return np.asarray(out)


def _flat(out):
    return [o for x in out for o in _flat(x)] if isinstance(out, list) else [out]


def _grads(module, spec, fn, args, weights, real):
    which = spec.grad_args if spec.grad_args is not None else [
        i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]

    def loss(m, out):
        outs = out if isinstance(out, (list, tuple)) else [out]
        return sum(m.reduce_sum(m.cast(o, m.float64) * w) for o, w in zip(outs, weights))

    if real:
        xs = [tensorflow.constant(a) for a in args]
        with _RealTF(module), tensorflow.GradientTape() as tape:
            for i in which:
                tape.watch(xs[i])
            value = loss(tensorflow, fn(*xs))
        grads = tape.gradient(value, [xs[i] for i in which])
    else:
        @tf.function
        def ours(*xs):
            return tf.gradients(loss(tf, fn(*xs)), [xs[i] for i in which])
        grads = ours(*args)
    return [None if g is None else _numpy(tensorflow.convert_to_tensor(g) if real else g)
            for g in grads]


def compare_row(module, spec, seed=0):
    """Differences between TF and us on this row: a list of strings (empty: they agree)."""
    tf_fn = _translate(spec.fn)
    rng = np.random.default_rng(seed)
    problems = []
    for dtype in TF_DTYPES.get(spec.name, spec.dtypes):
        for shapes in spec.shapes:
            args = draw(spec, rng, shapes, dtype)
            where = f"{np.dtype(dtype).name} {shapes}"
            ours = _numpy(spec.fn(*[tf.constant(a) for a in args]))
            with _RealTF(module):
                theirs = _numpy(tf_fn(*[tensorflow.constant(a) for a in args]))
            problems += _differences(spec, where, _flat(ours), _flat(theirs))
            if spec.grad and np.dtype(dtype) == np.float64 and not problems:
                outs = _flat(ours)
                weights = [rng.normal(size=o.shape) for o in outs]
                g_ours = _grads(module, spec, spec.fn, args, weights, real=False)
                g_tf = _grads(module, spec, tf_fn, args, weights, real=True)
                for k, (a, b) in enumerate(zip(g_ours, g_tf)):
                    if (a is None) != (b is None):
                        problems.append(f"{where} grad {k}: ours {a}, TF {b}")
                    elif a is not None and not np.allclose(a, b, rtol=1e-5, atol=1e-6,
                                                           equal_nan=True):
                        problems.append(f"{where} grad {k}: ours {a.tolist()}, "
                                        f"TF {b.tolist()}")
    return problems


def _differences(spec, where, ours, theirs):
    if len(ours) != len(theirs):
        return [f"{where}: {len(ours)} outputs, TF {len(theirs)}"]
    out = []
    for k, (a, b) in enumerate(zip(ours, theirs)):
        if a.dtype != b.dtype:
            out.append(f"{where} output {k}: dtype {a.dtype}, TF {b.dtype}")
        elif a.shape != b.shape:
            out.append(f"{where} output {k}: shape {a.shape}, TF {b.shape}")
        elif not np.allclose(a, b, rtol=spec.rtol, atol=spec.atol, equal_nan=True):
            out.append(f"{where} output {k}: ours {a.tolist()}, TF {b.tolist()}")
    return out


def _ids(rows):
    return [f"{s.op_type}:{s.name}" if s.name != s.op_type else s.op_type for _, s in rows]


RUNNABLE = [(m, s) for m, s in ROWS if s.name not in NOT_IN_TF]


@pytest.mark.parametrize("module, spec", RUNNABLE, ids=_ids(RUNNABLE))
def test_row_agrees_with_tensorflow(module, spec):
    problems = compare_row(module, spec)
    if spec.name in EXPECTED_DIFFERENCES:
        assert problems, f"{spec.name} now agrees with TF: drop it from EXPECTED_DIFFERENCES"
        return
    assert not problems, "\n".join(problems)


def test_not_in_tf_rows_exist():
    names = {s.name for _, s in ROWS}
    assert set(NOT_IN_TF) <= names, set(NOT_IN_TF) - names
    assert set(EXPECTED_DIFFERENCES) <= names, set(EXPECTED_DIFFERENCES) - names
    assert set(TF_DTYPES) <= names, set(TF_DTYPES) - names
