"""Frames combined: `join` (keys, suffix, how, coalesce) and `pl.concat` (vertical, horizontal, diagonal,
relaxed). The columns come out in Polars' order; a combination Polars would refuse, or an option not listed,
makes the result unknown."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from glacierc.frontend.columns import dtypes
from glacierc.frontend.columns.model import Column, Finding, Frame

if TYPE_CHECKING:
    from glacierc.frontend.columns.body import Analysis

_JOIN_OPTIONS = {"on", "left_on", "right_on", "how", "suffix", "coalesce", "validate", "nulls_equal",
                 "maintain_order"}
_HOWS = ("inner", "left", "right", "full", "semi", "anti", "cross")


def join(analysis: Analysis, frame: Frame, node: cst.Call) -> Frame | None:
    other = analysis.value(node.args[0].value) if node.args and node.args[0].keyword is None else None
    options = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    how = analysis.constant(options["how"]) if "how" in options else "inner"
    suffix = analysis.constant(options["suffix"]) if "suffix" in options else "_right"
    coalesce = analysis.constant(options["coalesce"]) if "coalesce" in options else None
    if how not in _HOWS or not isinstance(suffix, str) or set(options) - _JOIN_OPTIONS \
            or len([a for a in node.args if a.keyword is None]) != 1 \
            or "coalesce" in options and not isinstance(coalesce, bool):
        return None
    if how == "cross":
        return _combine(frame, other, suffix) if isinstance(other, Frame) else None
    left_keys = _keys(analysis, options.get("left_on", options.get("on")))
    right_keys = _keys(analysis, options.get("right_on", options.get("on")))
    if left_keys is None or right_keys is None or len(left_keys) != len(right_keys):
        return None
    _check_keys(analysis, frame, left_keys, "left")
    if isinstance(other, Frame):
        _check_keys(analysis, other, right_keys, "right")
    if how in ("semi", "anti"):
        return frame
    if not isinstance(other, Frame):
        return None
    merged = coalesce if coalesce is not None else how != "full"  # Polars' default: all but full coalesce
    if how == "right" and merged:  # the left frame's columns but its keys, then every right column
        return _combine(frame.without({n for n, _ in left_keys}), other, suffix)
    return _combine(frame, other.without({n for n, _ in right_keys} if merged else set()), suffix)


def _combine(kept: Frame, added: Frame, suffix: str) -> Frame | None:
    """`kept`'s columns, then `added`'s, suffixed where `kept` has the name."""
    result = kept
    for name, column in added.columns:
        target = f"{name}{suffix}" if kept.get(name) is not None else name
        if result.get(target) is not None:
            return None  # Polars refuses a duplicate name
        result = result.with_column(target, column)
    return result


def _keys(analysis: Analysis, node: cst.BaseExpression | None) -> list[tuple[str, cst.BaseExpression]] | None:
    if node is None:
        return None
    items = [e.value for e in node.elements] if isinstance(node, (cst.List, cst.Tuple)) else [node]
    keys = []
    for item in items:
        text = analysis.constant(item)
        if not isinstance(text, str):
            return None
        keys.append((text, item))
    return keys


def _check_keys(analysis: Analysis, frame: Frame, keys: list[tuple[str, cst.BaseExpression]], side: str) -> None:
    for name, node in keys:
        if frame.get(name) is None:
            analysis.found(Finding("missing-join-key", name, node, side, frame.names))


def concat(values: list[object], how: object = "vertical") -> Frame | None:
    """`pl.concat([...], how=...)`; the dtypes of a relaxed concat are the parts' supertype."""
    parts = [f for f in values if isinstance(f, Frame)]
    if not parts or len(parts) != len(values):
        return None
    if how == "horizontal":
        names = [n for f in parts for n in f.names]
        return Frame(tuple(c for f in parts for c in f.columns)) if len(set(names)) == len(names) else None
    if how in ("vertical", "vertical_relaxed") and any(f.names != parts[0].names for f in parts):
        return None
    if how not in ("vertical", "vertical_relaxed", "diagonal", "diagonal_relaxed"):
        return None
    names = list(dict.fromkeys(n for f in parts for n in f.names))
    relaxed = isinstance(how, str) and how.endswith("_relaxed")
    return Frame(tuple((name, stacked([c for f in parts if (c := f.get(name)) is not None], relaxed))
                       for name in names))


def stacked(columns: list[Column], relaxed: bool) -> Column:
    dtype = columns[0].dtype
    for column in columns[1:]:
        dtype = (dtypes.supertype(dtype, column.dtype) if relaxed else
                 dtype if dtype == column.dtype else None)
    return Column(dtype, frozenset().union(*(c.sources for c in columns)))
