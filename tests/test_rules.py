"""The documentation of every rule comes from its module: the example and `instead` shown are cases of the
rule (tests/test_rule_cases.py runs them), the page is generated, `glacierc rule` prints the same text."""

from __future__ import annotations

import pytest

from glacierc.checks.catalogue import RULES, rule_text
from glacierc.diagnostics.model import Severity
from tests.rule_cases import run_case

DOCUMENTED = [code for code, rule in sorted(RULES.items()) if rule.example]


@pytest.mark.parametrize("code", DOCUMENTED)
def test_example_and_instead_are_cases_of_the_rule(code):
    rule = RULES[code]
    assert rule.example in [case.source for case in rule.invalid]
    assert not rule.instead or rule.instead in [case.source for case in rule.valid]


@pytest.mark.parametrize("code", [code for code in DOCUMENTED if RULES[code].instead])
def test_use_instead_has_no_errors_at_all(code, tmp_path):
    rule = RULES[code]
    case = next(case for case in rule.valid if case.source == rule.instead)
    assert not [d for d in run_case(case, tmp_path) if d.severity is Severity.ERROR]


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_is_documented(code):
    text = rule_text(code)
    assert "## What it does" in text and "## Why is this bad?" in text
    assert RULES[code].what and RULES[code].why and RULES[code].title


def test_diagnostics_page_is_generated_from_the_catalogue():
    from glacierc.checks.docs import diagnostics_page
    from tests.helpers import ROOT

    page = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert page == diagnostics_page(), "run: python -m glacierc.checks.docs > docs/diagnostics.md"
