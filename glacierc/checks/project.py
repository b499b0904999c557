"""Whole-project checks over the IR: pure functions yielding diagnostics (GLC202, 204, 206-208, 211, 502)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from glacierc.checks.glc306_storage_names import invalid_storage_names
from glacierc.checks.glc307_storage_paths import invalid_storage_paths
from glacierc.checks.glc504_boundary_values import unstorable_boundary_values
from glacierc.diagnostics.codes import RULES
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir import nodes as ir
from glacierc.source import Span


def _diagnostic(code: str, message: str, span: Span, help: str | None = None) -> Diagnostic:
    return Diagnostic(code, RULES[code].severity, message, span, help)


def unknown_dependencies(project: ir.Project) -> Iterator[Diagnostic]:
    names = {t.name for t in project.tasks}
    for task in project.tasks:
        for dependency in task.depends_on:
            if dependency not in names:
                yield _diagnostic("GLC202", f"task `{task.name}` depends on `{dependency.strip('<>')}`, which is "
                                  "not a task", task.span, help=_closest(dependency, names))


def unused_tasks(project: ir.Project) -> Iterator[Diagnostic]:
    called = {node.task for pipeline in project.pipelines for node in pipeline.nodes}
    for task in project.tasks:
        if task.name not in called:
            yield _diagnostic("GLC204", f"task `{task.name}` is defined but no pipeline calls it", task.span,
                              help="call it from a `@pipeline`, or remove it")


def unused_storage(project: ir.Project) -> Iterator[Diagnostic]:
    used = {name for task in project.tasks for name in (*task.reads, *task.writes)}
    used |= {name for p in project.pipelines for n in p.nodes for name in (*n.reads, *n.writes)}
    used |= {i.ref for p in project.pipelines for n in p.nodes for i in n.inputs if i.kind == "storage"}
    for storage in project.storage:
        if storage.name not in used:
            yield _diagnostic("GLC206", f"storage `{storage.name}` is declared but never used", storage.span,
                              help="pass it to a task or access it in a task body, or remove it")


def frame_type_mismatches(project: ir.Project) -> Iterator[Diagnostic]:
    tasks = {t.name: t for t in project.tasks}
    for pipeline in project.pipelines:
        task_of = {node.id: node.task for node in pipeline.nodes}
        for node in pipeline.nodes:
            task = tasks.get(node.task)
            for item in node.inputs if task else ():
                if item.kind != "node":
                    continue
                produced = _frame_kind(tasks[task_of[item.ref]].returns)
                wanted = _frame_kind(next((p.annotation for p in task.params if p.name == item.param), None))
                if produced and wanted and produced != wanted:
                    yield _diagnostic("GLC207", f"`{item.ref}` returns a {produced} but parameter `{item.param}` "
                                      f"of `{task.name}` expects a {wanted}", node.span,
                                      help="return a LazyFrame (`.lazy()`) so Polars can optimise across tasks"
                                      if wanted == "LazyFrame" else "collect the frame, or annotate the "
                                      "parameter as LazyFrame")


def read_before_write(project: ir.Project) -> Iterator[Diagnostic]:
    """A node reads storage that only a node called later in the same pipeline writes."""
    for pipeline in project.pipelines:
        position = {node.id: index for index, node in enumerate(pipeline.nodes)}
        before = _predecessors(pipeline)
        for node in pipeline.nodes:
            for name in node.reads:
                writers = [n for n in pipeline.nodes if name in n.writes and n.id != node.id]
                if any(w.id in before.get(node.id, ()) for w in writers):  # ordered by depends_on: the writer runs first
                    continue
                if writers and all(position[w.id] > position[node.id] for w in writers):
                    yield _diagnostic("GLC211", f"`{node.id}` reads `{name}` before `{writers[0].id}` writes it "
                                      f"in pipeline `{pipeline.name}`", node.span,
                                      help=f"call `{writers[0].task}` first, or add `depends_on=[{writers[0].task}]`")


def _predecessors(pipeline: ir.Pipeline) -> dict[str, set[str]]:
    """Every node that runs before each node, through data and order edges."""
    incoming: dict[str, set[str]] = {node.id: set() for node in pipeline.nodes}
    for edge in pipeline.edges:
        incoming.setdefault(edge.target, set()).add(edge.source)
    found: dict[str, set[str]] = {}
    for node_id in (n for level in pipeline.levels for n in level):  # levels: predecessors come first
        found[node_id] = set().union(*({p} | found.get(p, set()) for p in incoming.get(node_id, ())))
    return found


def duplicate_names(project: ir.Project) -> Iterator[Diagnostic]:
    for kind, items in (("task", project.tasks), ("pipeline", project.pipelines)):
        counts = Counter(item.name for item in items)
        seen: set[str] = set()
        for item in items:
            if counts[item.name] > 1 and item.name in seen:
                yield _diagnostic("GLC208", f"{kind} name `{item.name}` is used {counts[item.name]} times",
                                  item.span, help=f"give each {kind} a unique name (`name=`)")
            seen.add(item.name)


def _frame_kind(annotation: str | None) -> str | None:
    if not annotation:
        return None
    last = annotation.replace('"', "").replace("'", "").rsplit(".", 1)[-1].strip()
    return last if last in ("DataFrame", "LazyFrame") else None


def _closest(name: str, names: set[str]) -> str | None:
    import difflib

    close = difflib.get_close_matches(name.strip("<>"), sorted(names), n=1)
    return f"did you mean `{close[0]}`?" if close else None


def unknown_arguments(project: ir.Project) -> Iterator[Diagnostic]:
    """Task arguments whose value is not known statically: neither the runner nor a cloud entry point can
    build them, so the node would fail when it runs."""
    for pipeline in project.pipelines:
        for node in pipeline.nodes:
            for item in node.inputs:
                if item.kind == "unknown":
                    yield _diagnostic("GLC502", f"argument `{item.param}` of node `{node.id}` is not known "
                                      f"statically; the runner of pipeline `{pipeline.name}` cannot pass it and "
                                      "fails at this node", node.span,
                                      help="pass node results, storage or literals directly in the pipeline function")


PROJECT_CHECKS = (unknown_dependencies, unused_tasks, unused_storage, frame_type_mismatches, read_before_write,
                  duplicate_names, unknown_arguments, invalid_storage_names, invalid_storage_paths,
                  unstorable_boundary_values)


def _module_checks():
    import importlib

    from glacierc.diagnostics.codes import RULE_MODULES

    return tuple(importlib.import_module(f"glacierc.checks.{name}").check for name in RULE_MODULES)


def run_all(project: ir.Project) -> list[Diagnostic]:
    return [d for check in (*PROJECT_CHECKS, *_module_checks()) for d in check(project)]
