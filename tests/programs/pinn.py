"""A physics-informed network (TF-1 style): u_x and u_xx from tf.gradients with respect
to a placeholder, trained with Adam and then L-BFGS-B (ScipyOptimizerInterface).

Solves u'' = -pi^2 sin(pi x) on [0, 1] with u(0) = u(1) = 0 (u = sin(pi x)).
"""
import json

import numpy as np
import tensorflow as tf

rng = np.random.RandomState(3)
LAYERS = [1, 20, 1]
INIT = [((rng.randn(m, n) * np.sqrt(1.0 / m)).astype(np.float32), np.zeros(n, np.float32))
        for m, n in zip(LAYERS[:-1], LAYERS[1:])]

x = tf.placeholder(tf.float32, [None, 1], name="x")
x_boundary = tf.placeholder(tf.float32, [None, 1], name="x_boundary")
params = [(tf.Variable(w), tf.Variable(b)) for w, b in INIT]


def u(inputs):
    h = inputs
    for i, (w, b) in enumerate(params):
        h = tf.matmul(h, w) + b
        if i < len(params) - 1:
            h = tf.tanh(h)
    return h


u_x = tf.gradients(u(x), x)[0]
u_xx = tf.gradients(u_x, x)[0]
residual = u_xx + np.pi ** 2 * tf.sin(np.pi * x)
loss = tf.reduce_mean(tf.square(residual)) + tf.reduce_mean(tf.square(u(x_boundary)))
adam = tf.train.AdamOptimizer(1e-2).minimize(loss)
lbfgs = tf.contrib.opt.ScipyOptimizerInterface(loss, method="L-BFGS-B",
                                               options={"maxiter": 300})

feed = {x: np.linspace(0, 1, 32, dtype=np.float32)[:, None],
        x_boundary: np.array([[0.0], [1.0]], np.float32)}
probe = np.array([[0.1], [0.5], [0.8]], np.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    derivs0 = sess.run([u(x), u_x, u_xx], {x: probe})
    for _ in range(150):
        sess.run(adam, feed)
    loss_adam = sess.run(loss, feed)
    lbfgs.minimize(sess, feed_dict=feed)
    loss_lbfgs = sess.run(loss, feed)
    u_probe = sess.run(u(x), {x: probe})
print("RESULT " + json.dumps({
    "init": [[w.tolist(), b.tolist()] for w, b in INIT], "probe": probe.tolist(),
    "u0": derivs0[0].tolist(), "u_x0": derivs0[1].tolist(), "u_xx0": derivs0[2].tolist(),
    "loss_adam": float(loss_adam), "loss_lbfgs": float(loss_lbfgs),
    "u_probe": u_probe.tolist()}))
