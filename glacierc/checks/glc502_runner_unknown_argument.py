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

_TUNE = LOCAL_HEAD + """\
import enum

class Mode(enum.Enum):
    FULL = 'full'

@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@local_exec.task()
def tune(frame, mode) -> pl.LazyFrame:
    return frame
"""
_COMBINE = """
@local_exec.task()
def combine(frames) -> pl.LazyFrame:
    return pl.concat(frames)
"""
_NOT_PASSED = "; the runner of pipeline `p` cannot pass it and fails at this node"

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
          (17, 12, 17, 30, ("argument `sources` of node `load` is not known statically (it holds storage `raw`, which "
                            "the runner passes only as an argument of its own)" + _NOT_PASSED))),
    invalid(_TUNE + _COMBINE + """
@pipeline(name='p')
def p():
    return combine(list(map(load, [raw])))
""",
            (28, 12, 28, 43, ("argument `frames` of node `combine` is not known statically (`map(...)` calls task "
                              "`load` at run time, so no node runs it: write `[load(s) for s in [raw]]`)"
                              + _NOT_PASSED))),
    invalid(_TUNE + """
@pipeline(name='p')
def p():
    return tune(load(raw), Mode.FULL)
""",
            (24, 12, 24, 38, ("argument `mode` of node `tune` is not known statically (`Mode.FULL` is an Enum member, "
                              "which the runner cannot build: pass its `.value` (`Mode.FULL.value`))" + _NOT_PASSED))),
    invalid(_TUNE + """
from dataclasses import dataclass

@dataclass
class Settings:
    mode: str = 'full'

SETTINGS = Settings()

@pipeline(name='p')
def p():
    return tune(load(raw), SETTINGS.mode)
""",
            (32, 12, 32, 42, ("argument `mode` of node `tune` is not known statically (`Settings` is a dataclass and "
                              "its instances and their attributes are not static values: pass the field's value as a "
                              "literal or a module-level constant)" + _NOT_PASSED))),
    invalid(_TUNE + """
@pipeline(name='p')
def p():
    return tune(load(raw), load)
""",
            (24, 12, 24, 33, ("argument `mode` of node `tune` is not known statically (`load` is a task, and a task "
                              "is not a value: call it (`load(...)`) and pass its result)" + _NOT_PASSED))),
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
    valid(_TUNE + _COMBINE + """
@pipeline(name='p')
def p():
    return tune(combine(list([load(s) for s in [raw]])), Mode.FULL.value)
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
                if isinstance(item, ir.UnknownInput):
                    why = f" ({item.reason})" if item.reason else ""
                    yield _diagnostic(f"argument `{item.param}` of node `{node.id}` is not known "
                                      f"statically{why}; the runner of pipeline `{pipeline.name}` cannot pass it and "
                                      "fails at this node", node.span,
                                      help="pass node results, storage or literals directly in the pipeline function")
