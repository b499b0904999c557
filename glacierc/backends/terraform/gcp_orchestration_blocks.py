"""The blocks of the GCP workflows (orchestration.tf and their IAM): the workflow, what its account may do,
the staging grants of the executors, the schedule, the `pipelines` output, and the definition files."""

from __future__ import annotations

from collections.abc import Mapping

from glacierc.backends.terraform.blocks import Block, Call, Expr, Template, Value, block
from glacierc.backends.terraform.gcp_orchestration import (
    PIPELINES_TEMPLATE,
    StagingBinding,
    Workflow,
    definition_path,
    staging_condition,
)
from glacierc.backends.terraform.orchestration_common import Ref, template_json

INVOKER_ROLE = "roles/run.invoker"
WORKFLOWS_INVOKER = "roles/workflows.invoker"
LOG_WRITER = "roles/logging.logWriter"
DATAPROC_SUBMITTER = "glacier_workflow_dataproc"
BATCH_SUBMITTER = "glacier_workflow_batch"
ACT_AS_ROLE = "roles/iam.serviceAccountUser"
#: What a workflow needs to create a Batch job and wait for it (the job runs as a vm executor's account).
BATCH_SUBMIT_PERMISSIONS = ("batch.jobs.create", "batch.jobs.get")
#: What a workflow needs to run a Dataproc job on a cluster and wait for it (nothing on the cluster itself).
DATAPROC_SUBMIT_PERMISSIONS = ("dataproc.clusters.use", "dataproc.jobs.create", "dataproc.jobs.get",
                               "dataproc.operations.get")
CALL_LOG_LEVEL = "LOG_ERRORS_ONLY"
SCHEDULER_TIME_ZONE = "Etc/UTC"
EXECUTIONS_API = "https://workflowexecutions.googleapis.com/v1/"
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


def _member(account: str) -> Template:
    return Template("serviceAccount:", Expr(f"google_service_account.{account}.email"))


def variables(w: Workflow, values: Mapping[str, Value]) -> dict[str, Value]:
    """The `templatefile` variables of `w`'s definition: every `Ref` it holds, from `values`."""
    return {name: values[name] for name in sorted(_ref_names(w.definition))}


def _ref_names(value: object) -> set[str]:
    if isinstance(value, Ref):
        return {value.name}
    if isinstance(value, dict):
        return set().union(*(_ref_names(v) for v in value.values()))
    if isinstance(value, (list, tuple)):
        return set().union(*(_ref_names(v) for v in value))
    return set()


def workflow_blocks(w: Workflow, region: str, values: Mapping[str, Value]) -> list[Block]:
    depends: list[Value] = [Expr(f"google_cloud_run_service_iam_member.{w.label}_invokes_{f}") for f in w.functions]
    depends += [Expr(f"google_project_iam_member.{w.account}_dataproc")] if w.clusters else []
    depends += [Expr(f"google_project_iam_member.{w.account}_batch")] if w.batches else []
    depends += [Expr(f"google_service_account_iam_member.{w.label}_acts_as_{vm}") for vm in w.batches]
    found = [block("resource", "google_workflows_workflow", w.label, comments=[w.comment], body=[
        ("name", w.name),
        ("region", region),
        ("description", f"glacier pipeline {w.pipeline}"[:512]),
        ("service_account", Expr(f"google_service_account.{w.account}.id")),
        ("call_log_level", CALL_LOG_LEVEL),
        ("source_contents", Call("templatefile", Template(Expr("path.module"), "/" + definition_path(w)),
                                 variables(w, values))),
        ("depends_on", depends) if depends else None,
    ])]
    if w.schedule is not None:
        found.append(schedule_block(w, region))
    return found


def schedule_block(w: Workflow, region: str) -> Block:
    target = block("http_target", body=[
        ("http_method", "POST"),
        ("uri", Template(EXECUTIONS_API, Expr(f"google_workflows_workflow.{w.label}.id"), "/executions")),
        ("body", Call("base64encode", "{}")),
        block("oauth_token", body=[
            ("service_account_email", Expr(f"google_service_account.{w.label}_schedule.email")),
            ("scope", CLOUD_PLATFORM_SCOPE),
        ]),
    ])
    return block("resource", "google_cloud_scheduler_job", w.label, comments=[w.comment], body=[
        ("name", w.name),
        ("region", region),
        ("description", f"starts glacier pipeline {w.pipeline}"[:500]),
        ("schedule", w.schedule),
        ("time_zone", SCHEDULER_TIME_ZONE),
        target,
        ("depends_on", [Expr(f"google_project_iam_member.{w.label}_schedule_invoker")]),
    ])


def workflow_iam_blocks(w: Workflow, project_id: str) -> list[Block]:
    """The workflow account's grants: invoke each of its functions, submit Dataproc jobs, write error logs;
    the schedule account may start exactly this workflow."""
    found = []
    for function in w.functions:
        ref = f"google_cloudfunctions2_function.{function}"
        found.append(block("resource", "google_cloud_run_service_iam_member", f"{w.label}_invokes_{function}",
                           comments=[w.comment], body=[
            ("location", Expr(f"{ref}.location")),
            ("service", Expr(f"{ref}.name")),
            ("role", INVOKER_ROLE),
            ("member", _member(w.account)),
        ]))  # fmt: skip
    if w.clusters:
        found.append(_project_member(f"{w.account}_dataproc", project_id,
                                     Expr(f"google_project_iam_custom_role.{DATAPROC_SUBMITTER}.id"), w.account, w))
    if w.batches:
        found.append(_project_member(f"{w.account}_batch", project_id,
                                     Expr(f"google_project_iam_custom_role.{BATCH_SUBMITTER}.id"), w.account, w))
    for vm in w.batches:
        found.append(block("resource", "google_service_account_iam_member", f"{w.label}_acts_as_{vm}",
                           comments=[w.comment], body=[
            ("service_account_id", Expr(f"google_service_account.{vm}.name")),
            ("role", ACT_AS_ROLE),
            ("member", _member(w.account)),
        ]))  # fmt: skip
    found.append(_project_member(f"{w.account}_logs", project_id, LOG_WRITER, w.account, w))
    if w.schedule is not None:
        condition = block("condition", body=[
            ("title", f"starts only {w.pipeline}"[:100]),
            ("expression", Template('resource.name == "', Expr(f"google_workflows_workflow.{w.label}.id"), '"')),
        ])
        found.append(_project_member(f"{w.label}_schedule_invoker", project_id, WORKFLOWS_INVOKER,
                                     f"{w.label}_schedule", w, condition))
    return found


def _project_member(label: str, project_id: str, role: Value, account: str, w: Workflow,
                    condition: Block | None = None) -> Block:
    return block("resource", "google_project_iam_member", label, comments=[w.comment], body=[
        ("project", project_id), ("role", role), ("member", _member(account)), condition])


def dataproc_submitter_block() -> Block:
    comment = "source: generated, what a workflow needs to run a Dataproc job and wait for it"
    return block("resource", "google_project_iam_custom_role", DATAPROC_SUBMITTER, comments=[comment], body=[
        ("role_id", Template(Expr('replace(var.name_prefix, "-", "_")'), "_workflow_dataproc")),
        ("title", "Glacier workflow Dataproc job submitter"),
        ("description", "submits Dataproc jobs of glacier pipelines and waits for them"),
        ("permissions", list(DATAPROC_SUBMIT_PERMISSIONS)),
    ])


def batch_submitter_block() -> Block:
    comment = "source: generated, what a workflow needs to run a Cloud Batch job and wait for it"
    return block("resource", "google_project_iam_custom_role", BATCH_SUBMITTER, comments=[comment], body=[
        ("role_id", Template(Expr('replace(var.name_prefix, "-", "_")'), "_workflow_batch")),
        ("title", "Glacier workflow Batch job submitter"),
        ("description", "creates the Cloud Batch jobs of glacier pipelines and waits for them"),
        ("permissions", list(BATCH_SUBMIT_PERMISSIONS)),
    ])


def staging_binding_block(binding: StagingBinding, comment: str) -> Block:
    return block("resource", "google_storage_bucket_iam_member", binding.label, comments=[comment], body=[
        ("bucket", Expr(f"google_storage_bucket.{binding.bucket}.name")),
        ("role", binding.role),
        ("member", _member(binding.account)),
        block("condition", body=[
            ("title", binding.title),
            ("description", ("staged results of " + ", ".join(binding.nodes))[:256]),
            ("expression", staging_condition(binding)),
        ]),
    ])


def definition_files(ws: list[Workflow]) -> dict[str, str]:
    """The definition template of every workflow and `workflows/pipelines.json`, the `pipelines` output's
    template (keyed by pipeline names, which are user text: kept out of HCL, escaped for the template)."""
    files = {definition_path(w): template_json(w.definition).decode() + "\n" for w in ws}
    if ws:
        outputs = {w.pipeline: {"workflow_id": Ref(f"workflow_{w.label}"),
                                "staging_bucket": Ref(f"staging_{w.label}")} for w in ws}
        files[PIPELINES_TEMPLATE] = template_json(outputs).decode() + "\n"
    return files


def pipelines_output(ws: list[Workflow]) -> list[Block]:
    """`pipelines`: each pipeline's workflow id and staging bucket, by pipeline name."""
    if not ws:
        return []
    variables_ = {}
    for w in ws:
        variables_[f"workflow_{w.label}"] = Expr(f"google_workflows_workflow.{w.label}.id")
        variables_[f"staging_{w.label}"] = Expr(f"google_storage_bucket.{w.staging.label}.name")
    return [block("output", "pipelines", body=[
        ("description", "The workflow id and staging bucket of every pipeline, by pipeline name."),
        ("value", Call("jsondecode", Call("templatefile", Template(Expr("path.module"), "/" + PIPELINES_TEMPLATE),
                                          variables_))),
    ])]
