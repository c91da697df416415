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


def _type_name(x):
    return type(x).__name__


def _structure_difference(a, b):
    """Why two structures differ (None if they do not), in TF's words."""
    if is_nested(a) != is_nested(b):
        nested, leaf = (a, b) if is_nested(a) else (b, a)
        return (f'Substructure "type={_type_name(nested)} str={nested!r}" is a sequence, while '
                f'substructure "type={_type_name(leaf)} str={leaf!r}" is not')
    if not is_nested(a):
        return None
    if isinstance(a, dict) != isinstance(b, dict) or (
            type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict))):
        return (f"The two namedtuples don't have the same sequence type. First structure "
                f"type={_type_name(a)} str={a!r} has type {_type_name(a)}, while second "
                f"structure type={_type_name(b)} str={b!r} has type {_type_name(b)}")
    if isinstance(a, dict):
        if sorted(a) != sorted(b):
            return (f"The two dictionaries don't have the same set of keys. First structure "
                    f"has keys type=list str={sorted(a)!r}, while second structure has keys "
                    f"type=list str={sorted(b)!r}")
    elif len(a) != len(b):
        return (f"The two structures don't have the same number of elements. First structure: "
                f"type={_type_name(a)} str={a!r}. Second structure: type={_type_name(b)} "
                f"str={b!r}")
    for x, y in zip(_children(a), _children(b)):
        why = _structure_difference(x, y)
        if why is not None:
            return why
    return None


def assert_same_structure(nest1, nest2, check_types=True):
    """Raises ValueError (TypeError for different sequence types) if the structures differ.

    As `tf.nest.assert_same_structure`: lists, tuples and dicts must match in
    kind, length and keys; leaves may be anything.
    """
    why = _structure_difference(nest1, nest2)
    if why is None:
        return
    message = ("The two structures don't have the same nested structure.\n\n"
               f"First structure: type={_type_name(nest1)} str={nest1!r}\n\n"
               f"Second structure: type={_type_name(nest2)} str={nest2!r}\n\n"
               f"More specifically: {why}")
    if check_types and "sequence type" in why:
        raise TypeError(message)
    raise ValueError(message)
