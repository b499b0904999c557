"""GLC602 missing-join-key: a join key that is not a column of one side of the join."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks._columns_head import HEAD
from glacierc.checks.rule import invalid, valid
from glacierc.checks.suggest import did_you_mean
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC602"
NAME = "missing-join-key"
SEVERITY = Severity.ERROR
TITLE = "a join key missing on one side"
WHAT = ("Reports `join(other, on=\"key\")` (or `left_on=` / `right_on=`) where the key is not a column of the "
        "left or the right frame, for example because an upstream task dropped or renamed it.")
WHY = "Polars fails the join when the plan runs; the columns of both sides are known before that."
_SOURCE = HEAD + """people = provider.bucket(bucket="raw", path="people.parquet",
                         schema={"KEY": pl.String, "country": pl.String})


@local_exec.task()
def enrich(source, others) -> pl.LazyFrame:
    return source.scan().join(others.scan(), on="customer")


@pipeline(name="p")
def p():
    enrich(orders, people)
"""
INVALID = (invalid(_SOURCE.replace("KEY", "client"),
                   (16, 49, 16, 59, "join key `customer` is not a column of the right frame; it has `client`, "
                                    "`country`")),)
VALID = (valid(_SOURCE.replace("KEY", "customer")),)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for fact in project.facts:
        if fact.kind == "missing-join-key":
            known = ", ".join(f"`{c}`" for c in fact.candidates) or "no columns"
            yield Diagnostic(CODE, SEVERITY, f"join key `{fact.subject}` is not a column of the {fact.context} frame; "
                             f"it has {known}", fact.span, did_you_mean(fact.subject, fact.candidates))
