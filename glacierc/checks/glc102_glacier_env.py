"""GLC102 glacier-env: `GlacierEnv` is not part of the language.

Reported by `glacierc/driver.py`, `glacierc/frontend/extract.py`; this module holds its code, documentation
and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC102"
NAME = "glacier-env"
SEVERITY = Severity.ERROR
TITLE = "`GlacierEnv` is not part of the language"
WHAT = "Reports `GlacierEnv(...)`, `@env.task()`, `@env.pipeline()` and `env.get(...)` registry look-ups."
WHY = "Execution resources are first-class objects created by the provider; tasks bind to them directly."

#: Its messages (templates: the reporting site fills in the fields).
GLACIER_ENV = Message(CODE, SEVERITY, "`GlacierEnv` is not part of the language",
    "remove it; create execution resources from the provider (`local_exec = provider.local()`) and decorate tasks with `@local_exec.task()`")
ENV_DECORATOR = Message(CODE, SEVERITY, "`@env.{attribute}` is not part of the language",
    "decorate tasks with an execution resource, `@local_exec.task()`, and pipelines with `@pipeline(name=...)`")

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
