"""Polars expressions evaluated against a known frame: `pl.col("x")`, literals, arithmetic, comparisons,
`.alias`, `.cast`, aggregations, and the `str` / `dt` / `list` namespaces. The result is an `Expr` (its output
name and column) or `None` when it is not understood, which makes whatever uses it unknown."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from glacierc.frontend.columns import dtypes
from glacierc.frontend.columns.conditional import ENDS, conditional
from glacierc.frontend.columns.model import Column, Deferred, Expr, Finding, Frame
from glacierc.frontend.values import Qual, is_scalar

if TYPE_CHECKING:
    from glacierc.frontend.columns.body import Analysis

_BOOLEAN = {"is_null", "is_not_null", "is_in", "is_between", "is_duplicated", "is_unique", "is_nan",
            "is_not_nan", "is_finite", "not_", "any", "all", "is_first_distinct"}
_SAME = {"fill_null", "fill_nan", "abs", "round", "shift", "reverse", "sort", "drop_nulls", "clip",
         "forward_fill", "backward_fill", "head", "tail", "floor", "ceil", "cum_max", "cum_min"}
_SUMS = {"sum", "cum_sum"}  # small integers widen to Int64, booleans count as UInt32
_WIDENED = {"Int8": "Int64", "Int16": "Int64", "UInt8": "Int64", "UInt16": "Int64", "Boolean": "UInt32"}
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
       "epoch": "Int64", "strftime": "String", "to_string": "String", "timestamp": "Int64", "millisecond": "Int32",
       "microsecond": "Int32", "nanosecond": "Int32", "time": "Time", "iso_year": "Int32", "total_days": "Int64",
       "total_hours": "Int64", "total_minutes": "Int64", "total_seconds": "Int64"}
_DT_SAME = {"truncate", "round", "offset_by", "replace_time_zone", "convert_time_zone", "month_start", "month_end"}
_ARITHMETIC = {cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/", cst.FloorDivide: "//",
               cst.Modulo: "%", cst.Power: "**"}


def column_ref(analysis: Analysis, name: str, node: cst.CSTNode, frame: Frame | None) -> Expr:
    """`pl.col("x")` or a plain "x": the column of `frame`, or a finding when a known frame lacks it. A regular
    expression (`"^amount_.*$"`) or `"*"` selects several columns: not followed."""
    if name == "*" or name.startswith("^") and name.endswith("$"):
        return Expr(None, None)
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
    return is_scalar(value)


def _dtype(value: Expr | object) -> str | None:
    if isinstance(value, Expr):
        return value.column.dtype if value.column is not None else None
    return dtypes.literal(value) if _plain(value) else None


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
        if func.attr.value in ENDS:
            return conditional(analysis, node, frame)
        base = analysis.qual(func.value)
        if isinstance(base, Qual) and base.name == "polars":
            return _polars_function(analysis, func.attr.value, node, frame)
        if isinstance(func.value, cst.Attribute) and func.value.attr.value in ("str", "dt", "list"):
            inner = expr(analysis, func.value.value, frame)
            return _namespace(analysis, func.value.attr.value, func.attr.value, inner, node) \
                if isinstance(inner, Expr) else None
        receiver = expr(analysis, func.value, frame)
        if isinstance(receiver, Expr):
            return _method(analysis, receiver, func.attr.value, node, frame)
    return analysis.constant(node)


def _polars_function(analysis: Analysis, name: str, node: cst.Call, frame: Frame | None) -> Expr | None:
    args = [a for a in node.args if a.keyword is None]
    if name == "col" and len(node.args) == 1 and args and isinstance(args[0].value, cst.SimpleString):
        text = analysis.constant(args[0].value)
        return column_ref(analysis, text, args[0].value, frame) if isinstance(text, str) else None
    if name == "lit" and len(node.args) == 1 and args:  # a dynamic literal: it takes a column's dtype
        value = analysis.constant(args[0].value)
        none = isinstance(args[0].value, cst.Name) and args[0].value.value == "None"
        return Expr("literal", Column(dtypes.literal(value))) if _plain(value) and (value is not None or none) \
            else None
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
    if name in _SUMS:
        kept = _WIDENED.get(dtype or "", dtype if dtype in dtypes.NUMERIC else None)
        return Expr(receiver.name, _col(kept, receiver), receiver.aggregated or name == "sum")
    if name == "over":  # a window: one value per row, named and typed as the windowed expression
        if any(a.keyword is not None and a.keyword.value not in ("partition_by", "order_by") for a in node.args):
            return None  # mapping_strategy="join" / "explode" changes the shape
        for value in node.args:
            _partition(analysis, value.value, frame)
        return Expr(receiver.name, receiver.column)
    if name == "rank":
        chosen = [a.value for a in node.args if a.keyword is None or a.keyword.value == "method"][:1]
        method = analysis.constant(chosen[0]) if chosen else "average"
        kind = {"average": "Float64", "min": "UInt32", "max": "UInt32", "dense": "UInt32", "ordinal": "UInt32"}
        return Expr(receiver.name, _col(kind.get(method) if isinstance(method, str) else None, receiver))
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


def _partition(analysis: Analysis, node: cst.BaseExpression, frame: Frame | None) -> None:
    """`over("a")`, `over(["a", "b"])`, `over(pl.col("a").dt.year())`: strings name columns."""
    for item in [e.value for e in node.elements] if isinstance(node, (cst.List, cst.Tuple)) else [node]:
        text = analysis.constant(item) if isinstance(item, cst.SimpleString) else None
        if isinstance(text, str):
            column_ref(analysis, text, item, frame)
        else:
            expr(analysis, item, frame)


def _namespace(analysis: Analysis, space: str, name: str, inner: Expr, node: cst.Call) -> Expr | None:
    dtype = _dtype(inner)
    found: str | None
    if space == "str" and name in ("strptime", "to_datetime"):
        found = _parsed(analysis, name, node)
    elif space == "str":
        found = _STR.get(name)
    elif space == "dt":
        found = _DT.get(name) or (dtype if name in _DT_SAME else None)
    else:
        found = "UInt32" if name == "len" else dtypes.list_inner(dtype) if name in ("first", "last", "get") else None
    if found is None:  # the str and dt methods keep the column's name; an unknown list method may not
        return Expr(inner.name, _col(None, inner), inner.aggregated) if space != "list" else None
    return Expr(inner.name, _col(found, inner), inner.aggregated)


def _parsed(analysis: Analysis, name: str, node: cst.Call) -> str | None:
    """`str.strptime(pl.Date, ...)`: the dtype given; `str.to_datetime()` with its default unit."""
    if name == "strptime":
        return analysis.dtype(node.args[0].value) if node.args and node.args[0].keyword is None else None
    return "Datetime(time_unit='us', time_zone=None)" if not node.args else None  # a format may carry a zone


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
