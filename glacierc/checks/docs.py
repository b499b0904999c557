"""Generate docs/diagnostics.md from the rule catalogue: `python -m glacierc.checks.docs`."""

from __future__ import annotations

import sys

from glacierc.checks.catalogue import RULES, rule_text


def diagnostics_page() -> str:
    head = ["# Diagnostic codes", "",
            "Every code `glacierc` reports, generated from its rule module `glacierc/checks/glcNNN_<name>.py` "
            "(`python -m glacierc.checks.docs > docs/diagnostics.md`). `glacierc rule CODE` prints the same text.",
            "Codes keep their meaning forever; new codes are added, never reused.", "",
            "| code | name | severity | summary |", "| --- | --- | --- | --- |"]
    head += [f"| [{r.code}](#{r.code.lower()}) | {r.name} | {r.severity.value} | {r.title} |"
             for r in sorted(RULES.values(), key=lambda r: r.code)]
    body = [rule_text(code).replace(f"# {code} ", f"## {code}\n\n**", 1).replace("\n\nDefault", "**\n\nDefault", 1)
            .replace("\n## ", "\n### ") for code in sorted(RULES)]
    return "\n".join(head) + "\n\n" + "\n".join(body)


if __name__ == "__main__":
    sys.stdout.write(diagnostics_page())
