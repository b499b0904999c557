"""SARIF 2.1.0, as accepted by GitHub code scanning uploads."""

from __future__ import annotations

from collections.abc import Sequence

import glacierc
from glacierc.diagnostics.codes import RULES
from glacierc.diagnostics.model import Diagnostic, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def to_sarif(diagnostics: Sequence[Diagnostic]) -> dict:
    used = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(used)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "glacierc",
                "version": glacierc.__version__,
                "informationUri": "https://github.com/glacier-pipeline/glacier",
                "rules": [_rule(code) for code in used],
            }},
            "results": [_result(d, index[d.code]) for d in diagnostics],
        }],
    }


def _rule(code: str) -> dict:
    rule = RULES[code]
    return {
        "id": code,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.what},
        "help": {"text": f"{rule.what}\n\n{rule.why}", "markdown": f"{rule.what}\n\n{rule.why}"},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
    }


def _result(d: Diagnostic, rule_index: int) -> dict:
    result = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[d.severity],
        "message": {"text": d.message + (f"\nhelp: {d.help}" if d.help else "")},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": d.span.file.replace("\\", "/")},
            "region": _region(d.span),
        }}],
    }
    if d.fix:
        result["fixes"] = [{
            "description": {"text": d.fix.message},
            "artifactChanges": [{
                "artifactLocation": {"uri": d.span.file.replace("\\", "/")},
                "replacements": [{"deletedRegion": _region(e.span), "insertedContent": {"text": e.content}}
                                 for e in d.fix.edits],
            }],
        }]
    return result


def _region(span) -> dict:
    return {"startLine": max(span.line, 1), "startColumn": max(span.column, 1),
            "endLine": max(span.end_line, span.line, 1), "endColumn": max(span.end_column, 1)}
