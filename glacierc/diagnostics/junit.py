"""JUnit XML: one test suite per checked file, one failing test case per diagnostic, one passing case for a
file without diagnostics (CI dashboards count files checked). User strings are XML-escaped on top of
`printable` (which already removed the control characters XML 1.0 cannot hold)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from glacierc.diagnostics.model import Diagnostic


def to_junit(items: Sequence[Diagnostic], files: Sequence[str]) -> str:
    by_file: dict[str, list[Diagnostic]] = {name: [] for name in files}
    for d in items:
        by_file.setdefault(d.span.file, []).append(d)
    failures = len(items)
    tests = sum(max(len(found), 1) for found in by_file.values())
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<testsuites name="glacierc" tests="{tests}" failures="{failures}" errors="0">']
    for name in sorted(by_file):
        lines += _suite(name, by_file[name])
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"


def _suite(name: str, found: list[Diagnostic]) -> list[str]:
    lines = [f'  <testsuite name={quoteattr(name)} tests="{max(len(found), 1)}" failures="{len(found)}" '
             'errors="0" skipped="0">']
    if not found:
        lines.append(f'    <testcase name="glacierc" classname={quoteattr(name)}/>')
    for d in found:
        where = f"{d.span.file}:{d.span.line}:{d.span.column}"
        text = f"{where}: {d.code} {d.message}" + (f"\nhelp: {d.help}" if d.help else "")
        lines += [f'    <testcase name={quoteattr(f"{d.code} at {where}")} classname={quoteattr(name)} '
                  f'file={quoteattr(d.span.file)} line="{d.span.line}">',
                  f'      <failure message={quoteattr(d.message)} type={quoteattr(d.severity.value)}>'
                  f'{escape(text)}</failure>', "    </testcase>"]
    lines.append("  </testsuite>")
    return lines


def checked_files(display: Mapping[str, str]) -> list[str]:
    return sorted(set(display.values()))
