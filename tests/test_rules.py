"""Every rule's documented example triggers it and its `instead` does not (docs cannot drift)."""

from __future__ import annotations

import pytest

from glacierc.diagnostics.codes import RULES, rule_text
from glacierc.diagnostics.model import Severity
from glacierc.driver import compile_project

DOCUMENTED = [code for code, rule in sorted(RULES.items()) if rule.example]


def _diagnostics(tmp_path, source):
    path = tmp_path / "pipeline.py"
    path.write_text(source, encoding="utf-8")
    return compile_project([str(path)]).diagnostics


@pytest.mark.parametrize("code", DOCUMENTED)
def test_example_triggers_the_rule(code, tmp_path):
    assert code in {d.code for d in _diagnostics(tmp_path, RULES[code].example)}


@pytest.mark.parametrize("code", DOCUMENTED)
def test_use_instead_is_clean(code, tmp_path):
    found = _diagnostics(tmp_path, RULES[code].instead)
    assert code not in {d.code for d in found}
    assert not [d for d in found if d.severity is Severity.ERROR]


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_is_documented(code):
    text = rule_text(code)
    assert "## What it does" in text and "## Why is this bad?" in text
    assert RULES[code].what and RULES[code].why


def test_diagnostics_page_is_generated_from_the_catalogue():
    from glacierc.diagnostics.docs import diagnostics_page
    from tests.helpers import ROOT

    page = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert page == diagnostics_page(), "run: python -m glacierc.diagnostics.docs > docs/diagnostics.md"
