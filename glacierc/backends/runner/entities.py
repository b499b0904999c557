"""What a global name of the project means to the runner.

Every name a copied statement uses resolves to one entity: code to copy (`Code`), a third-party or
standard-library import (`Extern`), a bucket the runner's shim provides (`StorageRef`), a project
module used as a namespace (`ModuleRef`), or something that exists only for the compiler
(`CompileOnly`: glacier imports, providers, executors, pipelines).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import libcst as cst

from glacierc.backends.runner.symbols import ModuleSymbols, import_alias
from glacierc.frontend.names import star_source
from glacierc.ir.nodes import Project

GLACIER_PACKAGES = ("glacier", "glacierc")


@dataclass(frozen=True, slots=True)
class Code:
    """A top-level function, class or constant copied into the runner."""

    module: str
    name: str


@dataclass(frozen=True, slots=True, order=True)
class Extern:
    """`import module [as alias]` (attr None) or `from module import attr [as alias]`."""

    module: str
    attr: str | None
    alias: str | None

    @property
    def bound(self) -> str:
        if self.alias:
            return self.alias
        return self.attr if self.attr is not None else self.module.split(".")[0]


@dataclass(frozen=True, slots=True, order=True)
class StorageRef:
    """A module-level storage (or a list or dict of them), replaced by shims in the runner."""

    storage: str  # the IR storage name ("" for a holder)
    var: str  # the variable it is bound to in its module
    #: For a list or dict of buckets (`targets = {r: provider.bucket(...) ...}`): the subscripts that reach each
    #: bucket and its IR storage name (`targets["emea"]`), so the runner rebuilds the container of shims.
    members: tuple[tuple[tuple[int | str, ...], str], ...] = ()

    @property
    def storage_names(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.members) if self.members else (self.storage,)


@dataclass(frozen=True, slots=True)
class ModuleRef:
    """A project module used as a value."""

    module: str


@dataclass(frozen=True, slots=True)
class CompileOnly:
    """A name that exists only for the compiler (a provider or executor): not copied."""

    module: str
    name: str
    what: str


@dataclass(frozen=True, slots=True)
class Missing:
    """A name the runner cannot resolve."""

    module: str
    name: str


Entity = Code | Extern | StorageRef | ModuleRef | CompileOnly | Missing


class Resolver:
    """Resolves (module, name) to an entity, following project imports across modules."""

    def __init__(self, project: Project, modules: dict[str, ModuleSymbols]) -> None:
        self.modules = modules
        self.tables = {name: symbols.table for name, symbols in modules.items()}
        self.project_modules = set(modules)
        self.declared = _declared(project, modules)

    def resolve(self, module: str, name: str, _seen: frozenset[tuple[str, str]] = frozenset()) -> Entity:
        if (module, name) in _seen or module not in self.modules:
            return Missing(module, name)
        declared = self.declared.get((module, name))
        if declared is not None:
            return declared
        symbols = self.modules[module]
        indexes = symbols.binders.get(name)
        if not indexes:
            star = star_source(self.tables, module, name)  # `from helpers import *`
            return self.resolve(star, name, _seen | {(module, name)}) if star else Missing(module, name)
        if indexes[-1] not in symbols.imports:
            return Code(module, name)
        return self._imported(symbols, indexes[-1], name, _seen | {(module, name)})

    def attribute(self, entity: ModuleRef, attrs: list[str]) -> Entity:
        current: Entity = entity
        for attr in attrs:
            if not isinstance(current, ModuleRef):
                break
            child = f"{current.module}.{attr}"
            current = ModuleRef(child) if self._is_module(child) else self.resolve(current.module, attr)
        return current

    def _imported(self, symbols: ModuleSymbols, index: int, name: str, seen) -> Entity:
        binding = symbols.binding(name)
        found = import_alias(symbols, index, name)
        if binding is None or found is None:
            return Missing(symbols.module, name)
        statement, alias = found
        if binding.kind == "module":
            return ModuleRef(binding.target)
        if binding.kind == "from":
            target_module, target_name = binding.target.split(":", 1)
            return self.resolve(target_module, target_name, seen)
        if binding.kind == "unresolved":
            return Missing(symbols.module, name)
        if isinstance(statement, cst.Import) and alias.asname is None and self._is_module(_dotted_name(alias)):
            return ModuleRef(name)  # `import pkg.mod` of a namespace package of the project
        if binding.target.split(".")[0] in GLACIER_PACKAGES:
            return CompileOnly(symbols.module, name, "a glacier import")
        return _extern(statement, alias)

    def _is_module(self, name: str) -> bool:
        return name in self.project_modules or any(m.startswith(name + ".") for m in self.project_modules)


def _dotted_name(alias: cst.ImportAlias) -> str:
    from glacierc.frontend.names import dotted

    return dotted(alias.name)


def _extern(statement: cst.CSTNode, alias: cst.ImportAlias) -> Extern:
    from glacierc.frontend.names import dotted

    asname = dotted(alias.asname.name) if alias.asname else None
    if isinstance(statement, cst.Import):
        return Extern(dotted(alias.name), None, asname)
    assert isinstance(statement, cst.ImportFrom)
    return Extern(dotted(statement.module), dotted(alias.name), asname)


def _declared(project: Project, modules: dict[str, ModuleSymbols]) -> dict[tuple[str, str], Entity]:
    """Module-level variables the IR declares: storage, providers, executors and pipelines."""
    by_path = {symbols.path: name for name, symbols in modules.items()}
    found: dict[tuple[str, str], Entity] = {}

    def var_of(item) -> tuple[str, str] | None:
        module = by_path.get(item.span.file)
        return (module, item.name.rsplit(".", 1)[-1]) if module is not None else None

    for provider in project.providers:
        if (key := var_of(provider)) is not None:
            found[key] = CompileOnly(*key, "a provider")
    for executor in project.executors:
        if (key := var_of(executor)) is not None:
            found[key] = CompileOnly(*key, "an execution resource")
    for pipeline in project.pipelines:
        found[(pipeline.module, pipeline.function)] = CompileOnly(pipeline.module, pipeline.function, "a pipeline")
    holders: dict[tuple[str, str], list[tuple[tuple[int | str, ...], str]]] = {}
    for storage in project.storage:
        if (key := var_of(storage)) is None:
            continue
        var, keys = held_at(key[1])
        if keys:
            holders.setdefault((key[0], var), []).append((keys, storage.name))
        else:
            found[key] = StorageRef(storage.name, key[1])
    for (module, var), members in holders.items():
        found[(module, var)] = StorageRef("", var, tuple(sorted(members, key=repr)))
    return found


_SUBSCRIPT = re.compile(r'\[(-?\d+|"(?:[^"\\]|\\.)*")\]')


def held_at(name: str) -> tuple[str, tuple[int | str, ...]]:
    """`targets["emea"]` -> ("targets", ("emea",)); `outs[0]` -> ("outs", (0,)); a plain name has no keys."""
    var, bracket, rest = name.partition("[")
    if not bracket:
        return name, ()
    keys = tuple(json.loads(part) for part in _SUBSCRIPT.findall("[" + rest))
    return var, keys
