"""Text views of a migration: a unified diff, and edits for `check --fix` / JSON / SARIF fixes."""

from __future__ import annotations

import difflib

from glacierc.migrate.model import Migration

Edit = tuple[int, int, int, int, str]  # line, column, end_line, end_column (1-based, end exclusive), text


def unified_diff(migration: Migration) -> str:
    """`git diff`-style text of the change; empty when nothing changed."""
    if not migration.changed:
        return ""
    old = migration.old.splitlines(keepends=True)
    new = migration.new.splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"a/{migration.path}", f"b/{migration.path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def end_of(text: str) -> tuple[int, int]:
    """The 1-based (line, column) just past the last character of `text`."""
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def whole_file_edit(migration: Migration) -> Edit | None:
    """One edit replacing the whole old text with the new one; None when nothing changed."""
    if not migration.changed:
        return None
    end_line, end_column = end_of(migration.old)
    return 1, 1, end_line, end_column, migration.new


def line_edits(migration: Migration) -> list[Edit]:
    """The smallest whole-line edits turning old into new, in file order (non-overlapping)."""
    old = migration.old.splitlines(keepends=True)
    new = migration.new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    edits: list[Edit] = []
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        end_line, end_column = _line_start(old, old_end)
        start_line, start_column = _line_start(old, old_start)
        edits.append((start_line, start_column, end_line, end_column, "".join(new[new_start:new_end])))
    return edits


def _line_start(lines: list[str], index: int) -> tuple[int, int]:
    """Position of the start of line `index` (0-based); past the end if the text lacks a newline."""
    if index < len(lines) or not lines or lines[-1].endswith(("\n", "\r")):
        return index + 1, 1
    return len(lines), len(lines[-1]) + 1
