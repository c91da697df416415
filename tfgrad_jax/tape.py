"""`tf.GradientTape`: gradients of eager code, and of code inside tf.function.

Eagerly, a tape records the ops that run while it is active as a graph (a
`_Recorder`, one per thread while any tape records, shared by nested tapes)
and `gradient` reuses `tf.gradients` on that graph: every TF rule (stops,
registered and custom gradients, None against zeros) holds, and the result
is computed by running the gradient's ops eagerly, op by op as JAX's own
eager `jax.grad` does, without compiling. Only ops that read something a tape
watches are recorded (O(1) each); an eager tensor an op reads that nothing
watches becomes a graph input fed its value. Each eager tensor an op made
maps to the graph tensor standing for it. The gradient's own ops are in the
same graph, so an outer tape differentiates an inner tape's gradient.

Inside a graph (tf.function), a tape only marks which ops it recorded (by
creation order) and what it watches; `gradient` is `tf.gradients` stopped at
the ops it did not record.

A tape watches the tensors given to `watch`, and (with
`watch_accessed_variables`) the trainable variables read while it records.
A gradient with respect to a variable sums over the reads the tape saw.
"""

import contextlib
import threading

from tfgrad_jax.framework import graph as graph_mod
from tfgrad_jax.framework import lowering, nest, op_def
from tfgrad_jax.framework.indexed_slices import IndexedSlices
from tfgrad_jax.framework.op_def import convert_to_tensor, make_placeholder
from tfgrad_jax.framework.tensor import EagerTensor, SymbolicTensor, Tensor
from tfgrad_jax.gradients import (UnconnectedGradients, batch_jacobian, gradients, jacobians,
                                  sum_of_uses, unconnected_mode)


class _Tapes(threading.local):
    def __init__(self):
        self.stack = []        # active tapes, innermost last
        self.recorder = None   # the eager recorder while any eager tape is active
        self.collectors = []   # lists collecting variable reads (tf.custom_gradient)


_tapes = _Tapes()


def _recording_tapes():
    return [t for t in _tapes.stack if t._recording]


def record_read(variable, tensor):
    """A read of `variable` gave `tensor`: the tapes that watch it note the read."""
    for tape in _recording_tapes():
        tape._note_read(variable, tensor)
    for reads in _tapes.collectors:
        reads.append((variable, tensor))


def collecting_reads():
    """Collects (variable, tensor) for the reads made in the block (a list)."""
    return graph_mod._pushed(_tapes.collectors, [])


def active_recorder():
    """The eager recorder, if a tape is recording now (else None)."""
    return _tapes.recorder if _recording_tapes() else None


def note_new_ops(graph, first):
    """The tapes recording now record the ops of `graph` made since op number `first`."""
    for tape in _recording_tapes():
        if tape._graph is graph:
            tape._ops.update(range(first, len(graph._ops)))


class _Recorder:
    """The graph eager ops are recorded into (see the module docstring)."""

    def __init__(self):
        self.graph = graph_mod.Graph()
        self.tensors = {}  # id(eager tensor) -> (eager tensor, graph tensor)
        self.leaves = []   # (placeholder, eager tensor): graph inputs and their values

    def lookup(self, eager):
        entry = self.tensors.get(id(eager))
        return entry[1] if entry is not None and entry[0] is eager else None

    def source(self, eager):
        """The graph tensor standing for `eager` (a new input if it is not tracked yet)."""
        found = self.lookup(eager)
        if found is None:
            found = make_placeholder(self.graph, eager.dtype, eager._value, "tape_input",
                                     eager.shape)
            self.leaves.append((found, eager))
            self.tensors[id(eager)] = (eager, found)
        return found

    def map_results(self, eager_values, graph_values):
        for e, g in zip(eager_values, graph_values):
            if isinstance(e, EagerTensor) and isinstance(g, SymbolicTensor):
                self.tensors[id(e)] = (e, g)

    def record(self, opdef, tensors, input_lengths, attrs, result):
        """An eager op ran: record it if it read a tracked tensor (op_def.eager_observers)."""
        tapes = _recording_tapes()
        if not tapes or not any(self.lookup(t) is not None for t in tensors):
            return
        flat = [self.source(t) for t in tensors]
        if input_lengths is None:
            grouped = flat
        else:
            grouped, i = [], 0
            for n in input_lengths:
                grouped.append(flat[i] if n is None else list(flat[i:i + n]))
                i += 1 if n is None else n
        first = len(self.graph._ops)
        with self.graph.as_default():
            out = op_def.apply_op(opdef, grouped, dict(attrs))
        outs = out if isinstance(out, tuple) else (out,)
        self.map_results(result if isinstance(result, tuple) else (result,), outs)
        note_new_ops(self.graph, first)

    def evaluate(self, tensors):
        """The values of graph tensors, computed eagerly from the leaves' values."""
        fn = lowering.lower([ph for ph, _ in self.leaves], tensors)
        with lowering.evaluating_eagerly():
            return fn(*[e._value for _, e in self.leaves])


def _observe(opdef, tensors, input_lengths, attrs, result):
    recorder = _tapes.recorder
    if recorder is not None:
        recorder.record(opdef, tensors, input_lengths, attrs, result)


class GradientTape:
    """Records operations for automatic differentiation, as `tf.GradientTape`.

    `persistent=True` allows several `gradient`/`jacobian` calls (else a
    second raises TF's RuntimeError); `watch_accessed_variables=False` watches
    only what `watch` is given. Tapes nest: an outer tape differentiates what
    an inner tape's `gradient` computed (higher-order derivatives).
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._recording = False
        self._used = False
        self._graph = None       # the graph recorded into (a recorder's, or a function's)
        self._recorder = None
        self._ops = set()        # ids of the ops this tape recorded
        self._watched = {}       # id(tensor) -> (tensor, graph tensor)
        self._variables = {}     # id(variable) -> variable, watched
        self._reads = {}         # id(variable) -> [graph tensors it was read as]

    # -- recording ---------------------------------------------------------
    def __enter__(self):
        graph = graph_mod.current_graph_or_none()
        if graph is None:
            if _tapes.recorder is None:
                _tapes.recorder = _Recorder()
                op_def.eager_observers.append(_observe)
            self._recorder = _tapes.recorder
            self._graph = self._recorder.graph
        else:
            self._graph = graph
        self._start()
        _tapes.stack.append(self)
        return self

    def __exit__(self, *exc):
        self._stop()
        _tapes.stack.remove(self)
        if not any(t._recorder is not None for t in _tapes.stack) and _tapes.recorder:
            _tapes.recorder = None
            op_def.eager_observers.remove(_observe)
        return False

    def _start(self):
        self._recording = True
        self._first_op = len(self._graph._ops)

    def _stop(self):
        if self._recording and self._recorder is None:  # graph mode: a span of ops
            self._ops.update(range(self._first_op, len(self._graph._ops)))
        self._recording = False

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops run in the block are not recorded by this tape, as TF's."""
        if not self._recording:
            raise RuntimeError("Trying to stop recording a tape which is not recording.")
        self._stop()
        try:
            yield
        finally:
            self._start()

    def reset(self):
        """Forgets everything recorded, as `GradientTape.reset`."""
        self._ops.clear()
        self._watched.clear()
        self._variables.clear()
        self._reads.clear()
        if self._recording:
            self._first_op = len(self._graph._ops)

    def watch(self, tensor):
        """Watches tensors (and variables), nested, so gradients can be taken with respect
        to them."""
        for t in nest.flatten(tensor):
            if getattr(t, "_is_variable", False):
                self._variables[id(t)] = t
                continue
            if not isinstance(t, Tensor):
                raise ValueError(f"Passed in object {t!r} of type {type(t).__name__!r}, not "
                                 "tf.Tensor or tf.Variable or ExtensionType.")
            if not t.dtype.is_floating and not t.dtype.is_complex:
                continue  # TF watches only differentiable tensors (and warns)
            graph_t = self._recorder.source(t) if isinstance(t, EagerTensor) else t
            self._watched[id(t)] = (t, graph_t)

    def _note_read(self, variable, tensor):
        if id(variable) not in self._variables:
            if not (self._watch_accessed_variables and variable.trainable):
                return
            self._variables[id(variable)] = variable
        if isinstance(tensor, EagerTensor):
            tensor = self._recorder.source(tensor)
        self._reads.setdefault(id(variable), []).append(tensor)

    def watched_variables(self):
        """The variables this tape watches, in the order it met them."""
        return tuple(self._variables.values())

    # -- gradients -----------------------------------------------------------
    def _check_usable(self, what):
        # TF says the same for a tape never entered (it has no recording to use).
        if self._graph is None or (self._used and not self._persistent):
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians)")
        self._used = True

    def _target(self, t):
        """The graph tensor of a target, or None if nothing this tape watches reaches it."""
        if hasattr(t, "_as_tensor") and not isinstance(t, Tensor):
            t = t._as_tensor()
        if isinstance(t, EagerTensor):
            return self._recorder.lookup(t)
        return t

    def _sources(self, sources):
        """Per source: the graph tensors standing for it (several for a variable)."""
        found = []
        for s in sources:
            if getattr(s, "_is_variable", False):
                if self._recorder is None:
                    found.append([s] if id(s) in self._variables else [])
                else:
                    found.append(list(self._reads.get(id(s), [])) if id(s) in self._variables
                                 else [])
            elif id(s) in self._watched:
                found.append([self._watched[id(s)][1]])
            elif isinstance(s, SymbolicTensor):
                found.append([s] if s.op._id in self._ops or s.op._id >= self._first_op else [])
            elif isinstance(s, EagerTensor):
                mapped = self._recorder.lookup(s)
                found.append([mapped] if mapped is not None and mapped.op._id in self._ops
                             else [])
            else:
                raise ValueError(f"Passed in object {s!r} of type {type(s).__name__!r}, not "
                                 "tf.Tensor or tf.Variable or ExtensionType.")
        return found

    def _stops(self):
        """The outputs of ops this tape did not record: gradients stop there."""
        if self._recording and self._recorder is None:
            recorded = self._ops | set(range(self._first_op, len(self._graph._ops)))
        else:
            recorded = self._ops
        return [t for op in self._graph._ops if op._id not in recorded and op.type not in (
            "Placeholder", "Const") for t in op._outputs if t.dtype.is_floating or
            t.dtype.is_complex]

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of target)/d(source) for each source, with sources' nesting, as TF's.

        `output_gradients` weights each target (grad_ys); `unconnected_gradients`
        is 'none' or 'zero'. Eagerly the values are computed at once; in a
        tf.function this builds graph tensors.
        """
        self._check_usable("gradient")
        flat_targets = nest.flatten(target)
        flat_sources = nest.flatten(sources)
        unconnected = unconnected_mode(unconnected_gradients)
        results = self._compute(flat_targets, flat_sources, output_gradients, unconnected)
        return nest.pack_sequence_as(sources, results)

    def _compute(self, targets, sources, output_gradients, unconnected, jacobian=False):
        ys = [self._target(t) for t in targets]
        per_source = self._sources(sources)
        graph = self._graph
        first = len(graph._ops)
        with graph.as_default():
            xs = [x for group in per_source for x in group]
            live = [(y, i) for i, y in enumerate(ys) if y is not None]
            results = [None] * len(xs)
            if live and xs:
                grad_ys = None
                if output_gradients is not None:
                    given = nest.flatten(output_gradients)
                    grad_ys = [self._as_graph_value(given[i]) for _, i in live]
                if jacobian:
                    results = jacobians(live[0][0], xs, stops=self._stops())
                else:
                    results = gradients(
                        [y for y, _ in live], xs, grad_ys=grad_ys, stop_gradients=self._stops(),
                        unconnected_gradients="none")
            grads, k = [], 0
            for group in per_source:
                grads.append(sum_of_uses(results[k:k + len(group)]) if group else None)
                k += len(group)
        grads = [self._fill(g, s, targets, unconnected, jacobian)
                 for g, s in zip(grads, sources)]
        if self._recorder is None:
            return grads
        note_new_ops(graph, first)  # tapes recording now record the gradient's ops
        return self._evaluate(grads)

    def _as_graph_value(self, value):
        if isinstance(value, EagerTensor):
            return self._recorder.source(value)
        return convert_to_tensor(value)

    def _fill(self, grad, source, targets, unconnected, jacobian):
        if grad is not None or unconnected is UnconnectedGradients.NONE:
            return grad
        from tfgrad_jax.ops import array_ops
        with self._graph.as_default():
            shape = source.shape.as_list()
            if jacobian:
                shape = targets[0].shape.as_list() + shape
            return array_ops.zeros(shape, source.dtype)

    def _evaluate(self, grads):
        """Runs the gradient's ops eagerly; an outer tape still recording tracks them."""
        recorder = self._recorder
        flat = []
        for g in grads:
            if isinstance(g, IndexedSlices):
                flat += [g.values, g.indices, g.dense_shape]
            elif g is not None:
                flat.append(g)
        values = iter(recorder.evaluate(flat)) if flat else iter(())
        eager = []
        for g in grads:
            if g is None:
                eager.append(None)
            elif isinstance(g, IndexedSlices):
                parts = [EagerTensor(next(values)) for _ in range(3)]
                recorder.map_results(parts, [g.values, g.indices, g.dense_shape])
                eager.append(IndexedSlices(*parts))
            else:
                e = EagerTensor(next(values), g.dtype)
                recorder.map_results([e], [g])
                eager.append(e)
        return eager

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """d target / d source, shaped target.shape + source.shape, as TF's.

        One vectorised pullback (`jax.vmap` over the seeds of one vjp) whatever
        `experimental_use_pfor` says; `parallel_iterations` is accepted.
        """
        self._check_usable("jacobian")
        flat_sources = nest.flatten(sources)
        unconnected = unconnected_mode(unconnected_gradients)
        results = self._compute([target], flat_sources, None, unconnected, jacobian=True)
        return nest.pack_sequence_as(sources, results)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per example b: d target[b] / d source[b], shaped [batch] + target.shape[1:] +
        source.shape[1:], as TF's (examples assumed independent, as TF assumes)."""
        from tfgrad_jax.ops import array_ops
        self._check_usable("batch_jacobian")
        unconnected = unconnected_mode(unconnected_gradients)
        y = self._target(target)
        (xs,) = self._sources([source])
        result = None
        first = len(self._graph._ops)
        with self._graph.as_default():
            if y is not None and xs:
                result = batch_jacobian(y, xs, stops=self._stops())
            if result is None and unconnected is UnconnectedGradients.ZERO:
                result = array_ops.zeros([source.shape[0]] + target.shape.as_list()[1:] +
                                         source.shape.as_list()[1:], source.dtype)
        if self._recorder is None or result is None:
            return result
        note_new_ops(self._graph, first)
        return self._evaluate([result])[0]
