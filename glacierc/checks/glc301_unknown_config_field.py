"""GLC301 unknown-config-field: unknown config field.

Judged by `glacierc/checks/config.py` (`config_problems`) on every config object the frontend lowers
(`glacierc/frontend/declarations.py`); this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Severity

CODE = "GLC301"
NAME = "unknown-config-field"
SEVERITY = Severity.ERROR
TITLE = "unknown config field"
WHAT = "Reports a keyword argument that the config class does not have (see `glacier.config`)."
WHY = "A misspelt field would otherwise be ignored and the default deployed."

INVALID = (
    invalid(HEAD + """\
fn = provider.serverless(config=LambdaConfig(memroy=2048))
""",
          (9, 53, 9, 57, "`LambdaConfig` has no field `memroy`")),
)
VALID = (
    valid(HEAD + """\
fn = provider.serverless(config=LambdaConfig(memory=2048))
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
