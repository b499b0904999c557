"""GLC201 dependency-cycle: dependency cycle.

Reported by `glacierc/frontend/pipelines.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC201"
NAME = "dependency-cycle"
SEVERITY = Severity.ERROR
TITLE = "dependency cycle"
WHAT = ("Reports a cycle among the nodes of a pipeline (through `depends_on` or storage order); the message "
        "names every node of the cycle.")
WHY = "A cycle has no execution order."

#: Its messages (templates: the reporting site fills in the fields).
CYCLE = Message(CODE, SEVERITY, "dependency cycle in pipeline `{pipeline}`: {cycle}",
    "remove a `depends_on` entry or a storage read/write that closes the cycle")

INVALID = (
    invalid(HEAD + """\
@local_exec.task(depends_on=['b'])
def a(source) -> pl.LazyFrame:
    return source.scan()

@local_exec.task(depends_on=['a'])
def b(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    a(raw)
    b(raw)
""",
          (18, 1, 20, 11, "dependency cycle in pipeline `p`: a -> b -> a")),
)
VALID = (
    valid(HEAD + """\
@local_exec.task()
def a(source) -> pl.LazyFrame:
    return source.scan()

@local_exec.task(depends_on=['a'])
def b(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    a(raw)
    b(raw)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
