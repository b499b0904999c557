"""Polars expressions evaluated against a known frame: `pl.col("x")`, literals, arithmetic, comparisons,
`.alias`, `.cast`, aggregations, and the `str` / `dt` / `list` namespaces. The result is an `Expr` (its output
name and column) or `None` when it is not understood, which makes whatever uses it unknown."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from glacierc.frontend.columns import dtypes
from glacierc.frontend.columns.model import Column, Deferred, Expr, Finding, Frame
from glacierc.frontend.values import Qual

if TYPE_CHECKING:
    from glacierc.frontend.columns.body import Analysis

_BOOLEAN = {"is_null", "is_not_null", "is_in", "is_between", "is_duplicated", "is_unique", "is_nan",
            "is_not_nan", "is_finite", "not_", "any", "all", "is_first_distinct"}
_SAME = {"fill_null", "fill_nan", "abs", "round", "shift", "reverse", "sort", "over", "drop_nulls", "clip",
         "forward_fill", "backward_fill", "head", "tail", "floor", "ceil", "cum_sum", "cum_max", "cum_min"}
_KEEPS = {"min", "max", "first", "last", "median_"}  # aggregations keeping the dtype
_COUNTS = {"count", "len", "n_unique", "null_count", "arg_min", "arg_max"}
_MEANS = {"mean", "median", "std", "var", "quantile"}
_STR = {"contains": "Boolean", "starts_with": "Boolean", "ends_with": "Boolean", "len_chars": "UInt32",
        "len_bytes": "UInt32", "to_uppercase": "String", "to_lowercase": "String", "strip_chars": "String",
        "strip_chars_start": "String", "strip_chars_end": "String", "replace": "String", "replace_all": "String",
        "slice": "String", "head": "String", "tail": "String", "zfill": "String", "pad_start": "String",
        "pad_end": "String", "to_date": "Date", "to_integer": "Int64", "split": "List(String)",
        "to_titlecase": "String", "reverse": "String", "count_matches": "UInt32"}
_DT = {"year": "Int32", "month": "Int8", "day": "Int8", "hour": "Int8", "minute": "Int8", "second": "Int8",
       "weekday": "Int8", "quarter": "Int8", "week": "Int8", "ordinal_day": "Int16", "date": "Date",
       "epoch": "Int64"}
_DT_SAME = {"truncate", "round", "offset_by", "replace_time_zone", "convert_time_zone", "month_start", "month_end"}
_ARITHMETIC = {cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/"}


def literal_dtype(value: object) -> str | None:
    """Pseudo dtypes of Python literals next to a column (`pl.col("x") + 1`)."""
    if isinstance(value, bool):
        return "bool"
    return {int: "int", float: "float", str: "str"}.get(type(value))


def column_ref(analysis: Analysis, name: str, node: cst.CSTNode, frame: Frame | None) -> Expr:
    """`pl.col("x")` or a plain "x": the column of `frame`, or a finding when a known frame lacks it."""
    if frame is None:
        return Expr(name, None)
    column = frame.get(name)
    if column is None:
        analysis.found(Finding("unknown-column", name, node, "", frame.names))
        return Expr(name, None)
    return Expr(name, column)


def expr(analysis: Analysis, node: cst.BaseExpression, frame: Frame | None) -> Expr | object | None:
    """An expression node against `frame`: an `Expr`, a Python constant, or None (not understood)."""
    if isinstance(node, cst.Name):
        bound = analysis.env.get(node.value, analysis.MISSING)
        if isinstance(bound, Deferred):
            return expr(analysis, bound.node, frame)
        if bound is not analysis.MISSING:
            return bound if isinstance(bound, Expr) or _plain(bound) else None
    if isinstance(node, cst.Call):
        return _call(analysis, node, frame)
    if isinstance(node, cst.BinaryOperation):
        return _binary(analysis, node, frame)
    if isinstance(node, cst.Comparison):
        return _comparison(analysis, node, frame)
    if isinstance(node, cst.UnaryOperation):
        inner = expr(analysis, node.expression, frame)
        if not isinstance(inner, Expr):
            return analysis.constant(node)
        dtype = "Boolean" if isinstance(node.operator, (cst.BitInvert, cst.Not)) else _dtype(inner)
        return Expr(inner.name, _col(dtype, inner), inner.aggregated)
    return analysis.constant(node)


def _plain(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _dtype(value: Expr | object) -> str | None:
    if isinstance(value, Expr):
        return value.column.dtype if value.column is not None else None
    return literal_dtype(value)


def _sources(*values: object) -> frozenset[str]:
    found: frozenset[str] = frozenset()
    for value in values:
        if isinstance(value, Expr) and value.column is not None:
            found |= value.column.sources
    return found


def _col(dtype: str | None, *inputs: object) -> Column:
    return Column(dtype, _sources(*inputs))


def _call(analysis: Analysis, node: cst.Call, frame: Frame | None) -> Expr | object | None:
    func = node.func
    if isinstance(func, cst.Attribute):
        base = analysis.qual(func.value)
        if isinstance(base, Qual) and base.name == "polars":
            return _polars_function(analysis, func.attr.value, node, frame)
        if isinstance(func.value, cst.Attribute) and func.value.attr.value in ("str", "dt", "list"):
            inner = expr(analysis, func.value.value, frame)
            return _namespace(func.value.attr.value, func.attr.value, inner) if isinstance(inner, Expr) else None
        receiver = expr(analysis, func.value, frame)
        if isinstance(receiver, Expr):
            return _method(analysis, receiver, func.attr.value, node, frame)
    return analysis.constant(node)


def _polars_function(analysis: Analysis, name: str, node: cst.Call, frame: Frame | None) -> Expr | None:
    args = [a for a in node.args if a.keyword is None]
    if name == "col" and len(node.args) == 1 and args and isinstance(args[0].value, cst.SimpleString):
        text = analysis.constant(args[0].value)
        return column_ref(analysis, text, args[0].value, frame) if isinstance(text, str) else None
    if name == "lit" and len(node.args) == 1 and args:
        value = analysis.constant(args[0].value)
        dtype = {"int": "Int32", "float": "Float64", "str": "String", "bool": "Boolean"}.get(literal_dtype(value) or "")
        return Expr("literal", Column(dtype)) if _plain(value) else None
    if name == "len" and not node.args:
        return Expr("len", Column("UInt32"), aggregated=True)
    if name in ("sum", "mean", "min", "max", "count", "first", "last", "n_unique") and len(args) == 1:
        text = analysis.constant(args[0].value)
        if isinstance(text, str):
            return _method(analysis, column_ref(analysis, text, args[0].value, frame), name, node, frame)
    return None  # pl.all(), pl.exclude(...), pl.when(...), selectors: not followed


def _method(analysis: Analysis, receiver: Expr, name: str, node: cst.Call, frame: Frame | None) -> Expr | None:
    args = [analysis.constant(a.value) for a in node.args]
    dtype = _dtype(receiver)
    if name == "alias" and len(args) == 1 and isinstance(args[0], str):
        return Expr(args[0], receiver.column, receiver.aggregated)
    if name == "cast" and node.args:
        target = analysis.dtype(node.args[0].value)
        return Expr(receiver.name, _col(target, receiver), receiver.aggregated)
    if name == "sum":
        kept = dtype if dtype in ("Int64", "Int32", "UInt64", "UInt32", "Float32", "Float64") else None
        return Expr(receiver.name, _col(kept, receiver), True)
    if name in _KEEPS:
        return Expr(receiver.name, _col(dtype, receiver), True)
    if name in _COUNTS:
        return Expr(receiver.name, _col("UInt32", receiver), True)
    if name in _MEANS:
        mean = dtype if dtype in dtypes.FLOATS else "Float64" if dtype in dtypes.INTEGERS else None
        return Expr(receiver.name, _col(mean, receiver), True)
    if name in _BOOLEAN:
        for value in node.args:  # `is_in(...)`, `is_between(...)`: their column arguments are references too
            expr(analysis, value.value, frame)
        return Expr(receiver.name, _col("Boolean", receiver), receiver.aggregated or name in ("any", "all"))
    if name in _SAME:
        for value in node.args:
            expr(analysis, value.value, frame)
        return Expr(receiver.name, _col(dtype, receiver), receiver.aggregated)
    return None


def _namespace(space: str, name: str, inner: Expr) -> Expr | None:
    dtype = _dtype(inner)
    found: str | None
    if space == "str":
        found = _STR.get(name)
    elif space == "dt":
        found = _DT.get(name) or (dtype if name in _DT_SAME else None)
    else:
        found = "UInt32" if name == "len" else dtypes.list_inner(dtype) if name in ("first", "last", "get") else None
    if found is None:  # the str and dt methods keep the column's name; an unknown list method may not
        return Expr(inner.name, _col(None, inner), inner.aggregated) if space != "list" else None
    return Expr(inner.name, _col(found, inner), inner.aggregated)


def _binary(analysis: Analysis, node: cst.BinaryOperation, frame: Frame | None) -> Expr | object | None:
    left, right = expr(analysis, node.left, frame), expr(analysis, node.right, frame)
    if not isinstance(left, Expr) and not isinstance(right, Expr):
        return analysis.constant(node)
    if left is None or right is None:
        return None
    name = left.name if isinstance(left, Expr) else "literal"
    operator = _ARITHMETIC.get(type(node.operator))
    dtype: str | None
    if isinstance(node.operator, (cst.BitAnd, cst.BitOr, cst.BitXor)):
        dtype = "Boolean"
    else:
        dtype = dtypes.arithmetic(_dtype(left), _dtype(right), operator) if operator else None
    aggregated = all(v.aggregated for v in (left, right) if isinstance(v, Expr))
    return Expr(name, _col(dtype, left, right), aggregated)


def _comparison(analysis: Analysis, node: cst.Comparison, frame: Frame | None) -> Expr | object | None:
    left = expr(analysis, node.left, frame)
    values = [left]
    for target in node.comparisons:
        right = expr(analysis, target.comparator, frame)
        values.append(right)
        previous = values[-2]
        if isinstance(previous, Expr) or isinstance(right, Expr):
            a, b = _dtype(previous), _dtype(right)
            if not dtypes.comparable(a, b):
                analysis.found(Finding("incompatible-comparison", f"{a} and {b}", node, a or "", (b or "",)))
    if not any(isinstance(v, Expr) for v in values):
        return analysis.constant(node)
    if any(v is None for v in values):
        return None
    name = left.name if isinstance(left, Expr) else "literal"
    return Expr(name, _col("Boolean", *values), all(v.aggregated for v in values if isinstance(v, Expr)))
