"""The TF-1 machinery behind `tf.compat.v1` (sessions, variable scopes, initializers,
`train`, `losses`, `nn`, the v1 argument spellings).

Each module lists its public TF names in `__all__`; `tfgrad_jax/compat/v1.py`
re-exports them, so that `tf.compat.v1` holds TF's names and nothing else.
"""
