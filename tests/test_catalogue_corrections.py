"""Catalogue corrections found by trying the design documents' spellings: choices without case
(emitted in Terraform's canonical form), plan-dependent limits, GCP regions and Azure locations —
judged the same way by the library and by `glacierc check`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from glacier import config as gc
from glacierc.driver import compile_project

AZURE = 'Provider(config=AzureConfig(subscription_id="00000000-0000-0000-0000-000000000000", {args}))'
GCP = 'Provider(config=GcpConfig(project_id="acme-data", {args}))'


def _compile(tmp_path: Path, provider: str, body: str):
    path = tmp_path / "pipeline.py"
    path.write_text(textwrap.dedent(f"""\
        from glacier import Provider, pipeline
        from glacier.config import *

        provider = {provider}
        """) + textwrap.dedent(body))
    return compile_project([path])


def _errors(result) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in result.diagnostics if d.severity.value == "error"]


def test_a_tier_in_any_case_is_accepted_and_emitted_canonically(tmp_path: Path) -> None:
    result = _compile(tmp_path, AZURE.format(args='location="eastus"'), """\
        data = provider.bucket(bucket="acme-data", path="x.parquet", config=AzureBlobConfig(tier="hot", replication="grs"))
        """)
    assert _errors(result) == []
    config = dict(result.project.storage[0].config.fields)
    assert (config["tier"], config["replication"]) == ("Hot", "GRS")
    assert gc.AzureBlobConfig(tier="cOOl").tier == "Cool"


def test_an_azure_display_name_location_is_the_resource_manager_name(tmp_path: Path) -> None:
    result = _compile(tmp_path, AZURE.format(args='location="West Europe"'), "")
    assert _errors(result) == []
    assert dict(result.project.providers[0].config.fields)["location"] == "westeurope"


@pytest.mark.parametrize(("plan", "timeout", "refused"), [
    ("Y1", 600, False), ("Y1", 601, True), ("EP1", 1800, False), ("ep2", 7200, False),
])
def test_the_timeout_limit_depends_on_the_plan(tmp_path: Path, plan: str, timeout: int, refused: bool) -> None:
    result = _compile(tmp_path, AZURE.format(args='location="eastus"'), f"""\
        fn = provider.serverless(config=AzureFunctionConfig(plan="{plan}", timeout={timeout}))
        """)
    codes = [code for code, _ in _errors(result)]
    assert codes == (["GLC302"] if refused else [])
    try:
        gc.AzureFunctionConfig(plan=plan, timeout=timeout)
    except ValueError as error:
        assert refused and "Consumption plan" in str(error)
        assert _errors(result)[0][1] == str(error)
    else:
        assert not refused


@pytest.mark.parametrize(("region", "ok"), [("europe-west10", True), ("US-CENTRAL1", True), ("mars-north1", False)])
def test_gcp_regions_are_checked(tmp_path: Path, region: str, ok: bool) -> None:
    result = _compile(tmp_path, GCP.format(args=f'region="{region}"'), "")
    assert [code for code, _ in _errors(result)] == ([] if ok else ["GLC302"])


@pytest.mark.parametrize(("location", "ok"), [("swedencentral", True), ("East US 2", True), ("atlantis", False)])
def test_azure_locations_are_checked(tmp_path: Path, location: str, ok: bool) -> None:
    result = _compile(tmp_path, AZURE.format(args=f'location="{location}"'), "")
    assert [code for code, _ in _errors(result)] == ([] if ok else ["GLC302"])


def test_a_one_worker_dataproc_cluster_is_an_error_in_check(tmp_path: Path) -> None:
    result = _compile(tmp_path, GCP.format(args='region="us-central1"'), """\
        spark = provider.cluster(config=DataprocConfig(num_workers=1))
        """)
    assert [code for code, _ in _errors(result)] == ["GLC302"]
    with pytest.raises(ValueError, match="at least 2"):
        gc.DataprocConfig(num_workers=1)
