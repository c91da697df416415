"""`tf.compat.v1.train`: TF-1's optimizers, the global step, learning-rate decay and Saver.

The optimizers compute their updates with the rule functions of
`tfgrad_jax.optimizers.rules` (shared with the Keras optimizers), given the
parameters that reproduce TF-1's kernels (`ResourceApplyAdam`, ...). In a
TF-1 graph an update reads the values the variables and slots had when the
session run started and assigns the new ones; `apply_gradients` returns an op
that runs every update (then the Adam beta powers, then `global_step += 1`),
so fetching it in `Session.run` trains one step. They also work eagerly and in
a `tf.function`, as TF-1's optimizers do under TF 2 (the loss is then a
callable, differentiated on a GradientTape; slots are made outside the
function, as TF's `init_scope` makes them).

Differences from TF: XLA compiles each run as one program, so `gate_gradients`
(validated) and `use_locking` change nothing; the update ops are groups of
assignments rather than TF's fused kernels (`ResourceApplyAdam`), named
`update_<var>/...` under the optimizer's scope as TF's are. `Saver` writes
its own safe format (`<prefix>.npz` read with `allow_pickle=False`, plus a
JSON index `<prefix>.json`), not TF's checkpoints; it cannot read TF
checkpoints and says so. No `.meta` graph files are written.
"""

import contextlib
import functools
import json
import numbers
import os
import warnings

import numpy as np

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.errors import InvalidArgumentError, NotFoundError
from tfgrad_jax.framework.indexed_slices import IndexedSlices
from tfgrad_jax.framework.op_def import convert_to_tensor
from tfgrad_jax.framework.scopes import control_dependencies, name_scope
from tfgrad_jax.framework.tensor import Tensor
from tfgrad_jax.gradients import gradients
from tfgrad_jax.ops import array_ops, math_ops
from tfgrad_jax.ops.control_flow_ops import group
from tfgrad_jax.ops.variables import Variable, is_variable
from tfgrad_jax.optimizers import rules, schedules

__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer",
           "RMSPropOptimizer", "AdagradOptimizer", "get_global_step", "create_global_step",
           "get_or_create_global_step", "assert_global_step", "global_step",
           "exponential_decay", "inverse_time_decay", "polynomial_decay", "piecewise_constant",
           "Saver", "latest_checkpoint"]

_FLOAT_DTYPES = (dtypes.float32, dtypes.float64, dtypes.float16, dtypes.bfloat16)


def _call_if_callable(value):
    return value() if callable(value) else value


def _assert_float_dtypes(tensors):
    """TF-1's optimizers train only float16/bfloat16/float32/float64 values (TF's text)."""
    for t in tensors:
        if t.dtype not in _FLOAT_DTYPES:
            expected = ", ".join(repr(d) for d in _FLOAT_DTYPES)
            raise ValueError(f"Invalid type {t.dtype!r} for {t.name}, expected: [{expected}].")


# Eager slots are named uniquely across the process, as TF names them (w/Adam, w/Adam_1).
_eager_slot_names = {}


def _unique_eager_name(base):
    uses = _eager_slot_names.get(base, 0)
    _eager_slot_names[base] = uses + 1
    return base if uses == 0 else f"{base}_{uses}"


@contextlib.contextmanager
def _init_scope(variable):
    """Where an optimizer makes its variables (TF's `init_scope`): outside any control
    dependencies, in `variable`'s TF-1 graph, or eagerly for an eager variable (also
    while a tf.function is being traced)."""
    graph = variable.graph
    if graph is None:
        with graph_mod.eager_scope():
            yield
        return
    with graph.as_default(), graph.control_dependencies(None):
        yield


# ---------------------------------------------------------------------------
# Optimizers.

class Optimizer:
    """Base class of TF-1's optimizers, as `tf.compat.v1.train.Optimizer`.

    `minimize` = `compute_gradients` + `apply_gradients`. A subclass makes its
    slots in `_create_slots(var_list)` (with `_slot`), converts its
    hyperparameters in `_prepare()` (with `_hyper`) and returns the new values of
    a variable and its slots in `_update(grad, var)` (grad dense or IndexedSlices).

    Slots are TF-1 variables named `<variable>/<optimizer name>` (`w/Adam`,
    `w/Adam_1`, ...), not trainable, in the graph's `variables` collection, so
    `global_variables_initializer()` initializes them, as in TF.
    """

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}      # slot name -> {id(variable): (variable, slot variable)}
        self._non_slots = {}  # (name, graph or None) -> variable (Adam's beta powers)
        self._hyper_tensors = {}

    def get_name(self):
        return self._name

    # -- gradients -------------------------------------------------------------
    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """[(gradient, variable)] for `var_list` (default: the graph's trainable variables),
        None gradients kept, as TF. `loss` may be a callable (required eagerly, where a
        GradientTape records it). `gate_gradients` is validated; XLA runs the whole step
        as one program, so gating changes nothing. `grad_loss` weights the loss
        (tf.gradients' grad_ys)."""
        if gate_gradients not in (Optimizer.GATE_NONE, Optimizer.GATE_OP,
                                  Optimizer.GATE_GRAPH):
            raise ValueError("gate_gradients must be one of: Optimizer.GATE_NONE, "
                             f"Optimizer.GATE_OP, Optimizer.GATE_GRAPH.  Not {gate_gradients}")
        if var_list is not None:
            var_list = list(var_list)
        graph = graph_mod.current_graph_or_none()
        if callable(loss) and (graph is None or graph.building_function):
            return self._tape_gradients(loss, var_list, grad_loss)
        if callable(loss):  # a TF-1 graph: its collections name the variables
            loss = loss()
        if graph is None:
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a "
                               "function when eager execution is enabled.")
        loss = convert_to_tensor(loss)
        _assert_float_dtypes([loss])
        if var_list is None:
            var_list = (graph.get_collection("trainable_variables")
                        + graph.get_collection("trainable_resource_variables"))
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, var_list, grad_ys=grad_loss,
                          gate_gradients=gate_gradients == Optimizer.GATE_OP,
                          aggregation_method=aggregation_method)
        pairs = list(zip(grads, var_list))
        _assert_float_dtypes([v for g, v in pairs if g is not None])
        return pairs

    def _tape_gradients(self, loss, var_list, grad_loss):
        """A callable loss, eagerly or in a tf.function, is differentiated on a
        GradientTape (as TF); without `var_list`, with respect to the trainable
        variables it read."""
        from tfgrad_jax.tape import GradientTape
        with GradientTape() as tape:
            if var_list is not None:
                tape.watch(var_list)
            value = loss()
        if var_list is None:
            var_list = list(tape.watched_variables())
        if not var_list:
            raise ValueError("No variables to optimize.")
        _assert_float_dtypes([convert_to_tensor(value)])
        grads = tape.gradient(value, var_list, output_gradients=grad_loss)
        pairs = list(zip(grads, var_list))
        _assert_float_dtypes([v for g, v in pairs if g is not None])
        return pairs

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """`compute_gradients` then `apply_gradients`; returns the training op."""
        pairs = self.compute_gradients(loss, var_list=var_list, gate_gradients=gate_gradients,
                                       aggregation_method=aggregation_method,
                                       grad_loss=grad_loss)
        if not any(g is not None for g, _ in pairs):
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do not "
                f"support gradients, between variables {[str(v) for _, v in pairs]} and loss "
                f"{loss}.")
        return self.apply_gradients(pairs, global_step=global_step, name=name)

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Applies (gradient, variable) pairs; returns the op that runs the updates.

        Pairs with a None gradient are skipped. IndexedSlices gradients (from
        tf.gather) are applied as TF-1's sparse kernels apply them. With
        `global_step`, the op is the increment of it that runs after every update
        (named as the optimizer's scope, as TF's `AssignAddVariableOp`); without,
        a group of the updates. In a graph it is added to the `train_op` collection.
        """
        pairs = tuple(grads_and_vars)
        if not pairs:
            raise ValueError("No variables provided.")
        converted = []
        for grad, var in pairs:
            if grad is not None and not isinstance(grad, IndexedSlices):
                try:
                    grad = convert_to_tensor(grad)
                except (TypeError, ValueError):
                    raise TypeError("Gradient must be convertible to a Tensor or IndexedSlices, "
                                    f"or None: {grad}") from None
            if not is_variable(var):
                if isinstance(var, Tensor):
                    raise NotImplementedError(f"Trying to update a Tensor {var}")
                raise TypeError(f"Argument is not a tf.Variable: {var!r}")
            if grad is not None and not isinstance(grad, IndexedSlices) and \
                    not grad.shape.is_compatible_with(var.shape):
                raise ValueError(f"Shapes {grad.shape} and {var.shape} are incompatible: the "
                                 f"gradient does not match variable {var.name}.")
            converted.append((grad, var))
        var_list = [v for g, v in converted if g is not None]
        if not var_list:
            raise ValueError(f"No gradients provided for any variable: "
                             f"{[str(v) for _, v in converted]}.")
        _assert_float_dtypes(var_list)
        if global_step is not None and not is_variable(global_step):
            raise TypeError(f"global_step must be a tf.Variable, got {global_step!r}")
        self._create_slots(var_list)
        with name_scope(name, self._name) as scope:
            self._prepare()
            updates = []
            for grad, var in converted:
                if grad is None:
                    continue
                with name_scope("update_" + var.name.rsplit(":", 1)[0]):
                    updates.append(self._assign(self._update(grad, var)))
            if global_step is None:
                train_op = self._finish(updates, var_list, scope)
            else:
                with control_dependencies([self._finish(updates, var_list, "update")]):
                    train_op = global_step.assign_add(1, name=scope, read_value=False)
        graph = graph_mod.current_graph_or_none()
        if graph is not None and not graph.building_function:
            collection = graph.get_collection_ref("train_op")
            if not any(op is train_op for op in collection):
                collection.append(train_op)
        return train_op

    @staticmethod
    def _assign(new_values):
        """Assigns [(variable, new value)]; one op running them all (None eagerly)."""
        return group(*[var.assign(value, read_value=False) for var, value in new_values])

    def _finish(self, update_ops, var_list, name):
        """The op that completes a step: a group of the updates (Adam adds its own)."""
        return group(*update_ops, name=name)

    # -- hooks for subclasses ------------------------------------------------------
    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _update(self, grad, var):
        """[(variable or slot, its new value)] after applying `grad` to `var`."""
        raise NotImplementedError(f"{type(self).__name__} must define _update(grad, var).")

    def _hyper(self, **values):
        """Converts hyperparameters (numbers, tensors or callables) to tensors named as
        TF-1 names them; `_h(name, var)` gives one in `var`'s dtype."""
        for key, value in values.items():
            self._hyper_tensors[key] = convert_to_tensor(_call_if_callable(value), name=key)

    def _h(self, key, var):
        return math_ops.cast(self._hyper_tensors[key], var.dtype)

    # -- slots -------------------------------------------------------------------
    def _slot(self, var, slot_name, fill=0.0):
        """The slot `slot_name` of `var` (made once, shaped like it, filled with `fill`),
        named `<var>/<optimizer name>` made unique as TF names slots."""
        slots = self._slots.setdefault(slot_name, {})
        if id(var) not in slots:
            shape, dtype = var.shape.as_list(), var.dtype
            with _init_scope(var):
                if var.graph is None:
                    name = _unique_eager_name(f"{var.name.rsplit(':', 1)[0]}/{self._name}")
                    scope = name_scope("")
                else:
                    name = self._name
                    scope = var.graph.name_scope(var.name.rsplit(":", 1)[0] + "/")
                with scope:
                    slot = Variable(lambda: array_ops.fill(shape, math_ops.cast(fill, dtype)),
                                    name=name, dtype=dtype, trainable=False)
            slots[id(var)] = (var, slot)
        return slots[id(var)][1]

    def _non_slot(self, name, initial_value, colocate_with):
        """A variable of the optimizer's own (one per graph), made in the current name
        scope, as TF-1 makes Adam's `beta1_power`."""
        key = (name, colocate_with.graph)
        if key not in self._non_slots:
            with _init_scope(colocate_with):
                self._non_slots[key] = Variable(_call_if_callable(initial_value), name=name,
                                                trainable=False)
        return self._non_slots[key]

    def get_slot(self, var, name):
        """The slot `name` made for `var`, or None."""
        entry = self._slots.get(name, {}).get(id(var))
        return None if entry is None else entry[1]

    def get_slot_names(self):
        """The names of the slots this optimizer makes (sorted), e.g. ['m', 'v']."""
        return sorted(self._slots)

    def variables(self):
        """The optimizer's slots and own variables in the current graph, sorted by name."""
        graph = graph_mod.current_graph_or_none()
        if graph is not None and graph.building_function:
            graph = None  # a tf.function's optimizer variables live outside it (eager)
        found = [v for (_, g), v in self._non_slots.items() if g is graph]
        found += [slot for slots in self._slots.values() for _, slot in slots.values()
                  if slot.graph is graph]
        return sorted(found, key=lambda v: v.name)


def _lazy_rows(grad, old, new):
    """TF-1's sparse kernels update only the gradient's rows; dense gradients all."""
    return rules.lazy_rows(grad, old, new) if isinstance(grad, IndexedSlices) else new


class GradientDescentOptimizer(Optimizer):
    """`var -= learning_rate * grad`, as `tf.compat.v1.train.GradientDescentOptimizer`.

    IndexedSlices are scattered into their rows one slice at a time, as TF's
    `ResourceScatterAdd` (duplicate indices each apply).
    """

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _prepare(self):
        self._hyper(learning_rate=self._learning_rate)

    def _update(self, grad, var):
        new, _ = rules.sgd(var.read_value(), grad, self._h("learning_rate", var))
        return [(var, new)]


class MomentumOptimizer(Optimizer):
    """`accum = accum * momentum + grad; var -= lr * accum` (Nesterov:
    `var -= lr * grad + lr * momentum * accum`), as `tf.compat.v1.train.MomentumOptimizer`.

    Slot "momentum" (`w/Momentum`). IndexedSlices update only their rows,
    duplicate indices summed first, as `ResourceSparseApplyMomentum`.
    """

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for var in var_list:
            self._slot(var, "momentum")

    def _prepare(self):
        self._hyper(learning_rate=self._learning_rate, momentum=self._momentum)

    def _update(self, grad, var):
        accum = self.get_slot(var, "momentum")
        old = (var.read_value(), accum.read_value())
        new = rules.sgd(old[0], rules.densify(grad), self._h("learning_rate", var), old[1],
                        self._h("momentum", var), nesterov=self._use_nesterov,
                        scaled_velocity=False)
        return list(zip((var, accum), _lazy_rows(grad, old, new)))


class AdamOptimizer(Optimizer):
    """Adam, as `tf.compat.v1.train.AdamOptimizer` (TF-1's "epsilon hat" form):
    `lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)`, `m`, `v` moving averages,
    `var -= lr_t * m / (sqrt(v) + epsilon)`.

    Slots "m" (`w/Adam`) and "v" (`w/Adam_1`); beta^t are the variables
    `beta1_power`/`beta2_power` (one pair per graph, made in the current name
    scope), multiplied by beta after the updates. An IndexedSlices gradient
    (duplicates summed) decays m and v in every row and updates every row of
    the variable, as TF-1's `_apply_sparse` does (Keras 2's Adam differs).
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda v: v.name)  # TF colocates the powers with it
        self._non_slot("beta1_power", self._beta1, first)
        self._non_slot("beta2_power", self._beta2, first)
        for var in var_list:
            self._slot(var, "m")
            self._slot(var, "v")

    def _beta_powers(self, var):
        return (self._non_slots[("beta1_power", var.graph)],
                self._non_slots[("beta2_power", var.graph)])

    def _prepare(self):
        self._hyper(learning_rate=self._learning_rate, beta1=self._beta1, beta2=self._beta2,
                    epsilon=self._epsilon)

    def _update(self, grad, var):
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        beta1_power, beta2_power = self._beta_powers(var)
        form = rules.WEIGHTED if isinstance(grad, IndexedSlices) else rules.INCREMENT
        new_var, new_m, new_v, _ = rules.adam(
            var.read_value(), rules.densify(grad), m.read_value(), v.read_value(),
            self._h("learning_rate", var), self._h("beta1", var), self._h("beta2", var),
            self._h("epsilon", var), math_ops.cast(beta1_power.read_value(), var.dtype),
            math_ops.cast(beta2_power.read_value(), var.dtype), form=form)
        return [(var, new_var), (m, new_m), (v, new_v)]

    def _finish(self, update_ops, var_list, name):
        # The powers advance after every update has read them (TF's order).
        updates = list(update_ops)
        with control_dependencies(update_ops):
            for power, key in zip(self._beta_powers(var_list[0]), ("beta1", "beta2")):
                beta = math_ops.cast(self._hyper_tensors[key], power.dtype)
                updates.append(power.assign(power.read_value() * beta, read_value=False))
        return group(*updates, name=name)


class RMSPropOptimizer(Optimizer):
    """RMSProp, as `tf.compat.v1.train.RMSPropOptimizer`:
    `rms = rms + (grad^2 - rms) * (1 - decay)`, (centered:
    `mg = mg + (grad - mg) * (1 - decay)`), `mom = momentum * mom + lr * grad /
    sqrt(rms [- mg^2] + epsilon)`, `var -= mom`.

    Slots "rms" (`w/RMSProp`, starting at ONES), "mg" when centered, and
    "momentum" (always made), named `w/RMSProp`, `w/RMSProp_1`, ... in that
    order. IndexedSlices update only their rows (duplicates summed), as TF-1's
    sparse kernels.
    """

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = centered

    def _create_slots(self, var_list):
        for var in var_list:
            self._slot(var, "rms", 1.0)
            if self._centered:
                self._slot(var, "mg")
            self._slot(var, "momentum")

    def _prepare(self):
        self._hyper(learning_rate=self._learning_rate, decay=self._decay,
                    momentum=self._momentum, epsilon=self._epsilon)

    def _update(self, grad, var):
        rms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        mg = self.get_slot(var, "mg") if self._centered else None
        slots = (var, rms, mom, mg)
        old = tuple(None if s is None else s.read_value() for s in slots)
        new = rules.rmsprop(old[0], rules.densify(grad), old[1], self._h("learning_rate", var),
                            self._h("decay", var), self._h("epsilon", var), mom=old[2],
                            momentum=self._h("momentum", var), mg=old[3], form=rules.INCREMENT)
        return [(s, value) for s, value in zip(slots, _lazy_rows(grad, old, new))
                if s is not None]


class AdagradOptimizer(Optimizer):
    """Adagrad, as `tf.compat.v1.train.AdagradOptimizer`: `accum += grad^2`,
    `var -= lr * grad / sqrt(accum)` (no epsilon).

    Slot "accumulator" (`w/Adagrad`), starting at `initial_accumulator_value`
    (> 0). IndexedSlices update only their rows (duplicates summed), as
    `ResourceSparseApplyAdagrad`.
    """

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError("initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for var in var_list:
            self._slot(var, "accumulator", self._initial_accumulator_value)

    def _prepare(self):
        self._hyper(learning_rate=self._learning_rate)

    def _update(self, grad, var):
        acc = self.get_slot(var, "accumulator")
        old = (var.read_value(), acc.read_value())
        new = rules.adagrad(old[0], rules.densify(grad), old[1],
                            self._h("learning_rate", var), None)
        return list(zip((var, acc), _lazy_rows(grad, old, new)))


# ---------------------------------------------------------------------------
# The global step.

def assert_global_step(global_step_tensor):
    """TypeError unless `global_step_tensor` is an integer scalar variable or tensor."""
    if not (is_variable(global_step_tensor) or isinstance(global_step_tensor, Tensor)):
        raise TypeError('Existing "global_step" must be a Variable or Tensor: '
                        f"{global_step_tensor}.")
    if not global_step_tensor.dtype.is_integer:
        raise TypeError('Existing "global_step" does not have integer type: '
                        f"{global_step_tensor.dtype}")
    if global_step_tensor.shape.rank != 0:
        raise TypeError(f'Existing "global_step" is not scalar: {global_step_tensor.shape}')


def get_global_step(graph=None):
    """The graph's global step: the one variable in its `global_step` collection, else a
    variable named `global_step:0`; None if there is none (or several, as TF)."""
    graph = graph_mod.get_default_graph() if graph is None else graph
    found = graph.get_collection("global_step")
    if len(found) > 1:
        warnings.warn("Multiple tensors in global_step collection.")
        return None
    if not found:
        found = [v for v in graph.get_collection("variables") if v.name == "global_step:0"]
        if not found:
            return None
    assert_global_step(found[0])
    return found[0]


def create_global_step(graph=None):
    """Makes the int64 variable `global_step:0` (0, not trainable, in the `variables` and
    `global_step` collections); ValueError if the graph has one."""
    graph = graph_mod.get_default_graph() if graph is None else graph
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    if graph_mod.current_graph_or_none() is None and graph is graph_mod.get_default_graph():
        # Eagerly (TF 2) the step is an eager variable, kept in the default graph's
        # collection so that get_global_step finds it.
        with name_scope(""):
            step = Variable(0, dtype=dtypes.int64, trainable=False, name="global_step")
    else:
        with graph.as_default(), graph.name_scope(""), graph.control_dependencies(None):
            step = Variable(0, dtype=dtypes.int64, trainable=False, name="global_step")
    graph.add_to_collection("global_step", step)
    return step


def get_or_create_global_step(graph=None):
    """The graph's global step, made (`create_global_step`) if it has none."""
    step = get_global_step(graph)
    return create_global_step(graph) if step is None else step


def global_step(sess, global_step_tensor):
    """The value of the global step in `sess`, as a Python int."""
    return int(sess.run(global_step_tensor))


# ---------------------------------------------------------------------------
# Learning-rate decay (TF-1's functions over the Keras schedules).

def _decayed(schedule, step, fn_name):
    """A schedule's value at `step`: a tensor in a graph; eagerly a callable giving the
    current value (TF-1's functions return one there, so a changing step is seen)."""
    if step is None:
        raise ValueError(f"global_step is required for {fn_name}.")
    if graph_mod.current_graph_or_none() is None:
        return functools.partial(schedule, step)
    return schedule(step)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """`learning_rate * decay_rate ** (global_step / decay_steps)` (exponent floored with
    `staircase`), as `tf.compat.v1.train.exponential_decay`. Unlike TF, decay_steps <= 0
    is refused (ValueError) rather than giving inf/NaN."""
    schedule = schedules.ExponentialDecay(learning_rate, decay_steps, decay_rate, staircase,
                                          name or "ExponentialDecay")
    return _decayed(schedule, global_step, "exponential_decay")


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    """`learning_rate / (1 + decay_rate * global_step / decay_steps)` (the ratio floored
    with `staircase`), as `tf.compat.v1.train.inverse_time_decay`."""
    schedule = schedules.InverseTimeDecay(learning_rate, decay_steps, decay_rate, staircase,
                                          name or "InverseTimeDecay")
    return _decayed(schedule, global_step, "inverse_time_decay")


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False, name=None):
    """`(learning_rate - end) * (1 - step / decay_steps) ** power + end`, the step held at
    decay_steps (or, with `cycle`, decay_steps stretched to the next multiple above the
    step), as `tf.compat.v1.train.polynomial_decay`, in learning_rate's dtype."""

    def schedule(step):
        with name_scope(name or "PolynomialDecay"):
            initial = convert_to_tensor(learning_rate, name="learning_rate")
            dtype = initial.dtype
            end = math_ops.cast(end_learning_rate, dtype)
            step = math_ops.cast(step, dtype)
            steps = math_ops.cast(decay_steps, dtype)
            if cycle:
                # Stretched to ceil(step / decay_steps) periods; 1 at step 0.
                periods = math_ops.ceil(step / steps)
                steps = steps * array_ops.where(math_ops.equal(step, 0),
                                                array_ops.ones_like(periods), periods)
            else:
                step = math_ops.minimum(step, steps)
            fraction = math_ops.cast(1, dtype) - step / steps
            return (initial - end) * math_ops.pow(fraction, math_ops.cast(power, dtype)) + end

    return _decayed(schedule, global_step, "polynomial_decay")


def piecewise_constant(x, boundaries, values, name=None):
    """`values[i]` while `boundaries[i-1] < x <= boundaries[i]` (values[0] up to and
    including boundaries[0], values[-1] above boundaries[-1]), as
    `tf.compat.v1.train.piecewise_constant`. Boundaries take x's dtype when both are
    integers; otherwise they must match it (ValueError), and the values must share
    one dtype, as TF."""
    if len(boundaries) != len(values) - 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    x_tensor = convert_to_tensor(x)
    bounds = [convert_to_tensor(b) for b in boundaries]
    for b in bounds:
        if b.dtype != x_tensor.dtype and not (b.dtype.is_integer and x_tensor.dtype.is_integer):
            raise ValueError(f"Boundaries ({b.dtype}) must have the same dtype as x "
                             f"({x_tensor.dtype}).")
    vals = [convert_to_tensor(v) for v in values]
    for v in vals[1:]:
        if v.dtype != vals[0].dtype:
            raise ValueError("Values must have elements all with the same dtype "
                             f"({vals[0].dtype} vs {v.dtype}).")
    schedule = schedules.PiecewiseConstantDecay(bounds, vals, name or "PiecewiseConstant")
    return _decayed(schedule, x, "piecewise_constant")


# ---------------------------------------------------------------------------
# Saver.

_FORMAT = "tfgrad_jax-checkpoint"
_DATA, _INDEX = ".npz", ".json"


def _is_tf_checkpoint(prefix):
    directory = os.path.dirname(prefix) or "."
    base = os.path.basename(prefix)
    return os.path.exists(prefix + ".index") or os.path.isdir(directory) and any(
        name.startswith(base + ".data-") for name in os.listdir(directory))


def _read_index(prefix):
    """The JSON index of our checkpoint `prefix`; ValueError for a TF checkpoint or a
    path that is not a checkpoint."""
    path = prefix + _INDEX
    if not os.path.exists(path):
        if _is_tf_checkpoint(prefix):
            raise ValueError(f"{prefix} is a TensorFlow checkpoint: tfgrad_jax cannot read TF "
                             f"checkpoints (its Saver writes and reads its own format, "
                             f"{_DATA} with a {_INDEX} index).")
        raise ValueError(f"The passed save_path is not a valid checkpoint: {prefix}")
    with open(path, encoding="utf-8") as f:
        try:
            index = json.load(f)
        except json.JSONDecodeError:
            index = None
    if not isinstance(index, dict) or index.get("format") != _FORMAT:
        raise ValueError(f"The passed save_path is not a valid checkpoint: {prefix} ({path} "
                         "is not a tfgrad_jax checkpoint index).")
    return index


def _state_path(directory, latest_filename):
    return os.path.join(directory, latest_filename or "checkpoint")


def _unquote(text):
    """A quoted path of a `checkpoint` file (ours: JSON; TF's text format agrees on plain
    paths, and a TF path with escapes is only needed as far as its quotes)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text.strip('"')


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint recorded in `checkpoint_dir` (its `checkpoint`
    file, in TF's text form), or None if there is none or its files are gone."""
    path = _state_path(checkpoint_dir, latest_filename)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key.strip() == "model_checkpoint_path":
                prefix = _unquote(value.strip())
                if not os.path.isabs(prefix):
                    prefix = os.path.join(checkpoint_dir, prefix)
                if os.path.exists(prefix + _INDEX) or _is_tf_checkpoint(prefix):
                    return prefix
                return None
    return None


class Saver:
    """Saves and restores variables, as `tf.compat.v1.train.Saver`.

    `var_list`: a list of variables (saved under their names, `net/w`), a dict
    {name: variable}, or None for the graph's `variables` collection. `save`
    writes `<prefix>.npz` and `<prefix>.json` (prefix `save_path`, or
    `save_path-<global_step>`), records it in the directory's `checkpoint` file
    (TF's text form, so `latest_checkpoint` works) and deletes checkpoints
    beyond the newest `max_to_keep`. `restore` writes the saved values into the
    session's variables.

    Differences from TF: our own file format (TF checkpoints are refused with
    ValueError); no `.meta` files; a saved value whose shape differs from the
    variable's raises InvalidArgumentError (TF's resource variables take it).
    The other constructor arguments are accepted and ignored.
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=2, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        if var_list is None:
            if graph_mod.current_graph_or_none() is None:
                raise RuntimeError("When eager execution is enabled, `var_list` must specify "
                                   "a list or dict of variables to save")
            var_list = graph_mod.get_default_graph().get_collection("variables")
        self._variables = self._by_name(var_list)
        if not self._variables and not allow_empty:
            raise ValueError("No variables to save")
        self._max_to_keep = max_to_keep
        self._last_checkpoints = []

    @staticmethod
    def _by_name(var_list):
        if isinstance(var_list, dict):
            items = list(var_list.items())
        else:
            items = [(v.name.rsplit(":", 1)[0], v) for v in var_list]
        named = {}
        for name, var in items:
            if not is_variable(var):
                raise TypeError(f"Variable to save is not a Variable: {var}")
            if name in named:
                raise ValueError(f"At least two variables have the same name: {name}")
            named[name] = var
        return named

    @property
    def last_checkpoints(self):
        """The prefixes of the checkpoints kept, oldest first."""
        return list(self._last_checkpoints)

    @staticmethod
    def _check_session(sess, var):
        if var.graph is None:
            return
        if not hasattr(sess, "_get_variable_value"):
            raise TypeError(f"'sess' must be a Session; {sess}")
        if sess.graph is not var.graph:
            raise ValueError(f"The Session's graph is not the graph of variable {var.name}.")

    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Writes the variables' values in `sess`; returns the checkpoint's prefix."""
        if global_step is not None:
            if is_variable(global_step) and global_step.graph is None:
                global_step = int(global_step.numpy())
            elif not isinstance(global_step, numbers.Integral):
                global_step = int(sess.run(global_step))
            save_path = f"{save_path}-{global_step}"
        directory = os.path.dirname(save_path)
        if directory and not os.path.isdir(directory):
            raise ValueError(f"Parent directory of {save_path} doesn't exist, can't save.")
        arrays, entries = {}, {}
        for i, (name, var) in enumerate(self._variables.items()):
            self._check_session(sess, var)
            value = np.asarray(var.numpy() if var.graph is None else
                               sess._get_variable_value(var))
            if value.dtype.kind not in "biufc":  # bfloat16 & co: stored as their bits
                value = value.view(f"u{value.dtype.itemsize}")
            arrays[f"v{i}"] = value
            entries[name] = {"key": f"v{i}", "dtype": var.dtype.name,
                             "shape": list(value.shape)}
        # Written whole, then renamed: a crash never leaves a half-written checkpoint.
        with open(save_path + _DATA + ".tmp", "wb") as f:
            np.savez(f, **arrays)
        os.replace(save_path + _DATA + ".tmp", save_path + _DATA)
        with open(save_path + _INDEX + ".tmp", "w", encoding="utf-8") as f:
            json.dump({"format": _FORMAT, "version": 1, "variables": entries}, f, indent=1)
        os.replace(save_path + _INDEX + ".tmp", save_path + _INDEX)
        self._remember(save_path)
        if write_state:
            self._write_state(directory or ".", latest_filename)
        return save_path

    def _write_state(self, directory, latest_filename):
        """The directory's `checkpoint` file, in TF's text form; relative prefixes are
        written relative to the directory, as TF writes them."""
        def entry(path):
            return json.dumps(path if os.path.isabs(path) else
                              os.path.relpath(path, directory))

        with open(_state_path(directory, latest_filename), "w", encoding="utf-8") as f:
            f.write(f"model_checkpoint_path: {entry(self._last_checkpoints[-1])}\n")
            for path in self._last_checkpoints:
                f.write(f"all_model_checkpoint_paths: {entry(path)}\n")

    def _remember(self, save_path):
        """Keeps `save_path` as the newest checkpoint; deletes those beyond max_to_keep."""
        if save_path in self._last_checkpoints:
            self._last_checkpoints.remove(save_path)
        self._last_checkpoints.append(save_path)
        if not self._max_to_keep:
            return
        while len(self._last_checkpoints) > self._max_to_keep:
            old = self._last_checkpoints.pop(0)
            for suffix in (_DATA, _INDEX):
                if os.path.exists(old + suffix):
                    os.remove(old + suffix)

    def restore(self, sess, save_path):
        """Sets the variables in `sess` to the values saved at `save_path`."""
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        index = _read_index(save_path)["variables"]
        with np.load(save_path + _DATA, allow_pickle=False) as data:
            for name, var in self._variables.items():
                entry = index.get(name)
                if entry is None:
                    raise NotFoundError(
                        None, None, "Restoring from checkpoint failed. This is most likely due "
                        "to a Variable name or other graph key that is missing from the "
                        "checkpoint. Please ensure that you have not altered the graph "
                        f"expected based on the checkpoint. Original error:\n\nKey {name} "
                        "not found in checkpoint")
                if entry["dtype"] != var.dtype.name:
                    raise InvalidArgumentError(
                        None, None, f"tensor_name = {name}; expected dtype {var.dtype.name} "
                        f"does not equal original dtype {entry['dtype']}")
                value = data[entry["key"]].view(var.dtype.as_numpy_dtype)
                if list(value.shape) != var.shape.as_list():
                    raise InvalidArgumentError(
                        None, None, f"Restoring {name}: the checkpoint's value has shape "
                        f"{list(value.shape)}, the variable {var.shape.as_list()}; tfgrad_jax "
                        "cannot change a variable's shape.")
                self._check_session(sess, var)
                if var.graph is None:
                    var.assign(value)
                else:
                    sess._set_variable_value(var, value)
