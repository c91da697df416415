"""Builds the `tf.compat.v1` namespace: TF's names and nothing else.

TF 2.21's `compat.v1` is the TF-2 top level plus the TF-1-only names (sessions,
variable scopes, `train`, ...), with the TF-1 spellings where the two differ
(`reduce_sum(reduction_indices=...)`, `nn.dropout(keep_prob=...)`). Here it is
assembled from:
  * the public names of `tfgrad_jax` (our TF-2 top level), less what TF keeps
    out of `compat.v1` and our own extensions;
  * the `__all__` of each `tfgrad_jax.v1` module, which win over the TF-2
    names they share (the v1 spellings);
  * sub-namespaces (`train`, `losses`, `nn`, `layers`, `initializers`, `app`,
    `flags`, `gfile`, `logging`, `summary`, `test`, and `math` and `linalg` with
    the TF-1 spellings) made as fresh module objects holding
    only their TF names, so that no implementation module (and none of its
    imports: `jax`, `np`, ...) shows through.
"""

import importlib
import types

# Implementation modules whose `__all__` goes to the top of compat.v1, in order
# (later ones win where two define a name).
_TOP_LEVEL_MODULES = ("session", "variable_scope", "initializers", "api")

# Sub-namespaces: name -> the implementation modules whose `__all__` it holds. `nn`
# and `losses` hold the v1 forms; everything of TF-2's `tf.nn` is in v1.nn's `__all__`.
_SUB_NAMESPACES = {
    "train": ("train",),
    "losses": ("losses",),
    "nn": ("nn",),
    "layers": ("layers",),
    "app": ("app",),
    "flags": ("flags",),
    "gfile": ("gfile",),
    "logging": ("tf_logging",),
    "summary": ("summary",),
    "test": ("testing",),
}

# Names a sub-namespace shares with the top level (TF: compat.v1.Summary is
# compat.v1.summary.Summary).
_ALSO_AT_TOP_LEVEL = {"summary": ("Summary",)}

# Sub-namespaces of our TF-2 top level that compat.v1 shares as they are.
_SHARED_NAMESPACES = ("autograph", "config", "debugging", "dtypes", "errors", "keras", "nest",
                      "random", "strings")

# Public names of our top level that TF's compat.v1 does not have: our extensions, and
# names TF keeps in TF 2 only.
_NOT_IN_V1 = frozenset(["list_ops", "OperatorNotAllowedInGraphError", "install", "uninstall",
                        "dropin", "run", "to_jax", "from_jax", "interop",
                        "check", "show", "visual"])


def _module(name):
    return importlib.import_module(f"tfgrad_jax.v1.{name}")


def _namespace(qualified_name, doc, names):
    """A module object holding exactly `names` (a dict)."""
    module = types.ModuleType(qualified_name, doc)
    for key, value in names.items():
        setattr(module, key, value)
    module.__all__ = sorted(names)
    return module


def _exports(module):
    return {name: getattr(module, name) for name in module.__all__}


def v1_names():
    """The names of `tf.compat.v1`, as a dict."""
    import tfgrad_jax as tf

    names = {}
    for name in dir(tf):
        value = getattr(tf, name)
        if name.startswith("_") or name in _NOT_IN_V1:
            continue
        if isinstance(value, types.ModuleType) and name not in _SHARED_NAMESPACES:
            continue  # our implementation packages (framework, ops, ...)
        names[name] = value
    for module_name in _TOP_LEVEL_MODULES:
        names.update(_exports(_module(module_name)))
    made = {}  # implementation module -> the sub-namespace made from it alone
    for name, module_names in _SUB_NAMESPACES.items():
        members = {}
        for module_name in module_names:
            members.update(_exports(_module(module_name)))
        names[name] = _namespace(f"tfgrad_jax.compat.v1.{name}",
                                 f"`tf.compat.v1.{name}`.", members)
        if len(module_names) == 1:
            made[_module(module_names[0])] = names[name]
        for shared in _ALSO_AT_TOP_LEVEL.get(name, ()):
            names[shared] = members[shared]
    # A member that is one of those modules is given as its namespace, so that no
    # implementation module shows through (TF: compat.v1.app.flags is compat.v1.flags).
    for name in _SUB_NAMESPACES:
        namespace = names[name]
        for member in namespace.__all__:
            value = getattr(namespace, member)
            if isinstance(value, types.ModuleType) and value in made:
                setattr(namespace, member, made[value])
    # compat.v1.math and .linalg are TF-2's with the TF-1 spellings of the names they
    # share with the top level (`reduce_sum(reduction_indices=)`, `in_top_k(predictions,
    # targets, k)`, `norm(keep_dims=)`).
    v1_spellings = {n: names[n] for n in _module("api").__all__}
    v1_spellings["in_top_k"] = names["nn"].in_top_k  # (predictions, targets, k)
    for name in ("math", "linalg"):
        shared = getattr(tf, name)
        members = {n: v1_spellings.get(n, getattr(shared, n))
                   for n in dir(shared) if not n.startswith("_")}
        names[name] = _namespace(f"tfgrad_jax.compat.v1.{name}", f"`tf.compat.v1.{name}`.",
                                 members)
    initializers = _module("initializers")
    names["initializers"] = _namespace("tfgrad_jax.compat.v1.initializers",
                                       "`tf.compat.v1.initializers`.",
                                       dict(initializers.INITIALIZERS_NAMESPACE))
    return names
