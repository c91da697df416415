"""Iterative FGSM: tf.gradients inside tf.while_loop, TF-1 style."""
import json

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(0)
W_VALUE = rng.randn(4, 3).astype(np.float32)
B_VALUE = rng.randn(3).astype(np.float32)
EPS, ALPHA, STEPS = 0.3, 0.1, 5

x = tf.placeholder(tf.float32, [None, 4])
labels = tf.placeholder(tf.int64, [None])
w = tf.Variable(W_VALUE)
b = tf.Variable(B_VALUE)


def model_loss(inputs):
    logits = tf.matmul(inputs, w) + b
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))


def step(i, x_adv):
    grad = tf.gradients(model_loss(x_adv), x_adv)[0]
    x_adv = x_adv + ALPHA * tf.sign(grad)
    return i + 1, tf.clip_by_value(x_adv, x - EPS, x + EPS)


_, x_adv = tf.while_loop(lambda i, _: i < STEPS, step, [tf.constant(0), x])
clean_loss, adv_loss = model_loss(x), model_loss(x_adv)

x_value = rng.randn(6, 4).astype(np.float32)
y_value = rng.randint(0, 3, size=6)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    adv, l0, l1 = sess.run([x_adv, clean_loss, adv_loss], {x: x_value, labels: y_value})
print("RESULT " + json.dumps({"w": W_VALUE.tolist(), "b": B_VALUE.tolist(),
                              "x": x_value.tolist(), "y": y_value.tolist(),
                              "eps": EPS, "alpha": ALPHA, "steps": STEPS,
                              "x_adv": adv.tolist(), "clean_loss": float(l0),
                              "adv_loss": float(l1)}))
