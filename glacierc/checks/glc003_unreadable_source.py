"""GLC003 unreadable-source: the file cannot be read as Python source.

Reported by `glacierc/frontend/loader.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import Case, Expected
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC003"
NAME = "unreadable-source"
SEVERITY = Severity.ERROR
TITLE = "the file cannot be read as Python source"
WHAT = "Reports a file that cannot be read, is not text, or is not valid in its declared encoding."
WHY = "The compiler only analyses text it can decode exactly as Python would."

#: Its messages (templates: the reporting site fills in the fields).
UNREADABLE = Message(CODE, SEVERITY, "cannot read the file: {reason}")

INVALID = (
    Case({"pipeline.py": b"name = '\xff\xfe'\n"},
         (Expected(1, 1, 1, 1, "cannot read the file: invalid or missing encoding declaration"),)),
    Case({"pipeline.py": b"# -*- coding: ascii -*-\nname = '\xc3\xa9'\n"},
         (Expected(1, 1, 1, 1, ("cannot read the file: 'ascii' codec can't decode byte 0xc3 in position 32: ordinal not in "
             "range(128)")),)),
)
VALID = (
    Case({"pipeline.py": b"# -*- coding: latin-1 -*-\nname = '\xe9'\n"}),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
