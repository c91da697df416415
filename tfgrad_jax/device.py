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


_KNOWN_TYPES = ("CPU", "GPU", "TPU")


def _parse_device(spec):
    """The fields of a TF device string (job, replica, task, device), as TF's DeviceSpec."""
    if not isinstance(spec, str):
        raise ValueError(f"Expecting a string device name. Got {type(spec)}({spec!r})")
    fields = {}
    for part in spec.strip().split("/"):
        if not part:
            continue
        bits = part.split(":")
        key = bits[0].lower()
        if key in ("job", "replica", "task") and len(bits) == 2:
            fields[key] = bits[1]
        elif key == "device" and len(bits) == 3:
            kind = bits[1].upper() if bits[1].upper() in _KNOWN_TYPES else bits[1]
            fields["device"] = f"{kind}:{bits[2]}"
        elif len(bits) == 2 and bits[0].upper() in _KNOWN_TYPES:
            fields["device"] = f"{bits[0].upper()}:{bits[1]}"
        else:
            raise ValueError(f"Unknown attribute '{bits[0]}' is encountered while parsing the "
                             f"device spec: '{spec}'.")
    return fields


def canonical_device(spec, outer=""):
    """`spec` in TF's canonical form ('/GPU:0' -> '/device:GPU:0'), merged into `outer`.

    As TF's nested `tf.device` scopes: the fields `spec` names override those of
    `outer`; ValueError (TF's message) for a malformed string.
    """
    fields = _parse_device(outer) if outer else {}
    fields.update(_parse_device(spec))
    return "".join(f"/{k}:{fields[k]}" for k in ("job", "replica", "task", "device")
                   if k in fields)


def find_jax_device(spec):
    """The JAX device a TF device string names, or None if JAX has no such device."""
    if not spec:
        return None
    match = _DEVICE_RE.search(spec.strip())
    if match is None:  # no device type and index ('/job:worker', '/GPU:*'): any device
        canonical_device(spec)  # still ValueError if malformed
        return None
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
    if device_name is not None:
        canonical_device(device_name)  # ValueError for a malformed name, as TF
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
