"""GLC209 not-a-task: a pipeline calls a function that is not a task.

Reported by `glacierc/frontend/dataflow.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC209"
NAME = "not-a-task"
SEVERITY = Severity.WARNING
TITLE = "a pipeline calls a function that is not a task"
WHAT = ("Reports a call inside a `@pipeline` body to something that is not a task; it does not become a node "
        "of the DAG and runs wherever the pipeline runs.")
WHY = "Work outside tasks gets no execution resource, no IAM role and no place in the graph."

#: Its messages (templates: the reporting site fills in the fields).
METHOD_ON_RESULT = Message(CODE, SEVERITY, "`{name}` is not a task; it does not become a node of pipeline `{pipeline}`",
    "a pipeline only connects tasks: call `.{method}()` inside a task")
NOT_DECORATED = Message(CODE, SEVERITY, "`{name}` is not a task; it does not become a node of pipeline `{pipeline}`",
    "decorate it with an execution resource, e.g. `@local_exec.task()`")

INVALID = (
    invalid(HEAD + """\
def helper(source):
    return source.scan()

@pipeline(name='p')
def p():
    return helper(raw)
""",
          (10, 12, 10, 25, "`source.scan` is not a task; it does not become a node of pipeline `p`")),
)
VALID = (
    valid(HEAD + """\
@local_exec.task()
def helper(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return helper(raw)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
