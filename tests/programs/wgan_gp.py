"""A WGAN-GP critic step: the gradient penalty differentiated again (TF-1 style)."""
import json

import numpy as np
import tensorflow as tf

rng = np.random.RandomState(1)
SIZES = [(2, 8), (8, 1)]
INIT = [(rng.randn(*s).astype(np.float32) * 0.5, rng.randn(s[1]).astype(np.float32) * 0.1)
        for s in SIZES]

real = tf.placeholder(tf.float32, [None, 2])
fake = tf.placeholder(tf.float32, [None, 2])
eps = tf.placeholder(tf.float32, [None, 1])

with tf.variable_scope("critic"):
    params = [(tf.get_variable(f"w{i}", initializer=w), tf.get_variable(f"b{i}", initializer=b))
              for i, (w, b) in enumerate(INIT)]


def critic(h):
    for i, (w, b) in enumerate(params):
        h = tf.matmul(h, w) + b
        if i < len(params) - 1:
            h = tf.nn.leaky_relu(h, 0.2)
    return h


x_hat = eps * real + (1.0 - eps) * fake
grads = tf.gradients(critic(x_hat), [x_hat])[0]
slopes = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1))
penalty = tf.reduce_mean((slopes - 1.0) ** 2)
loss = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real)) + 10.0 * penalty
critic_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="critic")
loss_grads = tf.gradients(loss, critic_vars)
train = tf.train.AdamOptimizer(1e-3, beta1=0.5, beta2=0.9).minimize(loss, var_list=critic_vars)

feed = {real: rng.randn(16, 2).astype(np.float32) + 2.0,
        fake: rng.randn(16, 2).astype(np.float32),
        eps: rng.uniform(size=(16, 1)).astype(np.float32)}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    names = [v.name for v in critic_vars]
    p0, l0, g0 = sess.run([penalty, loss, loss_grads], feed)
    for _ in range(20):
        sess.run(train, feed)
    l1 = sess.run(loss, feed)
print("RESULT " + json.dumps({
    "init": [[w.tolist(), b.tolist()] for w, b in INIT], "names": names,
    "real": feed[real].tolist(), "fake": feed[fake].tolist(), "eps": feed[eps].tolist(),
    "penalty": float(p0), "loss": float(l0), "grads": [g.tolist() for g in g0],
    "loss_after": float(l1)}))
