"""Security settings of the GCP and Azure targets are constants in Python, and every generated resource of
their kind carries them (read back from the emitted files with python-hcl2)."""

from __future__ import annotations

import functools
from pathlib import Path

import hcl2
import pytest
from hcl2 import SerializationOptions
from terraform_tools import REPO, emit_pipeline

from glacierc.backends.terraform import azure_compute_blocks as azure_compute
from glacierc.backends.terraform import azure_storage, gcp_storage
from glacierc.backends.terraform import gcp_compute_blocks as gcp_compute

PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
GCP = [REPO / "examples" / "gcp_analytics" / "pipeline.py",
       *sorted((REPO / "tests" / "fixtures" / "terraform_gcp").glob("*/pipeline.py"))]
AZURE = sorted((REPO / "tests" / "fixtures" / "terraform_azure").glob("*/pipeline.py"))


@functools.cache
def _resources(paths: tuple[Path, ...], kind: str) -> list[dict]:
    found = []
    for path in paths:
        files, _, _ = emit_pipeline(path)
        for name, text in sorted(files.items()):
            if name.endswith(".tf"):
                for item in hcl2.loads(text, serialization_options=PLAIN).get("resource", []):
                    found.extend(item.get(kind, {}).values())
    assert found, f"no {kind} in the fixtures"
    return found


def _one(value):
    """python-hcl2 reads a nested block as a list of one dict."""
    return value[0] if isinstance(value, list) else value


def test_gcp_settings() -> None:
    assert dict(gcp_storage.BUCKET_SECURITY) == {"uniform_bucket_level_access": True,
                                                 "public_access_prevention": "enforced"}
    assert all(value is True for _, value in gcp_compute.SHIELDED_VM) and len(gcp_compute.SHIELDED_VM) == 3
    assert gcp_compute.FUNCTION_CONCURRENCY == 1


def test_every_gcp_bucket_is_private_and_uniform() -> None:
    for bucket in _resources(tuple(GCP), "google_storage_bucket"):
        assert {k: bucket[k] for k, _ in gcp_storage.BUCKET_SECURITY} == dict(gcp_storage.BUCKET_SECURITY)


def test_every_gcp_cluster_is_shielded() -> None:
    shielded = dict(gcp_compute.SHIELDED_VM)
    for cluster in _resources(tuple(GCP), "google_dataproc_cluster"):
        gce = _one(_one(cluster["cluster_config"])["gce_cluster_config"])
        assert _one(gce["shielded_instance_config"]) == shielded and gce["internal_ip_only"] is True


def test_azure_settings() -> None:
    assert dict(azure_storage.ACCOUNT_SECURITY) == {"https_traffic_only_enabled": True, "min_tls_version": "TLS1_2",
                                                    "allow_nested_items_to_be_public": False}
    assert dict(azure_compute.SITE_SECURITY)["minimum_tls_version"] == "1.2"
    assert dict(azure_compute.SITE_SECURITY)["ftps_state"] == "Disabled"
    assert dict(azure_compute.VM_SECURITY) == {"disable_password_authentication": True}
    assert dict(azure_compute.HDINSIGHT_SECURITY)["encryption_in_transit_enabled"] is True


@pytest.mark.parametrize("kind, settings", [
    ("azurerm_storage_account", azure_storage.ACCOUNT_SECURITY + azure_storage.ACCOUNT_SIGN_IN),
    ("azurerm_linux_function_app", azure_compute.APP_SECURITY),
    ("azurerm_linux_virtual_machine", azure_compute.VM_SECURITY),
    ("azurerm_hdinsight_spark_cluster", azure_compute.HDINSIGHT_SECURITY),
])
def test_every_azure_resource_carries_its_settings(kind: str, settings: tuple) -> None:
    for resource in _resources(tuple(AZURE), kind):
        assert {k: resource[k] for k, _ in settings} == dict(settings)
        if kind == "azurerm_linux_function_app":
            site = _one(resource["site_config"])
            assert {k: site[k] for k, _ in azure_compute.SITE_SECURITY} == dict(azure_compute.SITE_SECURITY)
        if kind == "azurerm_storage_account":
            assert _one(resource["sas_policy"])["expiration_period"] == azure_storage.SAS_EXPIRATION
