"""A Hessian-vector product the TF-1 way: tf.gradients(g * tf.stop_gradient(v), x)."""
import json

import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None], name="x")
v = tf.placeholder(tf.float32, [None], name="v")
f = tf.reduce_sum(tf.sin(x) * x ** 2) + tf.reduce_sum(x) ** 2
g = tf.gradients(f, x)[0]
hvp = tf.gradients(g * tf.stop_gradient(v), x)[0]

x_value = np.linspace(-1.0, 1.0, 5).astype(np.float32)
v_value = np.array([1.0, 0.0, -2.0, 0.5, 3.0], np.float32)
with tf.Session() as sess:
    g_out, hvp_out = sess.run([g, hvp], {x: x_value, v: v_value})
print("RESULT " + json.dumps({"x": x_value.tolist(), "v": v_value.tolist(),
                              "grad": g_out.tolist(), "hvp": hvp_out.tolist()}))
