"""Devices: `tf.device` placement and `tf.config.list_physical_devices`.

Everything runs on the JAX backend that is present (CPU here; GPU or TPU
where JAX has them). `tf.device("/GPU:0")` maps to the matching JAX device:
eager ops in the block run there (`jax.default_device`), and ops built into
a graph record the device string (`Operation.device`). A compiled function
runs where its inputs live, as `jax.jit` decides. A device that JAX does not
have (e.g. "/GPU:0" on a CPU-only machine) is accepted and ignored, as TF's
soft placement does.
"""

import collections
import contextlib
import re

import jax

from tfgrad_jax.framework import graph as graph_mod

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])

_DEVICE_RE = re.compile(r"(?:^|/)(?:device:)?(?P<type>[A-Za-z_]+):(?P<index>\d+)$")


def _tf_type(platform):
    return {"cpu": "CPU", "gpu": "GPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}.get(
        platform.lower(), platform.upper())


def find_jax_device(spec):
    """The JAX device a TF device string names, or None if JAX has no such device."""
    if not spec:
        return None
    match = _DEVICE_RE.search(spec.strip())
    if match is None:
        raise ValueError(f"Invalid device specification {spec!r}: expected a string like "
                         "'/GPU:0' or '/job:localhost/replica:0/task:0/device:CPU:0'.")
    kind, index = match.group("type").upper(), int(match.group("index"))
    try:
        candidates = [d for d in jax.devices(kind.lower()) if _tf_type(d.platform) == kind]
    except RuntimeError:  # JAX has no backend of that kind
        return None
    return candidates[index] if index < len(candidates) else None


@contextlib.contextmanager
def device(device_name):
    """Places the ops of the block on `device_name`, as `tf.device`.

    See the module docstring for how this maps to JAX devices.
    """
    if device_name is not None and not isinstance(device_name, str):
        raise TypeError(f"`device_name` must be a string or None, got {device_name!r}.")
    graph = graph_mod.current_graph_or_none()
    if graph is not None:
        with graph.device(device_name):
            yield
        return
    target = find_jax_device(device_name)
    if target is None:
        yield
        return
    with jax.default_device(target):
        yield


def list_physical_devices(device_type=None):
    """JAX's devices as TF's PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')."""
    out = []
    counts = collections.Counter()
    for d in jax.devices():
        kind = _tf_type(d.platform)
        if device_type is not None and kind != device_type.upper():
            continue
        out.append(PhysicalDevice(f"/physical_device:{kind}:{counts[kind]}", kind))
        counts[kind] += 1
    if device_type is None or device_type.upper() == "CPU":
        if not counts["CPU"]:
            out.insert(0, PhysicalDevice("/physical_device:CPU:0", "CPU"))
    return out


def list_logical_devices(device_type=None):
    """As list_physical_devices, in TF's logical-device naming."""
    return [LogicalDevice(f"/device:{d.device_type}:{d.name.rsplit(':', 1)[1]}", d.device_type)
            for d in list_physical_devices(device_type)]
