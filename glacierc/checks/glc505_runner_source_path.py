"""GLC505 runner-source-path: code a runner copies uses `__file__`.

Reported by `glacierc/backends/runner/shaker.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import LOCAL_HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC505"
NAME = "runner-source-path"
SEVERITY = Severity.WARNING  # `Path(__file__).stem` is harmless; a file read beside the sources is not there
TITLE = "code a runner copies uses `__file__`"
WHAT = "Reports `__file__` in a task, or in a helper or module-level value a task uses."
WHY = ("A runner (and every cloud package) is one standalone script that does not carry the project's other "
       "files: there `__file__` is the runner's own path, so a file read beside the sources "
       "(`Path(__file__).parent / \"query.sql\"`) is not found and the node fails where it runs.")

#: Its messages (templates: the reporting site fills in the fields).
SOURCE_PATH = Message(CODE, SEVERITY, "`__file__` in code the runner of pipeline `{pipeline}` copies is the runner's "
                      "own path there, not `{source}`'s; files beside the sources are not shipped with it",
                      "put such a file's text in a constant, or the file in storage the task reads")

INVALID = (
    invalid(LOCAL_HEAD + """\
from pathlib import Path

QUERY = Path(__file__).parent / 'query.sql'

@local_exec.task()
def load(source) -> pl.DataFrame:
    return pl.SQLContext(raw=source.read()).execute(QUERY.read_text(), eager=True)

@pipeline(name='p')
def p():
    return load(raw)
""",
            (11, 1, 11, 1, ("`__file__` in code the runner of pipeline `p` copies is the runner's own path there, "
                            "not `pipeline.py`'s; files beside the sources are not shipped with it")),
            stage="build"),
)
VALID = (
    valid(LOCAL_HEAD + """\
QUERY = 'SELECT * FROM raw'

@local_exec.task()
def load(source) -> pl.DataFrame:
    return pl.SQLContext(raw=source.read()).execute(QUERY, eager=True)

@pipeline(name='p')
def p():
    return load(raw)
""", stage="build"),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
