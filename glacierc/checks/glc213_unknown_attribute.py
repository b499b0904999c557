"""GLC213 unknown-attribute: a method or attribute that a provider, executor or bucket does not have."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import invalid, valid
from glacierc.checks.suggest import did_you_mean
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC213"
NAME = "unknown-attribute"
SEVERITY = Severity.ERROR
TITLE = "an attribute a provider, executor or bucket does not have"
WHAT = ("Reports `provider.serverles(...)`, `raw.scann()` and other attributes that the library's `Provider`, "
        "execution resource or bucket objects do not have.")
WHY = ("Python raises `AttributeError` when the module is imported or the pipeline runs; the compiler would "
       "otherwise silently drop the declaration (no Lambda, no IAM) or the call.")

INVALID = (
    invalid("""\
from glacier import Provider
from glacier.config import AwsConfig, LambdaConfig

provider = Provider(config=AwsConfig(region='us-east-1'))
fn = provider.serverles(config=LambdaConfig())
""",
          (5, 15, 5, 24, "a provider has no attribute `serverles`")),
)
VALID = (
    valid("""\
from glacier import Provider
from glacier.config import AwsConfig, LambdaConfig

provider = Provider(config=AwsConfig(region='us-east-1'))
fn = provider.serverless(config=LambdaConfig())
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


_WHAT = {"Provider": "a provider", "ExecutionResource": "an execution resource", "Bucket": "a bucket"}


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for fact in project.facts:
        if fact.kind == "unknown-attribute":
            what = _WHAT.get(fact.context, fact.context)
            yield Diagnostic(CODE, SEVERITY, f"{what} has no attribute `{fact.subject}`", fact.span,
                             did_you_mean(fact.subject, fact.candidates, listing=f"{what} has"))
