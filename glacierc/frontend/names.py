"""Module symbol tables: what each top-level name of a file is bound to (imports, assignments, defs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst

from glacierc.frontend.loader import SourceFile


@dataclass(frozen=True, slots=True)
class Binding:
    """`kind`: "qual" (external import), "module" (project module), "from" (name imported from a project
    module), "assign", "def", "class", "unresolved" (project import that names no file)."""

    kind: str
    index: int
    node: cst.CSTNode
    target: str = ""  # qualified name, module name, or "module:name"


def dotted(node: cst.BaseExpression | cst.ImportAlias | None) -> str:
    if isinstance(node, cst.ImportAlias):
        node = node.name
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""


class SymbolTable:
    def __init__(self, source: SourceFile, project_modules: set[str]) -> None:
        self.source = source
        self.modules = project_modules
        self.bindings: dict[str, Binding] = {}
        self.star_imports: list[str] = []  # `from X import *` of modules outside the project
        self.project_stars: list[str] = []  # ... and of project modules, whose names are known
        for index, statement in enumerate(source.tree.body if source.tree else ()):
            self._bind_statement(index, statement)

    def _bind_statement(self, index: int, statement: cst.CSTNode) -> None:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            kind = "def" if isinstance(statement, cst.FunctionDef) else "class"
            self.bindings[statement.name.value] = Binding(kind, index, statement)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self._bind_small(index, small)

    def _bind_small(self, index: int, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Import):
            for alias in small.names:
                self._bind_import(index, alias)
        elif isinstance(small, cst.ImportFrom):
            self._bind_from(index, small)
        elif isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, cst.Name):
                    self.bindings[target.target.value] = Binding("assign", index, small.value)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            if isinstance(small.target, cst.Name):
                self.bindings[small.target.value] = Binding("assign", index, small.value)

    def _bind_import(self, index: int, alias: cst.ImportAlias) -> None:
        name = dotted(alias.name)
        if alias.asname is not None:
            local = dotted(alias.asname.name)
            kind = "module" if name in self.modules else "qual"
            self.bindings[local] = Binding(kind, index, alias, name)
        else:
            head = name.split(".")[0]
            kind = "module" if head in self.modules else "qual"
            self.bindings[head] = Binding(kind, index, alias, head)

    def _bind_from(self, index: int, node: cst.ImportFrom) -> None:
        base = self._resolve_from_module(node)
        project = base in self.modules or any(m.startswith(base + ".") for m in self.modules)
        if isinstance(node.names, cst.ImportStar):
            (self.project_stars if project else self.star_imports).append(base)
            return
        for alias in node.names:
            name = dotted(alias.name)
            local = dotted(alias.asname.name) if alias.asname else name
            if node.relative and not project:
                self.bindings[local] = Binding("unresolved", index, alias, f"{base}.{name}")
            elif f"{base}.{name}" in self.modules:
                self.bindings[local] = Binding("module", index, alias, f"{base}.{name}")
            elif project:
                self.bindings[local] = Binding("from", index, alias, f"{base}:{name}")
            else:
                self.bindings[local] = Binding("qual", index, alias, f"{base}.{name}")

    def listed_exports(self) -> frozenset[str] | None:
        """The names of a literal `__all__` (a list or tuple of strings), or None."""
        binding = self.bindings.get("__all__")
        node = binding.node if binding is not None and binding.kind == "assign" else None
        if not isinstance(node, (cst.List, cst.Tuple)):
            return None
        names = [e.value.evaluated_value for e in node.elements if isinstance(e.value, cst.SimpleString)]
        return frozenset(n for n in names if isinstance(n, str)) if len(names) == len(node.elements) else None

    def _resolve_from_module(self, node: cst.ImportFrom) -> str:
        name = dotted(node.module) if node.module else ""
        if not node.relative:
            sibling = self._sibling(name)
            return sibling if sibling and name not in self.modules else name
        package = self.source.module.split(".")
        if not self.source.is_package:
            package = package[:-1]
        levels = len(node.relative)
        package = package[: len(package) - (levels - 1)] if levels > 1 else package
        return ".".join(p for p in (*package, name) if p)

    def _sibling(self, name: str) -> str | None:
        """`from infra import x` inside a directory that is compiled as a whole but is not a package."""
        parts = self.source.module.split(".")[:-1]
        candidate = ".".join((*parts, name)) if parts else name
        found = candidate in self.modules or any(m.startswith(candidate + ".") for m in self.modules)
        return candidate if found else None


def star_source(tables: Mapping[str, SymbolTable], module: str, name: str) -> str | None:
    """The project module whose `from ... import *` in `module` binds `name` (the last such import wins),
    for a name `module` does not bind itself."""
    table = tables.get(module)
    for star in reversed(table.project_stars if table else ()):
        if exports(tables, star, name):
            return star
    return None


def exports(tables: Mapping[str, SymbolTable], module: str, name: str, _seen: frozenset[str] = frozenset()) -> bool:
    """Whether `from module import *` binds `name`: listed in a literal `__all__`, else any public
    top-level name of the module, its own star imports of project modules included."""
    table = tables.get(module)
    if table is None or module in _seen:
        return False
    listed = table.listed_exports()
    if listed is not None:
        return name in listed
    if name.startswith("_"):
        return False
    return name in table.bindings or any(exports(tables, star, name, _seen | {module}) for star in table.project_stars)


def star_bound(tables: Mapping[str, SymbolTable], module: str) -> frozenset[str]:
    """Every name the star imports of project modules in `module` bind."""
    table = tables.get(module)
    names: set[str] = set()
    for star in table.project_stars if table else ():
        names |= {name for name in _top_level_names(tables, star, set()) if exports(tables, star, name)}
    return frozenset(names)


def _top_level_names(tables: Mapping[str, SymbolTable], module: str, seen: set[str]) -> set[str]:
    table = tables.get(module)
    if table is None or module in seen:
        return set()
    seen.add(module)
    return set(table.bindings).union(*(_top_level_names(tables, star, seen) for star in table.project_stars))
