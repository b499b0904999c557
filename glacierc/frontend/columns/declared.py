"""`schema=` of a storage declaration, read statically: a dict (or `pl.Schema({...})`) of column names to
Polars dtypes. Anything else is GLC002 (not known statically), so a declared contract is never half-read."""

from __future__ import annotations

import ast

import libcst as cst

from glacierc.frontend.columns import dtypes
from glacierc.frontend.evaluate import Evaluator, Scope
from glacierc.frontend.values import Qual, Where


def declared_schema(ev: Evaluator, where: Where) -> tuple[tuple[str, str], ...] | str:
    """The columns, or why they cannot be read (a message for GLC002)."""
    node = where.node
    scope = Scope(where.module, where.index)
    if isinstance(node, cst.Name):  # `schema=ORDERS` bound at module level to the dict
        binding = ev.tables[where.module].bindings.get(node.value)
        if binding is None or binding.kind != "assign":
            return f"`{node.value}` is not a dict of columns defined in this module"
        node, scope = binding.node, Scope(where.module, binding.index)
    if isinstance(node, cst.Call) and isinstance(ev.eval(node.func, scope), Qual) and len(node.args) == 1:
        if ev.eval(node.func, scope) == Qual("polars.Schema"):
            node = node.args[0].value
    if not isinstance(node, cst.Dict):
        return "`schema=` must be a dict of column name to Polars dtype (or `pl.Schema({...})`)"
    columns: list[tuple[str, str]] = []
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return "`**` unpacking in `schema=` is not read statically"
        name = _string(element.key)
        dtype = dtype_of(ev, scope, element.value)
        if name is None or dtype is None:
            return "every column of `schema=` needs a literal name and a Polars dtype such as `pl.Int64`"
        columns.append((name, dtype))
    return tuple(columns)


def _string(node: cst.BaseExpression) -> str | None:
    if not isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return None
    try:
        value = ast.literal_eval(cst.Module([]).code_for_node(node))
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def dtype_of(ev: Evaluator, scope: Scope, node: cst.BaseExpression) -> str | None:
    """`pl.Int64`, `pl.List(pl.String)`, `pl.Datetime("ms", "UTC")` -> its `str(dtype)`; None if not a dtype."""
    if isinstance(node, cst.Call):
        callee = ev.eval(node.func, scope)
        if not isinstance(callee, Qual):
            return None
        args = [dtype_of(ev, scope, a.value) or _plain(ev, scope, a.value) for a in node.args if a.keyword is None]
        kwargs = {a.keyword.value: _plain(ev, scope, a.value) for a in node.args if a.keyword is not None}
        return dtypes.from_call(callee, args, kwargs)
    value = ev.eval(node, scope)
    return dtypes.from_qual(value) if isinstance(value, Qual) else None


def _plain(ev: Evaluator, scope: Scope, node: cst.BaseExpression) -> object:
    value = ev.eval(node, scope)
    return value if value is None or isinstance(value, (str, int)) else None
