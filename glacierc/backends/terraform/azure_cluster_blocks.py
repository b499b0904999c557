"""The blocks of the HDInsight and Databricks groups an Azure orchestration runs (azure_cluster_jobs.py computes
them): the job files as blobs of each cluster's default file system, and the Key Vault holding the HDInsight
gateway password that the home apps' `GLACIER_HDINSIGHT_PASSWORD` setting references.

The vault uses Azure RBAC (no access policies): the principal running Terraform may write its secrets
("Key Vault Secrets Officer" on the vault, to store the password), each home app submitting Livy batches
may read exactly that one secret ("Key Vault Secrets User" on the secret, azure_cluster_jobs.assignments).
Imported by `AzureTarget.files` only: `check` never builds these blocks.
"""

from __future__ import annotations

from collections.abc import Iterable

from glacierc.backends.terraform.azure_cluster_jobs import (
    GATEWAY_SECRET_REF,
    HDINSIGHT_KIND,
    INSTALL_SCRIPT,
    ClusterJobs,
    abfs_url,
)
from glacierc.backends.terraform.azure_storage import HDINSIGHT, TAGS, placed
from glacierc.backends.terraform.blocks import Block, Call, Comment, Expr, Template, Value, block
from glacierc.backends.terraform.common import Skip

VAULT = "glacier"
CURRENT = "data.azurerm_client_config.current"
SECRETS_OFFICER = "Key Vault Secrets Officer"
VAULT_COMMENT = "source: generated, the secrets the orchestrations use (the HDInsight gateway password)"
VAULT_SKIPS = (
    Skip("CKV_AZURE_109", "the Function Apps resolve Key Vault references over the public endpoint (no VNet "
                          "integration); access is Entra ID and RBAC only"),
    Skip("CKV_AZURE_189", "the Function Apps resolve Key Vault references over the public endpoint"),
    Skip("CKV2_AZURE_32", "no private endpoint: the Function Apps are not in a virtual network"),
)
SECRET_SKIPS = (Skip("CKV_AZURE_41", "the gateway password is var.hdinsight_gateway_password, rotated with it"),)


def blob_blocks(jobs: Iterable[ClusterJobs]) -> list[Block]:
    """The HDInsight job folders as blobs of each cluster's default file system (uploaded from the module)."""
    found = []
    for j in jobs:
        if j.kind != HDINSIGHT_KIND:
            continue
        for path, _ in j.files:
            found.append(block("resource", "azurerm_storage_blob", blob_label(j, path), comments=[
                f"source: generated, the job files of HDInsight executor {j.executor}"], body=[
                ("name", path),
                ("storage_account_name", Expr(f"azurerm_storage_account.{HDINSIGHT}.name")),
                ("storage_container_name", Expr(f"azurerm_storage_container.{j.label}_filesystem.name")),
                ("type", "Block"),
                ("source", Template(Expr("path.module"), "/" + path)),
                ("content_md5", Call("filemd5", Template(Expr("path.module"), "/" + path))),
            ]))
    return found


def blob_label(j: ClusterJobs, path: str) -> str:
    name = path.rsplit("/", 1)[1].rsplit(".", 1)[0]
    return f"{j.label}_job_" + "".join(c if c.isalnum() else "_" for c in name).lower()


def script_action(j: ClusterJobs) -> list[tuple[str, Value]]:
    """The script action installing the requirement set on a node (head and workers run the job's driver)."""
    return [("name", "glacier-requirements"),
            ("uri", Template(Expr(f"azurerm_storage_account.{HDINSIGHT}.primary_blob_endpoint"),
                             Expr(f"azurerm_storage_container.{j.label}_filesystem.name"),
                             f"/{j.folder}/{INSTALL_SCRIPT}")),
            ("parameters", abfs_url(j.label, j.folder))]


def installing(j: ClusterJobs | None) -> tuple[list[tuple[str, Value]], list[Expr]] | tuple[()]:
    """The script action of an HDInsight cluster an orchestration runs groups on, and the blobs it reads while
    the cluster is created (the cluster depends on them); nothing for another cluster."""
    if j is None or j.kind != HDINSIGHT_KIND or not j.files:
        return ()
    return script_action(j), [Expr(f"azurerm_storage_blob.{blob_label(j, path)}") for path, _ in j.files
                              if path.rsplit("/", 1)[1] in (INSTALL_SCRIPT, "requirements.txt", "glacier_installed.py")]


def vault_blocks(jobs: list[ClusterJobs], group: str, location: str, suffix: str) -> list[Block]:
    """The vault, the gateway password's secret and the Terraform principal's role writing it (when an
    orchestration submits Livy batches)."""
    if not any(j.kind == HDINSIGHT_KIND and j.apps for j in jobs):
        return []
    vault = block("resource", "azurerm_key_vault", VAULT, comments=[VAULT_COMMENT], body=[
        *(Comment(skip.text) for skip in VAULT_SKIPS),
        Comment("Vault names allow 3-24 letters, digits and hyphens, unique in Azure."),
        ("name", Template(Expr("local.account_prefix"), f"kv{suffix[:8]}")),
        *placed(group, location),
        ("tenant_id", Expr(f"{CURRENT}.tenant_id")),
        ("sku_name", "standard"),
        ("enable_rbac_authorization", True),
        ("purge_protection_enabled", True),
        ("soft_delete_retention_days", 7),
        TAGS,
    ])
    writer = block("resource", "azurerm_role_assignment", "glacier_vault_writer", comments=[VAULT_COMMENT], body=[
        Comment("The principal running Terraform stores the secrets."),
        ("scope", Expr(f"azurerm_key_vault.{VAULT}.id")),
        ("role_definition_name", SECRETS_OFFICER),
        ("principal_id", Expr(f"{CURRENT}.object_id")),
    ])
    secret = block("resource", "azurerm_key_vault_secret", GATEWAY_SECRET_REF.rsplit(".", 1)[1],
                   comments=[VAULT_COMMENT], body=[
        *(Comment(skip.text) for skip in SECRET_SKIPS),
        ("name", "hdinsight-gateway-password"),
        ("value", Expr("var.hdinsight_gateway_password")),
        ("content_type", "password"),
        ("key_vault_id", Expr(f"azurerm_key_vault.{VAULT}.id")),
        ("depends_on", [Expr("azurerm_role_assignment.glacier_vault_writer")]),
    ])  # fmt: skip
    current = block("data", "azurerm_client_config", "current", comments=[
        "source: generated, the tenant of the vault and the principal running Terraform"])
    return [current, vault, writer, secret]
