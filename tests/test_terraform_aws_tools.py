"""The generated AWS Terraform against the real tools: `terraform fmt`, checkov (terraform_tool_checks.py) and
`terraform validate` with the offline hashicorp/aws provider.

`validate` runs once for all AWS root modules together (see `Terraform.validate_together`). It skips with the
reason when terraform or the offline provider mirror is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from terraform_tool_checks import TerraformToolChecks
from terraform_tools import REPO, Terraform, mirror_missing, module_dirs

pytestmark = pytest.mark.slow

FIXTURES = REPO / "tests" / "fixtures" / "terraform_aws"


class TestAwsTerraform(TerraformToolChecks):
    CASES = {"aws_etl": REPO / "examples" / "aws_etl" / "pipeline.py",
             **{p.parent.name: p for p in sorted(FIXTURES.glob("*/pipeline.py"))},
             "orders": REPO / "tests" / "fixtures" / "aws_sfn" / "orders" / "pipeline.py"}
    SKIPS = False

    def test_every_aws_module_validates_with_the_real_provider(self, built: Path, terraform: Terraform) -> None:
        reason = mirror_missing("hashicorp/aws")
        if reason:
            pytest.skip(reason)
        modules = {"_".join(d.relative_to(built).parts): d for d in module_dirs(built) if d.name != "databricks"}
        assert len(modules) == len(self.CASES) + 1  # multi_provider has two
        assert terraform.validate_together(modules, built.parent / f"{built.name}_validate") == []
