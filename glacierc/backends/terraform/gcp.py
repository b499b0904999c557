"""The GCP target: the root module of one provider, built as HCL blocks in Python.

`GcpTarget.emit` returns the files of the module relative to its directory: versions.tf, providers.tf,
variables.tf, storage.tf, iam.tf, network.tf, compute.tf, orchestration.tf, outputs.tf, one
`functions/<executor>.zip` per serverless or local executor (the source shared by its Cloud Functions:
local nodes of a GCP pipeline run in a generated function), the job files of the Dataproc and vm
executors under `jobs/` and one workflow definition per pipeline under `workflows/` (gcp_orchestration.py,
gcp_workflow_target.py).
What GCP refuses is judged over the IR by `GcpRules` (gcp_rules.py), which `GcpTarget` inherits: `check` runs
the rules alone, `emit` reports them, and the model takes its buckets, clusters and schedules from the same
functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from glacier.config import GcpConfig
from glacierc.backends.terraform import gcp_compute as compute
from glacierc.backends.terraform import gcp_compute_blocks as compute_blocks
from glacierc.backends.terraform import gcp_iam as iam
from glacierc.backends.terraform import gcp_orchestration as orchestration
from glacierc.backends.terraform import gcp_orchestration_blocks as orchestration_blocks
from glacierc.backends.terraform import gcp_storage as storage_blocks
from glacierc.backends.terraform.access import Access
from glacierc.backends.terraform.blocks import BLANK, Block, Call, Comment, Expr, Template, block
from glacierc.backends.terraform.common import (
    cloud_name,
    default_tags,
    provider_pipelines,
    source_of,
    tasks_by_executor,
    unique_labels,
)
from glacierc.backends.terraform.gcp_iam import Account, ProjectRole
from glacierc.backends.terraform.gcp_model import GcpModule
from glacierc.backends.terraform.gcp_package import function_zip
from glacierc.backends.terraform.gcp_rules import GcpRules, cluster_settings
from glacierc.backends.terraform.gcp_storage import KeyGrant, buckets_of, generated_bucket
from glacierc.backends.terraform.gcp_workflow_target import WorkflowsMixin
from glacierc.backends.terraform.packaging import PipelineEntry, pipeline_entries, task_entries
from glacierc.backends.terraform.target import Output, Target
from glacierc.checks.glc408_gcp_workflow import STEPS
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor, Project, Provider, Service, Task

SOURCES = "glacier_functions"
NETWORK = compute_blocks.NETWORK
DATAPROC_ROLE = iam.DATAPROC_ROLE
#: Label values: lower-case letters, digits, `_` and `-`, at most 63 characters.
LABEL_ALLOWED, LABEL_MAX = r"[^a-z0-9_-]", 63
DEFAULT_SUBNET_CIDR = "10.10.0.0/20"


class GcpTarget(WorkflowsMixin, GcpRules, Target):
    """The GCP root module of one provider (its services and what GCP refuses: `GcpRules`)."""

    PROVIDER, PROVIDER_SOURCE, PROVIDER_VERSION = "google", "hashicorp/google", ">= 5.0, < 7.0"

    def __init__(self, project: Project, provider: Provider, runner_sources: Mapping[str, str] | None) -> None:
        super().__init__(project, provider, runner_sources)
        values = typed_config(provider.config, GcpConfig)
        pipelines = [name.lower() for name in provider_pipelines(project, provider)]
        self.module = GcpModule(
            project_id=values.project_id,
            region=values.region,
            comment=self.provider_comment(),
            labels=default_tags(pipelines, separator="_", allowed=LABEL_ALLOWED, max_length=LABEL_MAX),
            suffix=hashlib.sha256(f"{values.project_id}/{provider.name}".encode()).hexdigest()[:8],
        )
        self.bucket_labels: dict[str, str] = {}
        self.init_workflows(project, provider)

    # --- the model ----------------------------------------------------------------------------------

    def build(self) -> GcpModule:
        module, project = self.module, self.project
        executors = self.supported_executors(project, self.provider, [])  # reported by `validate`
        labels = unique_labels(e.name for e, _ in executors)
        self.storage = self.own_storage()
        reserved = {SOURCES} | {f"{labels[e.name]}_{part}" for e, kind in executors if kind == Service.DATAPROC
                                for part in ("staging", "temp")}
        self.bucket_labels = unique_labels({s.bucket for s in self.storage.values()}, reserved)
        module.buckets.extend(buckets_of(tuple(self.storage.values()), self.bucket_labels, module.region))
        self._add_keys()
        self._add_compute(executors, labels)
        position = len(module.buckets)
        self.add_workflows(executors, labels)
        self._add_sources_bucket(position)
        self.grant_all(project, executors, labels, self.storage)
        return module

    def _add_keys(self) -> None:
        """The Cloud Storage service agent must be allowed to use every CMEK key of a bucket."""
        grants: dict[str, KeyGrant] = {}
        for bucket in self.module.buckets:
            if bucket.kms_key is None:
                continue
            if bucket.kms_key not in grants:
                grants[bucket.kms_key] = KeyGrant(f"{bucket.label}_cmek", bucket.kms_key, bucket.comment)
            self.module.bucket_keys[bucket.label] = grants[bucket.kms_key].label
        self.module.key_grants.extend(grants.values())

    def _add_compute(self, executors: list[tuple[Executor, Service]], labels: dict[str, str]) -> None:
        module = self.module
        tasks = tasks_by_executor(self.project)
        task_labels = unique_labels(t.name for e, _ in executors for t in tasks.get(e.name, ()))
        entries = pipeline_entries(self.project, self.runner_sources)
        for executor, kind in executors:
            label, mine = labels[executor.name], tasks.get(executor.name, [])
            if kind in (Service.FUNCTION, Service.LOCAL):  # local nodes of a GCP pipeline run in a generated function
                self.functions(executor, label, mine, task_labels, entries)
            elif kind == Service.DATAPROC:
                self.cluster(executor, label)
            # a vm executor gets no machine: the workflows run its nodes as Cloud Batch jobs

    def _add_sources_bucket(self, position: int) -> None:
        """The bucket of the function sources and job files, when anything needs one (known once the
        workflows' jobs are), at `position` of the buckets: after the code's, before the staging buckets."""
        module = self.module
        if module.functions or module.clusters or module.job_objects:
            module.buckets.insert(position, generated_bucket(
                SOURCES, Template(Expr("var.name_prefix"), f"-functions-{module.suffix}"),
                "source: generated, the source packages of the Cloud Functions of this module", module.region))

    def functions(self, executor: Executor, label: str, tasks: list[Task], task_labels: dict[str, str],
                  entries: Mapping[str, tuple[PipelineEntry, ...]]) -> None:
        """A Cloud Function per task, all built from one source object of the executor (own entry point each)."""
        shared = task_entries((t.name for t in tasks), task_labels, entries)
        location = f"{executor.span.file}:{executor.span.line}"
        groups = self.groups_of(tasks)
        content = function_zip(executor.name, location, shared, self.runner_sources, groups)
        source = compute.source(executor, label, content)
        self.module.sources.append(source)
        self.module.zips[source.zip_file] = content
        for task, entry in zip(tasks, shared, strict=True):
            self.module.functions.append(compute.function(
                task, executor, task_labels[task.name], label, entry.entry, source.label,
                self.staging_environment(task), self.group_timeout(groups.get(task.name, {}))))

    def cluster(self, executor: Executor, label: str) -> None:
        """A Dataproc cluster and its own staging and temp buckets (the temp objects expire)."""
        module = self.module
        settings, _ = cluster_settings(executor)  # its problems are reported by `validate`
        if settings is None:
            return
        cluster = compute.cluster(executor, label, settings)
        module.clusters.append(cluster)
        for part, bucket, days in (("staging", cluster.staging, None),
                                   ("temp", cluster.temp, compute.DATAPROC_TEMP_DAYS)):
            name = self.name(f"{label}-{part}-{module.suffix}", 63)
            module.buckets.append(generated_bucket(bucket, name, cluster.comment, module.region, expire_days=days))

    # --- identities and grants ------------------------------------------------------------------------

    def has_identity(self, executor: Executor, service: Service, label: str) -> bool:
        return service != Service.DATAPROC or any(c.label == label for c in self.module.clusters)

    def identity(self, executor: Executor, service: Service, label: str, access: Access) -> None:
        """A service account with the bucket roles of its proven reads and writes, plus what its service needs."""
        module = self.module
        account = service_account(executor, label, service)
        module.accounts.append(account)
        module.bindings.extend(iam.storage_bindings(label, executor.name, access, self.storage, self.bucket_labels))
        module.staging_bindings.extend(orchestration.staging_bindings(module.workflows, executor.name, label,
                                                                      self.project))
        if service == Service.VM:  # its Batch jobs' VMs report to Batch and write logs; none without jobs
            roles = iam.BATCH_JOB_ROLES if label in self.job_runners else ()
            module.project_roles.extend(
                ProjectRole(f"{label}_{role.rsplit('.', 1)[-1].lower()}", role, label, account.comment)
                for role in roles)
        elif service == Service.DATAPROC:
            module.project_roles.append(ProjectRole(f"{label}_dataproc_worker", None, label, account.comment))
            cluster = next(c for c in module.clusters if c.label == label)
            module.bindings.extend(cluster_bucket_bindings(cluster))
        if label in self.job_runners:
            module.bindings.append(self.job_files_binding(label, service == Service.DATAPROC))

    # --- files ----------------------------------------------------------------------------------------

    def files(self, state_backend: str | None = None) -> dict[str, list[Block]]:
        """The blocks of every `.tf` file (a file without blocks is not written)."""
        m = self.module
        comments = {a.label: a.comment for a in m.accounts}
        storage_tf = storage_blocks.key_grant_blocks(m.key_grants)
        storage_tf += [storage_blocks.bucket_block(b, m.bucket_keys.get(b.label)) for b in m.buckets]
        storage_tf += [compute_blocks.source_block(s, SOURCES) for s in m.sources]
        storage_tf += self.job_object_blocks(SOURCES)
        iam_tf = [b for account in m.accounts for b in iam.account_blocks(account)]
        addresses = {b.label: b.address for b in m.buckets}
        iam_tf += [iam.binding_block(binding, comments[binding.account], addresses.get(binding.bucket))
                   for binding in m.bindings]
        iam_tf += [iam.dataproc_role_block()] if m.clusters else []
        iam_tf += [iam.project_role_block(role, m.project_id) for role in m.project_roles]
        iam_tf += [iam.invoker_block(f.label, f.comment) for f in m.functions]
        iam_tf += self.orchestration_iam_blocks(comments)
        network_tf = compute_blocks.network_blocks(m.region, m.clusters) if m.network else []
        compute_tf = [compute_blocks.function_block(f, m.region, SOURCES) for f in m.functions]
        compute_tf += [compute_blocks.cluster_block(c, m.region, self.init_script(SOURCES),
                                                    self.cluster_metadata(SOURCES, c.label)) for c in m.clusters]
        return {
            "versions.tf": [self.versions(state_backend)],
            "providers.tf": self.providers(),
            "variables.tf": self.variables(),
            "storage.tf": storage_tf,
            "iam.tf": iam_tf,
            "network.tf": network_tf,
            "compute.tf": compute_tf,
            "orchestration.tf": self.workflow_blocks(SOURCES),
            "outputs.tf": [*self.outputs(self.output_candidates()),
                           *orchestration_blocks.pipelines_output(m.workflows)],
        }

    def providers(self) -> list[Block]:
        m = self.module
        return [block("provider", "google", comments=[m.comment], body=[
            ("project", m.project_id),
            ("region", m.region),
            BLANK,
            Comment("Glacier's own labels win over var.labels on a clash."),
            ("default_labels", Call("merge", Expr("var.labels"), m.labels)),
        ])]

    def variables(self) -> list[Block]:
        m = self.module
        found = [self.name_prefix_variable(),
                 self.map_variable("labels", "Labels added to every resource (Glacier's managed_by and "
                                             "glacier_pipeline labels win on a clash).")]
        if m.accounts_of("local"):
            found.append(principals_variable("impersonators", "allowed to impersonate the service accounts of "
                                                              "local executors to run their tasks."))
        if m.functions:
            found.append(principals_variable("function_invokers", "allowed to invoke the Cloud Functions "
                                                                  "(roles/run.invoker)."))
        if m.network:
            found.append(block("variable", "subnet_cidr", body=[
                ("description", "IP range of the generated subnetwork of the VMs and Dataproc clusters."),
                ("type", Expr("string")), ("default", DEFAULT_SUBNET_CIDR)]))
        return found

    def output_candidates(self) -> tuple[Output, ...]:
        """Map outputs keyed by the names used in the pipeline code."""
        m = self.module
        return (
            Output("buckets", "URL of every bucket of the pipeline code, by bucket name.",
                   tuple((str(b.name), f"{b.address}.url") for b in m.buckets if not b.generated)),
            Output("service_accounts", "Email of the service account of every executor, by executor label.",
                   tuple((a.label, f"google_service_account.{a.label}.email") for a in m.accounts)),
            Output("functions", "URL of the Cloud Function of every serverless task, by task label.",
                   tuple((f.label, f"google_cloudfunctions2_function.{f.label}.url") for f in m.functions)),
            Output("clusters", "Name of the Dataproc cluster of every cluster executor, by executor label.",
                   tuple((c.label, f"google_dataproc_cluster.{c.label}.name") for c in m.clusters)),
        )


    def other_files(self, state_backend: str | None) -> list[tuple[str, str | bytes]]:
        """The job files of the Dataproc and vm executors, and the workflow definitions."""
        return [*sorted(self.module.job_files.items()),
                *orchestration_blocks.definition_files(self.module.workflows).items()]

    def notes(self) -> list[Diagnostic]:
        """What each workflow runs (GLC408)."""
        return [STEPS.diagnostic(self.provider.span, **orchestration.note_fields(w)) for w in self.module.workflows]

def service_account(executor: Executor, label: str, kind: str) -> Account:
    """The account id is `<first 8 of name_prefix>-<label>`: 6-30 characters whatever the prefix."""
    name = cloud_name(label, 21)
    if len(name) < 4:
        name += "-sa"
    return Account(
        label=label,
        account_id=Template(Expr("substr(var.name_prefix, 0, 8)"), "-" + name),
        display_name=f"glacier executor {executor.name}"[:100],
        comment=source_of("executor", executor),
        kind=kind,
    )


def cluster_bucket_bindings(cluster: compute.Cluster) -> list[iam.Binding]:
    """Full object access to the cluster's own staging and temp buckets (and reading their metadata)."""
    return [
        iam.Binding(f"{bucket}_{short}", bucket, role, cluster.account, None)
        for bucket in (cluster.staging, cluster.temp)
        for short, role in (("bucket", "roles/storage.legacyBucketReader"), ("objects", iam.WRITER))
    ]


def principals_variable(name: str, what: str) -> Block:
    """A `list(string)` of principals (`user:...`, `group:...`, `serviceAccount:...`), empty by default."""
    return block("variable", name, body=[
        ("description", f"Principals (user:..., group:..., serviceAccount:...) {what}"),
        ("type", Expr("list(string)")), ("default", []),
    ])


TARGET = GcpTarget
