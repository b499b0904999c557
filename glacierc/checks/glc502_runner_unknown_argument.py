"""GLC502 runner-unknown-argument: a task argument not known statically, which the runner cannot pass."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import HEAD, LOCAL_HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir
from glacierc.source import Span

CODE = "GLC502"
NAME = "runner-unknown-argument"
SEVERITY = Severity.ERROR
TITLE = "a task argument the runner cannot pass"
WHAT = "Reports an argument of a task call that is not known statically (e.g. a list of buckets)."
WHY = ("The runner (and a cloud entry point) cannot build the value, so that node is certain to fail when it "
       "runs: `check` refuses it rather than pass a pipeline that cannot work.")

INVALID = (
    invalid(LOCAL_HEAD + """\
other = provider.bucket(bucket='data', path='other.csv')

@local_exec.task()
def load(sources) -> pl.LazyFrame:
    return pl.concat([s.scan() for s in sources])

@pipeline(name='p')
def p():
    return load([raw, other])
""",
          (17, 12, 17, 30, ("argument `sources` of node `load` is not known statically; the runner of pipeline `p` cannot "
             "pass it and fails at this node"))),
)
VALID = (
    valid(LOCAL_HEAD + """\
other = provider.bucket(bucket='data', path='other.csv')

@local_exec.task()
def load(first, second) -> pl.LazyFrame:
    return pl.concat([first.scan(), second.scan()])

@pipeline(name='p')
def p():
    return load(raw, other)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def _diagnostic(message: str, span: Span, help: str | None = None) -> Diagnostic:
    return Diagnostic(CODE, SEVERITY, message, span, help)


def check(project: ir.Project) -> Iterator[Diagnostic]:
    """Task arguments whose value is not known statically: neither the runner nor a cloud entry point can
    build them, so the node would fail when it runs."""
    for pipeline in project.pipelines:
        for node in pipeline.nodes:
            for item in node.inputs:
                if item.kind == "unknown":
                    yield _diagnostic(f"argument `{item.param}` of node `{node.id}` is not known "
                                      f"statically; the runner of pipeline `{pipeline.name}` cannot pass it and "
                                      "fails at this node", node.span,
                                      help="pass node results, storage or literals directly in the pipeline function")
