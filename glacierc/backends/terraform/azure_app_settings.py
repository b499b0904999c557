"""The settings of every Function App of an Azure module beyond the fixed ones (azure_compute_blocks.app_blocks):
where each pipeline it orchestrates stages (`GLACIER_STAGING_URI__<escaped pipeline>`), the data account, and
where its activities run groups outside the app: the VMs (`GLACIER_VM_<task>`), the HDInsight clusters and
Databricks workspaces (`GLACIER_HDINSIGHT_<executor>`, `GLACIER_DATABRICKS_<executor>`, the gateway password as a
Key Vault reference). Where things are, never what runs: that is in the package.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from glacierc.backends.terraform import azure_cluster_jobs as cluster_jobs
from glacierc.backends.terraform import azure_pipelines as pipelines_model
from glacierc.backends.terraform import azure_vm_groups as vm_groups
from glacierc.backends.terraform.azure_model import AzureModule
from glacierc.backends.terraform.blocks import Comment, Expr, Value


def with_settings(module: AzureModule, extra: Mapping[str, Mapping[str, Value]] | None = None) -> None:
    """Set every app's settings from the module's orchestrations, VMs and clusters (`extra`: cluster executor
    label -> more fields of its spec)."""
    staging = pipelines_model.staging_settings(module.plan.orchestrations)
    data = (Comment("The account of the az:// containers the tasks read and write."),
            ("AZURE_STORAGE_ACCOUNT_NAME", Expr(f"{module.data_account}.name"))) if module.data_account else ()
    on_vms = vm_groups.app_settings(module.vm_jobs, {v.label: v.identity for v in module.vms}, module.location,
                                    module.data_account)
    on_clusters = cluster_jobs.app_settings(module.cluster_jobs, module.data_account, extra)
    passwords = cluster_jobs.password_settings(module.cluster_jobs)
    apps = []
    for a in module.apps:
        found: list[tuple[str, Value] | Comment] = []
        if a.label in staging:
            found += [Comment("Results between the nodes of a run, in the container of its pipeline."),
                      *staging[a.label]]
        found += data
        if a.label in on_vms:
            found += [Comment("The VMs its orchestrations run vm groups on, with Run Commands."), *on_vms[a.label]]
        if a.label in on_clusters:
            found += [Comment("The clusters its orchestrations submit groups to (Livy batches, Databricks runs)."),
                      *on_clusters[a.label]]
        if a.label in passwords:
            found += [Comment("The HDInsight gateway password: a Key Vault reference the host resolves."),
                      passwords[a.label]]
        apps.append(dataclasses.replace(a, settings=tuple(found)))
    module.apps = apps
