"""One module as the tree-shaker sees it: its top-level statements, the global names each binds, and —
for the statements the closure actually visits, computed on demand — the references to module globals
and the binding sites inside them (`scopes.analyse_statement`).

Import statements are classified by the frontend's own symbol table (`glacierc.frontend.names`), so
relative imports and sibling modules resolve exactly as they did during analysis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst

from glacierc.backends.runner.scopes import StatementScopes, analyse_statement, bound_names
from glacierc.frontend.loader import SourceFile, parse_source
from glacierc.frontend.names import Binding, SymbolTable
from glacierc.ir.nodes import Project


@dataclass(slots=True)
class ModuleSymbols:
    """One module of the project: its text, tree and symbol table."""

    module: str
    path: str
    text: str
    tree: cst.Module
    table: SymbolTable
    imports: frozenset[int]  # indexes of statements that are imports only
    binders: dict[str, list[int]] = field(default_factory=dict)  # name -> statements binding it
    names_of: dict[int, tuple[str, ...]] = field(default_factory=dict)  # statement -> names it binds
    futures: tuple[str, ...] = ()
    _scopes: dict[int, StatementScopes] = field(default_factory=dict)

    def scopes(self, index: int) -> StatementScopes:
        found = self._scopes.get(index)
        if found is None:
            found = self._scopes[index] = analyse_statement(self.tree.body[index], self.tree)
        return found

    def parent(self, index: int, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.scopes(index).parents.get(id(node))

    def binding(self, name: str) -> Binding | None:
        """The frontend's view of `name` when its last binding is a plain top-level import."""
        found = self.table.bindings.get(name)
        last = self.binders.get(name, [None])[-1]
        return found if found is not None and found.index == last else None


def analyse_module(module: str, path: str, text: str, project_modules: set[str]) -> ModuleSymbols:
    tree = parse_source(text)
    source = SourceFile(path, path, module, text, tree, path.endswith("__init__.py"))
    imports = frozenset(i for i, s in enumerate(tree.body) if _is_import_line(s))
    symbols = ModuleSymbols(module, path, text, tree, SymbolTable(source, project_modules), imports)
    for index, statement in enumerate(tree.body):
        names = tuple(sorted(bound_names(statement)))
        symbols.names_of[index] = names
        for name in names:
            symbols.binders.setdefault(name, []).append(index)
    symbols.futures = _futures(tree)
    return symbols


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


def analyse_modules(project: Project, sources: Mapping[str, str]) -> dict[str, ModuleSymbols]:
    """The symbols of every project module whose text is in `sources`, by module name."""
    names = {m.name for m in project.modules if m.name in sources}
    return {m.name: analyse_module(m.name, m.path, sources[m.name], names)
            for m in sorted(project.modules, key=lambda m: m.name) if m.name in sources}
