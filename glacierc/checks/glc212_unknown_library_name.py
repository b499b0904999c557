"""GLC212 unknown-library-name: a name imported from (or looked up in) `glacier` that the library does not have."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks.rule import invalid, valid
from glacierc.checks.suggest import did_you_mean
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC212"
NAME = "unknown-library-name"
SEVERITY = Severity.ERROR
TITLE = "a name the `glacier` library does not have"
WHAT = ("Reports `from glacier.config import LambdaConfg` and `gc.LambdaConfg(...)`: a name of `glacier` or "
        "`glacier.config` that does not exist.")
WHY = ("Python fails on the import before anything runs; the compiler would otherwise treat the name as an "
       "unknown value and pass code that cannot be imported.")

INVALID = (
    invalid("""\
from glacier import Provider
from glacier.config import LambdaConfg
""",
          (2, 28, 2, 39, "`glacier.config` has no name `LambdaConfg`")),
)
VALID = (
    valid("""\
from glacier import Provider
from glacier.config import LambdaConfig
"""),
)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for fact in project.facts:
        if fact.kind == "unknown-library-name":
            yield Diagnostic(CODE, SEVERITY, f"`{fact.context}` has no name `{fact.subject}`", fact.span,
                             did_you_mean(fact.subject, fact.candidates, listing=f"`{fact.context}` offers"))
