"""`glacierc analyze --format table`: the IR as rich tables."""

from __future__ import annotations


def print_tables(result) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    project = result.project
    console = Console(highlight=False)
    executors = Table(title="Executors")
    for column in ("name", "provider", "kind", "config"):
        executors.add_column(column)
    for e in project.executors:
        executors.add_row(e.name, e.provider, e.kind, _config(e.config))
    console.print(executors)
    for pipeline in project.pipelines:
        table = Table(title=f"Pipeline {pipeline.name} ({pipeline.module}.{pipeline.function})")
        for column in ("level", "node", "task", "executor", "reads", "writes", "after"):
            table.add_column(column)
        level_of = {n: i for i, level in enumerate(pipeline.levels) for n in level}
        for node in sorted(pipeline.nodes, key=lambda n: (level_of.get(n.id, -1), n.id)):
            after = sorted({e.source for e in pipeline.edges if e.target == node.id})
            shown = node.id if node.map is None else escape(f"{node.id} [*] per object of {node.map}")  # mapped
            table.add_row(str(level_of.get(node.id, "cycle")), shown, node.task, node.executor,
                          ", ".join(node.reads), ", ".join(node.writes), ", ".join(after))
        console.print(table)
    errors = sum(d.severity.value == "error" for d in result.diagnostics)
    warnings = sum(d.severity.value == "warning" for d in result.diagnostics)
    console.print(f"{len(project.pipelines)} pipelines, {len(project.tasks)} tasks, {len(project.storage)} "
                  f"storage, {errors} errors, {warnings} warnings (see `glacierc check`)")


def _config(config) -> str:
    if config is None:
        return ""
    fields = ", ".join(f"{k}={v!r}" for k, v in config.fields)
    return f"{config.type}({fields})"
