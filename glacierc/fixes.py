"""`glacierc check --fix`: apply the edits attached to diagnostics, file by file, atomically, through the
one I/O layer (`glacierc.fileio`: the file keeps its encoding, byte-order mark, line ends and mode)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from glacierc.diagnostics.model import Edit


def _to_stderr(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")


def apply_fixes(result, report: Callable[[str], None] = _to_stderr) -> int:
    """Apply every fix of `result.diagnostics`; returns the number of files changed. A file that cannot
    be rewritten faithfully (changed since it was read, or the fix needs characters its encoding lacks)
    is left as it was and `report`ed."""
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
        if new != text and _rewrite(Path(display), text, new, report):
            changed += 1
    return changed


def _rewrite(path: Path, analysed: str, new: str, report: Callable[[str], None]) -> bool:
    from glacierc.fileio import SourceError, read_source, rewrite_source

    try:
        source = read_source(path)
        if source.text != analysed:  # edited since `check` read it: the fix's offsets no longer apply
            report(f"{path}: the file changed while it was being checked; not fixed")
            return False
        rewrite_source(source, new)
    except SourceError as error:
        report(str(error))
        return False
    except OSError as error:
        report(f"{path}: {error.strerror or error}")
        return False
    return True


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

