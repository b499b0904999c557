"""`glacierc migrate`: rewrite old-API Glacier code into the current language.

    from glacierc.migrate import migrate_source, unified_diff
    migration = migrate_source(text, "pipeline.py")
    migration.new, migration.unmigrated, unified_diff(migration)

The migration is a LibCST codemod (formatting and comments outside the rewritten expressions are
kept byte for byte), never imports or runs the code it reads, never raises, and is idempotent.
See docs/migrate.md for what it rewrites and what it reports.
"""

from __future__ import annotations

import ast

from glacierc.migrate.model import Migration, Unmigrated
from glacierc.migrate.text import Edit, line_edits, unified_diff, whole_file_edit

__all__ = [
    "Edit",
    "Migration",
    "Unmigrated",
    "file_fix",
    "fix_edits",
    "line_edits",
    "migrate_source",
    "unified_diff",
    "whole_file_edit",
]


def migrate_source(text: str, path: str = "<string>") -> Migration:
    """Migrate one file's text. Pure; on any problem returns `new == old` and says why."""
    try:
        new, notes = _migrate(text)
    except Exception as error:  # noqa: BLE001 - a migration never raises, whatever the input
        return Migration(path, text, text, (_failure(error, text),))
    unmigrated = tuple(Unmigrated(line, column, reason) for line, column, reason in notes)
    try:
        ast.parse(new)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        if new == text:  # the input itself does not parse: the user's mistake, not ours
            line = getattr(error, "lineno", None) or 1
            column = getattr(error, "offset", None) or 1
            reason = f"not migrated: the file cannot be parsed ({getattr(error, 'msg', error)})"
            return Migration(path, text, text, (*unmigrated, Unmigrated(line, column, reason)))
        reason = f"not migrated: internal error, the rewrite did not parse ({error})"
        return Migration(path, text, text, (*unmigrated, Unmigrated(1, 1, reason)))
    return Migration(path, text, new, unmigrated)


def fix_edits(text: str) -> list[Edit]:
    """Edits (line, column, end_line, end_column, replacement) that migrate `text`; [] if none."""
    return line_edits(migrate_source(text))


#: Every old-API construct mentions one of these; a file with none of them is left alone unread.
_MARKERS = ("Provider", "GlacierEnv", "executor", "glacier.providers", "glacier.core")
#: Largest file migrated: the rewrite resolves LibCST's scopes over the whole file, about 0.5 ms per syntax node
#: (a 300 KB file took minutes, found by `make fuzz`); `check` computes the fix of every old-API file.
MAX_MIGRATE_BYTES = 32_000


def file_fix(text: str, file: str):
    """The migration of one file as a `glacierc.diagnostics.model.Fix` (None when nothing changes).

    All-or-nothing: the edits depend on each other (a rewritten line needs the import another
    edit adds), so attach this one fix to one GLC101-GLC103 diagnostic of the file (the first).
    """
    from glacierc.diagnostics.model import Edit as SpanEdit
    from glacierc.diagnostics.model import Fix
    from glacierc.source import Span

    edits = fix_edits(text)
    if not edits:
        return None
    spans = tuple(SpanEdit(Span(file, *edit[:4]), edit[4]) for edit in edits)
    return Fix("migrate this file to the current API (what `glacierc migrate --write` does)", spans)


def _migrate(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    if not any(marker in text for marker in _MARKERS):
        return text, []
    if len(text.encode("utf-8", "surrogatepass")) > MAX_MIGRATE_BYTES:
        return text, [(1, 1, f"not migrated: the file is larger than the migration's limit of {MAX_MIGRATE_BYTES:,} "
                             "bytes; move the old-API declarations into a smaller module and migrate that")]
    from libcst.codemod import CodemodContext

    from glacierc.frontend.limits import MAX_TREE_DEPTH, pre_parse_problem, tree_depth
    from glacierc.frontend.loader import parse_source
    from glacierc.migrate.command import MigrateCommand

    problem = pre_parse_problem(text)  # the compiler's own resource limits (GLC004): no parser crash here either
    if problem is not None:
        return text, [(1, 1, f"not migrated: {problem}")]
    module = parse_source(text)
    if tree_depth(module) > MAX_TREE_DEPTH:
        return text, [(1, 1, f"not migrated: the code nests more than {MAX_TREE_DEPTH} levels deep")]
    command = MigrateCommand(CodemodContext())
    new = command.transform_module(module)
    return new.code, command.notes


def _failure(error: Exception, text: str) -> Unmigrated:
    import libcst as cst

    if isinstance(error, cst.ParserSyntaxError):
        line, column, message = error.raw_line, error.raw_column + 1, error.message
        try:  # Python's own parser points at the offending token more precisely
            ast.parse(text)
        except SyntaxError as syntax:
            line, column, message = syntax.lineno or line, syntax.offset or column, syntax.msg
        except (ValueError, RecursionError, MemoryError):
            pass
        return Unmigrated(line, column, f"not migrated: the file cannot be parsed ({message})")
    return Unmigrated(1, 1, f"not migrated: internal error {type(error).__name__}: {error}")

