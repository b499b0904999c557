"""GLC503 runner-module-object: a project module used as an object.

Reported by `glacierc/backends/runner/shaker.py`; this module holds its code, documentation and cases.
"""

from __future__ import annotations

from glacierc.checks.rule import Case, Expected
from glacierc.diagnostics.model import Message, Severity

CODE = "GLC503"
NAME = "runner-module-object"
SEVERITY = Severity.WARNING
TITLE = "a project module used as an object"
WHAT = "Reports a project module used other than as `module.name` in task code (e.g. `getattr(helpers, x)`)."
WHY = "Only `module.name` references are followed when the runner copies code; the rest is left out."

#: Its messages (templates: the reporting site fills in the fields).
MODULE_AS_OBJECT = Message(CODE, SEVERITY, "the runner of pipeline `{pipeline}` cannot use project module "
                           "`{module}` as an object; only `module.name` is copied",
                           "import the names you use: `from package.module import name`")

INVALID = (
    Case({"app/__init__.py": "",
          "app/helpers.py": "FACTOR = 2\n",
          "app/pipeline.py": """\
from glacier import Provider, pipeline
from glacier.config import LocalConfig
import polars as pl

from . import helpers

provider = Provider(config=LocalConfig())
local_exec = provider.local()
raw = provider.bucket(bucket='data', path='raw.csv')

@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan().with_columns(pl.lit(getattr(helpers, 'FACTOR')))

@pipeline(name='p')
def p():
    return load(raw)
"""},
         (Expected(12, 1, 12, 1, ("the runner of pipeline `p` cannot use project module `app.helpers` as an object; only "
             "`module.name` is copied"), "app/pipeline.py"),),
         paths=("app",),
         stage="build"),
)
VALID = (
    Case({"app/__init__.py": "",
          "app/helpers.py": "FACTOR = 2\n",
          "app/pipeline.py": """\
from glacier import Provider, pipeline
from glacier.config import LocalConfig
import polars as pl

from . import helpers

provider = Provider(config=LocalConfig())
local_exec = provider.local()
raw = provider.bucket(bucket='data', path='raw.csv')

@local_exec.task()
def load(source) -> pl.LazyFrame:
    return source.scan().with_columns(pl.lit(helpers.FACTOR))

@pipeline(name='p')
def p():
    return load(raw)
"""},
         paths=("app",),
         stage="build"),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
