"""`glacierc migrate PATH... [--diff|--write]` over files: read, migrate, show or write atomically.

The CLI only parses flags and calls `run`. Files are read and written byte-faithfully (UTF-8, a
byte-order mark and `\\r\\n` line ends are kept); a write goes to a temporary file in the same
directory first and then replaces the original, so a failure never leaves half a file.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from glacierc.migrate.model import Migration
from glacierc.migrate.text import unified_diff


@dataclass(frozen=True, slots=True)
class FileMigration:
    path: Path  # as the user named it (or found under a directory they named)
    migration: Migration
    bom: bool = False


def python_files(paths: Sequence[str]) -> tuple[list[Path], list[str]]:
    """Every .py file under `paths` (sorted, hidden directories skipped) and the paths not found."""
    files: set[Path] = set()
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            files.add(path)
        elif path.is_dir():
            files.update(p for p in path.rglob("*.py") if not _hidden(p.relative_to(path)))
        else:
            missing.append(raw)
    return sorted(files, key=str), missing


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in relative.parts[:-1])


def migrate_file(path: Path) -> FileMigration:
    """Read and migrate one file (never raises for what the file contains)."""
    from glacierc.migrate import migrate_source

    data = path.read_bytes()
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        from glacierc.migrate.model import Unmigrated

        note = Unmigrated(1, 1, f"not migrated: the file is not UTF-8 ({error.reason} at byte {error.start})")
        return FileMigration(path, Migration(str(path), "", "", (note,)), bom)
    return FileMigration(path, migrate_source(text, str(path)), bom)


def write(item: FileMigration) -> None:
    """Replace the file with the migrated text, atomically."""
    data = item.migration.new.encode("utf-8")
    if item.bom:
        data = codecs.BOM_UTF8 + data
    handle, temporary = tempfile.mkstemp(prefix=f".{item.path.name}.", suffix=".migrate", dir=item.path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, item.path.stat().st_mode & 0o7777)
        os.replace(temporary, item.path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run(paths: Sequence[str], *, diff: bool, write_files: bool, out: TextIO, err: TextIO) -> int:
    """The whole command. Exit 0: done (or nothing to do); 1: something was left unmigrated;
    2: a path does not exist or a file cannot be read or written."""
    files, missing = python_files(paths)
    err.writelines(f"error: {raw}: no such file or directory\n" for raw in missing)
    if not files and not missing:
        err.write("error: no Python files under the given paths\n")
    status = 2 if missing or not files else 0
    changed = 0
    for path in files:
        try:
            item = migrate_file(path)
            if write_files and item.migration.changed:
                write(item)
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
