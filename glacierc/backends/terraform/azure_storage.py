"""Blob storage of one Azure provider: one storage account, a container per bucket, a management policy.

Azure puts versioning, infrastructure encryption and replication on the storage *account*, which
holds the containers of every `provider.bucket(...)` of the provider. Those settings of all the
declarations must agree; the first in source order wins (the others are GLC404, azure_rules.py).
`AzureBlobConfig.tier` applies to the blobs of one declaration: a tier other than Hot becomes a
management-policy rule moving that path to the tier right away. Lifecycle rules become rules too (those
Azure refuses are left out here and reported by the rules).
"""

from __future__ import annotations

from dataclasses import dataclass

from glacier.config import AzureBlobConfig
from glacierc.backends.terraform.azure_rules import lifecycle_fields
from glacierc.backends.terraform.blocks import Block, Comment, Expr, Item, Template, block
from glacierc.backends.terraform.common import Skip, source_text
from glacierc.backends.terraform.target_rules import in_source_order
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Storage

SOFT_DELETE_DAYS = 7
#: Staged results between the nodes of a run are deleted this many days after they were written.
STAGING_EXPIRY_DAYS = 7
GEO_REPLICATION = ("GRS", "RAGRS", "GZRS", "RAGZRS")
_PUBLIC = ("the pipeline runner and the tasks reach storage over HTTPS with Entra ID from outside a private "
           "network; add private endpoints and turn public access off if all of them run in a virtual network")
ACCOUNT_SKIPS = (
    Skip("CKV2_AZURE_33", _PUBLIC),
    Skip("CKV_AZURE_33", "pipelines use no queues; add diagnostic settings to a Log Analytics workspace of your "
                         "own if required"),
    Skip("CKV_AZURE_43", "the name is computed from var.name_prefix: 3-24 lower-case letters and digits"),
    Skip("CKV_AZURE_59", _PUBLIC),
)
CONTAINER_SKIPS = (
    Skip("CKV2_AZURE_21", "blob access logs need a Log Analytics workspace or log storage of your own "
                          "(diagnostic settings); enable them there if required"),
)


def account_skips(kind: str, replication: str, shared_keys: bool) -> tuple[Skip, ...]:
    """The checkov checks a generated storage account deliberately does not meet, with the reasons."""
    skips = list(ACCOUNT_SKIPS)
    if kind == "staging":
        skips.append(Skip("CKV2_AZURE_1", "holds only intermediate results of runs, deleted after "
                                          f"{STAGING_EXPIRY_DAYS} days: Microsoft-managed keys with infrastructure "
                                          "(double) encryption"))
        skips.append(Skip("CKV_AZURE_206", "intermediate results of runs are recomputed by running again"))
    elif kind == "data":
        skips.append(Skip("CKV2_AZURE_1", "AzureBlobConfig has no key field: Microsoft-managed keys, with "
                                          "infrastructure (double) encryption when encryption=True"))
        if replication not in GEO_REPLICATION:
            skips.append(Skip("CKV_AZURE_206", f"replication='{replication}' in AzureBlobConfig"))
    else:
        skips.append(Skip("CKV2_AZURE_1", "holds no pipeline data: Microsoft-managed keys with infrastructure "
                                          "(double) encryption"))
        if replication not in GEO_REPLICATION:
            skips.append(Skip("CKV_AZURE_206", "holds no pipeline data; Terraform recreates it"))
    if shared_keys:
        skips.append(Skip("CKV2_AZURE_40", "the Functions host on Consumption and Elastic Premium plans needs the "
                                           "account key (content share, deployment packages); no pipeline data here"))
    return tuple(sorted(skips, key=lambda s: s.check))


@dataclass(frozen=True, slots=True)
class AccountSettings:
    versioning: bool
    infrastructure_encryption: bool
    replication: str
    comment: str


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    label: str
    comment: str
    skips: tuple[Skip, ...] = CONTAINER_SKIPS
    existing: bool = False  # `existing=True`: in the adopted account, read with a data source

    @property
    def scope(self) -> str:
        """The container's Resource Manager id as an HCL reference (the scope of its role assignments)."""
        if self.existing:
            return f"data.azurerm_storage_container.{self.label}.resource_manager_id"
        return f"azurerm_storage_container.{self.label}.id"


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One rule of the account's `azurerm_storage_management_policy` (days since modification)."""

    name: str
    prefix: str  # "container/path prefix"
    tier: str | None  # Cool, Cold or Archive
    tier_days: int | None
    delete_days: int | None
    versions_delete_days: int | None  # noncurrent versions, on versioned accounts


def account_settings(storage: list[Storage]) -> AccountSettings | None:
    """The data account's settings from the first declaration (None without storage)."""
    if not storage:
        return None
    members = in_source_order(storage)
    first = typed_config(members[0].config, AzureBlobConfig)
    return AccountSettings(
        versioning=first.versioning,
        infrastructure_encryption=first.encryption,
        replication=first.replication,
        comment=source_text((m.span, f"storage {m.name}") for m in members),
    )


def containers_of(storage: list[Storage], labels: dict[str, str]) -> tuple[Container, ...]:
    groups: dict[str, list[Storage]] = {}
    for item in storage:
        groups.setdefault(item.bucket, []).append(item)
    containers: list[Container] = []
    for name in sorted(groups):
        members = in_source_order(groups[name])
        existing = any(m.existing for m in members)
        containers.append(Container(name, labels[name], source_text((m.span, f"storage {m.name}") for m in members),
                                    () if existing else CONTAINER_SKIPS, existing))
    return tuple(containers)


def adopted_account(storage: list[Storage]) -> str | None:
    """The source comment of the declarations adopting an existing storage account (`existing=True`), None when
    glacierc creates the account (a container to create beside adopted ones is GLC401, azure_rules.py)."""
    adopted = [m for m in in_source_order(storage) if m.existing]
    return source_text((m.span, f"storage {m.name}") for m in adopted) if adopted else None


def policy_rules(storage: list[Storage], versioning: bool) -> tuple[PolicyRule, ...]:
    """Management-policy rules of every declaration, deduplicated, in source order."""
    raw: list[tuple] = []
    for member in in_source_order(storage):
        values = typed_config(member.config, AzureBlobConfig)
        if values.tier != "Hot":
            raw.append((f"{member.bucket}/{_path_prefix(member.path)}", values.tier, 0, None))
        raw += lifecycle_fields(member)
    return tuple(
        PolicyRule(f"rule{index}", prefix, tier, days, delete, delete if versioning else None)
        for index, (prefix, tier, days, delete) in enumerate(dict.fromkeys(raw), 1)
    )


def _path_prefix(path: str) -> str:
    """A blob-name prefix covering `path` (a glob is cut at its first wildcard)."""
    for index, char in enumerate(path):
        if char in "*?[":
            return path[:index]
    return path


# --- blocks ---------------------------------------------------------------------------------------------

DATA = "glacier_data"
STAGING = "glacier_staging"
HDINSIGHT = "glacier_hdinsight"
#: Every generated account: HTTPS and TLS 1.2 only, nothing public, Entra ID sign-in by default, no local
#: users, no replication to other tenants, SAS tokens valid for an hour at most.
ACCOUNT_SECURITY = (
    ("https_traffic_only_enabled", True), ("min_tls_version", "TLS1_2"), ("allow_nested_items_to_be_public", False),
)
ACCOUNT_SIGN_IN = (("local_user_enabled", False), ("cross_tenant_replication_enabled", False))
SAS_EXPIRATION = "0.01:00:00"


@dataclass(frozen=True, slots=True)
class Account:
    """A generated storage account: `kind` is data, functions (Functions host) or hdinsight (ADLS Gen2)."""

    label: str
    name: Template
    kind: str
    comment: str
    versioning: bool
    infrastructure_encryption: bool
    replication: str
    shared_keys: bool
    skips: tuple[Skip, ...] = ()


def placed(group: str, location: str) -> tuple[Item, Item]:
    """`resource_group_name` and `location` of a resource in the module's resource group."""
    return ("resource_group_name", Expr(f"{group}.name")), ("location", location)


TAGS = ("tags", Expr("local.tags"))


def account_block(a: Account, group: str, location: str) -> Block:
    retention = [block(kind, body=[("days", SOFT_DELETE_DAYS)])
                 for kind in ("delete_retention_policy", "container_delete_retention_policy")]
    properties = [("versioning_enabled", a.versioning) if a.kind != "hdinsight" else None, *retention]
    return block("resource", "azurerm_storage_account", a.label, comments=[a.comment], body=[
        *(Comment(skip.text) for skip in a.skips),
        ("name", a.name),
        *placed(group, location),
        ("account_kind", "StorageV2"),
        ("account_tier", "Standard"),
        ("account_replication_type", a.replication),
        ("access_tier", "Hot"),
        ("is_hns_enabled", True) if a.kind == "hdinsight" else None,
        *ACCOUNT_SECURITY,
        ("shared_access_key_enabled", a.shared_keys),
        ("default_to_oauth_authentication", True),
        ("infrastructure_encryption_enabled", a.infrastructure_encryption),
        *ACCOUNT_SIGN_IN,
        TAGS,
        block("blob_properties", body=properties),
        block("sas_policy", body=[("expiration_period", SAS_EXPIRATION)]),
    ])


def container_block(label: str, name: str, account: str, comment: str, skips: tuple[Skip, ...],
                    note: str | None = None) -> Block:
    return block("resource", "azurerm_storage_container", label, comments=[comment], body=[
        *(Comment(skip.text) for skip in skips),
        Comment(note) if note else None,
        ("name", name),
        ("storage_account_id", Expr(f"azurerm_storage_account.{account}.id")),
        ("container_access_type", "private"),
    ])


#: The comment inside the data sources of an adopted account and its containers.
EXISTING = "existing=True: read, not created; its settings and management policy are its owner's"
#: The variables naming the adopted account (a fact of the deployment, not of the code).
ADOPTED_ACCOUNT = ("storage_account_name", "storage_account_resource_group")


def adopted_blocks(containers: tuple[Container, ...], comment: str) -> list[Block]:
    """The existing account (named by the `ADOPTED_ACCOUNT` variables) and its containers, as data sources."""
    name, group = (Expr(f"var.{variable}") for variable in ADOPTED_ACCOUNT)
    account = block("data", "azurerm_storage_account", DATA, comments=[comment], body=[
        Comment(EXISTING), ("name", name), ("resource_group_name", group)])
    return [account, *(block("data", "azurerm_storage_container", c.label, comments=[c.comment], body=[
        ("name", c.name), ("storage_account_id", Expr(f"data.azurerm_storage_account.{DATA}.id"))])
        for c in containers)]


def policy_block(rules: tuple[PolicyRule, ...], comment: str, account: str = DATA) -> Block:
    """An account's management policy: tier moves and deletions by blob-name prefix."""
    return block("resource", "azurerm_storage_management_policy", account, comments=[comment], body=[
        ("storage_account_id", Expr(f"azurerm_storage_account.{account}.id")),
        *(_policy_rule(rule) for rule in rules),
    ])


def _policy_rule(rule: PolicyRule) -> Block:
    base = block("base_blob", body=[
        (f"tier_to_{rule.tier.lower()}_after_days_since_modification_greater_than", rule.tier_days)
        if rule.tier else None,
        ("delete_after_days_since_modification_greater_than", rule.delete_days)
        if rule.delete_days is not None else None,
    ])
    version = block("version", body=[("delete_after_days_since_creation", rule.versions_delete_days)])
    return block("rule", body=[
        ("name", rule.name),
        ("enabled", True),
        block("filters", body=[("prefix_match", [rule.prefix]), ("blob_types", ["blockBlob"])]),
        block("actions", body=[base, version if rule.versions_delete_days is not None else None]),
    ])
