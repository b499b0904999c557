"""GLC214 unknown-keyword: a keyword argument that a call of the language does not take."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import invalid, valid
from glacierc.checks.suggest import did_you_mean
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC214"
NAME = "unknown-keyword"
SEVERITY = Severity.ERROR
TITLE = "a keyword argument the call does not take"
WHAT = ("Reports keyword arguments that `Provider(...)`, `provider.bucket(...)`, "
        "`provider.serverless/vm/cluster(...)`, `@executor.task(...)` or `@pipeline(...)` do not take, such "
        "as `fromat=`. Config classes have their own rule (GLC301).")
WHY = ("Python raises `TypeError` on the call; the compiler would otherwise ignore the argument and build "
       "something else than what the code says.")

INVALID = (
    invalid("""\
from glacier import Provider
from glacier.config import AwsConfig

provider = Provider(config=AwsConfig(region='us-east-1'))
raw = provider.bucket(bucket='acme-raw', path='raw.csv', fromat='csv')
""",
          (5, 65, 5, 70, "`provider.bucket(...)` takes no argument `fromat`")),
)
VALID = (
    valid("""\
from glacier import Provider
from glacier.config import AwsConfig

provider = Provider(config=AwsConfig(region='us-east-1'))
raw = provider.bucket(bucket='acme-raw', path='raw.csv', format='csv')
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


_CALLS = {"Provider": "`Provider(...)`", "pipeline": "`@pipeline(...)`", "task": "`@executor.task(...)`"}


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for fact in project.facts:
        if fact.kind == "unknown-keyword":
            call = _CALLS.get(fact.context) or f"`provider.{fact.context.partition('.')[2]}(...)`"
            yield Diagnostic(CODE, SEVERITY, f"{call} takes no argument `{fact.subject}`", fact.span,
                             did_you_mean(fact.subject, fact.candidates, listing="it takes"))
