"""What every cloud's generated Terraform must pass with the real tools, as one base class of tests.

A cloud's test module (tests/test_terraform_<cloud>_tools.py) subclasses `TerraformToolChecks` with its
`CASES` (case name -> pipeline file): every case is emitted once, without packages, into a class-scoped
directory (`built`), `terraform fmt` checks it all, and checkov scans it all at once. Each test skips with
the reason when its tool is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from terraform_tools import (
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


class TerraformToolChecks:
    """The checks; a subclass sets `CASES` (and `SKIPS`: whether its modules carry inline checkov skips)."""

    CASES: ClassVar[dict[str, Path]] = {}
    SKIPS: ClassVar[bool] = True

    @pytest.fixture(scope="class")
    @classmethod
    def built(cls, tmp_path_factory) -> Path:
        root = tmp_path_factory.mktemp("terraform")
        for case, path in cls.CASES.items():
            files, _, _ = emit_pipeline(path, runner_sources=None)
            write_files(files, root / case)
        return root

    @pytest.fixture(scope="class")
    @classmethod
    def terraform(cls, tmp_path_factory) -> Terraform:
        return Terraform.create(tmp_path_factory.mktemp("terraform_home"))

    @pytest.fixture(scope="class")
    @classmethod
    def checkov(cls, built: Path) -> list[dict]:
        if checkov_missing():
            pytest.skip(checkov_missing())
        return checkov_report(built, quiet=False)

    def test_every_output_is_terraform_fmt_canonical(self, built: Path, terraform: Terraform) -> None:
        if terraform_missing():
            pytest.skip(terraform_missing())
        assert terraform.fmt_check(built) == ""

    def test_checkov_reports_no_failed_check(self, built: Path, checkov: list[dict]) -> None:
        assert checkov_failures(built, report=checkov) == []
        scanned = {c["file_path"].split("/")[1] for run in checkov for c in run["results"]["passed_checks"]}
        assert scanned == set(self.CASES)

    def test_every_checkov_skip_is_documented(self, built: Path, checkov: list[dict]) -> None:
        if self.SKIPS:
            assert checkov_skips(built, report=checkov)
        assert undocumented_skips(built, checkov) == []
