"""`tf.nest`: flattening and re-packing nested lists, tuples, namedtuples and dicts.

Dicts flatten in sorted key order, as in TF; anything else (None included)
is a leaf.
"""


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def is_nested(x):
    return isinstance(x, (list, tuple, dict))


def _children(x):
    if isinstance(x, dict):
        return [x[k] for k in sorted(x)]
    return list(x)


def flatten(structure):
    """The leaves of `structure`, depth first."""
    if not is_nested(structure):
        return [structure]
    out = []
    for child in _children(structure):
        out.extend(flatten(child))
    return out


def _rebuild(structure, children):
    if isinstance(structure, dict):  # leaves come in sorted key order; keep the dict's own order
        by_key = dict(zip(sorted(structure), children))
        return type(structure)((k, by_key[k]) for k in structure)
    if _is_namedtuple(structure):
        return type(structure)(*children)
    if isinstance(structure, tuple):
        return tuple(children)
    return list(children)


def pack_sequence_as(structure, flat_sequence):
    """Rebuilds `structure` with its leaves replaced, in order, by `flat_sequence`."""
    flat_sequence = list(flat_sequence)
    position = [0]

    def build(s):
        if not is_nested(s):
            value = flat_sequence[position[0]]
            position[0] += 1
            return value
        return _rebuild(s, [build(c) for c in _children(s)])

    result = build(structure)
    if position[0] != len(flat_sequence):
        raise ValueError(f"Structure had {position[0]} leaves, but flat_sequence had "
                         f"{len(flat_sequence)} elements.")
    return result


def map_structure(func, *structures):
    """Applies `func` to corresponding leaves of same-shaped structures."""
    flats = [flatten(s) for s in structures]
    if any(len(f) != len(flats[0]) for f in flats):
        raise ValueError("The structures don't have the same number of elements.")
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)])
