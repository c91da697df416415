"""Converting a Python function: finding its source, transforming it, compiling it back.

The converted function is a new function object with the original's
globals, closure cells, defaults and name, so the user's closure variables,
globals and default arguments keep working (and `nonlocal` writes reach the
original cells). Its code is compiled from the transformed AST with the
original file name and line numbers, so tracebacks point at the user's
source. Conversions are cached per code object; `converted_call` is what
converted code calls for every function call (TF's `ag__.converted_call`).
"""

import ast
import copy
import functools
import inspect
import sys
import threading
import types
import warnings

from tfgrad_jax.autograph import operators, py_builtins, transformer

_SILENCE = ("To silence this warning, decorate the function with "
            "@tf.autograph.experimental.do_not_convert")

# Modules whose functions are called as they are (TF keeps a similar list):
# this library, the numerical stack, the standard library.
_LIBRARY_ROOTS = frozenset({"tfgrad_jax", "numpy", "jax", "jaxlib", "scipy", "ml_dtypes",
                            "opt_einsum", "builtins", "pytest", "_pytest"}
                           | set(getattr(sys, "stdlib_module_names", ())))

_DO_NOT_CONVERT = "_tfgrad_jax_autograph_do_not_convert"


class AutoGraphWarning(UserWarning):
    """Warns that a function runs unconverted (TF logs the same text)."""


class _Namespace:
    """What converted code sees as `ag__`: the operators, and converted_call with options."""

    def __init__(self, recursive):
        self.recursive = recursive
        for name in ("if_stmt", "while_stmt", "for_stmt", "if_exp", "and_", "or_", "not_",
                     "Undefined", "UndefinedReturnValue", "ld", "retval"):
            setattr(self, name, getattr(operators, name))

    def converted_call(self, f, args, kwargs):
        return converted_call(f, args, kwargs, recursive=self.recursive)


_NAMESPACES = {True: _Namespace(True), False: _Namespace(False)}

_lock = threading.RLock()
_cache = {}            # (code object, recursive) -> code of the conversion, or why not (str)
_generated = set()     # code objects AutoGraph produced: already converted
_sources = {}          # file name -> (source text, its functions by first line)
_warned = set()        # code objects already reported as unconvertible


# ---------------------------------------------------------------------------
# Which callables to convert.

def do_not_convert(func=None):
    """Marks `func` to run unconverted even when called from converted code (TF's decorator).

    Usable as `@do_not_convert` or `do_not_convert(f)`; `do_not_convert()`
    returns the decorator.
    """
    if func is None:
        return do_not_convert

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    setattr(wrapper, _DO_NOT_CONVERT, True)
    return wrapper


def _is_library(fn):
    module = getattr(fn, "__module__", None) or ""
    return module.split(".")[0] in _LIBRARY_ROOTS


def is_converted(fn):
    """True for a function AutoGraph produced (it is never converted again)."""
    code = getattr(fn, "__code__", None)
    return code is not None and code in _generated


def conversion_target(f):
    """The plain function to convert for callable `f` (and the self to bind), or None."""
    if getattr(f, _DO_NOT_CONVERT, False):
        return None
    if inspect.ismethod(f):
        func, self_ = f.__func__, f.__self__
    elif inspect.isfunction(f):
        func, self_ = f, None
    elif inspect.isclass(f) or inspect.isbuiltin(f) or not callable(f):
        return None
    else:  # a callable object: its class's __call__
        call = type(f).__call__
        if not inspect.isfunction(call):
            return None
        func, self_ = call, f
    if getattr(func, _DO_NOT_CONVERT, False) or _is_library(func) or is_converted(func):
        return None  # tf.function objects land here too: their __call__ is library code
    if func.__code__.co_filename == "<string>":
        return None  # code made by exec/eval: run as written, silently, as TF does
    return func, self_


# ---------------------------------------------------------------------------
# Source.

class _NoSource(Exception):
    pass


def _module_functions(filename, lines):
    """The lambdas and function definitions of a source file, by their first line.

    Parsed and indexed once per file text: a file with hundreds of lambdas
    (a table of ops) would otherwise be walked whole for each one converted.
    A function's first line is that of its first decorator, as in its code.
    """
    text = "".join(lines)
    entry = _sources.get(filename)
    if entry is None or entry[0] != text:
        by_line = {}
        for node in ast.walk(ast.parse(text, filename)):
            if isinstance(node, ast.Lambda):
                line = node.lineno
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                line = min([node.lineno] + [d.lineno for d in node.decorator_list])
            else:
                continue
            by_line.setdefault(line, []).append(node)
        entry = (text, by_line)
        _sources[filename] = entry
    return entry[1]


def _find_node(fn):
    """The AST of `fn` (FunctionDef or Lambda) parsed from its file, with real line numbers."""
    code = fn.__code__
    try:
        lines, _ = inspect.findsource(code)
    except (OSError, TypeError) as e:
        raise _NoSource(
            f"Unable to locate the source code of {fn}. Note that functions defined in "
            "certain environments, like the interactive Python shell, do not expose their "
            "source code. If that is the case, you should define them in a .py source file. "
            "If you are certain the code is graph-compatible, wrap the call using "
            f"@tf.autograph.experimental.do_not_convert. Original error: {e}") from None
    try:
        on_line = _module_functions(code.co_filename, lines).get(code.co_firstlineno, [])
    except SyntaxError as e:
        raise _NoSource(f"could not parse the source code of {fn}: {e}") from None
    line = code.co_firstlineno
    if code.co_name == "<lambda>":
        candidates = [n for n in on_line if isinstance(n, ast.Lambda)
                      and _arg_names(n.args) == _code_arg_names(code)]
        if len(candidates) > 1:  # several lambdas on one line: their columns tell them apart
            candidates = _lambda_by_position(candidates, code)
    else:
        candidates = [n for n in on_line if not isinstance(n, ast.Lambda)
                      and n.name == code.co_name]
    if len(candidates) != 1:
        raise _NoSource(f"could not find the source code of {fn} unambiguously in "
                        f"{code.co_filename} line {line}")
    return candidates[0]


def _arg_names(args):
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    return names + [a.arg for a in (args.vararg, args.kwarg) if a is not None]


def _code_arg_names(code):
    n = code.co_argcount + code.co_kwonlyargcount
    n += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    return list(code.co_varnames[:n])


def _lambda_by_position(candidates, code):
    """The lambda whose body holds the source positions of `code`'s instructions."""
    positions = [(line, col) for line, _, col, _ in code.co_positions()
                 if line is not None and col is not None]

    def inside(n):
        start = (n.body.lineno, n.body.col_offset)
        end = (n.body.end_lineno, n.body.end_col_offset)
        return sum(start <= p <= end for p in positions)

    best = max(inside(n) for n in candidates)
    return [n for n in candidates if inside(n) == best] if best else candidates


# ---------------------------------------------------------------------------
# Compiling.

def _class_name(fn):
    parts = fn.__qualname__.split(".")
    if len(parts) >= 2 and parts[-2] != "<locals>":
        return parts[-2]
    return None


def _compile(fn, recursive):
    """The code object of `fn`'s conversion, whose free variables are `ag__` and fn's own."""
    node = copy.deepcopy(_find_node(fn))
    if isinstance(node, ast.FunctionDef):
        node.decorator_list = []  # decorators (tf.function...) were applied to the original
    new = transformer.transform(node, _class_name(fn))
    # A factory whose locals are the free variables, so that the function
    # compiled inside it takes them as closure cells; they are swapped for the
    # original cells afterwards.
    free = [n for n in fn.__code__.co_freevars if n != transformer.AG]
    factory_body = [ast.Assign(targets=[ast.Name(id=n, ctx=ast.Store())],
                               value=ast.Constant(value=None)) for n in free]
    if isinstance(new, ast.FunctionDef):
        factory_body += [new, ast.Return(value=ast.Name(id=new.name, ctx=ast.Load()))]
    else:
        factory_body.append(ast.Return(value=new))
    factory = transformer._def("autograph_factory", factory_body, params=[transformer.AG])
    _locate(factory, node.lineno, node.col_offset)
    module = ast.Module(body=[factory], type_ignores=[])
    code = compile(module, fn.__code__.co_filename, "exec", dont_inherit=True)
    _register(code)
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    made = types.FunctionType(factory_code, fn.__globals__)(_NAMESPACES[recursive])
    return made.__code__, new


def _locate(node, lineno, col):
    """Gives generated nodes the first line of their closest located parent.

    So tracebacks show the user's line for the call of `ag__.if_stmt`. (A
    multi-line span would move the reported line of a method call to its end.)
    """
    if "lineno" in node._attributes:
        if getattr(node, "lineno", None) is None:
            node.lineno, node.col_offset = lineno, col
            node.end_lineno, node.end_col_offset = lineno, col
        lineno, col = node.lineno, node.col_offset
    for child in ast.iter_child_nodes(node):
        _locate(child, lineno, col)


def _register(code):
    _generated.add(code)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            _register(c)


def _instantiate(fn, code, recursive):
    """A function running `code` with fn's globals, closure cells, defaults and metadata."""
    original = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    cells = []
    for name in code.co_freevars:
        if name == transformer.AG:
            cells.append(types.CellType(_NAMESPACES[recursive]))
        else:
            cells.append(original[name])
    new = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, tuple(cells))
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__dict__.update(fn.__dict__)
    for attr in ("__qualname__", "__module__", "__doc__", "__annotations__"):
        setattr(new, attr, getattr(fn, attr))
    new.__wrapped__ = fn
    return new


def _cached_compile(fn, recursive):
    """The cached code of fn's conversion, or a string saying why it cannot be converted.

    (The reason is kept as text: a kept exception would hold its traceback's
    frames, and with them the graph being traced.)
    """
    key = (fn.__code__, recursive)
    with _lock:
        entry = _cache.get(key)
        if entry is None:
            try:
                entry = _compile(fn, recursive)[0]
            except (_NoSource, transformer.Unsupported) as e:
                entry = str(e)
            _cache[key] = entry
    return entry


def convert_function(fn, recursive=True):
    """The converted version of plain function `fn`, or `fn` itself if it cannot be converted.

    Raises nothing for unconvertible functions: as TF, they run as written,
    with an AutoGraphWarning the first time (`AutoGraph could not transform
    ... and will run it as-is`).
    """
    entry = _cached_compile(fn, recursive)
    if not isinstance(entry, str):
        return _instantiate(fn, entry, recursive)
    code = fn.__code__
    with _lock:
        first = code not in _warned
        _warned.add(code)
    if first:
        # Reported at the function's own line: the user's code, not ours.
        warnings.warn_explicit(f"AutoGraph could not transform {fn} and will run it as-is.\n"
                               f"Cause: {entry}\n{_SILENCE}", AutoGraphWarning,
                               code.co_filename, code.co_firstlineno,
                               module=getattr(fn, "__module__", None) or "<unknown>")
    return fn


def compile_strict(fn, recursive=True):
    """Like convert_function, but raises ValueError saying why `fn` cannot be converted."""
    entry = _cached_compile(fn, recursive)
    if isinstance(entry, str):
        raise ValueError(entry)  # noqa: TRY004 - TF's to_graph raises ValueError
    return _instantiate(fn, entry, recursive)


def convert(entity, recursive=True):
    """`entity` (function, method or callable object) converted, or as-is if it should not be.

    Library code, tf.function objects, already-converted functions and those
    marked `do_not_convert` are returned unchanged.
    """
    if isinstance(entity, functools.partial):
        func = convert(entity.func, recursive)
        return entity if func is entity.func else functools.partial(func, *entity.args,
                                                                     **entity.keywords)
    target = conversion_target(entity)
    if target is None:
        return entity
    func, self_ = target
    converted = convert_function(func, recursive)
    if converted is func:
        return entity
    return converted if self_ is None else types.MethodType(converted, self_)


def to_code(entity, recursive=True):
    """The source code of `entity`'s conversion (TF's `tf.autograph.to_code`)."""
    target = conversion_target(entity)
    if target is None:
        raise ValueError(f"{entity} is not converted by AutoGraph.")
    try:
        _, node = _compile(target[0], recursive)
    except (_NoSource, transformer.Unsupported) as e:
        raise ValueError(str(e)) from None
    return ast.unparse(node)


# ---------------------------------------------------------------------------
# Calls from converted code.

def converted_call(f, args, kwargs, recursive=True):
    """Calls `f(*args, **kwargs)` from converted code, converting `f` first if it is user code.

    As TF: builtins with an overload (range, len, enumerate, zip, print) go
    to it; functools.partial is unwrapped; with `recursive=False` nothing
    else is converted.
    """
    kwargs = kwargs or {}
    try:
        overload = py_builtins.OVERLOADS.get(f)
    except TypeError:  # unhashable callables
        overload = None
    if overload is not None:
        return overload(*args, **kwargs)
    if isinstance(f, functools.partial):
        return converted_call(f.func, tuple(f.args) + tuple(args), {**f.keywords, **kwargs},
                              recursive)
    if _is_tf_range(f):
        return py_builtins.tf_range(*args, **kwargs)
    if not recursive or isinstance(f, (types.BuiltinFunctionType, type)):
        return f(*args, **kwargs)
    return convert(f, recursive)(*args, **kwargs)


def _is_tf_range(f):
    from tfgrad_jax.ops import array_ops
    return f is array_ops.range

