"""GLC001 syntax-error: the file cannot be parsed.

Reported by `glacierc/frontend/loader.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC001"
NAME = "syntax-error"
SEVERITY = Severity.ERROR
TITLE = "the file cannot be parsed"
WHAT = "Reports a file that is not valid Python."
WHY = "Nothing can be analysed in a file that does not parse; every other check is skipped for it."

#: Its messages (templates: the reporting site fills in the fields).
SYNTAX = Message(CODE, SEVERITY, "syntax error: {message}")

INVALID = (
    invalid(HEAD + """\
def broken(:
    pass
""",
          (9, 12, 9, 13, "syntax error: invalid syntax")),
)
VALID = (
    valid(HEAD + """\
def fixed():
    pass
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
