"""`glacierc check --fix`: apply the edits attached to diagnostics, file by file, atomically."""

from __future__ import annotations

import os
from pathlib import Path

from glacierc.diagnostics.model import Edit


def apply_fixes(result) -> int:
    """Apply every fix of `result.diagnostics`; returns the number of files changed."""
    by_file: dict[str, list[Edit]] = {}
    for diagnostic in result.diagnostics:
        if diagnostic.fix:
            by_file.setdefault(diagnostic.span.file, []).extend(diagnostic.fix.edits)
    changed = 0
    for name, edits in sorted(by_file.items()):
        text = result.texts.get(name)
        display = result.files.get(name)
        if text is None or display is None:
            continue
        new = apply_edits(text, edits)
        if new != text:
            _write(Path(display), new)
            changed += 1
    return changed


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (later ones first, so earlier offsets stay valid); overlaps are skipped."""
    starts = _line_starts(text)
    ranges = []
    for edit in edits:
        start = _offset(starts, edit.span.line, edit.span.column)
        end = _offset(starts, edit.span.end_line, edit.span.end_column)
        ranges.append((start, end, edit.content))
    result, limit = text, len(text) + 1
    for start, end, content in sorted(set(ranges), reverse=True):
        if end > limit:
            continue
        result = result[:start] + content + result[end:]
        limit = start
    return result


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)
    return starts


def _offset(starts: list[int], line: int, column: int) -> int:
    line = min(max(line, 1), len(starts))
    return starts[line - 1] + column - 1


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.glacierc-fix")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
