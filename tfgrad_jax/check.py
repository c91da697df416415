"""Cross-checking gradients: TF's rules, JAX's derivative and finite differences.

`check_gradients(fn, *args)` traces `fn` (written against our `tf` API) once
and puts three derivatives of `sum(grad_ys * fn(*args))` side by side, per
argument x:

* **tf**: `tf.gradients(ys, xs, grad_ys, stop_gradients)`, TF's rules (the
  op's declared TF rule, a registered or overridden gradient function);
* **jax**: `jax.vjp` of the same graph lowered with JAX's own rules for every
  op, the stopped tensors behind `lax.stop_gradient`;
* **numeric**: central differences of the lowered graph in float64 (the
  arguments promoted), the stopped tensors held at their values.

Where the tf and jax columns differ, the report names the ops that cause it
(`blame`): each op on the way whose gradient is not plain JAX autodiff has
its TF pullback and JAX's compared at the values the check ran with.
`compute_gradient(f, x)` is `tf.test.compute_gradient`.
"""

import dataclasses
import html
import inspect

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tfgrad_jax import gradient_registry
from tfgrad_jax.framework import dtypes, lowering, nest
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework import op_def
from tfgrad_jax.framework.op_def import constant
from tfgrad_jax.framework.tensor import EagerTensor, Tensor
from tfgrad_jax.framework.tensor_spec import TensorSpec
from tfgrad_jax.function import ConcreteFunction, Function, function
from tfgrad_jax.gradient_ops import _copy_attrs, copy_op
from tfgrad_jax.gradients import gradients as tf_gradients

__all__ = ["check_gradients", "assert_gradients_close", "compute_gradient", "GradientReport",
           "inspect_function", "Inspection"]


@dataclasses.dataclass
class GradientRow:
    """The three derivatives with respect to one argument, and how far apart they are."""
    name: str
    shape: tuple
    tf: np.ndarray
    jax: np.ndarray
    numeric: np.ndarray
    tf_vs_jax: float
    tf_vs_numeric: float
    jax_vs_numeric: float
    relative_tf_vs_numeric: float
    ok: bool


@dataclasses.dataclass
class OpBlame:
    """An op whose TF gradient differs from JAX's at the values checked."""
    op: str
    type: str
    rule: str
    input: int
    max_difference: float


@dataclasses.dataclass
class GradientReport:
    """The result of `check_gradients`: `rows` (one per argument), `blame`, `ok`.

    `str(report)` is a text table; in Jupyter it shows as an HTML table.
    `ok` is True when TF's gradient matches the finite differences for every
    argument within `rtol`/`atol`.
    """
    rows: list
    blame: list
    precision: str
    delta: float
    rtol: float
    atol: float

    @property
    def ok(self):
        return all(r.ok for r in self.rows)

    def _header(self):
        return (f"Gradient check of {len(self.rows)} argument(s): finite differences in "
                f"{self.precision} (delta {self.delta:g}); tolerance rtol {self.rtol:g}, "
                f"atol {self.atol:g}: {'OK' if self.ok else 'FAILED'}")

    _COLUMNS = ("x", "shape", "max|tf-jax|", "max|tf-num|", "max|jax-num|", "rel tf-num",
                "ok")

    def _cells(self, r):
        return (r.name, str(r.shape), f"{r.tf_vs_jax:.2e}", f"{r.tf_vs_numeric:.2e}",
                f"{r.jax_vs_numeric:.2e}", f"{r.relative_tf_vs_numeric:.2e}",
                "yes" if r.ok else "NO")

    def _blame_lines(self):
        if not self.blame:
            return []
        return ["Ops whose TF gradient differs from JAX's at these values:"] + [
            f"  {b.op} ({b.type}, {b.rule}): gradient of input {b.input} differs by "
            f"{b.max_difference:.2e}" for b in self.blame]

    def __str__(self):
        table = [self._COLUMNS] + [self._cells(r) for r in self.rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(self._COLUMNS))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
        return "\n".join([self._header()] + lines + self._blame_lines())

    def _repr_html_(self):
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self._COLUMNS)
        body = "".join(
            "<tr" + ("" if r.ok else ' style="color:#b00"') + ">"
            + "".join(f"<td>{html.escape(c)}</td>" for c in self._cells(r)) + "</tr>"
            for r in self.rows)
        blame = "".join(f"<li>{html.escape(line.strip())}</li>"
                        for line in self._blame_lines()[1:])
        blame = f"<p>Ops whose TF gradient differs from JAX's:</p><ul>{blame}</ul>" if blame \
            else ""
        return (f"<p>{html.escape(self._header())}</p><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>{blame}")

    def __repr__(self):
        return str(self)


# ---------------------------------------------------------------------------
# Tracing `fn` once: its ys and TF's gradients, in one graph.

def _arguments(args, what):
    """The arguments as numpy arrays (a Python float is float32, as tf.constant makes it)."""
    arrays = []
    for i, a in enumerate(args):
        if isinstance(a, EagerTensor):
            a = a._value
        value = np.asarray(a, np.float32) if isinstance(a, float) else np.asarray(a)
        if value.dtype.kind == "c":
            raise TypeError(f"{what}: argument {i} is complex; the checker compares real "
                            "gradients only.")
        if value.dtype.kind != "f":
            raise TypeError(f"{what}: argument {i} has dtype {value.dtype}, which has no "
                            "gradient; pass floating-point values.")
        arrays.append(value)
    if not arrays:
        raise ValueError(f"{what}: no arguments to differentiate with respect to.")
    return arrays


def _stop_tensors(graph, stop_gradients, xs):
    """The tensors of `graph` named by `stop_gradients` (tensor or op names, or argument
    positions)."""
    found = []
    for s in stop_gradients or ():
        if isinstance(s, int):
            found.append(xs[s])
        elif isinstance(s, str):
            try:
                found.append(graph.get_tensor_by_name(s) if ":" in s
                             else graph.get_operation_by_name(s).outputs[0])
            except (KeyError, ValueError, IndexError):
                raise ValueError(f"stop_gradients: {s!r} names no tensor of the traced "
                                 "function.") from None
        else:
            raise TypeError(f"stop_gradients: expected tensor names or argument positions, "
                            f"got {s!r}.")
    return found


class _Traced:
    """`fn` traced at `arrays`: its graph, ys, stops, and TF's gradients (values)."""

    def __init__(self, fn, arrays, stop_gradients, grad_ys, what):
        def traced(*xs):
            out = fn(*xs)
            ys = [y for y in nest.flatten(out) if isinstance(y, Tensor)]
            ys = [y for y in ys if y.dtype.is_floating]
            if not ys:
                raise ValueError(f"{what}: the function returns no floating-point tensor to "
                                 f"differentiate (it returned {out!r}).")
            graph = graph_mod.current_graph_or_none()
            stops = _stop_tensors(graph, stop_gradients, xs)
            given = None
            if grad_ys is not None:
                given = grad_ys if isinstance(grad_ys, (list, tuple)) else [grad_ys]
                if len(given) != len(ys):
                    raise ValueError(f"{what}: grad_ys has {len(given)} entries for "
                                     f"{len(ys)} outputs.")
                given = [np.asarray(g, y.dtype.as_numpy_dtype) for g, y in zip(given, ys)]
                for i, (g, y) in enumerate(zip(given, ys)):
                    if not y.shape.is_compatible_with(g.shape):
                        raise ValueError(f"{what}: grad_ys[{i}] has shape {g.shape}, but "
                                         f"output {i} has shape {y.shape}.")
            grads = tf_gradients(ys, list(xs),
                                 grad_ys=None if given is None else [constant(g) for g in given],
                                 stop_gradients=stops, unconnected_gradients="zero")
            self.ys, self.xs, self.stops, self._given_seeds = ys, list(xs), stops, given
            return ys + grads

        specs = [TensorSpec(a.shape, dtypes.as_dtype(a.dtype)) for a in arrays]
        self.concrete = function(traced).get_concrete_function(*specs)
        values = self.concrete(*arrays)
        n = len(self.ys)
        self.y_values = [np.asarray(v._value) for v in values[:n]]
        self.tf_grads = [np.asarray(v._value) for v in values[n:]]
        # The seeds of sum(grad_ys * ys): grad_ys, or ones (tf.gradients' default).
        self.seeds = [np.ones_like(y) if self._given_seeds is None else
                      np.broadcast_to(g, y.shape).astype(y.dtype)
                      for y, g in zip(self.y_values, self._given_seeds or self.y_values)]
        self.inputs = self.concrete.inputs
        self.captures = self.concrete._capture_values()

    def forward(self, mode, frozen=None, extra=()):
        """The ys (then the values of the `extra` tensors) as a JAX function of the
        arguments, stopped tensors behind lax.stop_gradient (`mode` "stop") or held at
        their `frozen` values ("frozen")."""
        inputs = self.inputs
        ops = lowering.schedule(self.ys, {id(t) for t in inputs})
        stops = {id(t) for t in self.stops}
        captures = self.captures

        def f(*xs):
            env = dict(zip([id(t) for t in inputs], list(xs) + list(captures)))
            for op in ops:
                lowering.run_ops([op], env)
                for t in op._outputs:
                    if id(t) in stops:
                        if mode == "stop":
                            env[id(t)] = lax.stop_gradient(env[id(t)])
                        elif mode == "frozen":
                            env[id(t)] = frozen[id(t)]
            return [env[id(y)] for y in self.ys] + [env[id(t)] for t in extra]

        return f

    def values(self, arrays, tensors):
        """The values of `tensors` at `arrays` (one compiled run): {id: array}."""
        out = jax.jit(self.forward("stop", extra=tensors))(*arrays)
        return {id(t): v for t, v in zip(tensors, out[len(self.ys):])}


# ---------------------------------------------------------------------------
# The three derivatives.

def _jax_gradients(traced, arrays):
    f = traced.forward("stop")

    def gradients(xs, seeds):
        _, pullback = jax.vjp(lambda *a: f(*a), *xs)
        return pullback(seeds)

    with op_def.jax_autodiff_rules(), lowering.reverse_mode():  # (one compiled program)
        grads = jax.jit(gradients)([jnp.asarray(a) for a in arrays],
                                   [jnp.asarray(s) for s in traced.seeds])
    return [np.asarray(g) for g in grads]


def _objective(traced, arrays, dtype):
    """sum(grad_ys * ys) as a function of the arguments, stopped tensors held fixed."""
    cast = [jnp.asarray(a, dtype) for a in arrays]
    stopped = [t for t in traced.stops if t.op.type != "Placeholder"]
    f = traced.forward("frozen", frozen=traced.values(cast, stopped))
    seeds = [jnp.asarray(s, dtype) for s in traced.seeds]

    def objective(*xs):
        return sum(jnp.sum(s * jnp.asarray(y, dtype)) for s, y in zip(seeds, f(*xs)))

    return objective, cast


def _central_differences(fn, arrays, delta):
    """d fn / d arrays[k], each entry by central differences (vmapped, one call per k)."""
    grads = []
    for k, x in enumerate(arrays):
        n = int(np.prod(x.shape))
        steps = jnp.eye(n, dtype=x.dtype).reshape((n,) + x.shape) * delta

        def at(xk, k=k):
            return fn(*arrays[:k], xk, *arrays[k + 1:])

        values = jax.jit(jax.vmap(at))(jnp.concatenate([x[None] + steps, x[None] - steps]))
        grads.append(np.asarray((values[:n] - values[n:]) / (2 * delta)).reshape(x.shape))
    return grads


def _numeric_gradients(traced, arrays, delta):
    """Central differences in float64 where the graph runs in it, else in the arguments'
    own dtype; returns (gradients, the precision used)."""
    try:
        objective, cast = _objective(traced, arrays, jnp.float64)
        return _central_differences(objective, cast, delta), "float64"
    except (TypeError, ValueError):  # a lowering that insists on its traced dtype
        pass
    objective, cast = _objective(traced, arrays, arrays[0].dtype)
    return _central_differences(objective, cast, delta), str(arrays[0].dtype)


# ---------------------------------------------------------------------------
# Blame: per op, TF's pullback against JAX's, at the values of this check.

def _rule(op):
    kind, _ = gradient_registry.policy(op)
    override = op._attrs.get("_gradient_op_type")
    if kind == "function":
        return f"registered gradient {override or op.type!r}"
    if kind == "autodiff" and op._opdef.vjp is not None:
        return "TF rule"
    return None


def _op_pullbacks(op, values, rng):
    """(TF's, JAX's) input gradients of `op` at `values`, for one random cotangent."""
    ins = [np.asarray(values[id(t)]) for t in op._inputs]
    cts = [rng.standard_normal(np.shape(values[id(t)])).astype(t.dtype.as_numpy_dtype)
           if t.dtype.is_floating else None for t in op._outputs]
    differentiable = [i for i, t in enumerate(op._inputs) if t.dtype.is_floating]

    def tf_side(*args):
        # (the attrs a gradient's copy of an op gets: not the gradient function traced
        # for the original op, which reads it)
        outs = copy_op(op, list(args), graph_mod.current_graph_or_none(), _copy_attrs(op))
        pairs = [(o, c) for o, c in zip(outs, cts) if c is not None]
        return tf_gradients([o for o, _ in pairs], [args[i] for i in differentiable],
                            grad_ys=[constant(c) for _, c in pairs],
                            unconnected_gradients="zero")

    specs = [TensorSpec(a.shape, t.dtype) for a, t in zip(ins, op._inputs)]
    tf_grads = [np.asarray(g._value) for g in
                function(tf_side).get_concrete_function(*specs)(*ins)]

    def jax_side(*floats):
        args = list(ins)
        for i, v in zip(differentiable, floats):
            args[i] = v
        outs = op._opdef.call([jnp.asarray(a) for a in args], op._input_lengths, op._attrs)
        return [o for o, c in zip(outs, cts) if c is not None]

    with op_def.jax_autodiff_rules():
        _, pullback = jax.vjp(jax_side, *[jnp.asarray(ins[i]) for i in differentiable])
        jax_grads = pullback([jnp.asarray(c) for c in cts if c is not None])
    return list(zip(differentiable, tf_grads, [np.asarray(g) for g in jax_grads]))


def _blame(traced, arrays, rtol, atol):
    ops = lowering.schedule(traced.ys, {id(t) for t in traced.inputs})
    tensors = list(traced.inputs) + [t for op in ops for t in op._outputs]
    values = traced.values([jnp.asarray(a) for a in arrays], tensors)
    rng = np.random.default_rng(0)
    found = []
    for op in ops:
        rule = _rule(op)
        if rule is None or op._opdef.graph_attrs:
            continue
        try:
            pairs = _op_pullbacks(op, values, rng)
        except Exception:  # noqa: BLE001, S112 - an op we cannot examine on its own
            continue
        for i, tf_g, jax_g in pairs:
            diff = float(np.max(np.abs(tf_g - jax_g), initial=0.0))
            if diff > atol + rtol * float(np.max(np.abs(jax_g), initial=0.0)):
                found.append(OpBlame(op.name, op.type, rule, i, diff))
    return found


# ---------------------------------------------------------------------------
# The public functions.

def _argument_names(fn, n):
    """The names of `fn`'s first n parameters (x0, x1, ... where it has none)."""
    fn = getattr(fn, "python_function", fn)
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return params[:n] + [f"x{i}" for i in range(len(params), n)]


def _max_abs(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)),
                        initial=0.0))


def check_gradients(fn, *args, stop_gradients=None, grad_ys=None, delta=1e-3, rtol=1e-3,
                    atol=1e-4):
    """Puts TF's gradient, JAX's derivative and finite differences side by side.

    `fn(*args)` is written against our `tf` API and returns a tensor (or a
    nest of tensors: their floating-point ones are the ys). For each argument
    x the report has `tf.gradients(ys, xs, grad_ys, stop_gradients)`, `jax.vjp`
    of the lowered graph with JAX's rules, and central differences (float64
    where the graph runs in it) of `sum(grad_ys * ys)`, and their largest
    differences. `stop_gradients`: names of tensors or ops inside `fn` ("mul",
    "b:0"), or argument positions, held fixed as `tf.gradients` holds them.
    `report.ok`: TF's gradient matches the differences within `rtol`/`atol`.
    Where TF's and JAX's gradients differ, `report.blame` names the ops.
    Not a TF function (TF has `tf.test.compute_gradient`: see below).
    """
    what = "check_gradients"
    arrays = _arguments(args, what)
    traced = _Traced(fn, arrays, stop_gradients, grad_ys, what)
    jax_grads = _jax_gradients(traced, arrays)
    numeric, precision = _numeric_gradients(traced, arrays, delta)
    rows = []
    names = _argument_names(fn, len(arrays))
    for name, x, t, j, n in zip(names, arrays, traced.tf_grads, jax_grads, numeric):
        scale = float(np.max(np.abs(n), initial=0.0))
        tf_num = _max_abs(t, n)
        ok = bool(np.all(np.abs(np.asarray(t, np.float64) - n) <= atol + rtol * np.abs(n)))
        rows.append(GradientRow(name, tuple(x.shape), t, j, n, _max_abs(t, j), tf_num,
                                _max_abs(j, n), tf_num / scale if scale else tf_num, ok))
    differ = any(not np.allclose(r.tf, r.jax, rtol=rtol, atol=atol) for r in rows)
    blame = _blame(traced, arrays, rtol, atol) if differ else []
    return GradientReport(rows, blame, precision, delta, rtol, atol)


def assert_gradients_close(fn, *args, **kwargs):
    """`check_gradients`, raising AssertionError with the report when TF's gradient and
    the finite differences differ; returns the report otherwise."""
    report = check_gradients(fn, *args, **kwargs)
    if not report.ok:
        raise AssertionError(str(report))
    return report


def compute_gradient(f, x, delta=None):
    """Theoretical and numerical Jacobians of `f` at `x`: `tf.test.compute_gradient`
    (tfgrad_jax.test), here beside the checks that go further."""
    from tfgrad_jax.test import compute_gradient as tf_compute_gradient
    return tf_compute_gradient(f, x, delta)


# ---------------------------------------------------------------------------
# Inspection: the graph, the jaxpr, the optimised HLO and its cost, in one call.

@dataclasses.dataclass
class Inspection:
    """What a traced function is at each level: `graph_text` (every op with its name,
    type, attrs, output shapes and dtypes and inputs; sub-graphs such as a gradient's
    forward pass below their op, stopped tensors as StopGradient ops), `jaxpr`,
    `hlo_text` (after XLA's optimisation) and `cost` (XLA's estimate: "flops",
    "bytes accessed")."""
    graph_text: str
    jaxpr: object
    hlo_text: str
    cost: dict

    def __str__(self):
        cost = ", ".join(f"{k} {v:g}" for k, v in self.cost.items())
        return (f"== graph ==\n{self.graph_text}\n== jaxpr ==\n{self.jaxpr}\n"
                f"== cost (XLA's estimate) ==\n{cost}\n== optimised HLO ==\n{self.hlo_text}")


def _graph_text(graph, depth=0):
    """`graph.as_text()` with the sub-graphs of its ops below them, indented."""
    lines = []
    pad = "    " * depth
    for line in graph.as_text().splitlines():
        lines.append(pad + line)
    for op in graph.get_operations():
        for attr in op._opdef.graph_attrs:
            value = op._attrs.get(attr)
            for sub in value if isinstance(value, (list, tuple)) else [value]:
                if sub is not None:
                    lines.append(f"{pad}  {attr} of {op.name}:")
                    lines.append(_graph_text(sub, depth + 1))
    return "\n".join(lines)


def inspect_function(fn, *args):
    """The graph, jaxpr, optimised HLO and cost of `fn` traced at `args`.

    `fn`: a tf.function, a ConcreteFunction, or a Python function written with
    our API (traced as a tf.function). For a gradient, trace a function that
    calls `tf.gradients`. Not a TF function.
    """
    arrays = [np.asarray(a._value if isinstance(a, EagerTensor) else a) for a in args]
    if isinstance(fn, ConcreteFunction):
        concrete = fn
    else:
        fn = fn if isinstance(fn, Function) else function(fn)
        concrete = fn.get_concrete_function(
            *[TensorSpec(a.shape, dtypes.as_dtype(a.dtype)) for a in arrays])
    compiled = concrete._program.lower(*concrete._abstract_inputs(arrays)).compile()
    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, (list, tuple)) else (cost or {})
    summary = {k: float(cost[k]) for k in ("flops", "bytes accessed", "transcendentals")
               if k in cost}
    return Inspection(_graph_text(concrete.graph), concrete.as_jaxpr(*arrays),
                      compiled.as_text(), summary)


# ---------------------------------------------------------------------------
# The command line: python -m tfgrad_jax.check path/to/script.py:function --args ...

_USAGE = """\
usage: python -m tfgrad_jax.check SCRIPT.py:FUNCTION [--args VALUE ...] [--random SHAPE ...]
                                  [--dtype float32|float64] [--seed N] [--stop NAME ...]
                                  [--rtol R] [--atol A] [--delta D]

Cross-checks the gradients of FUNCTION (written with `import tfgrad_jax as tf`, or
`import tensorflow as tf`: the import is resolved to tfgrad_jax) at the given arguments:
tf.gradients against JAX's derivative and finite differences. Arguments: --args takes
Python literals ("[1.0, 2.0]", "0.5"); --random takes shapes ("2,3", "()") drawn from a
normal distribution. Exit status: 0 when TF's gradients match the finite differences,
1 when a tolerance is exceeded, 2 for bad usage."""


def _parse_command_line(argv):
    import argparse
    parser = argparse.ArgumentParser(prog="python -m tfgrad_jax.check", usage=_USAGE,
                                     add_help=True)
    parser.add_argument("target")
    parser.add_argument("--args", nargs="*", default=[])
    parser.add_argument("--random", nargs="*", default=[])
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stop", nargs="*", default=[])
    parser.add_argument("--rtol", type=float, default=1e-3)
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("--delta", type=float, default=1e-3)
    return parser.parse_args(argv)


def _load_function(target):
    import os
    import runpy
    path, _, name = target.rpartition(":")
    if not path or not name:
        raise ValueError(f"expected SCRIPT.py:FUNCTION, got {target!r}")
    if not os.path.exists(path):
        raise ValueError(f"no such file: {path!r}")
    from tfgrad_jax import dropin
    dropin.install()
    namespace = runpy.run_path(path, run_name="__tfgrad_jax_check__")
    if name not in namespace or not callable(namespace[name]):
        raise ValueError(f"{path} defines no function {name!r}")
    return namespace[name]


def _command_line_arguments(options):
    import ast
    dtype = np.dtype(options.dtype)
    args = []
    for text in options.args:
        try:
            args.append(np.asarray(ast.literal_eval(text), dtype))
        except (ValueError, SyntaxError):
            raise ValueError(f"--args: {text!r} is not a Python literal") from None
    rng = np.random.default_rng(options.seed)
    for text in options.random:
        text = text.strip("()[] ")
        shape = tuple(int(d) for d in text.split(",") if d.strip()) if text else ()
        args.append(rng.standard_normal(shape).astype(dtype))
    return args


def main(argv=None):
    """The command line (module docstring of `_USAGE`); returns the exit status."""
    import sys
    try:
        options = _parse_command_line(sys.argv[1:] if argv is None else argv)
    except SystemExit as e:  # argparse: --help (0) or bad usage (2)
        return e.code if isinstance(e.code, int) else 2
    try:
        fn = _load_function(options.target)
        args = _command_line_arguments(options)
    except ValueError as e:
        print(f"python -m tfgrad_jax.check: {e}", file=sys.stderr)
        return 2
    report = check_gradients(fn, *args, stop_gradients=options.stop or None,
                             delta=options.delta, rtol=options.rtol, atol=options.atol)
    print(report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    import sys
    sys.exit(main())
