"""The generated Azure Terraform against the real tools: `terraform fmt` and checkov.

There is no offline hashicorp/azurerm provider, so `terraform validate` cannot run; the structure is
asserted with python-hcl2 in the other azure tests. Every case is emitted once into a module-scoped
directory and checkov scans them all at once. Each test skips with the reason when its tool is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from terraform_tools import (
    REPO,
    Terraform,
    checkov_failures,
    checkov_missing,
    checkov_report,
    checkov_skips,
    emit_pipeline,
    terraform_missing,
    undocumented_skips,
    write_files,
)

pytestmark = pytest.mark.slow

FIXTURES = REPO / "tests" / "fixtures" / "terraform_azure"
CASES = {**{p.parent.name: p for p in sorted(FIXTURES.glob("*/pipeline.py"))},
         **{f"durable_{p.parent.name}": p for p in sorted((FIXTURES.parent / "azure_durable").glob("*/pipeline.py"))}}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("terraform_azure")
    for case, path in CASES.items():
        files, _, _ = emit_pipeline(path, runner_sources=None)
        write_files(files, root / case)
    return root


def test_every_output_is_terraform_fmt_canonical(built: Path, tmp_path_factory) -> None:
    if terraform_missing():
        pytest.skip(terraform_missing())
    assert Terraform.create(tmp_path_factory.mktemp("terraform_home")).fmt_check(built) == ""


@pytest.fixture(scope="module")
def checkov(built: Path) -> list[dict]:
    if checkov_missing():
        pytest.skip(checkov_missing())
    return checkov_report(built, quiet=False)


def test_checkov_reports_no_failed_check(built: Path, checkov: list[dict]) -> None:
    assert checkov_failures(built, report=checkov) == []
    scanned = {c["file_path"].split("/")[1] for run in checkov for c in run["results"]["passed_checks"]}
    assert scanned == set(CASES)


def test_every_checkov_skip_is_documented(built: Path, checkov: list[dict]) -> None:
    assert checkov_skips(built, report=checkov)
    assert undocumented_skips(built, checkov) == []