"""GLC302 config-out-of-limits: config value outside the target's limits.

Judged by `glacierc/checks/config.py` (`config_problems`) on every config object the frontend lowers
(`glacierc/frontend/declarations.py`); also reported by `glacierc/backends/terraform/aws_storage.py`,
`glacierc/backends/terraform/azure_storage.py`, `glacierc/backends/terraform/gcp_compute.py`,
`glacierc/backends/terraform/gcp_storage.py`, `glacierc/frontend/tasks.py`; this module holds its code,
documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC302"
NAME = "config-out-of-limits"
SEVERITY = Severity.ERROR
TITLE = "config value outside the target's limits"
WHAT = ("Reports a config value outside what the target service allows (e.g. Lambda memory 128-10240 MB, "
        "timeout 1-900 s), or not one of the allowed choices.")
WHY = "The deployment would fail, late; the limits are known at compile time."

#: Its messages (templates: the reporting site fills in the fields).
TASK_OPTION_LIMIT = Message(CODE, SEVERITY, "{problem}",
    "`{name}`: {doc}")

INVALID = (
    invalid(HEAD + """\
fn = provider.serverless(config=LambdaConfig(timeout=1200))
""",
          (9, 54, 9, 58, "LambdaConfig.timeout = 1200 is outside 1..900 s")),
)
VALID = (
    valid(HEAD + """\
fn = provider.serverless(config=LambdaConfig(timeout=900))
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
