"""Compute of one GCP provider: Cloud Functions (2nd gen) and Dataproc clusters.

A vm executor (`ComputeEngineConfig`) gets no machine of its own: the workflow runs its nodes as Cloud Batch
jobs on its machine type (gcp_workflows.py), so nothing sits idle between runs.

Values come from the executor's config as the catalogue's dataclass, defaults filled in (`typed_config`);
names are `${var.name_prefix}-<name>` sized for the longest allowed prefix. A Dataproc cluster's settings
come from gcp_rules.py `cluster_settings` (values GCP cannot take are GLC401 there: no cluster is made).
"""

from __future__ import annotations

from dataclasses import dataclass

from glacier.config import CloudFunctionConfig
from glacierc.backends.terraform.blocks import Template, Value
from glacierc.backends.terraform.common import Skip, source_of
from glacierc.backends.terraform.orchestration_common import function_timeout
from glacierc.backends.terraform.packaging import content_name
from glacierc.backends.terraform.target import Target
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor, Task

DATAPROC_IDLE_TTL = "3600s"
DATAPROC_TEMP_DAYS = 30
FUNCTION_SKIPS = (
    Skip("CKV_GCP_124", "the pipeline runner calls the function over HTTPS from outside the VPC; every call "
                        "must be authenticated (roles/run.invoker, never allUsers)"),
)
DATAPROC_SKIPS = (
    Skip("CKV_GCP_91", "DataprocConfig/SparkConfig have no key field: disks use Google-managed encryption"),
)


@dataclass(frozen=True, slots=True)
class Function:
    label: str
    name: Template
    comment: str
    description: str
    account: str  # label of the executor's google_service_account
    runtime: str
    memory: str
    timeout: int
    max_instances: int | None
    min_instances: int
    entry_point: str  # the function of the shared main.py running the task
    source: str  # label of the executor's google_storage_bucket_object
    skips: tuple[Skip, ...]
    #: Environment variables (GLACIER_STAGING_URI: where the pipeline's workflow stages results).
    environment: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    """The source zip of one serverless executor, uploaded once for all its functions."""

    label: str
    comment: str
    zip_file: str  # relative to the module
    object_name: str  # in the sources bucket, changes with the content


@dataclass(frozen=True, slots=True)
class Cluster:
    label: str
    name: Template
    comment: str
    account: str
    machine_type: str
    num_workers: int
    image_version: str
    staging: str  # label of the staging google_storage_bucket
    temp: str  # label of the temp google_storage_bucket
    skips: tuple[Skip, ...]


def function(task: Task, executor: Executor, label: str, account: str, entry_point: str, source: str,
             environment: tuple[tuple[str, Value], ...] = (), group_timeout: int | None = None) -> Function:
    """`group_timeout`: the longest a fused group this task's function leads may run (the sum of its nodes'
    timeouts); the function's timeout covers it, within the config's."""
    values = typed_config(executor.config, CloudFunctionConfig)
    timeout = function_timeout(values.timeout, task, group_timeout)
    return Function(
        label=label,
        name=Target.name(label, 63),
        comment=source_of("task", task),
        description=f"glacier task {task.name} ({task.span.file}:{task.span.line})"[:512],
        account=account,
        runtime=values.runtime,
        memory=f"{values.memory}Mi",
        timeout=timeout,
        max_instances=values.max_instances,
        min_instances=values.min_instances,
        entry_point=entry_point,
        source=source,
        skips=FUNCTION_SKIPS,
        environment=environment,
    )


def source(executor: Executor, label: str, content: bytes) -> Source:
    return Source(
        label=label,
        comment=source_of("executor", executor),
        zip_file=f"functions/{label}.zip",
        object_name=f"functions/{content_name(label, content)}",
    )


def cluster(executor: Executor, label: str, settings: tuple[str, int, str]) -> Cluster:
    machine_type, workers, image = settings
    return Cluster(
        label=label,
        name=Target.name(label, 49),
        comment=source_of("executor", executor),
        account=label,
        machine_type=machine_type,
        num_workers=workers,
        image_version=image,
        staging=f"{label}_staging",
        temp=f"{label}_temp",
        skips=DATAPROC_SKIPS,
    )
