"""A green `glacierc check` means `build` works: every fixture and example built reports no error or warning
that `check` did not report (the targets' validation runs in both, and with a wheelhouse the measure of the
Lambda packages and layers: tests/fixtures/packages/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from glacierc.diagnostics.model import Severity
from glacierc.driver import build, compile_project

ROOT = Path(__file__).resolve().parent.parent
INPUTS = sorted({*(p.parent for p in (ROOT / "tests" / "fixtures").glob("*/*/*.py")),
                 *(p.parent for p in (ROOT / "examples").glob("*/pipeline.py"))})
SKIP = {"fuzz_regressions", "migrate"}  # inputs of other tools: migrate's old API, the fuzzer's crash cases


def _key(d):
    return (d.code, d.severity, d.message, d.span.file, d.span.line, d.span.column)


@pytest.mark.parametrize("path", [p for p in INPUTS if p.parent.name not in SKIP],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_build_reports_nothing_check_did_not(path: Path, tmp_path: Path) -> None:
    checked = {_key(d) for d in compile_project([path], measure_packages=True).diagnostics}
    built = build([path], tmp_path / "out", check_only=True)
    missing = [k for k in map(_key, built.diagnostics) if k not in checked and k[1] is not Severity.INFO]
    assert not missing, missing



def test_a_wheelhouse_input_is_compared() -> None:
    """GLC415 is measured only with a wheelhouse: the inputs hold a project configuring one, whose check reports
    the error its build stops on, and one below the limit, which both pass."""
    packages = ROOT / "tests" / "fixtures" / "packages"
    assert {packages / "lambda_too_large", packages / "lambda_below_limit"} <= set(INPUTS)
    errors = [d.code for d in compile_project([packages / "lambda_too_large"], measure_packages=True).diagnostics
              if d.severity is Severity.ERROR]
    assert errors == ["GLC415"]
    assert not compile_project([packages / "lambda_below_limit"], measure_packages=True).has_errors
