"""`tf.Module`: a named container of variables and other modules.

What TF 2.21 does, and we do the same way:
  * A module's name defaults to its class name in snake case (`MLPBlock` ->
    `mlp_block`); a given name must be a Python identifier (ASCII letters,
    digits, `_`), else ValueError.
  * `name_scope` is a `tf.name_scope` fixed when the module is made: the
    scope that was current then, plus the module's name (made unique in a
    graph, `m_1/`, as TF's graph scopes are). Entering it again, from
    anywhere, restores exactly that scope.
  * `variables`, `trainable_variables`, `non_trainable_variables` and
    `submodules` are found by reflection: the module's attributes in sorted
    name order, each one flattened as `tf.nest` flattens (lists and tuples in
    order, namedtuples in field order, mappings in sorted key order); every
    object is reported once (by identity). A module's own leaves come first,
    then each submodule found is walked in the order it was found, each one
    fully (its own leaves, then its submodules) before the next. Cycles are
    cut by not recursing into a module already on the walk's stack.
"""

import functools
from collections.abc import Mapping

from tfgrad_jax.framework.indexed_slices import IndexedSlices
from tfgrad_jax.framework.scopes import name_scope as _name_scope
from tfgrad_jax.ops.variables import is_variable


class _ModuleNameScope(_name_scope):
    """A module's name scope: one object that may be entered again while entered.

    TF's `name_scope_v2` is re-entrant, and a module's scope is entered nested
    whenever a `with_name_scope` method calls another. Each entry here uses
    its own `tf.name_scope` for the same absolute scope name, so exits unwind
    in order.
    """

    def __init__(self, scope_name):
        super().__init__(scope_name)
        self._entries = []

    def __enter__(self):
        entry = _name_scope(self.name)
        self._entries.append(entry)
        return entry.__enter__()

    def __exit__(self, *exc):
        return self._entries.pop().__exit__(*exc)


def camel_to_snake(value):
    """TF's default module name: `_` before an uppercase ASCII letter that follows a
    lowercase letter or digit, or (not first) is followed by a lowercase letter;
    then lowercased. `HTTPServer2` -> `http_server2`, `Dense3D` -> `dense3_d`."""
    def lower(c):
        return "a" <= c <= "z"

    def upper(c):
        return "A" <= c <= "Z"

    out = []
    for i, c in enumerate(value):
        if upper(c) and i > 0:
            after_lower = lower(value[i - 1]) or "0" <= value[i - 1] <= "9"
            before_lower = i + 1 < len(value) and lower(value[i + 1])
            if after_lower or before_lower:
                out.append("_")
        out.append(c)
    return "".join(out).lower()


def valid_identifier(name):
    """Whether `name` is an ASCII Python identifier, the names TF accepts for modules."""
    if not name or not (name[0] == "_" or name[0].isascii() and name[0].isalpha()):
        return False
    return all(c == "_" or c.isascii() and c.isalnum() for c in name)


class Module:
    """Base class of neural-network modules, as `tf.Module`.

    A named container for `tf.Variable`s, other modules and the functions that
    use them. Variables and modules assigned to attributes (directly or inside
    lists, tuples and dicts) are found by `variables`, `trainable_variables`,
    `non_trainable_variables` and `submodules`.

    As in TF, variables made in `__init__` are not prefixed by the module's
    name unless made under `with self.name_scope:` (or in a method decorated
    with `tf.Module.with_name_scope`).

    Differences from TF: no checkpoint tracking (TF's `AutoTrackable` base and
    its list/dict wrappers); attributes keep the containers assigned to them.
    """

    # Attributes `_flatten` skips; subclasses may add to it (TF lists AutoTrackable's
    # bookkeeping here; we have none).
    _TF_MODULE_IGNORED_PROPERTIES = frozenset()

    def __init__(self, name=None):
        if name is None:
            name = camel_to_snake(type(self).__name__)
        elif not isinstance(name, str):
            # TF's check is a regular-expression match, which raises this.
            raise TypeError(f"expected string or bytes-like object, got "
                            f"'{type(name).__name__}'")
        elif not valid_identifier(name):
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid "
                             "Python identifiers (e.g. a valid class name).")
        self._name = name
        # Entering the scope once fixes its full (and, in a graph, unique) name.
        with _name_scope(name) as scope_name:
            self._name_scope = _ModuleNameScope(scope_name)

    @property
    def name(self):
        """The name given to (or derived for) this module; not its scope's full name."""
        return self._name

    @property
    def name_scope(self):
        """The module's `tf.name_scope` (the same object every time)."""
        return self._name_scope

    @property
    def variables(self):
        """Variables of this module (sorted by attribute name), then of its submodules."""
        return tuple(self._flatten(predicate=_is_variable, expand_composites=True))

    @property
    def trainable_variables(self):
        """The trainable ones among `variables`, in the same order."""
        return tuple(self._flatten(predicate=_is_trainable_variable, expand_composites=True))

    @property
    def non_trainable_variables(self):
        """The non-trainable ones among `variables`, in the same order."""
        return tuple(self._flatten(predicate=_is_non_trainable_variable,
                                   expand_composites=True))

    @property
    def submodules(self):
        """Every module reachable from this one's attributes (not itself), in walk order."""
        return tuple(self._flatten(predicate=_is_module))

    def _flatten(self, recursive=True, predicate=None, attribute_traversal_key=None,
                 with_path=False, expand_composites=False):
        """Leaves of the attributes, in sorted attribute order, as TF's `Module._flatten`.

        `predicate` filters the leaves; `recursive` walks into submodules;
        `attribute_traversal_key` re-keys attribute names before sorting;
        `with_path` yields `(path, leaf)` with paths such as `('layers', 0, 'w')`
        and then does not de-duplicate (a leaf reached twice comes twice);
        `expand_composites` splits composite tensors (`tf.IndexedSlices`) into
        their component tensors. Returns a generator.
        """
        if predicate is None:
            predicate = lambda _: True  # noqa: E731
        return _walk_module(self, recursive, predicate, attribute_traversal_key, with_path,
                            expand_composites, (), None, None)

    @classmethod
    def with_name_scope(cls, method):
        """Decorates a method so that it runs inside the module's name scope, as TF's."""
        @functools.wraps(method)
        def method_with_name_scope(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)

        return method_with_name_scope


def _is_variable(obj):
    return is_variable(obj)


def _is_trainable_variable(obj):
    return is_variable(obj) and bool(getattr(obj, "trainable", False))


def _is_non_trainable_variable(obj):
    return is_variable(obj) and not getattr(obj, "trainable", False)


def _is_module(obj):
    return isinstance(obj, Module)


def _leaves_with_paths(value, path, expand_composites):
    """(path, leaf) pairs of one attribute, in `tf.nest` order."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # namedtuple: field order
        for field, item in zip(value._fields, value):
            yield from _leaves_with_paths(item, path + (field,), expand_composites)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _leaves_with_paths(item, path + (i,), expand_composites)
    elif isinstance(value, Mapping):
        for key in sorted(value):  # TF sorts the keys of every mapping (OrderedDict too)
            yield from _leaves_with_paths(value[key], path + (key,), expand_composites)
    elif expand_composites and isinstance(value, IndexedSlices):
        parts = [value.values, value.indices]
        if value.dense_shape is not None:
            parts.append(value.dense_shape)
        yield from _leaves_with_paths(parts, path + ("IndexedSlices",), expand_composites)
    else:
        yield path, value


def _walk_module(module, recursive, predicate, traversal_key, with_path, expand_composites,
                 module_path, seen, stack):
    """The generator behind `Module._flatten` (see the module docstring for the order)."""
    if seen is None:
        seen = {id(module)}
        stack = []
    if id(module) in stack:  # a back edge of a cycle: report the leaves, do not go deeper
        recursive = False
    ignored = module._TF_MODULE_IGNORED_PROPERTIES
    attributes = vars(module)
    found_modules = []
    for key in sorted(attributes, key=traversal_key):
        if key in ignored:
            continue
        value = attributes[key]
        try:
            leaves = list(_leaves_with_paths(value, (), expand_composites))
        except Exception as cause:  # noqa: BLE001 - TF wraps whatever flattening raised
            raise ValueError(f"Error processing property {key!r} of {value!r}") from cause
        for leaf_path, leaf in leaves:
            leaf_path = (key,) + leaf_path
            if not with_path:
                if id(leaf) in seen:
                    continue
                seen.add(id(leaf))
            if predicate(leaf):
                yield (module_path + leaf_path, leaf) if with_path else leaf
            if recursive and _is_module(leaf):
                found_modules.append((module_path + leaf_path, leaf))
    stack.append(id(module))
    for sub_path, sub in found_modules:
        yield from _walk_module(sub, recursive, predicate, traversal_key, with_path,
                                expand_composites, sub_path, seen, stack)
    stack.pop()
