"""GLC103 string-executor: string-based executor.

Reported by `glacierc/driver.py`, `glacierc/frontend/extract.py`; this module holds its code, documentation
and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC103"
NAME = "string-executor"
SEVERITY = Severity.ERROR
TITLE = "string-based executor"
WHAT = 'Reports `executor="..."` on a task decorator.'
WHY = "A string cannot be checked, configured or turned into infrastructure; an execution resource can."

#: Its messages (templates: the reporting site fills in the fields).
STRING_EXECUTOR = Message(CODE, SEVERITY, "string-based executor: tasks are bound to execution resources",
    "{hint}")

INVALID = (
    invalid(HEAD + """\
@local_exec.task(executor='lambda')
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""",
          (9, 2, 9, 36, "string-based executor: tasks are bound to execution resources")),
)
VALID = (
    valid(HEAD + """\
lambda_exec = provider.serverless(config=LambdaConfig())

@lambda_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
