"""Source positions without whole-tree metadata passes.

LibCST's PositionProvider over a large file costs twice the parse, so positions are computed in tiers:
top-level statements get their lines from CPython's own parser (`ast.parse` parses, it never executes;
on 12,000 lines it takes 0.13 s where LibCST's code generation takes 0.44 s), each LibCST statement paired
with the CPython nodes it holds; calls inside a statement (pipeline nodes) are paired, in source order, with
the calls CPython found in that statement; any other nested node gets its exact position from a
PositionProvider run over its one statement, on demand (diagnostics). Where the two parsers disagree on
the top-level statements (or no text is given), the line table comes from code generation instead
(newline counts of each statement's code). tests/test_positions.py checks both ways give the same lines.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange

from glacierc.frontend.children import code_children
from glacierc.source import Span


class Locator:
    def __init__(self, name: str, tree: cst.Module, text: str | None = None) -> None:
        self.name = name
        self.tree = tree
        self._text = text
        self._starts: list[int] | None = None
        self._codes: list[str] = []
        self._statements: list[list[ast.stmt]] | None = None  # CPython's nodes of each top-level statement
        self._positions: dict[int, Mapping[cst.CSTNode, CodeRange]] = {}
        self._calls: dict[int, dict[int, Span]] = {}

    def _ensure_starts(self) -> list[int]:
        if self._starts is None:
            starts = self._index_with_ast()
            self._starts = starts if starts is not None else self._index_with_codegen()
        return self._starts

    def _index_with_ast(self) -> list[int] | None:
        """Line table from CPython's parser, three times cheaper than LibCST's code generation. None when
        there is no text or the two parsers do not agree on the top-level statements."""
        if self._text is None:
            return None
        try:
            nodes = ast.parse(self._text).body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        groups = _group(self.tree.body, nodes)
        if groups is None:
            return None
        starts = [_first_line(group[0]) - _lines_before_first_token(statement)
                  for statement, group in zip(self.tree.body, groups)]
        lines = self._text.split("\n")
        ends = [*starts[1:], len(lines) - len(self.tree.footer) + (0 if self._text.endswith("\n") else 1)]
        if starts and (starts[0] != 1 + len(self.tree.header) or any(a >= b for a, b in zip(starts, ends))):
            return None
        self._codes = ["".join(line + "\n" for line in lines[a - 1:b - 1]) for a, b in zip(starts, ends)]
        self._statements = groups
        return starts

    def _index_with_codegen(self) -> list[int]:
        line = 1 + len(self.tree.header)
        starts = []
        for statement in self.tree.body:
            code = self.tree.code_for_node(statement)
            starts.append(line)
            self._codes.append(code)
            line += code.count("\n")
        return starts

    def code(self, index: int) -> str:
        """The source text of top-level statement `index` (leading comments included)."""
        self._ensure_starts()
        return self._codes[index]

    def statement_span(self, index: int) -> Span:
        """The span of a top-level statement, from its first line of code (after comments, decorators)."""
        start = self._ensure_starts()[index]
        statement = self.tree.body[index]
        first = start + _lines_before_code(statement)
        end = start + self._codes[index].rstrip("\n").count("\n")
        last_line = self._codes[index].rstrip("\n").rsplit("\n", 1)[-1]
        return Span(self.name, first, 1, max(first, end), len(last_line) + 1)

    def span(self, node: cst.CSTNode, index: int) -> Span:
        """Exact span of `node`, which lies inside top-level statement `index`."""
        if isinstance(node, cst.Call):
            calls = self._calls.get(index)
            if calls is None:
                calls = self._calls[index] = self._call_spans(index)
            if id(node) in calls:
                return calls[id(node)]
        positions = self._positions.get(index)
        if positions is None:
            from libcst.metadata import MetadataWrapper, PositionProvider  # only when a nested span is needed

            statement = self.tree.body[index]
            module = self.tree.with_changes(body=[statement], header=[], footer=[])
            positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
            self._positions[index] = positions
        position = positions.get(node)
        if position is None:
            return self.statement_span(index)
        offset = self._ensure_starts()[index] - 1
        return Span(self.name, position.start.line + offset, position.start.column + 1,
                    position.end.line + offset, position.end.column + 1)


    def _call_spans(self, index: int) -> dict[int, Span]:
        """id(cst.Call) -> span for every call in a statement; empty when the two parsers disagree."""
        starts = self._ensure_starts()
        if self._statements is not None and self._text is not None:  # indexed with CPython's parser
            lines, offset, parsed = self._text.split("\n"), 0, self._statements[index]
        else:
            code = self.code(index)
            try:
                parsed = ast.parse(code).body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return {}
            lines, offset = code.split("\n"), starts[index] - 1
        found = [n for statement in parsed for n in ast.walk(statement) if isinstance(n, ast.Call)]
        found.sort(key=lambda n: (n.lineno, n.col_offset, -_end(n)[0], -_end(n)[1]))
        calls = _calls_in_order(self.tree.body[index])
        if len(found) != len(calls) or any(_callee(c.func) != _callee(a.func) for c, a in zip(calls, found)):
            return {}
        return {id(c): Span(self.name, a.lineno + offset, _column(lines, a.lineno, a.col_offset),
                            _end(a)[0] + offset, _column(lines, *_end(a)))
                for c, a in zip(calls, found)}


def _end(node: ast.expr) -> tuple[int, int]:
    """(end line, end byte column): ast.parse always sets them (the stubs allow None for built nodes)."""
    assert node.end_lineno is not None and node.end_col_offset is not None
    return node.end_lineno, node.end_col_offset


def _group(statements: Sequence[cst.CSTNode], nodes: list[ast.stmt]) -> list[list[ast.stmt]] | None:
    """CPython's top-level nodes per LibCST statement (a simple statement line holds `a; b; ...`)."""
    groups, position = [], 0
    for statement in statements:
        count = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        groups.append(nodes[position:position + count])
        position += count
    if position != len(nodes) or any(not group for group in groups):
        return None
    return groups


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    return decorators[0].lineno if decorators else node.lineno


def _lines_before_first_token(statement: cst.CSTNode) -> int:
    """Comment and blank lines LibCST gives the statement ahead of its first token (`@` or keyword)."""
    lines = len(getattr(statement, "leading_lines", ()))
    decorators = getattr(statement, "decorators", ())
    return lines + (len(decorators[0].leading_lines) if decorators else 0)


def _lines_before_code(statement: cst.CSTNode) -> int:
    lines = len(getattr(statement, "leading_lines", ()))
    for decorator in getattr(statement, "decorators", ()):
        lines += len(decorator.leading_lines) + 1
    return lines + len(getattr(statement, "lines_after_decorators", ()))

def _calls_in_order(node: cst.CSTNode) -> list[cst.Call]:
    """Every call under `node` in source (pre-)order."""
    calls, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            calls.append(current)
        stack.extend(reversed(code_children(current)))
    return calls


def _callee(func: cst.CSTNode | ast.expr) -> str | None:
    """The called name (`load` in `load(x)` and in `tasks.load(x)`), to check the pairing of the parsers."""
    if isinstance(func, (cst.Name, ast.Name)):
        return func.value if isinstance(func, cst.Name) else func.id
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.attr if isinstance(func, ast.Attribute) else None


def _column(lines: list[str], line: int, byte_offset: int) -> int:
    """ast columns count UTF-8 bytes; spans count characters (1-based)."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1
