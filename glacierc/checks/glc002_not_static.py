"""GLC002 not-static: a value that must be known statically is not.

Reported by `glacierc/frontend/declarations.py`, `glacierc/frontend/pipelines.py`,
`glacierc/frontend/tasks.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Severity

CODE = "GLC002"
NAME = "not-static"
SEVERITY = Severity.ERROR
TITLE = "a value that must be known statically is not"
WHAT = ("Reports a provider, storage, executor or config argument whose value depends on something only known "
        "at run time (a function call, an unset variable, I/O).")
WHY = ("glacierc compiles infrastructure from the source without running it; bucket names, regions and limits "
       "must be decidable at compile time. Pass run-time choices through `os.getenv` with a default, and give "
       "the value at compile time with `-e NAME=VALUE`.")

INVALID = (
    invalid(HEAD + """\
import random
other = provider.bucket(bucket=random.choice(['a', 'b']), path='x.csv')
""",
          (10, 32, 10, 57, "`bucket` must be known statically: the call to `random.choice` cannot be evaluated statically")),
    invalid(HEAD + """\
import os
other = provider.bucket(bucket=os.environ['BUCKET'], path='x.csv')
""",
          (10, 32, 10, 52, ("`bucket` must be known statically: environment variable `BUCKET` has no default; give it with "
             "`-e BUCKET=VALUE`"))),
)
VALID = (
    valid(HEAD + """\
import os
other = provider.bucket(bucket=os.getenv('BUCKET', 'acme-a'), path='x.csv')
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
