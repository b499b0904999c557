"""What the Azure Terraform backend emits: every file snapshotted, diagnostics, hardening, packages."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import types
import zipfile
from pathlib import Path

import pytest
from azure_durable import load_app, registered
from terraform_tools import REPO, assert_files_match_snapshots, emit_pipeline, emitted_once, emitted_resources

from glacierc.backends.terraform.azure_package import host_json

FIXTURES = REPO / "tests" / "fixtures" / "terraform_azure"
CASES = {p.parent.name: p for p in sorted(FIXTURES.glob("*/pipeline.py"))}
RUNNER = "def run_node(node, event):\n    return {'ran': node, 'event': event}\n"


@pytest.mark.parametrize("case", sorted(CASES))
def test_emitted_files(case: str, snapshot) -> None:
    files, _, diagnostics = emitted_once(CASES[case])
    assert [f"{d.code} {d.severity.value} {d.message}" for d in diagnostics] == snapshot(name="diagnostics")
    assert_files_match_snapshots(files, snapshot)


def test_storage_accounts_are_hardened() -> None:
    for case, path in CASES.items():
        files, _, _ = emitted_once(path)
        for label, account in emitted_resources(files, "azurerm_storage_account").items():
            assert account["min_tls_version"] == "TLS1_2", (case, label)
            assert account["https_traffic_only_enabled"] is True, (case, label)
            assert account["allow_nested_items_to_be_public"] is False, (case, label)
            assert account["shared_access_key_enabled"] is (label == "glacier_functions"), (case, label)
            retention = account["blob_properties"][0]["delete_retention_policy"][0]["days"]
            assert retention == 7, (case, label)
        for label, container in emitted_resources(files, "azurerm_storage_container").items():
            assert container["container_access_type"] == "private", (case, label)
    data = emitted_resources(emitted_once(CASES["functions_vm"])[0], "azurerm_storage_account")["glacier_data"]
    assert data["account_replication_type"] == "ZRS" and data["infrastructure_encryption_enabled"] is True
    assert data["blob_properties"][0]["versioning_enabled"] is True


def test_tiers_and_lifecycle_rules_become_a_management_policy() -> None:
    files, _, _ = emitted_once(CASES["functions_vm"])
    policy = emitted_resources(files, "azurerm_storage_management_policy")["glacier_data"]
    rules = {r["filters"][0]["prefix_match"][0]: r["actions"][0] for r in policy["rule"]}
    assert rules["sales-raw/orders/"] == {
        "base_blob": [{"tier_to_cool_after_days_since_modification_greater_than": 30,
                       "delete_after_days_since_modification_greater_than": 365}],
        "version": [{"delete_after_days_since_creation": 365}]}
    assert rules["sales-archive/orders/"]["base_blob"] == [
        {"tier_to_archive_after_days_since_modification_greater_than": 0}]
    assert rules["sales-reports/daily/report.parquet"]["base_blob"] == [
        {"tier_to_cool_after_days_since_modification_greater_than": 0}]


def test_function_app_follows_the_config() -> None:
    files, _, _ = emitted_once(CASES["functions_vm"])
    plan = emitted_resources(files, "azurerm_service_plan")["functions"]
    assert (plan["os_type"], plan["sku_name"]) == ("Linux", "EP1")
    app = emitted_resources(files, "azurerm_linux_function_app")["functions"]
    assert app["https_only"] is True and app["zip_deploy_file"] == "${path.module}/functions/functions.zip"
    assert app["identity"][0] == {"type": "UserAssigned",
                                  "identity_ids": ["${azurerm_user_assigned_identity.functions.id}"]}
    site = app["site_config"][0]
    assert site["minimum_tls_version"] == "1.2" and site["ftps_state"] == "Disabled"
    assert site["application_stack"][0]["python_version"] == "3.12"
    package = zipfile.ZipFile(io.BytesIO(files["terraform/functions/functions.zip"]))
    # clean has timeout=300, enrich none: the app keeps the config's 600 s.
    assert json.loads(package.read("host.json")) == {
        "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5.0.0)"},
        "extensions": {"durableTask": {"maxConcurrentActivityFunctions": 1}},
        "functionTimeout": "00:10:00", "version": "2.0"}


def test_host_json_timeout() -> None:
    assert json.loads(host_json(300))["functionTimeout"] == "00:05:00"
    assert json.loads(host_json(3725))["functionTimeout"] == "01:02:05"


def test_vms_have_no_password_no_public_ip_and_encrypted_disks() -> None:
    files, _, _ = emitted_once(CASES["functions_vm"])
    vms = emitted_resources(files, "azurerm_linux_virtual_machine")
    assert set(vms) == {"publish", "store"}
    for vm in vms.values():
        assert vm["disable_password_authentication"] is True
        assert vm["admin_ssh_key"][0]["public_key"] == "${var.ssh_public_key}"
        assert vm["encryption_at_host_enabled"] == "${var.vm_encryption_at_host}"
        assert vm["secure_boot_enabled"] is True and vm["vtpm_enabled"] is True
    assert vms["store"]["size"] == "Standard_D4s_v5" and vms["store"]["os_disk"][0]["disk_size_gb"] == 64
    assert vms["publish"]["admin_username"] == "ops"
    nics = emitted_resources(files, "azurerm_network_interface")
    assert "public_ip_address_id" not in nics["store"]["ip_configuration"][0]
    assert nics["publish"]["ip_configuration"][0]["public_ip_address_id"] == "${azurerm_public_ip.publish.id}"
    assert set(emitted_resources(files, "azurerm_public_ip")) == {"publish"}


def test_hdinsight_and_databricks() -> None:
    files, _, diagnostics = emitted_once(CASES["spark_databricks"])
    cluster = emitted_resources(files, "azurerm_hdinsight_spark_cluster")["spark"]
    assert (cluster["cluster_version"], cluster["component_version"][0]["spark"]) == ("5.1", "3.3")
    assert cluster["tls_min_version"] == "1.2" and cluster["encryption_in_transit_enabled"] is True
    assert cluster["roles"][0]["worker_node"][0]["target_instance_count"] == 4
    assert cluster["roles"][0]["worker_node"][0]["vm_size"] == "Standard_E16_V3"
    storage = cluster["storage_account_gen2"][0]
    assert storage["managed_identity_resource_id"] == "${azurerm_user_assigned_identity.spark.id}"
    account = emitted_resources(files, "azurerm_storage_account")["glacier_hdinsight"]
    assert account["is_hns_enabled"] is True
    workspace = emitted_resources(files, "azurerm_databricks_workspace")["notebooks"]
    assert workspace["sku"] == "premium" and workspace["custom_parameters"][0]["no_public_ip"] is True
    connector = emitted_resources(files, "azurerm_databricks_access_connector")["notebooks"]
    assert connector["identity"][0]["identity_ids"] == ["${azurerm_user_assigned_identity.notebooks.id}"]
    messages = {(d.code, d.severity.value): d.message for d in diagnostics}
    assert sorted(messages) == [("GLC409", "info")]  # no pipeline of it is orchestrated: no run, no provider
    assert "databricks" not in files["terraform/versions.tf"]
    assert "no orchestration on Azure" in messages[("GLC409", "info")]
    assert 'data "azurerm_resource_group" "glacier"' in files["terraform/providers.tf"]


def test_what_azure_cannot_express_is_reported() -> None:
    files, _, diagnostics = emitted_once(CASES["unsupported"])
    assert sorted((d.code, d.severity.value) for d in diagnostics) == [
        ("GLC302", "error"), ("GLC401", "error"), ("GLC401", "error"), ("GLC401", "error"),
        ("GLC401", "error"), ("GLC404", "warning"), ("GLC409", "info")]
    messages = " | ".join(d.message for d in diagnostics)
    for part in ("EC2Config cannot run on Azure", "'m5.xlarge' is not an Azure VM size", "Spark 3.5",
                 "'ubuntu-latest' is not publisher:offer:sku:version", "`NEARLINE` is not an Azure blob tier",
                 "sets versioning differently"):
        assert part in messages
    assert "compute.tf" not in " ".join(files)


def _routes(app) -> dict[str, object]:
    """HTTP route -> the registered function, from the real azure-functions app object."""
    return {f.get_trigger().route: f.get_user_function() for f in registered(app).values()
            if type(f.get_trigger()).__name__ == "HttpTrigger"}


def test_function_app_routes_every_task_to_the_bundled_runner(tmp_path: Path) -> None:
    func = pytest.importorskip("azure.functions")
    pytest.importorskip("azure.durable_functions")
    files, _, _ = emit_pipeline(CASES["functions_vm"], runner_sources={"sales": RUNNER})
    package = zipfile.ZipFile(io.BytesIO(files["terraform/functions/functions.zip"]))
    assert [i.filename for i in package.infolist()] == [
        "function_app.py", "glacier_remote.py", "glacier_runners/sales.py", "host.json", "requirements.txt"]
    app = load_app(files["terraform/functions/functions.zip"], tmp_path)
    routes = _routes(app)
    assert sorted(routes) == ["clean", "enrich", "orchestrators/{pipeline}"]
    response = routes["clean"](func.HttpRequest(method="POST", url="/api/clean", body=b""))
    assert json.loads(response.get_body()) == {"ran": "clean", "event": {}}
    with pytest.raises(RuntimeError, match="not part of pipeline"):
        app.run("enrich", {"pipeline": "other"})


def test_function_app_without_runner_says_so_when_invoked(tmp_path: Path) -> None:
    pytest.importorskip("azure.durable_functions")
    files, _, _ = emitted_once(CASES["functions_vm"])
    with pytest.raises(RuntimeError, match="was not bundled"):
        load_app(files["terraform/functions/functions.zip"], tmp_path).run("clean", {})
