"""GLC305 config-wrong-role: config of the wrong kind for this resource.

Judged by `glacierc/checks/config.py` (`config_problems`) on every config object the frontend lowers
(`glacierc/frontend/declarations.py`); this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Severity

CODE = "GLC305"
NAME = "config-wrong-role"
SEVERITY = Severity.ERROR
TITLE = "config of the wrong kind for this resource"
WHAT = ("Reports a config passed where another kind is expected, e.g. `LambdaConfig` to `provider.vm()` or a "
        "storage config to `provider.serverless()`.")
WHY = "Each execution method creates one kind of resource; its config must describe that kind."

INVALID = (
    invalid(HEAD + """\
from glacier.config import EC2Config
vm = provider.serverless(config=EC2Config())
""",
          (10, 33, 10, 44, "`EC2Config` configures a vm resource, not a serverless one")),
)
VALID = (
    valid(HEAD + """\
from glacier.config import EC2Config
vm = provider.vm(config=EC2Config())
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
