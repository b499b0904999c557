"""GLC604 incompatible-comparison: a comparison between dtypes Polars cannot compare."""

from __future__ import annotations

from collections.abc import Iterator

from glacierc.checks._columns_head import HEAD
from glacierc.checks.rule import invalid, valid
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir import nodes as ir

CODE = "GLC604"
NAME = "incompatible-comparison"
SEVERITY = Severity.ERROR
TITLE = "a comparison between incompatible dtypes"
WHAT = ("Reports a comparison (`==`, `<`, ...) in a Polars expression whose two sides have known dtypes that "
        "cannot be compared, such as a String column with a number.")
WHY = "Polars raises an error for such a comparison when the plan runs (or, with casting, silently compares "\
      "something else than was meant)."
_TASK = """@local_exec.task()
def pick(source) -> pl.LazyFrame:
    return source.scan().filter(pl.col("customer") == {value})


@pipeline(name="p")
def p():
    pick(orders)
"""
INVALID = (invalid(HEAD + _TASK.format(value="3"),
                   (12, 33, 12, 56, "comparing String with an integer literal: Polars cannot compare these "
                                    "dtypes")),)
VALID = (valid(HEAD + _TASK.format(value='"3"')),
         valid(HEAD + _TASK.format(value='"3"').replace('pl.col("customer") == "3"', 'pl.col("id") == True')))
EXAMPLE, INSTEAD = INVALID[0].source, VALID[0].source
_WORDS = {"int": "an integer literal", "float": "a float literal", "str": "a string literal", "bool": "a boolean",
          "null": "None"}


def _word(dtype: str) -> str:
    """A literal's pseudo dtype (`int:3`, `str`) in words; a real dtype as it is."""
    return _WORDS.get(dtype.partition(":")[0], dtype)


def check(project: ir.Project) -> Iterator[Diagnostic]:
    for fact in project.facts:
        if fact.kind == "incompatible-comparison":
            left, right = fact.context, fact.candidates[0] if fact.candidates else ""
            yield Diagnostic(CODE, SEVERITY, f"comparing {_word(left)} with {_word(right)}: "
                             "Polars cannot compare these dtypes", fact.span,
                             "cast one side (`.cast(pl.Int64)`), or compare with a value of the column's dtype")
