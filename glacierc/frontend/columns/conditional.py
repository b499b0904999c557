"""`pl.when(c).then(a).when(d).then(b).otherwise(e)` against a frame. The conditions are checked like any
expression; a branch that is a string names a column (as Polars reads it); the value is named after the first
branch and its dtype is the supertype of every branch (without `otherwise` the rows left over are null, which
keeps the branches' dtype)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from glacierc.frontend.columns import dtypes
from glacierc.frontend.columns.model import Column, Expr, Frame
from glacierc.frontend.values import Qual

if TYPE_CHECKING:
    from glacierc.frontend.columns.body import Analysis

ENDS = ("then", "otherwise")


def links(analysis: Analysis, node: cst.Call) -> list[tuple[str, cst.Call]] | None:
    """The chain's calls from `pl.when(...)` on, or None when `node` does not end one."""
    chain: list[tuple[str, cst.Call]] = []
    current: cst.BaseExpression = node
    while isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute) \
            and current.func.attr.value in ("when", *ENDS):
        chain.append((current.func.attr.value, current))
        current = current.func.value
        if chain[-1][0] == "when" and (base := analysis.qual(current)) is not None:
            return list(reversed(chain)) if isinstance(base, Qual) and base.name == "polars" else None
    return None


def conditional(analysis: Analysis, node: cst.Call, frame: Frame | None) -> Expr | None:
    """The value of the chain `node` ends (a `then` or `otherwise` call), None if not understood."""
    from glacierc.frontend.columns.expressions import expr

    chain = links(analysis, node)
    if chain is None or not _well_formed([part for part, _ in chain]):
        return None
    values: list[Expr | None] = []
    conditions: list[object] = []
    for part, call in chain:
        if any(a.keyword is not None or a.star for a in call.args) or not call.args:
            return None
        if part == "when":  # checked for their columns; they do not decide the dtype
            conditions += [expr(analysis, a.value, frame) for a in call.args]
        elif len(call.args) == 1:
            values.append(_branch(analysis, call.args[0].value, frame))
        else:
            return None
    columns = [v.column for v in values if v is not None and v.column is not None]
    if len(columns) != len(values):
        return None
    dtype = columns[0].dtype
    for column in columns[1:]:
        dtype = dtypes.supertype(dtype, column.dtype)
    sources = frozenset().union(*(c.sources for c in columns),
                                *(c.column.sources for c in conditions if isinstance(c, Expr) and c.column))
    return Expr(values[0].name if values[0] is not None else None, Column(dtype, sources))


def _well_formed(parts: list[str]) -> bool:
    """when, then, (when, then)*, and at most one otherwise at the end."""
    core = parts[:-1] if parts[-1] == "otherwise" else parts
    return len(core) >= 2 and len(core) % 2 == 0 and all(p == ("when", "then")[i % 2] for i, p in enumerate(core))


def _branch(analysis: Analysis, node: cst.BaseExpression, frame: Frame | None) -> Expr | None:
    from glacierc.frontend.columns.expressions import column_ref, expr

    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        text = analysis.constant(node)
        return column_ref(analysis, text, node, frame) if isinstance(text, str) else None
    if isinstance(node, cst.Name) and node.value == "None" and "None" not in analysis.env:
        return Expr("literal", Column("null"))
    value = expr(analysis, node, frame)
    if isinstance(value, Expr):
        return value
    kind = dtypes.literal(value) if isinstance(value, (int, float, bool)) else None
    return Expr("literal", Column(kind)) if kind is not None else None
