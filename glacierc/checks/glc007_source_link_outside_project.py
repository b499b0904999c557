"""GLC007 source-link-outside-project: a `.py` symbolic link to a file outside the project.

Reported by `glacierc/frontend/loader.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, Case, Expected
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC007"
NAME = "source-link-outside-project"
SEVERITY = Severity.WARNING
TITLE = "a `.py` symbolic link to a file outside the project"
WHAT = ("Reports a Python file that is a symbolic link whose target lies outside the project root; the file "
        "is not read and its content is never shown.")
WHY = ("A link can point at any file of the machine (`/etc/shadow`, another checkout); reading it would check "
       "code that is not the project's and could echo private lines into CI logs.")

#: Its messages (templates: the reporting site fills in the fields).
LINK_OUT = Message(CODE, SEVERITY, "`{file}` is a symbolic link to a file outside the project; it is not read",
    "copy the file into the project, or pass its real path")

INVALID = (
    Case({"../outside.py": "SECRET = 1\n",
          "pipeline.py": HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
"""},
         (Expected(1, 1, 1, 1, "`linked.py` is a symbolic link to a file outside the project; it is not read", "linked.py"),),
         paths=(".",),
         links={"linked.py": "../outside.py"}),
)
VALID = (
    Case({"real.py": "SECRET = 1\n",
          "pipeline.py": HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
"""},
         paths=(".",),
         links={"linked.py": "real.py"}),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
