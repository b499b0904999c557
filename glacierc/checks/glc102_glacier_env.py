"""GLC102 glacier-env: `GlacierEnv` is not part of the language.

Reported by `glacierc/driver.py`, `glacierc/frontend/extract.py`; this module holds its code, documentation
and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Severity

CODE = "GLC102"
NAME = "glacier-env"
SEVERITY = Severity.ERROR
TITLE = "`GlacierEnv` is not part of the language"
WHAT = "Reports `GlacierEnv(...)`, `@env.task()`, `@env.pipeline()` and `env.get(...)` registry look-ups."
WHY = "Execution resources are first-class objects created by the provider; tasks bind to them directly."

INVALID = (
    invalid(HEAD + """\
from glacier import GlacierEnv
env = GlacierEnv(provider=provider)
""",
          (10, 7, 10, 36, "`GlacierEnv` is not part of the language")),
)
VALID = (
    valid(HEAD + """\
@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan()

@pipeline(name='p')
def p():
    return load(raw)
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
