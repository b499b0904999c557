"""GLC205 unproven-access: the task's access to storage cannot be proven.

Reported by `glacierc/frontend/nodes.py`, `glacierc/frontend/tasks.py`; this module holds its code,
documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC205"
NAME = "unproven-access"
SEVERITY = Severity.WARNING
TITLE = "the task's access to storage cannot be proven"
WHAT = ("Reports storage passed to a task whose body does not show how it is used (`.scan()`, `.read()`, "
        "`.write(...)`, `get_uri()` with a reader or writer). Read-write access is assumed.")
WHY = "Least-privilege IAM is derived from proven access; unproven access grants both read and write."

#: Its messages (templates: the reporting site fills in the fields).
UNPROVEN_IN_BODY = Message(CODE, SEVERITY, "cannot prove how task `{task}` uses `{storage}`; assuming read and write",
    "access storage with `.scan()`, `.read()`, `.write(...)` or `get_uri()` directly in the task")
UNPROVEN_PARAMETER = Message(CODE, SEVERITY, "cannot prove how task `{task}` uses `{storage}`; assuming read and write",
    "access the bucket parameter with `.scan()`, `.read()`, `.write(...)` or `get_uri()` directly in the task body")

INVALID = (
    invalid(HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return helper(source)

def helper(s):
    return s.scan()

@pipeline(name='p')
def p():
    return load(raw)
""",
          (18, 12, 18, 21, "cannot prove how task `load` uses `raw`; assuming read and write")),
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
