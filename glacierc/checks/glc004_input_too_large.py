"""GLC004 input-too-large: the file exceeds the compiler's resource limits.

Reported by `glacierc/frontend/loader.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, Case, Expected, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC004"
NAME = "input-too-large"
SEVERITY = Severity.ERROR
TITLE = "the file exceeds the compiler's resource limits"
WHAT = ("Reports a file larger than the configured size limit (`max-file-bytes` in `[tool.glacierc]`) or "
        "nested deeper than the parser can take.")
WHY = "Limits keep the compiler fast and predictable on hostile or generated input."

#: Its messages (templates: the reporting site fills in the fields).
FILE_SIZE = Message(CODE, SEVERITY, "file is {size:,} bytes, over the limit of {limit:,}",
    "raise `max-file-bytes` in [tool.glacierc] if this is intended")
BEFORE_PARSE = Message(CODE, SEVERITY, "{problem}")
PARSER_RECURSION = Message(CODE, SEVERITY, "the file is nested too deeply to parse")
TREE_DEPTH = Message(CODE, SEVERITY, "the code nests {depth} levels deep, more than the compiler's limit of {limit}",
    "split the deepest expression or block into smaller named parts")

INVALID = (
    Case({"pipeline.py": HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""",
          "pyproject.toml": "[tool.glacierc]\nmax-file-bytes = 64\n"},
         (Expected(1, 1, 1, 1, "file is 386 bytes, over the limit of 64"),)),
    invalid("x = " + "(" * 300 + "1" + ")" * 300 + "\n",
          (1, 1, 1, 1, "brackets nested 300 deep, more than the 200 Python allows")),
)
VALID = (
    Case({"pipeline.py": HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""",
          "pyproject.toml": "[tool.glacierc]\nmax-file-bytes = 100000\n"}),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
