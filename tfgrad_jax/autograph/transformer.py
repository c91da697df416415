"""AutoGraph's source transformation of a function's AST, in TF's order of passes.

1. `lower_loop_jumps`: `break` and `continue` become flag variables
   (`break_`, `continue_`); the rest of the loop body is guarded by
   `if not flag:` and a `break` adds `not break_` to the loop's condition.
   A loop's `else:` clause runs after it when `break_` is not set (TF does not
   convert loops with `else`).
2. `lower_returns`: a function with a `return` inside a compound statement
   gets one exit: `return v` becomes `do_return = True; retval_ = v`, the
   statements after it are guarded by `if not do_return:`, loops stop on
   `do_return`, and the function ends with `return ag__.retval(retval_)`.
   First, as TF, statements after an `if` whose branch always returns move
   into its other branch.
3. `ExpressionConverter`: calls become `ag__.converted_call(f, args,
   kwargs)` (recursive conversion and the builtin overloads), `and`/`or`/
   `not`/`a if c else b` become the lazy operators, zero-argument `super()`
   becomes `super(__class__, self)` (it works inside the generated nested
   functions), and private names in methods are mangled as the class body
   would have.
4. `ControlFlowConverter`: every `if`, `while` and `for` becomes a call of
   `ag__.if_stmt` / `while_stmt` / `for_stmt` with its blocks as nested
   functions and its state (the variables it modifies that are live in or
   out of it, see `analysis`) read and written through `nonlocal`.

The result is compiled by `conversion`, which keeps the function's globals,
closure and defaults.
"""

import ast

from tfgrad_jax.autograph import analysis

AG = "ag__"
_LOOPS = (ast.For, ast.While)
_FRAME_BUILTINS = {"locals", "globals", "vars", "eval", "exec", "dir"}


# ---------------------------------------------------------------------------
# Small AST builders.

def _load(name):
    return ast.Name(id=name, ctx=ast.Load())


def _store(name):
    return ast.Name(id=name, ctx=ast.Store())


def _const(value):
    return ast.Constant(value=value)


def _ag(attr):
    return ast.Attribute(value=_load(AG), attr=attr, ctx=ast.Load())


def _ag_call(attr, *args):
    return ast.Call(func=_ag(attr), args=list(args), keywords=[])


def _assign(name, value):
    return ast.Assign(targets=[_store(name)], value=value)


def _no_args():
    return ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                         kwarg=None, defaults=[])


def _thunk(expr):
    return ast.Lambda(args=_no_args(), body=expr)


def _def(name, body, params=()):
    args = _no_args()
    args.args = [ast.arg(arg=p) for p in params]
    fn = ast.FunctionDef(name=name, args=args, body=body or [ast.Pass()], decorator_list=[],
                         returns=None)
    if "type_params" in ast.FunctionDef._fields:  # Python 3.12+
        fn.type_params = []
    return fn


def _not_flag(flag):
    """`not flag`, already in converted form (it may be a tensor)."""
    return _ag_call("not_", _load(flag))


def _and(a, b):
    if a is None:
        return b
    return _ag_call("and_", _thunk(a), _thunk(b))


def _is_ag_call(node):
    f = node.func
    return isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == AG


class Namer:
    """Fresh names for generated variables and functions, unused anywhere in the source."""

    def __init__(self, tree):
        self.used = set()
        for n in ast.walk(tree):
            for field in ("id", "arg", "name", "asname"):
                value = getattr(n, field, None)
                if isinstance(value, str):
                    self.used.add(value)
            if isinstance(n, (ast.Global, ast.Nonlocal)):
                self.used.update(n.names)

    def new(self, base):
        name, i = base, 0
        while name in self.used:
            i += 1
            name = f"{base}_{i}"
        self.used.add(name)
        return name


# ---------------------------------------------------------------------------
# Statement-level search and guarding, shared by the break/continue/return passes.

def _child_blocks(stmt, into_loops):
    """The statement lists nested in `stmt` that belong to the same jump context."""
    if isinstance(stmt, ast.If):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [stmt.body]
    if isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
        return [stmt.body, stmt.orelse, stmt.finalbody] + [h.body for h in stmt.handlers]
    if isinstance(stmt, ast.Match):
        return [c.body for c in stmt.cases]
    if into_loops and isinstance(stmt, _LOOPS):
        return [stmt.body, stmt.orelse]
    return []


def _contains(stmts, kind, into_loops):
    for s in stmts:
        if isinstance(s, kind):
            return True
        if any(_contains(b, kind, into_loops) for b in _child_blocks(s, into_loops)):
            return True
    return False


def _guard(stmts, kind, replace, flag, into_loops, on_loop=None):
    """Replaces jumps of `kind` by `replace(jump)` and guards what follows with `if not flag:`.

    After a statement that may jump, the rest of its block runs only while
    the flag is unset; the enclosing blocks are guarded the same way.
    `on_loop(loop)` is called for loops that contain a jump (returns only).
    """
    out = []
    for i, s in enumerate(stmts):
        if isinstance(s, kind):
            out.extend(replace(s))
            return out  # the rest of the block is unreachable
        if not _contains([s], kind, into_loops):
            out.append(s)
            continue
        if isinstance(s, _LOOPS):
            on_loop(s)
        if isinstance(s, ast.If):
            s.body = _guard(s.body, kind, replace, flag, into_loops, on_loop)
            s.orelse = _guard(s.orelse, kind, replace, flag, into_loops, on_loop)
        elif isinstance(s, ast.Match):
            for case in s.cases:
                case.body = _guard(case.body, kind, replace, flag, into_loops, on_loop)
        elif isinstance(s, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            s.body = _guard(s.body, kind, replace, flag, into_loops, on_loop)
            s.orelse = _guard(s.orelse, kind, replace, flag, into_loops, on_loop)
            s.finalbody = _guard(s.finalbody, kind, replace, flag, into_loops, on_loop)
            for h in s.handlers:
                h.body = _guard(h.body, kind, replace, flag, into_loops, on_loop)
        else:  # with, or a loop when guarding returns
            s.body = _guard(s.body, kind, replace, flag, into_loops, on_loop)
        out.append(s)
        rest = stmts[i + 1:]
        if rest:
            guarded = _guard(rest, kind, replace, flag, into_loops, on_loop)
            out.append(ast.copy_location(ast.If(test=_not_flag(flag), body=guarded, orelse=[]),
                                         rest[0]))
        return out
    return out


def _add_extra_test(loop, test):
    """Adds a converted condition that the loop checks before each iteration."""
    loop._ag_extra_test = _and(getattr(loop, "_ag_extra_test", None), test)


# ---------------------------------------------------------------------------
# Pass 1: break and continue.

class _LoopJumps(ast.NodeTransformer):
    def __init__(self, namer):
        self.namer = namer

    def visit_ClassDef(self, node):
        return node  # a class body is its own scope: left as written

    def _loop(self, node):
        self.generic_visit(node)  # inner loops first: their jumps are theirs
        _take_loop_options(node)
        before, after = [], []
        if _contains(node.body, ast.Continue, into_loops=False):
            flag = self.namer.new("continue_")
            node.body = [_assign(flag, _const(False))] + _guard(
                node.body, ast.Continue, lambda s: [_assign(flag, _const(True))], flag, False)
        orelse, node.orelse = node.orelse, []
        if _contains(node.body, ast.Break, into_loops=False):
            flag = self.namer.new("break_")
            node.body = _guard(node.body, ast.Break, lambda s: [_assign(flag, _const(True))],
                               flag, False)
            _add_extra_test(node, _not_flag(flag))
            before.append(_assign(flag, _const(False)))
            if orelse:
                after.append(ast.If(test=_not_flag(flag), body=orelse, orelse=[]))
        else:
            after.extend(orelse)
        result = before + [node] + after
        for s in before + after:
            ast.copy_location(s, node)
        return result

    visit_For = visit_While = _loop


def _take_loop_options(loop):
    """Removes `tf.autograph.experimental.set_loop_options(...)` from a loop body (TF's directive).

    Its keyword arguments become the loop's options (`_ag_loop_opts`).
    """
    for i, s in enumerate(loop.body):
        if (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                and _call_name(s.value.func) == "set_loop_options"):
            call = s.value
            loop._ag_loop_opts = ast.Dict(keys=[_const(k.arg) for k in call.keywords],
                                          values=[k.value for k in call.keywords])
            loop.body = loop.body[:i] + loop.body[i + 1:] or [ast.Pass()]
            return


def _call_name(func):
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def lower_loop_jumps(tree, namer):
    """Pass 1 on every loop of `tree` (inner loops first)."""
    return _LoopJumps(namer).visit(tree)


# ---------------------------------------------------------------------------
# Pass 2: return.

def _definitely_returns(stmts):
    """TF's test: the block ends in a return on every path (without counting raise)."""
    for s in stmts:
        if isinstance(s, ast.Return):
            return True
        if isinstance(s, ast.If) and _definitely_returns(s.body) and \
                _definitely_returns(s.orelse):
            return True
        if isinstance(s, (ast.With, ast.AsyncWith)) and _definitely_returns(s.body):
            return True
    return False


def _merge_conditional_returns(stmts):
    """After `if c: ...return`, the rest of the block moves into the `else` (and vice versa).

    So that both branches of a staged `if` set the return value, as TF does.
    """
    out = []
    for i, s in enumerate(stmts):
        rest = stmts[i + 1:]
        if isinstance(s, ast.If) and rest:
            body_returns, else_returns = _definitely_returns(s.body), \
                _definitely_returns(s.orelse)
            if body_returns and not else_returns:
                s.orelse = s.orelse + rest
                rest = None
            elif else_returns and not body_returns:
                s.body = s.body + rest
                rest = None
        for block in _child_blocks(s, into_loops=True):
            block[:] = _merge_conditional_returns(block)
        out.append(s)
        if rest is None:
            return out
    return out


def _nested_return(body):
    return any(_contains(b, ast.Return, into_loops=True)
               for s in body for b in _child_blocks(s, into_loops=True))


def _return_in_loop(stmts):
    for s in stmts:
        if isinstance(s, _LOOPS) and _contains(s.body, ast.Return, into_loops=True):
            return True
        if any(_return_in_loop(b) for b in _child_blocks(s, into_loops=False)):
            return True
    return False


def lower_returns(fn, namer):
    """Gives `fn` (a FunctionDef) a single return at its end, when a return is nested."""
    body = fn.body
    if not _nested_return(body):
        return
    docstring = []
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        docstring, body = body[:1], body[1:]
    if _return_in_loop(body) and not _definitely_returns(body):
        # Falling off the end returns None; saying so explicitly makes a
        # staged loop that returns a tensor report the mismatch, instead of
        # returning its placeholder value when it never returns.
        body = body + [ast.copy_location(ast.Return(value=_const(None)), body[-1])]
    body = _merge_conditional_returns(body)
    do_return, value = namer.new("do_return"), namer.new("retval_")

    def replace(ret):
        v = ret.value if ret.value is not None else _const(None)
        return [ast.copy_location(_assign(do_return, _const(True)), ret),
                ast.copy_location(_assign(value, v), ret)]

    body = _guard(body, ast.Return, replace, do_return, True,
                  on_loop=lambda loop: _add_extra_test(loop, _not_flag(do_return)))
    start = [_assign(do_return, _const(False)), _assign(value, _ag_call("UndefinedReturnValue"))]
    end = ast.Return(value=_ag_call("retval", _load(value)))
    for s in start:
        ast.copy_location(s, fn)
    ast.copy_location(end, body[-1] if body else fn)
    fn.body = docstring + start + body + [end]


class _Returns(ast.NodeVisitor):
    def __init__(self, namer):
        self.namer = namer

    def visit_FunctionDef(self, node):
        self.generic_visit(node)
        lower_returns(node, self.namer)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        pass  # a class body is its own scope: left as written


def lower_all_returns(tree, namer):
    """Pass 2 on every function of `tree` (inner functions first)."""
    _Returns(namer).visit(tree)
    return tree


# ---------------------------------------------------------------------------
# Pass 3: calls and expressions.

class ExpressionConverter(ast.NodeTransformer):
    """Calls through `converted_call`, lazy logical operators, `super()`, name mangling.

    `class_name` is the class of a converted method (for mangling `__x`).
    """

    def __init__(self, class_name=None, first_arg=None):
        stripped = (class_name or "").lstrip("_")
        self.mangle_prefix = f"_{stripped}" if stripped else None
        self.first_arg = first_arg

    def _mangle(self, name):
        if self.mangle_prefix and name.startswith("__") and not name.endswith("__"):
            return self.mangle_prefix + name
        return name

    def visit_ClassDef(self, node):
        return node  # a class body is its own scope: left as written

    def visit_Name(self, node):
        node.id = self._mangle(node.id)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        node.attr = self._mangle(node.attr)
        return node

    def visit_FunctionDef(self, node):
        outer = self.first_arg
        params = node.args.posonlyargs + node.args.args
        self.first_arg = params[0].arg if params else None
        self.generic_visit(node)
        self.first_arg = outer
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        self.generic_visit(node)
        if _is_ag_call(node):
            return node
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name == "super" and not node.args and not node.keywords and self.first_arg:
            node.args = [_load("__class__"), _load(self.first_arg)]
            return node
        if name in _FRAME_BUILTINS:
            return node  # they read the calling frame: a wrapper would change it
        args = ast.Tuple(elts=node.args, ctx=ast.Load())
        if node.keywords:
            kwargs = ast.Dict(keys=[_const(k.arg) if k.arg else None for k in node.keywords],
                              values=[k.value for k in node.keywords])
        else:
            kwargs = _const(None)
        return ast.copy_location(ast.Call(func=_ag("converted_call"),
                                          args=[node.func, args, kwargs], keywords=[]), node)

    def visit_BoolOp(self, node):
        if any(isinstance(n, ast.NamedExpr) for n in ast.walk(node)):
            self.generic_visit(node)  # a walrus in a thunk would bind in the thunk
            return node
        self.generic_visit(node)
        op = "and_" if isinstance(node.op, ast.And) else "or_"
        result = node.values[-1]
        for value in reversed(node.values[:-1]):
            result = _ag_call(op, _thunk(value), _thunk(result))
        return ast.copy_location(result, node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.copy_location(_ag_call("not_", node.operand), node)
        return node

    def visit_IfExp(self, node):
        if any(isinstance(n, ast.NamedExpr) for n in ast.walk(node)):
            self.generic_visit(node)
            return node
        text = ast.unparse(node.test)
        self.generic_visit(node)
        return ast.copy_location(_ag_call("if_exp", node.test, _thunk(node.body),
                                          _thunk(node.orelse), _const(text)), node)


# ---------------------------------------------------------------------------
# Pass 4: if, while and for.

class ControlFlowConverter:
    """Rewrites the control-flow statements of one function (not of nested functions)."""

    def __init__(self, namer):
        self.namer = namer

    def function(self, fn):
        """Converts `fn` (a FunctionDef) in place, using the analysis of its body."""
        body = fn.body
        self.declared = analysis.declared_names(body)
        self.globals = set()
        for node in body:
            for n in analysis.walk_scope(node):
                if isinstance(n, ast.Global):
                    self.globals |= set(n.names)
        args = fn.args
        params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs +
                  [args.vararg, args.kwarg] if a is not None}
        analysis.Liveness(self.declared).block(body, self.declared)
        analysis.Definedness().block(body, params)
        maybe_undefined = set()
        for node in body:
            for n in analysis.walk_scope(node):
                if isinstance(n, (ast.If, ast.While, ast.For)):
                    # Recorded before any block is rewritten: inner statements
                    # move into nested functions, where they no longer count.
                    n._ag_modified = self._modified(n)
                    maybe_undefined |= self._undefined(n, n._ag_modified)
        if maybe_undefined:
            _LoadChecker(maybe_undefined).wrap(body)
        fn.body = self.block(body)

    def block(self, stmts):
        out = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, s):
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return [s]  # converted on their own
        for block in _child_blocks(s, into_loops=True):
            block[:] = self.block(block)
        if isinstance(s, ast.If):
            new = self._if(s)
        elif isinstance(s, ast.While):
            new = self._while(s)
        elif isinstance(s, ast.For):
            new = self._for(s)
        else:
            return [s]
        for n in new:
            ast.copy_location(n, s)
        return new

    # -- analysis results

    def _modified(self, node):
        if isinstance(node, ast.If):
            return analysis.writes(node.body, node.orelse)
        if isinstance(node, ast.While):
            return analysis.writes(node.body)
        return analysis.writes(node.body, node.target)

    def _undefined(self, node, modified):
        return modified - node._ag_defined_in - self.declared

    def _state(self, node, modified):
        live = node._ag_live_in | node._ag_live_out | self.declared
        return {v for v in modified if v in live}

    # -- generated pieces

    def _declarations(self, names):
        out = []
        globals_ = [n for n in names if n in self.globals]
        others = [n for n in names if n not in self.globals]
        if globals_:
            out.append(ast.Global(names=globals_))
        if others:
            out.append(ast.Nonlocal(names=others))
        return out

    def _state_functions(self, names):
        get_name, set_name = self.namer.new("get_state"), self.namer.new("set_state")
        getter = _def(get_name, [ast.Return(value=ast.Tuple(
            elts=[_load(n) for n in names], ctx=ast.Load()))])
        values = self.namer.new("vars_")
        if names:
            target = ast.Tuple(elts=[_store(n) for n in names], ctx=ast.Store())
            setter_body = self._declarations(names) + [
                ast.Assign(targets=[target], value=_load(values))]
        else:
            setter_body = [ast.Pass()]
        setter = _def(set_name, setter_body, params=[values])
        return [getter, setter], get_name, set_name

    def _undefined_assigns(self, node, modified):
        return [_assign(v, _ag_call("Undefined", _const(v)))
                for v in sorted(self._undefined(node, modified))]

    def _names_tuple(self, names):
        return ast.Tuple(elts=[_const(n) for n in names], ctx=ast.Load())

    def _extra_test(self, node):
        test = getattr(node, "_ag_extra_test", None)
        if test is None:
            return [], _const(None)
        name = self.namer.new("extra_test")
        return [_def(name, [ast.Return(value=test)])], _load(name)

    def _opts(self, node):
        return getattr(node, "_ag_loop_opts", None) or ast.Dict(keys=[], values=[])

    # -- the statements

    def _if(self, node):
        modified = node._ag_modified
        state = self._state(node, modified)
        input_only = {v for v in state
                      if v in node._ag_live_in and v not in node._ag_live_out
                      and v not in self.declared}
        names = sorted(state - input_only) + sorted(input_only)
        functions, get_name, set_name = self._state_functions(names)
        body_name, else_name = self.namer.new("if_body"), self.namer.new("else_body")
        functions += [_def(body_name, self._declarations(names) + node.body),
                      _def(else_name, self._declarations(names) + node.orelse)]
        call = _ag_call("if_stmt", node.test, _load(body_name), _load(else_name),
                        _load(get_name), _load(set_name), self._names_tuple(names),
                        _const(len(names) - len(input_only)))
        return functions + self._undefined_assigns(node, modified) + [ast.Expr(value=call)]

    def _while(self, node):
        modified = node._ag_modified
        names = sorted(self._state(node, modified))
        functions, get_name, set_name = self._state_functions(names)
        body_name, test_name = self.namer.new("loop_body"), self.namer.new("loop_test")
        functions += [_def(body_name, self._declarations(names) + node.body),
                      _def(test_name, [ast.Return(value=node.test)])]
        extra_fn, extra = self._extra_test(node)
        call = _ag_call("while_stmt", _load(test_name), extra, _load(body_name),
                        _load(get_name), _load(set_name), self._names_tuple(names),
                        self._opts(node))
        return functions + extra_fn + self._undefined_assigns(node, modified) + \
            [ast.Expr(value=call)]

    def _for(self, node):
        modified = node._ag_modified
        names = sorted(self._state(node, modified))
        functions, get_name, set_name = self._state_functions(names)
        body_name, item = self.namer.new("loop_body"), self.namer.new("itr")
        unpack = ast.copy_location(ast.Assign(targets=[node.target], value=_load(item)), node)
        functions.append(_def(body_name, self._declarations(names) + [unpack] + node.body,
                              params=[item]))
        extra_fn, extra = self._extra_test(node)
        opts = self._opts(node)  # as TF, with the loop target's text (a range starts it)
        opts.keys.append(_const("iterate_names"))
        opts.values.append(_const(ast.unparse(node.target)))
        call = _ag_call("for_stmt", node.iter, extra, _load(body_name), _load(get_name),
                        _load(set_name), self._names_tuple(names), opts)
        return functions + extra_fn + self._undefined_assigns(node, modified) + \
            [ast.Expr(value=call)]


class _LoadChecker(ast.NodeTransformer):
    """Wraps reads of names that may hold `Undefined` in `ag__.ld` (raises as Python would)."""

    def __init__(self, names):
        self.names = names

    def wrap(self, body):
        body[:] = [self.visit(s) for s in body]

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.names:
            return ast.copy_location(_ag_call("ld", node), node)
        return node

    def _scope(self, node):
        return node  # nested functions and classes: their own names

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope


def convert_control_flow(tree, namer):
    """Runs the control-flow pass on every function in `tree`, outermost first."""
    functions, stack = [], [tree]
    while stack:  # breadth first, outside class bodies (left as written)
        node = stack.pop(0)
        if isinstance(node, ast.FunctionDef):
            functions.append(node)
        stack.extend(c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.ClassDef))
    for fn in functions:
        ControlFlowConverter(namer).function(fn)
    return tree


# ---------------------------------------------------------------------------

class Unsupported(Exception):
    """A construct AutoGraph does not convert; the function then runs as written."""


def check_supported(node):
    """Raises Unsupported for generators and async functions, as TF refuses them."""
    for n in ast.walk(node):
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            raise Unsupported("generators are not supported")
        if isinstance(n, (ast.AsyncFunctionDef, ast.AsyncFor, ast.AsyncWith, ast.Await)):
            raise Unsupported("async functions are not supported")


def transform(node, class_name=None):
    """Runs the four passes on a parsed FunctionDef or Lambda; returns the new node.

    `class_name` is the class a method belongs to (for name mangling).
    """
    check_supported(node)
    namer = Namer(node)
    wrapper = ast.Module(body=[node if isinstance(node, ast.stmt) else ast.Expr(value=node)],
                         type_ignores=[])
    lower_loop_jumps(wrapper, namer)
    lower_all_returns(wrapper, namer)
    first = None
    if isinstance(node, ast.FunctionDef):
        params = node.args.posonlyargs + node.args.args
        first = params[0].arg if params else None
    ExpressionConverter(class_name, first).visit(wrapper)
    convert_control_flow(wrapper, namer)
    result = wrapper.body[0]
    return result if isinstance(node, ast.stmt) else result.value
