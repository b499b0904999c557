"""Python's scoping rules over one LibCST top-level statement: which `Name` nodes refer to module
globals, and which nodes bind module-level names.

Written for the runner's tree-shaker instead of `libcst.metadata.ScopeProvider`, whose fixed cost
(about 10 ms per resolve, seconds on a large module) would dominate building runners: this walks
only the statements a pipeline needs, once each. Rules: functions and lambdas have their own scope
(parameters, assigned names, imports, nested def/class names are local unless declared `global`);
class bodies have a scope that nested functions skip; comprehensions have a scope for their targets
(their first iterable belongs to the enclosing scope; `:=` binds outside them); decorators,
defaults, annotations and class bases belong to the enclosing scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from glacierc.frontend.children import code_children

COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


@dataclass(frozen=True, slots=True)
class Ref:
    """A use of the global `name` at the `Name` node `node`."""

    name: str
    node: cst.Name
    in_annotation: bool


@dataclass(slots=True)
class StatementScopes:
    """Name references and module-level bindings of the statements the runner copies."""

    refs: list[Ref] = field(default_factory=list)
    sites: dict[str, list[cst.Name]] = field(default_factory=dict)  # module-level bindings (name nodes)
    parents: dict[int, cst.CSTNode] = field(default_factory=dict)


class _Scope:
    __slots__ = ("declared_global", "declared_nonlocal", "kind", "local", "parent")

    def __init__(self, kind: str, parent: _Scope | None) -> None:
        self.kind, self.parent = kind, parent
        self.local: set[str] = set()
        self.declared_global: set[str] = set()
        self.declared_nonlocal: set[str] = set()

    def binding_scope(self, walrus: bool) -> _Scope:
        scope = self
        while walrus and scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        return scope


def is_global(name: str, scope: _Scope) -> bool:
    """Does `name`, used in `scope`, refer to a module-level name (or a builtin)?"""
    if scope.kind == "module" or name in scope.declared_global:
        return True
    if name in scope.local or name in scope.declared_nonlocal:
        return False
    current = scope.parent
    while current is not None:
        if current.kind == "module":
            return True
        if current.kind != "class":
            if name in current.declared_global:
                return True
            if name in current.local or name in current.declared_nonlocal:
                return False
        current = current.parent
    return True


class _Walker:
    def __init__(self, parent: cst.CSTNode) -> None:
        self.module = _Scope("module", None)
        self.result = StatementScopes()
        self.loads: list[tuple[cst.Name, _Scope, bool]] = []
        self.stores: list[tuple[cst.Name, _Scope]] = []
        self.stack: list[tuple[cst.CSTNode, _Scope, bool, cst.CSTNode]] = []
        self.top_parent = parent

    def run(self, statement: cst.CSTNode) -> StatementScopes:
        self.stack.append((statement, self.module, False, self.top_parent))
        while self.stack:
            node, scope, annotation, parent = self.stack.pop()
            self.result.parents[id(node)] = parent
            self.visit(node, scope, annotation)
        for node, scope, annotation in self.loads:
            if is_global(node.value, scope):
                self.result.refs.append(Ref(node.value, node, annotation))
        for node, scope in self.stores:
            if scope.kind == "module" or node.value in scope.declared_global:
                self.result.sites.setdefault(node.value, []).append(node)
        return self.result

    def push(self, node: cst.CSTNode | None, scope: _Scope, annotation: bool, parent: cst.CSTNode) -> None:
        if node is not None:
            self.stack.append((node, scope, annotation, parent))

    def push_children(self, node: cst.CSTNode, scope: _Scope, annotation: bool) -> None:
        for child in code_children(node):
            self.push(child, scope, annotation, node)

    def bind(self, name: cst.Name, scope: _Scope, walrus: bool = False) -> None:
        target = scope.binding_scope(walrus)
        target.local.add(name.value)
        self.stores.append((name, target))

    def bind_target(self, target: cst.BaseExpression, scope: _Scope, parent: cst.CSTNode, walrus=False) -> None:
        """Names bound by an assignment target; attributes and subscripts are evaluated instead."""
        if isinstance(target, cst.Name):
            self.result.parents[id(target)] = parent
            self.bind(target, scope, walrus)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind_target(element.value, scope, element)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, scope, target)
        else:
            self.push(target, scope, False, parent)

    # ---- dispatch --------------------------------------------------------------------------------
    def visit(self, node: cst.CSTNode, scope: _Scope, annotation: bool) -> None:
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            handler(self, node, scope, annotation)
        elif isinstance(node, cst.Name):
            self.loads.append((node, scope, annotation))
        elif isinstance(node, COMPREHENSIONS):
            self.comprehension(node, scope, annotation)
        else:
            self.push_children(node, scope, annotation)

    def function(self, node: cst.FunctionDef, scope: _Scope, annotation: bool) -> None:
        self.result.parents[id(node.name)] = node
        self.bind(node.name, scope)
        inner = _Scope("function", scope)
        for decorator in node.decorators:
            self.push(decorator, scope, False, node)
        self.parameters(node.params, scope, inner, node)
        if node.returns is not None:
            self.push(node.returns, scope, True, node)
        self.push(node.body, inner, False, node)

    def lambda_(self, node: cst.Lambda, scope: _Scope, annotation: bool) -> None:
        inner = _Scope("function", scope)
        self.parameters(node.params, scope, inner, node)
        self.push(node.body, inner, annotation, node)

    def parameters(self, params: cst.Parameters, outer: _Scope, inner: _Scope, owner: cst.CSTNode) -> None:
        self.result.parents[id(params)] = owner
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
        for param in every:
            self.result.parents[id(param)] = params
            self.result.parents[id(param.name)] = param
            inner.local.add(param.name.value)
            if param.annotation is not None:
                self.push(param.annotation, outer, True, param)
            if param.default is not None:
                self.push(param.default, outer, False, param)

    def class_(self, node: cst.ClassDef, scope: _Scope, annotation: bool) -> None:
        self.result.parents[id(node.name)] = node
        self.bind(node.name, scope)
        for part in (*node.decorators, *node.bases, *node.keywords):
            self.push(part, scope, False, node)
        self.push(node.body, _Scope("class", scope), False, node)

    def comprehension(self, node, scope: _Scope, annotation: bool) -> None:
        inner = _Scope("comprehension", scope)
        first: cst.CompFor = node.for_in
        self.push(first.iter, scope, annotation, first)
        current: cst.CompFor | None = first
        while current is not None:
            self.result.parents[id(current)] = node
            self.bind_target(current.target, inner, current)
            if current is not first:
                self.push(current.iter, inner, annotation, current)
            for condition in current.ifs:
                self.push(condition, inner, annotation, current)
            current = current.inner_for_in
        for part in ("elt", "key", "value"):
            self.push(getattr(node, part, None), inner, annotation, node)

    def assign(self, node: cst.Assign, scope: _Scope, annotation: bool) -> None:
        for target in node.targets:
            self.bind_target(target.target, scope, target)
        self.push(node.value, scope, False, node)

    def ann_assign(self, node: cst.AnnAssign, scope: _Scope, annotation: bool) -> None:
        self.bind_target(node.target, scope, node)
        self.push(node.annotation, scope, True, node)
        self.push(node.value, scope, False, node)

    def aug_assign(self, node: cst.AugAssign, scope: _Scope, annotation: bool) -> None:
        if isinstance(node.target, cst.Name):
            self.loads.append((node.target, scope, False))  # read, then written
        self.bind_target(node.target, scope, node)
        self.push(node.value, scope, False, node)

    def for_(self, node: cst.For, scope: _Scope, annotation: bool) -> None:
        self.bind_target(node.target, scope, node)
        for part in (node.iter, node.body, node.orelse):
            self.push(part, scope, False, node)

    def named_expr(self, node: cst.NamedExpr, scope: _Scope, annotation: bool) -> None:
        self.bind_target(node.target, scope, node, walrus=True)
        self.push(node.value, scope, annotation, node)

    def as_name(self, node: cst.AsName, scope: _Scope, annotation: bool) -> None:
        self.bind_target(node.name, scope, node)

    def delete(self, node: cst.Del, scope: _Scope, annotation: bool) -> None:
        self.bind_target(node.target, scope, node)

    def import_(self, node: cst.Import | cst.ImportFrom, scope: _Scope, annotation: bool) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            local: cst.BaseExpression = alias.asname.name if alias.asname else alias.name
            while isinstance(local, cst.Attribute) and isinstance(node, cst.Import):
                local = local.value  # `import a.b` binds `a`
            if isinstance(local, cst.Name):
                self.result.parents[id(local)] = alias
                self.bind(local, scope)

    def declaration(self, node: cst.Global | cst.Nonlocal, scope: _Scope, annotation: bool) -> None:
        names = {item.name.value for item in node.names}
        if isinstance(node, cst.Global):
            scope.declared_global |= names
        else:
            scope.declared_nonlocal |= names

    def attribute(self, node: cst.Attribute, scope: _Scope, annotation: bool) -> None:
        self.push(node.value, scope, annotation, node)  # `.attr` is not a name in any scope

    def argument(self, node: cst.Arg, scope: _Scope, annotation: bool) -> None:
        self.push(node.value, scope, annotation, node)  # `keyword=` is not a name either

    def match_capture(self, node, scope: _Scope, annotation: bool) -> None:
        name = getattr(node, "name", None) or getattr(node, "rest", None)
        if isinstance(name, cst.Name):
            self.result.parents[id(name)] = node
            self.bind(name, scope)
        for part in ("pattern", "elements", "cls", "patterns", "kwds", "value", "key"):
            value = getattr(node, part, None)
            for item in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(item, cst.CSTNode) and item is not name:
                    self.push(item, scope, annotation, node)

    def keyword_pattern(self, node: cst.MatchKeywordElement, scope: _Scope, annotation: bool) -> None:
        self.push(node.pattern, scope, annotation, node)


# Each handler takes the node type it is keyed by: the dispatch is by type, so the node is Any to mypy.
_HANDLERS: dict[type[cst.CSTNode], Callable[[_Walker, Any, _Scope, bool], None]] = {
    cst.FunctionDef: _Walker.function, cst.Lambda: _Walker.lambda_, cst.ClassDef: _Walker.class_,
    cst.Assign: _Walker.assign, cst.AnnAssign: _Walker.ann_assign, cst.AugAssign: _Walker.aug_assign,
    cst.For: _Walker.for_, cst.NamedExpr: _Walker.named_expr, cst.AsName: _Walker.as_name,
    cst.Del: _Walker.delete, cst.Import: _Walker.import_, cst.ImportFrom: _Walker.import_,
    cst.Global: _Walker.declaration, cst.Nonlocal: _Walker.declaration, cst.Attribute: _Walker.attribute,
    cst.Arg: _Walker.argument, cst.MatchAs: _Walker.match_capture, cst.MatchStar: _Walker.match_capture,
    cst.MatchMapping: _Walker.match_capture, cst.MatchKeywordElement: _Walker.keyword_pattern,
}


#: The handlers of the statements and patterns that bind names where they stand.
_BINDERS = frozenset((_Walker.assign, _Walker.ann_assign, _Walker.aug_assign, _Walker.for_, _Walker.named_expr,
                      _Walker.as_name, _Walker.delete, _Walker.import_, _Walker.match_capture))


def analyse_statement(statement: cst.CSTNode, parent: cst.CSTNode) -> StatementScopes:
    """Global references, module-level binding sites and parent links of one top-level statement."""
    return _Walker(parent).run(statement)


def bound_names(statement: cst.CSTNode) -> set[str]:
    """Module-level names a top-level statement binds, without walking into function bodies."""
    names: set[str] = set()
    _shallow(statement, names)
    return names


def _shallow(node: cst.CSTNode, names: set[str]) -> None:
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        names.add(node.name.value)
        return
    if isinstance(node, (cst.Lambda, *COMPREHENSIONS)):
        return
    walker = _Walker(node)
    handler = _HANDLERS.get(type(node))
    if handler is not None and handler in _BINDERS:
        handler(walker, node, walker.module, False)
        names.update(name.value for name, _ in walker.stores)
        children_ = [item[0] for item in walker.stack]  # what the handler left to evaluate
    else:
        children_ = code_children(node)
    for child in children_:
        _shallow(child, names)
