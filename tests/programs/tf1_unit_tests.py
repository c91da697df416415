"""A project's own TF-1 unit tests (tf.test.TestCase), run with
`python -m tfgrad_jax.run -m unittest tf1_unit_tests`."""
import numpy as np
import tensorflow as tf


class GradientTest(tf.test.TestCase):

    def test_square_gradient(self):
        with self.cached_session() as sess:
            x = tf.placeholder(tf.float32, [3])
            g = tf.gradients(tf.reduce_sum(x * x), x)[0]
            self.assertAllClose(sess.run(g, {x: [1.0, 2.0, 3.0]}), [2.0, 4.0, 6.0])

    def test_matmul_values(self):
        with self.session() as sess:
            a = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
            self.assertAllEqual(sess.run(tf.shape(tf.matmul(a, a, transpose_b=True))), [2, 2])
            self.assertAllClose(sess.run(tf.reduce_sum(a)), 15.0)

    def test_expected_failure_is_reported(self):
        with self.session() as sess:
            with self.assertRaises(AssertionError):
                self.assertAllClose(sess.run(tf.constant(1.0)), 2.0)


if __name__ == "__main__":
    tf.test.main()
