"""Least privilege on Azure from the data flow: container roles per executor, read back from HCL."""

from __future__ import annotations

from pathlib import Path

import hcl2
from hcl2 import SerializationOptions
from terraform_tools import REPO, emitted_once

from glacierc.backends.terraform.aws_iam import Access
from glacierc.backends.terraform.azure_iam import (
    CONTRIBUTOR,
    OWNER,
    READER,
    Assignment,
    container_assignments,
    container_roles,
)
from glacierc.ir.nodes import Storage
from glacierc.source import Span

FIXTURES = REPO / "tests" / "fixtures" / "terraform_azure"
CASES = sorted(FIXTURES.glob("*/pipeline.py"))
PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
SPAN = Span("pipeline.py", 1, 1, 1, 2)


def _storage(name: str, bucket: str, path: str) -> Storage:
    return Storage(name, "p", bucket, path, "parquet", f"az://{bucket}/{path}", None, SPAN)


def test_reading_is_reader_and_writing_is_contributor_per_container() -> None:
    storage = {"a": _storage("a", "raw", "a.csv"), "b": _storage("b", "raw", "b.csv"),
               "o": _storage("o", "out", "o/")}
    assert container_roles(Access(("a", "b"), ("o",)), storage) == {"out": CONTRIBUTOR, "raw": READER}
    assert container_roles(Access(("a",), ("b",)), storage) == {"raw": CONTRIBUTOR}
    assert container_roles(Access(("elsewhere",), ()), storage) == {}


def test_assignments_are_scoped_to_one_container_each() -> None:
    found = container_assignments("fn", "fn", {"raw": READER}, {"raw": "raw_label"}, "# source: x")
    assert found == (Assignment("fn_raw_label", "azurerm_storage_container.raw_label.id", READER, "fn", "# source: x"),)


def _assignments(path: Path, module: str = "terraform/") -> dict[str, set[tuple[str, str]]]:
    """(scope, role) of every role assignment, by principal (identity label, or `local` for the for_each)."""
    files, _, _ = emitted_once(path)
    found: dict[str, set[tuple[str, str]]] = {}
    for block in hcl2.loads(files[f"{module}iam.tf"], serialization_options=PLAIN).get("resource", []):
        for body in block.get("azurerm_role_assignment", {}).values():
            principal = body["principal_id"]
            who = "local" if principal == "${each.value}" else principal.removeprefix(
                "${azurerm_user_assigned_identity.").removesuffix(".principal_id}")
            if who == "local":
                assert body["for_each"] == "${toset(var.local_principal_ids)}"
            else:
                assert body["principal_type"] == "ServicePrincipal"
            scope = body["scope"].removeprefix("${").removesuffix("}")
            role = body.get("role_definition_name") or body["role_definition_id"].removeprefix("${").split(".")[1]
            found.setdefault(who, set()).add((scope, role))
    return found


def test_functions_vm_assignments_are_exactly_the_data_flow() -> None:
    assert _assignments(FIXTURES / "functions_vm" / "pipeline.py") == {
        # load reads the orders; its principals are the people running local tasks.
        "local": {("azurerm_storage_container.sales_raw.id", READER)},
        # store writes the archive, publish writes the report; each VM reads its job files and, in the home
        # app's staging container, its group's staged inputs and results (conditioned, below)
        "worker": {("azurerm_storage_container.sales_archive.id", CONTRIBUTOR),
                   ("azurerm_storage_container.worker_jobs.id", READER),
                   ("azurerm_storage_container.sales_staging.id", CONTRIBUTOR)},
        "gateway": {("azurerm_storage_container.sales_reports.id", CONTRIBUTOR),
                    ("azurerm_storage_container.gateway_jobs.id", READER),
                    ("azurerm_storage_container.sales_staging.id", CONTRIBUTOR)},
        # clean / enrich only receive frames; the app also runs load (a local node of the orchestration), so
        # its identity reads the orders too, stages results in its own container, and runs the vm groups
        # as Run Commands on exactly their two VMs.
        "functions": {("azurerm_storage_container.sales_raw.id", READER),
                      ("azurerm_storage_container.sales_staging.id", CONTRIBUTOR),
                      ("azurerm_linux_virtual_machine.store.id", "glacier_run_commands"),
                      ("azurerm_linux_virtual_machine.publish.id", "glacier_run_commands")},
    }


def test_spark_and_databricks_assignments() -> None:
    assert _assignments(FIXTURES / "spark_databricks" / "pipeline.py") == {
        "spark": {("azurerm_storage_container.events.id", READER),
                  ("azurerm_storage_container.features.id", CONTRIBUTOR),
                  ("azurerm_storage_account.glacier_hdinsight.id", OWNER)},
        "notebooks": {("azurerm_storage_container.features.id", CONTRIBUTOR)},
    }


def test_cross_cloud_storage_gets_no_grant() -> None:
    path = FIXTURES / "multi_cloud" / "pipeline.py"
    assert _assignments(path, "terraform/azure/") == {
        "azure_fn": {("azurerm_storage_container.bridge_mirror.id", CONTRIBUTOR),
                     ("azurerm_storage_container.bridge_staging.id", CONTRIBUTOR)}}
    _, _, diagnostics = emitted_once(path)
    assert sorted(d.code for d in diagnostics) == ["GLC403", "GLC408", "GLC409"]  # GLC408: the GCP half
    assert "receipts" in next(d.message for d in diagnostics if d.code == "GLC403")


def test_no_role_is_ever_broader_than_a_container_or_a_generated_account() -> None:
    for path in CASES:
        files, _, _ = emitted_once(path)
        for name, text in files.items():
            if not name.endswith("iam.tf"):
                continue
            for block in hcl2.loads(text, serialization_options=PLAIN).get("resource", []):
                for body in block.get("azurerm_role_assignment", {}).values():
                    if "role_definition_id" in body:  # the only custom role: Run Commands, on one VM
                        assert body["role_definition_id"] == ("${azurerm_role_definition.glacier_run_commands."
                                                              "role_definition_resource_id}"), path
                        assert body["scope"].startswith("${azurerm_linux_virtual_machine."), path
                        continue
                    if body["scope"].startswith("${azurerm_key_vault"):  # the HDInsight gateway password's vault
                        assert (body["scope"], body["role_definition_name"]) in {
                            ("${azurerm_key_vault_secret.hdinsight_gateway.resource_versionless_id}",
                             "Key Vault Secrets User"),
                            ("${azurerm_key_vault.glacier.id}", "Key Vault Secrets Officer")}, path
                        continue
                    assert body["scope"].startswith(("${azurerm_storage_container.",
                                                     "${data.azurerm_storage_container.",  # existing=True
                                                     "${azurerm_storage_account.glacier_hdinsight.")), path
                    assert body["role_definition_name"] in (READER, CONTRIBUTOR, OWNER), path
                for body in block.get("azurerm_role_definition", {}).values():
                    assert body["permissions"][0]["actions"] == [
                        "Microsoft.Compute/virtualMachines/runCommands/delete",
                        "Microsoft.Compute/virtualMachines/runCommands/read",
                        "Microsoft.Compute/virtualMachines/runCommands/write"], path


def _conditions(path: Path, module: str = "terraform/") -> dict[str, str]:
    files, _, _ = emitted_once(path)
    return {label: body["condition"]
            for block in hcl2.loads(files[f"{module}iam.tf"], serialization_options=PLAIN).get("resource", [])
            for label, body in block.get("azurerm_role_assignment", {}).items() if "condition" in body}


def test_staging_roles_are_conditioned_on_the_staged_blob_paths() -> None:
    """The roles on a pipeline's staging container are its home app's and those of the VMs it runs groups on,
    and ABAC (version 2.0) narrows each to the staged results of the nodes it runs: `<run prefix>-*/<node>.*`,
    reads of inputs and writes of its own (the app stages load and enrich; worker's store group reads enrich
    and stages store; gateway's publish reads store and stages nothing)."""
    blobs = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
    conditions = _conditions(FIXTURES / "functions_vm" / "pipeline.py")
    assert list(conditions) == ["sales_staging", "gateway_sales_staging", "worker_sales_staging"]
    path = f"@Resource[{blobs}:path] StringLike"
    no_writes = (f"(!(ActionMatches{{'{blobs}/write'}}) AND !(ActionMatches{{'{blobs}/add/action'}}) AND "
                 f"!(ActionMatches{{'{blobs}/delete'}}))")
    assert conditions["gateway_sales_staging"] == (
        f"((!(ActionMatches{{'{blobs}/read'}})) OR ({path} 'sales-*/store.*')) AND {no_writes}")
    assert conditions["worker_sales_staging"] == (
        f"((!(ActionMatches{{'{blobs}/read'}})) OR ({path} 'sales-*/enrich.*' OR {path} 'sales-*/store.*')) AND "
        f"({no_writes} OR ({path} 'sales-*/store.*'))")
    assert conditions["sales_staging"] == (
        f"((!(ActionMatches{{'{blobs}/read'}})) OR ({path} 'sales-*/enrich.*' OR {path} 'sales-*/load.*')) AND "
        f"((!(ActionMatches{{'{blobs}/write'}}) AND !(ActionMatches{{'{blobs}/add/action'}}) AND "
        f"!(ActionMatches{{'{blobs}/delete'}})) OR ({path} 'sales-*/enrich.*' OR {path} 'sales-*/load.*'))")
    files, _, _ = emitted_once(FIXTURES / "functions_vm" / "pipeline.py")
    staging = [b for b in hcl2.loads(files["terraform/iam.tf"], serialization_options=PLAIN)["resource"]
               if "sales_staging" in b.get("azurerm_role_assignment", {})][0]
    assert staging["azurerm_role_assignment"]["sales_staging"]["condition_version"] == "2.0"


def test_a_condition_without_paths_denies_that_action_class() -> None:
    from glacierc.backends.terraform.azure_orchestration import path_condition

    condition = path_condition([], [])
    assert "StringLike" not in condition and condition.count("!(ActionMatches") == 4
