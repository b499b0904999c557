"""SARIF 2.1.0, as accepted by GitHub code scanning uploads (validated against the official schema in the
tests): URIs relative to the repository root under `uriBaseId` %SRCROOT%, `columnKind`, rule `helpUri`,
and `partialFingerprints` that survive line moves. The rules' documentation comes from the caller (the
catalogue, glacierc/checks/catalogue.py, lies above this layer)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Protocol

import glacierc
from glacierc.diagnostics.gitlab import fingerprint
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.diagnostics.paths import from_root, repository_root
from glacierc.diagnostics.urls import rule_url

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
BASE = "%SRCROOT%"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


class RuleDoc(Protocol):
    """What SARIF says of a rule (`glacierc.checks.rule.Rule` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def what(self) -> str: ...
    @property
    def why(self) -> str: ...
    @property
    def severity(self) -> Severity: ...


def to_sarif(diagnostics: Sequence[Diagnostic], rules: Mapping[str, RuleDoc]) -> dict:
    """The SARIF log of `diagnostics`; `rules` documents every code among them."""
    used = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(used)}
    seen: Counter = Counter()
    results = []
    for d in diagnostics:
        key = (d.code, from_root(d.span.file), d.message)
        seen[key] += 1
        results.append(_result(d, index[d.code], fingerprint(*key, seen[key])))
    root = repository_root(os.getcwd()).replace(os.sep, "/").rstrip("/") + "/"
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "glacierc",
                "version": glacierc.__version__,
                "informationUri": "https://github.com/glacier-pipeline/glacier",
                "rules": [_rule(code, rules[code]) for code in used],
            }},
            "originalUriBaseIds": {BASE: {"uri": "file://" + ("" if root.startswith("/") else "/") + root}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _rule(code: str, rule: RuleDoc) -> dict:
    return {
        "id": code,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.what},
        "helpUri": rule_url(code),
        "help": {"text": f"{rule.what}\n\n{rule.why}", "markdown": f"{rule.what}\n\n{rule.why}"},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
    }


def _location(file: str) -> dict:
    return {"uri": _uri(from_root(file)), "uriBaseId": BASE}


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def _result(d: Diagnostic, rule_index: int, print_: str) -> dict:
    result = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[d.severity],
        "message": {"text": d.message + (f"\nhelp: {d.help}" if d.help else "")},
        "locations": [{"physicalLocation": {"artifactLocation": _location(d.span.file), "region": _region(d.span)}}],
        "partialFingerprints": {"glacierc/v1": print_},
    }
    if d.fix:
        result["fixes"] = [{
            "description": {"text": d.fix.message},
            "artifactChanges": [{
                "artifactLocation": _location(d.span.file),
                "replacements": [{"deletedRegion": _region(e.span), "insertedContent": {"text": e.content}}
                                 for e in d.fix.edits],
            }],
        }]
    return result


def _region(span) -> dict:
    return {"startLine": max(span.line, 1), "startColumn": max(span.column, 1),
            "endLine": max(span.end_line, span.line, 1), "endColumn": max(span.end_column, 1)}
