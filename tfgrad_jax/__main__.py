"""`python -m tfgrad_jax`: a short, real demonstration.

Runs the documented tf.gradients examples, a compiled MLP with its gradient,
and shows the graph, the jaxpr JAX traces from it and the device it ran on.
"""

import numpy as np

import tfgrad_jax as tf


def _section(title):
    print(f"\n== {title} ==")


def documented_examples():
    _section("tf.gradients: the documented examples")

    @tf.function
    def partial_derivatives():
        a = tf.constant(0.)
        b = 2 * a
        return tf.gradients(a + b, [a, b], stop_gradients=[a, b])

    @tf.function
    def total_derivatives():
        a = tf.constant(0.)
        b = 2 * a
        return tf.gradients(a + b, [a, b])

    @tf.function
    def stopped_in_graph():
        a = tf.stop_gradient(tf.constant(0.))
        b = tf.stop_gradient(2 * a)
        return tf.gradients(a + b, [a, b])

    @tf.function
    def unconnected(use_zero):
        a = tf.ones([1, 2])
        b = tf.ones([3, 1])
        return tf.gradients([b], [a], unconnected_gradients="zero" if use_zero else "none")

    @tf.function
    def cost_example():
        Ws = tf.constant(0.)
        bs = 2 * Ws
        cost = Ws + bs
        dCost_dW, dCost_db = tf.gradients(cost, [Ws, bs])
        return dCost_dW, dCost_db

    print("stop_gradients=[a, b]      ", partial_derivatives())
    print("total derivative           ", total_derivatives())
    print("tf.stop_gradient in graph  ", stopped_in_graph())
    print("unconnected 'none'         ", unconnected(False))
    print("unconnected 'zero'         ", unconnected(True))
    print("cost example               ", cost_example())


def compiled_mlp():
    _section("A compiled MLP and its gradient")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 4)).astype(np.float32)
    w1 = rng.normal(size=(4, 16)).astype(np.float32) * 0.5
    w2 = rng.normal(size=(16, 3)).astype(np.float32) * 0.5

    @tf.function
    def loss_and_grads(x, w1, w2):
        hidden = tf.nn.relu(tf.matmul(x, w1))
        probs = tf.nn.softmax(tf.matmul(hidden, w2))
        loss = -tf.reduce_mean(tf.math.log(probs[:, 0]))
        return loss, tf.gradients(loss, [w1, w2])

    loss, (g1, g2) = loss_and_grads(x, w1, w2)
    print("loss", loss)
    print("dloss/dw1 shape", g1.shape, " dloss/dw2 shape", g2.shape)
    loss_and_grads(x, w1, w2)
    print("traced", loss_and_grads.experimental_get_tracing_count(), "time(s) for two calls")
    concrete = loss_and_grads.get_concrete_function(x, w1, w2)
    print(f"graph: {len(concrete.graph.get_operations())} ops; jaxpr: "
          f"{len(concrete.as_jaxpr().jaxpr.eqns)} equations")


def graph_and_jaxpr():
    _section("The graph and the jaxpr JAX traces from it")

    @tf.function
    def f(x):
        y = tf.sin(x) * x
        return tf.gradients(y, x)[0]

    concrete = f.get_concrete_function(tf.constant([1.0, 2.0]))
    print(concrete.graph.as_text())
    print(concrete.as_jaxpr())
    print("devices:", tf.config.list_physical_devices())


def main():
    documented_examples()
    compiled_mlp()
    graph_and_jaxpr()


if __name__ == "__main__":
    main()
