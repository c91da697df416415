"""`tf.errors`: TF's runtime exception classes and their error codes.

Each class has TF's constructor `(node_def, op, message, *args)` and TF's
`.message`, `.op`, `.node_def` and `.error_code` (the canonical code below,
e.g. `INVALID_ARGUMENT` = 3). `OpError` itself takes the code as its fourth
argument, as TF's does (here optional: UNKNOWN when left out).
"""

# TF's canonical error codes (tf.errors.OK ... tf.errors.UNAUTHENTICATED).
OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """Base of TF's runtime errors; carries the failing op when there is one.

    `OpError(node_def, op, message, error_code)`, as TF. Unlike TF, a lone
    message is accepted too (`OpError("text")`), and `str(e)` is the message
    without TF's "Original stack trace" section.
    """

    _code = UNKNOWN

    def __init__(self, node_def=None, op=None, message="", *args):
        if not message and isinstance(node_def, str) and op is None:
            node_def, message = None, node_def
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message
        if type(self) is OpError and args:  # TF: OpError(node_def, op, message, error_code)
            self._code = args[0]

    @property
    def error_code(self):
        """The canonical error code (an int, e.g. tf.errors.INVALID_ARGUMENT == 3)."""
        return self._code

    @property
    def experimental_payloads(self):
        return {}


class InvalidArgumentError(OpError, ValueError):
    """Raised when an op receives an invalid argument.

    TF's class derives from OpError only; here it is also a ValueError so that
    code catching the ValueError TF raises at graph-construction time still works.
    """

    _code = INVALID_ARGUMENT


class InaccessibleTensorError(ValueError):
    """A tensor used outside the function or code block (branch, loop body) it was made in."""


class NotFoundError(OpError):
    _code = NOT_FOUND


class UnimplementedError(OpError):
    _code = UNIMPLEMENTED


class FailedPreconditionError(OpError):
    _code = FAILED_PRECONDITION


class OutOfRangeError(OpError):
    _code = OUT_OF_RANGE


class InternalError(OpError):
    _code = INTERNAL


class CancelledError(OpError):
    """An operation or step was cancelled."""

    _code = CANCELLED


class UnknownError(OpError):
    """An error of unknown kind."""

    _code = UNKNOWN


class DeadlineExceededError(OpError):
    """A deadline expired before the operation completed."""

    _code = DEADLINE_EXCEEDED


class AlreadyExistsError(OpError):
    """An entity that an operation tried to create already exists."""

    _code = ALREADY_EXISTS


class PermissionDeniedError(OpError):
    """The caller may not run the operation."""

    _code = PERMISSION_DENIED


class ResourceExhaustedError(OpError):
    """Some resource (memory, quota) has been exhausted."""

    _code = RESOURCE_EXHAUSTED


class AbortedError(OpError):
    """The operation was aborted (typically a concurrency conflict)."""

    _code = ABORTED


class UnavailableError(OpError):
    """The runtime is currently unavailable."""

    _code = UNAVAILABLE


class DataLossError(OpError):
    """Unrecoverable data loss or corruption."""

    _code = DATA_LOSS


class UnauthenticatedError(OpError):
    """The request has no valid authentication credentials."""

    _code = UNAUTHENTICATED


def __getattr__(name):
    # tf.errors.OperatorNotAllowedInGraphError lives with the Tensor class (imported
    # lazily: that module imports this one).
    if name == "OperatorNotAllowedInGraphError":
        from tfgrad_jax.framework.tensor import OperatorNotAllowedInGraphError
        return OperatorNotAllowedInGraphError
    raise AttributeError(f"module 'tf.errors' has no attribute {name!r}")
