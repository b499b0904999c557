"""The rule catalogue, derived from the rule modules (`glacierc/checks/glcNNN_<name>.py`): code -> `Rule`,
and the documentation `glacierc rule CODE` prints.

Each module holds its code, severity, title, documentation and VALID / INVALID cases; the test suite runs
every case, so the documentation can never drift from the behaviour.
"""

from __future__ import annotations

from glacierc.checks.registry import rule_modules
from glacierc.checks.rule import Rule, rule_of

__all__ = ["RULES", "Rule", "rule_text"]

RULES: dict[str, Rule] = {rule.code: rule for rule in sorted(map(rule_of, rule_modules()), key=lambda r: r.code)}


def rule_text(code: str) -> str:
    """The documentation of one code, as `glacierc rule CODE` prints it (Markdown)."""
    rule = RULES[code]
    parts = [f"# {rule.code} ({rule.name}): {rule.title}", "", f"Default severity: {rule.severity.value}",
             "", "## What it does", rule.what, "", "## Why is this bad?", rule.why]
    if rule.example:
        parts += ["", "## Example", "```python", rule.example.rstrip(), "```"]
    if rule.instead:
        parts += ["", "## Use instead", "```python", rule.instead.rstrip(), "```"]
    return "\n".join(parts) + "\n"
