"""GLC208 duplicate-name: two tasks or two pipelines with one name."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir
from glacierc.source import Span

CODE = "GLC208"
NAME = "duplicate-name"
SEVERITY = Severity.ERROR
TITLE = "two declarations share one name"
WHAT = "Reports two tasks or two pipelines with the same name in one project."
WHY = "Node ids, runner files and cloud resource names derive from these names; they must be unique."

INVALID = (
    invalid(HEAD + """\
@local_exec.task(name='load')
def a(source) -> pl.LazyFrame:
    return source.scan()

@local_exec.task(name='load')
def b(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return b(a(raw))
""",
          (14, 1, 15, 25, "task name `load` is used 2 times")),
)
VALID = (
    valid(HEAD + """\
@local_exec.task()
def a(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return a(raw)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def _diagnostic(message: str, span: Span, help: str | None = None) -> Diagnostic:
    return Diagnostic(CODE, SEVERITY, message, span, help)


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for kind, items in (("task", project.tasks), ("pipeline", project.pipelines)):
        counts = Counter(item.name for item in items)
        seen: set[str] = set()
        for item in items:
            if counts[item.name] > 1 and item.name in seen:
                yield _diagnostic(f"{kind} name `{item.name}` is used {counts[item.name]} times",
                                  item.span, help=f"give each {kind} a unique name (`name=`)")
            seen.add(item.name)
