"""GLC216 unused-storage-parameter: storage is passed to a task parameter that the task body never uses."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import HEAD, LOCAL_HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC216"
NAME = "unused-storage-parameter"
SEVERITY = Severity.WARNING
TITLE = "storage passed to a parameter the task never uses"
WHAT = ("Reports a bucket passed to a task parameter that the task body never mentions. Nothing is granted on "
        "it: the task's identity gets no access to storage it does not touch.")
WHY = ("Either the argument is a mistake (the task reads another bucket than the one the pipeline names), or "
       "it is dead weight; granting read and write on it, as an unproven access would be, widens IAM for "
       "nothing.")

INVALID = (
    invalid(LOCAL_HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return pl.LazyFrame({'x': [1]})

@pipeline(name='p')
def p():
    load(raw)
""",
          (15, 5, 15, 14, "task `load` never uses parameter `source`, which is given storage `raw`; nothing is granted on it")),
)
VALID = (
    valid(LOCAL_HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    load(raw)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for fact in project.facts:
        if fact.kind == "unused-storage-parameter":
            storage = fact.candidates[0]
            yield Diagnostic(CODE, SEVERITY, f"task `{fact.context}` never uses parameter `{fact.subject}`, which "
                             f"is given storage `{storage}`; nothing is granted on it", fact.span,
                             f"use `{fact.subject}` in the task (`.scan()`, `.write(...)`), or stop passing it")
