"""GLC101 provider-class: provider-specific class.

Reported by `glacierc/driver.py`, `glacierc/frontend/declarations.py`; this module holds its code,
documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC101"
NAME = "provider-class"
SEVERITY = Severity.ERROR
TITLE = "provider-specific class"
WHAT = "Reports `AWSProvider`, `GCPProvider`, `AzureProvider` and `LocalProvider`."
WHY = ("There is one `Provider`; its config decides the cloud, so switching clouds is a config change. "
       "`glacierc migrate` rewrites these automatically.")

#: Its messages (templates: the reporting site fills in the fields).
LEGACY_PROVIDER = Message(CODE, SEVERITY, "`{legacy}` is not part of the language; use `Provider(config=...)`",
    "write `Provider(config={config_type}(...))` (`glacierc migrate` does it for you)")

INVALID = (
    invalid("""\
from glacier.providers import AWSProvider
provider = AWSProvider(region='us-east-1')
""",
          (2, 12, 2, 43, "`AWSProvider` is not part of the language; use `Provider(config=...)`")),
)
VALID = (
    valid("""\
from glacier import Provider
from glacier.config import AwsConfig
provider = Provider(config=AwsConfig(region='us-east-1'))
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
