"""The TF-1 machinery behind `tf.compat.v1` (sessions, variable scopes, initializers,
`train`, `losses`, `nn`, `layers`, the v1 argument spellings).

Each module lists its public TF names in `__all__`; `tfgrad_jax/compat/v1.py`
re-exports them, so that `tf.compat.v1` holds TF's names and nothing else.
`contrib` (TF-1's `tf.contrib`, absent from TF 2's compat.v1) is not re-exported
there: the `import tensorflow` alias takes it.
"""
