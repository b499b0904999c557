"""GLC304 missing-config-field: required config field missing.

Judged by `glacierc/checks/config.py` (`config_problems`) on every config object the frontend lowers
(`glacierc/frontend/declarations.py`); this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Severity

CODE = "GLC304"
NAME = "missing-config-field"
SEVERITY = Severity.ERROR
TITLE = "required config field missing"
WHAT = "Reports a config constructed without a field that has no default (e.g. `GcpConfig(project_id=...)`)."
WHY = "Construction would fail at run time with a TypeError."

INVALID = (
    invalid("""\
from glacier import Provider
from glacier.config import GcpConfig
provider = Provider(config=GcpConfig())
""",
          (3, 28, 3, 39, "`GcpConfig` requires `project_id`")),
)
VALID = (
    valid("""\
from glacier import Provider
from glacier.config import GcpConfig
provider = Provider(config=GcpConfig(project_id='p'))
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
