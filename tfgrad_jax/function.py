"""`tf.function`: trace once per input signature, lower with one interpreter, jit.

A call looks up the traced `ConcreteFunction` for the call's signature (the
shapes and dtypes of tensor arguments, the values of Python arguments) as TF
does; a new signature traces the Python function into a `FuncGraph`. The
graph is lowered once into a JAX function and compiled with `jax.jit`, which
caches the XLA executable: a second call neither retraces nor re-lowers.

Called while another graph is being built (a tf.function inside a
tf.function, or inside `tf.Graph().as_default()`), the function is traced
into its own FuncGraph (cached, with its own tracing count, as in TF) and
called through one `PartitionedCall` op, which carries that graph. Its
lowering lowers the called graph in place; tf.gradients sees through it.
A trace that captured only values (eager tensors, random counters) is
reused by every graph that calls the function; one that captured a tensor
of the calling graph is kept on that graph.
"""

import functools
import inspect
import itertools
import logging
import weakref

import jax
import numpy as np
from jax import export as jax_export

from tfgrad_jax.framework import lowering
from tfgrad_jax.framework import dtypes, nest
from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework.errors import FailedPreconditionError
from tfgrad_jax.framework.func_graph import FuncGraph, is_stateful
from tfgrad_jax.framework.indexed_slices import IndexedSlices
from tfgrad_jax.framework.op_def import (apply_op, def_op, inaccessible_tensor_error,
                                         make_placeholder)
from tfgrad_jax.framework.program import Program
from tfgrad_jax.framework.tensor import EagerTensor, SymbolicTensor, Tensor, to_numpy
from tfgrad_jax.framework.tensor_shape import TensorShape
from tfgrad_jax.framework.tensor_spec import TensorSpec
from tfgrad_jax.ops import variables


class ConcreteFunction:
    """One traced signature of a tf.function: its graph, lowered and jit-compiled.

    `graph` is the FuncGraph; `as_jaxpr()`, `as_hlo_text()` and
    `compiled_hlo_text()` show what JAX and XLA make of it.
    """

    def __init__(self, graph, structured_outputs, output_leaves, input_specs):
        self.graph = graph
        self.structured_outputs = structured_outputs
        self._input_specs = input_specs
        # Flat outputs: tensors go through the compiled function, anything
        # else (Python values, None) is returned as it was.
        self._output_leaves = output_leaves
        self._output_tensors = [t for leaf in output_leaves for t in _leaf_tensors(leaf)]
        self._output_dtypes = [t.dtype for t in self._output_tensors]
        self._single_output = (len(output_leaves) == 1 and structured_outputs is output_leaves[0]
                               and isinstance(structured_outputs, Tensor))
        graph.outputs = list(self._output_tensors)
        self._captured = graph.external_captures
        self._all_inputs = graph.inputs + graph.internal_captures
        self.lowering_count = 0
        # State: each variable assigned in the function comes out as an extra output,
        # written back after the call (to the variable passed, for a variable argument).
        assigned = graph.assigned_variables()
        arg_positions = getattr(graph, "_variable_args", {})
        self._state_targets = [arg_positions.get(id(v), v) for v, _ in assigned]
        self._has_variable_args = bool(arg_positions)
        self._initializing = None  # a first trace that creates variables, run once (Function)
        # Ops that act (an Assert, a print in a loop) run on every call, as TF's
        # automatic control dependencies make them.
        self._lowered = lowering.lower(self._all_inputs,
                                       self._output_tensors + [t for _, t in assigned],
                                       lowering.effect_ops(graph))
        lowered = self._lowered

        def jax_function(*arrays):
            self.lowering_count += 1  # runs only when JAX traces (new shapes)
            return lowered(*arrays)

        self._jax_function = jax_function
        self._program = Program(jax_function, data_dependent=lowered.data_dependent)

    @property
    def inputs(self):
        return list(self._all_inputs)

    @property
    def outputs(self):
        return list(self._output_tensors)

    @property
    def captured_inputs(self):
        return list(self._captured)

    @property
    def structured_input_signature(self):
        return self._input_specs

    def _capture_values(self):
        return [_captured_value(c) for c in self._captured]

    def _call_flat(self, arrays):
        passed = arrays
        if self._has_variable_args:  # variables given as arguments: their values go in
            arrays = [_captured_value(a) if getattr(a, "_is_variable", False) else a
                      for a in arrays]
        if self._captured:
            arrays = list(arrays) + self._capture_values()
        results = self._program(*arrays)
        if self._state_targets:
            n = len(self._output_dtypes)
            for target, value in zip(self._state_targets, results[n:]):
                (passed[target] if isinstance(target, int) else target)._value = value
        if self._single_output:  # the common case, without a pass over the structure
            return EagerTensor(results[0], self._output_dtypes[0])
        it = iter(EagerTensor(v, d) for v, d in zip(results, self._output_dtypes))
        flat = [_rebuild_leaf(leaf, it) for leaf in self._output_leaves]
        return nest.pack_sequence_as(self.structured_outputs, flat)

    def __call__(self, *args):
        """Calls the traced graph with tensors for its (flattened) tensor inputs."""
        flat = [a for a in nest.flatten(list(args))]
        if len(flat) != len(self.graph.inputs):
            raise TypeError(f"This ConcreteFunction takes {len(self.graph.inputs)} tensor "
                            f"arguments, got {len(flat)}.")
        arrays = []
        for a, ph in zip(flat, self.graph.inputs):
            value = a._value if isinstance(a, EagerTensor) else to_numpy(a, ph.dtype)
            if not ph.shape.is_compatible_with(TensorShape(np.shape(value))):
                raise ValueError(f"Argument for {ph.op.name} has shape {np.shape(value)}, "
                                 f"expected {ph.shape}.")
            arrays.append(value)
        return self._call_flat(arrays)

    def _abstract_inputs(self, args):
        if args:
            return [jax.ShapeDtypeStruct(np.shape(a), _array_dtype(a)) for a in args] + [
                jax.ShapeDtypeStruct(c.shape, c.dtype.as_numpy_dtype) for c in self._captured]
        return [t._aval for t in self._all_inputs]

    def as_jaxpr(self, *args):
        """The jaxpr JAX traces from the graph (symbolic dims stay symbolic)."""
        # A new function each time: JAX would return the jaxpr it traced before, which
        # does not show a change of tf.config.experimental.enable_runtime_checks.
        return jax.make_jaxpr(lambda *a: self._lowered(*a))(*self._abstract_inputs(args))

    def as_hlo_text(self, *args):
        """The StableHLO module handed to XLA, before optimisation."""
        return self._program.lower(*self._abstract_inputs(args)).as_text()

    def compiled_hlo_text(self, *args):
        """The HLO XLA runs after optimisation (needs concrete shapes for None dims)."""
        return self._program.lower(*self._abstract_inputs(args)).compile().as_text()

    def pretty_printed_signature(self):
        ins = ", ".join(f"{ph.op.name}: {ph.dtype.name}{list(ph.shape) if ph.shape.rank is not None else '*'}"
                        for ph in self.graph.inputs)
        outs = ", ".join(f"{t.dtype.name}{list(t.shape)}" for t in self._output_tensors)
        return f"({ins}) -> ({outs})"

    def __repr__(self):
        return f"<ConcreteFunction {self.graph.name}{self.pretty_printed_signature()}>"

    def _repr_html_(self):
        """Jupyter: the function's graph as an SVG picture (not in TF)."""
        from tfgrad_jax import visual
        return visual.show(self)._repr_html_()


def _captured_value(value):
    """The array passed for a captured eager tensor, variable or random-op counter."""
    if isinstance(value, EagerTensor):
        return value._value
    if getattr(value, "_is_variable", False):
        if value._value is None:
            raise FailedPreconditionError(None, None, f"Variable {value.name} is used by a "
                                          "tf.function before it is initialized.")
        return value._value
    return value.read_value()._value


def _array_dtype(a):
    if isinstance(a, Tensor):
        return a.dtype.as_numpy_dtype
    return np.asarray(a).dtype


_scope_counter = itertools.count()

# ---------------------------------------------------------------------------
# TF's warnings and switches around tf.function calls.

_run_eagerly = [False]
_logger = logging.getLogger("tfgrad_jax")


def run_functions_eagerly(run_eagerly):
    """Makes every tf.function run its Python function eagerly, as
    `tf.config.run_functions_eagerly` (for debugging)."""
    _run_eagerly[0] = bool(run_eagerly)


def functions_run_eagerly():
    """Whether `run_functions_eagerly(True)` is in effect."""
    return _run_eagerly[0]


class _TracingDetector:
    """TF's warning when recent calls of a function retrace too often.

    As TF 2.21: over the last 10 calls (counted in whole tracing calls), 5
    or more tracing calls warn, at most twice per Python function; every
    tf.function made from the same Python function shares the count.
    """

    __slots__ = ("calls_per_tracing", "calls", "warnings")

    def __init__(self):
        self.calls_per_tracing, self.calls, self.warnings = [], 0, 0

    def called(self, traced, python_function):
        self.calls += 1
        if not traced:
            if not self.calls_per_tracing:
                self.calls_per_tracing = [0]
            self.calls_per_tracing[-1] += 1
            return
        self.calls_per_tracing.append(1)
        while self.calls_per_tracing and self.calls - self.calls_per_tracing[0] > 10:
            self.calls -= self.calls_per_tracing.pop(0)
        if self.warnings < 2 and len(self.calls_per_tracing) >= 5:
            self.warnings += 1
            _logger.warning(
                f"{len(self.calls_per_tracing)} out of the last {self.calls} calls to "
                f"{python_function} triggered tf.function retracing. Tracing is expensive and "
                "the excessive number of tracings could be due to (1) creating @tf.function "
                "repeatedly in a loop, (2) passing tensors with different shapes, (3) passing "
                "Python objects instead of tensors. For (1), please define your @tf.function "
                "outside of the loop. For (2), @tf.function has reduce_retracing=True option "
                "that can avoid unnecessary retracing. For (3), please refer to "
                "https://www.tensorflow.org/guide/function#controlling_retracing and "
                "https://www.tensorflow.org/api_docs/python/tf/function for  more details.")


_detectors = weakref.WeakKeyDictionary()


def _tracing_detector(python_function):
    target = getattr(python_function, "__func__", python_function)  # methods: the function
    target = getattr(target, "__wrapped__", target)
    try:
        detector = _detectors.get(target)
        if detector is None:
            detector = _detectors[target] = _TracingDetector()
    except TypeError:  # not weakly referenceable: no warning
        return _TracingDetector()
    return detector


class _Tracer:
    """Encodes call arguments as a cache key and builds placeholders for them."""

    def __init__(self, param_names):
        self.param_names = param_names

    @staticmethod
    def encode(x, arrays):
        """A hashable key for one argument; tensor values are appended to `arrays`."""
        # Dtypes enter keys by name: hashing a str is C code, DType.__hash__ is Python.
        if isinstance(x, EagerTensor):
            arrays.append(x._value)
            return ("T", x._value.shape, x._dtype.name)
        if isinstance(x, (np.ndarray, np.generic)):
            arrays.append(x)
            return ("T", x.shape, dtypes.as_dtype(x.dtype).name)
        if isinstance(x, TensorSpec):
            return ("S", x.shape, x.dtype)
        if isinstance(x, (list, tuple)):  # a list, not a generator: this runs on every call
            return (type(x), tuple([_Tracer.encode(v, arrays) for v in x]))
        if isinstance(x, dict):
            return (type(x), tuple((k, _Tracer.encode(x[k], arrays)) for k in sorted(x)))
        if isinstance(x, SymbolicTensor):
            raise TypeError(f"A symbolic tensor ({x.name}) was passed to a tf.function called "
                            "eagerly; it belongs to a graph that is not being built.")
        if hasattr(x, "_tf_function_key"):
            return x._tf_function_key(arrays)
        try:
            hash(x)
        except TypeError:
            return ("O", id(x))
        if isinstance(x, (bool, int, float)):
            # TF's Literal trace type: equal values share a trace (2 and 2.0, 1 and
            # True), and NaN matches NaN.
            return ("V", "nan") if x != x else ("V", x)
        return ("V", type(x), x)

    @staticmethod
    def encode_args(args, arrays):
        """`encode(args, arrays)` for a tuple, eager tensors inlined: the per-call hot path."""
        parts = []
        for x in args:
            if type(x) is EagerTensor:
                value = x._value
                arrays.append(value)
                parts.append(("T", value.shape, x._dtype.name))
            else:
                parts.append(_Tracer.encode(x, arrays))
        return (type(args), tuple(parts))


def _placeholders_for(structure, graph, names, symbolic_scope):
    """Replaces tensor leaves (and TensorSpecs) by placeholders named after the arguments."""
    counter = {}

    def make(leaf, base):
        aval = None
        if getattr(leaf, "_is_variable", False):  # a variable argument: its value goes in
            ph = make_placeholder(graph, leaf.dtype, leaf._aval, base, leaf.shape)
            graph._variable_args = getattr(graph, "_variable_args", {})
            graph._variable_args[id(leaf)] = len(graph.inputs)
            graph.inputs.append(ph)
            graph._variables[id(leaf)] = [leaf, [ph]]
            return leaf
        if isinstance(leaf, SymbolicTensor):  # a call from another graph
            dtype, shape, aval = leaf.dtype, leaf.shape, leaf._aval
        elif isinstance(leaf, TensorSpec):
            dtype, shape = leaf.dtype, leaf.shape
        elif isinstance(leaf, (EagerTensor, np.ndarray, np.generic)):
            dtype = leaf.dtype if isinstance(leaf, EagerTensor) else dtypes.as_dtype(leaf.dtype)
            shape = TensorShape(leaf.shape)
        else:
            return leaf
        n = counter.get(base, 0)
        counter[base] = n + 1
        name = base if n == 0 else f"{base}_{n}"
        if aval is None and shape.rank is None:  # traced once; each call compiles per shape
            aval = graph_mod.UnknownRankAval(dtype.as_numpy_dtype)
        if aval is None:
            if shape.is_fully_defined():
                dims = tuple(shape.as_list())
            else:
                text = ", ".join(f"d{next(_scope_counter)}" if d is None else str(d)
                                 for d in shape)
                dims = jax_export.symbolic_shape(text, scope=symbolic_scope)
            aval = jax.ShapeDtypeStruct(dims, dtype.as_numpy_dtype)
        placeholder = make_placeholder(graph, dtype, aval, name, shape)
        graph.inputs.append(placeholder)
        return placeholder

    def walk(x, base):
        if isinstance(x, (list, tuple)) and not isinstance(x, TensorSpec):
            items = [walk(v, base) for v in x]
            return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
        if isinstance(x, dict):
            return type(x)((k, walk(x[k], base)) for k in sorted(x))
        return make(x, base)

    return [walk(v, n) for v, n in zip(structure, names)]


class Function:
    """A Python function traced and compiled per input signature, as `tf.function`."""

    def __init__(self, python_function, input_signature=None, autograph=True,
                 jit_compile=None, reduce_retracing=False, name=None, **legacy_options):
        self._python_function = python_function
        self._autograph = autograph
        self._name = name or getattr(python_function, "__name__", "function")
        self._input_signature = (None if input_signature is None else
                                 _check_input_signature(input_signature))
        self._jit_compile = jit_compile
        self._reduce_retracing = reduce_retracing
        self._cache = {}
        self._graph_traces = {}  # traces used by other graphs (PartitionedCall)
        self._tracing_count = 0
        self._traced_once = False
        self._detector = None  # TF's retracing warning (shared per Python function)
        self._descriptor_cache = weakref.WeakKeyDictionary()
        try:
            self._signature = inspect.signature(python_function)
        except (TypeError, ValueError):
            self._signature = None
        functools.update_wrapper(self, python_function)

    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    def experimental_get_tracing_count(self):
        """How many times the Python function has been traced (TF's counter)."""
        return self._tracing_count

    def __get__(self, instance, owner):
        if instance is None:
            return self
        try:
            bound = self._descriptor_cache.get(instance)
        except TypeError:
            bound = None
        if bound is None:
            bound = Function(self._python_function.__get__(instance, owner),
                             self._input_signature, autograph=self._autograph,
                             jit_compile=self._jit_compile,
                             name=self._name)
            try:
                self._descriptor_cache[instance] = bound
            except TypeError:
                pass
        return bound

    def _canonical_args(self, args, kwargs):
        if not kwargs or self._signature is None:
            return args, kwargs
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{self._name}(): {e}") from None
        return bound.args, bound.kwargs

    def _param_names(self, n_args, kwargs):
        names = []
        if self._signature is not None:
            params = [p for p in self._signature.parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
            for i in range(n_args):
                if i < len(params) and params[i].kind != params[i].VAR_POSITIONAL:
                    names.append(params[i].name)
                else:
                    names.append(f"args_{i}")
        else:
            names = [f"args_{i}" for i in range(n_args)]
        return names + list(sorted(kwargs))

    def __call__(self, *args, **kwargs):
        if not graph_mod.executing_eagerly():
            return self._call_in_graph(args, kwargs)
        if _run_eagerly[0]:  # tf.config.run_functions_eagerly(True)
            return self._python_function(*args, **kwargs)
        traced = self._tracing_count
        if self._input_signature is not None:
            concrete, arrays = self._signature_call(args, kwargs)
        else:
            args, kwargs = self._canonical_args(args, kwargs)
            arrays = []
            key = (_Tracer.encode_args(args, arrays), _Tracer.encode(kwargs, arrays)
                   if kwargs else None)
            concrete = self._cache.get(key)
            if concrete is None:
                concrete = self._trace(args, kwargs)
                self._cache[key] = concrete
        if self._detector is None:
            self._detector = _tracing_detector(self._python_function)
        self._detector.called(self._tracing_count != traced, self._python_function)
        if concrete._initializing is not None:  # the first call creates the variables
            concrete._initializing, first = None, concrete._initializing
            return first._call_flat(arrays)
        return concrete._call_flat(arrays)

    def _signature_call(self, args, kwargs):
        args, kwargs = self._canonical_args(args, kwargs)
        if kwargs:
            raise TypeError(f"{self._name}() with an input_signature takes positional tensor "
                            f"arguments only, got keyword arguments {sorted(kwargs)}.")
        def fail(why):
            return TypeError(f"Binding inputs to tf.function `{self._name}` failed due to "
                             f"`{why}`. Received args: {args!r} and kwargs: {kwargs!r} for "
                             f"signature: {self._input_signature!r}.")

        if len(args) > len(self._input_signature):
            raise fail("too many positional arguments")
        if len(args) < len(self._input_signature):
            raise fail("missing a required argument")
        # A TensorSpec takes one value, which may itself be a (nested) Python list.
        pairs = []
        for a, spec in zip(args, self._input_signature):
            try:
                pairs.extend(_flatten_up_to(spec, a))
            except (TypeError, ValueError) as e:
                raise fail(str(e)) from None
        arrays = []
        for a, spec in pairs:
            if isinstance(a, EagerTensor):
                if a.dtype != spec.dtype or not spec.shape.is_compatible_with(a.shape):
                    raise fail(f"Can not cast {TensorSpec(a.shape, a.dtype)} to {spec}")
                arrays.append(a._value)
            else:
                try:
                    value = to_numpy(a, spec.dtype)
                except (TypeError, ValueError) as e:
                    raise fail(f"Can not cast {a!r} to {spec}: {e}") from None
                if not spec.shape.is_compatible_with(TensorShape(value.shape)):
                    raise fail(f"Can not cast {TensorSpec(value.shape, spec.dtype)} to {spec}")
                arrays.append(value)
        concrete = self._cache.get("signature")
        if concrete is None:
            concrete = self._trace(tuple(self._input_signature), {})
            self._cache["signature"] = concrete
        return concrete, arrays

    def _trace(self, args, kwargs):
        """A ConcreteFunction for these arguments, with TF's rule for creating variables.

        Only the function's first trace may create variables. If it does, the
        function is traced again at once (TF traces twice too) and that second
        trace, which must create none (ValueError), is kept; the first one runs
        on the first call only, initializing the variables.
        """
        if self._traced_once:
            with variables.not_creating_variables():
                return ConcreteFunction(*self._trace_graph(args, kwargs, None))
        self._traced_once = True
        created = []
        with variables.creating_variables(created):
            first = ConcreteFunction(*self._trace_graph(args, kwargs, None))
        if not created:
            return first
        with variables.not_creating_variables():
            concrete = ConcreteFunction(*self._trace_graph(args, kwargs, None))
        concrete._initializing = first
        return concrete

    def _trace_graph(self, args, kwargs, outer_graph):
        """Traces the Python function into a new FuncGraph; returns it with its outputs."""
        self._tracing_count += 1
        graph = FuncGraph(self._name, outer_graph=outer_graph)
        names = self._param_names(len(args), kwargs)
        scope = graph_mod.symbolic_scope(graph)  # shared with what the body makes
        with graph.as_default():
            placeheld = _placeholders_for(list(args) + [kwargs[k] for k in sorted(kwargs)],
                                          graph, names, scope)
            call_args = placeheld[:len(args)]
            call_kwargs = dict(zip(sorted(kwargs), placeheld[len(args):]))
            input_specs = (tuple(_spec_of(a) for a in call_args),
                           {k: _spec_of(v) for k, v in call_kwargs.items()})
            outputs = self._traced_function()(*call_args, **call_kwargs)
            leaves = [_as_output(leaf, graph, self._python_function)
                      for leaf in nest.flatten(outputs)]
            outputs = nest.pack_sequence_as(outputs, leaves)
        graph.structured_outputs = outputs
        graph.outputs = [t for leaf in leaves for t in _leaf_tensors(leaf)]
        return graph, outputs, leaves, input_specs

    def _call_in_graph(self, args, kwargs):
        """A call while another graph is built: one PartitionedCall op, as in TF."""
        graph = graph_mod.current_graph_or_none()
        args, kwargs = self._canonical_args(args, kwargs)
        if self._input_signature is not None:
            args, kwargs, key = self._signature_tensors(args, kwargs), {}, "signature"
        else:
            key = _graph_call_key((args, kwargs))
        traced = self._graph_traces.get(key) or graph._derived.get(("function", self, key))
        if traced is None:
            trace_args = tuple(self._input_signature) if key == "signature" else args
            created = len(variables.created_so_far())
            func_graph, outputs, leaves, _ = self._trace_graph(trace_args, kwargs, graph)
            # The variables it assigns come out after its outputs (then the caller's).
            assigned = func_graph.assigned_variables()
            func_graph.outputs += [t for _, t in assigned]
            func_graph.assigned_outputs = [v for v, _ in assigned]
            traced = (func_graph, outputs, leaves)
            if len(variables.created_so_far()) > created:
                pass  # it made variables (a first trace): not reused, it initializes them
            elif func_graph.captures_symbolic_tensors:  # it belongs to this graph
                graph._derived[("function", self, key)] = traced
            else:
                func_graph.detach()
                self._graph_traces[key] = traced
        func_graph, outputs, leaves = traced
        inputs = _tensor_leaves(list(args) + [kwargs[k] for k in sorted(kwargs)])
        inputs += [_external_in(graph, root) for root in func_graph.external_captures]
        opdef = STATEFUL_PARTITIONED_CALL if is_stateful(func_graph) else PARTITIONED_CALL
        results = apply_op(opdef, [inputs], {"f": func_graph}, name="PartitionedCall")
        results = results if isinstance(results, tuple) else (results,) if func_graph.outputs \
            else ()
        n_state = len(func_graph.assigned_outputs)
        for variable, t in zip(func_graph.assigned_outputs, results[len(results) - n_state:]):
            graph.set_variable_version(variable, t)
        it = iter(results[:len(results) - n_state])
        return nest.pack_sequence_as(outputs, [_rebuild_leaf(leaf, it) for leaf in leaves])

    def _signature_tensors(self, args, kwargs):
        """Arguments given to a function with an input_signature, as checked tensors."""
        from tfgrad_jax.framework.op_def import convert_to_tensor
        if kwargs or len(args) != len(self._input_signature):
            raise TypeError(f"{self._name}() takes {len(self._input_signature)} positional "
                            f"tensor arguments (its input_signature), got {len(args)} and "
                            f"keyword arguments {sorted(kwargs)}.")
        tensors = []
        for a, spec in [p for a, spec in zip(args, self._input_signature)
                        for p in _flatten_up_to(spec, a)]:
            t = convert_to_tensor(a, dtype=spec.dtype)
            if not spec.shape.is_compatible_with(t.shape):
                raise ValueError(f"{self._name}(): argument of shape {t.shape} is not "
                                 f"compatible with {spec}.")
            tensors.append(t)
        return nest.pack_sequence_as(list(self._input_signature), tensors)

    def _traced_function(self):
        """The Python function to trace: AutoGraph's conversion of it, unless autograph=False."""
        if not self._autograph:
            return self._python_function
        from tfgrad_jax import autograph
        return autograph.convert(self._python_function)

    def get_concrete_function(self, *args, **kwargs):
        """The ConcreteFunction for these arguments (tensors or TensorSpecs), tracing if new."""
        if self._input_signature is not None and not args and not kwargs:
            concrete = self._cache.get("signature")
            if concrete is None:
                concrete = self._trace(tuple(self._input_signature), {})
                self._cache["signature"] = concrete
            return concrete
        args, kwargs = self._canonical_args(args, kwargs)
        key = (_Tracer.encode(args, []), _Tracer.encode(kwargs, []) if kwargs else None)
        concrete = self._cache.get(key)
        if concrete is None:
            concrete = self._trace(args, kwargs)
            self._cache[key] = concrete
        return concrete

    def __repr__(self):
        return f"<tfgrad_jax.function {self._name}>"


def _spec_of(x):
    if isinstance(x, SymbolicTensor):
        return TensorSpec(x.shape, x.dtype, x.op.name)
    return nest.map_structure(lambda v: _spec_of(v) if isinstance(v, SymbolicTensor) else v, x) \
        if nest.is_nested(x) else x


def _external_in(graph, root):
    """What `graph` passes for a value the called function captured."""
    if isinstance(root, Tensor):
        return root
    if getattr(root, "_is_variable", False):
        return graph.variable_version(root)
    return graph.capture(root)


def _graph_call_key(x):
    """The trace key of the arguments of a call made while a graph is built."""
    if isinstance(x, Tensor):
        return ("T", tuple(x.shape.as_list()) if x.shape.rank is not None else None,
                x.dtype.name)
    if isinstance(x, (np.ndarray, np.generic)):
        return ("T", x.shape, x.dtype.name)
    if isinstance(x, (list, tuple)):
        return (type(x), tuple(_graph_call_key(v) for v in x))
    if isinstance(x, dict):
        return (type(x), tuple((k, _graph_call_key(x[k])) for k in sorted(x)))
    return _Tracer.encode(x, [])


def _tensor_leaves(structure):
    """The tensor leaves of call arguments, in the order `_placeholders_for` visits them."""
    if isinstance(structure, (list, tuple)) and not isinstance(structure, TensorSpec):
        return [t for v in structure for t in _tensor_leaves(v)]
    if isinstance(structure, dict):
        return [t for k in sorted(structure) for t in _tensor_leaves(structure[k])]
    if isinstance(structure, (Tensor, np.ndarray, np.generic)):
        return [structure]
    return []


def _call_lowering(args, *, f):
    return tuple(lowering.lower_graph(f)(*args))


def _call_deps(op, graph_deps):
    from tfgrad_jax.ops.control_flow_ops import graphs_deps
    return graphs_deps(op, graph_deps, [op.get_attr("f")], 0)


def _call_avals(inputs, attrs):
    f = attrs["f"]
    if all(t._aval == p._aval for t, p in zip(inputs, f.all_inputs)):
        return [t._aval for t in f.outputs]
    return None  # a trace reused for other (symbolic) dims: infer by tracing


# TF's call of a function from a graph; the stateful form when the function has
# stateful ops (random numbers), so that it is never constant-folded.
PARTITIONED_CALL = def_op("PartitionedCall", _call_lowering, "args: N*", graph_attrs=("f",),
                          deps=_call_deps, out_avals=_call_avals)
STATEFUL_PARTITIONED_CALL = def_op("StatefulPartitionedCall", _call_lowering, "args: N*",
                                   graph_attrs=("f",), deps=_call_deps, out_avals=_call_avals,
                                   stateful=True)


def _leaf_tensors(leaf):
    """The graph tensors an output leaf is made of (IndexedSlices has three)."""
    if isinstance(leaf, Tensor):
        return [leaf]
    if isinstance(leaf, IndexedSlices):
        return [leaf.values, leaf.indices, leaf.dense_shape]
    return []


def _rebuild_leaf(leaf, results):
    """An output leaf rebuilt from the compiled function's eager results."""
    if isinstance(leaf, Tensor):
        return next(results)
    if isinstance(leaf, IndexedSlices):
        return IndexedSlices(next(results), next(results), next(results))
    return leaf


def _as_output(leaf, graph, python_function=None):
    """A returned leaf as a graph tensor; Python numbers and arrays become constants, as TF."""
    if isinstance(leaf, IndexedSlices):  # returned as IndexedSlices, as TF does
        return IndexedSlices(*[_as_output(t, graph, python_function)
                               for t in (leaf.values, leaf.indices, leaf.dense_shape)])
    if hasattr(leaf, "_as_tensor"):
        leaf = leaf._as_tensor()
    if isinstance(leaf, EagerTensor):
        return graph.capture(leaf)
    if isinstance(leaf, graph_mod.Operation):
        return None  # as TF: an op returned by the function runs, and comes back as None
    if isinstance(leaf, SymbolicTensor) and leaf.graph is not graph:
        if not graph_mod.encloses(leaf.graph, graph):
            raise inaccessible_tensor_error(leaf, graph)
        return graph.capture(leaf)  # a tensor of the calling graph, returned as it is
    if isinstance(leaf, (SymbolicTensor,)) or leaf is None:
        return leaf
    if isinstance(leaf, Tensor):
        return leaf
    from tfgrad_jax.framework.op_def import convert_to_tensor
    try:
        return convert_to_tensor(leaf)
    except (TypeError, ValueError):
        raise TypeError("To be compatible with tf.function, Python functions must return zero or "
                        "more Tensors or ExtensionTypes or None values; in compilation of "
                        f"{python_function or graph.name}, found return value of type "
                        f"{type(leaf).__name__}, which is not a Tensor or ExtensionType.") from None


def _flatten_up_to(spec, value):
    """(value leaf, TensorSpec) pairs, flattening `value` only as deep as `spec` nests."""
    if isinstance(spec, TensorSpec):
        return [(value, spec)]
    if isinstance(spec, dict):
        if not isinstance(value, dict) or sorted(value) != sorted(spec):
            raise ValueError(f"{value!r} does not match the structure of {spec!r}")
        return [p for k in sorted(spec) for p in _flatten_up_to(spec[k], value[k])]
    if not isinstance(value, (list, tuple)) or len(value) != len(spec):
        raise ValueError(f"{value!r} does not match the structure of {spec!r}")
    return [p for s, v in zip(spec, value) for p in _flatten_up_to(s, v)]


def _check_input_signature(signature):
    if not isinstance(signature, (list, tuple)):
        raise TypeError("input_signature must be either a tuple or a list of tf.TensorSpec "
                        f"objects, got {type(signature).__name__}.")
    for spec in nest.flatten(list(signature)):
        if not isinstance(spec, TensorSpec):
            raise TypeError(f"input_signature must contain only tf.TensorSpec objects, got "
                            f"{spec!r}.")
    return tuple(signature)


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_relax_shapes=None, experimental_compile=None,
             name=None, **kwargs):
    """Compiles a Python function into a callable graph, as `tf.function`.

    Traces once per input signature (new shapes or dtypes of tensor arguments,
    new values of Python arguments retrace, as in TF); every trace is lowered
    to one JAX function and compiled by XLA with `jax.jit`, whatever
    `jit_compile` says. `autograph` is accepted; Python control flow on
    tensors is not converted (use tf.cond / tf.where).
    """
    def decorate(f):
        return Function(f, input_signature=input_signature, autograph=autograph,
                        jit_compile=jit_compile, reduce_retracing=reduce_retracing, name=name)

    return decorate if func is None else decorate(func)
