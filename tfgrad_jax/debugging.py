"""`tf.debugging`: checks that raise when they run, and `check_numerics`."""

from tfgrad_jax.ops.check_ops import (Assert, assert_equal, assert_greater,  # noqa: F401
                                      assert_greater_equal, assert_less, assert_less_equal,
                                      assert_near, assert_negative, assert_non_negative,
                                      assert_non_positive, assert_none_equal, assert_positive,
                                      assert_rank, assert_type, check_numerics)
