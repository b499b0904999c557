"""Compute of one Azure provider: Function Apps, Linux VMs, HDInsight Spark clusters, Databricks workspaces.

Values come from the executor's config as the catalogue's dataclass, defaults filled in (`typed_config`);
names are `${var.name_prefix}-<name>` sized for the longest allowed prefix (with a short hash where
Azure wants the name unique worldwide). Values Azure cannot take are GLC401.
"""

from __future__ import annotations

from dataclasses import dataclass

from glacier.config import AzureFunctionConfig, AzureVMConfig, SparkConfig
from glacierc.backends.terraform.azure_storage import CONTAINER_SKIPS
from glacierc.backends.terraform.blocks import Comment, Template, Value
from glacierc.backends.terraform.common import Skip, cloud_name, source_text
from glacierc.backends.terraform.target import Target
from glacierc.checks.glc401_unsupported_on_target import (
    DATABRICKS_NODE_TYPE,
    HDINSIGHT_RELEASE_LABEL,
    HDINSIGHT_VM_SIZE,
    NO_HDINSIGHT_VERSION,
    VM_IMAGE,
)
from glacierc.diagnostics.model import Diagnostic, Message
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor, Task

#: Spark major.minor -> HDInsight cluster version shipping it (SparkConfig on Azure).
HDINSIGHT_VERSIONS = {"3.3": "5.1", "3.1": "5.0", "2.4": "4.0"}
DEFAULT_HDINSIGHT_SIZE = "Standard_E8_V3"
ZOOKEEPER_SIZE = "Standard_A2_V2"
DEFAULT_DATABRICKS_NODE = "Standard_DS3_v2"
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
        comment=source_text([(executor.span, f"executor {executor.name}")]),
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


def image_parts(executor: Executor) -> tuple[tuple[str, str, str, str] | None, Diagnostic | None]:
    image = typed_config(executor.config, AzureVMConfig).image
    parts = image.split(":")
    if len(parts) != 4 or not all(parts):
        return None, _unsupported(executor, VM_IMAGE, image=image)
    return (parts[0], parts[1], parts[2], parts[3]), None


def virtual_machine(task: Task, executor: Executor, label: str, identity: str,
                    image: tuple[str, str, str, str]) -> VirtualMachine:
    values = typed_config(executor.config, AzureVMConfig)
    skips: tuple[Skip, ...] = ()
    if values.public_ip:
        skips = (Skip("CKV_AZURE_119", "public_ip=True in AzureVMConfig"),)
    return VirtualMachine(
        label=label,
        name=Target.name(label, 64),
        comment=source_text([(task.span, f"task {task.name}")]),
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


def spark_settings(executor: Executor) -> tuple[tuple[str, str, str, int] | None, list[Diagnostic]]:
    """(cluster version, Spark version, VM size, workers) of an HDInsight executor, or None with GLC401s."""
    values = typed_config(executor.config, SparkConfig)
    written = dict(executor.config.fields) if executor.config else {}
    problems: list[Diagnostic] = []
    version = HDINSIGHT_VERSIONS.get(values.spark_version)
    if version is None:
        known = ", ".join(sorted(HDINSIGHT_VERSIONS))
        problems.append(_unsupported(executor, NO_HDINSIGHT_VERSION, spark_version=values.spark_version, known=known))
    if written.get("release_label"):
        problems.append(_unsupported(executor, HDINSIGHT_RELEASE_LABEL))
    size = str(written.get("instance_type") or DEFAULT_HDINSIGHT_SIZE)
    if not size.startswith("Standard_"):
        problems.append(_unsupported(executor, HDINSIGHT_VM_SIZE, instance_type=size))
    if problems or version is None:
        return None, problems
    return (version, values.spark_version, size, values.num_workers), []


def spark_cluster(executor: Executor, label: str, suffix: str, settings: tuple[str, str, str, int]) -> SparkCluster:
    cluster_version, spark_version, size, workers = settings
    return SparkCluster(
        label=label,
        name=Target.name(f"{label}-{suffix}", 59),
        comment=source_text([(executor.span, f"executor {executor.name}")]),
        identity=label,
        cluster_version=cluster_version,
        spark_version=spark_version,
        size=size,
        workers=workers,
        filesystem=cloud_name(label, 63),
        skips=(),
    )


def databricks_node_type(executor: Executor) -> tuple[str | None, Diagnostic | None]:
    written = dict(executor.config.fields) if executor.config else {}
    node = str(written.get("instance_type") or DEFAULT_DATABRICKS_NODE)
    if not node.startswith("Standard_"):
        return None, _unsupported(executor, DATABRICKS_NODE_TYPE, instance_type=node)
    return node, None


def workspace(executor: Executor, label: str) -> Workspace:
    return Workspace(
        label=label,
        name=Target.name(label, 64),
        managed_group=Target.name(f"{label}-databricks", 90),
        comment=source_text([(executor.span, f"executor {executor.name}")]),
        identity=label,
        skips=WORKSPACE_SKIPS,
    )


def _unsupported(executor: Executor, message: Message, **fields: object) -> Diagnostic:
    return message.diagnostic(executor.span, executor=executor.name, **fields)
