"""`tf.strings`: out of scope. Every name here raises, naming the function.

XLA has no string type, so string ops (`tf.strings.length`, `join`, `split`,
...) are not provided. String tensors themselves exist, as constants that can
be passed through `tf.identity`, fetched and returned (see
`framework.string_values`). Asking for `tf.strings.<name>` raises
`StringOpsOutOfScopeError`, both an AttributeError (so `hasattr` is False)
and a NotImplementedError.
"""


class StringOpsOutOfScopeError(AttributeError, NotImplementedError):
    """`tf.strings.<name>`: string ops are out of this library's scope."""


def __getattr__(name):
    if name.startswith("_"):  # import machinery, pickling, introspection
        raise AttributeError(f"module 'tf.strings' has no attribute {name!r}")
    raise StringOpsOutOfScopeError(
        f"tf.strings.{name} is not implemented: string ops are out of scope in tfgrad_jax "
        "(XLA has no string type). String tensors can only be created (tf.constant), passed "
        "through tf.identity, fetched and returned.")
