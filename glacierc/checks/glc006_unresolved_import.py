"""GLC006 unresolved-import: a project import cannot be resolved.

Reported by `glacierc/frontend/project.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import Case, Expected
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC006"
NAME = "unresolved-import"
SEVERITY = Severity.WARNING
TITLE = "a project import cannot be resolved"
WHAT = "Reports a relative import (or an import of a sibling module) that names no file of the project."
WHY = "Declarations imported from a missing module cannot be analysed; whatever uses them is unknown."

#: Its messages (templates: the reporting site fills in the fields).
NO_SUCH_MODULE = Message(CODE, SEVERITY, "`{target}` names no module of this project",
    "compile the whole package (pass its directory) so relative imports resolve")

INVALID = (
    Case({"app/__init__.py": "",
          "app/pipeline.py": "from .helpers import clean\n"},
         (Expected(1, 22, 1, 27, "`app.helpers.clean` names no module of this project", "app/pipeline.py"),),
         paths=("app",)),
)
VALID = (
    Case({"app/__init__.py": "",
          "app/helpers.py": "def clean(frame):\n    return frame\n",
          "app/pipeline.py": "from .helpers import clean\n"},
         paths=("app",)),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
