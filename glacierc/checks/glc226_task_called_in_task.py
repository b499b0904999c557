"""GLC226 task-called-in-task: a task called inside another task's body."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import HEAD, LOAD_PIPELINE, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC226"
NAME = "task-called-in-task"
SEVERITY = Severity.WARNING
TITLE = "a task called inside another task's body"
WHAT = "Reports a call of a task inside the body of another task."
WHY = ("Only calls in a `@pipeline` body become nodes. Inside a task, the inner task is a plain Python call that "
       "runs in the outer task's process: it gets no node, no retries, timeout or executor of its own, and "
       "`glacierc run` reports only the outer task.")

_CLEAN = HEAD + """\
@local_exec.task(retries=3)
def clean(frame) -> pl.DataFrame:
    return frame.drop_nulls()

"""

INVALID = (
    invalid(_CLEAN + """\
@local_exec.task()
def load(source) -> pl.DataFrame:
    return clean(source.read())
""" + LOAD_PIPELINE,
            (15, 12, 15, 32, "task `clean` is called inside task `load`'s body, where it runs as a plain function: "
                             "no node, retries, timeout or executor of its own")),
)
VALID = (
    valid(_CLEAN + """\
@local_exec.task()
def load(source) -> pl.DataFrame:
    return source.read()

@pipeline(name='p')
def p():
    return clean(load(raw))
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for fact in project.facts:
        if fact.kind == "task-called-in-task":
            yield Diagnostic(CODE, SEVERITY, f"task `{fact.subject}` is called inside task `{fact.context}`'s body, "
                             "where it runs as a plain function: no node, retries, timeout or executor of its own",
                             fact.span, f"call `{fact.subject}` in the pipeline and pass its result to "
                             f"`{fact.context}`, or make it a plain function (no decorator)")
