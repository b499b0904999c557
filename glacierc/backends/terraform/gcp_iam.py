"""IAM for GCP executors: a service account each, with bucket roles proven from the data flow.

Everything here is a pure function of the IR. The storage an executor reads and writes comes
from `aws_iam.executor_access` (cloud-independent: the union over the executor's pipeline nodes
plus its tasks' module-level storage) and the objects a path covers from `aws_iam.key_patterns`.
Each (executor, bucket, role) becomes one `google_storage_bucket_iam_member` with an IAM condition
naming exactly those objects:

- reads: `roles/storage.objectViewer` (get and list);
- writes: `roles/storage.objectUser` — Cloud Storage replaces an existing object only with
  `storage.objects.create` *and* `storage.objects.delete`, so `objectCreator` alone would fail the
  second run of a pipeline that rewrites its output.

The condition allows an object by name (`resource.name == ".../objects/KEY"`, or `startsWith` for
a prefix) and a listing by its prefix (`storage.googleapis.com/objectListPrefix`, the attribute
Cloud Storage sets on `objects.list`, whose `resource.name` is the bucket).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from glacierc.backends.terraform.aws_iam import Access, key_patterns
from glacierc.backends.terraform.blocks import BLANK, Block, Call, Expr, Template, block
from glacierc.ir.nodes import Storage

READER = "roles/storage.objectViewer"
WRITER = "roles/storage.objectUser"
#: The roles of a Dataproc VM's agent, without the project-wide storage access of roles/dataproc.worker
#: (the cluster gets its own staging and temp buckets instead).
DATAPROC_WORKER_PERMISSIONS = (
    "dataproc.agents.create",
    "dataproc.agents.delete",
    "dataproc.agents.get",
    "dataproc.agents.list",
    "dataproc.agents.update",
    "dataproc.tasks.lease",
    "dataproc.tasks.listInvalidatedLeases",
    "dataproc.tasks.reportStatus",
    "logging.logEntries.create",
    "monitoring.metricDescriptors.create",
    "monitoring.metricDescriptors.get",
    "monitoring.metricDescriptors.list",
    "monitoring.timeSeries.create",
)
#: What the VM of a Cloud Batch job (a vm node the workflow runs) needs: its agent reports the job's state,
#: and the job's logs go to Cloud Logging (logsPolicy CLOUD_LOGGING). Nothing else: it has no metrics agent.
BATCH_JOB_ROLES = ("roles/batch.agentReporter", "roles/logging.logWriter")
#: Who may act as a local executor's account, and who may call a Cloud Function: principals the user lists.
IMPERSONATOR_ROLE = "roles/iam.serviceAccountTokenCreator"
INVOKER_ROLE = "roles/run.invoker"
DATAPROC_ROLE = "glacier_dataproc_worker"
LIST_PREFIX = 'api.getAttribute("storage.googleapis.com/objectListPrefix", "")'


@dataclass(frozen=True, slots=True)
class Condition:
    title: str
    description: str
    expression: str | Template  # a Template when it names a generated bucket


@dataclass(frozen=True, slots=True)
class Binding:
    """One `google_storage_bucket_iam_member`: `role` on `bucket` for the executor's service account."""

    label: str
    bucket: str  # label of the google_storage_bucket
    role: str
    account: str  # label of the google_service_account
    condition: Condition | None


def cel_string(value: str) -> str:
    """A CEL string literal (double-quoted, JSON escapes are valid CEL escapes)."""
    return json.dumps(value, ensure_ascii=False)


def object_clauses(bucket: str, patterns: Iterable[str]) -> tuple[str, ...] | None:
    """CEL clauses allowing the objects `patterns` cover and listing their prefixes; None = the whole
    bucket (no condition)."""
    objects: set[str] = set()
    listings: set[str] = set()
    for pattern in patterns:
        if pattern == "*":
            return None
        if pattern.endswith("*"):
            prefix = pattern[:-1]
            objects.add(f"resource.name.startsWith({cel_string(_object(bucket, prefix))})")
            listings.add(f"{LIST_PREFIX}.startsWith({cel_string(prefix)})")
        else:
            objects.add(f"resource.name == {cel_string(_object(bucket, pattern))}")
            listings.add(f"{LIST_PREFIX} == {cel_string(pattern)}")
    return (*sorted(objects), *sorted(listings))


def _object(bucket: str, key: str) -> str:
    return f"projects/_/buckets/{bucket}/objects/{key}"


def storage_bindings(account: str, executor: str, access: Access, storage: Mapping[str, Storage],
                     bucket_labels: Mapping[str, str]) -> tuple[Binding, ...]:
    """The bucket bindings of one executor; `storage` holds only this provider's storage."""
    bindings = []
    for verb, role, names in (("read", READER, access.reads), ("written", WRITER, access.writes)):
        by_bucket: dict[str, set[str]] = {}
        described: dict[str, set[str]] = {}
        for name in names:
            if name in storage:
                item = storage[name]
                by_bucket.setdefault(item.bucket, set()).update(key_patterns(item.path))
                described.setdefault(item.bucket, set()).add(name)
        for bucket in sorted(by_bucket):
            clauses = object_clauses(bucket, by_bucket[bucket])
            condition = None if clauses is None else Condition(
                title=f"glacier {verb} by {executor}"[:100],
                description=("storage " + ", ".join(sorted(described[bucket])))[:256],
                expression=" || ".join(clauses),
            )
            short = "read" if role == READER else "write"
            bindings.append(Binding(f"{account}_{bucket_labels[bucket]}_{short}", bucket_labels[bucket],
                                    role, account, condition))
    return tuple(bindings)


def grants_of(bindings: Iterable[Binding]) -> dict[tuple[str, str], str | Template | None]:
    """(bucket label, role) -> condition expression: a compact view for tests and docs."""
    return {(b.bucket, b.role): (b.condition.expression if b.condition else None) for b in bindings}


# --- blocks ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Account:
    """The service account of one executor (its execution identity)."""

    label: str
    account_id: Template
    display_name: str
    comment: str
    kind: str  # local, function, vm, dataproc


@dataclass(frozen=True, slots=True)
class ProjectRole:
    label: str
    role: str | None  # a predefined role, None for the generated Dataproc worker role
    account: str
    comment: str


def _member(account: str) -> Template:
    return Template("serviceAccount:", Expr(f"google_service_account.{account}.email"))


def account_blocks(account: Account) -> list[Block]:
    """The service account; a local executor's also lets `var.impersonators` act as it."""
    found = [block("resource", "google_service_account", account.label, comments=[account.comment], body=[
        ("account_id", account.account_id), ("display_name", account.display_name)])]
    if account.kind == "local":
        found.append(block("resource", "google_service_account_iam_member", f"{account.label}_impersonators",
                           comments=[account.comment], body=[
            ("for_each", Call("toset", Expr("var.impersonators"))), BLANK,
            ("service_account_id", Expr(f"google_service_account.{account.label}.name")),
            ("role", IMPERSONATOR_ROLE),
            ("member", Expr("each.value")),
        ]))  # fmt: skip
    return found


def binding_block(binding: Binding, comment: str, bucket: str | None = None) -> Block:
    """`bucket`: the Terraform address of the bucket (default: the resource of the binding's bucket label)."""
    condition = binding.condition
    return block("resource", "google_storage_bucket_iam_member", binding.label, comments=[comment], body=[
        ("bucket", Expr(f"{bucket or 'google_storage_bucket.' + binding.bucket}.name")),
        ("role", binding.role),
        ("member", _member(binding.account)),
        block("condition", body=[("title", condition.title), ("description", condition.description),
                                 ("expression", condition.expression)]) if condition else None,
    ])


def dataproc_role_block() -> Block:
    """The project's custom role of Dataproc VMs: `DATAPROC_WORKER_PERMISSIONS`, nothing on storage."""
    comment = ("source: generated, what a Dataproc VM needs of roles/dataproc.worker, without its project-wide "
               "storage access")
    return block("resource", "google_project_iam_custom_role", DATAPROC_ROLE, comments=[comment], body=[
        ("role_id", Template(Expr('replace(var.name_prefix, "-", "_")'), "_dataproc_worker")),
        ("title", "Glacier Dataproc worker"),
        ("description", "roles/dataproc.worker without storage permissions; clusters get their own buckets"),
        ("permissions", list(DATAPROC_WORKER_PERMISSIONS)),
    ])


def project_role_block(role: ProjectRole, project_id: str) -> Block:
    granted = role.role if role.role is not None else Expr(f"google_project_iam_custom_role.{DATAPROC_ROLE}.id")
    return block("resource", "google_project_iam_member", role.label, comments=[role.comment], body=[
        ("project", project_id), ("role", granted), ("member", _member(role.account)),
    ])


def invoker_block(function: str, comment: str) -> Block:
    """`var.function_invokers` may call the Cloud Function labelled `function` (authenticated, never allUsers)."""
    ref = f"google_cloudfunctions2_function.{function}"
    return block("resource", "google_cloud_run_service_iam_member", f"{function}_invokers", comments=[comment], body=[
        ("for_each", Call("toset", Expr("var.function_invokers"))), BLANK,
        ("location", Expr(f"{ref}.location")),
        ("service", Expr(f"{ref}.name")),
        ("role", INVOKER_ROLE),
        ("member", Expr("each.value")),
    ])
