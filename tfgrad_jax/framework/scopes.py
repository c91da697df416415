"""`tf.name_scope` and `tf.control_dependencies` on the current graph."""

import contextlib

from tfgrad_jax.framework import graph as graph_mod


class name_scope:  # noqa: N801 - TF's name
    """Prefixes the names of ops created in the block, as `tf.name_scope`.

    Entering returns the scope's full name with a trailing '/'. A name ending
    in '/' re-enters an existing scope; otherwise, in a graph, the name is made
    unique (`a_1`). Eagerly, scopes nest as given (never made unique), and
    only variables take their names from them, as in TF.
    """

    def __init__(self, name, default_name=None, values=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string, got {name!r}.")
        self._name = name if name is not None else default_name
        self._entered = []  # one context per (possibly nested) entry of this object

    @property
    def name(self):
        return self._name

    def __enter__(self):
        graph = graph_mod.current_graph_or_none()
        if graph is None:
            outer = graph_mod._state.eager_name_scope
            name = self._name or ""
            scope = name if not name or name.endswith("/") else outer + name + "/"
            ctx = graph_mod._pushed(graph_mod._state.eager_name_scopes, scope)
            ctx.__enter__()
            self._entered.append(ctx)
            return scope
        ctx = graph.name_scope(self._name)
        self._entered.append(ctx)
        return ctx.__enter__()

    def __exit__(self, *exc):
        return self._entered.pop().__exit__(*exc)


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
