"""The generated AWS Terraform against the real tools: `terraform fmt`, `terraform validate`, checkov.

Every example and fixture is emitted once into a module-scoped directory. `validate` runs once for
all AWS root modules together (see `Terraform.validate_together`); checkov scans all cases once.
Each test skips with the reason when its tool (or the offline provider mirror) is missing.
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
    emit_pipeline,
    mirror_missing,
    module_dirs,
    terraform_missing,
    undocumented_skips,
    write_files,
)

pytestmark = pytest.mark.slow

FIXTURES = REPO / "tests" / "fixtures" / "terraform_aws"
CASES = {"aws_etl": REPO / "examples" / "aws_etl" / "pipeline.py",
         **{p.parent.name: p for p in sorted(FIXTURES.glob("*/pipeline.py"))},
         "orders": REPO / "tests" / "fixtures" / "aws_sfn" / "orders" / "pipeline.py"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("terraform_aws")
    for case, path in CASES.items():
        files, _, _ = emit_pipeline(path, runner_sources=None)
        write_files(files, root / case)
    return root


@pytest.fixture(scope="module")
def terraform(tmp_path_factory) -> Terraform:
    return Terraform.create(tmp_path_factory.mktemp("terraform_home"))


def test_every_output_is_terraform_fmt_canonical(built: Path, terraform: Terraform) -> None:
    if terraform_missing():
        pytest.skip(terraform_missing())
    assert terraform.fmt_check(built) == ""


def test_every_aws_module_validates_with_the_real_provider(built: Path, terraform: Terraform) -> None:
    reason = mirror_missing("hashicorp/aws")
    if reason:
        pytest.skip(reason)
    modules = {"_".join(d.relative_to(built).parts): d for d in module_dirs(built) if d.name != "databricks"}
    assert len(modules) == len(CASES) + 1  # multi_provider has two
    assert terraform.validate_together(modules, built.parent / f"{built.name}_validate") == []


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
    assert undocumented_skips(built, checkov) == []