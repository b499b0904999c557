"""What a rule module declares: the `Rule` metadata the catalogue collects, and the `Case`s its tests run.

A rule lives in `glacierc/checks/glcNNN_<name>.py` with `CODE`, `NAME`, `SEVERITY`, `TITLE`, `WHAT`, `WHY`, its
messages (`Message` templates, filled in where the frontend or a backend reports them),
`EXAMPLE`, `INSTEAD`, `INVALID` and `VALID` (and `check(project)` when it judges the IR). `EXAMPLE` /
`INSTEAD`, the documentation's code blocks, are usually the first INVALID / VALID case's `source`. The test
suite runs every case (Fixit style): an INVALID case reports exactly its `expect`ed diagnostics of the rule's
code, a VALID case none. This module imports nothing heavy: `check` loads every rule module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from glacierc.diagnostics.model import Severity

#: The start of most cases: an AWS provider, a local executor and one bucket (8 lines, so a case's own code
#: starts on line 9).
HEAD = """from glacier import Provider, pipeline
from glacier.config import AwsConfig, LambdaConfig
import polars as pl

provider = Provider(config=AwsConfig(region="us-east-1"))
local_exec = provider.local()
raw = provider.bucket(bucket="data", path="raw.parquet")

"""

#: The same with a local provider: nothing is generated for the cloud.
LOCAL_HEAD = """from glacier import Provider, pipeline
from glacier.config import LocalConfig
import polars as pl

provider = Provider(config=LocalConfig())
local_exec = provider.local()
raw = provider.bucket(bucket='data', path='raw.csv')

"""

#: The file a single-source case is written to.
#: A pipeline that calls task `load` on `raw`, for cases about the task definitions above it.
LOAD_PIPELINE = """
@pipeline(name='p')
def p():
    return load(raw)
"""

MAIN = "pipeline.py"


@dataclass(frozen=True, slots=True)
class Expected:
    """One diagnostic a case must report: its span (1-based lines and columns, end exclusive) and message."""

    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    file: str = MAIN


@dataclass(frozen=True, slots=True)
class Case:
    """Files of a small project (text, or bytes for undecodable input), compiled from its directory.

    `paths` are what the compiler is given (default: the one file); `links` makes symbolic links (name ->
    target, relative to the project; `../x` lies outside it); `stage` is "check" (compile_project) or "build"
    (what the backends add, as `build --check` reports it)."""

    files: Mapping[str, str | bytes]
    expect: tuple[Expected, ...] = ()
    paths: tuple[str, ...] = (MAIN,)
    links: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    stage: str = "check"

    @property
    def source(self) -> str:
        """The one file's text, as the documentation shows it ("" for a case of several files or bytes)."""
        main = self.files.get(MAIN)
        return main if len(self.files) == 1 and isinstance(main, str) and not self.links else ""


def invalid(source: str, *expect: tuple, **options) -> Case:
    """A one-file case reporting `expect`: (line, column, end_line, end_column, message) each."""
    return Case({MAIN: source}, tuple(Expected(*e) for e in expect), **options)


def valid(source: str, **options) -> Case:
    return Case({MAIN: source}, **options)


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule's catalogue entry, read from its module: code, name, severity and documentation."""

    code: str
    name: str
    severity: Severity
    title: str
    what: str
    why: str
    example: str
    instead: str
    invalid: tuple[Case, ...] = ()
    valid: tuple[Case, ...] = ()
    module: str = ""


def rule_of(module) -> Rule:
    """The metadata of one rule module."""
    return Rule(module.CODE, module.NAME, module.SEVERITY, module.TITLE, module.WHAT.strip(), module.WHY.strip(),
                module.EXAMPLE, module.INSTEAD, tuple(module.INVALID), tuple(module.VALID), module.__name__)
