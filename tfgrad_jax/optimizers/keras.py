"""`tf.keras.optimizers`: TF 2.21's (Keras 3's) SGD, Adam, RMSprop and Adagrad.

The classes keep Keras 3's constructor arguments, defaults, validation and
error messages, its variables (an int64 `iteration` counter, a float32
`learning_rate` unless a schedule or callable is given, then the slots,
named `<variable name with / and : as _>_<slot>` under the optimizer's
name scope: `adam/w_0_momentum:0`) and their order. The update rules are
the functions of `tfgrad_jax.optimizers.rules`.

They work eagerly and inside `tf.function`. The slots are made the first
time gradients are applied; inside a tf.function that is during its first
trace, which TF's singleton-variable rule allows (the function is traced
again, and later traces find the optimizer built and make nothing).

Differences from Keras 3: the variables are `tf.Variable`s (Keras wraps
them in `keras.Variable`, whose `.name` is `w_0_momentum` and `.path`
`adam/w_0_momentum`; ours are named as the wrapped tf.Variable is);
`use_ema` and `gradient_accumulation_steps` are refused
(NotImplementedError); no `get_config`/serialization, no tf.distribute.
`minimize` is Keras 2's (Keras 3 has none).
"""

import contextlib
import warnings

from tfgrad_jax.framework.indexed_slices import IndexedSlices
from tfgrad_jax.framework.scopes import name_scope
from tfgrad_jax.ops import array_ops, math_ops
from tfgrad_jax.ops.variables import Variable
from tfgrad_jax.optimizers import rules, schedules  # noqa: F401 - schedules: exported
from tfgrad_jax.optimizers.schedules import LearningRateSchedule

_MISSING = ("tfgrad_jax does not implement tf.keras.optimizers.{}; only tf.keras.optimizers "
            "(SGD, Adam, RMSprop, Adagrad) is provided.")


def __getattr__(name):
    raise AttributeError(_MISSING.format(name))


# Keras numbers automatic names per prefix across the whole process: adam, adam_1, ...
_name_uses = {}


def _snake_case(name):
    """Keras's `to_snake_case` (`RMSprop` -> `rm_sprop`): drop non-word characters,
    put `_` before an ASCII capital that starts a capitalised word (`Xyz`) or follows
    a lowercase letter, lowercase everything."""
    name = "".join(c for c in name if c.isalnum() or c == "_")
    out = []
    for i, c in enumerate(name):
        if "A" <= c <= "Z" and i > 0:
            nxt = name[i + 1] if i + 1 < len(name) else ""
            if "a" <= nxt <= "z" or "a" <= name[i - 1] <= "z":
                out.append("_")
        out.append(c)
    return "".join(out).lower()


def _auto_name(class_name):
    base = _snake_case(class_name)
    uses = _name_uses.get(base, 0)
    _name_uses[base] = uses + 1
    return base if uses == 0 else f"{base}_{uses}"


def _values(grad):
    return grad.values if isinstance(grad, IndexedSlices) else grad


def _with_values(grad, values):
    if isinstance(grad, IndexedSlices):
        return IndexedSlices(values, grad.indices, grad.dense_shape)
    return values


class Optimizer:
    """Base class of the Keras optimizers, as `keras.optimizers.Optimizer` (Keras 3).

    Subclasses define `build(var_list)` (make the slots with
    `add_optimizer_variables`) and `update_step(gradient, variable,
    learning_rate)`.
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema and (ema_momentum > 1 or ema_momentum < 0):
            raise ValueError("`ema_momentum` must be in the range [0, 1]. Received: "
                             f"ema_momentum={ema_momentum}")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             f"set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        if use_ema or gradient_accumulation_steps:
            raise NotImplementedError("tfgrad_jax's Keras optimizers do not implement `use_ema` "
                                      "or `gradient_accumulation_steps`.")
        self.name = _auto_name(type(self).__name__) if name is None else name
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._indices = {}  # id(model variable) -> its position in the built list
        self._excluded_ids = set()
        self._excluded_names = []
        self._scope_depth = 0
        with self._name_scope():
            self._iterations = Variable(0, name="iteration", dtype="int64", trainable=False)
        self._variables.append(self._iterations)
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        elif isinstance(learning_rate, float):
            with self._name_scope():
                self._learning_rate = Variable(learning_rate, name="learning_rate",
                                               dtype="float32", trainable=False)
            self._variables.append(self._learning_rate)
        else:
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of "
                "LearningRateSchedule, or a callable (that takes in the current iteration "
                "value and returns the corresponding learning rate value). Received instead: "
                f"learning_rate={learning_rate}")

    @contextlib.contextmanager
    def _name_scope(self):
        """The optimizer's name scope, entered once however deeply its methods nest
        (Keras's name scopes skip re-entering a scope for the same caller)."""
        if self._scope_depth:
            self._scope_depth += 1
            try:
                yield
            finally:
                self._scope_depth -= 1
            return
        with name_scope(self.name):
            self._scope_depth = 1
            try:
                yield
            finally:
                self._scope_depth = 0

    # -- state -------------------------------------------------------------
    @property
    def iterations(self):
        """The number of updates applied (an int64 variable)."""
        return self._iterations

    @property
    def variables(self):
        """iteration, learning_rate (unless scheduled), then the slots, in Keras's order."""
        return list(self._variables)

    @property
    def learning_rate(self):
        """The current learning rate: the variable, or the schedule's/callable's value."""
        if isinstance(self._learning_rate, LearningRateSchedule):
            return self._learning_rate(self._iterations)
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        if callable(self._learning_rate):
            return self._learning_rate()
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        old = self._learning_rate if isinstance(self._learning_rate, Variable) else None
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            if isinstance(self._learning_rate, LearningRateSchedule):
                raise TypeError(
                    "This optimizer was created with a `LearningRateSchedule` object as its "
                    "`learning_rate` constructor argument, hence its learning rate is not "
                    "settable. If you need the learning rate to be settable, you should "
                    "instantiate the optimizer with a float `learning_rate` argument.")
            self._learning_rate.assign(learning_rate)
        if old is not None and not isinstance(self._learning_rate, Variable):
            # by identity: == on variables compares values elementwise, as TF's
            self._variables = [v for v in self._variables if v is not old]

    def build(self, var_list):
        """Records the model variables; subclasses then make their slots."""
        for i, variable in enumerate(var_list):
            self._indices[id(variable)] = i
        self._trainable_variables = list(var_list)
        self.built = True

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None):
        """A non-trainable optimizer variable, made in the optimizer's name scope.

        `initializer` is "zeros", "ones" or a number (Keras also takes
        initializer objects).
        """
        if initializer == "zeros":
            fill = 0
        elif initializer == "ones":
            fill = 1
        elif isinstance(initializer, (int, float)) and not isinstance(initializer, bool):
            fill = initializer
        else:
            raise ValueError(f"Unsupported initializer {initializer!r}: use 'zeros', 'ones' "
                             "or a number.")
        dtype = "float32" if dtype is None else dtype
        with self._name_scope():
            variable = Variable(lambda: array_ops.fill(shape, math_ops.cast(fill, dtype)),
                                name=name, dtype=dtype, trainable=False)
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A slot shaped like `reference_variable`, named `<its name>_<name>` (Keras's rule
        for a tf.Variable: `/` and `:` become `_`, so `dense/w:0` gives `dense_w_0_m`)."""
        prefix = str(reference_variable.name).replace("/", "_").replace(":", "_")
        return self.add_variable(reference_variable.shape.as_list(), initializer,
                                 reference_variable.dtype, f"{prefix}_{name or 'var'}")

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable for each name (a list of names gives a tuple of lists,
        made variable by variable: w_m, w_v, b_m, b_v, as Keras)."""
        names = [name] if isinstance(name, str) else list(name)
        made = tuple([] for _ in names)
        for variable in trainable_variables:
            for slots, slot_name in zip(made, names):
                slots.append(self.add_variable_from_reference(variable, slot_name, initializer))
        return made[0] if isinstance(name, str) else made

    def _get_variable_index(self, variable):
        return self._indices[id(variable)]

    # -- applying gradients ----------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Applies (gradient, variable) pairs; returns `iterations`, as Keras 3."""
        grads, trainable_variables = zip(*grads_and_vars)
        self.apply(grads, trainable_variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """One update of every variable whose gradient is not None, then
        `iterations += 1`. The first call builds the slots for all the variables
        given (None gradients included); later calls may only name those."""
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first. ")
            if len(grads) != len(self._indices):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must "
                    "match `optimizer.variables` one-to-on. Received a list of "
                    f"{len(grads)} gradients, but the optimizer is tracking "
                    f"{len(self._trainable_variables)} trainable variables.")
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                with self._name_scope():
                    self.build(trainable_variables)
                self.built = True
            for v in trainable_variables:
                if id(v) not in self._indices:
                    raise ValueError(
                        f"Unknown variable: {v}. This optimizer can only be called for the "
                        "variables it was originally built with. When working with a new set "
                        "of variables, you should recreate a new optimizer instance.")
        with self._name_scope():
            grads, trainable_variables = self._filter_empty_gradients(grads,
                                                                      trainable_variables)
            if self.loss_scale_factor is not None:
                grads = [_with_values(g, _values(g) / self.loss_scale_factor) for g in grads]
            grads = self._clip_gradients(grads)
            learning_rate = self.learning_rate
            self._apply_weight_decay(trainable_variables, learning_rate)
            for grad, variable in zip(grads, trainable_variables):
                self.update_step(grad, variable, learning_rate)
            for variable in trainable_variables:
                if variable.constraint is not None:
                    variable.assign(variable.constraint(variable))
        self._iterations.assign_add(1)

    def _filter_empty_gradients(self, grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        missing = [v.name for g, v in zip(grads, variables) if g is None]
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss. If using `model.compile()`, did you forget to provide a "
                          "`loss` argument?")
        return [g for g, _ in kept], [v for _, v in kept]

    def _clip_gradients(self, grads):
        """clipnorm (per gradient, `tf.clip_by_norm`), global_clipnorm (Keras's own global
        norm: sqrt of the sum of squares) or clipvalue, as Keras's TF backend."""
        if self.clipnorm and self.clipnorm > 0:
            return [_with_values(g, math_ops.clip_by_norm(_values(g), self.clipnorm))
                    for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            squares = [math_ops.reduce_sum(math_ops.square(_values(g))) for g in grads]
            norm = math_ops.sqrt(math_ops.reduce_sum(array_ops.stack(squares)))
            clip = self.global_clipnorm
            scale = clip * math_ops.minimum(1.0 / norm, 1.0 / clip) + (norm - norm)
            return [_with_values(g, _values(g) * scale) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            v = self.clipvalue
            return [_with_values(g, math_ops.clip_by_value(_values(g), -v, v)) for g in grads]
        return grads

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Variables (or names containing one of `var_names`) that weight decay skips."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._excluded_ids = {id(v) for v in var_list or ()}
        self._excluded_names = list(var_names or ())

    def _apply_weight_decay(self, variables, learning_rate):
        # Keras's TF backend: variable -= variable * weight_decay * learning_rate, before
        # the update step.
        if self.weight_decay is None:
            return
        for variable in variables:
            if id(variable) in self._excluded_ids or any(
                    n in variable.name for n in self._excluded_names):
                continue
            lr = math_ops.cast(learning_rate, variable.dtype)
            wd = math_ops.cast(self.weight_decay, variable.dtype)
            variable.assign_sub(variable * wd * lr)

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError

    # -- Keras 2's minimize --------------------------------------------------------
    def compute_gradients(self, loss, var_list, tape=None):
        """(gradient, variable) pairs of `loss` with respect to `var_list`, as Keras 2.

        `loss` is a callable taking no arguments (run under a `tf.GradientTape`)
        or, with `tape`, a tensor that tape recorded; `var_list` is a list of
        variables or a callable returning one (called after `loss`, so that
        variables `loss` creates can be listed).
        """
        from tfgrad_jax.tape import GradientTape
        if not callable(loss) and tape is None:
            raise ValueError(f"`tape` is required when a `Tensor` loss is passed. Received: "
                             f"loss={loss}, tape={tape}.")
        if tape is None:
            tape = GradientTape()
        if callable(loss):
            with tape:
                if not callable(var_list):
                    tape.watch(var_list)
                loss = loss()
                if callable(var_list):
                    var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        return list(zip(grads, var_list))

    def minimize(self, loss, var_list, tape=None):
        """`compute_gradients` then `apply_gradients`, as Keras 2's `minimize` (TF up to
        2.15; Keras 3 has no `minimize`). Returns None, as Keras 2."""
        self.apply_gradients(self.compute_gradients(loss, var_list, tape))

    def _local_rate(self, learning_rate, variable):
        return math_ops.cast(learning_rate, variable.dtype)

    def __repr__(self):
        return f"<tfgrad_jax.keras.optimizers.{type(self).__name__} name={self.name!r}>"


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, as `keras.optimizers.SGD`.

    Slots: `momentum` per variable, only when momentum is not 0.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        lr = self._local_rate(learning_rate, variable)
        gradient = rules.cast_gradient(gradient, variable.dtype)
        velocity = None
        if self.momentum != 0:
            velocity = self.momentums[self._get_variable_index(variable)]
        new_var, new_velocity = rules.sgd(
            variable.read_value(), gradient, lr,
            velocity=None if velocity is None else velocity.read_value(),
            momentum=self.momentum, nesterov=self.nesterov)
        if velocity is not None:
            velocity.assign(new_velocity)
        variable.assign(new_var)


class Adam(Optimizer):
    """Adam (AMSGrad with `amsgrad=True`), as `keras.optimizers.Adam`.

    Slots: `momentum` and `velocity` per variable (interleaved), then
    `velocity_hat` per variable with amsgrad.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = self._local_rate(learning_rate, variable)
        gradient = rules.cast_gradient(gradient, dtype)
        step = math_ops.cast(self._iterations + 1, dtype)
        beta_1_power = math_ops.pow(math_ops.cast(self.beta_1, dtype), step)
        beta_2_power = math_ops.pow(math_ops.cast(self.beta_2, dtype), step)
        i = self._get_variable_index(variable)
        m, v = self._momentums[i], self._velocities[i]
        v_hat = self._velocity_hats[i] if self.amsgrad else None
        new_var, new_m, new_v, new_v_hat = rules.adam(
            variable.read_value(), gradient, m.read_value(), v.read_value(), lr, self.beta_1,
            self.beta_2, self.epsilon, beta_1_power, beta_2_power,
            v_hat=None if v_hat is None else v_hat.read_value())
        m.assign(new_m)
        v.assign(new_v)
        if v_hat is not None:
            v_hat.assign(new_v_hat)
        variable.assign(new_var)


class RMSprop(Optimizer):
    """RMSprop (plain momentum, optionally centered), as `keras.optimizers.RMSprop`.

    Slots: `velocity` per variable; then `momentum` per variable when
    momentum > 0; then `average_gradient` per variable when centered.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list,
                                                                   "average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        lr = self._local_rate(learning_rate, variable)
        gradient = rules.cast_gradient(gradient, variable.dtype)
        i = self._get_variable_index(variable)
        velocity = self._velocities[i]
        momentum = self._momentums[i] if self.momentum > 0 else None
        average = self._average_gradients[i] if self.centered else None
        new_var, new_velocity, new_momentum, new_average = rules.rmsprop(
            variable.read_value(), gradient, velocity.read_value(), lr, self.rho, self.epsilon,
            mom=None if momentum is None else momentum.read_value(), momentum=self.momentum,
            mg=None if average is None else average.read_value())
        velocity.assign(new_velocity)
        if average is not None:
            average.assign(new_average)
        if momentum is not None:
            momentum.assign(new_momentum)
        variable.assign(new_var)


class Adagrad(Optimizer):
    """Adagrad, as `keras.optimizers.Adagrad`.

    Slots: `accumulator` per variable, starting at `initial_accumulator_value`.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=self.initial_accumulator_value)

    def update_step(self, gradient, variable, learning_rate):
        lr = self._local_rate(learning_rate, variable)
        gradient = rules.cast_gradient(gradient, variable.dtype)
        accumulator = self._accumulators[self._get_variable_index(variable)]
        new_var, new_accumulator = rules.adagrad(variable.read_value(), gradient,
                                                 accumulator.read_value(), lr, self.epsilon)
        accumulator.assign(new_accumulator)
        variable.assign(new_var)


# The attributes of `tf.keras.optimizers`; anything else raises AttributeError.
__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "Adagrad", "schedules"]
