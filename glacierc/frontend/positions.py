"""Source positions without whole-tree metadata passes.

LibCST's PositionProvider over a large file costs twice the parse, so positions are computed in tiers:
top-level statements get their line by counting the newlines of the statements before them (one cheap
code-generation pass, done once per file); calls inside a statement (pipeline nodes) are paired, in source
order, with the calls CPython's own parser finds in that statement's text (`ast.parse` parses, it never
executes); any other nested node gets its exact position from a PositionProvider run over its one statement,
on demand (diagnostics).
"""

from __future__ import annotations

import libcst as cst

from glacierc.source import Span


class Locator:
    def __init__(self, name: str, tree: cst.Module) -> None:
        self.name = name
        self.tree = tree
        self._starts: list[int] | None = None
        self._codes: list[str] = []
        self._positions: dict[int, dict] = {}
        self._calls: dict[int, dict[int, Span]] = {}

    def _ensure_starts(self) -> list[int]:
        if self._starts is None:
            line = 1 + len(self.tree.header)
            starts = []
            for statement in self.tree.body:
                code = self.tree.code_for_node(statement)
                starts.append(line)
                self._codes.append(code)
                line += code.count("\n")
            self._starts = starts
        return self._starts

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
        import ast

        code = self.code(index)
        try:
            parsed = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return {}
        found = [n for n in ast.walk(parsed) if isinstance(n, ast.Call)]
        found.sort(key=lambda n: (n.lineno, n.col_offset, -n.end_lineno, -n.end_col_offset))
        calls = _calls_in_order(self.tree.body[index])
        if len(found) != len(calls):
            return {}
        lines = code.split("\n")
        offset = self._ensure_starts()[index] - 1
        return {id(c): Span(self.name, a.lineno + offset, _column(lines, a.lineno, a.col_offset),
                            a.end_lineno + offset, _column(lines, a.end_lineno, a.end_col_offset))
                for c, a in zip(calls, found)}


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
        stack.extend(reversed(current.children))
    return calls


def _column(lines: list[str], line: int, byte_offset: int) -> int:
    """ast columns count UTF-8 bytes; spans count characters (1-based)."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1
