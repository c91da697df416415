"""TF-1 variables: `variable_scope`, `get_variable`, collections, `compat.v1.Variable`.

State. As TF keeps it in graph collections, each graph has its own variable
scope state (`_ScopeState`, cached on the graph): the current `VariableScope`,
how often each scope name was opened (for `default_name`'s `bar`, `bar_1`)
and the variables `get_variable` made, by full name, which reuse finds.
Branch and loop bodies (FuncGraphs) share the state of the graph they are
built in, so names keep their prefixes there. Eagerly there is one state
per thread and, as TF 2, no store: `get_variable` makes a new variable on
every call.

Names are TF's: a variable scope opens a name scope (`foo`, re-entered `foo_1`)
for the ops built in it, while variables are named by the variable scope alone
(`foo/v:0`); an initializer's ops live under `foo/v/Initializer/` and a
regularizer's under `foo/v/Regularizer/`.

What we do differently: no partitioned variables (`partitioner` raises
NotImplementedError), `caching_device`/`use_resource`/`synchronization`/
`aggregation` are accepted and ignored (every variable is a resource variable).
`is_variable_initialized` and `report_uninitialized_variables` are ops whose
values the Session supplies from its state (`variables.SESSION_SUPPLIED`); the
report is a string tensor, so it can be fetched but not computed on.
"""

import enum
import inspect
import threading

import jax
import numpy as np

from tfgrad_jax.framework import dtypes
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.errors import FailedPreconditionError
from tfgrad_jax.framework.indexed_slices import IndexedSlices
from tfgrad_jax.framework.op_def import NOT_DIFFERENTIABLE, apply_op, convert_to_tensor, def_op
from tfgrad_jax.framework.scopes import name_scope
from tfgrad_jax.framework.tensor import EagerTensor, Tensor, to_numpy
from tfgrad_jax.framework.tensor_shape import as_shape
from tfgrad_jax.ops import variables as variables_mod
from tfgrad_jax.v1 import initializers

__all__ = ["GraphKeys", "AUTO_REUSE", "VariableScope", "variable_scope", "get_variable_scope",
           "get_variable", "get_local_variable", "no_regularizer", "Variable",
           "get_collection", "get_collection_ref", "add_to_collection", "add_to_collections",
           "global_variables", "all_variables", "local_variables", "trainable_variables",
           "model_variables", "moving_average_variables", "assign", "assign_add",
           "assign_sub", "scatter_update", "scatter_add", "scatter_sub",
           "is_variable_initialized", "report_uninitialized_variables"]


class GraphKeys:
    """The standard collection names, as `tf.compat.v1.GraphKeys` (TF's strings)."""

    GLOBAL_VARIABLES = "variables"
    VARIABLES = "variables"  # TF's deprecated spelling of GLOBAL_VARIABLES
    LOCAL_VARIABLES = "local_variables"
    METRIC_VARIABLES = "metric_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    TRAINABLE_RESOURCE_VARIABLES = "trainable_resource_variables"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    REGULARIZATION_LOSSES = "regularization_losses"
    LOSSES = "losses"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    SAVERS = "savers"
    SAVEABLE_OBJECTS = "saveable_objects"
    RESOURCES = "resources"
    LOCAL_RESOURCES = "local_resources"
    GLOBAL_STEP = "global_step"
    EVAL_STEP = "eval_step"
    TRAIN_OP = "train_op"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    READY_FOR_LOCAL_INIT_OP = "ready_for_local_init_op"
    SUMMARY_OP = "summary_op"
    COND_CONTEXT = "cond_context"
    WHILE_CONTEXT = "while_context"


# ---------------------------------------------------------------------------
# Collections of the default graph.

def get_collection(key, scope=None):
    """The items of collection `key` of the default graph, in the order they were added.

    With `scope`, only the items whose `name` matches it from the start as a
    regular expression (`re.match`), as TF: `scope='net'` also takes `net_2/w`.
    """
    return graph_mod.get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    """The default graph's list for collection `key` itself (changes to it stay), as TF."""
    return graph_mod.get_default_graph().get_collection_ref(key)


def add_to_collection(name, value):
    """Appends `value` to the default graph's collection `name`."""
    graph_mod.get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    """Appends `value` to each of the default graph's collections `names` (one name or many)."""
    graph_mod.get_default_graph().add_to_collections(names, value)


def global_variables(scope=None):
    """The GLOBAL_VARIABLES collection (`get_collection` filtering by `scope`)."""
    return get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables  # TF's deprecated spelling


def local_variables(scope=None):
    """The LOCAL_VARIABLES collection (`get_collection` filtering by `scope`)."""
    return get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope=None):
    """The TRAINABLE_VARIABLES collection (`get_collection` filtering by `scope`)."""
    return get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def model_variables(scope=None):
    """The MODEL_VARIABLES collection (`get_collection` filtering by `scope`)."""
    return get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None):
    """The MOVING_AVERAGE_VARIABLES collection (`get_collection` filtering by `scope`)."""
    return get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


# ---------------------------------------------------------------------------
# compat.v1.Variable: tf.Variable that chooses its collections.

class Variable(variables_mod.Variable):
    """`tf.compat.v1.Variable`: `tf.Variable` plus `collections` and TF-1's argument order.

    In a graph the variable joins `collections` (default GLOBAL_VARIABLES) and,
    if trainable, TRAINABLE_VARIABLES, as TF. `expected_shape`,
    `caching_device`, `use_resource`, `import_scope` are accepted and ignored;
    `variable_def` (building from a protobuf) is not supported.
    """

    def __init__(self, initial_value=None, trainable=None, collections=None,
                 validate_shape=True, caching_device=None, name=None, variable_def=None,
                 dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, synchronization=None, aggregation=None, shape=None):
        if collections is not None and not isinstance(collections, (list, tuple, set)):
            raise ValueError("collections argument to Variable constructor must be a list, "
                             f"tuple, or set. Got {collections} of type {type(collections)}")
        if variable_def is not None:
            raise NotImplementedError("Variable(variable_def=...): tfgrad_jax has no "
                                      "VariableDef protocol buffers.")
        self._collections = None if collections is None else list(collections)
        super().__init__(initial_value, trainable=trainable, validate_shape=validate_shape,
                         name=name, dtype=dtype, constraint=constraint, shape=shape)

    def _graph_collections(self):
        if self._collections is None:
            return super()._graph_collections()
        keys = list(self._collections)
        if self._trainable and GraphKeys.TRAINABLE_VARIABLES not in keys:
            keys.append(GraphKeys.TRAINABLE_VARIABLES)
        return keys


# ---------------------------------------------------------------------------
# Variable scopes.

class _ReuseMode(enum.Enum):
    """The reuse mode that is neither True nor False (TF's `_ReuseMode`)."""
    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE


def no_regularizer(_):
    """A regularizer that gives no loss: overrides a scope's regularizer (TF's)."""
    return None


class VariableScope:
    """A variable scope's settings, as `tf.compat.v1.VariableScope`.

    `name` prefixes the variables `get_variable` makes; `original_name_scope`
    is the name scope opened when the scope was first entered; `reuse` is
    False, True or AUTO_REUSE; `initializer`, `regularizer`, `dtype`,
    `constraint`, `custom_getter` are the defaults of `get_variable` in it.
    """

    def __init__(self, reuse, name="", initializer=None, regularizer=None, caching_device=None,
                 partitioner=None, custom_getter=None, name_scope="", dtype=dtypes.float32,
                 use_resource=None, constraint=None):
        self._reuse = reuse
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = dtypes.as_dtype(dtype)
        self._use_resource = use_resource
        self._constraint = constraint

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    regularizer = property(lambda self: self._regularizer)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)
    dtype = property(lambda self: self._dtype)
    use_resource = property(lambda self: self._use_resource)
    constraint = property(lambda self: self._constraint)

    def reuse_variables(self):
        """From now on, `get_variable` in this scope reuses (reuse=True)."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_dtype(self, dtype):
        self._dtype = dtypes.as_dtype(dtype)

    def set_caching_device(self, caching_device):
        self._caching_device = caching_device

    def set_partitioner(self, partitioner):
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter):
        self._custom_getter = custom_getter

    def set_use_resource(self, use_resource):
        self._use_resource = use_resource

    def get_collection(self, name):
        """The items of collection `name` under this scope (`<scope name>/` as regex), as TF."""
        return get_collection(name, self._name + "/" if self._name else "")

    def global_variables(self):
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def trainable_variables(self):
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def local_variables(self):
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)

    def _settings(self):
        return dict(initializer=self._initializer, regularizer=self._regularizer,
                    caching_device=self._caching_device, partitioner=self._partitioner,
                    custom_getter=self._custom_getter, dtype=self._dtype,
                    use_resource=self._use_resource, constraint=self._constraint)

    def __repr__(self):
        return f"<VariableScope {self._name!r} reuse={self._reuse}>"


class _ScopeState:
    """A graph's variable-scope state: current scope, open counts, get_variable's store."""

    def __init__(self):
        self.scope = VariableScope(False)
        self.opened = {}     # full scope name -> how often it was opened (default_name)
        self.variables = {}  # full name -> the variable get_variable made under it


class _EagerState(threading.local):
    def __init__(self):
        self.state = _ScopeState()


_eager = _EagerState()


def _scope_state():
    graph = graph_mod.current_graph_or_none()
    if graph is None:
        return _eager.state
    while getattr(graph, "outer_graph", None) is not None:  # a branch shares its graph's
        graph = graph.outer_graph
    return graph.cached("v1.variable_scope", _ScopeState)


def get_variable_scope():
    """The current `VariableScope` (of the default graph; eagerly, of this thread)."""
    return _scope_state().scope


def _join(prefix, name):
    return f"{prefix}/{name}" if prefix else name


class variable_scope:  # noqa: N801 - TF's name
    """Opens a variable scope, as `tf.compat.v1.variable_scope`.

    `name_or_scope` a string (nested under the current scope), a captured
    `VariableScope` (re-entered with its own name and settings), or None with
    `default_name` (made unique among the scopes opened here: `bar`, `bar_1`).
    Entering also opens a name scope for ops, unique as TF makes it (`foo`,
    then `foo_1` when re-entered), unless `auxiliary_name_scope=False`.
    `reuse`: True, AUTO_REUSE, or None/False to inherit; a string scope inside
    a reusing one reuses too (`reuse or parent.reuse`, as TF). The other
    arguments set the defaults of `get_variable` inside (a string scope
    inherits unset ones from its parent). `values` is accepted and ignored.
    """

    def __init__(self, name_or_scope, default_name=None, values=None, initializer=None,
                 regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                 reuse=None, dtype=None, use_resource=None, constraint=None,
                 auxiliary_name_scope=True):
        if name_or_scope is None and default_name is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if name_or_scope is not None and not isinstance(name_or_scope, (str, VariableScope)):
            raise TypeError("VariableScope: name_or_scope must be a string or VariableScope.")
        if reuse not in (None, True, False, AUTO_REUSE):
            raise ValueError("The reuse parameter must be True or False or None.")
        if name_or_scope is None and reuse is True:
            raise ValueError("reuse=True cannot be used without a name_or_scope")
        if custom_getter is not None and not callable(custom_getter):
            raise ValueError(f"The custom_getter must be callable. Received: {custom_getter}")
        if not isinstance(auxiliary_name_scope, bool):
            raise TypeError("The auxiliary_name_scope must be `True` or `False`, while get "
                            f"{auxiliary_name_scope}")
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._reuse = reuse
        self._auxiliary_name_scope = auxiliary_name_scope
        self._given = {key: value for key, value in dict(
            initializer=initializer, regularizer=regularizer, caching_device=caching_device,
            partitioner=partitioner, custom_getter=custom_getter, dtype=dtype,
            use_resource=use_resource, constraint=constraint).items() if value is not None}
        self._entered = []  # per (possibly nested) entry: what __exit__ restores

    def __enter__(self):
        state = _scope_state()
        parent = state.scope
        target = self._name_or_scope
        if isinstance(target, VariableScope):
            name, scope_name_for_ops = target.name, target.name
            settings = target._settings()
            reuse = self._reuse if self._reuse is not None else target.reuse
        else:
            if target is None:  # a default name, unique among the scopes opened here
                target = self._unique_default_name(state, parent.name)
                scope_name_for_ops = self._default_name
            else:
                scope_name_for_ops = target
            name = _join(parent.name, target)
            settings = parent._settings()
            reuse = self._reuse or parent.reuse
        settings.update(self._given)
        saved_counts = dict(state.opened)
        state.opened[name] = state.opened.get(name, 0) + 1
        ops_scope = None
        if self._auxiliary_name_scope:
            ops_scope = name_scope(scope_name_for_ops)
            original = ops_scope.__enter__()
        else:
            graph = graph_mod.current_graph_or_none()
            if graph is None:
                original = graph_mod._state.eager_name_scope
            else:
                original = graph.get_name_scope() + "/" if graph.get_name_scope() else ""
        if isinstance(target, VariableScope):
            original = target.original_name_scope
        scope = VariableScope(reuse, name=name, name_scope=original, **settings)
        self._entered.append((state, parent, name, saved_counts, ops_scope))
        state.scope = scope
        return scope

    def _unique_default_name(self, state, prefix):
        name, i = self._default_name, 1
        while state.opened.get(_join(prefix, name), 0) > 0:
            name = f"{self._default_name}_{i}"
            i += 1
        return name

    def __exit__(self, *exc):
        state, parent, name, saved_counts, ops_scope = self._entered.pop()
        state.scope = parent
        if isinstance(self._name_or_scope, VariableScope):
            state.opened = saved_counts
        else:  # scopes opened inside count afresh when this one is entered again, as TF
            for key in state.opened:
                if key.startswith(name + "/"):
                    state.opened[key] = 0
        if ops_scope is not None:
            return ops_scope.__exit__(*exc)
        return False


# ---------------------------------------------------------------------------
# get_variable.

_BAD_CALLABLE = ("The initializer passed is not valid. It should be a callable with no "
                 "arguments and the shape should not be provided or an instance of "
                 "`tf.keras.initializers.*' and `shape` should be fully defined.")


def _accepts(fn, keyword):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == keyword or p.kind is p.VAR_KEYWORD for p in params)


def _needs_arguments(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               for p in params)


def _initial_value(name, shape, dtype, explicit_dtype, initializer):
    """(a callable making the initial value, its dtype). tf.Variable calls it under
    `<name>/Initializer/` and names a converted value `initial_value`, as TF."""
    if initializer is not None and (not callable(initializer)
                                    or isinstance(initializer, Tensor)
                                    or variables_mod.is_variable(initializer)):
        # A value: the variable's shape and dtype are its own.
        if shape is not None:
            raise ValueError("If initializer is a constant, do not specify shape.")
        if isinstance(initializer, Tensor) or variables_mod.is_variable(initializer):
            value = initializer
            make = lambda: value  # noqa: E731 - the tensor itself, as TF
        else:
            value = None
            make = lambda: initializer  # noqa: E731 - converted by tf.Variable
        value_dtype = value.dtype if value is not None else dtypes.as_dtype(
            to_numpy(initializer).dtype)
        if explicit_dtype and value_dtype != dtype:
            raise ValueError(f"Initializer type '{value_dtype}' and explicit dtype '{dtype}' "
                             "don't match.")
        return make, None if not explicit_dtype else dtype
    if initializer is None:
        if shape is None:
            raise ValueError(f"Variable {name} did not get an initializer, so its `shape` "
                             "argument must be specified.")
        if dtype.is_floating:
            initializer = initializers.GlorotUniform()
        elif dtype.is_integer or dtype.is_bool:
            initializer = initializers.Zeros()
        else:
            raise ValueError(f"An initializer for variable {name} of {dtype} is required")
    elif isinstance(initializer, type):  # an initializer class, as TF takes it
        initializer = initializer(dtype=dtype)
    if shape is None:
        if _needs_arguments(initializer) or isinstance(initializer, initializers.Initializer):
            raise ValueError(_BAD_CALLABLE)
        return initializer, dtype
    if not shape.is_fully_defined():
        raise ValueError(_BAD_CALLABLE)
    dims = shape.as_list()
    if _accepts(initializer, "partition_info"):
        return lambda: initializer(dims, dtype=dtype, partition_info=None), dtype
    return lambda: initializer(dims, dtype=dtype), dtype


def _make_variable(name, shape, dtype, explicit_dtype, initializer, regularizer, trainable,
                   collections, validate_shape, constraint):
    make, dtype = _initial_value(name, shape, dtype, explicit_dtype, initializer)
    with name_scope(""):  # named by the variable scope alone, not the current name scope
        variable = Variable(make, trainable=trainable, collections=collections, name=name,
                            dtype=dtype, validate_shape=validate_shape, constraint=constraint,
                            shape=shape)
        if regularizer is not None:
            # TF: the loss is built under `<name>/Regularizer/` ('/' re-enters exactly).
            with name_scope(variable.name.rpartition(":")[0] + "/Regularizer/"):
                loss = regularizer(variable)
            if loss is not None:
                add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return variable


def _true_getter(name, shape=None, dtype=dtypes.float32, initializer=None, regularizer=None,
                 reuse=None, trainable=None, collections=None, caching_device=None,
                 partitioner=None, validate_shape=True, use_resource=None, constraint=None,
                 synchronization=None, aggregation=None, _explicit_dtype=False):
    """Finds or makes the variable `name` (a full name), as TF's variable store."""
    if partitioner is not None:
        raise NotImplementedError(f"get_variable({name!r}, partitioner=...): tfgrad_jax does "
                                  "not partition variables (XLA holds each one whole).")
    dtype = dtypes.as_dtype(dtype)
    shape = None if shape is None else as_shape(shape)
    make = lambda: _make_variable(  # noqa: E731
        name, shape, dtype, _explicit_dtype, initializer, regularizer, trainable,
        collections, validate_shape, constraint)
    if graph_mod.current_graph_or_none() is None:
        return make()  # TF 2 eagerly: no store, a new variable on every call
    store = _scope_state().variables
    found = store.get(name)
    if found is not None:
        if reuse is not True and reuse is not AUTO_REUSE:
            raise ValueError(f"Variable {name} already exists, disallowed. Did you mean to set "
                             "reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
        if shape is not None and not shape.is_compatible_with(found.shape):
            raise ValueError(f"Trying to share variable {name}, but specified shape {shape} and "
                             f"found shape {found.shape}.")
        if dtype != found.dtype:
            raise ValueError(f"Trying to share variable {name}, but specified dtype "
                             f"{dtype.name} and found dtype {found.dtype.name}.")
        return found
    if reuse is True:
        raise ValueError(f"Variable {name} does not exist, or was not created with "
                         "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                         "VarScope?")
    store[name] = variable = make()
    return variable


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None):
    """Gets an existing variable or makes a new one, as `tf.compat.v1.get_variable`.

    The full name is the current variable scope's name plus `name`. A new
    variable needs reuse False/None/AUTO_REUSE and no variable of that name
    made by `get_variable` in this graph ("already exists, disallowed"
    ValueError); an existing one is returned under reuse True/AUTO_REUSE
    (ValueError if absent under True, or if `shape`/`dtype` disagree).

    `initializer`: an initializer object or class, a callable (called with the
    shape and dtype), or a value/tensor (then `shape` must not be given);
    default the scope's, else glorot_uniform for floats and zeros for
    integers and bools, as TF. `regularizer` (default the scope's; pass
    `no_regularizer` to drop it) adds its loss to REGULARIZATION_LOSSES.
    `collections` default [GLOBAL_VARIABLES], plus TRAINABLE_VARIABLES if
    `trainable` (default True). `custom_getter` (and the scope's) wrap the
    getter as TF's do. Eagerly, as TF 2, every call makes a new variable.
    `partitioner` raises NotImplementedError: tfgrad_jax does not partition.
    """
    if not isinstance(name, str):
        raise TypeError(f"get_variable: `name` must be a string, got {name!r} of type "
                        f"{type(name).__name__}.")
    if collections is not None and not isinstance(collections, (list, tuple, set)):
        raise ValueError("collections argument to Variable constructor must be a list, tuple, "
                         f"or set. Got {collections} of type {type(collections)}")
    scope = get_variable_scope()
    explicit_dtype = dtype is not None
    kwargs = dict(
        shape=shape, dtype=dtype if explicit_dtype else scope.dtype,
        initializer=initializer if initializer is not None else scope.initializer,
        regularizer=regularizer if regularizer is not None else scope.regularizer,
        reuse=scope.reuse, trainable=True if trainable is None else trainable,
        collections=[GraphKeys.GLOBAL_VARIABLES] if collections is None else collections,
        caching_device=caching_device,
        partitioner=partitioner if partitioner is not None else scope.partitioner,
        validate_shape=validate_shape, use_resource=use_resource,
        constraint=constraint if constraint is not None else scope.constraint,
        synchronization=synchronization, aggregation=aggregation)

    def getter(full_name, *args, **kw):
        return _true_getter(full_name, *args, _explicit_dtype=explicit_dtype, **kw)

    for custom in (scope.custom_getter, custom_getter):  # the argument's is outermost, as TF
        if custom is not None:
            getter = _wrapped(custom, getter)
    return getter(_join(scope.name, name), **kwargs)


def _wrapped(custom_getter, getter):
    def call(full_name, *args, **kwargs):
        return custom_getter(getter, full_name, *args, **kwargs)
    return call


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                       trainable=False, collections=None, caching_device=None,
                       partitioner=None, validate_shape=True, use_resource=None,
                       custom_getter=None, constraint=None, synchronization=None,
                       aggregation=None):
    """`get_variable` for LOCAL_VARIABLES (added to `collections`), not trainable by default."""
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape, dtype, initializer, regularizer, trainable, collections,
                        caching_device, partitioner, validate_shape, use_resource,
                        custom_getter, constraint, synchronization, aggregation)


# ---------------------------------------------------------------------------
# Assignment as functions (TF-1's state_ops).

def _check_variable(ref, what):
    if not variables_mod.is_variable(ref):
        raise TypeError(f"{what}: the variable must be a tf.Variable, got {type(ref).__name__} "
                        f"({ref!r}). tfgrad_jax has no reference tensors.")


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """`ref.assign(value)`, as `tf.compat.v1.assign`: in a graph, a tensor whose fetch runs the
    assignment and gives the new value (TF returns a variable-like object doing the same)."""
    _check_variable(ref, "assign")
    return ref.assign(value, name=name)


def assign_add(ref, value, use_locking=None, name=None):
    """`ref.assign_add(value)`, as `tf.compat.v1.assign_add` (see `assign`)."""
    _check_variable(ref, "assign_add")
    return ref.assign_add(value, name=name)


def assign_sub(ref, value, use_locking=None, name=None):
    """`ref.assign_sub(value)`, as `tf.compat.v1.assign_sub` (see `assign`)."""
    _check_variable(ref, "assign_sub")
    return ref.assign_sub(value, name=name)


def _sparse(indices, updates):
    return IndexedSlices(convert_to_tensor(updates), convert_to_tensor(indices))


def scatter_update(ref, indices, updates, use_locking=True, name=None):
    """Sets the rows `indices` of `ref` to `updates`, as `tf.compat.v1.scatter_update`
    (`ref.scatter_update`; in a graph, a tensor whose fetch runs it: the new value)."""
    _check_variable(ref, "scatter_update")
    return ref.scatter_update(_sparse(indices, updates), name=name)


def scatter_add(ref, indices, updates, use_locking=False, name=None):
    """Adds `updates` to the rows `indices` of `ref`, as `tf.compat.v1.scatter_add`."""
    _check_variable(ref, "scatter_add")
    return ref.scatter_add(_sparse(indices, updates), name=name)


def scatter_sub(ref, indices, updates, use_locking=False, name=None):
    """Subtracts `updates` from the rows `indices` of `ref`, as `tf.compat.v1.scatter_sub`."""
    _check_variable(ref, "scatter_sub")
    return ref.scatter_sub(_sparse(indices, updates), name=name)


# ---------------------------------------------------------------------------
# Whether a session has initialized a variable.

def _not_supplied(*, variable):
    # Only the session knows which variables it holds: it supplies this op's value from
    # its state (`SESSION_SUPPLIED`), as a VarHandleOp's; lowered otherwise, it cannot run.
    raise FailedPreconditionError(
        None, None, f"VarIsInitializedOp for {variable._shared_name}: its value is supplied "
        "by the Session running the graph, and this one does not supply it.")


# TF's op takes the variable's handle; here the variable is an attribute and the op has
# no inputs, so that asking never counts as reading the (maybe uninitialized) variable.
VAR_IS_INITIALIZED = def_op("VarIsInitializedOp", _not_supplied, inputs="",
                            grad=NOT_DIFFERENTIABLE, stateful=True,
                            out_avals=lambda inputs, attrs: jax.ShapeDtypeStruct((), np.bool_))
variables_mod.SESSION_SUPPLIED["VarIsInitializedOp"] = (
    lambda op, state: np.bool_(id(op.get_attr("variable")) in state))


def is_variable_initialized(variable):
    """A scalar bool tensor: has the session running it initialized `variable`?

    As `tf.compat.v1.is_variable_initialized`: in a graph, op VarIsInitializedOp,
    whose value the Session supplies from its own state (two sessions may
    answer differently); eagerly, whether the variable holds a value.
    """
    _check_variable(variable, "is_variable_initialized")
    graph = graph_mod.current_graph_or_none()
    if graph is None or variable.graph is None:
        return EagerTensor(np.bool_(variable._value is not None), dtypes.bool)
    if variable.graph is not graph:
        raise ValueError(f"is_variable_initialized: the variable {variable.name} belongs to "
                         f"another graph than the default graph {graph!r}.")
    return apply_op(VAR_IS_INITIALIZED, [], {"variable": variable}, name="VarIsInitializedOp")


def _report_lowering(*, var_list):
    raise FailedPreconditionError(
        None, None, "ReportUninitializedVariables: its value is supplied by the Session "
        "running the graph (fetch it with Session.run); it cannot be computed in a program.")


def _report_aval(inputs, attrs):
    graph = graph_mod.current_graph_or_none()
    return jax.ShapeDtypeStruct((graph_mod.fresh_symbolic_dim(graph_mod.symbolic_scope(graph)),),
                                np.dtype(object))


# TF builds this from ops (a boolean_mask of the names by VarIsInitializedOp); its value
# is a string tensor, and strings never enter a compiled program here, so the session
# gives the value itself, from its state, when the op is fetched.
REPORT_UNINITIALIZED = def_op("ReportUninitializedVariables", _report_lowering, inputs="",
                              grad=NOT_DIFFERENTIABLE, stateful=True, out_avals=_report_aval)
variables_mod.SESSION_SUPPLIED["ReportUninitializedVariables"] = (
    lambda op, state: _names_array([v for v in op.get_attr("var_list") if id(v) not in state]))


def _names_array(variables):
    names = np.empty(len(variables), dtype=object)
    names[:] = [v._shared_name.encode("utf-8") for v in variables]
    return names


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """The names of the variables of `var_list` not yet initialized, as a 1-D string tensor.

    As `tf.compat.v1.report_uninitialized_variables` (default `var_list`: the
    global and local variables). In a graph the value comes from the session
    that fetches it (a tf.string value cannot enter a compiled program, so it
    can be fetched, not computed on); eagerly every variable holds a value,
    so the result is empty.
    """
    graph = graph_mod.current_graph_or_none()
    if var_list is None:
        var_list = global_variables() + local_variables() if graph is not None else []
    var_list = list(var_list)
    for v in var_list:
        _check_variable(v, "report_uninitialized_variables")
    if graph is None:
        return EagerTensor(_names_array([v for v in var_list if v._value is None]),
                           dtypes.string)
    return apply_op(REPORT_UNINITIALIZED, [], {"var_list": tuple(var_list)}, name=name)