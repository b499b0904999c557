"""What a GCP deploy refuses, judged over the IR without building the module: executors GCP cannot run
(GLC401; Databricks with its own message), mapped nodes it cannot run, Cloud Storage settings GCS refuses or
that conflict between declarations of one bucket (GLC302, GLC404), Dataproc settings (GLC401; one worker is
GLC302), a schedule Cloud Scheduler cannot express (GLC401), a workflow definition over Cloud Workflows' size
limit (GLC401), storage of another provider (GLC403).

`check` runs `GcpRules().validate` alone (no block builder is imported): the size is that of the very
definition the build writes, made from the IR by gcp_workflow_calls.py. `GcpTarget` inherits it, reports the
same from `emit`, and builds its buckets, clusters and schedules from the same functions (`lifecycle_fields`,
`kms_key`, `cluster_settings`, `unix_cron`).
"""

from __future__ import annotations

import re

from glacier.config import DataprocConfig, GCSConfig, LifecycleRule as RuleConfig, SparkConfig
from glacierc.backends.terraform.gcp_schedule import unix_cron
from glacierc.backends.terraform.gcp_workflow_calls import (
    SOURCE_MAX,
    definition_size,
    definitions,
    workflow_calls,
)
from glacierc.backends.terraform.common import provider_pipelines, unique_labels
from glacierc.backends.terraform.target_rules import (
    TargetRules,
    configured_buckets,
    executor_problem,
    setting_conflicts,
    storage_problem,
)
from glacierc.checks.glc302_config_out_of_limits import (
    DATAPROC_WORKERS,
    EXPIRE_AFTER_TRANSITION,
    GCS_COLDER_CLASS,
    KMS_KEY_NAME,
    NOT_A_GCS_CLASS,
    RULE_WITHOUT_CLASS,
)
from glacierc.checks.glc401_unsupported_on_target import (
    DATABRICKS_ON_GCP,
    DATAPROC_MACHINE_TYPE,
    DATAPROC_RELEASE_LABEL,
    GCP_EXECUTOR,
    GCP_SCHEDULE,
    NO_DATAPROC_IMAGE,
    WORKFLOW_TOO_LARGE,
)
from glacierc.checks.glc404_conflicting_bucket_config import GCS_BUCKET
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor, ExecutorKind, Project, Provider, Service, Storage

#: GCS storage classes, warmest first: SetStorageClass only moves objects to a colder class.
GCS_CLASSES = ("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE")
_BUCKET_LEVEL = ("versioning", "storage_class", "location", "kms_key_name")
_KMS_KEY = re.compile(r"projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+")
#: A lifecycle rule GCS takes: (prefix, expire days, transition days, storage class).
RawRule = tuple[str, int | None, int | None, str | None]

#: Spark major.minor -> the Dataproc image version shipping it (SparkConfig on GCP).
DATAPROC_IMAGES = {"3.5": "2.2-debian12", "3.3": "2.1-debian11", "3.1": "2.0-debian10"}
DEFAULT_MACHINE_TYPE = "n2-standard-4"
_MACHINE_TYPE = re.compile(r"[a-z][a-z0-9]*-[a-z0-9-]+")


class GcpRules(TargetRules):
    """The GCP services of each executor kind and what GCP refuses (see the module docstring)."""

    CLOUD = "GCP"
    SERVICES = {
        **TargetRules.SERVICES,
        (ExecutorKind.SERVERLESS, None): Service.FUNCTION,
        (ExecutorKind.SERVERLESS, "CloudFunctionConfig"): Service.FUNCTION,
        (ExecutorKind.VM, None): Service.VM,
        (ExecutorKind.VM, "ComputeEngineConfig"): Service.VM,
        (ExecutorKind.CLUSTER, None): Service.DATAPROC,
        (ExecutorKind.CLUSTER, "SparkConfig"): Service.DATAPROC,
        (ExecutorKind.CLUSTER, "DataprocConfig"): Service.DATAPROC,
    }  # fmt: skip
    UNSUPPORTED_EXECUTOR = GCP_EXECUTOR
    MAPS = True  # a mapped node is a Workflows parallel iteration, a call per object (gcp_workflows_map.py)

    def maps_on(self, executor: Executor) -> bool:
        """Every executor the workflow runs: a function call, a Dataproc job or a Batch job per object."""
        return self.service(executor) in (Service.FUNCTION, Service.LOCAL, Service.VM, Service.DATAPROC)

    def unsupported(self, executor: Executor, provider: Provider) -> Diagnostic:
        if executor.config_type != "DatabricksConfig":
            return super().unsupported(executor, provider)
        return DATABRICKS_ON_GCP.diagnostic(executor.span, executor=executor.name)

    def validate(self, project: Project, provider: Provider) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        executors = self.supported_executors(project, provider, found)
        found += self.unsupported_maps(project, provider)
        found += bucket_problems([s for s in project.storage if s.provider == provider.name])
        deployed = []
        for executor, service in executors:
            if service == Service.DATAPROC:
                settings, problems = cluster_settings(executor)
                found += problems
                if settings is None:
                    continue  # no cluster: no identity, no grants
            deployed.append(executor)
        found += schedule_problems(project, provider)
        found += size_problems(project, self.workflow_definitions(project, provider))
        return found + self.foreign_storage(project, provider, deployed)

    def workflow_definitions(self, project: Project, provider: Provider) -> dict[str, dict]:
        """Pipeline name -> the Cloud Workflows definition the build writes for it, made from the IR alone."""
        executors = self.supported_executors(project, provider, [])
        labels = unique_labels(e.name for e, _ in executors)
        clusters = [labels[e.name] for e, service in executors
                    if service == Service.DATAPROC and cluster_settings(e)[0] is not None]
        return definitions(project, provider, workflow_calls(project, provider, executors, labels, clusters))


RULES = GcpRules  # what glacierc.backends.terraform.validate runs for GCP


def schedule_problems(project: Project, provider: Provider) -> list[Diagnostic]:
    """GLC401 on every schedule of `provider`'s pipelines that Cloud Scheduler cannot run exactly."""
    mine = set(provider_pipelines(project, provider))
    found = []
    for pipeline in sorted(project.pipelines, key=lambda p: p.name):
        if pipeline.schedule is None or pipeline.name not in mine:
            continue
        _, problem = unix_cron(pipeline.schedule)
        if problem is not None:
            found.append(GCP_SCHEDULE.diagnostic(pipeline.schedule_span or pipeline.span, pipeline=pipeline.name,
                                                 schedule=pipeline.schedule, problem=problem))
    return found


def size_problems(project: Project, made: dict[str, dict]) -> list[Diagnostic]:
    """GLC401 for every definition of `made` (pipeline -> definition) larger than Cloud Workflows accepts."""
    found = []
    for pipeline in sorted(project.pipelines, key=lambda p: p.name):
        size = definition_size(made[pipeline.name]) if pipeline.name in made else 0
        if size > SOURCE_MAX:
            found.append(WORKFLOW_TOO_LARGE.diagnostic(pipeline.span, pipeline=pipeline.name, kilobytes=size // 1024,
                                                       limit=SOURCE_MAX // 1024))
    return found


# --- Dataproc -------------------------------------------------------------------------------------------

def cluster_settings(executor: Executor) -> tuple[tuple[str, int, str] | None, list[Diagnostic]]:
    """(machine type, workers, image version) of a Dataproc executor, or None with the GLC401s (GLC302 for one
    worker: Dataproc clusters have none or at least two)."""
    if executor.config_type == "DataprocConfig":
        dataproc = typed_config(executor.config, DataprocConfig)
        settings = (dataproc.machine_type, dataproc.num_workers, dataproc.image_version)
        return (None, [_one_worker(executor)]) if settings[1] == 1 else (settings, [])
    values = typed_config(executor.config, SparkConfig)
    written = dict(executor.config.fields) if executor.config else {}
    problems = [_one_worker(executor)] if values.num_workers == 1 else []
    image = DATAPROC_IMAGES.get(values.spark_version)
    if image is None:
        known = ", ".join(sorted(DATAPROC_IMAGES))
        problems.append(executor_problem(executor, NO_DATAPROC_IMAGE, spark_version=values.spark_version, known=known))
    if written.get("release_label"):
        problems.append(executor_problem(executor, DATAPROC_RELEASE_LABEL))
    machine = str(written.get("instance_type") or DEFAULT_MACHINE_TYPE)
    if not _MACHINE_TYPE.fullmatch(machine):
        problems.append(executor_problem(executor, DATAPROC_MACHINE_TYPE, instance_type=machine))
    if problems or image is None:
        return None, problems
    return (machine, values.num_workers, image), []


def _one_worker(executor: Executor) -> Diagnostic:
    return executor_problem(executor, DATAPROC_WORKERS)


# --- Cloud Storage buckets ------------------------------------------------------------------------------

def bucket_problems(storage: list[Storage]) -> list[Diagnostic]:
    """What GCS refuses in the buckets of `storage` (all of one provider); adopted buckets are not configured
    (GLC410 says so)."""
    return [d for name, members in configured_buckets(storage) for d in settings_problems(name, members)]


def settings_problems(name: str, members: list[Storage]) -> list[Diagnostic]:
    """GLC404 for bucket-level settings that differ from the first declaration's, GLC302 for a key name and
    lifecycle rules GCS refuses."""
    values = [typed_config(m.config, GCSConfig) for m in members]
    found = setting_conflicts(GCS_BUCKET, _BUCKET_LEVEL, members, values, bucket=name)
    key = values[0].kms_key_name
    if key and kms_key(values[0]) is None:
        found.append(storage_problem(members[0], KMS_KEY_NAME, key=key))
    return found + [d for _, d in _rule_fields_of(members, values) if d is not None]


def kms_key(value: GCSConfig) -> str | None:
    """The CMEK key of a bucket whose first declaration is `value`: its key name when GCS takes it, else None."""
    key = value.kms_key_name
    return key if key and _KMS_KEY.fullmatch(key) else None


def lifecycle_fields(members: list[Storage]) -> list[RawRule]:
    """The lifecycle rules GCS takes of the declarations of one bucket, in source order (refused ones left out)."""
    values = [typed_config(m.config, GCSConfig) for m in members]
    return [rule for rule, _ in _rule_fields_of(members, values) if rule is not None]


def _rule_fields_of(members: list[Storage], values: list[GCSConfig]
                    ) -> list[tuple[RawRule | None, Diagnostic | None]]:
    found: list[tuple[RawRule | None, Diagnostic | None]] = []
    for member, value in zip(members, values):
        for rule in value.lifecycle_rules:
            fields = _rule_fields(rule, member)
            found.append((None, fields) if isinstance(fields, Diagnostic) else (fields, None))
    return found


def _rule_fields(rule: RuleConfig, member: Storage) -> RawRule | Diagnostic:
    """(prefix, expire days, transition days, storage class) of one rule, or why GCS cannot take it."""
    expire, days, target = rule.expire_days, rule.transition_days, rule.storage_class
    if days is not None and target is None:
        return storage_problem(member, RULE_WITHOUT_CLASS)
    if target is not None and target not in GCS_CLASSES:
        return storage_problem(member, NOT_A_GCS_CLASS, storage_class=target, choices=", ".join(GCS_CLASSES))
    if target == GCS_CLASSES[0]:
        return storage_problem(member, GCS_COLDER_CLASS)
    if expire is not None and days is not None and expire <= days:
        return storage_problem(member, EXPIRE_AFTER_TRANSITION)
    return (rule.prefix, expire, days, target)
