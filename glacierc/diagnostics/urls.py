"""Where each rule's documentation is, for the machine formats that link to it (json-ruff, sarif)."""

from __future__ import annotations

DOCS = "https://github.com/glacier-pipeline/glacier/blob/main/docs/diagnostics.md"


def rule_url(code: str) -> str:
    """Where the rule's documentation is (the heading of `code` on the diagnostics page)."""
    return f"{DOCS}#{code.lower()}"
