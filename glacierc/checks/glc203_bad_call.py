"""GLC203 bad-call: a task is called with arguments that do not fit its signature.

Reported by `glacierc/frontend/dataflow.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC203"
NAME = "bad-call"
SEVERITY = Severity.ERROR
TITLE = "a task is called with arguments that do not fit its signature"
WHAT = "Reports a task call in a pipeline with too many or too few arguments, or an unknown keyword."
WHY = "The call would fail at run time, after infrastructure was deployed for it."

#: Its messages (templates: the reporting site fills in the fields).
BAD_ARGUMENTS = Message(CODE, SEVERITY, "call of task `{task}`: {problem}",
    "signature: {signature}")

INVALID = (
    invalid(HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw, raw)
""",
          (15, 12, 15, 26, "call of task `load`: takes 1 positional argument but 2 were given")),
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
