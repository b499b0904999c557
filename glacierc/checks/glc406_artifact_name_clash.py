"""GLC406 artifact-name-clash: two pipelines would be written to the same files.

Reported by `glacierc/backends/names.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, LOCAL_HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC406"
NAME = "artifact-name-clash"
SEVERITY = Severity.ERROR
TITLE = "two pipelines would be written to the same files"
WHAT = ("Reports a pipeline whose name maps to the runner and graph files of another pipeline (`daily/etl` "
        "and `daily_etl` both become `runners/daily_etl.py`; names differing only in case clash too).")
WHY = "One pipeline's artifacts would silently overwrite the other's."

#: Its messages (templates: the reporting site fills in the fields).
SAME_FILES = Message(CODE, SEVERITY, "pipeline {pipeline!r} would be written to the files of pipeline {other!r} (runners/{stem}.py, graphs/{stem}.dot)",
    "rename one of the pipelines: names differing only in characters other than letters, digits, `_`, `-` and `.` (or only in case) share their artifact files")

INVALID = (
    invalid(LOCAL_HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='daily/etl')
def first():
    return load(raw)

@pipeline(name='daily_etl')
def second():
    return load(raw)
""",
          (18, 1, 19, 21, ("pipeline 'daily_etl' would be written to the files of pipeline 'daily/etl' "
             "(runners/daily_etl.py, graphs/daily_etl.dot)")),
          stage="build"),
)
VALID = (
    valid(LOCAL_HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='daily/etl')
def first():
    return load(raw)

@pipeline(name='weekly/etl')
def second():
    return load(raw)
""",
          stage="build"),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
