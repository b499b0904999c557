"""The GCP root module of one provider: a model computed in Python, laid out by templates.

`emit_gcp` returns the files of the module relative to its directory: versions.tf, providers.tf,
variables.tf, storage.tf, iam.tf, network.tf, compute.tf, outputs.tf and one
`functions/<executor>.zip` per serverless executor (the source shared by its Cloud Functions).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from glacierc.backends.terraform import gcp_compute as compute
from glacierc.backends.terraform import gcp_iam as iam
from glacierc.backends.terraform.access import Access, executor_access, foreign_access
from glacierc.backends.terraform.blocks import print_blocks
from glacierc.backends.terraform.common import (
    DEFAULT_NAME_PREFIX,
    NAME_PREFIX_MAX,
    cloud_name,
    config_values,
    default_tags,
    prefixed,
    provider_pipelines,
    render,
    source_comment,
    tasks_by_executor,
    unique_labels,
)
from glacierc.backends.terraform.gcp_package import function_zip
from glacierc.backends.terraform.gcp_storage import Bucket, buckets_of, generated_bucket
from glacierc.backends.terraform.packaging import (
    PipelineEntry,
    pipeline_entries,
    task_entries,
)
from glacierc.backends.terraform.target import Output, Target
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir.nodes import Executor, Project, Provider, Storage, Task

SOURCES = "glacier_functions"
NETWORK = "glacier"
DATAPROC_ROLE = "glacier_dataproc_worker"
IAP_RANGE = "35.235.240.0/20"
_FILES = ("providers.tf", "variables.tf", "storage.tf", "iam.tf", "network.tf", "compute.tf")


@dataclass(frozen=True, slots=True)
class Account:
    """The service account of one executor (its execution identity)."""

    label: str
    account_id: str  # HCL template
    display_name: str
    comment: str
    kind: str  # local, function, vm, dataproc


@dataclass(frozen=True, slots=True)
class ProjectRole:
    label: str
    role: str  # a role name, or `custom` for the generated Dataproc worker role
    account: str
    comment: str


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """Lets the project's Cloud Storage service agent use a CMEK key of a bucket."""

    label: str
    key: str
    comment: str


@dataclass(slots=True)
class GcpModule:
    """Everything the GCP templates lay out (filled by `build`)."""

    project_id: str
    region: str
    comment: str
    labels: dict[str, str]
    suffix: str  # a short hash making generated global names (buckets) distinct per project/provider
    buckets: list[Bucket] = field(default_factory=list)
    key_grants: list[KeyGrant] = field(default_factory=list)
    bucket_keys: dict[str, str] = field(default_factory=dict)  # bucket label -> key grant label
    accounts: list[Account] = field(default_factory=list)
    bindings: list[iam.Binding] = field(default_factory=list)
    project_roles: list[ProjectRole] = field(default_factory=list)
    functions: list[compute.Function] = field(default_factory=list)
    sources: list[compute.Source] = field(default_factory=list)
    instances: list[compute.Instance] = field(default_factory=list)
    clusters: list[compute.Cluster] = field(default_factory=list)
    zips: dict[str, bytes] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def network(self) -> bool:
        return bool(self.instances or self.clusters)

    @property
    def account_comments(self) -> dict[str, str]:
        return {a.label: a.comment for a in self.accounts}

    def accounts_of(self, kind: str) -> list[Account]:
        return [a for a in self.accounts if a.kind == kind]


def emit_gcp(project: Project, provider: Provider, runner_sources: Mapping[str, str] | None = None
             ) -> tuple[dict[str, str | bytes], tuple[Diagnostic, ...]]:
    """The files of the GCP root module for `provider`, relative to the module directory."""
    module = build(project, provider, runner_sources or {})
    context = {
        "m": module, "sources": SOURCES, "network": NETWORK, "dataproc_role": DATAPROC_ROLE,
        "iap_range": IAP_RANGE, "idle_ttl": compute.DATAPROC_IDLE_TTL,
        "worker_permissions": iam.DATAPROC_WORKER_PERMISSIONS, "outputs": _outputs(module),
        "default_name_prefix": DEFAULT_NAME_PREFIX, "name_prefix_max": NAME_PREFIX_MAX,
    }
    files: dict[str, str | bytes] = {"versions.tf": print_blocks([GcpTarget.versions()])}
    for name in _FILES:
        text = render(f"terraform/gcp/{name}.j2", **context)
        if text.strip():
            files[name] = text
    if outputs := GcpTarget.outputs(_outputs(module)):
        files["outputs.tf"] = print_blocks(outputs)
    files.update(sorted(module.zips.items()))
    return files, tuple(module.diagnostics)


def build(project: Project, provider: Provider, runner_sources: Mapping[str, str] | None) -> GcpModule:
    values = config_values(provider.config, "GcpConfig")
    pipelines = [name.lower() for name in provider_pipelines(project, provider)]
    module = GcpModule(
        project_id=str(values["project_id"]),
        region=str(values["region"]),
        comment=source_comment([(provider.span, f"provider {provider.name}")]),
        labels=default_tags(pipelines, separator="_", allowed=r"[^a-z0-9_-]", max_length=63),
        suffix=hashlib.sha256(f"{values['project_id']}/{provider.name}".encode()).hexdigest()[:8],
    )
    executors = GcpTarget().supported_executors(project, provider, module.diagnostics)
    exec_labels = unique_labels(e.name for e, _ in executors)
    storage = {s.name: s for s in project.storage if s.provider == provider.name}
    reserved = {SOURCES} | {f"{exec_labels[e.name]}_{part}" for e, kind in executors if kind == "dataproc"
                            for part in ("staging", "temp")}
    bucket_labels = unique_labels({s.bucket for s in storage.values()}, reserved)
    buckets, found = buckets_of(tuple(storage.values()), bucket_labels, module.region)
    module.buckets.extend(buckets)
    module.diagnostics.extend(found)
    _add_keys(module)
    _add_compute(module, project, executors, exec_labels, runner_sources)
    _add_accounts(module, project, executors, exec_labels, storage, bucket_labels)
    return module


class GcpTarget(Target):
    CLOUD = "GCP"
    PROVIDER, PROVIDER_SOURCE, PROVIDER_VERSION = "google", "hashicorp/google", "~> 6.0"
    SERVICES = {
        **Target.SERVICES,
        ("serverless", None): "function", ("serverless", "CloudFunctionConfig"): "function",
        ("vm", None): "vm", ("vm", "ComputeEngineConfig"): "vm",
        ("cluster", None): "dataproc", ("cluster", "SparkConfig"): "dataproc",
        ("cluster", "DataprocConfig"): "dataproc",
    }  # fmt: skip
    SUPPORTED_HELP = "use CloudFunctionConfig, ComputeEngineConfig, DataprocConfig or SparkConfig with GcpConfig"

    def unsupported(self, executor: Executor, provider: Provider) -> Diagnostic:
        if executor.config_type != "DatabricksConfig":
            return super().unsupported(executor, provider)
        return Diagnostic(
            "GLC401", Severity.ERROR,
            f"executor `{executor.name}`: Databricks on GCP is not generated (the workspace belongs to "
            f"a Databricks account, outside the google provider); no infrastructure is generated for it",
            executor.span, help="use DataprocConfig or SparkConfig (Dataproc) with a GcpConfig provider",
        )


def _add_keys(module: GcpModule) -> None:
    """The Cloud Storage service agent must be allowed to use every CMEK key of a bucket."""
    grants: dict[str, KeyGrant] = {}
    for bucket in module.buckets:
        if bucket.kms_key is None:
            continue
        if bucket.kms_key not in grants:
            grants[bucket.kms_key] = KeyGrant(f"{bucket.label}_cmek", bucket.kms_key, bucket.comment)
        module.bucket_keys[bucket.label] = grants[bucket.kms_key].label
    module.key_grants.extend(grants.values())


def _add_compute(module: GcpModule, project: Project, executors: list[tuple[Executor, str]],
                 exec_labels: dict[str, str], runner_sources: Mapping[str, str] | None) -> None:
    tasks = tasks_by_executor(project)
    task_labels = unique_labels(t.name for e, _ in executors for t in tasks.get(e.name, ()))
    entries = pipeline_entries(project, runner_sources)
    for executor, kind in executors:
        label = exec_labels[executor.name]
        mine = tasks.get(executor.name, [])
        if kind == "function":
            _add_functions(module, executor, label, mine, task_labels, entries, runner_sources)
        elif kind == "vm":
            module.instances.extend(compute.instance(task, executor, task_labels[task.name], label, module.region)
                                    for task in mine)
        elif kind == "dataproc":
            _add_cluster(module, executor, label)
    if module.functions:
        comment = "# source: generated, the source packages of the Cloud Functions of this module"
        module.buckets.append(generated_bucket(SOURCES, f"${{var.name_prefix}}-functions-{module.suffix}",
                                               comment, module.region))


def _add_functions(module: GcpModule, executor: Executor, label: str, tasks: list[Task],
                   task_labels: dict[str, str], entries: Mapping[str, tuple[PipelineEntry, ...]],
                   runner_sources: Mapping[str, str] | None) -> None:
    """A Cloud Function per task, all built from one source object of the executor (own entry point each)."""
    shared = task_entries((t.name for t in tasks), task_labels, entries)
    location = f"{executor.span.file}:{executor.span.line}"
    content = function_zip(executor.name, location, shared, runner_sources)
    source = compute.source(executor, label, content)
    module.sources.append(source)
    module.zips[source.zip_file] = content
    module.functions.extend(
        compute.function(task, executor, task_labels[task.name], label, entry.entry, source.label)
        for task, entry in zip(tasks, shared, strict=True))


def _add_cluster(module: GcpModule, executor: Executor, label: str) -> None:
    settings, problems = compute.cluster_settings(executor)
    module.diagnostics.extend(problems)
    if settings is None:
        return
    cluster = compute.cluster(executor, label, settings)
    module.clusters.append(cluster)
    for part, label_, days in (("staging", cluster.staging, None), ("temp", cluster.temp, compute.DATAPROC_TEMP_DAYS)):
        name = prefixed(f"{label}-{part}-{module.suffix}", 63)
        module.buckets.append(generated_bucket(label_, name, cluster.comment, module.region, expire_days=days))


def _account(executor: Executor, label: str, kind: str) -> Account:
    name = cloud_name(label, 21)
    if len(name) < 4:
        name += "-sa"
    return Account(
        label=label,
        account_id="${substr(var.name_prefix, 0, 8)}-" + name,
        display_name=f"glacier executor {executor.name}"[:100],
        comment=source_comment([(executor.span, f"executor {executor.name}")]),
        kind=kind,
    )


def _add_accounts(module: GcpModule, project: Project, executors: list[tuple[Executor, str]],
                  exec_labels: dict[str, str], storage: dict[str, Storage], bucket_labels: dict[str, str]) -> None:
    access = executor_access(project)
    everything = {s.name: s for s in project.storage}
    clusters = {c.label: c for c in module.clusters}
    for executor, kind in executors:
        label = exec_labels[executor.name]
        if kind == "dataproc" and label not in clusters:
            continue
        account = _account(executor, label, kind)
        module.accounts.append(account)
        mine = access.get(executor.name, Access((), ()))
        module.diagnostics.extend(foreign_access(executor, mine, storage, everything))
        module.bindings.extend(iam.storage_bindings(label, executor.name, mine, storage, bucket_labels))
        if kind == "vm":
            module.project_roles.extend(
                ProjectRole(f"{label}_{role.rsplit('.', 1)[-1].lower()}", role, label, account.comment)
                for role in iam.VM_PROJECT_ROLES)
        elif kind == "dataproc":
            module.project_roles.append(ProjectRole(f"{label}_dataproc_worker", "custom", label, account.comment))
            module.bindings.extend(_cluster_bucket_bindings(clusters[label]))


def _cluster_bucket_bindings(cluster: compute.Cluster) -> list[iam.Binding]:
    """Full object access to the cluster's own staging and temp buckets (and reading their metadata)."""
    return [
        iam.Binding(f"{bucket}_{short}", bucket, role, cluster.account, None)
        for bucket in (cluster.staging, cluster.temp)
        for short, role in (("bucket", "roles/storage.legacyBucketReader"), ("objects", iam.WRITER))
    ]


def _outputs(module: GcpModule) -> tuple[Output, ...]:
    """Map outputs keyed by the names used in the pipeline code."""
    candidates = (
        Output("buckets", "URL of every bucket of the pipeline code, by bucket name.",
               tuple((b.name, f"google_storage_bucket.{b.label}.url") for b in module.buckets if not b.generated)),
        Output("service_accounts", "Email of the service account of every executor, by executor label.",
               tuple((a.label, f"google_service_account.{a.label}.email") for a in module.accounts)),
        Output("functions", "URL of the Cloud Function of every serverless task, by task label.",
               tuple((f.label, f"google_cloudfunctions2_function.{f.label}.url") for f in module.functions)),
        Output("instances", "Id of the Compute Engine instance of every vm task, by task label.",
               tuple((i.label, f"google_compute_instance.{i.label}.instance_id") for i in module.instances)),
        Output("clusters", "Name of the Dataproc cluster of every cluster executor, by executor label.",
               tuple((c.label, f"google_dataproc_cluster.{c.label}.name") for c in module.clusters)),
    )
    return tuple(output for output in candidates if output.values)
