"""One module as the tree-shaker sees it: its top-level statements, the global names each binds, and
every reference to a global name (with the statement it sits in), from LibCST's scope analysis.

Import statements are classified by the frontend's own symbol table (`glacierc.frontend.names`),
so relative imports and sibling modules resolve exactly as they did during analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider
from libcst.metadata.scope_provider import GlobalScope, ImportAssignment

from glacierc.frontend.loader import SourceFile
from glacierc.frontend.names import Binding, SymbolTable


@dataclass(frozen=True, slots=True)
class Ref:
    """A use of the global `name` (for `import a.b` the dotted name `a.b`) at `node`."""

    name: str
    node: cst.CSTNode
    in_annotation: bool


@dataclass(slots=True)
class ModuleSymbols:
    module: str
    path: str
    tree: cst.Module
    table: SymbolTable
    imports: frozenset[int]  # indexes of statements that are imports only
    binders: dict[str, list[int]] = field(default_factory=dict)  # name -> statements binding it
    refs: dict[int, list[Ref]] = field(default_factory=dict)  # statement -> references to globals
    sites: dict[str, list[cst.CSTNode]] = field(default_factory=dict)  # name -> its binding nodes
    parents: dict[int, cst.CSTNode] = field(default_factory=dict)  # id(node) -> parent node
    futures: tuple[str, ...] = ()

    @property
    def statements(self) -> tuple[cst.BaseStatement, ...]:
        return tuple(self.tree.body)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(id(node))

    def binding(self, name: str) -> Binding | None:
        """The frontend's view of `name` when its last binding is a plain top-level import."""
        found = self.table.bindings.get(name)
        last = self.binders.get(name, [None])[-1]
        return found if found is not None and found.index == last else None


def analyse_module(module: str, path: str, text: str, project_modules: set[str]) -> ModuleSymbols:
    tree = cst.parse_module(text)
    source = SourceFile(path, path, module, text, tree, path.endswith("__init__.py"))
    imports = frozenset(i for i, s in enumerate(tree.body) if _is_import_line(s))
    symbols = ModuleSymbols(module, path, tree, SymbolTable(source, project_modules), imports)
    tops = _walk(tree, symbols.parents)
    annotations = _annotation_nodes(tree)
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    scope = wrapper.resolve(ScopeProvider)[tree]
    assert isinstance(scope, GlobalScope)
    seen: set[int] = set()
    for assignment in sorted(scope.assignments, key=lambda a: a.name):
        name = _bound_name(assignment)
        node = assignment.node
        index = tops.get(id(node))
        if index is not None:
            symbols.binders.setdefault(name, []).append(index)
            symbols.sites.setdefault(name, []).append(node)
        for access in assignment.references:
            if id(access.node) in seen or id(access.node) not in tops:
                continue
            seen.add(id(access.node))
            ref = Ref(_access_name(assignment, access.node), access.node, id(access.node) in annotations)
            symbols.refs.setdefault(tops[id(access.node)], []).append(ref)
    for name, indexes in symbols.binders.items():
        symbols.binders[name] = sorted(set(indexes))
    symbols.futures = _futures(tree)
    return symbols


def _walk(tree: cst.Module, parents: dict[int, cst.CSTNode]) -> dict[int, int]:
    """Fill `parents`; return id(node) -> index of the top-level statement holding it."""
    tops: dict[int, int] = {}
    for index, statement in enumerate(tree.body):
        stack: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(statement, tree)]
        while stack:
            node, parent = stack.pop()
            tops[id(node)] = index
            parents[id(node)] = parent
            stack.extend((child, node) for child in node.children)
    return tops


def _annotation_nodes(tree: cst.Module) -> set[int]:
    """ids of every node inside an annotation (those names are never needed at run time by us)."""
    found: set[int] = set()

    class Visitor(cst.CSTVisitor):
        def visit_Annotation(self, node: cst.Annotation) -> bool:
            stack: list[cst.CSTNode] = [node]
            while stack:
                current = stack.pop()
                found.add(id(current))
                stack.extend(current.children)
            return False

    tree.visit(Visitor())
    return found


def _bound_name(assignment) -> str:
    """The global name an assignment binds (`import a.b` binds `a`)."""
    if isinstance(assignment, ImportAssignment) and isinstance(assignment.node, cst.Import):
        return assignment.name.split(".")[0]
    return assignment.name


def _access_name(assignment, node: cst.CSTNode) -> str:
    if isinstance(node, cst.Attribute):
        return assignment.name  # `a.b` of `import a.b`
    return _bound_name(assignment) if isinstance(node, cst.Name) else assignment.name


def _is_import_line(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body)


def _futures(tree: cst.Module) -> tuple[str, ...]:
    names: list[str] = []
    for statement in tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name)
                    and small.module.value == "__future__" and not isinstance(small.names, cst.ImportStar)):
                names += [alias.name.value for alias in small.names if isinstance(alias.name, cst.Name)]
    return tuple(sorted(set(names)))


def import_alias(symbols: ModuleSymbols, index: int, name: str) -> tuple[cst.CSTNode, cst.ImportAlias] | None:
    """(statement part, alias) of the import at statement `index` that binds `name`."""
    statement = symbols.tree.body[index]
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    for small in statement.body:
        if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
            for alias in small.names:
                local = alias.asname.name if alias.asname else alias.name
                bound = _dotted(local)
                if isinstance(small, cst.Import) and alias.asname is None:
                    bound = bound.split(".")[0]
                if bound == name:
                    return small, alias
    return None


def _dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""
