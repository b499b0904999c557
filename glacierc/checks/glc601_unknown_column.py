"""GLC601 unknown-column: a Polars expression names a column that the frame does not have at that point."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks._columns_head import HEAD
from glacierc.checks.rule import invalid, valid
from glacierc.checks.suggest import did_you_mean
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC601"
NAME = "unknown-column"
SEVERITY = Severity.ERROR
TITLE = "a column that does not exist at that point of the pipeline"
WHAT = ("Reports `pl.col(\"amonut\")`, a `select`/`sort`/`drop`/`rename` of a column name, that is not a column "
        "of the frame it applies to. Columns come from a storage's declared `schema=` and flow through the task "
        "bodies (select, with_columns, joins, group-bys...) and along the DAG; where the compiler cannot follow "
        "the code the columns are unknown and nothing is reported.")
WHY = ("Polars raises `ColumnNotFoundError` when the plan runs — often in the cloud after a deploy. The "
       "compiler knows the columns before anything runs.")
_TASK = """@local_exec.task()
def big(source) -> pl.LazyFrame:
    return source.scan().filter(pl.col("{column}") > 100)


@pipeline(name="p")
def p():
    big(orders)
"""
_WINDOW = """@local_exec.task()
def share(source) -> pl.LazyFrame:
    return source.scan().select(
        "id", big=pl.when(pl.col("amount") > 100).then("{column}").otherwise(0.0),
        share=pl.col("amount") / pl.col("amount").sum().over("{key}"))


@pipeline(name="p")
def p():
    share(orders)
"""
INVALID = (invalid(HEAD + _TASK.format(column="amonut"),
                   (12, 40, 12, 48, "column `amonut` does not exist here; the frame has `id`, `customer`, "
                                    "`amount`")),
           invalid(HEAD + _WINDOW.format(column="amonut", key="client"),
                   (13, 56, 13, 64, "column `amonut` does not exist here; the frame has `id`, `customer`, "
                                    "`amount`"),
                   (14, 62, 14, 70, "column `client` does not exist here; the frame has `id`, `customer`, "
                                    "`amount`")))
VALID = (valid(HEAD + _TASK.format(column="amount")), valid(HEAD + _WINDOW.format(column="amount", key="customer")))
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for fact in project.facts:
        if fact.kind == "unknown-column":
            known = ", ".join(f"`{c}`" for c in fact.candidates) or "no columns"
            yield Diagnostic(CODE, SEVERITY, f"column `{fact.subject}` does not exist here; the frame has {known}",
                             fact.span, did_you_mean(fact.subject, fact.candidates))
