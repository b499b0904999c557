"""GLC210 unsupported-statement: a pipeline statement the compiler cannot model.

Reported by `glacierc/frontend/dataflow.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC210"
NAME = "unsupported-statement"
SEVERITY = Severity.WARNING
TITLE = "a pipeline statement the compiler cannot model"
WHAT = ("Reports statements in a `@pipeline` body that the static data-flow analysis does not follow "
        "(`while`, `try`, `with`, a `for` over a non-literal, an `if` or a conditional expression on a run-time "
        "condition). Task calls "
        "inside them are not part of the DAG.")
WHY = "The DAG must be exact; a pipeline body is a plain composition of task calls."

#: Its messages (templates: the reporting site fills in the fields).
NOT_FOLLOWED = Message(CODE, SEVERITY, "{what} in pipeline `{pipeline}` is not followed; task calls inside it are not part of the DAG")

_LOAD = """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
"""

INVALID = (
    invalid(HEAD + _LOAD + """\
    while True:
        return load(raw)
""",
          (15, 5, 16, 25, "a `While` statement in pipeline `p` is not followed; task calls inside it are not part of the DAG")),
    invalid(HEAD.replace("import polars as pl\n", "import polars as pl\nimport random\n") + _LOAD + """\
    return load(raw) if random.random() < 0.5 else None
""",
          (16, 12, 16, 56, "a conditional expression on a condition not known statically in pipeline `p` is not "
                           "followed; task calls inside it are not part of the DAG")),
)
VALID = (
    valid(HEAD + _LOAD + """\
    return load(raw)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
