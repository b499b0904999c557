"""GLC501 runner-compile-time-name: task code uses something that exists only when compiling.

Reported by `glacierc/backends/runner/shaker.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, LOCAL_HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC501"
NAME = "runner-compile-time-name"
SEVERITY = Severity.ERROR  # the task is certain to fail where the runner runs it
TITLE = "task code uses something that exists only when compiling"
WHAT = ("Reports a task, or a value it uses, that needs a provider, an executor, a pipeline, a `glacier` "
        "import or a value built from one.")
WHY = "The generated runner works without `glacier`; such a name is left out and the node fails at run time."

#: Its messages (templates: the reporting site fills in the fields).
TASK_USES = Message(CODE, SEVERITY, "task `{task}` uses {used}, which exists only when compiling; the runner of "
                    "pipeline `{pipeline}` cannot provide it",
                    "pass what the task needs as an argument or a plain constant instead")
GLOBAL_USES = Message(CODE, SEVERITY, "`{bound}` is built from {used}, which exists only when compiling; the runner "
                      "of pipeline `{pipeline}` leaves it out, so a task using it fails there",
                      "pass what the task needs as an argument or a plain constant instead")

INVALID = (
    invalid(LOCAL_HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan().with_columns(pl.lit(repr(provider)).alias('provider'))

@pipeline(name='p')
def p():
    return load(raw)
""",
          (10, 1, 11, 80, ("task `load` uses `provider` (a provider), which exists only when compiling; the runner of "
             "pipeline `p` cannot provide it")),
          stage="build"),
)
VALID = (
    valid(LOCAL_HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""",
          stage="build"),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
