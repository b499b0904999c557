"""The AWS root module of one provider: a model computed in Python, laid out by templates.

`emit_aws` returns the files of the module relative to its directory: versions.tf, providers.tf,
variables.tf, storage.tf, iam.tf, compute.tf, outputs.tf, one `lambda/<executor>.zip` per serverless
executor (shared by the Lambda functions of its tasks), and for Databricks executors a separate root
module under `databricks/`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from glacierc.backends.terraform import aws_compute as compute
from glacierc.backends.terraform import aws_iam as iam
from glacierc.backends.terraform import aws_keys as keys
from glacierc.backends.terraform.access import foreign_access
from glacierc.backends.terraform.aws_package import handler, lambda_zip, zip_path
from glacierc.backends.terraform.aws_storage import (
    ABORT_MULTIPART_DAYS,
    Bucket,
    buckets_of,
    logs_bucket,
)
from glacierc.backends.terraform.common import (
    DEFAULT_NAME_PREFIX,
    NAME_PREFIX_MAX,
    Expr,
    Output,
    config_values,
    default_tags,
    prefixed,
    provider_pipelines,
    render,
    source_comment,
    tasks_by_executor,
    unique_labels,
)
from glacierc.backends.terraform.packaging import (
    PipelineEntry,
    pipeline_entries,
    task_entries,
)
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir.nodes import Executor, Project, Provider, Task

EMR_SERVICE_POLICY = "arn:{partition}:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"
LOGS = "glacier_logs"
_FILES = ("versions.tf", "providers.tf", "variables.tf", "storage.tf", "iam.tf", "compute.tf", "outputs.tf")


@dataclass(frozen=True, slots=True)
class Role:
    label: str
    name: str
    comment: str
    trust: iam.Statement
    statements: tuple[iam.Statement, ...]
    instance_profile: bool = False
    managed_policies: tuple[str, ...] = ()


@dataclass(slots=True)
class AwsModule:
    """Everything the AWS templates lay out (filled by `build`)."""

    region: str
    profile: str | None
    account_id: str | None
    comment: str
    tags: dict[str, str]
    partition: str
    buckets: list[Bucket] = field(default_factory=list)
    #: Generated keys by the label of the bucket / EMR cluster they encrypt; the logs key.
    bucket_keys: dict[str, keys.KmsKey] = field(default_factory=dict)
    cluster_keys: dict[str, keys.KmsKey] = field(default_factory=dict)
    logs_key: keys.KmsKey | None = None
    roles: list[Role] = field(default_factory=list)
    functions: list[compute.Function] = field(default_factory=list)
    instances: list[compute.Instance] = field(default_factory=list)
    security_groups: list[compute.SecurityGroup] = field(default_factory=list)
    subnets: list[tuple[str, str, str]] = field(default_factory=list)
    amis: list[str] = field(default_factory=list)
    clusters: list[compute.Cluster] = field(default_factory=list)
    databricks: list[tuple[Executor, tuple[Task, ...], str]] = field(default_factory=list)
    zips: dict[str, bytes] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def emit_aws(project: Project, provider: Provider, runner_sources: Mapping[str, str] | None = None
             ) -> tuple[dict[str, str | bytes], tuple[Diagnostic, ...]]:
    """The files of the AWS root module for `provider`, relative to the module directory."""
    runner_sources = runner_sources or {}
    module = build(project, provider, runner_sources)
    files: dict[str, str | bytes] = {}
    context = _context(module)
    for name in _FILES:
        text = render(f"terraform/aws/{name}.j2", **context)
        if text.strip():
            files[name] = text
    files.update(sorted(module.zips.items()))
    if module.databricks:
        from glacierc.backends.terraform.databricks import emit_databricks

        entries = pipeline_entries(project, runner_sources)
        found = emit_databricks(module.databricks, module.tags, entries, runner_sources, cloud_module="AWS")
        files.update((f"databricks/{path}", content) for path, content in found.items())
    return files, tuple(module.diagnostics)


def _context(module: AwsModule) -> dict[str, object]:
    return {
        "m": module,
        "logs": LOGS,
        "abort_days": ABORT_MULTIPART_DAYS,
        "idle_timeout": compute.EMR_IDLE_TIMEOUT,
        "default_name_prefix": DEFAULT_NAME_PREFIX,
        "name_prefix_max": NAME_PREFIX_MAX,
        "outputs": _outputs(module),
    }


def _outputs(module: AwsModule) -> tuple[Output, ...]:
    """Map outputs keyed by the names used in the pipeline code."""
    candidates = (
        Output("buckets", "ARN of every bucket, by bucket name.",
               tuple((b.name, f"aws_s3_bucket.{b.label}.arn") for b in module.buckets if b.name)),
        Output("roles", "ARN of the IAM role of every executor (and EMR service role), by label.",
               tuple((r.label, f"aws_iam_role.{r.label}.arn") for r in module.roles)),
        Output("instance_profiles", "ARN of every instance profile, by executor label.",
               tuple((r.label, f"aws_iam_instance_profile.{r.label}.arn")
                     for r in module.roles if r.instance_profile)),
        Output("functions", "Name of the Lambda function of every serverless task, by task label.",
               tuple((f.label, f"aws_lambda_function.{f.label}.function_name") for f in module.functions)),
        Output("instances", "Id of the EC2 instance of every vm task, by task label.",
               tuple((i.label, f"aws_instance.{i.label}.id") for i in module.instances)),
        Output("clusters", "Id of the EMR cluster of every Spark executor, by executor label.",
               tuple((c.label, f"aws_emr_cluster.{c.label}.id") for c in module.clusters)),
    )
    return tuple(output for output in candidates if output.values)


def build(project: Project, provider: Provider, runner_sources: Mapping[str, str] | None) -> AwsModule:
    values = config_values(provider.config, "AwsConfig")
    module = AwsModule(
        region=str(values["region"]), profile=values["profile"], account_id=values["account_id"],
        comment=source_comment([(provider.span, f"provider {provider.name}")]),
        tags=default_tags(provider_pipelines(project, provider)),
        partition=iam.partition(str(values["region"])),
    )
    executors = _supported_executors(project, provider, module.diagnostics)
    exec_labels = unique_labels(e.name for e, _ in executors)
    storage = {s.name: s for s in project.storage if s.provider == provider.name}
    reserved = {LOGS} | {f"{exec_labels[e.name]}_emr" for e, kind in executors if kind == "emr"}
    bucket_labels = unique_labels({s.bucket for s in storage.values()}, reserved)
    buckets, found = buckets_of(tuple(storage.values()), bucket_labels)
    module.buckets.extend(buckets)
    module.diagnostics.extend(found)
    _add_compute(module, project, executors, exec_labels, runner_sources)
    _add_keys(module)
    _add_roles(module, project, provider, executors, exec_labels, storage)
    return module


def _supported_executors(project: Project, provider: Provider, diagnostics: list[Diagnostic]
                         ) -> list[tuple[Executor, str]]:
    """(executor, kind) for every executor of `provider` running a task; kind names the AWS service."""
    used = {t.executor for t in project.tasks}
    result = []
    for executor in sorted(project.executors, key=lambda e: e.name):
        if executor.provider != provider.name or executor.name not in used:
            continue
        kind = _service(executor)
        if kind is None:
            diagnostics.append(Diagnostic(
                "GLC401", Severity.ERROR,
                f"executor `{executor.name}`: {executor.config_type} cannot run on AWS "
                f"(provider `{provider.name}`); no infrastructure is generated for it",
                executor.span,
                help="use LambdaConfig, EC2Config, SparkConfig or DatabricksConfig with an AwsConfig provider",
            ))
            continue
        result.append((executor, kind))
    return result


_SERVICES = {
    ("local", None): "local",
    ("serverless", None): "lambda", ("serverless", "LambdaConfig"): "lambda",
    ("vm", None): "ec2", ("vm", "EC2Config"): "ec2",
    ("cluster", None): "emr", ("cluster", "SparkConfig"): "emr",
    ("cluster", "DatabricksConfig"): "databricks",
}  # fmt: skip


def _service(executor: Executor) -> str | None:
    if executor.kind == "local":
        return "local"
    return _SERVICES.get((executor.kind, executor.config_type))


def _add_compute(module: AwsModule, project: Project, executors: list[tuple[Executor, str]],
                 exec_labels: dict[str, str], runner_sources: Mapping[str, str] | None) -> None:
    tasks = tasks_by_executor(project)
    task_labels = unique_labels(t.name for e, _ in executors for t in tasks.get(e.name, ()))
    entries = pipeline_entries(project, runner_sources)
    amis: set[str] = set()
    for executor, kind in executors:
        label = exec_labels[executor.name]
        mine = tasks.get(executor.name, [])
        if kind == "lambda":
            _add_functions(module, executor, label, mine, task_labels, entries, runner_sources)
        elif kind == "ec2":
            group = compute.vm_security_group(executor, label)
            module.security_groups.append(group)
            if group.subnet:
                subnet = str(config_values(executor.config, "EC2Config")["subnet_id"])
                module.subnets.append((label, subnet, group.comment))
            for task in mine:
                instance = compute.instance(task, executor, task_labels[task.name], label)
                module.instances.append(instance)
                if isinstance(instance.ami, Expr):
                    amis.add(compute.ami_architecture(instance.instance_type))
        elif kind == "emr":
            _add_cluster(module, executor, label)
        elif kind == "databricks":
            module.databricks.append((executor, tuple(mine), label))
    module.amis.extend(sorted(amis))


def _add_functions(module: AwsModule, executor: Executor, label: str, tasks: list[Task],
                   task_labels: dict[str, str], entries: Mapping[str, tuple[PipelineEntry, ...]],
                   runner_sources: Mapping[str, str] | None) -> None:
    """A Lambda function per task, all deploying one package of the executor (its own entry each)."""
    shared = task_entries((t.name for t in tasks), task_labels, entries)
    zip_file = zip_path(label)
    location = f"{executor.span.file}:{executor.span.line}"
    module.zips[zip_file] = lambda_zip(executor.name, location, shared, runner_sources)
    zip_hash = base64.b64encode(hashlib.sha256(module.zips[zip_file]).digest()).decode()
    for task, entry in zip(tasks, shared, strict=True):
        module.functions.append(compute.lambda_function(
            task, executor, task_labels[task.name], label, handler(entry), zip_file, zip_hash))


def _add_cluster(module: AwsModule, executor: Executor, label: str) -> None:
    release, problem = compute.emr_release(executor)
    if problem is not None:
        module.diagnostics.append(problem)
        return
    module.clusters.append(compute.emr_cluster(executor, label, release))
    module.security_groups.extend(compute.emr_security_groups(executor, label))


def _add_keys(module: AwsModule) -> None:
    """A KMS key per bucket without a configured key, one for logs, one per EMR cluster."""
    for bucket in module.buckets:
        if bucket.generated_key:
            module.bucket_keys[bucket.label] = keys.bucket_key(bucket, module.partition)
    if module.functions or module.clusters:
        module.logs_key = keys.logs_key(LOGS, module.partition, module.region)
    if module.clusters:
        comment = "# source: generated for the EMR cluster logs of this module"
        module.buckets.append(logs_bucket(LOGS, Expr(f"aws_kms_key.{LOGS}.arn"), comment))
    for cluster in module.clusters:
        module.cluster_keys[cluster.label] = keys.emr_key(cluster, module.partition)


def _add_roles(module: AwsModule, project: Project, provider: Provider,
               executors: list[tuple[Executor, str]], exec_labels: dict[str, str],
               storage: dict) -> None:
    access = iam.executor_access(project)
    everything = {s.name: s for s in project.storage}
    kms = {b.name: b.kms_key for b in module.buckets if b.name}
    logs = {f.role: [] for f in module.functions}
    for function in module.functions:
        logs[function.role].append(Expr(f"aws_cloudwatch_log_group.{function.label}.arn"))
    clusters = {c.label: c for c in module.clusters}
    for executor, kind in executors:
        label = exec_labels[executor.name]
        if kind == "emr" and label not in clusters:
            continue
        mine = access.get(executor.name, iam.Access((), ()))
        module.diagnostics.extend(foreign_access(executor, mine, storage, everything))
        statements = iam.s3_statements(mine, storage, module.partition, kms)
        if label in logs:
            statements += (iam.log_statement(logs[label]), iam.tracing_statement())
        if label in clusters:
            statements += iam.cluster_log_statements(clusters[label].log_prefix, LOGS)
        module.roles.append(Role(
            label=label,
            name=prefixed(label, 64),
            comment=source_comment([(executor.span, f"executor {executor.name}")]),
            trust=iam.executor_trust(executor, module.partition),
            statements=statements,
            instance_profile=kind in ("ec2", "emr", "databricks"),
        ))
        if label in clusters:
            module.roles.append(_emr_service_role(executor, label, module.partition))


def _emr_service_role(executor: Executor, label: str, partition: str) -> Role:
    return Role(
        label=f"{label}_emr_service",
        name=prefixed(f"{label}-emr-service", 64),
        comment=source_comment([(executor.span, f"executor {executor.name}")]),
        trust=iam.trust_statement("Service", ("elasticmapreduce.amazonaws.com",)),
        statements=(),
        managed_policies=(EMR_SERVICE_POLICY.format(partition=partition),),
    )


