"""GLC005 no-input: the path names no Python source.

Reported by `glacierc/frontend/loader.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, Case, Expected
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC005"
NAME = "no-input"
SEVERITY = Severity.ERROR
TITLE = "the path names no Python source"
WHAT = ("Reports a PATH that does not exist, or a directory without Python files (directory symlinks are not "
        "followed).")
WHY = "A lint step that silently checks nothing is worse than one that fails."

#: Its messages (templates: the reporting site fills in the fields).
MISSING = Message(CODE, SEVERITY, "path `{path}` does not exist")
EMPTY_DIRECTORY = Message(CODE, SEVERITY, "directory `{path}` contains no Python files")
NOT_A_FILE = Message(CODE, SEVERITY, "`{path}` is not a regular file or directory")

INVALID = (
    Case({},
         (Expected(1, 1, 1, 1, "path `missing.py` does not exist", "missing.py"),),
         paths=("missing.py",)),
    Case({"empty/notes.txt": "no Python here\n"},
         (Expected(1, 1, 1, 1, "directory `empty` contains no Python files", "empty"),),
         paths=("empty",)),
)
VALID = (
    Case({"pipeline.py": HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
"""},
         paths=(".",)),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
