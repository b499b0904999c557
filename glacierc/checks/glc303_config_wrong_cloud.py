"""GLC303 config-wrong-cloud: config class of another cloud than its provider.

Judged by `glacierc/checks/config.py` (`config_problems`) on every config object the frontend lowers
(`glacierc/frontend/declarations.py`); this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Severity

CODE = "GLC303"
NAME = "config-wrong-cloud"
SEVERITY = Severity.ERROR
TITLE = "config class of another cloud than its provider"
WHAT = ("Reports a storage or execution config for a different cloud than the provider's (e.g. `S3Config` "
        "with `GcpConfig`).")
WHY = "The resource cannot be created on that cloud."

INVALID = (
    invalid("""\
from glacier import Provider
from glacier.config import GcpConfig, S3Config
provider = Provider(config=GcpConfig(project_id='p'))
raw = provider.bucket(bucket='data', path='raw.csv', config=S3Config())
""",
          (4, 61, 4, 71, "`S3Config` is an AWS config but the provider is GCP")),
)
VALID = (
    valid("""\
from glacier import Provider
from glacier.config import GcpConfig, GCSConfig
provider = Provider(config=GcpConfig(project_id='p'))
raw = provider.bucket(bucket='data', path='raw.csv', config=GCSConfig())
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
