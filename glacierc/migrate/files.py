"""`glacierc migrate PATH... [--diff|--write]` over files: read, migrate, show or write atomically.

The CLI only parses flags and calls `run`. Files are found by the walker `check` uses and read and written
by the one I/O layer (`glacierc.fileio`): a rewritten file keeps its declared encoding, byte-order mark,
line ends and mode, and a write replaces the file atomically, so a failure never leaves half a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from glacierc.fileio import Source, SourceError, read_source, rewrite_source
from glacierc.migrate.model import Migration
from glacierc.migrate.text import unified_diff

__all__ = ["FileMigration", "migrate_file", "python_files", "run", "write"]


@dataclass(frozen=True, slots=True)
class FileMigration:
    path: Path  # as the user named it (or found under a directory they named)
    migration: Migration
    source: Source | None = None  # None when the file could not be decoded


def python_files(paths: Sequence[str]) -> tuple[list[Path], list[str]]:
    """The Python files `check` would read under `paths` (sorted; the same skipped directories, no
    directory symlinks), and a message for each path that names nothing to read."""
    from glacierc.diagnostics.model import Reporter
    from glacierc.frontend.loader import discover

    reporter = Reporter()
    files = [file for file, _root in discover(list(paths), reporter)]
    return files, [diagnostic.message for diagnostic in reporter.items]


def migrate_file(path: Path) -> FileMigration:
    """Read and migrate one file (never raises for what the file contains; OSError if it cannot be read)."""
    from glacierc.migrate import migrate_source
    from glacierc.migrate.model import Unmigrated

    try:
        source = read_source(path)
    except SourceError as error:
        reason = str(error).removeprefix(f"{path}: ")
        note = Unmigrated(1, 1, f"not migrated: {reason}")
        return FileMigration(path, Migration(str(path), "", "", (note,)))
    return FileMigration(path, migrate_source(source.text, str(path)), source)


def write(item: FileMigration) -> None:
    """Replace the file with the migrated text, atomically, as it was encoded (SourceError if it cannot be)."""
    if item.source is not None:
        rewrite_source(item.source, item.migration.new)


def run(paths: Sequence[str], *, diff: bool, write_files: bool, out: TextIO, err: TextIO) -> int:
    """The whole command. Exit 0: done (or nothing to do); 1: something was left unmigrated;
    2: a path does not exist or a file cannot be read or written."""
    files, problems = python_files(paths)
    err.writelines(f"error: {problem}\n" for problem in problems)
    if not files and not problems:
        err.write("error: no Python files under the given paths\n")
    status = 2 if problems or not files else 0
    changed = 0
    for path in files:
        try:
            item = migrate_file(path)
            if write_files and item.migration.changed:
                write(item)
        except SourceError as error:
            err.write(f"error: {error}\n")
            status = 2
            continue
        except OSError as error:
            err.write(f"error: {path}: {error.strerror or error}\n")
            status = 2
            continue
        changed += item.migration.changed
        if diff:
            out.write(unified_diff(item.migration))
        for entry in item.migration.unmigrated:
            err.write(entry.render(str(path)) + "\n")
            if entry.reason.startswith("not migrated") and status == 0:
                status = 1
    verb = "migrated" if write_files else "would migrate"
    err.write(f"{verb} {changed} of {len(files)} file{'s' if len(files) != 1 else ''}\n")
    return status
