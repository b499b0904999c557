"""The frontend as one call: parsed sources in, IR project out (diagnostics go to the reporter)."""

from __future__ import annotations

import libcst as cst

from glacierc.checks import glc006_unresolved_import as unresolved_import
from glacierc.diagnostics.model import Reporter
from glacierc.frontend.context import Context
from glacierc.frontend.declarations import executor_ir, storage_ir
from glacierc.frontend.evaluate import Evaluator
from glacierc.frontend.extract import DEFAULT_EXECUTOR, DEFAULT_PROVIDER, Declarations, extract, task_name
from glacierc.frontend.loader import SourceFile
from glacierc.frontend.names import SymbolTable, star_bound
from glacierc.frontend.pipelines import build_pipeline
from glacierc.frontend.tasks import TaskInfo, build_task
from glacierc.frontend import surface
from glacierc.frontend.access import ModuleNames
from glacierc.frontend.values import FunctionRef, Observation, Where, storages_in
from glacierc.ir import nodes as ir
from glacierc.source import Span


def analyse(sources: list[SourceFile], env: dict[str, str], reporter: Reporter) -> tuple[ir.Project, Evaluator]:
    modules = {s.module: s for s in sources if s.tree is not None}
    tables = {name: SymbolTable(source, set(modules)) for name, source in modules.items()}
    evaluator = Evaluator(tables, dict(env))
    ctx = Context(modules, evaluator, reporter)
    _report_unresolved_imports(ctx, tables)
    decls = extract(ctx)
    providers = {id(p): ctx.provider_of(p) for p in decls.providers}
    storage = [s for s in (storage_ir(ctx, value) for value in decls.storage) if s is not None]
    executors = [executor_ir(ctx, value) for value in decls.executors]
    infos = _tasks(ctx, decls, executors, providers)
    pipelines = _qualify([build_pipeline(ctx, decl, infos) for decl in decls.pipelines])
    pipelines = _with_columns(ctx, pipelines, infos, storage)
    project = ir.Project(
        providers=tuple(sorted(providers.values(), key=lambda p: p.name)),
        storage=tuple(sorted(storage, key=lambda s: s.name)),
        executors=tuple(sorted(executors, key=lambda e: e.name)),
        tasks=tuple(sorted((i.task for i in infos.values()), key=lambda t: (t.name, t.module))),
        pipelines=tuple(sorted(pipelines, key=lambda p: p.name)),
        modules=tuple(ir.Module(s.module, s.name) for s in sorted(modules.values(), key=lambda s: s.module)),
        facts=_facts(ctx, [*_import_observations(tables), *evaluator.observations]),
    )
    return project, evaluator


def _with_columns(ctx: Context, pipelines: list[ir.Pipeline], infos: dict, storage: list[ir.Storage]
                  ) -> list[ir.Pipeline]:
    """Node schemas and column findings, when some storage declares its columns (else nothing is known)."""
    if not any(s.schema is not None for s in storage):
        return pipelines
    from glacierc.frontend.columns.flow import declared_frames, with_columns

    declared = declared_frames(tuple(storage))
    by_task = {info.task.name: info for info in infos.values()}
    result = []
    for pipeline in pipelines:
        annotated, observations = with_columns(ctx.evaluator, pipeline, by_task, declared)
        ctx.evaluator.observe(observations)
        result.append(annotated)
    return result


def _import_observations(tables: dict[str, SymbolTable]) -> list[Observation]:
    """`from glacier.config import LambdaConfg`: names imported from the library that it does not have."""
    found: list[Observation] = []
    for module, table in sorted(tables.items()):
        for binding in table.bindings.values():
            if binding.kind == "qual" and isinstance(binding.node, cst.ImportAlias):
                found += surface.library_name(binding.target, Where(module, binding.index, binding.node.name))
    return found


def _facts(ctx: Context, observations: list[Observation]) -> tuple[ir.Fact, ...]:
    facts = {ir.Fact(o.kind, o.subject, ctx.span(o.where, exact=True), o.context, o.candidates) for o in observations}
    return tuple(sorted(facts, key=lambda f: (f.span, f.kind, f.subject)))


def _tasks(ctx: Context, decls: Declarations, executors: list[ir.Executor], providers: dict) -> dict:
    modules_of: dict[str, set[str]] = {}
    for decl in decls.tasks:
        modules_of.setdefault(task_name(decl), set()).add(decl.module)
    for decl in decls.tasks:  # `module.name` only where the bare name is used in several modules
        bare = task_name(decl)
        final = bare if len(modules_of[bare]) == 1 else f"{decl.module}.{bare}"
        ctx.task_names[(decl.module, decl.function.name.value)] = final
        ctx.task_names.setdefault((decl.module, bare), final)
    if any(decl.executor is None for decl in decls.tasks):
        span = Span.whole_file("<implicit>")
        providers[0] = ir.Provider(DEFAULT_PROVIDER, ir.Cloud.LOCAL, ir.Config("LocalConfig"), span)
        executors.append(ir.Executor(DEFAULT_EXECUTOR, DEFAULT_PROVIDER, ir.ExecutorKind.LOCAL, None, span))
    names_by_module = {module: _module_names(ctx, module) for module in ctx.sources}
    infos: dict[tuple[str, str], TaskInfo] = {}
    for decl in decls.tasks:
        executor = decl.executor.name if decl.executor is not None and decl.executor.name else DEFAULT_EXECUTOR
        infos[(decl.module, decl.function.name.value)] = build_task(ctx, decl, executor, names_by_module)
    return infos


def _module_names(ctx: Context, module: str) -> ModuleNames:
    """Module-level names of `module` bound to storage (or to lists and dicts holding storage) and to plain
    helper functions of the project: its own, imported and star-imported ones."""
    table = ctx.evaluator.tables[module]
    names = {name for name, binding in table.bindings.items() if binding.kind in ("assign", "from", "def")}
    names |= star_bound(ctx.evaluator.tables, module) - set(table.bindings)
    values = {name: ctx.evaluator.lookup(module, name) for name in names}
    return ModuleNames(frozenset(n for n, v in values.items() if storages_in(v)),
                       frozenset(n for n, v in values.items() if isinstance(v, FunctionRef)))


def _report_unresolved_imports(ctx: Context, tables: dict[str, SymbolTable]) -> None:
    for module, table in tables.items():
        for binding in table.bindings.values():
            if binding.kind == "unresolved":
                ctx.report(unresolved_import.NO_SUCH_MODULE, Where(module, binding.index, binding.node),
                           target=binding.target)


def _qualify(pipelines: list[ir.Pipeline]) -> list[ir.Pipeline]:
    """`module.name` for pipeline names used in several modules."""
    from dataclasses import replace

    modules_of: dict[str, set[str]] = {}
    for pipeline in pipelines:
        modules_of.setdefault(pipeline.name, set()).add(pipeline.module)
    return [replace(p, name=f"{p.module}.{p.name}") if len(modules_of[p.name]) > 1 else p for p in pipelines]
