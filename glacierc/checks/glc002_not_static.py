"""GLC002 not-static: a value that must be known statically is not.

Reported by `glacierc/frontend/declarations.py`, `glacierc/frontend/pipelines.py`,
`glacierc/frontend/tasks.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import HEAD, invalid, valid
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC002"
NAME = "not-static"
SEVERITY = Severity.ERROR
TITLE = "a value that must be known statically is not"
WHAT = ("Reports a provider, storage, executor or config argument whose value depends on something only known "
        "at run time (a function call, an unset variable, I/O).")
WHY = ("glacierc compiles infrastructure from the source without running it; bucket names, regions and limits "
       "must be decidable at compile time. Pass run-time choices through `os.getenv` with a default, and give "
       "the value at compile time with `-e NAME=VALUE`.")

#: Its messages (templates: the reporting site fills in the fields).
PROVIDER_CONFIG = Message(CODE, SEVERITY, "the provider's config must be a config object known statically",
    "pass `config=AwsConfig(...)`, `GcpConfig(...)`, `AzureConfig(...)` or `LocalConfig(...)`")
STORAGE_FORMAT = Message(CODE, SEVERITY, "cannot tell the format of `{path}`",
    "pass `format=` (parquet, csv, ndjson, ipc) or use a known suffix")
SCHEMA = Message(CODE, SEVERITY, "{reason}")
EXECUTOR_CONFIG = Message(CODE, SEVERITY, "`provider.{kind}()` needs a `config=` known statically",
    "e.g. `provider.serverless(config=LambdaConfig(memory=1024))`")
VALUE = Message(CODE, SEVERITY, "`{what}` must be known statically: {reason}",
    "use a literal, a module-level constant, or `os.getenv(NAME, default)` with `-e NAME=VALUE`")
NOT_A_NAME = Message(CODE, SEVERITY, "`{what}` must be a non-empty string, not {described}")
DEPENDS_ON = Message(CODE, SEVERITY, "`depends_on` must be a list of tasks known statically: {reason}")
TASK_OPTION = Message(CODE, SEVERITY, "`{name}` must be known statically: {reason}")
SCHEDULE = Message(CODE, SEVERITY, "the pipeline schedule must be known statically: {reason}")
PIPELINE_NAME = Message(CODE, SEVERITY, "the pipeline name must be known statically: {reason}")

INVALID = (
    invalid(HEAD + """\
import random
other = provider.bucket(bucket=random.choice(['a', 'b']), path='x.csv')
""",
          (10, 32, 10, 57, "`bucket` must be known statically: the call to `random.choice` cannot be evaluated statically")),
    invalid(HEAD + """\
import os
other = provider.bucket(bucket=os.environ['BUCKET'], path='x.csv')
""",
          (10, 32, 10, 52, ("`bucket` must be known statically: environment variable `BUCKET` has no default; give it with "
             "`-e BUCKET=VALUE`"))),
)
VALID = (
    valid(HEAD + """\
import os
other = provider.bucket(bucket=os.getenv('BUCKET', 'acme-a'), path='x.csv')
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
