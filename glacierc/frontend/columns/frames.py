"""Frame methods over known columns: select, with_columns, filter, rename, drop, group_by/agg, unique, sort,
head, explode, unpivot, with_row_index, cast, collect/lazy (`join` and `pl.concat` are in joins.py). A method
not listed, or an argument not understood, makes the result unknown (None)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from glacierc.frontend.columns import dtypes, joins
from glacierc.frontend.columns.expressions import column_ref, expr
from glacierc.frontend.columns.model import Column, Expr, Finding, Frame, Grouped

if TYPE_CHECKING:
    from glacierc.frontend.columns.body import Analysis

#: Methods that keep the frame's columns. Their positional arguments and `subset=` / `by=` name columns (or
#: are expressions over them) where the method is in COLUMN_ARGS; other arguments are values (`head(3)`,
#: `fill_null("n/a")`, `unique(keep="first")`): only the expressions among them are checked.
KEEP = {"filter", "sort", "unique", "head", "tail", "limit", "slice", "collect", "lazy", "cache", "reverse",
        "sample", "drop_nulls", "fill_null", "fill_nan", "rechunk", "clone", "shrink_to_fit", "top_k",
        "bottom_k", "interpolate", "set_sorted", "shift", "gather_every"}
COLUMN_ARGS = {"filter", "sort", "unique", "drop_nulls", "set_sorted"}


def method(analysis: Analysis, frame: Frame, name: str, node: cst.Call) -> Frame | Grouped | None:
    handler = _HANDLERS.get(name)
    if handler is not None:
        return handler(analysis, frame, node)
    if name in KEEP:
        for arg in node.args:
            named = arg.keyword.value in ("subset", "by") if arg.keyword is not None else name in COLUMN_ARGS
            if name == "filter" and arg.keyword is not None:  # `filter(customer="ann")`: a column equal to it
                column_ref(analysis, arg.keyword.value, arg.keyword, frame)
                named = False
            if named:
                _refs(analysis, arg.value, frame)
            else:
                expr(analysis, arg.value, frame)
        return frame
    return None


def _refs(analysis: Analysis, node: cst.BaseExpression, frame: Frame | None) -> list[Expr | None]:
    """Column references in an argument: "x", ["x", "y"], pl.col("x") > 1, ...; checked against `frame`."""
    if isinstance(node, (cst.List, cst.Tuple)):
        return [item for element in node.elements for item in _refs(analysis, element.value, frame)]
    if isinstance(node, cst.SimpleString):
        text = analysis.constant(node)
        return [column_ref(analysis, text, node, frame)] if isinstance(text, str) else [None]
    found = expr(analysis, node, frame)
    return [found if isinstance(found, Expr) else None]


def _exprs(analysis: Analysis, frame: Frame, node: cst.Call) -> list[Expr | None]:
    found: list[Expr | None] = []
    for arg in node.args:
        if arg.star:
            return [None]
        value = analysis.constant(arg.value) if isinstance(arg.value, (cst.Integer, cst.Float, cst.Name)) else None
        kind = dtypes.literal(value) if isinstance(value, (int, float)) else None  # `one=1`: a literal column
        values = [Expr("literal", Column(kind))] if kind else _refs(analysis, arg.value, frame)
        if arg.keyword is not None:  # `total=pl.col("x").sum()`: the keyword names the output
            values = [Expr(arg.keyword.value, v.column, v.aggregated) if v is not None else None for v in values]
        found += values
    return found


def _frame_of(exprs: list[Expr | None], start: Frame | None = None) -> Frame | None:
    if any(e is None or e.name is None for e in exprs):
        return None
    frame = start or Frame(())
    names = [e.name for e in exprs if e is not None]
    if start is None and len(set(names)) != len(names):
        return None  # a duplicate output name: Polars refuses it, let it say so
    for e in exprs:
        assert e is not None and e.name is not None
        column = e.column or Column(None)
        frame = frame.with_column(e.name, Column(dtypes.materialize(column.dtype), column.sources))
    return frame


def _select(analysis: Analysis, frame: Frame, node: cst.Call) -> Frame | None:
    return _frame_of(_exprs(analysis, frame, node))


def _with_columns(analysis: Analysis, frame: Frame, node: cst.Call) -> Frame | None:
    return _frame_of(_exprs(analysis, frame, node), frame)


def _rename(analysis: Analysis, frame: Frame, node: cst.Call) -> Frame | None:
    mapping = analysis.constant(node.args[0].value) if len(node.args) == 1 else None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        return None
    written = node.args[0].value
    keys = {analysis.constant(e.key): e.key for e in written.elements if isinstance(e, cst.DictElement)} \
        if isinstance(written, cst.Dict) else {}
    for old in mapping:
        if frame.get(old) is None:  # reported at the key where the dict is written in the call
            analysis.found(Finding("unknown-column", old, keys.get(old, written), "", frame.names))
    return Frame(tuple((mapping.get(n, n), c) for n, c in frame.columns))


def _drop(analysis: Analysis, frame: Frame, node: cst.Call) -> Frame | None:
    options = {a.keyword.value: analysis.constant(a.value) for a in node.args if a.keyword is not None}
    if options not in ({}, {"strict": True}, {"strict": False}):
        return None
    checked = frame if options.get("strict", True) else None  # `strict=False`: a missing column is ignored
    dropped = [e for arg in node.args if arg.keyword is None for e in _refs(analysis, arg.value, checked)]
    if any(e is None or e.name is None for e in dropped):
        return None
    return frame.without({e.name for e in dropped if e is not None and e.name is not None})


def _group_by(analysis: Analysis, frame: Frame, node: cst.Call) -> Grouped | None:
    keys = [e for arg in node.args if arg.keyword is None for e in _refs(analysis, arg.value, frame)]
    extra = any(a.keyword is not None and a.keyword.value != "maintain_order" for a in node.args)
    if not keys or extra or any(e is None or e.name is None for e in keys):
        return None
    return Grouped(frame, tuple(e for e in keys if e is not None))


def aggregate(analysis: Analysis, grouped: Grouped, name: str, node: cst.Call) -> Frame | None:
    keys = [Expr(k.name, k.column) for k in grouped.keys]
    if name == "len" and not node.args:
        return _frame_of([*keys, Expr("len", Column("UInt32"))])
    if name != "agg":
        return None
    values = _exprs(analysis, grouped.frame, node)
    listed = [v if v is None or v.aggregated else Expr(v.name, _as_list(v.column)) for v in values]
    return _frame_of([*keys, *listed])


def _as_list(column: Column | None) -> Column | None:
    if column is None:
        return None
    known = column.dtype is not None and not dtypes.is_literal(column.dtype)  # a literal stays a scalar
    return Column(f"List({column.dtype})" if known else None, column.sources)


def _explode(analysis: Analysis, frame: Frame, node: cst.Call) -> Frame | None:
    refs = [e for arg in node.args for e in _refs(analysis, arg.value, frame)]
    if any(e is None or e.name is None or e.column is None for e in refs):
        return None
    for e in refs:
        assert e is not None and e.name is not None and e.column is not None
        frame = frame.with_column(e.name, Column(dtypes.list_inner(e.column.dtype), e.column.sources))
    return frame


def _unpivot(analysis: Analysis, frame: Frame, node: cst.Call) -> Frame | None:
    args = {a.keyword.value if a.keyword is not None else "on": a.value for a in node.args}
    if len(args) != len(node.args) or set(args) - {"on", "index", "variable_name", "value_name"}:
        return None
    index = _columns(analysis, args["index"], frame) if "index" in args else []
    on = _columns(analysis, args["on"], frame) if "on" in args else [n for n in frame.names if n not in (index or [])]
    variable = analysis.constant(args["variable_name"]) if "variable_name" in args else "variable"
    value_name = analysis.constant(args["value_name"]) if "value_name" in args else "value"
    if index is None or not on or not isinstance(variable, str) or not isinstance(value_name, str):
        return None
    value = joins.stacked([c for n in on if (c := frame.get(n)) is not None], relaxed=True)
    index_columns = tuple((n, c) for n in index if (c := frame.get(n)) is not None)
    return Frame((*index_columns, (variable, Column("String")), (value_name, value)))


def _columns(analysis: Analysis, node: cst.BaseExpression, frame: Frame) -> list[str] | None:
    """Names of existing columns ("x", ["x", "y"], pl.col("x")); a missing one is reported, and None."""
    refs = _refs(analysis, node, frame)
    return [e.name for e in refs if e is not None and e.name is not None and e.column is not None] \
        if all(e is not None and e.column is not None for e in refs) else None


def _with_row_index(analysis: Analysis, frame: Frame, node: cst.Call) -> Frame | None:
    name = analysis.constant(node.args[0].value) if node.args else "index"
    return Frame((("index" if not isinstance(name, str) else name, Column("UInt32")), *frame.columns)) \
        if isinstance(name, str) else None


def _cast(analysis: Analysis, frame: Frame, node: cst.Call) -> Frame | None:
    if len(node.args) != 1:
        return None
    every = analysis.dtype(node.args[0].value) if not isinstance(node.args[0].value, cst.Dict) else None
    if every is not None:  # `cast(pl.String)`: every column
        return Frame(tuple((n, Column(every, c.sources)) for n, c in frame.columns))
    if not isinstance(node.args[0].value, cst.Dict):
        return None
    for element in node.args[0].value.elements:
        if not isinstance(element, cst.DictElement):
            return None
        name, target = analysis.constant(element.key), analysis.dtype(element.value)
        if not isinstance(name, str):
            return None
        ref = column_ref(analysis, name, element.key, frame)
        if ref.name is None:
            return None
        column = ref.column
        frame = frame.with_column(name, Column(target, column.sources if column else frozenset()))
    return frame


_HANDLERS = {"select": _select, "with_columns": _with_columns, "rename": _rename, "drop": _drop,
             "group_by": _group_by, "join": joins.join, "explode": _explode, "unpivot": _unpivot,
             "with_row_index": _with_row_index, "cast": _cast}
