"""GLC204 unused-task: a task that no pipeline calls."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir
from glacierc.source import Span

CODE = "GLC204"
NAME = "unused-task"
SEVERITY = Severity.WARNING
TITLE = "a task is defined but no pipeline calls it"
WHAT = ("Reports a task that no `@pipeline` calls. A task that another task's body calls is not reported "
        "here (it runs, inside that task: GLC226).")
WHY = "Dead tasks still get infrastructure and IAM roles; usually a pipeline forgot to call them."

INVALID = (
    invalid(HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()
""",
          (10, 1, 11, 25, "task `load` is defined but no pipeline calls it")),
)
VALID = (
    valid(HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
"""),
    valid(HEAD + """\
@local_exec.task()
def clean(frame) -> pl.DataFrame:
    return frame.drop_nulls()

@local_exec.task()
def load(source) -> pl.DataFrame:
    return clean(source.read())

@pipeline(name='p')
def p():
    return load(raw)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def _diagnostic(message: str, span: Span, help: str | None = None) -> Diagnostic:
    return Diagnostic(CODE, SEVERITY, message, span, help)


def check(project: ir.Project) -> Iterator[Diagnostic]:
    called = {node.task for pipeline in project.pipelines for node in pipeline.nodes}
    called |= {fact.subject for fact in project.facts if fact.kind == "task-called-in-task"}  # GLC226's
    for task in project.tasks:
        if task.name not in called:
            yield _diagnostic(f"task `{task.name}` is defined but no pipeline calls it", task.span,
                              help="call it from a `@pipeline`, or remove it")
