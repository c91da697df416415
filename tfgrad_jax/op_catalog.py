"""`tfgrad_jax.list_ops()`: every declared op type, who creates it, how it differentiates.

Reads the op registry (`framework.op_def`), so it is always current: an op
declared anywhere appears here with its TF type name, the public functions
recorded with `@public` for it, its gradient policy ('autodiff', 'tf rule',
'not differentiable' or 'no gradient'), and whether its output sizes depend on
its input values (`data_dependent`: it runs on the host between compiled
segments, see `framework.lowering`).
"""

import collections

from tfgrad_jax.framework.op_def import registered_opdefs

OpInfo = collections.namedtuple("OpInfo", ["type", "public_names", "gradient_policy",
                                           "data_dependent"])


class OpList(list):
    """A list of `OpInfo` that prints as a table (in a terminal or a notebook)."""

    def __str__(self):
        width = max([len(op.type) for op in self] + [7])
        policy_width = max([len(op.gradient_policy) for op in self] + [8])
        lines = [f"{'op type':<{width}}  {'gradient':<{policy_width}}  sizes  created by"]
        for op in self:
            names = ", ".join(op.public_names) or "-"
            sizes = "data " if op.data_dependent else "     "
            lines.append(f"{op.type:<{width}}  {op.gradient_policy:<{policy_width}}  {sizes}  "
                         f"{names}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


def list_ops(gradient_policy=None):
    """All declared op types, sorted by name, as an `OpList` of `OpInfo(type, public_names,
    gradient_policy, data_dependent)`; `print(tf.list_ops())` shows them as a table (the
    "sizes" column says "data" for an op whose output sizes depend on its input values).

    `gradient_policy` keeps only the ops with that policy, e.g. 'tf rule' for
    the ops whose TF gradient differs from JAX's derivative. TF has no such
    function; it is this library's view of its op table.
    """
    ops = OpList()
    for type_name, opdef in sorted(registered_opdefs().items()):
        policy = opdef.gradient_policy
        if gradient_policy is not None and policy != gradient_policy:
            continue
        ops.append(OpInfo(type_name, tuple(opdef.public_names), policy,
                          bool(opdef.data_dependent)))
    return ops
