"""Rewrite one copied top-level statement: renamed globals, flattened project-module attributes,
task decorators removed, annotations naming compile-time-only objects dropped; then render it and
say which of its lines came from which source line (for tracebacks that point at the user's file).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import libcst as cst


@dataclass(slots=True)
class Edits:
    """Everything to change in one module's copied statements, keyed by id() of original nodes."""

    replace: dict[int, str] = field(default_factory=dict)  # Name / Attribute -> new name
    removed: set[int] = field(default_factory=set)  # decorators to drop
    stripped: set[int] = field(default_factory=set)  # annotations to drop
    globals_renamed: dict[str, str] = field(default_factory=dict)  # for `global x` statements


@dataclass(frozen=True, slots=True)
class Rendered:
    """A statement as emitted: `text` (ends with a newline); its line `offset` (0-based) is the
    source line `source_line`, and the `length` lines from there follow the source one to one."""

    text: str
    offset: int
    source_line: int
    length: int


class _Rewriter(cst.CSTTransformer):
    def __init__(self, edits: Edits) -> None:
        super().__init__()
        self.edits = edits

    def on_leave(self, original_node, updated_node):
        if isinstance(original_node, cst.ImportAlias) and original_node.asname is None:
            renamed = self.edits.replace.get(id(original_node.name))
            if renamed is not None and isinstance(original_node.name, cst.Name):  # `import json` -> `... as json_x`
                return original_node.with_changes(asname=cst.AsName(name=cst.Name(renamed)))
        new_name = self.edits.replace.get(id(original_node))
        if new_name is not None and isinstance(original_node, (cst.Name, cst.Attribute)):
            return cst.Name(new_name)
        if isinstance(original_node, cst.Decorator) and id(original_node) in self.edits.removed:
            return cst.RemoveFromParent()
        if isinstance(updated_node, cst.Param) and _stripped(self.edits, original_node.annotation):
            return updated_node.with_changes(annotation=None)
        if isinstance(updated_node, cst.FunctionDef) and _stripped(self.edits, original_node.returns):
            updated_node = updated_node.with_changes(returns=None)
        if isinstance(updated_node, cst.Global):
            names = [item.with_changes(name=cst.Name(self.edits.globals_renamed.get(item.name.value, item.name.value)))
                     for item in updated_node.names]
            return updated_node.with_changes(names=names)
        return updated_node


def _stripped(edits: Edits, annotation: cst.Annotation | None) -> bool:
    return annotation is not None and id(annotation) in edits.stripped


def render(tree: cst.Module, statement: cst.BaseStatement, edits: Edits, source_line: int,
           nodes: set[int] | None = None) -> Rendered:
    """`statement` rewritten with `edits`; `source_line` is its `def`/`class` line, else its first line.

    `nodes` (ids of the statement's nodes, when known) lets a statement without renames skip the
    full transformer pass: dropping decorators is then a change of the statement alone."""
    deep = nodes is None or not nodes.isdisjoint(edits.replace) or not nodes.isdisjoint(edits.stripped)
    if deep:
        new = statement.visit(_Rewriter(edits))
    elif isinstance(statement, cst.FunctionDef) and any(id(d) in edits.removed for d in statement.decorators):
        new = statement.with_changes(decorators=[d for d in statement.decorators if id(d) not in edits.removed])
    else:
        new = statement
    assert isinstance(new, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    new = _tidy(new)
    text = tree.code_for_node(new)
    offset = len(new.leading_lines)
    if isinstance(new, (cst.FunctionDef, cst.ClassDef)):
        offset += sum(tree.code_for_node(d).count("\n") for d in new.decorators) + len(new.lines_after_decorators)
    return Rendered(text, offset, source_line, text.count("\n") - offset)


Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement


def _tidy(statement: Statement) -> Statement:
    """Keep comment lines above the statement, drop blank ones (the emitter lays out spacing)."""
    leading = [line for line in statement.leading_lines if line.comment is not None]
    statement = statement.with_changes(leading_lines=leading)
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and not statement.decorators:
        after = [line for line in statement.lines_after_decorators if line.comment is not None]
        statement = statement.with_changes(lines_after_decorators=after)
    return statement


def statement_lines(text: str, count: int) -> list[int]:
    """The `def`/`class` line (or first line) of each of the `count` top-level statements.

    Uses `ast` (fast) where its statements line up with LibCST's; `[]` when they do not.
    """
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError):
        return []
    lines: list[int] = []
    previous_end = 0
    for node in body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        if first <= previous_end:
            continue  # `a; b` on one line is one LibCST statement
        previous_end = node.end_lineno or first
        lines.append(node.lineno if getattr(node, "decorator_list", None) is not None else first)
    return lines if len(lines) == count else []
