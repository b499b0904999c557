"""The generated Azure Terraform against the real tools: `terraform fmt` and checkov (terraform_tool_checks.py).

There is no offline hashicorp/azurerm provider, so `terraform validate` cannot run; the structure is
asserted with python-hcl2 in the other azure tests.
"""

from __future__ import annotations

import pytest
from terraform_tool_checks import TerraformToolChecks
from terraform_tools import REPO

pytestmark = pytest.mark.slow

FIXTURES = REPO / "tests" / "fixtures" / "terraform_azure"
DURABLE = REPO / "tests" / "fixtures" / "azure_durable"


class TestAzureTerraform(TerraformToolChecks):
    CASES = {**{p.parent.name: p for p in sorted(FIXTURES.glob("*/pipeline.py"))},
             **{f"durable_{p.parent.name}": p for p in sorted(DURABLE.glob("*/pipeline.py"))}}
