"""The generated GCP Terraform against the real tools: `terraform fmt` and checkov (terraform_tool_checks.py).

There is no offline hashicorp/google provider, so `terraform validate` cannot run; the structure is
asserted with python-hcl2 in the other gcp tests.
"""

from __future__ import annotations

import pytest
from terraform_tool_checks import TerraformToolChecks
from terraform_tools import REPO

pytestmark = pytest.mark.slow

FIXTURES = REPO / "tests" / "fixtures" / "terraform_gcp"


class TestGcpTerraform(TerraformToolChecks):
    CASES = {"gcp_analytics": REPO / "examples" / "gcp_analytics" / "pipeline.py",
             **{p.parent.name: p for p in sorted(FIXTURES.glob("*/pipeline.py"))}}
