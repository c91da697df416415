"""`tf.contrib` for TF-1 programs: only `tf.contrib.opt.ScipyOptimizerInterface`.

TF 1.x had `tf.contrib`; TF 2 removed it (and TF 2.21's `compat.v1` has no
`contrib`), so this module is not part of `tf.compat.v1`: the `import
tensorflow` alias exposes `contrib` for unmodified TF-1 programs. Every other
`tf.contrib.*` name raises an AttributeError saying that it is not provided,
rather than a bare "has no attribute" that reads like a typo.

`ScipyOptimizerInterface` minimises a graph's loss with `scipy.optimize.minimize`
as TF-1's did (all variables packed into one float64 vector, `jac=True`).
SciPy is an optional dependency (`pip install "tfgrad_jax[scipy]"`), imported
only when an optimizer is made.
"""

import logging
import types

import numpy as np

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.op_def import convert_to_tensor
from tfgrad_jax.framework.scopes import name_scope
from tfgrad_jax.framework.tensor import Reference
from tfgrad_jax.gradients import gradients
from tfgrad_jax.ops import array_ops, math_ops
from tfgrad_jax.v1.api import placeholder
from tfgrad_jax.v1.variable_scope import trainable_variables

__all__ = ["contrib"]

_log = logging.getLogger("tfgrad_jax")

_NOT_PROVIDED = ("tfgrad_jax does not implement tf.contrib.{}: tf.contrib was removed in TF 2; "
                 "tfgrad_jax provides only tf.contrib.opt.ScipyOptimizerInterface (use the TF 2 "
                 "or tf.compat.v1 replacement, e.g. tf.compat.v1.layers for "
                 "tf.contrib.layers).")


def _scipy_optimize():
    try:
        import scipy.optimize
    except ImportError as e:
        raise ImportError("tf.contrib.opt.ScipyOptimizerInterface needs SciPy, which is not "
                          "installed: pip install \"tfgrad_jax[scipy]\" (or pip install "
                          "scipy).") from e
    return scipy.optimize


def _flat_float64(tensors):
    """One float64 vector of `tensors`, flattened and concatenated (TF-1's `_pack`)."""
    return array_ops.concat([array_ops.reshape(math_ops.cast(t, dtypes.float64), [-1])
                             for t in tensors], 0)


def _gradients(tensor, var_list):
    # TF-1: a variable the tensor does not depend on has a zero gradient.
    return gradients(tensor, var_list, unconnected_gradients="zero")


class ScipyOptimizerInterface:
    """Minimises `loss` with `scipy.optimize.minimize`, as TF-1's
    `tf.contrib.opt.ScipyOptimizerInterface`.

    `var_list` (default: the trainable variables) are packed into one float64
    vector (in order, each flattened); SciPy calls back for the loss and its
    gradient (`jac=True`) at each point it tries, then `minimize` assigns the
    best point to the variables. `equalities` / `inequalities`: scalar tensors
    constrained `== 0` / `>= 0` (for methods such as SLSQP). `var_to_bounds`:
    variable -> (low, high), each a number or an array broadcast to the
    variable's shape (None or +-inf: unbounded). `method` (default
    'L-BFGS-B'), `options` (e.g. `{'maxiter': 100}`) and any other keyword go
    to `scipy.optimize.minimize`; `jac`, `callback`, `constraints` and `bounds`
    are set here (ValueError if given).

    What we do differently: TF-1 fed the variables' values to every run; here
    a point is written into the session's variables by one compiled program and
    the loss and gradients computed by another, both compiled once and reused
    by every SciPy iteration. Needs SciPy (ImportError saying how to install).
    """

    _DEFAULT_METHOD = "L-BFGS-B"

    def __init__(self, loss, var_list=None, equalities=None, inequalities=None,
                 var_to_bounds=None, method=_DEFAULT_METHOD, options=None, **optimizer_kwargs):
        _scipy_optimize()  # fail now, not after the graph is built
        for key in ("jac", "callback", "constraints"):
            if key in optimizer_kwargs:
                raise ValueError(f"Optimizer keyword arg '{key}' is set automatically and cannot "
                                 "be injected manually")
        if "bounds" in optimizer_kwargs:
            raise ValueError("Bounds must be set using the var_to_bounds argument")
        if graph_mod.current_graph_or_none() is None:
            raise RuntimeError("ScipyOptimizerInterface minimises a TF-1 graph's loss in a "
                               "Session: build it in a graph (tf.compat.v1."
                               "disable_eager_execution() or `with tf.Graph().as_default():`).")
        self._loss = convert_to_tensor(loss, name="loss")
        self._vars = list(trainable_variables() if var_list is None else var_list)
        if not self._vars:
            raise ValueError("No variables to optimize: `var_list` is empty and there are no "
                             "trainable variables.")
        for var in self._vars:
            if not getattr(var, "_is_variable", False):
                raise TypeError(f"`var_list` must hold tf.Variables, got {var!r}.")
            if not var.shape.is_fully_defined():
                raise ValueError(f"ScipyOptimizerInterface needs variables of known shape, got "
                                 f"{var.name} of shape {var.shape}.")
        self._equalities = [convert_to_tensor(t) for t in (equalities or [])]
        self._inequalities = [convert_to_tensor(t) for t in (inequalities or [])]
        self._method = method
        self._options = options
        self.optimizer_kwargs = optimizer_kwargs
        sizes = [int(np.prod(v.shape.as_list())) for v in self._vars]
        ends = np.cumsum(sizes)
        self._slices = [slice(int(end - size), int(end)) for size, end in zip(sizes, ends)]
        self._packed_bounds = self._bounds(var_to_bounds)

        with name_scope("ScipyOptimizerInterface"):
            self._packed_var = _flat_float64(self._vars)
            self._packed_loss_grad = _flat_float64(_gradients(self._loss, self._vars))
            self._constraint_grads = [_flat_float64(_gradients(t, self._vars))
                                      for t in self._equalities + self._inequalities]
            # One placeholder for the whole point: one feed, one program writing it.
            self._point = placeholder(dtypes.float64, [int(ends[-1])], name="point")
            self._var_updates = [
                var.assign(array_ops.reshape(math_ops.cast(self._point[s], var.dtype),
                                             var.shape.as_list()), read_value=False)
                for var, s in zip(self._vars, self._slices)]

    def _bounds(self, var_to_bounds):
        """SciPy's bounds, one (low, high) per packed value; None if `var_to_bounds` is."""
        if var_to_bounds is None:
            return None
        given = {}
        for key, bounds in dict(var_to_bounds).items():
            var = key.deref() if isinstance(key, Reference) else key
            if not any(var is v for v in self._vars):
                raise ValueError(f"var_to_bounds names {getattr(var, 'name', var)!r}, which is "
                                 "not one of the variables optimized (`var_list`).")
            given[id(var)] = bounds
        low, high = [], []
        for var in self._vars:
            lo, hi = given.get(id(var), (-np.inf, np.inf))
            shape = var.shape.as_list()
            low.extend(np.broadcast_to(np.asarray(-np.inf if lo is None else lo, np.float64),
                                       shape).ravel().tolist())
            high.extend(np.broadcast_to(np.asarray(np.inf if hi is None else hi, np.float64),
                                        shape).ravel().tolist())
        return list(zip(low, high))

    def minimize(self, session=None, feed_dict=None, fetches=None, step_callback=None,
                 loss_callback=None, **run_kwargs):
        """Minimises the loss from the variables' values in `session` (default: the
        default session) and assigns the result to them, as TF-1's.

        `feed_dict` is fed to every evaluation. `fetches` are computed with each
        evaluation of the loss and passed to `loss_callback(*values)`;
        `step_callback(x)` gets the packed point after each SciPy iteration.
        `run_kwargs` go to the final `Session.run` (options, run_metadata).
        Returns None, as TF-1.
        """
        optimize = _scipy_optimize()
        session = session or graph_mod.get_default_session()
        if session is None:
            raise ValueError("ScipyOptimizerInterface.minimize needs a session: pass "
                             "`session=` or run it inside `with tf.compat.v1.Session():`.")
        feed_dict = dict(feed_dict or {})
        fetches = list(fetches or [])
        feed_keys = list(feed_dict)
        feed_values = [feed_dict[k] for k in feed_keys]
        # Each callable resolves its fetches once; its run plan is compiled on first use
        # and reused by every later call (Session caches plans by kind of run).
        write = session.make_callable(self._var_updates, [self._point])

        def evaluator(tensors, callback=None):
            run = session.make_callable(list(tensors) + fetches, feed_keys)
            n = len(tensors)

            def evaluate(x):
                write(np.asarray(x, np.float64))
                values = run(*feed_values)
                if callback is not None:
                    callback(*values[n:])
                return values[:n]
            return evaluate

        loss_grad = evaluator([self._loss, self._packed_loss_grad], loss_callback)

        def loss_and_gradient(x):
            loss, grad = loss_grad(x)
            return float(loss), np.asarray(grad, np.float64)  # L-BFGS-B wants doubles

        constraints = []
        n_eq = len(self._equalities)
        for i, (tensor, grad) in enumerate(zip(self._equalities + self._inequalities,
                                               self._constraint_grads)):
            evaluate = evaluator([tensor, grad])
            constraints.append({
                "type": "eq" if i < n_eq else "ineq",
                "fun": lambda x, f=evaluate: np.asarray(f(x)[0], np.float64),
                "jac": lambda x, f=evaluate: np.asarray(f(x)[1], np.float64)})

        kwargs = dict(jac=True, method=self._method, bounds=self._packed_bounds,
                      constraints=constraints or (), **self.optimizer_kwargs)
        if step_callback is not None:
            kwargs["callback"] = lambda xk: step_callback(xk)
        if self._options is not None:
            kwargs["options"] = self._options
        initial = np.asarray(session.run(self._packed_var, feed_dict), np.float64)
        result = optimize.minimize(loss_and_gradient, initial, **kwargs)
        _log.info("Optimization terminated with:\n  Message: %s\n  Objective function value: "
                  "%f\n  Number of iterations: %s\n  Number of functions evaluations: %s",
                  result.message, result.fun, getattr(result, "nit", "?"),
                  getattr(result, "nfev", "?"))
        session.run(self._var_updates, {self._point: np.asarray(result.x, np.float64)},
                    **run_kwargs)


class _Namespace(types.ModuleType):
    """A namespace of which only `members` exist; any other name raises AttributeError
    naming it as not provided by tfgrad_jax."""

    def __init__(self, path, members, doc):
        super().__init__(path, doc)
        self._path = path
        for name, value in members.items():
            setattr(self, name, value)
        self.__all__ = sorted(members)

    def __getattr__(self, name):  # only for names that are not there
        if name.startswith("__"):
            raise AttributeError(name)  # Python's own probes (__path__, __wrapped__, ...)
        raise AttributeError(_NOT_PROVIDED.format(f"{self._path[len('tf.contrib.'):]}.{name}"
                                                  if self._path != "tf.contrib" else name))

    def __repr__(self):
        return f"<tfgrad_jax namespace {self._path!r}>"


_opt = _Namespace("tf.contrib.opt", {"ScipyOptimizerInterface": ScipyOptimizerInterface},
                  "`tf.contrib.opt`: only ScipyOptimizerInterface.")
contrib = _Namespace("tf.contrib", {"opt": _opt}, "`tf.contrib` (removed in TF 2): only "
                     "`tf.contrib.opt.ScipyOptimizerInterface`.")
