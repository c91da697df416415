"""`tf.compat.v1`: TensorFlow 2.21's TF-1 namespace.

TF-2's top level plus the TF-1 names (sessions, placeholders, variable scopes,
collections, `train`, `losses`, the v1 argument spellings), assembled by
`tfgrad_jax.v1.namespace` from the modules of `tfgrad_jax/v1/`. It holds TF's
names and nothing else: no implementation module and none of their imports.
"""

from tfgrad_jax.v1.namespace import v1_names as _v1_names

globals().update(_v1_names())
del _v1_names
