"""MAML: one inner gradient step, the meta-gradient taken through it (TF-1 style)."""
import json

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(2)
W0 = rng.randn(1, 16).astype(np.float32) * 0.5
W1 = rng.randn(16, 1).astype(np.float32) * 0.5
INNER_LR, META_LR = 0.05, 0.01

x_train = tf.placeholder(tf.float32, [None, 1])
y_train = tf.placeholder(tf.float32, [None, 1])
x_val = tf.placeholder(tf.float32, [None, 1])
y_val = tf.placeholder(tf.float32, [None, 1])
weights = {"w0": tf.Variable(W0, name="w0"), "w1": tf.Variable(W1, name="w1")}


def forward(x, w):
    return tf.matmul(tf.tanh(tf.matmul(x, w["w0"])), w["w1"])


train_loss = tf.reduce_mean(tf.square(forward(x_train, weights) - y_train))
grads = dict(zip(weights, tf.gradients(train_loss, list(weights.values()))))
fast = {k: weights[k] - INNER_LR * grads[k] for k in weights}
meta_loss = tf.reduce_mean(tf.square(forward(x_val, fast) - y_val))
meta_grads = tf.gradients(meta_loss, [weights["w0"], weights["w1"]])
meta_step = tf.train.GradientDescentOptimizer(META_LR).minimize(meta_loss)

xs = rng.uniform(-2, 2, size=(10, 1)).astype(np.float32)
xv = rng.uniform(-2, 2, size=(10, 1)).astype(np.float32)
feed = {x_train: xs, y_train: np.sin(xs), x_val: xv, y_val: np.sin(xv)}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    m0, g0 = sess.run([meta_loss, meta_grads], feed)
    for _ in range(10):
        sess.run(meta_step, feed)
    m1 = sess.run(meta_loss, feed)
print("RESULT " + json.dumps({
    "w0": W0.tolist(), "w1": W1.tolist(), "inner_lr": INNER_LR,
    "x_train": xs.tolist(), "x_val": xv.tolist(), "meta_loss": float(m0),
    "meta_grads": [g.tolist() for g in g0], "meta_loss_after": float(m1)}))
