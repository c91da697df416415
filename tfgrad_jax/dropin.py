"""`import tensorflow` resolved to tfgrad_jax: running TF programs without editing them.

`install()` puts an import hook first on `sys.meta_path` that answers for
`tensorflow` and every `tensorflow.*` module:

* `tensorflow.compat.v1` is `tf.compat.v1` (TF 2.21's TF-1 namespace) and
  `tensorflow.compat.v2` our TF-2 top level.
* `tensorflow` itself is one of two flavours, decided once, by reading the
  source of the module that imports it first (`flavour_of`):
  - a TF-1 program (it reads `tf.placeholder`, `tf.Session`,
    `tf.get_variable`, `tf.contrib`, ... at the top level, names TF 2 does not
    have) gets TF 1.x's top level: the `tf.compat.v1` names plus `contrib`,
    in graph mode with TF-1 behaviour (`disable_v2_behavior()`), as TF 1.x ran
    it;
  - anything else gets the TF-2 top level, as `import tensorflow` gives in
    TF 2.21. Where the two disagree on a name (`tf.nn.dropout(x, 0.9)`: keep
    0.9 in TF 1, drop 0.9 in TF 2) each program gets the meaning it was
    written for.
  `install(version=1)` or `version=2` decides instead.
* `tensorflow.python.<package>.<module>` (`from tensorflow.python.ops import
  math_ops`): a module whose attributes are looked up by name in our TF
  namespaces (the TF-1 top level, the TF-2 top level, then the sub-namespaces
  `nn`, `math`, `linalg`, `train`, ...), which is where programs' private
  imports mostly point (`math_ops.reduce_sum`, `ops.convert_to_tensor`,
  `dtypes.float32`).

Every name we do not provide raises `AttributeError: tfgrad_jax does not
implement tf.xxx`, with the nearest name we have. `uninstall()` removes the
hook and the modules it made.
"""

import difflib
import importlib
import importlib.abc
import importlib.machinery
import re
import sys
import types

__all__ = ["install", "uninstall", "flavour_of"]

_ROOT = "tensorflow"

# Top-level names a TF-1 program reads and TF 2's top level lacks: one of them
# read off the `tensorflow` alias makes a program TF-1.
_TF1_NAMES = (
    "placeholder", "placeholder_with_default", "sparse_placeholder", "Session",
    "InteractiveSession", "get_variable", "variable_scope", "get_variable_scope",
    "global_variables_initializer", "initialize_all_variables", "local_variables_initializer",
    "variables_initializer", "global_variables", "trainable_variables", "local_variables",
    "contrib", "layers", "app", "flags", "logging", "GraphKeys", "get_collection",
    "add_to_collection", "reset_default_graph", "set_random_seed", "random_normal",
    "random_uniform", "truncated_normal", "to_float", "to_int32", "to_int64", "Print",
    "log", "div", "py_func", "ConfigProto", "GPUOptions", "disable_v2_behavior",
    "enable_eager_execution", "assign", "assign_add", "assign_sub", "arg_max", "arg_min",
    "train.AdamOptimizer", "train.GradientDescentOptimizer", "train.MomentumOptimizer",
    "train.RMSPropOptimizer", "train.AdagradOptimizer", "train.Saver",
    "train.get_or_create_global_step", "train.get_global_step", "summary.FileWriter",
    "losses.get_regularization_loss", "get_default_session", "colocate_with",
)

_state = {"finder": None, "flavour": None, "modules": set()}


def _tf1_marker(source):
    """The first TF-1-only name `source` reads off its `import tensorflow` alias, or None."""
    aliases = set()
    for match in re.finditer(r"^\s*import\s+tensorflow(?:\s+as\s+(\w+))?\s*$", source, re.M):
        aliases.add(match.group(1) or "tensorflow")
    if not aliases:
        return None
    names = "|".join(re.escape(n) for n in sorted(_TF1_NAMES, key=len, reverse=True))
    pattern = rf"\b(?:{'|'.join(map(re.escape, aliases))})\.({names})\b"
    match = re.search(pattern, source)
    return match.group(1) if match else None


def flavour_of(source):
    """1 if `source` (a program's text) is a TF-1 program written `import tensorflow`
    (it reads a top-level name TF 2 lacks: `tf.placeholder`, `tf.Session`, ...), else 2."""
    return 1 if _tf1_marker(source) else 2


def _importer_source():
    """The source of the module running the `import tensorflow` (skipping importlib)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith("<frozen") and not filename.endswith("dropin.py") and \
                "importlib" not in filename:
            try:
                with open(filename, encoding="utf-8") as f:
                    return f.read()
            except OSError:
                return ""
        frame = frame.f_back
    return ""


# ---------------------------------------------------------------------------
# Namespaces that say which TF name is missing.

class _Namespace(types.ModuleType):
    """A module of TF names (a view of one of ours) whose missing names raise
    `AttributeError: tfgrad_jax does not implement tf.<path>.<name>`."""

    def __init__(self, name, tf_path, members, lookup=None):
        super().__init__(name)
        self.__dict__.update(members)
        self._tf_path = tf_path
        self._lookup = lookup

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if self._lookup is not None:
            found = self._lookup(name)
            if found is not _MISSING:
                return found
        raise AttributeError(_missing_text(f"{self._tf_path}.{name}", name, self))

    def __dir__(self):
        return [k for k in self.__dict__ if not k.startswith("_")]


_MISSING = object()


def _missing_text(path, name, namespace):
    known = [k for k in vars(namespace) if not k.startswith("_")]
    nearest = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" (the nearest name we have: {namespace._tf_path}.{nearest[0]})" if nearest else ""
    return f"tfgrad_jax does not implement {path}{hint}"


def _public(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [k for k in vars(module) if not k.startswith("_")]
    return {k: getattr(module, k) for k in names if hasattr(module, k)}


# Our modules that are TF namespaces (`tf.nn`, `tf.keras.optimizers`, ...); any other
# module among a namespace's names is an implementation package (`tfgrad_jax.ops`).
_NAMESPACES = frozenset([
    "app", "autograph", "config", "debugging", "dtypes", "errors", "experimental", "flags",
    "initializers", "keras", "layers", "linalg", "logging", "losses", "math", "nest", "nn",
    "optimizers", "random", "schedules", "strings", "summary", "test", "train"])


def _wrap(module, name, tf_path, extra=None):
    """A _Namespace holding `module`'s public names, its sub-namespaces wrapped too."""
    members = {}
    for key, value in _public(module).items():
        if isinstance(value, types.ModuleType):
            if key not in _NAMESPACES or not value.__name__.startswith("tfgrad_jax"):
                continue
            value = _wrap(value, f"{name}.{key}", f"{tf_path}.{key}")
        members[key] = value
    members.update(extra or {})
    return _Namespace(name, tf_path, members)


# ---------------------------------------------------------------------------
# The modules.

def _compat_v1():
    from tfgrad_jax.compat import v1
    return v1


def _tf2():
    import tfgrad_jax
    return tfgrad_jax


def _submodule(parent, names):
    """A lookup that imports `parent.<name>` for the given names (`tf.compat.v1`)."""
    def lookup(name):
        if name in names:
            return importlib.import_module(f"{parent}.{name}")
        return _MISSING
    return lookup


def _make_root(flavour):
    if flavour == 1:
        from tfgrad_jax.v1.contrib import contrib  # TF 1.x had tf.contrib; compat.v1 has not
        root = _wrap(_compat_v1(), _ROOT, "tf",
                     {"__version__": _tf2().__version__, "contrib": contrib})
        _compat_v1().disable_v2_behavior()  # TF 1.x: graph mode, v1 variables and shapes
    else:
        root = _wrap(_tf2(), _ROOT, "tf")
    root._lookup = _submodule(_ROOT, ("compat",))
    return root


# Where `tensorflow.python.*` names are looked up, after the two top levels, in order.
_PYTHON_LOOKUP_NAMESPACES = (
    "nn", "math", "linalg", "train", "random", "losses", "initializers", "dtypes", "nest",
    "debugging", "config", "errors", "autograph", "strings", "layers", "logging", "summary",
    "test", "app", "flags")


def _python_lookup(name):
    """A name from `tensorflow.python.*`: looked up in our namespaces, TF-1 first.
    Modules are not answered (`from tensorflow.python.framework import ops` imports
    the module `tensorflow.python.framework.ops`, another such view)."""
    if name.startswith("_"):
        return _MISSING
    tops = (_compat_v1(), _tf2())
    holders = list(tops) + [getattr(top, sub, None) for sub in _PYTHON_LOOKUP_NAMESPACES
                            for top in tops]
    for holder in holders:
        if holder is not None and hasattr(holder, name):
            found = getattr(holder, name)
            return _MISSING if isinstance(found, types.ModuleType) else found
    return _MISSING


def _make_module(fullname):
    """The module object for `fullname` (tensorflow or tensorflow.*), or None."""
    if fullname == _ROOT:
        flavour = _state["flavour"]
        if flavour is None:
            flavour = _state["flavour"] = flavour_of(_importer_source())
        return _make_root(flavour)
    if fullname == f"{_ROOT}.compat":
        module = _Namespace(fullname, "tf.compat", {},
                            lookup=_submodule(fullname, ("v1", "v2")))
        module.__path__ = []
        return module
    if fullname == f"{_ROOT}.compat.v1":
        module = _wrap(_compat_v1(), fullname, "tf.compat.v1")
        module._lookup = _submodule(_ROOT, ("compat",))
        return module
    if fullname == f"{_ROOT}.compat.v2":
        return _wrap(_tf2(), fullname, "tf.compat.v2")
    if fullname.startswith(f"{_ROOT}.python") or fullname.startswith(f"{_ROOT}.compat.v1.") \
            or fullname.startswith(f"{_ROOT}.compat.v2."):
        path = "tf." + fullname[len(_ROOT) + 1:]
        module = _Namespace(fullname, path, {}, lookup=_python_lookup)
        module.__path__ = []  # a package: its submodules import too
        return module
    return None


class _Loader(importlib.abc.Loader):
    def __init__(self, module):
        self._module = module

    def create_module(self, spec):
        return self._module

    def exec_module(self, module):
        parent, _, child = module.__name__.rpartition(".")
        if parent and parent in sys.modules:
            setattr(sys.modules[parent], child, module)
        _state["modules"].add(module.__name__)


class _Finder(importlib.abc.MetaPathFinder):
    """Answers for `tensorflow` and `tensorflow.*` with tfgrad_jax's modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _ROOT and not fullname.startswith(_ROOT + "."):
            return None
        module = _make_module(fullname)
        if module is None:
            return None
        is_package = hasattr(module, "__path__") or fullname == _ROOT
        if fullname == _ROOT:
            module.__path__ = []
        return importlib.machinery.ModuleSpec(fullname, _Loader(module),
                                              is_package=is_package)


def install(version=None):
    """Makes `import tensorflow` (and `tensorflow.compat.v1`, `.compat.v2`,
    `tensorflow.python...`) import tfgrad_jax. Not a TF function.

    `version`: 1 for TF 1.x's top level (graph mode), 2 for TF 2's, None to
    decide from the source of the module that first imports `tensorflow`
    (`flavour_of`). A `tensorflow` imported before (real TensorFlow) is
    refused with RuntimeError: its tensors and ours do not mix.
    """
    if version not in (None, 1, 2):
        raise ValueError(f"`version` must be 1, 2 or None, got {version!r}.")
    existing = sys.modules.get(_ROOT)
    if existing is not None and _ROOT not in _state["modules"]:
        raise RuntimeError("tensorflow is imported already (real TensorFlow): install() "
                           "must run before the first `import tensorflow`.")
    if _state["finder"] is None:
        _state["finder"] = _Finder()
        sys.meta_path.insert(0, _state["finder"])
    _state["flavour"] = version


def uninstall():
    """Undoes `install()`: `import tensorflow` finds real TensorFlow (if any) again."""
    finder = _state["finder"]
    if finder is not None and finder in sys.meta_path:
        sys.meta_path.remove(finder)
    _state["finder"] = None
    _state["flavour"] = None
    for name in _state["modules"]:
        sys.modules.pop(name, None)
    _state["modules"].clear()
