"""Compute of one Azure provider: Function Apps, Linux VMs, HDInsight Spark clusters, Databricks workspaces.

Values come from the executor's config as the catalogue's dataclass, defaults filled in (`typed_config`);
names are `${var.name_prefix}-<name>` sized for the longest allowed prefix (with a short hash where
Azure wants the name unique worldwide). VM images, HDInsight settings and Databricks node types come from
azure_rules.py (`image_parts`, `spark_settings`, `databricks_node_type`), where values Azure cannot take are
GLC401.
"""

from __future__ import annotations

from dataclasses import dataclass

from glacier.config import AzureFunctionConfig, AzureVMConfig
from glacierc.backends.terraform.azure_storage import CONTAINER_SKIPS
from glacierc.backends.terraform.blocks import Comment, Template, Value
from glacierc.backends.terraform.common import Skip, cloud_name, source_of
from glacierc.backends.terraform.target import Target
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor, Task

ZOOKEEPER_SIZE = "Standard_A2_V2"
NODE_USER = "glacier"
#: The HDInsight gateway (Ambari, Livy) user of the generated clusters.
GATEWAY_USER = f"{NODE_USER}-admin"
FUNCTION_SKIPS = (
    Skip("CKV_AZURE_56", "the pipeline runner calls the functions with a function key; add Entra ID "
                         "authentication (auth_settings_v2) with an app registration of your tenant if required"),
    Skip("CKV_AZURE_221", "the pipeline runner calls the functions over HTTPS from outside a private network"),
)
WORKSPACE_SKIPS = (
    Skip("CKV2_AZURE_48", "DatabricksConfig has no key field: the workspace root storage uses Microsoft-managed keys"),
    Skip("CKV_AZURE_158", "private link needs VNet injection with dedicated subnets and private endpoints of your own"),
)
PLAN_SKIPS = (
    Skip("CKV_AZURE_212", "serverless plans scale on demand; no minimum instance count"),
    Skip("CKV_AZURE_225", "zone redundancy needs an Elastic Premium plan with at least 3 instances"),
)


@dataclass(frozen=True, slots=True)
class FunctionApp:
    label: str
    name: Template
    plan_name: Template
    comment: str
    identity: str
    plan: str
    python_version: str
    zip_file: str
    tasks: tuple[str, ...]  # task labels (routes)
    skips: tuple[Skip, ...]
    #: App settings beyond the fixed ones: the staging location, the data account (name -> value).
    settings: tuple[tuple[str, Value] | Comment, ...] = ()
    #: Identities it carries besides its own: the Databricks executors' whose runs' storage tokens it takes.
    lent: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VirtualMachine:
    label: str
    name: Template
    comment: str
    identity: str
    size: str
    publisher: str
    offer: str
    sku: str
    version: str
    disk_size: int
    admin_username: str
    public_ip: bool
    trusted_launch: bool
    skips: tuple[Skip, ...]


@dataclass(frozen=True, slots=True)
class SparkCluster:
    label: str
    name: Template
    comment: str
    identity: str
    cluster_version: str
    spark_version: str
    size: str
    workers: int
    filesystem: str
    skips: tuple[Skip, ...]
    filesystem_skips: tuple[Skip, ...] = CONTAINER_SKIPS


@dataclass(frozen=True, slots=True)
class Workspace:
    label: str
    name: Template
    managed_group: Template
    comment: str
    identity: str
    skips: tuple[Skip, ...]


def function_app(executor: Executor, label: str, suffix: str, task_labels: tuple[str, ...]) -> FunctionApp:
    values = typed_config(executor.config, AzureFunctionConfig)
    return FunctionApp(
        label=label,
        name=Target.name(f"{label}-{suffix}", 60),
        plan_name=Target.name(f"{label}-plan", 60),
        comment=source_of("executor", executor),
        identity=label,
        plan=values.plan,
        python_version=values.runtime_version,
        zip_file=f"functions/{label}.zip",
        tasks=task_labels,
        skips=FUNCTION_SKIPS,
    )


def app_timeout(executor: Executor, tasks: list[Task]) -> int:
    """The app's functionTimeout: the config's, capped by the longest `timeout=` of its tasks if all set one."""
    timeout = typed_config(executor.config, AzureFunctionConfig).timeout
    limits = [t.timeout for t in tasks if t.timeout is not None]
    if limits and len(limits) == len(tasks):
        timeout = min(timeout, max(limits))
    return timeout


def virtual_machine(task: Task, executor: Executor, label: str, identity: str,
                    image: tuple[str, str, str, str]) -> VirtualMachine:
    values = typed_config(executor.config, AzureVMConfig)
    skips: tuple[Skip, ...] = ()
    if values.public_ip:
        skips = (Skip("CKV_AZURE_119", "public_ip=True in AzureVMConfig"),)
    return VirtualMachine(
        label=label,
        name=Target.name(label, 64),
        comment=source_of("task", task),
        identity=identity,
        size=values.size,
        publisher=image[0],
        offer=image[1],
        sku=image[2],
        version=image[3],
        disk_size=values.disk_size,
        admin_username=values.admin_username,
        public_ip=values.public_ip,
        trusted_launch="gen2" in image[2].lower(),
        skips=skips,
    )


def spark_cluster(executor: Executor, label: str, suffix: str, settings: tuple[str, str, str, int]) -> SparkCluster:
    cluster_version, spark_version, size, workers = settings
    return SparkCluster(
        label=label,
        name=Target.name(f"{label}-{suffix}", 59),
        comment=source_of("executor", executor),
        identity=label,
        cluster_version=cluster_version,
        spark_version=spark_version,
        size=size,
        workers=workers,
        filesystem=cloud_name(label, 63),
        skips=(),
    )


def workspace(executor: Executor, label: str) -> Workspace:
    return Workspace(
        label=label,
        name=Target.name(label, 64),
        managed_group=Target.name(f"{label}-databricks", 90),
        comment=source_of("executor", executor),
        identity=label,
        skips=WORKSPACE_SKIPS,
    )
