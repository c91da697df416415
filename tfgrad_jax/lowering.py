"""The one interpreter: a graph (or part of one) becomes a JAX function.

`schedule` picks the ops needed for some tensors, in creation order (which is
topological: graphs are append-only). `run_ops` walks that list, reading each
op's inputs from an environment keyed by tensor identity, calling the op's
lowering and writing its outputs back. `lower` packages the two as a plain
function of arrays, ready for `jax.jit`, `jax.vjp` or `jax.make_jaxpr`.
"""

from tfgrad_jax.framework.errors import InvalidArgumentError


def schedule(fetches, known):
    """Ops that compute `fetches` from the tensors whose ids are in `known`.

    Returned in creation order. Control inputs are followed too, so that an
    op's dependencies run (their values are pure, so this only matters for
    stateful ops).
    """
    needed, stack = {}, [t.op for t in fetches if id(t) not in known]
    while stack:
        op = stack.pop()
        if op._id in needed:
            continue
        needed[op._id] = op
        for t in op._inputs:
            if id(t) not in known and t._op._id not in needed:
                stack.append(t._op)
        for c in op._control_inputs:
            if c._id not in needed:
                stack.append(c)
    return [needed[i] for i in sorted(needed)]


def run_ops(ops, env, call=None):
    """Evaluates `ops` in order, reading and writing `env` (id(tensor) -> array).

    `call(op, input_values) -> output tuple`, when given, replaces the plain
    lowering call for every op (tf.gradients uses it to add probes and custom
    gradients); it may defer to `op._opdef.call` itself.
    """
    for op in ops:
        ins = [env[id(t)] for t in op._inputs]
        if call is None:
            outs = op._opdef.call(ins, op._input_lengths, op._attrs)
        else:
            outs = call(op, ins)
        for t, v in zip(op._outputs, outs):
            env[id(t)] = v
    return env


def lower(inputs, outputs):
    """A JAX function `f(*input_arrays) -> [output arrays]` computing `outputs`.

    Placeholders that `outputs` need but that are not among `inputs` raise
    InvalidArgumentError (TF: "You must feed a value for placeholder tensor").
    """
    known = {id(t) for t in inputs}
    ops = schedule(outputs, known)
    for op in ops:
        if op.type == "Placeholder":
            raise InvalidArgumentError(
                None, op, f"You must feed a value for placeholder tensor '{op.name}' with "
                f"dtype {op.get_attr('dtype').name}")
    input_ids = [id(t) for t in inputs]
    output_ids = [id(t) for t in outputs]

    def fn(*arrays):
        env = dict(zip(input_ids, arrays))
        run_ops(ops, env)
        return [env[i] for i in output_ids]

    fn.ops = ops
    return fn
