"""Which diagnostics are reported: rule selection per file (settings), and `noqa` comments.

`# noqa` / `# noqa: GLC204` at the end of a line suppresses that line's diagnostics (all, or the codes
named); `# glacierc: noqa` / `# glacierc: noqa: GLC204` on a line of its own suppresses them in the whole
file. A comment naming a GLC code that does not exist fails closed (exit 2), as `--select` does; codes of
other tools (`# noqa: F401`) are theirs and are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from glacierc.diagnostics.model import Diagnostic
from glacierc.settings import Settings, starts

_CODES = r"(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)"
_NOQA = re.compile(r"#\s*noqa(?::\s*" + _CODES + ")?", re.IGNORECASE)
_FILE_NOQA = re.compile(r"^[ \t]*#[ \t]*glacierc:[ \t]*noqa(?::[ \t]*" + _CODES + r")?[ \t]*$",
                        re.IGNORECASE | re.MULTILINE)


class Shown(NamedTuple):
    """A file as suppression reads it: its name in spans, its path as the user gave it, its text."""

    name: str
    display: str
    text: str


def reported(diagnostics: Iterable[Diagnostic], sources, settings) -> tuple[Diagnostic, ...]:
    """`diagnostics` less those the settings of their file disable or a `noqa` comment suppresses."""
    texts = {s.name: s.text for s in sources}
    displays = {s.name: s.display for s in sources}
    check_noqa_codes(sources)
    whole_file = {s.name: file_suppressions(s.text) for s in sources if "noqa" in s.text.lower()}
    kept = []
    for diagnostic in diagnostics:
        path = displays.get(diagnostic.span.file, diagnostic.span.file)
        chosen = settings.for_file(path)
        if not chosen.enabled(diagnostic.code) or ignored_in_file(chosen, diagnostic.code, path):
            continue
        codes = whole_file.get(diagnostic.span.file)
        if codes is not None and (codes == "all" or diagnostic.code in codes):
            continue
        if not _suppressed_on_line(diagnostic, texts):
            kept.append(diagnostic)
    return tuple(kept)


def ignored_in_file(settings: Settings, code: str, file: str) -> bool:
    """Whether `per-file-ignores` turn `code` off in `file` (an absolute or working-directory-relative path):
    a glob matches the path relative to the configuration's directory, or the file's name."""
    from glacierc.frontend.globs import matches

    relative = settings.relative(file)
    return any(starts(code, codes) and (matches(glob, relative) or matches(glob, relative.rsplit("/", 1)[-1]))
               for glob, codes in settings.per_file_ignores)


def file_suppressions(text: str) -> str | frozenset[str] | None:
    """`all` for a bare `# glacierc: noqa`, else the codes the file-level comments name (None: none)."""
    codes: set[str] = set()
    for match in _FILE_NOQA.finditer(text):
        if match.group("codes") is None:
            return "all"
        codes.update(_split(match.group("codes")))
    return frozenset(codes) if codes else None


def _split(codes: str) -> list[str]:
    return [c for c in re.split(r"[,\s]+", codes.upper()) if c]


def check_noqa_codes(sources) -> None:
    """Raise ConfigurationError for a `noqa` comment naming an unknown GLC code."""
    from glacierc.checks.catalogue import RULES
    from glacierc.diagnostics.render import printable
    from glacierc.errors import ConfigurationError

    for source in sources:
        if "noqa" not in source.text.lower():
            continue
        for match in (*_NOQA.finditer(source.text), *_FILE_NOQA.finditer(source.text)):
            unknown = [c for c in _split(match.group("codes") or "") if c.startswith("GLC") and c not in RULES]
            if unknown:
                line = source.text.count("\n", 0, match.start()) + 1
                raise ConfigurationError(f"{printable(source.display)}:{line}: `# noqa: {unknown[0]}` names an "
                                         "unknown code (`glacierc rule all` lists them)")


def _suppressed_on_line(diagnostic: Diagnostic, texts: dict[str, str]) -> bool:
    text = texts.get(diagnostic.span.file)
    if text is None:
        return False
    lines = text.split("\n")
    index = diagnostic.span.line - 1
    if not 0 <= index < len(lines):
        return False
    match = _NOQA.search(lines[index])
    if match is None or _FILE_NOQA.match(lines[index]):
        return False
    codes = match.group("codes")
    return codes is None or diagnostic.code in _split(codes)
