"""GLC206 unused-storage: storage that no task or pipeline touches.

The driver drops it when another file of the project's root mentions the storage (a subset was compiled).
"""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir
from glacierc.source import Span

CODE = "GLC206"
NAME = "unused-storage"
SEVERITY = Severity.WARNING
TITLE = "storage is declared but never used"
WHAT = "Reports a `provider.bucket(...)` that no task or pipeline touches."
WHY = "Unused storage still becomes infrastructure; it is usually left over from a refactor."

INVALID = (
    invalid(HEAD + """\
spare = provider.bucket(bucket='data', path='spare.csv')

@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""",
          (9, 9, 9, 57, "storage `spare` is declared but never used")),
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
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def _diagnostic(message: str, span: Span, help: str | None = None) -> Diagnostic:
    return Diagnostic(CODE, SEVERITY, message, span, help)


def check(project: ir.Project) -> Iterator[Diagnostic]:
    used = {name for task in project.tasks for name in (*task.reads, *task.writes)}
    used |= {name for p in project.pipelines for n in p.nodes for name in (*n.reads, *n.writes)}
    used |= {i.storage for p in project.pipelines for n in p.nodes for i in n.inputs
             if isinstance(i, ir.StorageInput)}
    for storage in project.storage:
        if storage.name not in used:
            yield _diagnostic(f"storage `{storage.name}` is declared but never used", storage.span,
                              help="pass it to a task or access it in a task body, or remove it")
