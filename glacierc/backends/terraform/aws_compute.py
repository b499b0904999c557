"""Compute of one AWS provider: Lambda functions, security groups and EMR clusters, as models of their blocks
(vm executors run as AWS Batch jobs: aws_batch.py).

Values come from the executor's config as the catalogue's dataclass, defaults filled in (`typed_config`);
names are `${var.name_prefix}-<name>` sized for the longest allowed prefix.
"""

from __future__ import annotations

from dataclasses import dataclass

from glacier.config import EC2Config, LambdaConfig, SparkConfig
from glacierc.backends.terraform.blocks import Expr, Template, Value
from glacierc.backends.terraform.common import Skip, source_of
from glacierc.backends.terraform.orchestration_common import function_timeout
from glacierc.backends.terraform.target import Target
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor, Task

EMR_IDLE_TIMEOUT = 3600
#: Steps a cluster runs at once (its `step_concurrency_level`, EMR's default): `command-runner.jar` steps all run
#: on the primary node, each using its cores through Polars. A mapped node's map adds at most this many at once.
EMR_STEP_CONCURRENCY = 1
LAMBDA_SKIPS = (
    Skip("CKV_AWS_116", "tasks are invoked synchronously by the pipeline's state machine, whose Retry and "
                        "Catch handle failures"),
    Skip("CKV_AWS_117", "the function only calls AWS APIs (S3, KMS, Logs); a VPC adds NAT cost and cold starts"),
    Skip("CKV_AWS_272", "the package is built by glacierc; set up AWS Signer yourself to require signing"),
)


@dataclass(frozen=True, slots=True)
class Function:
    label: str
    name: Template
    comment: str
    description: str
    role: str  # label of the executor's aws_iam_role
    runtime: str
    handler: str
    memory: int
    timeout: int
    architecture: str
    ephemeral_storage: int
    reserved_concurrency: int | None
    log_retention_days: int
    zip_file: str  # relative to the module; shared by the functions of the executor
    zip_hash: str  # base64 SHA-256 of the zip, as `source_code_hash` wants it
    skips: tuple[Skip, ...]
    log_skips: tuple[Skip, ...]
    environment: tuple[tuple[str, Value], ...] = ()
    #: (condition, error message) checked when planning: what must be set for the function to work.
    preconditions: tuple[tuple[Expr, str], ...] = ()
    layers: tuple[Expr, ...] = ()  # ARNs of the layers it imports from (aws_layers.py)


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    label: str
    name: Template
    comment: str
    description: str
    subnet: str | None  # label of a data "aws_subnet" giving the VPC, None = default VPC
    egress_https: bool
    emr_managed: bool


@dataclass(frozen=True, slots=True)
class Cluster:
    label: str
    name: Template
    comment: str
    release_label: str
    instance_type: str
    core_count: int
    service_role: str
    profile: str
    log_prefix: str
    skips: tuple[Skip, ...]
    #: The bootstrap action installing the job package (script URI, package URI, folder) when a state machine
    #: runs steps on the cluster; such a cluster is not terminated when idle (the next execution needs it).
    bootstrap: tuple[Template, Template, str] | None = None


def lambda_function(task: Task, executor: Executor, label: str, role: str, handler: str, zip_file: str,
                    zip_hash: str, environment: tuple[tuple[str, Value], ...] = (),
                    group_timeout: int | None = None, layers: tuple[Expr, ...] = ()) -> Function:
    """The function of `task`; `handler` and `zip_file` (the executor's shared package, `zip_hash` its
    base64 SHA-256, computed here once rather than by Terraform once per function) come from aws_package;
    `group_timeout`: the longest the fused groups it leads may run (its timeout covers them)."""
    values = typed_config(executor.config, LambdaConfig)
    timeout = function_timeout(values.timeout, task, group_timeout)
    reserved = values.reserved_concurrency
    skips: tuple[Skip, ...] = LAMBDA_SKIPS
    if reserved is None:
        skips += (Skip("CKV_AWS_115", "reserved_concurrency=None in LambdaConfig: the function is unreserved"),)
    if environment:
        skips += (Skip("CKV_AWS_173", "the environment holds only the staging bucket's URI, no secret; Lambda "
                                      "encrypts it at rest with its service key"),)
    retention = values.log_retention_days
    log_skips: tuple[Skip, ...] = ()
    if retention < 365:
        log_skips = (Skip("CKV_AWS_338", f"log_retention_days={retention} in LambdaConfig"),)
    return Function(
        label=label,
        name=Target.name(label, 64),
        comment=source_of("task", task),
        description=f"glacier task {task.name} ({task.span.file}:{task.span.line})"[:256],
        role=role,
        runtime=values.runtime,
        handler=handler,
        memory=values.memory,
        timeout=timeout,
        architecture=values.architecture,
        ephemeral_storage=values.ephemeral_storage,
        reserved_concurrency=reserved,
        log_retention_days=retention,
        zip_file=zip_file,
        zip_hash=zip_hash,
        skips=tuple(sorted(skips, key=lambda s: s.check)),
        log_skips=log_skips,
        environment=environment,
        layers=layers,
    )


def vm_security_group(executor: Executor, label: str) -> SecurityGroup:
    values = typed_config(executor.config, EC2Config)
    return SecurityGroup(
        label=label,
        name=Target.name(label, 255),
        comment=source_of("executor", executor),
        description=f"glacier executor {executor.name}: no inbound traffic, HTTPS out",
        subnet=label if values.subnet_id else None,
        egress_https=True,
        emr_managed=False,
    )


def emr_security_groups(executor: Executor, label: str) -> tuple[SecurityGroup, ...]:
    """The primary and the core nodes' groups."""
    comment = source_of("executor", executor)
    return tuple(
        SecurityGroup(
            label=f"{label}_emr_{role}",
            name=Target.name(f"{label}-emr-{role}", 255),
            comment=comment,
            description=f"glacier executor {executor.name}: EMR {role} nodes (rules managed by EMR)",
            subnet=None,
            egress_https=False,
            emr_managed=True,
        )
        for role in ("primary", "core")
    )


def emr_cluster(executor: Executor, label: str, release: str) -> Cluster:
    values = typed_config(executor.config, SparkConfig)
    return Cluster(
        label=label,
        name=Target.name(label, 256),
        comment=source_of("executor", executor),
        release_label=release,
        instance_type=values.instance_type,
        core_count=values.num_workers,
        service_role=f"{label}_emr_service",
        profile=label,
        log_prefix=f"emr/{label}/",
        skips=(Skip("CKV_AWS_114", "Kerberos needs a KDC and realm of your own; add kerberos_attributes if required"),),
    )
