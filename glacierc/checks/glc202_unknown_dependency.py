"""GLC202 unknown-dependency: an entry of `depends_on` that names no task.

The frontend reports entries it cannot resolve to a name while lowering (`glacierc/frontend/tasks.py`); this
check judges the names against the project's tasks.
"""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Message, Severity
from glacierc.ir import nodes as ir
from glacierc.source import Span

CODE = "GLC202"
NAME = "unknown-dependency"
SEVERITY = Severity.ERROR
TITLE = "`depends_on` names something that is not a task"
WHAT = "Reports an entry of `depends_on` that is neither a task function nor the name of a task."
WHY = "An ordering edge to nothing is almost always a typo or a renamed task."

#: Its messages (templates: the reporting site fills in the fields).
NOT_A_TASK_ENTRY = Message(CODE, SEVERITY, "`depends_on` names something that is not a task",
    "list task functions (`depends_on=[load]`) or task names (`depends_on=['load']`)")

INVALID = (
    invalid(HEAD + """\
@local_exec.task(depends_on=['extrcat'])
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""",
          (10, 1, 11, 25, "task `load` depends on `extrcat`, which is not a task")),
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
    names = {t.name for t in project.tasks}
    for task in project.tasks:
        for dependency in task.depends_on:
            if dependency not in names:
                yield _diagnostic(f"task `{task.name}` depends on `{dependency.strip('<>')}`, which is "
                                  "not a task", task.span, help=_closest(dependency, names))


def _closest(name: str, names: set[str]) -> str | None:
    import difflib

    close = difflib.get_close_matches(name.strip("<>"), sorted(names), n=1)
    return f"did you mean `{close[0]}`?" if close else None
