"""`json` (glacierc's own shape, plus the rule's `url`) and `json-ruff` (ruff's `--output-format json`
shape: `filename`, `location: {row, column}`, `end_location`, `fix.edits`, `noqa_row`, `url`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from glacierc.diagnostics.model import Diagnostic
from glacierc.diagnostics.urls import rule_url


def to_json(items: Sequence[Diagnostic]) -> str:
    return _dump([{**d.to_dict(), "url": rule_url(d.code)} for d in items])


def to_ruff_json(items: Sequence[Diagnostic]) -> str:
    return _dump([_ruff(d) for d in items])


def _ruff(d: Diagnostic) -> dict:
    fix = None
    if d.fix is not None:
        fix = {"applicability": "safe", "message": d.fix.message,
               "edits": [{"content": e.content, "location": _at(e.span.line, e.span.column),
                          "end_location": _at(e.span.end_line, e.span.end_column)} for e in d.fix.edits]}
    return {"cell": None, "code": d.code, "end_location": _at(d.span.end_line, d.span.end_column),
            "filename": d.span.file, "fix": fix, "location": _at(d.span.line, d.span.column),
            "message": d.message, "noqa_row": d.span.line, "severity": d.severity.value, "url": rule_url(d.code)}


def _at(row: int, column: int) -> dict:
    return {"column": column, "row": row}


def _dump(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
