"""`glacierc rule CODE`, `glacierc rule --all` (text or JSON)."""

from __future__ import annotations

import json
import sys

from glacierc.diagnostics.urls import rule_url
from glacierc.errors import UsageError


def rule_command(code: str | None, *, every: bool, fmt: str) -> int:
    from glacierc.checks.catalogue import RULES, rule_text

    if fmt not in ("text", "json"):
        raise UsageError(f"unknown output format `{fmt}`; use text or json")
    every = every or (code or "").lower() == "all"
    if not every and not code:
        raise UsageError("give a CODE, or --all")
    codes = [code.upper()] if code and not every else sorted(RULES)
    if codes[0] not in RULES:
        raise UsageError(f"unknown code `{codes[0]}`; `glacierc rule --all` lists them")
    if fmt == "json":
        items = [_as_dict(RULES[c], rule_text(c)) for c in codes]
        sys.stdout.write(json.dumps(items if every else items[0], indent=2, ensure_ascii=False) + "\n")
    elif every:
        sys.stdout.write("".join(f"{c}  {RULES[c].name:<24} {RULES[c].title}\n" for c in codes))
    else:
        sys.stdout.write(rule_text(codes[0]))
    return 0


def _as_dict(rule, text: str) -> dict:
    return {"code": rule.code, "name": rule.name, "severity": rule.severity.value, "title": rule.title,
            "url": rule_url(rule.code), "explanation": text}
