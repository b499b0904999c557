"""GLC215 undefined-name: a decorator, or a call in a pipeline body, names something that is not defined."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import invalid, valid
from glacierc.checks.suggest import did_you_mean
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC215"
NAME = "undefined-name"
SEVERITY = Severity.ERROR
TITLE = "a decorator or pipeline call names nothing defined"
WHAT = ("Reports `@lamda_exec.task()` when no `lamda_exec` is defined, and a call such as `laod(raw)` in a "
        "pipeline body when nothing of that name is defined (neither a task nor a known helper).")
WHY = ("Python raises `NameError`; the compiler would otherwise drop the task or the node and build an "
       "incomplete pipeline that passes `check`.")

INVALID = (
    invalid("""\
from glacier import Provider, pipeline
from glacier.config import LocalConfig

provider = Provider(config=LocalConfig())
local_exec = provider.local()
raw = provider.bucket(bucket='data', path='raw.csv')

@local_exec.task()
def load(source):
    return source.scan()

@pipeline(name='p')
def p():
    laod(raw)
""",
          (14, 5, 14, 9, "`laod` is not defined (in a pipeline body)")),
)
VALID = (
    valid("""\
from glacier import Provider, pipeline
from glacier.config import LocalConfig

provider = Provider(config=LocalConfig())
local_exec = provider.local()
raw = provider.bucket(bucket='data', path='raw.csv')

@local_exec.task()
def load(source):
    return source.scan()

@pipeline(name='p')
def p():
    load(raw)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for fact in project.facts:
        if fact.kind == "undefined-name":
            where = "in a decorator" if fact.context == "decorator" else "in a pipeline body"
            known = "tasks" if fact.context == "pipeline" else "names defined here"
            yield Diagnostic(CODE, SEVERITY, f"`{fact.subject}` is not defined ({where})", fact.span,
                             did_you_mean(fact.subject, fact.candidates, listing=f"{known}"))
