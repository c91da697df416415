"""Static analysis of one function body for AutoGraph: activity, liveness, definedness.

The transformer asks three questions about each `if`, `while` and `for`
(after `break`, `continue` and nested `return` are lowered to flags, so the
code has no jumps left):

- which names the statement assigns (`activity`), at this function's scope:
  the bodies of nested functions, lambdas, classes and comprehensions are
  their own scopes, and count only for the outer names they read;
- which names are live on entry and on exit (`Liveness`): read later before
  being reassigned. A structured backward pass, iterated to a fixed point
  around loops, as TF's CFG-based analysis computes for jump-free code;
- which names may hold a value on entry (`Definedness`): assigned on some
  path from the function's start, as TF's reaching definitions.

Results are stored on the AST nodes as `_ag_live_in`, `_ag_live_out` and
`_ag_defined_in`.
"""

import ast

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


# ---------------------------------------------------------------------------
# Activity: names read and written.

class _Activity(ast.NodeVisitor):
    def __init__(self):
        self.reads = set()
        self.writes = set()

    def visit_Name(self, node):
        (self.reads if isinstance(node.ctx, ast.Load) else self.writes).add(node.id)

    def visit_AugAssign(self, node):
        # `x += 1` reads x too, although its target is a Store.
        if isinstance(node.target, ast.Name):
            self.reads.add(node.target.id)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        if node.value is not None:  # a bare annotation binds nothing at run time
            self.visit(node.target)
            self.visit(node.value)

    def _visit_arguments(self, args):
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(default)

    def visit_FunctionDef(self, node):
        self.writes.add(node.name)
        for d in node.decorator_list:
            self.visit(d)
        self._visit_arguments(node.args)
        self.reads |= free_reads(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._visit_arguments(node.args)
        self.reads |= free_reads(node)

    def visit_ClassDef(self, node):
        self.writes.add(node.name)
        for n in node.bases + node.decorator_list + [k.value for k in node.keywords]:
            self.visit(n)
        self.reads |= free_reads(node)

    def _visit_comprehension(self, node):
        # The first iterable is evaluated in the enclosing scope; the rest of
        # the comprehension reads outer names except its own targets. A walrus
        # inside binds in the enclosing scope.
        self.visit(node.generators[0].iter)
        inner = _Activity()
        for n in ast.walk(node):
            if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name):
                self.writes.add(n.target.id)
        for child in ast.iter_child_nodes(node):
            inner.visit(child)
        self.reads |= inner.reads - inner.writes

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _visit_comprehension

    def visit_Import(self, node):
        for alias in node.names:
            self.writes.add(alias.asname or alias.name.split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node):
        if node.name:
            self.writes.add(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node):
        if node.name:
            self.writes.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node):
        if node.name:
            self.writes.add(node.name)

    def visit_MatchMapping(self, node):
        if node.rest:
            self.writes.add(node.rest)
        self.generic_visit(node)

    def visit_Global(self, node):
        pass

    visit_Nonlocal = visit_Global


def activity(*nodes):
    """(reads, writes): the names `nodes` read and assign at the current scope."""
    visitor = _Activity()
    for node in nodes:
        if isinstance(node, list):
            for n in node:
                visitor.visit(n)
        elif node is not None:
            visitor.visit(node)
    return visitor.reads, visitor.writes


def reads(*nodes):
    """The names `nodes` read at the current scope."""
    return activity(*nodes)[0]


def writes(*nodes):
    """The names `nodes` assign at the current scope."""
    return activity(*nodes)[1]


def free_reads(scope):
    """Names a nested function/lambda/class reads from outside (an over-approximation)."""
    loads, local = set(), set()
    if not isinstance(scope, ast.ClassDef):
        args = scope.args
        for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if a is not None:
                local.add(a.arg)
    body = scope.body if isinstance(scope.body, list) else [scope.body]
    declared = set()
    for node in body:
        for n in ast.walk(node):
            if isinstance(n, ast.Name):
                (loads if isinstance(n.ctx, ast.Load) else local).add(n.id)
            elif isinstance(n, (ast.Global, ast.Nonlocal)):
                declared |= set(n.names)
    return (loads - local) | declared


def declared_names(body):
    """Names a function body declares `global` or `nonlocal` (not in nested functions)."""
    names = set()
    for node in body:
        for n in walk_scope(node):
            if isinstance(n, (ast.Global, ast.Nonlocal)):
                names |= set(n.names)
    return names


def walk_scope(node):
    """Like ast.walk, without entering nested functions, lambdas, classes or comprehensions."""
    if isinstance(node, _SCOPES + _COMPREHENSIONS):
        yield node
        return
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for child in ast.iter_child_nodes(n):
            if not isinstance(child, _SCOPES + _COMPREHENSIONS):
                stack.append(child)


# ---------------------------------------------------------------------------
# Liveness.

def _extra_test(loop):
    """The condition the break/return lowering added to a loop (read before each iteration)."""
    return getattr(loop, "_ag_extra_test", None)


class Liveness:
    """Backward liveness over a jump-free body; annotates if/while/for nodes.

    `exit_live` is what is live when the function returns: the names it
    declares global/nonlocal, which the caller may see.
    """

    def __init__(self, exit_live):
        self.exit_live = frozenset(exit_live)

    def block(self, stmts, live_out):
        live = set(live_out)
        for stmt in reversed(stmts):
            live = self.stmt(stmt, live)
        return live

    def stmt(self, node, live_out):
        method = getattr(self, "_" + type(node).__name__, None)
        if method is not None:
            live_in = method(node, set(live_out))
        elif isinstance(node, (ast.Return, ast.Raise)):
            live_in = reads(node) | self.exit_live
        else:
            r, w = activity(node)
            live_in = (live_out - w) | r
        return live_in

    def _annotate(self, node, live_in, live_out):
        node._ag_live_in = frozenset(live_in)
        node._ag_live_out = frozenset(live_out)
        return live_in

    def _If(self, node, out):
        live_in = reads(node.test) | self.block(node.body, out) | self.block(node.orelse, out)
        return self._annotate(node, live_in, out)

    def _While(self, node, out):
        orelse_in = self.block(node.orelse, out)
        test = reads(node.test, _extra_test(node))
        head = test | orelse_in
        while True:
            new_head = test | orelse_in | self.block(node.body, head)
            if new_head == head:
                break
            head = new_head
        return self._annotate(node, head, out)

    def _For(self, node, out):
        orelse_in = self.block(node.orelse, out)
        target_reads, target_writes = activity(node.target)
        extra = reads(_extra_test(node))
        head = orelse_in | extra
        while True:
            body_in = (self.block(node.body, head) - target_writes) | target_reads
            new_head = orelse_in | extra | body_in
            if new_head == head:
                break
            head = new_head
        return self._annotate(node, reads(node.iter) | head, out)

    _AsyncFor = _For

    def _With(self, node, out):
        items_reads, items_writes = activity([i.context_expr for i in node.items] +
                                             [i.optional_vars for i in node.items
                                              if i.optional_vars is not None])
        return items_reads | (self.block(node.body, out) - items_writes)

    _AsyncWith = _With

    def _Try(self, node, out):
        final_in = self.block(node.finalbody, out)
        orelse_in = self.block(node.orelse, final_in)
        handlers_in = set()
        for h in node.handlers:
            handlers_in |= reads(h.type) | (self.block(h.body, final_in) - {h.name})
        # An exception may leave the body anywhere: what a handler or the
        # finally block reads is live throughout it.
        body_in = self.block(node.body, orelse_in | handlers_in | final_in)
        return body_in | handlers_in | final_in

    _TryStar = _Try

    def _Match(self, node, out):
        live = reads(node.subject) | out
        for case in node.cases:
            r, w = activity(case.pattern)
            live |= r | reads(case.guard) | (self.block(case.body, out) - w)
        return live


# ---------------------------------------------------------------------------
# Definedness.

class Definedness:
    """Forward "may be assigned" analysis; annotates if/while/for nodes with `_ag_defined_in`."""

    def block(self, stmts, defined):
        defined = set(defined)
        for stmt in stmts:
            defined = self.stmt(stmt, defined)
        return defined

    def stmt(self, node, defined):
        method = getattr(self, "_" + type(node).__name__, None)
        if method is not None:
            return method(node, set(defined))
        return defined | writes(node)

    def _If(self, node, defined):
        node._ag_defined_in = frozenset(defined)
        return self.block(node.body, defined) | self.block(node.orelse, defined)

    def _loop(self, node, defined, entering):
        node._ag_defined_in = frozenset(defined)
        inside = defined | entering
        while True:  # assignments late in the body reach its start on the next iteration
            after = self.block(node.body, inside)
            if after <= inside:
                break
            inside |= after
        return self.block(node.orelse, inside)

    def _While(self, node, defined):
        return self._loop(node, defined, writes(node.test))

    def _For(self, node, defined):
        return self._loop(node, defined, writes(node.target))

    _AsyncFor = _For

    def _With(self, node, defined):
        return self.block(node.body, defined | writes([i.optional_vars for i in node.items
                                                       if i.optional_vars is not None]))

    _AsyncWith = _With

    def _Try(self, node, defined):
        after_body = self.block(node.body, defined)
        result = self.block(node.orelse, after_body)
        for h in node.handlers:
            result |= self.block(h.body, after_body | ({h.name} if h.name else set()))
        return self.block(node.finalbody, result)

    _TryStar = _Try

    def _Match(self, node, defined):
        result = set(defined)
        for case in node.cases:
            result |= self.block(case.body, defined | writes(case.pattern))
        return result
