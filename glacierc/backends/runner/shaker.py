"""Tree-shaking: the task functions a pipeline calls, and exactly the module-level code they need.

Starting from the task definitions, every global name a copied statement uses is resolved
(`entities.Resolver`) and followed: helpers, constants and classes of any project module are copied
(in source order, modules in import order), third-party imports are re-emitted once, buckets become
the runner's shim objects, and anything that only exists for the compiler (glacier imports,
providers, executors, pipelines) is left out — task decorators go with it. Names that would clash in
the single runner namespace (two modules' `helper`, or a name the runner itself uses) are renamed
consistently, references included.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import libcst as cst

from glacierc.backends.runner.entities import (
    GLACIER_PACKAGES,
    Code,
    CompileOnly,
    Entity,
    Extern,
    Missing,
    ModuleRef,
    Resolver,
    StorageRef,
)
from glacierc.backends.runner.rewrite import Edits, Rendered, render, statement_lines
from glacierc.backends.runner.scopes import Ref
from glacierc.backends.runner.symbols import ModuleSymbols
from glacierc.checks.glc501_runner_compile_time_name import GLOBAL_USES, TASK_USES
from glacierc.checks.glc505_runner_source_path import SOURCE_PATH
from glacierc.checks.glc503_runner_module_object import MODULE_AS_OBJECT
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.nodes import Project, Task
from glacierc.source import Span


_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True, slots=True)
class Block:
    """The copied statements of one project module, in source order."""

    path: str
    statements: tuple[Rendered, ...]


@dataclass(frozen=True, slots=True)
class Shaken:
    """What the runner keeps: imports, storage shims, copied blocks, task names."""

    imports: tuple[str, ...]  # import lines, sorted
    futures: tuple[str, ...]
    storage: tuple[tuple[str, StorageRef], ...]  # (name in the runner, the bucket or list/dict of buckets)
    blocks: tuple[Block, ...]
    tasks: dict[str, str]  # IR task name -> function name in the runner
    diagnostics: tuple[Diagnostic, ...]


@dataclass(slots=True)
class _Use:
    """A reference found while copying, to resolve."""

    module: str
    node: cst.CSTNode
    entity: Entity


@dataclass(slots=True)
class _State:
    """The shaker's work in progress."""

    copied: set[tuple[str, int]] = field(default_factory=set)
    visited: set[tuple[str, int]] = field(default_factory=set)
    uses: list[_Use] = field(default_factory=list)
    edits: dict[str, Edits] = field(default_factory=dict)
    diagnostics: set[Diagnostic] = field(default_factory=set)


class Shaker:
    """Analyses the project's modules once; `shake` is then called per pipeline."""

    def __init__(self, project: Project, modules: Mapping[str, ModuleSymbols]) -> None:
        self.project = project
        self.modules = dict(modules)
        self.resolver = Resolver(project, self.modules)
        self.task_defs = {(t.module, t.function): t for t in project.tasks}
        self._lines: dict[str, list[int]] = {}

    def problems(self, tasks: Iterable[Task], pipeline: str) -> tuple[Diagnostic, ...]:
        """What the closure of `tasks` finds wrong (what `check` reports), without renaming or rendering."""
        return _sorted(self._closure(tasks, pipeline).diagnostics)

    def shake(self, tasks: Iterable[Task], reserved: Mapping[str, Extern | None], pipeline: str) -> Shaken:
        state = self._closure(tasks, pipeline)
        names = self._names(state, reserved)
        return self._assemble(state, names, tasks, reserved)

    def _closure(self, tasks: Iterable[Task], pipeline: str) -> _State:
        """Every statement the tasks need, transitively, with the uses found in them."""
        state = _State()
        queue: list[Entity] = [Code(t.module, t.function) for t in sorted(tasks, key=lambda t: t.name)]
        seen: set[Entity] = set()
        while queue:
            entity = queue.pop()
            if entity in seen:
                continue
            seen.add(entity)
            if isinstance(entity, Code):
                for index in self.modules[entity.module].binders.get(entity.name, ()):
                    if index not in self.modules[entity.module].imports:
                        queue += self._visit(state, entity.module, index, pipeline)
        return state

    # ---- closure ---------------------------------------------------------------------------------
    def _visit(self, state: _State, module: str, index: int, pipeline: str) -> list[Entity]:
        if (module, index) in state.visited:
            return []
        state.visited.add((module, index))
        symbols = self.modules[module]
        statement = symbols.tree.body[index]
        task = self._task_at(symbols, statement)
        edits = state.edits.setdefault(module, Edits())
        removed = self._task_decorators(symbols, index, statement, edits) \
            if task is not None and isinstance(statement, cst.FunctionDef) else set()  # only a def is a task
        uses: list[_Use] = []
        blocked: list[tuple[Ref, CompileOnly]] = []
        for ref in symbols.scopes(index).refs:
            if _inside(symbols, index, ref.node, removed):
                continue
            if ref.name == "__file__":
                self._report_source_path(state, symbols, index, pipeline)
            entity, node = self._entity_of(state, symbols, index, ref, pipeline)
            if isinstance(entity, CompileOnly):
                if ref.in_annotation:
                    self._strip_annotation(symbols, index, ref.node, edits)
                else:
                    blocked.append((ref, entity))
                    uses.append(_Use(module, node, entity))
                continue
            uses.append(_Use(module, node, entity))
        if blocked:
            self._report_blocked(state, symbols, index, statement, task, blocked, pipeline)
            if task is None:
                return []
        state.copied.add((module, index))
        state.uses += uses
        return [use.entity for use in uses]

    def _entity_of(self, state: _State, symbols: ModuleSymbols, index: int, ref: Ref,
                   pipeline: str) -> tuple[Entity, cst.CSTNode]:
        entity = self.resolver.resolve(symbols.module, ref.name)
        node: cst.CSTNode = ref.node
        while isinstance(entity, ModuleRef):  # `helpers.clean` of `from . import helpers`: follow `.clean`
            parent = symbols.parent(index, node)
            if not (isinstance(parent, cst.Attribute) and parent.value is node):
                line = max(1, self._line(symbols, index))
                state.diagnostics.add(MODULE_AS_OBJECT.diagnostic(Span(symbols.path, line, 1, line, 1),
                                                                  pipeline=pipeline, module=entity.module))
                return Missing(symbols.module, ref.name), ref.node
            entity = self.resolver.attribute(entity, [parent.attr.value])
            node = parent
        return entity, node

    def _task_at(self, symbols: ModuleSymbols, statement: cst.CSTNode) -> Task | None:
        if isinstance(statement, cst.FunctionDef):
            return self.task_defs.get((symbols.module, statement.name.value))
        return None

    def _task_decorators(self, symbols: ModuleSymbols, index: int, statement: cst.FunctionDef,
                         edits: Edits) -> set[int]:
        """Decorators of a task that name compile-time objects (`@local_exec.task()`, `@task`)."""
        removed: set[int] = set()
        for decorator in statement.decorators:
            refs = [r for r in symbols.scopes(index).refs if _inside(symbols, index, r.node, {id(decorator)})]
            if any(isinstance(self.resolver.resolve(symbols.module, r.name), CompileOnly) for r in refs):
                removed.add(id(decorator))
        edits.removed |= removed
        return removed

    def _strip_annotation(self, symbols: ModuleSymbols, index: int, node: cst.CSTNode, edits: Edits) -> None:
        current: cst.CSTNode | None = node
        while current is not None and not isinstance(current, cst.Annotation):
            current = symbols.parent(index, current)
        if current is not None and isinstance(symbols.parent(index, current), (cst.Param, cst.FunctionDef)):
            edits.stripped.add(id(current))

    # ---- diagnostics -----------------------------------------------------------------------------
    def _report_blocked(self, state, symbols, index, statement, task, blocked, pipeline) -> None:
        used = ", ".join(sorted({f"`{ref.name}` ({entity.what})" for ref, entity in blocked}))
        if task is not None:
            state.diagnostics.add(TASK_USES.diagnostic(task.span, task=task.name, used=used, pipeline=pipeline))
            return
        bound = ", ".join(symbols.names_of.get(index, ())) or "this statement"
        line = max(1, self._line(symbols, index))
        state.diagnostics.add(GLOBAL_USES.diagnostic(Span(symbols.path, line, 1, line, 1), bound=bound, used=used,
                                                     pipeline=pipeline))

    def _report_source_path(self, state: _State, symbols: ModuleSymbols, index: int, pipeline: str) -> None:
        line = max(1, self._line(symbols, index))
        state.diagnostics.add(SOURCE_PATH.diagnostic(Span(symbols.path, line, 1, line, 1), pipeline=pipeline,
                                                     source=symbols.path))

    def _line(self, symbols: ModuleSymbols, index: int) -> int:
        lines = self._lines.get(symbols.module)
        if lines is None:
            lines = self._lines[symbols.module] = statement_lines(symbols.text, len(symbols.tree.body))
        return lines[index] if index < len(lines) else 0  # 0: unknown

    # ---- names -----------------------------------------------------------------------------------
    def _names(self, state: _State, reserved: Mapping[str, Extern | None]) -> dict[Entity, str]:
        taken = set(reserved)
        names: dict[Entity, str] = {}
        externs = sorted({u.entity for u in state.uses if isinstance(u.entity, Extern)})
        for extern in externs:
            if reserved.get(extern.bound) == extern:
                names[extern] = extern.bound
            else:
                names[extern] = _claim(taken, extern.bound, extern.module.replace(".", "_"))
        for storage in sorted({u.entity for u in state.uses if isinstance(u.entity, StorageRef)}):
            names[storage] = _claim(taken, storage.var, (storage.storage or storage.var).replace(".", "_"))
        for code in self._bound_code(state):
            names[code] = _claim(taken, code.name, code.module.replace(".", "_"))
        absent_names = {u.entity for u in state.uses if isinstance(u.entity, (CompileOnly, Missing))}
        for absent in sorted(absent_names, key=lambda e: (e.module, e.name, type(e).__name__)):
            if absent.name in reserved:  # must not silently become the runner's own object
                names[absent] = _claim(taken, f"{absent.name}_unavailable", absent.module.replace(".", "_"))
        return names

    def _bound_code(self, state: _State) -> list[Code]:
        """Every global a copied statement binds: tasks first, then by module and name."""
        found: set[Code] = set()
        for module, index in state.copied:
            found.update(Code(module, name) for name in self.modules[module].names_of.get(index, ()))
        return sorted(found, key=lambda c: ((c.module, c.name) not in self.task_defs, c.module, c.name))

    # ---- output ----------------------------------------------------------------------------------
    def _assemble(self, state: _State, names: dict[Entity, str], tasks: Iterable[Task],
                  reserved: Mapping[str, Extern | None]) -> Shaken:
        self._record_renames(state, names)
        blocks = [self._block(state, module) for module in self._module_order(state)]
        externs = sorted(e for e in names if isinstance(e, Extern) and reserved.get(e.bound) != e)
        storage = sorted((names[s], s) for s in names if isinstance(s, StorageRef))
        futures = sorted({f for module, _ in state.copied for f in self.modules[module].futures})
        task_names = {t.name: names.get(Code(t.module, t.function), t.function) for t in tasks}
        imports = _import_lines(externs, names) + self._star_lines(state)
        return Shaken(imports, tuple(futures), tuple(storage), tuple(blocks),
                      task_names, _sorted(state.diagnostics))

    def _star_lines(self, state: _State) -> tuple[str, ...]:
        """`from X import *` of a library, for the modules whose copied code uses a name bound nowhere else
        (which may come from it: what a library's star import binds is not known statically)."""
        modules = {u.module for u in state.uses if isinstance(u.entity, Missing) and u.entity.name not in _BUILTINS}
        stars = {star for module in modules for star in self.modules[module].table.star_imports
                 if star.split(".")[0] not in GLACIER_PACKAGES}
        return tuple(f"from {star} import *" for star in sorted(stars))

    def _record_renames(self, state: _State, names: dict[Entity, str]) -> None:
        for use in state.uses:
            new = names.get(use.entity)
            if new is not None and (isinstance(use.node, cst.Attribute) or _text(use.node) != new):
                state.edits.setdefault(use.module, Edits()).replace[id(use.node)] = new
        renamed = {(e.module, e.name): new for e, new in names.items() if isinstance(e, Code) and new != e.name}
        for module, index in sorted(state.copied):
            edits = state.edits.setdefault(module, Edits())
            for name, sites in self.modules[module].scopes(index).sites.items():
                new = renamed.get((module, name))
                if new is not None:
                    edits.globals_renamed[name] = new
                    edits.replace.update((id(site), new) for site in sites)

    def _block(self, state: _State, module: str) -> Block:
        symbols = self.modules[module]
        indexes = sorted(i for m, i in state.copied if m == module)
        edits = state.edits.get(module, Edits())
        rendered = tuple(render(symbols.tree, symbols.tree.body[i], edits, self._line(symbols, i),
                                set(symbols.scopes(i).parents)) for i in indexes)
        return Block(symbols.path, rendered)

    def _module_order(self, state: _State) -> list[str]:
        """Modules holding copied code, each after the modules its copied statements use."""
        modules = sorted({m for m, _ in state.copied})
        needs: dict[str, set[str]] = {m: set() for m in modules}
        for use in state.uses:
            if isinstance(use.entity, Code) and use.entity.module != use.module and use.module in needs:
                needs[use.module].add(use.entity.module)
        order: list[str] = []
        while len(order) < len(modules):
            ready = [m for m in modules if m not in order and needs[m] <= set(order)]
            order.append(ready[0] if ready else next(m for m in modules if m not in order))
        return order


def _claim(taken: set[str], wanted: str, qualifier: str) -> str:
    candidate = wanted
    if candidate in taken:
        candidate = f"{wanted}_{qualifier}"
        number = 2
        while candidate in taken:
            candidate = f"{wanted}_{qualifier}_{number}"
            number += 1
    taken.add(candidate)
    return candidate


def _import_lines(externs: list[Extern], names: dict[Entity, str]) -> tuple[str, ...]:
    plain, froms = [], []
    for extern in externs:
        name = names[extern]
        if extern.attr is not None:
            froms.append(f"from {extern.module} import {extern.attr}" + (f" as {name}" if name != extern.attr else ""))
        elif extern.alias is None and name == extern.bound:
            plain.append(f"import {extern.module}")
        elif extern.alias is not None or "." not in extern.module:
            plain.append(f"import {extern.module}" + (f" as {name}" if name != extern.module else ""))
        else:  # `import a.b` bound under another name: the package `a`, with `a.b` loaded
            plain.append(f"{name} = __import__({extern.module!r})")
    return tuple(sorted(set(plain)) + sorted(set(froms)))


def _inside(symbols: ModuleSymbols, index: int, node: cst.CSTNode, regions: set[int]) -> bool:
    current: cst.CSTNode | None = node
    while current is not None and not isinstance(current, cst.Module):
        if id(current) in regions:
            return True
        current = symbols.parent(index, current)
    return False


def _sorted(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    return tuple(sorted(diagnostics, key=Diagnostic.sort_key))


def _text(node: cst.CSTNode) -> str:
    return node.value if isinstance(node, cst.Name) else ""
