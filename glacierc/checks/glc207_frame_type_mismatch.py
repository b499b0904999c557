"""GLC207 frame-type-mismatch: a DataFrame flows where a LazyFrame is expected, or the reverse."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir
from glacierc.source import Span

CODE = "GLC207"
NAME = "frame-type-mismatch"
SEVERITY = Severity.WARNING
TITLE = "a DataFrame flows where a LazyFrame is expected (or back)"
WHAT = ("Reports a task whose return annotation is `DataFrame` feeding a parameter annotated `LazyFrame`, or "
        "the reverse.")
WHY = "The call fails at run time or silently loses laziness (and with it Polars' cross-task optimisation)."

INVALID = (
    invalid(HEAD + """\
@local_exec.task()
def load(source) -> pl.DataFrame:
    return source.read()

@local_exec.task()
def clean(df: pl.LazyFrame) -> pl.LazyFrame:
    return df.drop_nulls()

@pipeline(name='p')
def p():
    return clean(load(raw))
""",
          (19, 12, 19, 28, "`load` returns a DataFrame but parameter `df` of `clean` expects a LazyFrame")),
)
VALID = (
    valid(HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@local_exec.task()
def clean(df: pl.LazyFrame) -> pl.LazyFrame:
    return df.drop_nulls()

@pipeline(name='p')
def p():
    return clean(load(raw))
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def _diagnostic(message: str, span: Span, help: str | None = None) -> Diagnostic:
    return Diagnostic(CODE, SEVERITY, message, span, help)


def check(project: ir.Project) -> Iterator[Diagnostic]:
    tasks = {t.name: t for t in project.tasks}
    for pipeline in project.pipelines:
        task_of = {node.id: node.task for node in pipeline.nodes}
        for node in pipeline.nodes:
            task = tasks.get(node.task)
            if task is None:
                continue
            for item in node.inputs:
                if not isinstance(item, ir.NodeInput):
                    continue
                produced = _frame_kind(tasks[task_of[item.node]].returns)
                wanted = _frame_kind(next((p.annotation for p in task.params if p.name == item.param), None))
                if produced and wanted and produced != wanted:
                    yield _diagnostic(f"`{item.node}` returns a {produced} but parameter `{item.param}` "
                                      f"of `{task.name}` expects a {wanted}", node.span,
                                      help="return a LazyFrame (`.lazy()`) so Polars can optimise across tasks"
                                      if wanted == "LazyFrame" else "collect the frame, or annotate the "
                                      "parameter as LazyFrame")


def _frame_kind(annotation: str | None) -> str | None:
    if not annotation:
        return None
    last = annotation.replace('"', "").replace("'", "").rsplit(".", 1)[-1].strip()
    return last if last in ("DataFrame", "LazyFrame") else None
