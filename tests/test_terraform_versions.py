"""The provider constraints of every generated root module accept the providers' current majors (AWS 5 and 6, so a
root shared with modules pinned to 6.x works), read back from the emitted versions.tf; the AWS one admits the
offline mirror's 5.100 (the validate tests run on it)."""

from __future__ import annotations

import hcl2
import pytest
from hcl2 import SerializationOptions
from packaging.specifiers import SpecifierSet
from terraform_tools import MIRROR, REPO, emit_pipeline

PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
CASES = {  # pipeline -> (provider, versions it must admit, versions it must refuse)
    REPO / "examples" / "aws_etl" / "pipeline.py": ("aws", ("5.70.0", "5.100.0", "6.0.0", "6.25.0"), ("5.69.0", "7.0.0")),
    REPO / "examples" / "gcp_analytics" / "pipeline.py": ("google", ("5.0.0", "5.45.0", "6.50.0"), ("4.85.0", "7.0.0")),
    REPO / "tests" / "fixtures" / "terraform_azure" / "functions_vm" / "pipeline.py":
        ("azurerm", ("4.9.0", "4.40.0"), ("3.117.0", "4.8.0", "5.0.0")),  # storage_account_id on containers: 4.9+
}


def _constraint(versions_tf: str, provider: str) -> SpecifierSet:
    (terraform,) = hcl2.loads(versions_tf, serialization_options=PLAIN)["terraform"]
    (required,) = terraform["required_providers"]
    return SpecifierSet(required[provider]["version"].replace(" ", ""))  # Terraform's `>= a, < b` in PEP 440 form


@pytest.mark.parametrize("pipeline", sorted(CASES), ids=lambda p: p.parent.name)
def test_constraints_admit_the_current_majors(pipeline) -> None:
    provider, admitted, refused = CASES[pipeline]
    files, _, _ = emit_pipeline(pipeline)
    constraint = _constraint(files["terraform/versions.tf"], provider)
    assert [v for v in admitted if v not in constraint] == []
    assert [v for v in refused if v in constraint] == []


def test_the_offline_aws_provider_satisfies_the_constraint() -> None:
    offline = sorted(p.name for p in (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").glob("*"))
    if not offline:
        pytest.skip(f"no hashicorp/aws in the offline mirror {MIRROR}")
    files, _, _ = emit_pipeline(REPO / "examples" / "aws_etl" / "pipeline.py")
    assert [v for v in offline if v in _constraint(files["terraform/versions.tf"], "aws")] == offline
