"""`tf.keras.optimizers.schedules`: learning rates that depend on the step.

An optimizer given a schedule calls it with its `iterations` variable (the
number of updates applied so far, int64) once per update, as Keras 3 does.
The computations follow Keras 3's, op by op, in the dtype of
`initial_learning_rate` (float32 for a Python float).
"""

from tfgrad_jax.framework.op_def import convert_to_tensor
from tfgrad_jax.framework.scopes import name_scope
from tfgrad_jax.ops import math_ops

_MISSING = ("tfgrad_jax does not implement tf.keras.optimizers.schedules.{}; only "
            "tf.keras.optimizers (SGD, Adam, RMSprop, Adagrad) is provided.")


def __getattr__(name):
    raise AttributeError(_MISSING.format(name))


class LearningRateSchedule:
    """Base class of schedules: subclasses define `__call__(self, step)`."""

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _DecayOverSteps(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: p = step / decay_steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        if self.decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. Received: "
                             f"decay_steps={self.decay_steps}")

    def _terms(self, step):
        initial = convert_to_tensor(self.initial_learning_rate)
        dtype = initial.dtype
        p = math_ops.cast(step, dtype) / math_ops.cast(self.decay_steps, dtype)
        if self.staircase:
            p = math_ops.floor(p)
        return initial, math_ops.cast(self.decay_rate, dtype), p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_DecayOverSteps):
    """initial_learning_rate * decay_rate ** (step / decay_steps), as Keras's.

    With `staircase=True` the exponent is floored (the rate drops every
    `decay_steps` steps).
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        with name_scope(self.name):
            initial, rate, p = self._terms(step)
            return initial * math_ops.pow(rate, p)


class InverseTimeDecay(_DecayOverSteps):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps), as Keras's."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        with name_scope(self.name):
            initial, rate, p = self._terms(step)
            one = math_ops.cast(1, initial.dtype)
            return initial / (one + rate * p)


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[i] while boundaries[i-1] < step <= boundaries[i], as Keras's.

    `values` has one more entry than `boundaries`; values[0] applies up to
    and including boundaries[0], values[-1] after boundaries[-1].
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        super().__init__()
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        with name_scope(self.name):
            step = convert_to_tensor(step)
            bounds = [math_ops.cast(convert_to_tensor(b), step.dtype) for b in self.boundaries]
            values = [convert_to_tensor(v) for v in self.values]
            dtype = values[0].dtype
            # A sum of indicator * value terms (Keras's formulation; exactly one is 1).
            result = math_ops.cast(step <= bounds[0], dtype) * values[0]
            result += math_ops.cast(step > bounds[-1], dtype) * values[-1]
            for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
                inside = math_ops.logical_and(step > low, step <= high)
                result += math_ops.cast(inside, dtype) * value
            return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}
