"""`tf.keras`: only `tf.keras.optimizers` (SGD, Adam, RMSprop, Adagrad and schedules).

Any other attribute raises AttributeError saying so, rather than a bare
"module has no attribute" that would suggest a typo.
"""

from tfgrad_jax.optimizers import keras as optimizers  # noqa: F401 - exported

_MISSING = ("tfgrad_jax does not implement tf.keras.{}; only tf.keras.optimizers "
            "(SGD, Adam, RMSprop, Adagrad) is provided.")


def __getattr__(name):
    raise AttributeError(_MISSING.format(name))
