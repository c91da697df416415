"""Turns on JAX's 64-bit types, once, when tfgrad_jax is imported.

TF's float64 and int64 tensors are real 64-bit values, so JAX must not
truncate them to 32 bits. The flag is process-wide: after `import tfgrad_jax`
a user's own JAX code also gets 64-bit types where it asks for them, and
`jnp.array(1.0)` (a Python float, no dtype) becomes float64 instead of
float32. tfgrad_jax itself always passes explicit dtypes, so TF's defaults
(float32 for Python floats, int32 for Python ints) hold regardless.
"""

import jax

jax.config.update("jax_enable_x64", True)
