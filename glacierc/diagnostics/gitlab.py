"""GitLab code quality report (a JSON list, `artifacts:reports:codequality`): paths relative to the
repository root, a fingerprint stable across line moves (code, path, message and occurrence, not the line)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence

from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.diagnostics.paths import from_root

_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def to_gitlab(items: Sequence[Diagnostic]) -> str:
    seen: Counter = Counter()
    issues = []
    for d in items:
        path = from_root(d.span.file)
        seen[(d.code, path, d.message)] += 1
        issues.append({
            "check_name": d.code,
            "description": f"{d.code} {d.message}",
            "fingerprint": fingerprint(d.code, path, d.message, seen[(d.code, path, d.message)]),
            "location": {"path": path, "lines": {"begin": max(d.span.line, 1),
                                                 "end": max(d.span.end_line, d.span.line, 1)}},
            "severity": _SEVERITY[d.severity],
            "type": "issue",
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def fingerprint(code: str, path: str, message: str, occurrence: int) -> str:
    return hashlib.sha256(f"{code}\0{path}\0{message}\0{occurrence}".encode("utf-8", "surrogatepass")).hexdigest()
