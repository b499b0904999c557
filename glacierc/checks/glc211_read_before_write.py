"""GLC211 read-before-write: a node reads storage that only a node called later in the same pipeline writes."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir
from glacierc.source import Span

CODE = "GLC211"
NAME = "read-before-write"
SEVERITY = Severity.WARNING
TITLE = "storage is read before the node that writes it"
WHAT = ("Reports a node that reads storage which, in the same pipeline, only a node called later writes (and "
        "nothing orders the writer first).")
WHY = "The reader sees stale data from a previous run, or fails on the first run when nothing exists yet."

INVALID = (
    invalid(HEAD + """\
stage = provider.bucket(bucket='data', path='stage.parquet')

@local_exec.task()
def report() -> pl.DataFrame:
    return stage.read()

@local_exec.task()
def publish(source) -> None:
    stage.write(source.scan())

@pipeline(name='p')
def p():
    report()
    publish(raw)
""",
          (21, 5, 21, 13, "`report` reads `stage` before `publish` writes it in pipeline `p`")),
)
VALID = (
    valid(HEAD + """\
stage = provider.bucket(bucket='data', path='stage.parquet')

@local_exec.task()
def report() -> pl.DataFrame:
    return stage.read()

@local_exec.task()
def publish(source) -> None:
    stage.write(source.scan())

@pipeline(name='p')
def p():
    publish(raw)
    report()
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def _diagnostic(message: str, span: Span, help: str | None = None) -> Diagnostic:
    return Diagnostic(CODE, SEVERITY, message, span, help)


def check(project: ir.Project) -> Iterator[Diagnostic]:
    """A node reads storage that only a node called later in the same pipeline writes."""
    for pipeline in project.pipelines:
        position = {node.id: index for index, node in enumerate(pipeline.nodes)}
        writers_of: dict[str, list[ir.Node]] = {}
        for node in pipeline.nodes:
            for name in node.writes:
                writers_of.setdefault(name, []).append(node)
        incoming = _incoming(pipeline)
        for node in pipeline.nodes:
            for name in node.reads:
                writers = [n for n in writers_of.get(name, ()) if n.id != node.id]
                if not writers or any(position[w.id] < position[node.id] for w in writers):
                    continue
                if _runs_before(incoming, {w.id for w in writers}, node.id):  # ordered by depends_on
                    continue
                yield _diagnostic(f"`{node.id}` reads `{name}` before `{writers[0].id}` writes it "
                                  f"in pipeline `{pipeline.name}`", node.span,
                                  help=f"call `{writers[0].task}` first, or add `depends_on=[{writers[0].task}]`")


def _incoming(pipeline: ir.Pipeline) -> dict[str, set[str]]:
    incoming: dict[str, set[str]] = {node.id: set() for node in pipeline.nodes}
    for edge in pipeline.edges:
        incoming.setdefault(edge.target, set()).add(edge.source)
    return incoming


def _runs_before(incoming: dict[str, set[str]], candidates: set[str], node_id: str) -> bool:
    """Whether one of `candidates` is a predecessor of `node_id` through data and order edges (a walk
    back from the node, run only for a read that would be reported: linear per such read)."""
    seen: set[str] = set()
    stack = list(incoming.get(node_id, ()))
    while stack:
        current = stack.pop()
        if current in candidates:
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(incoming.get(current, ()))
    return False
