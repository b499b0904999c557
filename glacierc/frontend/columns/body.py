"""A task body run over abstract values: frames with known columns, buckets with declared schemas, Polars
expressions. Assignments are followed; compound statements are walked for their findings and writes, and the
names they bind become unknown after them. The return value's frame is the node's output schema."""

from __future__ import annotations

import ast
from collections.abc import Mapping

import libcst as cst

from glacierc.frontend.children import code_children
from glacierc.frontend.columns import dtypes, frames, joins
from glacierc.frontend.columns.model import BucketRef, Deferred, Expr, Finding, Frame, Grouped, Writes
from glacierc.frontend.evaluate import Evaluator, Scope
from glacierc.frontend.values import Qual, StorageVal, is_constant

_FRAME_READERS = {"scan_parquet", "read_parquet", "scan_csv", "read_csv", "scan_ndjson", "read_ndjson",
                  "scan_ipc", "read_ipc"}
_FRAME_WRITERS = ("write_", "sink_")


class Analysis:
    MISSING = object()

    def __init__(self, ev: Evaluator, scope: Scope, declared: Mapping[str, Frame | None]) -> None:
        self.ev, self.scope, self.declared = ev, scope, declared
        self.env: dict[str, object] = {}
        self.findings: list[Finding] = []
        self.writes = Writes()
        self.returned: list[object] = []

    # ---- the body ------------------------------------------------------------------------------------
    def run(self, function: cst.FunctionDef, params: Mapping[str, object]) -> object:
        self.env.update(params)
        self.block(function.body)
        results = self.returned
        return results[0] if len(results) == 1 else None

    def block(self, block: cst.BaseSuite) -> None:
        for statement in block.body if isinstance(block, cst.IndentedBlock) else [block]:
            self.statement(statement)

    def statement(self, statement: cst.CSTNode) -> None:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                self.small(small)
            return
        bound = _bound_names(statement)
        saved, returned = dict(self.env), list(self.returned)
        for child in _blocks(statement):  # findings and writes of every branch; results uncertain after
            self.env = dict(saved)
            self.block(child)
        self.env = {**saved, **{name: None for name in bound}}
        if len(self.returned) != len(returned):
            self.returned = [*returned, None, None]

    def small(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Assign):
            value = self.value(small.value)
            for target in small.targets:
                self._assign(target.target, value)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self._assign(small.target, self.value(small.value))
        elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
            self.env[small.target.value] = None
        elif isinstance(small, cst.Return):
            self.returned.append(self.value(small.value) if small.value is not None else None)
        elif isinstance(small, cst.Expr):
            self.value(small.value)

    def _assign(self, target: cst.BaseExpression, value: object) -> None:
        if isinstance(target, cst.Name):
            self.env[target.value] = value
        else:
            for name in _target_names(target):
                self.env[name] = None

    # ---- values --------------------------------------------------------------------------------------
    def value(self, node: cst.BaseExpression) -> object:
        """Frames, buckets, groupings; an expression stays `Deferred` until it meets a frame."""
        if isinstance(node, cst.Name):
            if node.value in self.env:
                return self.env[node.value]
            return self._module_value(node)
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, cst.Attribute) and self._is_expression(node):
            return Deferred(node)
        if isinstance(node, (cst.BinaryOperation, cst.Comparison, cst.UnaryOperation)) and self._is_expression(node):
            return Deferred(node)
        return self.constant(node)

    def _module_value(self, node: cst.Name) -> object:
        value = self.ev.eval(node, self.scope)
        if isinstance(value, StorageVal) and value.name:
            return BucketRef(value.name, self.declared.get(value.name))
        return value if isinstance(value, Qual) or _constant(value) else None

    def _call(self, node: cst.Call) -> object:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return None
        base = self.qual(func.value)
        if isinstance(base, Qual) and base.name == "polars":
            return self._polars(func.attr.value, node)
        receiver = self.value(func.value)
        name = func.attr.value
        if isinstance(receiver, Deferred):
            return Deferred(node)
        if isinstance(receiver, BucketRef):
            return self._bucket(receiver, name, node)
        if isinstance(receiver, Grouped):
            return frames.aggregate(self, receiver, name, node)
        if isinstance(receiver, Frame):
            if name.startswith(_FRAME_WRITERS) and node.args:
                self._write_to(self._uri_owner(node.args[0].value), receiver, node)
                return None
            return frames.method(self, receiver, name, node)
        for arg in node.args:  # an unknown receiver: a frame passed in may still be written
            self.value(arg.value)
        return None

    def _polars(self, name: str, node: cst.Call) -> object:
        if name == "concat" and node.args and isinstance(node.args[0].value, (cst.List, cst.Tuple)):
            options = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
            if set(options) - {"how", "rechunk", "parallel"} or len(node.args) - len(options) != 1:
                return None
            how = self.constant(options["how"]) if "how" in options else "vertical"
            return joins.concat([self.value(e.value) for e in node.args[0].value.elements], how)
        if name in _FRAME_READERS and node.args:
            owner = self._uri_owner(node.args[0].value)
            return owner.schema if isinstance(owner, BucketRef) else None
        if name in ("DataFrame", "LazyFrame") and len(node.args) == 1:
            return _literal_frame(self.constant(node.args[0].value))
        return Deferred(node)  # pl.col, pl.lit, pl.when...: an expression

    def _bucket(self, bucket: BucketRef, name: str, node: cst.Call) -> object:
        if name in ("scan", "read"):
            return bucket.schema
        if name == "write" and len(node.args) == 1:
            self._write_to(bucket, self.value(node.args[0].value), node)
        return None

    def _uri_owner(self, node: cst.BaseExpression) -> object:
        """`b` in `b.get_uri()`."""
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get_uri":
            return self.value(node.func.value)
        return None

    def _write_to(self, target: object, frame: object, node: cst.Call) -> None:
        if not isinstance(target, BucketRef) or not isinstance(frame, Frame):
            return
        self.writes.columns[target.storage] = tuple((n, tuple(sorted(c.sources))) for n, c in frame.columns)
        declared = target.schema
        if declared is None:
            return
        for name, column in declared.columns:
            found = frame.get(name)
            if found is None:
                self.found(Finding("write-schema-mismatch", f"missing column `{name}` ({column.dtype})", node,
                                   target.storage, frame.names))
            elif found.dtype is not None and column.dtype is not None and found.dtype != column.dtype:
                self.found(Finding("write-schema-mismatch", f"column `{name}` is {found.dtype}, declared "
                                   f"{column.dtype}", node, target.storage))
        for name in frame.names:
            if declared.get(name) is None:
                self.found(Finding("write-schema-mismatch", f"column `{name}` is not declared", node,
                                   target.storage, declared.names))

    # ---- helpers the expression and frame modules use ----------------------------------------------------
    def found(self, finding: Finding) -> None:
        self.findings.append(finding)

    def qual(self, node: cst.BaseExpression) -> object:
        if isinstance(node, cst.Name) and node.value not in self.env:
            value = self.ev.eval(node, self.scope)
            return value if isinstance(value, Qual) else None
        return None

    def constant(self, node: cst.BaseExpression) -> object:
        """A Python constant written in the body (or a module-level constant), else MISSING-free None."""
        if isinstance(node, cst.Name) and node.value in self.env:
            value = self.env[node.value]
            return value if _constant(value) else None
        if isinstance(node, _LITERALS):  # the evaluator reads a literal's own text (no code generation)
            value = _plain_literal(node)
            value = self.ev.eval(node, self.scope) if value is _NOT_PLAIN else value
            return value if _constant(value) else None
        if isinstance(node, (cst.List, cst.Tuple)) and all(isinstance(e.value, _LITERALS) for e in node.elements
                                                           if not isinstance(e, cst.StarredElement)):
            items = [self.constant(e.value) for e in node.elements]
            if any(isinstance(e, cst.StarredElement) for e in node.elements) or None in items:
                return None
            return items if isinstance(node, cst.List) else tuple(items)
        if isinstance(node, (cst.BinaryOperation, cst.UnaryOperation)):  # `7 % 97`, `-1`: literals only
            value = self.ev.eval(node, self.scope) if _literals_only(node) else None
            return value if _constant(value) else None
        if isinstance(node, _DISPLAYS):  # what `ast.literal_eval` can read: it executes nothing
            try:
                return ast.literal_eval(cst.Module([]).code_for_node(node))
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                pass
        value = self.ev.eval(node, self.scope) if isinstance(node, (cst.Name, cst.Attribute)) else None
        return value if _constant(value) else None

    def dtype(self, node: cst.BaseExpression) -> str | None:
        """`pl.Int64`, `pl.List(pl.String)`, `pl.Datetime("ms")` in the body."""
        if isinstance(node, cst.Call):
            callee = self.ev.eval(node.func, self.scope)
            if not isinstance(callee, Qual):
                return None
            args = [self.dtype(a.value) or self.constant(a.value) for a in node.args if a.keyword is None]
            kwargs = {a.keyword.value: self.constant(a.value) for a in node.args if a.keyword is not None}
            return dtypes.from_call(callee, args, kwargs)
        value = self.ev.eval(node, self.scope)
        return dtypes.from_qual(value) if isinstance(value, Qual) else None

    def _is_expression(self, node: cst.CSTNode) -> bool:
        """Does the node build a Polars expression (it mentions `pl.col`, `pl.lit`, ... or a Deferred name)?"""
        pending = [node]
        while pending:
            current = pending.pop()
            if isinstance(current, cst.Name) and self._names_expression(current):
                return True
            pending += code_children(current)
        return False

    def _names_expression(self, node: cst.Name) -> bool:
        bound = self.env.get(node.value)
        if isinstance(bound, Deferred):
            return True
        if node.value in self.env:
            return False
        qual = self.qual(node)
        return isinstance(qual, Qual) and qual.name == "polars"


_LITERALS = (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)
_DISPLAYS = (cst.List, cst.Tuple, cst.Dict, cst.Set)
_NOT_PLAIN = object()


def _plain_literal(node: cst.BaseExpression) -> object:
    """`"value"` and `12` read straight from their text (most literals of a task body); anything with a prefix,
    an escape, a base or a separator is left to the evaluator."""
    if isinstance(node, cst.Integer) and node.value.isdigit() and (node.value == "0" or node.value[0] != "0"):
        return int(node.value)
    if isinstance(node, cst.SimpleString) and node.value[0] in "\"'" and "\\" not in node.value:
        quotes = 3 if node.value[:3] in ('"""', "'''") else 1  # the text itself, read without LibCST's properties
        return node.value[quotes:-quotes]
    return _NOT_PLAIN


def _literals_only(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.BinaryOperation):
        return _literals_only(node.left) and _literals_only(node.right)
    if isinstance(node, cst.UnaryOperation):
        return _literals_only(node.expression)
    return isinstance(node, (cst.Integer, cst.Float))


def _constant(value: object) -> bool:
    return is_constant(value)


def _literal_frame(data: object) -> Frame | None:
    """`pl.DataFrame({"x": [1, 2]})`: columns of Python lists of one type."""
    from glacierc.frontend.columns.model import Column

    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, list) and v for k, v in data.items()):
        return None
    columns = []
    for name, values in data.items():
        kinds = {type(v) for v in values if v is not None}
        dtype = {int: "Int64", float: "Float64", str: "String", bool: "Boolean"}.get(kinds.pop()) if len(kinds) == 1 else None
        columns.append((name, Column(dtype)))
    return Frame(tuple(columns))


def _blocks(statement: cst.CSTNode) -> list[cst.BaseSuite]:
    found: list[cst.BaseSuite] = []
    for name in ("body", "orelse", "finalbody"):
        child = getattr(statement, name, None)
        if isinstance(child, cst.BaseSuite):
            found.append(child)
        elif child is not None and hasattr(child, "body") and isinstance(child.body, cst.BaseSuite):
            found.append(child.body)
    for handler in getattr(statement, "handlers", ()):
        found.append(handler.body)
    return found


def _bound_names(statement: cst.CSTNode) -> set[str]:
    finder = _Binder()
    statement.visit(finder)
    return finder.names


class _Binder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.names |= _target_names(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.names |= _target_names(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.names |= _target_names(node.target)

    def visit_For(self, node: cst.For) -> None:
        self.names |= _target_names(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self.names |= _target_names(node.asname.name)


def _target_names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {n for e in target.elements for n in _target_names(e.value)}
    return set()
