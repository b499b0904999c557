"""How a task body touches storage: which parameters and module-level buckets it reads and writes.

Proven accesses: `x.scan()`, `x.read()` (read), `x.write(...)` (write) — `x` a bucket, or `targets[key]` of a
list or dict of buckets (then any of them) —, `pl.scan_*/read_*(x.get_uri())`
(read) and `frame.write_*/sink_*(x.get_uri())` (write). Any other use of a bucket is unproven: the caller
reports it and assumes read-write. Bodies that mention no bucket and no access method are not walked at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst

from glacierc.frontend.evaluate import Evaluator, Scope
from glacierc.frontend.values import FunctionRef, StorageVal, Where, storages_in

MAX_HELPER_DEPTH = 5
_REFLECTION = re.compile(r"\b(?:globals|vars)\s*\(")
_ACCESS_HINT = re.compile(r"\.(?:scan|read|write|get_uri)\b|\b(?:sink|write|scan|read)_\w+")


@dataclass(slots=True)
class Access:
    """What a task body is proven to read and write, through its parameters and module-level storage."""

    param_reads: set[str] = field(default_factory=set)
    param_writes: set[str] = field(default_factory=set)
    param_unproven: set[str] = field(default_factory=set)
    param_uses: set[str] = field(default_factory=set)  # parameters the body mentions at all
    reads: dict[int, StorageVal] = field(default_factory=dict)
    writes: dict[int, StorageVal] = field(default_factory=dict)
    unproven: list[tuple[StorageVal, Where]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ModuleNames:
    """Module-level names of one module that matter here: bound to storage (or containers of it), and plain
    helper functions of the project (followed: storage they touch is the calling task's)."""

    storage: frozenset[str]
    helpers: frozenset[str]


def analyse(ev: Evaluator, module: str, index: int, function: cst.FunctionDef, code: str,
            names_of: Mapping[str, ModuleNames], _depth: int = 0) -> Access:
    access = Access()
    names = names_of[module]
    mentioned = {name for name in names.storage if _mentions(code, name)}
    helpers = {name for name in names.helpers if _mentions(code, name)} if _depth < MAX_HELPER_DEPTH else set()
    if _REFLECTION.search(code):  # `globals()["raw"]`, `vars()[...]`: any bucket of the module may be used
        mentioned = set(names.storage)
    elif not mentioned and not helpers and not _ACCESS_HINT.search(code):
        return access
    params = {p.name.value for p in (*function.params.posonly_params, *function.params.params,
                                     *function.params.kwonly_params)}
    visitor = _Visitor(ev, Scope(module, index), params, mentioned, access)
    function.body.visit(visitor)
    visitor.finish()
    for helper in sorted(helpers):
        _follow(ev, Scope(module, index), helper, names_of, access, _depth)
    return access


def _mentions(code: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", code) is not None


def _follow(ev: Evaluator, scope: Scope, name: str, names_of: Mapping[str, ModuleNames], access: Access,
            depth: int) -> None:
    """The module-level storage a helper the task calls touches is the task's too (proven or not)."""
    ref = ev.eval(cst.Name(name), scope)
    if not isinstance(ref, FunctionRef) or ref.module not in names_of:
        return
    function = ref.function
    code = cst.Module(body=[function]).code
    found = analyse(ev, ref.module, ref.where.index, function, code, names_of, depth + 1)
    access.reads.update(found.reads)
    access.writes.update(found.writes)
    access.unproven.extend(found.unproven)


class _Visitor(cst.CSTVisitor):
    def __init__(self, ev: Evaluator, scope: Scope, params: set[str], mentioned: set[str], access: Access) -> None:
        self.ev, self.scope, self.params, self.mentioned, self.access = ev, scope, params, mentioned, access
        self.claimed: set[int] = set()
        self.uses: list[cst.Name] = []
        self.reflection: cst.Call | None = None  # a `globals()` / `vars()` call

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name) and func.value in ("globals", "vars") and self.reflection is None:
            self.reflection = node
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
        if node.value in self.params:
            self.access.param_uses.add(node.value)
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
        if self.reflection is not None:  # names reached by their string: none of the module's buckets is proven
            where = Where(self.scope.module, self.scope.index, self.reflection)
            for value in {id(v): v for name in sorted(self.mentioned)
                          for v in storages_in(self.ev.eval(cst.Name(name), self.scope))}.values():
                self.access.unproven.append((value, where))
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
