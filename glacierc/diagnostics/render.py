"""Diagnostics as users see them: full (rustc/ruff style), concise, json, json-ruff, sarif (2.1.0), github,
gitlab (code quality), junit. Every user string goes through `printable` first, whatever the format."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from glacierc.diagnostics.model import Diagnostic, Severity

if TYPE_CHECKING:
    from glacierc.diagnostics.sarif import RuleDoc

FORMATS = ("full", "concise", "json", "json-ruff", "sarif", "github", "gitlab", "junit")
#: The formats that document the rules they report: `render` needs the catalogue's `rules` for them.
RULE_FORMATS = ("sarif",)

#: What must never reach a terminal or a CI log raw: C0 and C1 controls (ESC starts ANSI sequences, CR and LF
#: start a new log line, hence a new `::workflow-command::`), DEL, line and paragraph separators, bidi
#: embeddings, overrides and isolates (they reorder what a reader sees) and lone surrogates (not encodable).
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with every character of `_UNPRINTABLE` written as a Python escape (`\\x1b`, `\\u202e`); the
    one function every user string (messages, help, file names) passes through before it is shown."""
    return _UNPRINTABLE.sub(_escape_char, text)


def _escape_char(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def render(fmt: str, diagnostics: Sequence[Diagnostic], texts: Mapping[str, str], display: Mapping[str, str],
           *, color: bool = False, quiet: bool = False, rules: Mapping[str, RuleDoc] | None = None) -> str:
    """The report in format `fmt` (one of FORMATS); `quiet` drops the summary line of `full`/`concise`;
    `rules` (code -> its documentation, e.g. glacierc.checks.catalogue.RULES) is needed by RULE_FORMATS."""
    items = [_displayed(d, display) for d in diagnostics]
    if fmt in RULE_FORMATS:
        if rules is None:
            raise ValueError(f"rendering {fmt} needs the rules' documentation (`rules=`)")
        return _sarif(items, rules)
    if fmt in _MACHINE:
        return _MACHINE[fmt](items, display)
    tail = "" if quiet else summary(items)
    if fmt == "concise":
        return "".join(concise_line(d) + "\n" for d in items) + tail
    by_display = {display.get(name, name): text for name, text in texts.items()}
    return "".join(full_block(d, by_display.get(d.span.file), color) for d in items) + tail


def _json(items, display) -> str:
    from glacierc.diagnostics.json_formats import to_json

    return to_json(items)


def _ruff_json(items, display) -> str:
    from glacierc.diagnostics.json_formats import to_ruff_json

    return to_ruff_json(items)


def _sarif(items, rules: Mapping[str, RuleDoc]) -> str:
    from glacierc.diagnostics.sarif import to_sarif

    return json.dumps(to_sarif(items, rules), indent=2, ensure_ascii=False) + "\n"


def _github(items, display) -> str:
    return "".join(github_line(d) + "\n" for d in items)


def _gitlab(items, display) -> str:
    from glacierc.diagnostics.gitlab import to_gitlab

    return to_gitlab(items)


def _junit(items, display) -> str:
    from glacierc.diagnostics.junit import to_junit

    return to_junit(items, sorted({printable(shown) for shown in display.values()}))


_MACHINE = {"json": _json, "json-ruff": _ruff_json, "github": _github, "gitlab": _gitlab, "junit": _junit}


def _displayed(diagnostic: Diagnostic, display: Mapping[str, str]) -> Diagnostic:
    """File names as the user gave them (the IR keeps project-relative names), in the fix too, and every
    user string made `printable` (the fix's edit contents are code, applied by `--fix`, kept as they are)."""
    from dataclasses import replace

    def shown(file: str) -> str:
        return printable(display.get(file) or file)

    fix = diagnostic.fix
    if fix is not None:
        edits = tuple(replace(e, span=replace(e.span, file=shown(e.span.file))) for e in fix.edits)
        fix = replace(fix, message=printable(fix.message), edits=edits)
    return replace(diagnostic, message=printable(diagnostic.message), span=replace(diagnostic.span,
                   file=shown(diagnostic.span.file)), help=printable(diagnostic.help) if diagnostic.help else None,
                   fix=fix)


def concise_line(d: Diagnostic) -> str:
    return f"{d.span.file}:{d.span.line}:{d.span.column}: {d.code} {d.message}"


def full_block(d: Diagnostic, text: str | None, color: bool = False) -> str:
    paint = _painter(color)
    head = paint(f"{d.severity.value}[{d.code}]", _SEVERITY_COLOR[d.severity]) + paint(f": {d.message}", "1")
    lines = [head, f"  {paint('-->', '34')} {d.span.file}:{d.span.line}:{d.span.column}"]
    lines += _snippet(d, text, paint)
    if d.help:
        lines.append(f"  {paint('= help:', '36')} {d.help}")
    if d.fix:
        lines.append(f"  {paint('= fix:', '32')} {d.fix.message} (apply with `glacierc check --fix`)")
    return "\n".join(lines) + "\n\n"


def _snippet(d: Diagnostic, text: str | None, paint) -> list[str]:
    source_lines = text.split("\n") if text is not None else []
    if not 1 <= d.span.line <= len(source_lines):
        return []
    line = source_lines[d.span.line - 1].replace("\t", "    ").rstrip()
    if len(line) > 200:
        line = line[:200] + " ..."
    gutter = " " * len(str(d.span.line))
    start = max(d.span.column - 1, 0)
    end = d.span.end_column - 1 if d.span.end_line == d.span.line else len(line)
    end = len(printable(line[:end]))
    start, line = len(printable(line[:start])), printable(line)  # escapes widen the text before the carets
    carets = "^" * max(1, min(end, len(line)) - start)
    return [f"{gutter} {paint('|', '34')}", f"{paint(str(d.span.line), '34')} {paint('|', '34')} {line}",
            f"{gutter} {paint('|', '34')} {' ' * start}{paint(carets, _SEVERITY_COLOR[d.severity])}"]


def summary(items: Sequence[Diagnostic]) -> str:
    errors = sum(d.severity is Severity.ERROR for d in items)
    warnings = sum(d.severity is Severity.WARNING for d in items)
    if not items:
        return "All checks passed.\n"
    return f"Found {errors} error{'s' * (errors != 1)} and {warnings} warning{'s' * (warnings != 1)}.\n"


def github_line(d: Diagnostic) -> str:
    """A workflow command; the file relative to the repository root (annotations need it so)."""
    from glacierc.diagnostics.paths import from_root

    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}[d.severity]
    props = (f"file={_escape_property(from_root(d.span.file))},line={d.span.line},col={d.span.column},"
             f"endLine={d.span.end_line},endColumn={d.span.end_column},title={_escape_property(d.code)}")
    return f"::{level} {props}::{_escape_data(f'{d.code} {d.message}')}"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


_SEVERITY_COLOR = {Severity.ERROR: "1;31", Severity.WARNING: "1;33", Severity.INFO: "1;36"}


def _painter(color: bool):
    if not color:
        return lambda text, code: text
    return lambda text, code: f"\x1b[{code}m{text}\x1b[0m"
