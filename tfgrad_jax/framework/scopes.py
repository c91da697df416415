"""`tf.name_scope` and `tf.control_dependencies` on the current graph."""

import contextlib

from tfgrad_jax.framework import graph as graph_mod


class name_scope:  # noqa: N801 - TF's name
    """Prefixes the names of ops created in the block, as `tf.name_scope`.

    Entering returns the scope's full name with a trailing '/'. Eagerly,
    names mean nothing and the scope is only recorded. A name ending in '/'
    re-enters an existing scope; otherwise the name is made unique (`a_1`).
    """

    def __init__(self, name, default_name=None, values=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string, got {name!r}.")
        self._name = name if name is not None else default_name
        self._ctx = None

    @property
    def name(self):
        return self._name

    def __enter__(self):
        graph = graph_mod.current_graph_or_none()
        if graph is None:
            return (self._name + "/") if self._name and not self._name.endswith("/") else (
                self._name or "")
        self._ctx = graph.name_scope(self._name)
        return self._ctx.__enter__()

    def __exit__(self, *exc):
        if self._ctx is not None:
            ctx, self._ctx = self._ctx, None
            return ctx.__exit__(*exc)
        return False


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """Ops built in the block depend on `control_inputs`, as `tf.control_dependencies`.

    Eagerly, ops run in program order anyway, so this does nothing (as in TF).
    """
    graph = graph_mod.current_graph_or_none()
    if graph is None:
        yield
        return
    with graph.control_dependencies(control_inputs):
        yield
