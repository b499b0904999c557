"""How a task body touches storage: which parameters and module-level buckets it reads and writes.

Proven accesses: `x.scan()`, `x.read()` (read), `x.write(...)` (write) — `x` a bucket, or `targets[key]` of a
list or dict of buckets (then any of them) —, `pl.scan_*/read_*(x.get_uri())`
(read) and `frame.write_*/sink_*(x.get_uri())` (write). Any other use of a bucket is unproven: the caller
reports it and assumes read-write. Bodies that mention no bucket and no access method are not walked at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from glacierc.frontend.evaluate import Evaluator, Scope
from glacierc.frontend.values import StorageVal, Where, storages_in

_ACCESS_HINT = re.compile(r"\.(?:scan|read|write|get_uri)\b|\b(?:sink|write|scan|read)_\w+")


@dataclass(slots=True)
class Access:
    param_reads: set[str] = field(default_factory=set)
    param_writes: set[str] = field(default_factory=set)
    param_unproven: set[str] = field(default_factory=set)
    reads: dict[int, StorageVal] = field(default_factory=dict)
    writes: dict[int, StorageVal] = field(default_factory=dict)
    unproven: list[tuple[StorageVal, Where]] = field(default_factory=list)


def analyse(ev: Evaluator, module: str, index: int, function: cst.FunctionDef, code: str,
            storage_names: frozenset[str]) -> Access:
    access = Access()
    mentioned = {name for name in storage_names if re.search(rf"\b{re.escape(name)}\b", code)}
    if not mentioned and not _ACCESS_HINT.search(code):
        return access
    params = {p.name.value for p in (*function.params.posonly_params, *function.params.params,
                                     *function.params.kwonly_params)}
    visitor = _Visitor(ev, Scope(module, index), params, mentioned, access)
    function.body.visit(visitor)
    visitor.finish()
    return access


class _Visitor(cst.CSTVisitor):
    def __init__(self, ev: Evaluator, scope: Scope, params: set[str], mentioned: set[str], access: Access) -> None:
        self.ev, self.scope, self.params, self.mentioned, self.access = ev, scope, params, mentioned, access
        self.claimed: set[int] = set()
        self.uses: list[cst.Name] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        receiver = _held_in(func.value) if isinstance(func.value, cst.Subscript) else func.value
        if method in ("scan", "read", "write") and isinstance(receiver, cst.Name):
            self._record(receiver, "write" if method == "write" else "read")
        elif method.startswith(("write_", "sink_", "scan_", "read_")) and node.args:
            uri_owner = _get_uri_owner(node.args[0].value)
            if uri_owner is not None:
                self._record(uri_owner, "write" if method.startswith(("write_", "sink_")) else "read")

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `attr` is a Name too, but never a reference
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # skip the keyword's Name
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.params or node.value in self.mentioned:
            self.uses.append(node)

    def _record(self, name: cst.Name, mode: str) -> None:
        self.claimed.add(id(name))
        if name.value in self.params:
            (self.access.param_writes if mode == "write" else self.access.param_reads).add(name.value)
            return
        for value in storages_in(self.ev.eval(name, self.scope)):  # `targets[r].write(...)`: any of them
            (self.access.writes if mode == "write" else self.access.reads)[id(value)] = value

    def finish(self) -> None:
        for name in self.uses:
            if id(name) in self.claimed:
                continue
            if name.value in self.params:
                self.access.param_unproven.add(name.value)
                continue
            for value in storages_in(self.ev.eval(name, self.scope)):
                self.access.unproven.append((value, Where(self.scope.module, self.scope.index, name)))


def _held_in(subscript: cst.Subscript) -> cst.BaseExpression:
    """`targets` in `targets[region]` or `outs[0][1]`: the container a subscripted receiver comes from."""
    value: cst.BaseExpression = subscript
    while isinstance(value, cst.Subscript):
        value = value.value
    return value


def _get_uri_owner(expression: cst.BaseExpression) -> cst.Name | None:
    """`x` in `x.get_uri()`."""
    if (isinstance(expression, cst.Call) and isinstance(expression.func, cst.Attribute)
            and expression.func.attr.value == "get_uri" and isinstance(expression.func.value, cst.Name)):
        return expression.func.value
    return None
