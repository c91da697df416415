"""`tf.Variable`: state, read and assigned eagerly, in tf.function and in TF-1 graphs.

Eagerly a variable holds a `jax.Array`; reading it gives an eager tensor and
assigning it replaces the array.

In a graph, a variable's value is a chain of versions (`Graph.variable_version`):
a `ReadVariableOp` reads one version (an identity), an assignment op takes one
and makes the next. Nothing mutates during lowering, so JAX transforms,
control flow and gradients see plain values:
  * in a `tf.function`, the first version is the variable's value captured as
    an input of the compiled function (never a constant); the last version of
    each variable assigned is an output, written back to the variable after
    the call. Ops run in program order, as TF's automatic control
    dependencies make them. A branch or loop body that assigns a variable
    passes its last version out (a loop carries it as loop state);
  * in a TF-1 graph, the first version is a `VarHandleOp` whose value the
    Session supplies from its own state on every run; assignments that run
    update that state.

Gradients with respect to a variable sum over its reads (TF differentiates
with respect to the resource, every read of it); assignments pass no gradient.
"""

import itertools

import jax
import jax.numpy as jnp
import numpy as np

from tfgrad_jax.framework import nest
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.errors import FailedPreconditionError
from tfgrad_jax.framework.indexed_slices import IndexedSlices
from tfgrad_jax.framework.op_def import (NOT_DIFFERENTIABLE, apply_op, convert_to_tensor, def_op,
                                         public)
from tfgrad_jax.framework.tensor import EagerTensor, Reference, SymbolicTensor
from tfgrad_jax.framework.tensor_shape import as_shape


# ---------------------------------------------------------------------------
# The ops. A version is an ordinary tensor of the variable's dtype and shape.

def _uninitialized(*, name):
    raise FailedPreconditionError(
        None, None, f"Could not find variable {name}. This could mean that the variable has "
        "been deleted. In TF1, it can also mean the variable is uninitialized.")


# The value a TF-1 graph's variable has when a session run starts (the session passes it).
VAR_HANDLE = def_op("VarHandleOp", _uninitialized, inputs="", grad=NOT_DIFFERENTIABLE,
                    stateful=True, out_avals=lambda inputs, attrs: jax.ShapeDtypeStruct(
                        attrs["shape"], attrs["dtype"].as_numpy_dtype))
READ_VARIABLE = def_op("ReadVariableOp", lambda resource: resource, "resource",
                       stateful=True)
ASSIGN_VARIABLE = def_op("AssignVariableOp", lambda resource, value: value,
                         "resource: T, value: T", grad=NOT_DIFFERENTIABLE, stateful=True)
ASSIGN_ADD_VARIABLE = def_op("AssignAddVariableOp", lambda resource, value: resource + value,
                             "resource: T, value: T", grad=NOT_DIFFERENTIABLE, stateful=True)
ASSIGN_SUB_VARIABLE = def_op("AssignSubVariableOp", lambda resource, value: resource - value,
                             "resource: T, value: T", grad=NOT_DIFFERENTIABLE, stateful=True)


def _scatter(update):
    def lowering(resource, indices, updates):
        return update(resource.at[indices], updates)
    return lowering


RESOURCE_SCATTER_UPDATE = def_op("ResourceScatterUpdate", _scatter(lambda at, u: at.set(u)),
                                 "resource: T, indices, updates: T", grad=NOT_DIFFERENTIABLE,
                                 stateful=True)
RESOURCE_SCATTER_ADD = def_op("ResourceScatterAdd", _scatter(lambda at, u: at.add(u)),
                              "resource: T, indices, updates: T", grad=NOT_DIFFERENTIABLE,
                              stateful=True)
RESOURCE_SCATTER_SUB = def_op("ResourceScatterSub", _scatter(lambda at, u: at.add(-u)),
                              "resource: T, indices, updates: T", grad=NOT_DIFFERENTIABLE,
                              stateful=True)

ASSIGN_OPS = frozenset(op.type for op in (ASSIGN_VARIABLE, ASSIGN_ADD_VARIABLE,
                                          ASSIGN_SUB_VARIABLE, RESOURCE_SCATTER_UPDATE,
                                          RESOURCE_SCATTER_ADD, RESOURCE_SCATTER_SUB))

# Op types whose value the Session supplies from its own variable state, as it supplies a
# VarHandleOp's: op type -> fn(op, state) -> numpy value, `state` being the session's
# {id(variable): (variable, value)}. (VarIsInitializedOp registers itself here.)
SESSION_SUPPLIED = {}


# ---------------------------------------------------------------------------
# Variable creation inside tf.function (TF's "singleton variables" rule).

class _CreationPolicy:
    """Whether the tf.function being traced may create variables (its first trace only)."""

    stack = []  # one entry per tf.function trace in progress: a list of created variables,
    #             or None where creating one is an error


def creating_variables(created):
    """Within the block, variables made while tracing are allowed and collected."""
    return graph_mod._pushed(_CreationPolicy.stack, created)


def not_creating_variables():
    return graph_mod._pushed(_CreationPolicy.stack, None)


def created_so_far():
    """The variables created by the innermost trace that may create them (else [])."""
    return (_CreationPolicy.stack[-1] or []) if _CreationPolicy.stack else []


_SINGLETON_ERROR = ("tf.function only supports singleton tf.Variables created on the first "
                    "call. Make sure the tf.Variable is only created once or created outside "
                    "tf.function. See https://www.tensorflow.org/guide/function#creating_"
                    "tfvariables for more information.")


# ---------------------------------------------------------------------------
# tf.Variable.

_eager_uid = itertools.count()


class Variable:
    """A mutable tensor, as `tf.Variable` (TF 2's resource variable).

    `initial_value` is a value or a callable; `dtype` converts it; `shape`
    (default: the initial value's) may be less specific (`None` dims), as TF's.
    `trainable`, `name` (`Variable:0`; unique in a TF-1 graph as TF makes it),
    `validate_shape` and `constraint` (kept for optimizers, not applied on
    assignment, as TF) are accepted.
    """

    _is_variable = True
    __array_priority__ = 100

    def __init__(self, initial_value=None, trainable=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 import_scope=None, constraint=None, synchronization=None, aggregation=None,
                 shape=None, experimental_enable_variable_lifting=True):
        if initial_value is None:
            raise ValueError("The `initial_value` arg (None) must be specified as a `Tensor` "
                             "or be convertible to a `Tensor`.")
        if constraint is not None and not callable(constraint):
            raise ValueError(f"Argument `constraint` must be None or a callable. a callable "
                             f"is got while a {type(constraint)} is received.")
        self._trainable = True if trainable is None else bool(trainable)
        self._constraint = constraint
        self._validate_shape = validate_shape
        graph = graph_mod.current_graph_or_none()
        self._graph = None
        self._value = None
        self._initializer_op = None
        policy = _CreationPolicy.stack[-1] if _CreationPolicy.stack else False
        if graph is not None and graph.building_function:
            if policy is None or policy is False:
                raise ValueError(_SINGLETON_ERROR)
            self._init_in_function(initial_value, dtype, shape, name, graph)
            policy.append(self)
        elif graph is not None:
            self._init_in_graph(initial_value, dtype, shape, name, graph)
        else:
            self._init_eagerly(initial_value, dtype, shape, name)

    # -- the three ways of coming into being ---------------------------------
    @staticmethod
    def _initial_array(initial_value, dtype):
        if callable(initial_value):
            initial_value = initial_value()
        if hasattr(initial_value, "_as_tensor"):  # another variable
            initial_value = initial_value._as_tensor()
        return convert_to_tensor(initial_value, dtype=dtype, name="initial_value")

    def _set_spec(self, value, shape, name, scope=None):
        self._dtype = value.dtype
        self._shape = value.shape if shape is None else as_shape(shape)
        if self._validate_shape and not self._shape.is_compatible_with(value.shape):
            raise ValueError(f"The initial value's shape ({value.shape}) is not compatible with "
                             f"the explicitly supplied `shape` argument ({self._shape}).")
        base = name if name is not None else "Variable"
        self._shared_name = base.rstrip("/") or "Variable"
        if self._graph is None:  # not a TF-1 graph's: named in the scopes around it, as TF
            self._shared_name = (graph_mod._state.eager_name_scope if scope is None else
                                 scope) + self._shared_name

    def _init_eagerly(self, initial_value, dtype, shape, name, scope=None):
        with graph_mod.eager_scope():
            value = self._initial_array(initial_value, dtype)
        self._set_spec(value, shape, name, scope)
        self._name = self._shared_name + ":0"
        self._value = value._value
        self._unique_id = next(_eager_uid)

    def _init_in_function(self, initial_value, dtype, shape, name, graph):
        # Made on the first trace of a tf.function: the variable itself lives outside.
        # A value known without the function's inputs initializes it at once; one that
        # needs them is this trace's first version of the variable, written back when
        # the traced function first runs (TF lifts the initializer the same way).
        # Named in the function's name scopes, as TF names it.
        scope = graph.get_name_scope() + "/" if graph.get_name_scope() else ""
        try:
            with graph_mod.eager_scope():
                value = self._initial_array(initial_value, dtype)
        except TypeError:  # a graph tensor of the function being traced
            value = None
        if value is not None and not isinstance(value, SymbolicTensor):
            self._init_eagerly(value, dtype, shape, name, scope)
            return
        value = self._initial_array(initial_value, dtype)
        self._set_spec(value, shape, name, scope)
        self._name = self._shared_name + ":0"
        self._unique_id = next(_eager_uid)
        graph._variables[id(self)] = [self, [value]]
        graph._assigned[id(self)] = self

    def _init_in_graph(self, initial_value, dtype, shape, name, graph):
        with graph.name_scope(name or "Variable") as scope:
            self._shared_name = scope.rstrip("/")
            self._graph = graph
            with graph.name_scope("Initializer"):  # where TF builds the initial value
                value = self._initial_array(initial_value, dtype)
            self._set_spec(value, shape, self._shared_name)
            self._name = self._shared_name + ":0"
            handle = graph.variable_version(self)
            self._initial_value = value
            new = apply_op(ASSIGN_VARIABLE, [handle, value], name="Assign")
            graph.set_variable_version(self, new)
            self._initializer_op = new.op
            with graph.name_scope("Read"):  # TF-1's `value()`: the value at the run's start
                self._snapshot = apply_op(READ_VARIABLE, [handle], name="ReadVariableOp")
        graph._assigned.pop(id(self), None)  # the initializer runs only when asked for
        for key in self._graph_collections():
            graph.add_to_collection(key, self)

    def _graph_collections(self):
        """The TF-1 collections a graph's variable joins (`compat.v1.Variable` takes a list)."""
        return ["variables"] + (["trainable_variables"] if self._trainable else [])

    def _handle_in(self, graph):
        """The first version of this variable in a TF-1 graph: its handle op."""
        if self._graph is not graph:
            raise ValueError(f"The variable {self.name} belongs to another graph; it cannot be "
                             f"used in {graph!r}.")
        with graph.as_default(), graph.name_scope(self._shared_name + "/"):
            return apply_op(VAR_HANDLE, [], {"name": self._shared_name, "dtype": self._dtype,
                                             "shape": tuple(self._aval.shape)},
                            name=self._shared_name + "/")

    # -- properties ------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    @property
    def trainable(self):
        return self._trainable

    @property
    def constraint(self):
        return self._constraint

    @property
    def graph(self):
        return self._graph

    @property
    def op(self):
        """The variable's handle op (VarHandleOp) in its TF-1 graph, as TF's `Variable.op`."""
        if self._graph is None:
            raise AttributeError("Tensor.op is undefined when eager execution is enabled.")
        return self._graph.variable_versions(self)[0].op

    @property
    def device(self):
        if self._value is None:
            return ""
        device = next(iter(self._value.devices()))
        return f"/job:localhost/replica:0/task:0/device:{device.platform.upper()}:{device.id}"

    @property
    def initializer(self):
        """The op that initializes the variable (TF-1 graphs), run with `Session.run`."""
        return self._initializer_op

    @property
    def initial_value(self):
        return getattr(self, "_initial_value", None)

    @property
    def _aval(self):
        if self._value is not None:
            return jax.ShapeDtypeStruct(self._value.shape, self._value.dtype)
        return jax.ShapeDtypeStruct(tuple(self._shape.as_list()), self._dtype.as_numpy_dtype)

    # -- reading -----------------------------------------------------------
    def _graph_or_none(self):
        return graph_mod.current_graph_or_none()

    def read_value(self):
        """The variable's value now: an eager tensor, or a ReadVariableOp in a graph."""
        graph = self._graph_or_none()
        if graph is None:
            if self._value is None:
                raise FailedPreconditionError(None, None, f"Variable {self.name} is not "
                                              "initialized.")
            tensor = EagerTensor(self._value, self._dtype)
            from tfgrad_jax import tape as tape_mod
            tape_mod.record_read(self, tensor)
            return tensor
        out = apply_op(READ_VARIABLE, [graph.variable_version(self)], name="ReadVariableOp")
        from tfgrad_jax import tape as tape_mod
        tape_mod.record_read(self, out)
        return out

    def value(self):
        """The variable's value as a tensor; in its TF-1 graph, the snapshot every use of
        the variable shares (`Variable/Read/ReadVariableOp`), as TF-1."""
        graph = self._graph_or_none()
        if graph is not None and graph is self._graph:
            return self._snapshot
        return self.read_value()

    def _as_tensor(self):
        return self.value()

    def numpy(self):
        if self._value is None:
            raise FailedPreconditionError(None, None, f"Variable {self.name} is not "
                                          "initialized.")
        value = np.array(self._value)
        return value[()] if value.ndim == 0 else value

    def eval(self, session=None):
        """The value in `session` (default: the default session). A TF-1 graph's variable
        fetches its one snapshot, so repeated evals add no ops to the graph."""
        if self._graph is not None:
            return self._snapshot.eval(session=session)
        return self.read_value().eval(session=session)

    def load(self, value, session=None):
        """Writes `value` into the variable in `session`, as TF-1's `Variable.load`: it
        runs the initializer with `value` fed for the initial value. Eagerly, `assign`."""
        if self._graph is None:
            self.assign(value)
            return
        session = session or graph_mod.get_default_session()
        if session is None:
            raise ValueError("Either session argument should be provided or default session "
                             "should be established")
        session.run(self._initializer_op, {self._initializer_op.inputs[1]: value})

    def __array__(self, dtype=None, copy=None):
        value = self.numpy()
        return np.asarray(value) if dtype is None else np.asarray(value, dtype)

    # -- assigning -----------------------------------------------------------
    def _assign(self, opdef, value, name, read_value, what):
        graph = self._graph_or_none()
        value = convert_to_tensor(value, dtype=self._dtype)
        if not self._shape.is_compatible_with(value.shape):
            raise ValueError(f"Cannot assign value to variable ' {self.name}': Shape mismatch."
                             f"The variable shape {self._shape}, and the assigned value shape "
                             f"{value.shape} are incompatible.")
        if graph is None:
            if self._value is None and opdef is not ASSIGN_VARIABLE:
                raise FailedPreconditionError(None, None, f"Variable {self.name} is not "
                                              "initialized.")
            current = self._value if self._value is not None else value._value
            self._value = jnp.asarray(opdef.lower(current, value._value)).astype(
                self._dtype.as_numpy_dtype)
            return self if read_value else None
        new = apply_op(opdef, [graph.variable_version(self), value], name=name or what)
        graph.set_variable_version(self, new)
        return self._assigned_result(graph, new, read_value)

    def _assigned_result(self, graph, new, read_value):
        # TF 2 returns the variable (read later, in program order); a TF-1 graph the new
        # value, a tensor that runs the assignment when fetched; read_value=False the op.
        if not read_value:
            return new.op
        if graph.building_function:
            return self
        return apply_op(READ_VARIABLE, [new], name="ReadVariableOp")

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Sets the value (same dtype, compatible shape); returns the variable, as TF 2."""
        return self._assign(ASSIGN_VARIABLE, value, name, read_value, "AssignVariableOp")

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._assign(ASSIGN_ADD_VARIABLE, delta, name, read_value, "AssignAddVariableOp")

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._assign(ASSIGN_SUB_VARIABLE, delta, name, read_value, "AssignSubVariableOp")

    def _scatter(self, opdef, sparse_delta, name, what):
        if not isinstance(sparse_delta, IndexedSlices):
            raise TypeError(f"sparse_delta is not IndexedSlices: {sparse_delta}")
        graph = self._graph_or_none()
        indices = convert_to_tensor(sparse_delta.indices)
        updates = convert_to_tensor(sparse_delta.values, dtype=self._dtype)
        if graph is None:
            self._value = opdef.lower(self._value, indices._value, updates._value)
            return self
        new = apply_op(opdef, [graph.variable_version(self), indices, updates],
                       name=name or what)
        graph.set_variable_version(self, new)
        return self._assigned_result(graph, new, True)

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        """Replaces the rows `sparse_delta.indices` with `sparse_delta.values`."""
        return self._scatter(RESOURCE_SCATTER_UPDATE, sparse_delta, name,
                             "ResourceScatterUpdate")

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        return self._scatter(RESOURCE_SCATTER_ADD, sparse_delta, name, "ResourceScatterAdd")

    def scatter_sub(self, sparse_delta, use_locking=False, name=None):
        return self._scatter(RESOURCE_SCATTER_SUB, sparse_delta, name, "ResourceScatterSub")

    # -- as a tensor -----------------------------------------------------------
    def __getitem__(self, key):
        return self.read_value()[key]

    def __bool__(self):
        return bool(self.read_value())

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def __index__(self):
        return int(self.numpy())

    def __iter__(self):
        return iter(self.read_value())

    def ref(self):
        """A hashable reference to this variable (`Variable.ref()`)."""
        return Reference(self)

    experimental_ref = ref

    def __hash__(self):
        if graph_mod.executing_eagerly_outside_functions():
            raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key. "
                            f"(Variable: {self!r})")
        return id(self)

    def __eq__(self, other):
        if graph_mod.executing_eagerly_outside_functions():
            from tfgrad_jax.ops import math_ops
            return math_ops.equal(self, other)
        return self is other

    def __ne__(self, other):
        if graph_mod.executing_eagerly_outside_functions():
            from tfgrad_jax.ops import math_ops
            return math_ops.not_equal(self, other)
        return self is not other

    def _tf_function_key(self, arrays):
        """How tf.function keys a variable argument: its dtype and shape (TF's VariableSpec)."""
        arrays.append(self)
        return ("Var", tuple(self._shape.as_list()) if self._shape.rank is not None else None,
                self._dtype.name)

    def __repr__(self):
        if self._value is not None and graph_mod.executing_eagerly():
            from tfgrad_jax.framework.tensor import _numpy_text
            return (f"<tf.Variable '{self.name}' shape={self._shape} dtype={self._dtype.name}, "
                    f"numpy={_numpy_text(self.numpy(), True)}>")
        return f"<tf.Variable '{self.name}' shape={self._shape} dtype={self._dtype.name}>"


def _install_operators():
    from tfgrad_jax.ops import math_ops
    math_ops.install_operators(Variable)


_install_operators()
public(READ_VARIABLE, ASSIGN_VARIABLE, ASSIGN_ADD_VARIABLE, ASSIGN_SUB_VARIABLE,
       RESOURCE_SCATTER_UPDATE, RESOURCE_SCATTER_ADD, RESOURCE_SCATTER_SUB,
       VAR_HANDLE)(Variable)


def is_variable(value):
    return getattr(value, "_is_variable", False)


def flatten_variables(structure):
    return [v for v in nest.flatten(structure) if is_variable(v)]
