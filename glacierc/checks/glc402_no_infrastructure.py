"""GLC402 no-infrastructure: a local project has no infrastructure.

Reported by `glacierc/backends/terraform/__init__.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, LOCAL_HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC402"
NAME = "no-infrastructure"
SEVERITY = Severity.INFO
TITLE = "a local project has no infrastructure"
WHAT = "Reports that a project whose providers are all `LocalConfig` writes no Terraform."
WHY = "Says why `terraform/` is absent from the build output."

#: Its messages (templates: the reporting site fills in the fields).
LOCAL_ONLY = Message(CODE, SEVERITY, "every provider is local (LocalConfig): no Terraform is written",
                     "use AwsConfig, GcpConfig or AzureConfig to deploy to a cloud")

INVALID = (
    invalid(LOCAL_HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""",
          (5, 12, 5, 42, "every provider is local (LocalConfig): no Terraform is written"),
          stage="build"),
)
VALID = (
    valid(HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
""",
          stage="build"),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
