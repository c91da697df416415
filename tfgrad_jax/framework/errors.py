"""`tf.errors`: TF's runtime exception classes."""


class OpError(Exception):
    """Base of TF's runtime errors; carries the failing op when there is one."""

    def __init__(self, node_def=None, op=None, message="", *args):
        if not message and isinstance(node_def, str) and op is None:
            node_def, message = None, node_def
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message


class InvalidArgumentError(OpError, ValueError):
    """Raised when an op receives an invalid argument.

    TF's class derives from OpError only; here it is also a ValueError so that
    code catching the ValueError TF raises at graph-construction time still works.
    """


class InvalidArgumentTypeError(InvalidArgumentError, TypeError):
    """An op given an input of the wrong dtype while running eagerly.

    TF raises InvalidArgumentError there (and TypeError when building a graph);
    this is both, so code written for either mode catches it.
    """


class InaccessibleTensorError(ValueError):
    """A tensor used outside the function or code block (branch, loop body) it was made in."""


class NotFoundError(OpError):
    pass


class UnimplementedError(OpError):
    pass


class FailedPreconditionError(OpError):
    pass


class OutOfRangeError(OpError):
    pass


class InternalError(OpError):
    pass
