"""Find, read and parse source files. Every failure is a diagnostic (GLC001/003/004/005/007), never an exception."""

from __future__ import annotations

import functools
import io
import os
import stat
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from glacierc.checks import glc001_syntax_error as syntax_error
from glacierc.checks import glc003_unreadable_source as unreadable_source
from glacierc.checks import glc004_input_too_large as input_too_large
from glacierc.diagnostics.model import Reporter
from glacierc.frontend.limits import MAX_TREE_DEPTH, pre_parse_problem, tree_depth
from glacierc.source import Span

from glacierc.frontend.walk import discover, root_for as _root_for, walk as _walk  # noqa: F401 (re-exported)
from glacierc.settings import DEFAULT_MAX_FILE_BYTES


@dataclass(slots=True)
class SourceFile:
    """One parsed file. `name` is relative to the project root (what the IR shows), `display` as the user gave it."""

    name: str
    display: str
    module: str
    text: str
    tree: cst.Module | None = None
    is_package: bool = False
    line_starts: list[int] = field(default_factory=list)
    root: str = ""  # the project root the module name is relative to


def span_names(files: list[tuple[Path, Path]]) -> dict[Path, str]:
    """The name each file has in spans and the IR: its path relative to its project root, or the path as
    given where two roots hold the same relative name (`a/pipeline.py`, `b/pipeline.py`)."""
    relative = {file: _relative_name(file, root) for file, root in files}
    counts: dict[str, int] = {}
    for name in relative.values():
        counts[name] = counts.get(name, 0) + 1
    return {file: name if counts[name] == 1 else file.as_posix() for file, name in relative.items()}


def other_project_files(sources: list[SourceFile], max_bytes: int = DEFAULT_MAX_FILE_BYTES):
    """The text of every Python file under the sources' roots that is not one of them (walked as `check`
    walks a directory; unreadable or too large files are skipped): what the rest of the project says."""
    loaded = {os.path.realpath(s.display) for s in sources}
    for root in sorted({s.root for s in sources if s.root}):
        for file in _walk(Path(root)):
            try:
                if os.path.realpath(file) in loaded or file.stat().st_size > max_bytes:
                    continue
                yield decode(file.read_bytes())
            except (OSError, ValueError, SyntaxError, LookupError):
                continue


def decode(data: bytes) -> str:
    """Decode bytes as Python would (BOM, coding declaration, default UTF-8); raises on bad input."""
    if b"\0" in data:
        raise ValueError("file contains NUL bytes (binary, not Python source)")
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode("utf-8-sig" if encoding == "utf-8-sig" else encoding)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load(file: Path, root: Path, reporter: Reporter, max_bytes: int = DEFAULT_MAX_FILE_BYTES,
         name: str | None = None, text: str | None = None) -> SourceFile:
    """Read and parse one file; its `tree` is None (and a diagnostic reported) when it cannot be analysed.
    `name` (from `span_names`) is unique among the files of one compile; the module name is per root."""
    relative = _relative_name(file, root)
    source = SourceFile(name or relative, str(file), _module_name(relative), "", is_package=file.name == "__init__.py",
                        root=str(root))
    if text is not None:  # an editor's buffer, piped in: what the file on disk would say once saved
        source.text = text.replace("\r\n", "\n").replace("\r", "\n")
        source.tree = parse(source, reporter)
        return source
    try:
        status = file.stat()
        if not stat.S_ISREG(status.st_mode):  # a FIFO would block the read, /dev/zero would never end
            reporter.report(unreadable_source.UNREADABLE, Span.whole_file(source.name), reason="not a regular file")
            return source
        size = status.st_size
        if size > max_bytes:
            reporter.report(input_too_large.FILE_SIZE, Span.whole_file(source.name), size=size, limit=max_bytes)
            return source
        text = decode(file.read_bytes())
    except (OSError, ValueError, SyntaxError, LookupError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        reporter.report(unreadable_source.UNREADABLE, Span.whole_file(source.name), reason=reason)
        return source
    source.text = text
    source.tree = parse(source, reporter)
    return source


def parse(source: SourceFile, reporter: Reporter) -> cst.Module | None:
    problem = pre_parse_problem(source.text)
    if problem is not None:
        reporter.report(input_too_large.BEFORE_PARSE, Span.whole_file(source.name), problem=problem)
        return None
    try:
        tree = parse_source(source.text)
    except (cst.ParserSyntaxError, cst.CSTValidationError) as error:  # validation: e.g. an identifier of a
        line, column, message = _syntax_error_position(source.text, error)  # newer Unicode than this Python's
        reporter.report(syntax_error.SYNTAX, Span(source.name, line, column, line, column + 1), message=message)
    except RecursionError:
        reporter.report(input_too_large.PARSER_RECURSION, Span.whole_file(source.name))
    else:
        depth = tree_depth(tree)
        if depth <= MAX_TREE_DEPTH:
            return tree
        reporter.report(input_too_large.TREE_DEPTH, Span.whole_file(source.name), depth=depth, limit=MAX_TREE_DEPTH)
    return None


@functools.lru_cache(maxsize=64)
def parse_source(text: str) -> cst.Module:
    """Parse once per process: LibCST trees are immutable, so the backends (the runner copies code from
    the same modules) share the frontend's trees instead of parsing again."""
    return cst.parse_module(text)


def _syntax_error_position(text: str, error: Exception) -> tuple[int, int, str]:
    """LibCST's native parser reports imprecise positions; CPython's parser (`ast.parse` only parses,
    it never executes) gives the exact place and a clearer message."""
    import ast

    try:
        ast.parse(text)
    except SyntaxError as exact:
        return exact.lineno or 1, max(exact.offset or 1, 1), exact.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    if not isinstance(error, cst.ParserSyntaxError):
        return 1, 1, str(error).strip().splitlines()[0] if str(error).strip() else "invalid syntax"
    message = str(error.message).strip().splitlines()[0] if error.message else "invalid syntax"
    return max(error.raw_line, 1), error.raw_column + 1, message


def _relative_name(file: Path, root: Path) -> str:
    try:
        return Path(os.path.realpath(file)).relative_to(root).as_posix()  # realpath: no error on symlink loops
    except ValueError:
        return file.as_posix()


def _module_name(name: str) -> str:
    parts = name[:-3].split("/") if name.endswith(".py") else name.split("/")
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)
