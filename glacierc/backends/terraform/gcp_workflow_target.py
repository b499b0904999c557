"""The workflow half of `GcpTarget` (gcp.py): a workflow and staging bucket per pipeline of the provider,
what runs each fused group (a Cloud Function, a Dataproc job, a Cloud Batch job), the job files, and their
blocks.

A mixin so that gcp.py keeps the module model and the executors; everything here reads and fills the
same `GcpModule` (`self.module`). Groups are computed once per pipeline and shared by the function
packages, the definitions and the grants. What runs each group is gcp_workflow_calls.py's `WorkflowCalls`, which
`check` uses too (GcpRules judges the size of the same definitions).
"""

from __future__ import annotations

from collections.abc import Mapping

from glacierc.backends.terraform import gcp_iam as iam
from glacierc.backends.terraform import gcp_orchestration as orchestration
from glacierc.backends.terraform import gcp_orchestration_blocks as blocks_
from glacierc.backends.terraform import gcp_package as packages
from glacierc.backends.terraform.blocks import Block, Expr, Template, Value, block
from glacierc.backends.terraform.gcp_model import GcpModule
from glacierc.backends.terraform.gcp_schedule import unix_cron
from glacierc.backends.terraform.gcp_workflow_calls import workflow_calls
from glacierc.backends.terraform.gcp_workflows import Call, FunctionCall
from glacierc.backends.terraform.requirements import INSTALLED_CHECK, REQUIREMENTS_FILE
from glacierc.backends.terraform.pipeline_groups import PipelineGroups
from glacierc.backends.terraform.orchestration_common import group_timeout
from glacierc.ir.fusion import Group
from glacierc.ir.nodes import Executor, Pipeline, Project, Provider, Service

INIT_OBJECT = "glacier_dataproc_init"


class WorkflowsMixin(PipelineGroups):
    """Mixed into `GcpTarget`; `init_workflows` is called from its `__init__`."""

    module: GcpModule
    project: Project
    provider: Provider
    runner_sources: Mapping[str, str] | None
    bucket_labels: dict[str, str]

    def init_workflows(self, project: Project, provider: Provider) -> None:
        self.init_pipeline_groups(project, provider)
        #: Labels of the Dataproc / vm executors a workflow runs jobs on (filled by add_workflows).
        self.job_runners: set[str] = set()

    def group_timeout(self, led: Mapping[str, Mapping[str, tuple[str, ...]]]) -> int | None:
        return group_timeout(self.node_timeouts, led)

    def staging_location(self, pipeline_label: str) -> Value:
        return Template("gs://", Expr(f"google_storage_bucket.{orchestration.staging_label(pipeline_label)}.name"))

    # --- the model ------------------------------------------------------------------------------------

    def add_workflows(self, executors: list[tuple[Executor, Service]], labels: Mapping[str, str]) -> None:
        """A workflow and a staging bucket per pipeline; then the job files of the jobs they run."""
        module = self.module
        calls = workflow_calls(self.project, self.provider, executors, labels, (c.label for c in module.clusters))
        submitted: dict[str, dict[str, tuple[str, dict[str, tuple[str, ...]]]]] = {}
        for pipeline in self.my_pipelines():
            label = self.pipeline_labels[pipeline.name]
            task_of = {n.id: n.task for n in pipeline.nodes}

            def call_of(group: Group, staging: str, label=label, task_of=task_of, name=pipeline.name) -> Call | None:
                found = calls.call(group, task_of[group.id], label)
                runs = calls.runner(group)
                if runs is not None and not isinstance(found, FunctionCall):  # a job: the executor gets job files
                    submitted.setdefault(runs, {}).setdefault(name, (label, {}))[1][group.id] = group.nodes
                return found

            workflow = orchestration.workflow(self.project, pipeline, label, self.fused(pipeline), call_of,
                                              calls.services, self._schedule(pipeline), module.region, module.suffix)
            module.workflows.append(workflow)
            module.buckets.append(workflow.staging)
            module.orchestration_accounts.append(orchestration.workflow_account(workflow))
            if workflow.schedule is not None:
                module.orchestration_accounts.append(orchestration.schedule_account(workflow))
        self._add_job_files(submitted, labels)

    @staticmethod
    def _schedule(pipeline: Pipeline) -> str | None:
        """The unix-cron line of the pipeline's schedule (one Cloud Scheduler cannot run is GLC401, gcp_rules.py)."""
        return unix_cron(pipeline.schedule)[0] if pipeline.schedule is not None else None

    def _add_job_files(self, submitted, labels: Mapping[str, str]) -> None:
        """job.py and the runners of every Dataproc / vm executor a workflow runs jobs on, as objects."""
        module = self.module
        names = {label: name for name, label in labels.items()}
        executors = {e.name: e for e in self.project.executors}
        for runs in sorted(submitted):
            executor = executors[names[runs]]
            location = f"{executor.span.file}:{executor.span.line}"
            module.job_files.update(packages.job_files(executor.name, location, runs, submitted[runs],
                                                       self.runner_sources))
            module.job_objects.append((f"{runs}_job", packages.job_path(runs), f"job_{runs}"))
            module.job_objects.extend((f"{runs}_runner_{plabel}", packages.job_runner_path(runs, plabel),
                                       f"runner_{runs}_{plabel}")
                                      for plabel, _ in sorted(submitted[runs].values()))
            module.job_objects.extend((f"{runs}_{name.split('.')[0]}", f"{packages.job_folder(runs)}/{name}", None)
                                      for name in (INSTALLED_CHECK, REQUIREMENTS_FILE))
        self.job_runners = set(submitted)
        if module.clusters:
            module.job_objects.append((INIT_OBJECT, packages.DATAPROC_INIT, None))
            if self.runner_sources is not None:
                module.job_files[packages.DATAPROC_INIT] = packages.DATAPROC_INIT_SCRIPT

    def job_files_binding(self, label: str, dataproc: bool) -> iam.Binding:
        """A Dataproc cluster's or vm executor's account reads its job files (and a cluster the initialization
        action), nothing else of the sources bucket."""
        bucket = Expr(f"google_storage_bucket.{SOURCES_LABEL}.name")
        folder = packages.job_folder(label)
        parts: list = ['resource.name.startsWith("projects/_/buckets/', bucket, f'/objects/{folder}/")']
        if dataproc:
            parts += [' || resource.name == "projects/_/buckets/', bucket, f'/objects/{packages.DATAPROC_INIT}"']
        condition = iam.Condition("glacier job files", "the job files of this executor"
                                  + (" and the clusters' initialization action" if dataproc else ""), Template(*parts))
        return iam.Binding(f"{label}_job_files_read", SOURCES_LABEL, iam.READER, label, condition)

    # --- blocks ---------------------------------------------------------------------------------------

    def _values(self, sources: str) -> dict[str, Value]:
        """Every `templatefile` variable a definition may use, by name."""
        module = self.module
        values: dict[str, Value] = {f"url_{f.label}": Expr(f"google_cloudfunctions2_function.{f.label}.url")
                                    for f in module.functions}
        bucket = Expr(f"google_storage_bucket.{sources}.name")
        for c in module.clusters:
            values[f"cluster_{c.label}"] = Expr(f"google_dataproc_cluster.{c.label}.name")
        for account in module.accounts_of("vm"):
            values[f"account_{account.label}"] = Expr(f"google_service_account.{account.label}.email")
            values[f"jobs_{account.label}"] = Template(bucket, "/" + packages.job_folder(account.label))
        if module.network:
            values["subnetwork"] = Expr("google_compute_subnetwork.glacier.id")
        for label, _, ref in module.job_objects:
            if ref is not None:
                values[ref] = Template("gs://", bucket, "/", Expr(f"google_storage_bucket_object.{label}.name"))
        for w in module.workflows:
            values[f"staging_uri_{w.label}"] = Template("gs://", Expr(f"google_storage_bucket.{w.staging.label}.name"))
        return values

    def workflow_blocks(self, sources: str) -> list[Block]:
        module = self.module
        values = self._values(sources)
        return [b for w in module.workflows for b in blocks_.workflow_blocks(w, module.region, values)]

    def orchestration_iam_blocks(self, comments: Mapping[str, str]) -> list[Block]:
        module = self.module
        found = [b for a in module.orchestration_accounts for b in iam.account_blocks(a)]
        found += [blocks_.staging_binding_block(b, comments[b.account]) for b in module.staging_bindings]
        found += [blocks_.dataproc_submitter_block()] if any(w.clusters for w in module.workflows) else []
        found += [blocks_.batch_submitter_block()] if any(w.batches for w in module.workflows) else []
        found += [b for w in module.workflows for b in blocks_.workflow_iam_blocks(w, module.project_id)]
        addresses = {b.label: b.address for b in module.buckets}
        found += [iam.binding_block(b, w.comment, addresses.get(b.bucket)) for w in module.workflows
                  for b in self.listing_bindings(w)]
        return found

    def listing_bindings(self, w: orchestration.Workflow) -> list[iam.Binding]:
        """The workflow's account lists each mapped dataset's bucket below the dataset's prefix: objectViewer
        conditioned on the bucket (what `objects.list` names) and the listing's prefix, so it reads no object."""
        by_bucket: dict[str, list[str]] = {}
        for bucket, start in w.maps:
            by_bucket.setdefault(bucket, []).append(start)
        found = []
        for bucket, starts in sorted(by_bucket.items()):
            label = self.bucket_labels[bucket]
            prefixes = " || ".join(f"{iam.LIST_PREFIX}.startsWith({iam.cel_string(s)})" for s in sorted(starts))
            condition = iam.Condition(f"glacier maps of {w.pipeline}"[:100],
                                      ("lists " + ", ".join(f"{bucket}/{s}" for s in sorted(starts)))[:256],
                                      f"resource.name == {iam.cel_string('projects/_/buckets/' + bucket)} && "
                                      + (prefixes if len(starts) == 1 else f"({prefixes})"))
            found.append(iam.Binding(f"{w.account}_{label}_list", label, iam.READER, w.account, condition))
        return found

    def job_object_blocks(self, sources: str) -> list[Block]:
        comment = "source: generated, a Dataproc job file of this module"
        return [block("resource", "google_storage_bucket_object", label, comments=[comment], body=[
            ("name", path),
            ("bucket", Expr(f"google_storage_bucket.{sources}.name")),
            ("source", Template(Expr("path.module"), "/" + path)),
        ]) for label, path, _ in self.module.job_objects]

    def cluster_metadata(self, sources: str, label: str) -> dict[str, Template]:
        """What the initialization action of cluster `label` reads: the gs:// URI of its job folder (whose
        requirements.txt it installs), when a workflow runs jobs there."""
        if label not in self.job_runners:
            return {}
        return {packages.JOB_FOLDER_KEY: Template("gs://", Expr(f"google_storage_bucket.{sources}.name"),
                                                  "/" + packages.job_folder(label))}

    def init_script(self, sources: str) -> Template:
        return Template("gs://", Expr(f"google_storage_bucket.{sources}.name"), "/",
                        Expr(f"google_storage_bucket_object.{INIT_OBJECT}.name"))


SOURCES_LABEL = "glacier_functions"  # gcp.SOURCES (gcp.py imports this module)
