"""GLC603 write-schema-mismatch: a frame written to storage whose declared schema it does not match."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks._columns_head import HEAD
from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC603"
NAME = "write-schema-mismatch"
SEVERITY = Severity.ERROR
TITLE = "a write whose columns differ from the target's declared schema"
WHAT = ("Reports `target.write(frame)` (or `frame.sink_parquet(target.get_uri())`) when `target` declares a "
        "`schema=` and the frame's columns, as far as the compiler knows them, are not exactly those: a column "
        "missing, one too many, or another dtype.")
WHY = ("The library refuses the write at run time (and the target's consumers rely on the contract); the "
       "mismatch is visible before anything runs.")
_SOURCE = HEAD + """totals = provider.bucket(bucket="out", path="totals.parquet",
                         schema={"customer": pl.String, "total": pl.Float64})


@local_exec.task()
def summarise(source) -> None:
    totals.write(source.scan().group_by("customer").agg(AGGREGATION))


@pipeline(name="p")
def p():
    summarise(orders)
"""
INVALID = (invalid(_SOURCE.replace("AGGREGATION", 'pl.col("amount").sum().alias("total"), pl.len()'),
                   (16, 5, 16, 106, "the frame written to `totals` does not match its declared schema: column "
                                   "`len` is not declared")),)
VALID = (valid(_SOURCE.replace("AGGREGATION", 'pl.col("amount").sum().alias("total")')),)
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for fact in project.facts:
        if fact.kind == "write-schema-mismatch":
            declared = ", ".join(f"`{c}`" for c in fact.candidates)
            yield Diagnostic(CODE, SEVERITY, f"the frame written to `{fact.context}` does not match its declared "
                             f"schema: {fact.subject}", fact.span,
                             f"the frame's columns: {declared}" if declared and "missing" in fact.subject else
                             f"declared columns: {declared}" if declared else None)
