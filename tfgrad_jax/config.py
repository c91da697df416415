"""`tf.config`: the devices JAX sees, in TF's form, tf.function's eager switch, and
`tf.config.experimental`'s switch for run-time checks in compiled code."""

from tfgrad_jax.device import list_logical_devices, list_physical_devices  # noqa: F401
from tfgrad_jax.framework import runtime_checks as _runtime_checks
from tfgrad_jax.function import functions_run_eagerly, run_functions_eagerly  # noqa: F401


class experimental:  # noqa: N801 - TF's name: the namespace tf.config.experimental
    """`tf.config.experimental`: here only the switch for run-time checks."""

    @staticmethod
    def enable_runtime_checks(enabled=True):
        """Makes compiled code (tf.function, Session.run) raise TF's CPU kernel errors.

        Not in TF (named after `enable_tensor_float_32_execution`): TF checks on
        CPU, never on GPU or in XLA-compiled code. Eagerly the checks always
        run, as on TF's CPU: an integer division by zero, gather indices out of
        range, a singular matrix to invert or solve raise InvalidArgumentError.
        Compiled code skips them by default, as XLA and TF's GPU kernels do (-2
        for 1 // 0, 0 for a gather out of range, inf/NaN for a singular
        inverse). With `enabled=True`, each run from then on computes the
        checks on the device and reports a failure to the host, and the call
        raises TF's error: the same class, with TF's graph-mode text
        ("Integer division by zero\\n\\t [[{{node floordiv}}]]"). Cost,
        measured on CPU: about 0.3 to 1 ms per call of a function that holds a
        checked op (JAX dispatches programs with host callbacks slowly), a few
        microseconds per check; and one more compilation of each function when
        the switch changes. Checked ops: FloorDiv, FloorMod, Div and
        TruncateDiv (integer division by zero), Pow (negative integer
        exponents), GatherV2 (indices out of range), MatrixInverse and
        MatrixSolve (singular matrices).
        """
        _runtime_checks.enable(enabled)

    @staticmethod
    def runtime_checks_enabled():
        """Whether compiled code checks ops as TF's CPU kernels do (`enable_runtime_checks`)."""
        return _runtime_checks.enabled()
