"""Devices: JAX's devices reported in TF's form; tf.device in eager and graph mode.

Expected strings are TensorFlow 2.21's on a CPU-only machine. A device JAX
does not have (e.g. '/GPU:0' here) is accepted and ignored, as documented in
`tfgrad_jax.device`; ops in a graph still record it, canonicalized as TF does.
"""

import jax
import numpy as np
import pytest

import tfgrad_jax as tf

PLATFORMS = {"cpu": "CPU", "gpu": "GPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}


def test_list_physical_devices_reports_jax_devices():
    devices = tf.config.list_physical_devices()
    kinds = [PLATFORMS[d.platform] for d in jax.devices()]
    assert all(type(d).__name__ == "PhysicalDevice" for d in devices)
    cpus = tf.config.list_physical_devices("CPU")
    # TF always lists the host CPU first: PhysicalDevice(name='/physical_device:CPU:0', ...)
    assert repr(cpus[0]) == "PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')"
    for kind in ("GPU", "TPU"):
        listed = tf.config.list_physical_devices(kind)
        assert [d.name for d in listed] == [f"/physical_device:{kind}:{n}"
                                           for n in range(kinds.count(kind))]
        assert all(d.device_type == kind for d in listed)
    assert len(devices) == len(cpus) + kinds.count("GPU") + kinds.count("TPU")
    logical = tf.config.list_logical_devices("CPU")
    assert repr(logical[0]) == "LogicalDevice(name='/device:CPU:0', device_type='CPU')"


@pytest.mark.parametrize("spec", ["/CPU:0", "/GPU:0", "/device:CPU:0", "/cpu:0", None,
                                  "/job:localhost/replica:0/task:0/device:CPU:0"])
def test_device_scope_in_eager_mode(spec):
    with tf.device(spec):
        x = tf.constant([1.0, 2.0]) * 2.0
    np.testing.assert_allclose(x.numpy(), [2.0, 4.0])
    platform = "GPU" if spec and "GPU" in spec and tf.config.list_physical_devices("GPU") else None
    if platform is None:
        platform = PLATFORMS[jax.devices()[0].platform] if spec is None else "CPU"
    assert x.device == f"/job:localhost/replica:0/task:0/device:{platform}:0"


def test_device_scope_in_graph_mode_records_canonical_names():
    g = tf.Graph()
    with g.as_default():
        with tf.device("/GPU:0"):
            a = tf.constant(1.0) + 1.0
        with tf.device("/device:CPU:0"):
            b = a * 2.0
        with tf.device("/job:localhost/replica:0/task:0/device:CPU:0"):
            c = b * 2.0
        with tf.device("/job:w"):
            with tf.device("/gpu:1"):
                d = tf.identity(c)  # TF merges nested device scopes
            with tf.device(""):
                e = tf.identity(c)  # '' keeps the outer device
            with tf.device(None):
                f = tf.identity(c)  # None clears it
        plain = tf.identity(c)
    # TF canonicalizes '/GPU:0' to '/device:GPU:0'.
    assert a.op.device == "/device:GPU:0" and g.get_operations()[0].device == "/device:GPU:0"
    assert b.op.device == "/device:CPU:0"
    assert c.device == "/job:localhost/replica:0/task:0/device:CPU:0"
    assert (d.op.device, e.op.device, f.op.device, plain.op.device) == (
        "/job:w/device:GPU:1", "/job:w", "", "")


def test_device_scope_inside_tf_function():
    @tf.function
    def f(x):
        with tf.device("/GPU:0"):
            y = x + 1.0
        with tf.device("/CPU:0"):
            return y * 2.0

    assert float(f(tf.constant(1.0))) == 4.0
    ops = f.get_concrete_function(tf.constant(1.0)).graph.get_operations()
    assert {op.name: op.device for op in ops}["add"] == "/device:GPU:0"
    assert {op.name: op.device for op in ops}["mul"] == "/device:CPU:0"


@pytest.mark.parametrize("bad, pattern", [
    ("cpu0", "Unknown attribute 'cpu0'"), ("/FOO:0", "Unknown attribute 'FOO'"),
    (3, "Expecting a string device name")])
def test_malformed_device_names(bad, pattern):
    # TF: ValueError, with these messages, eagerly and in graphs.
    with pytest.raises(ValueError, match=pattern):
        with tf.device(bad):
            pass
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=pattern):
            with tf.device(bad):
                pass
