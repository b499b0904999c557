"""What an Azure deploy refuses, judged over the IR without building the module: executors Azure cannot run
(GLC401), storage account settings that conflict between declarations (GLC404),
a container to create beside an adopted account (GLC401), lifecycle rules Blob Storage refuses (GLC302), a VM
image, an HDInsight Spark version, release label or VM size, a Databricks node type Azure cannot take or an
existing Databricks cluster in the workspace the module creates (GLC401), a schedule no NCRONTAB expression
expresses (GLC401, for the pipelines that get an orchestration), storage of another provider (GLC403).

`check` runs `AzureRules().validate` alone (no block builder is imported); `AzureTarget` inherits it, reports
the same from `emit`, and builds its account, policy, VMs and clusters from the same functions
(`lifecycle_fields`, `image_parts`, `spark_settings`, `databricks_node_type`).
"""

from __future__ import annotations

from glacier.config import AzureBlobConfig, AzureVMConfig, DatabricksConfig, LifecycleRule as RuleConfig, SparkConfig
from glacierc.backends.terraform.azure_orchestration import home_app
from glacierc.backends.terraform.azure_schedule import ncrontab
from glacierc.backends.terraform.common import provider_pipelines, unique_labels
from glacierc.backends.terraform.target_rules import (
    TargetRules,
    executor_problem,
    in_source_order,
    setting_conflicts,
    storage_problem,
)
from glacierc.checks.glc302_config_out_of_limits import (
    BLOB_COOLER_TIER,
    DELETE_AFTER_TIER,
    NOT_A_BLOB_TIER,
    RULE_WITHOUT_CLASS,
)
from glacierc.checks.glc401_unsupported_on_target import (
    AZURE_EXECUTOR,
    AZURE_DATABRICKS_CLUSTER_ID,
    AZURE_SCHEDULE,
    BESIDE_ADOPTED_ACCOUNT,
    DATABRICKS_NODE_TYPE,
    HDINSIGHT_RELEASE_LABEL,
    HDINSIGHT_VM_SIZE,
    NO_HDINSIGHT_VERSION,
    VM_IMAGE,
)
from glacierc.checks.glc404_conflicting_bucket_config import AZURE_ACCOUNT
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.configs import typed_config
from glacierc.ir.fusion import fused_groups
from glacierc.ir.nodes import Executor, ExecutorKind, Project, Provider, Service, Storage

TIERS = ("Hot", "Cool", "Cold", "Archive")
_ACCOUNT_LEVEL = ("versioning", "encryption", "replication")
#: A management-policy rule of one lifecycle rule: (container/prefix, tier, days before the move, days before
#: deletion).
RawRule = tuple[str, str | None, int | None, int | None]

#: Spark major.minor -> HDInsight cluster version shipping it (SparkConfig on Azure).
HDINSIGHT_VERSIONS = {"3.3": "5.1", "3.1": "5.0", "2.4": "4.0"}
DEFAULT_HDINSIGHT_SIZE = "Standard_E8_V3"
DEFAULT_DATABRICKS_NODE = "Standard_DS3_v2"


class AzureRules(TargetRules):
    """The Azure services of each executor kind and what Azure refuses (see the module docstring)."""

    CLOUD = "Azure"
    SERVICES = {
        **TargetRules.SERVICES,
        (ExecutorKind.SERVERLESS, None): Service.FUNCTION,
        (ExecutorKind.SERVERLESS, "AzureFunctionConfig"): Service.FUNCTION,
        (ExecutorKind.VM, None): Service.VM,
        (ExecutorKind.VM, "AzureVMConfig"): Service.VM,
        (ExecutorKind.CLUSTER, None): Service.HDINSIGHT,
        (ExecutorKind.CLUSTER, "SparkConfig"): Service.HDINSIGHT,
        (ExecutorKind.CLUSTER, "DatabricksConfig"): Service.DATABRICKS,
    }  # fmt: skip
    UNSUPPORTED_EXECUTOR = AZURE_EXECUTOR
    #: A mapped node is a Durable fan-out/fan-in (azure_orchestration.py), an activity per object: it runs the
    #: object in the app, or as its own Run Command (vm), Livy batch (HDInsight) or one-time run (Databricks).
    MAPS = True

    def validate(self, project: Project, provider: Provider) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        executors = self.supported_executors(project, provider, found)
        found += self.unsupported_maps(project, provider)
        found += storage_problems([s for s in project.storage if s.provider == provider.name])
        deployed = [e for e, service in executors if _deployed(e, service, found)]
        found += schedule_problems(project, provider, executors)
        return found + self.foreign_storage(project, provider, deployed)


RULES = AzureRules  # what glacierc.backends.terraform.validate runs for Azure


def _deployed(executor: Executor, service: Service, found: list[Diagnostic]) -> bool:
    """Whether `executor` gets its infrastructure (and so an identity with grants); what refuses it into `found`."""
    if service == Service.VM:
        image, problem = image_parts(executor)
        found += [problem] if problem is not None else []
        return image is not None
    if service == Service.HDINSIGHT:
        settings, problems = spark_settings(executor)
        found += problems
        return settings is not None
    if service == Service.DATABRICKS:
        node, problem = databricks_node_type(executor)
        cluster = typed_config(executor.config, DatabricksConfig).cluster_id
        if cluster:  # the workspace is the module's: no cluster exists there, and each run needs its own
            problem = problem or executor_problem(executor, AZURE_DATABRICKS_CLUSTER_ID, cluster_id=cluster)
        if problem is not None:
            found.append(problem)
            return False
    return True


def schedule_problems(project: Project, provider: Provider, executors: list[tuple[Executor, Service]]
                      ) -> list[Diagnostic]:
    """GLC401 on the schedule of every pipeline of `provider` that gets an orchestration (it has a home app,
    azure_orchestration.py) when no NCRONTAB expression expresses it."""
    labels = unique_labels(e.name for e, _ in executors)
    apps = {e.name: labels[e.name] for e, kind in executors if kind == Service.FUNCTION}
    local = {e.name: labels[e.name] for e, kind in executors if kind == Service.LOCAL}
    mine = set(provider_pipelines(project, provider))
    found = []
    for pipeline in sorted(project.pipelines, key=lambda p: p.name):
        if pipeline.name not in mine or pipeline.schedule is None:
            continue
        if home_app(pipeline, fused_groups(pipeline), apps, local) is None:
            continue  # no orchestration, no timer (GLC409 says so)
        _, problem = ncrontab(pipeline.schedule)
        if problem is not None:
            found.append(AZURE_SCHEDULE.diagnostic(pipeline.schedule_span or pipeline.span, pipeline=pipeline.name,
                                                   schedule=pipeline.schedule, problem=problem))
    return found


# --- compute ------------------------------------------------------------------------------------------

def image_parts(executor: Executor) -> tuple[tuple[str, str, str, str] | None, Diagnostic | None]:
    """(publisher, offer, sku, version) of a VM executor's image, or None with GLC401."""
    image = typed_config(executor.config, AzureVMConfig).image
    parts = image.split(":")
    if len(parts) != 4 or not all(parts):
        return None, executor_problem(executor, VM_IMAGE, image=image)
    return (parts[0], parts[1], parts[2], parts[3]), None


def spark_settings(executor: Executor) -> tuple[tuple[str, str, str, int] | None, list[Diagnostic]]:
    """(cluster version, Spark version, VM size, workers) of an HDInsight executor, or None with GLC401s."""
    values = typed_config(executor.config, SparkConfig)
    written = dict(executor.config.fields) if executor.config else {}
    problems: list[Diagnostic] = []
    version = HDINSIGHT_VERSIONS.get(values.spark_version)
    if version is None:
        known = ", ".join(sorted(HDINSIGHT_VERSIONS))
        problems.append(executor_problem(executor, NO_HDINSIGHT_VERSION, spark_version=values.spark_version,
                                         known=known))
    if written.get("release_label"):
        problems.append(executor_problem(executor, HDINSIGHT_RELEASE_LABEL))
    size = str(written.get("instance_type") or DEFAULT_HDINSIGHT_SIZE)
    if not size.startswith("Standard_"):
        problems.append(executor_problem(executor, HDINSIGHT_VM_SIZE, instance_type=size))
    if problems or version is None:
        return None, problems
    return (version, values.spark_version, size, values.num_workers), []


def databricks_node_type(executor: Executor) -> tuple[str | None, Diagnostic | None]:
    """The node type of a Databricks executor's clusters, or None with GLC401."""
    written = dict(executor.config.fields) if executor.config else {}
    node = str(written.get("instance_type") or DEFAULT_DATABRICKS_NODE)
    if not node.startswith("Standard_"):
        return None, executor_problem(executor, DATABRICKS_NODE_TYPE, instance_type=node)
    return node, None


# --- storage ------------------------------------------------------------------------------------------

def storage_problems(storage: list[Storage]) -> list[Diagnostic]:
    """What Azure refuses in the storage of one provider: beside an adopted account, only the adopted containers
    (none of their settings apply); else conflicting account settings and refused lifecycle rules."""
    members = in_source_order(storage)
    adopted = [m for m in members if m.existing]
    if adopted:
        buckets = {m.bucket for m in adopted}
        return [BESIDE_ADOPTED_ACCOUNT.diagnostic(m.span, storage=m.name, adopted=adopted[0].name)
                for m in members if m.bucket not in buckets]
    return account_conflicts(members) + [d for m in members for _, d in _rule_fields_of(m) if d is not None]


def account_conflicts(members: list[Storage]) -> list[Diagnostic]:
    """GLC404 for the declarations (in source order) whose account-level settings differ from the first's."""
    values = [typed_config(m.config, AzureBlobConfig) for m in members]
    return setting_conflicts(AZURE_ACCOUNT, _ACCOUNT_LEVEL, members, values)


def lifecycle_fields(member: Storage) -> list[RawRule]:
    """The management-policy rules of the lifecycle rules of one declaration that Azure takes, in order."""
    return [rule for rule, _ in _rule_fields_of(member) if rule is not None]


def _rule_fields_of(member: Storage) -> list[tuple[RawRule | None, Diagnostic | None]]:
    found: list[tuple[RawRule | None, Diagnostic | None]] = []
    for rule in typed_config(member.config, AzureBlobConfig).lifecycle_rules:
        fields = _rule_fields(rule, member)
        if fields is not None:
            found.append((None, fields) if isinstance(fields, Diagnostic) else (fields, None))
    return found


def _rule_fields(rule: RuleConfig, member: Storage) -> RawRule | Diagnostic | None:
    """(prefix, tier, days before the move, days before deletion) of one rule, or why Azure cannot take it
    (None: the rule does nothing)."""
    prefix = f"{member.bucket}/{rule.prefix}"
    expire, days, target = rule.expire_days, rule.transition_days, rule.storage_class
    if days is not None and target is None:
        return storage_problem(member, RULE_WITHOUT_CLASS)
    if target is not None and target not in TIERS:
        return storage_problem(member, NOT_A_BLOB_TIER, storage_class=target)
    if target == "Hot":
        return storage_problem(member, BLOB_COOLER_TIER)
    if expire is not None and days is not None and expire <= days:
        return storage_problem(member, DELETE_AFTER_TIER)
    if expire is None and target is None:
        return None
    return (prefix, target, (days or 0) if target else None, expire)
