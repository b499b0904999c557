"""The model of one Azure provider's root module: everything its blocks are built from.

Filled by `AzureTarget.build` (azure.py), printed by its `files`; `check` builds it without packages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from glacierc.backends.terraform import azure_cluster_jobs as cluster_jobs
from glacierc.backends.terraform import azure_compute as compute
from glacierc.backends.terraform import azure_iam as iam
from glacierc.backends.terraform import azure_pipelines as pipelines_model
from glacierc.backends.terraform import azure_vm_groups as vm_groups
from glacierc.backends.terraform.azure_compute_blocks import GROUP
from glacierc.backends.terraform.azure_iam import Identity
from glacierc.backends.terraform.azure_storage import DATA, Account, Container, PolicyRule
from glacierc.backends.terraform.blocks import Template


@dataclass(slots=True)
class AzureModule:
    """Everything the Azure blocks are built from (filled by `AzureTarget.build`)."""

    subscription_id: str
    location: str
    comment: str
    tags: dict[str, str]
    suffix: str
    existing_group: str | None
    group_name: Template
    accounts: list[Account] = field(default_factory=list)
    containers: tuple[Container, ...] = ()
    rules: tuple[PolicyRule, ...] = ()
    identities: list[Identity] = field(default_factory=list)
    assignments: list[iam.Assignment] = field(default_factory=list)
    apps: list[compute.FunctionApp] = field(default_factory=list)
    vms: list[compute.VirtualMachine] = field(default_factory=list)
    clusters: list[compute.SparkCluster] = field(default_factory=list)
    workspaces: list[compute.Workspace] = field(default_factory=list)
    zips: dict[str, bytes] = field(default_factory=dict)
    plan: pipelines_model.Plan = field(default_factory=pipelines_model.Plan)
    staging: tuple[Container, ...] = ()
    vm_jobs: list[vm_groups.VmJobs] = field(default_factory=list)  # the vm groups orchestrations run
    #: the HDInsight and Databricks groups orchestrations run
    cluster_jobs: list[cluster_jobs.ClusterJobs] = field(default_factory=list)
    adopted: str | None = None  # the source of the declarations adopting an existing account (existing=True)

    @property
    def data_account(self) -> str | None:
        """The account of the az:// containers as an HCL reference (None: no storage)."""
        if self.adopted is not None:
            return f"data.azurerm_storage_account.{DATA}"
        return f"azurerm_storage_account.{DATA}" if self.account("data") else None

    @property
    def group(self) -> str:
        """The resource group as an HCL reference (without `.name` / `.location`)."""
        kind = "data.azurerm_resource_group" if self.existing_group else "azurerm_resource_group"
        return f"{kind}.{GROUP}"

    @property
    def network(self) -> bool:
        return bool(self.vms or self.clusters)

    @property
    def local_assignments(self) -> bool:
        return any(a.identity is None for a in self.assignments)

    def account(self, kind: str) -> Account | None:
        return next((a for a in self.accounts if a.kind == kind), None)
