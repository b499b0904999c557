"""Which function app orchestrates each pipeline of one Azure provider, and what that adds to the module.

`plan` picks every pipeline's home app (`azure_orchestration.home_app`): a serverless executor's app, or,
for a pipeline without one, an app generated for its first local executor (local nodes of an Azure
pipeline run as activities of a function app: there is no laptop in the cloud). The additions:

- a staging container per pipeline in the `glacier_staging` account (expiry after `STAGING_EXPIRY_DAYS`),
  `GLACIER_STAGING_URI__<escaped pipeline>` (runtime.node.staging_variable) in its home app's settings, so an
  app running two pipelines stages each in that pipeline's container, and the app identity's "Storage Blob
  Data Contributor" role on it, conditioned on the staged blob paths of the pipeline's groups;
- the roles the local executors it hosts were proven to need, on the home app's identity too;
- the `pipelines` output (function app, orchestrator, staging container per pipeline, keyed by pipeline
  names through a JSON template: user text stays out of HCL);
- GLC409 (one note per orchestration, in `notes`: the build reports them). A schedule no NCRONTAB expresses
  is GLC401 of azure_rules.py, which `check` and the build report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from glacierc.backends.terraform import azure_iam as iam
from glacierc.backends.terraform import azure_orchestration as orchestration
from glacierc.backends.terraform.azure_orchestration import Orchestration
from glacierc.backends.terraform.azure_storage import STAGING, STAGING_EXPIRY_DAYS, Container, PolicyRule
from glacierc.backends.terraform.blocks import Block, Call, Expr, Template, Value, block
from glacierc.backends.terraform.common import provider_pipelines, source_text, unique_labels
from glacierc.backends.terraform.orchestration_common import Ref, template_json
from glacierc.checks.glc409_durable_orchestration import ACTIVITIES, NO_HOME
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.fusion import fused_groups
from glacierc.ir.nodes import Executor, Project, Provider, Service
from glacierc.runtime.node import staging_variable

#: How a stop names where its nodes run.
SERVICE_NAMES = {Service.VM: "an Azure VM", Service.HDINSIGHT: "HDInsight", Service.DATABRICKS: "Databricks"}
PIPELINES_TEMPLATE = "orchestration/pipelines.json"
#: How the plan names a serverless executor whose app is not the pipeline's home (its groups are hosted there).
HOSTED = orchestration.HOSTED


@dataclass(slots=True)
class Plan:
    orchestrations: list[Orchestration] = field(default_factory=list)
    #: Local executors (by name) that get a generated function app, with its label.
    local_apps: dict[str, str] = field(default_factory=dict)
    #: GLC409 notes: reported by `build` only (as GLC407), not by `check`.
    notes: list[Diagnostic] = field(default_factory=list)

    def hosted(self, app: str) -> list[Orchestration]:
        return [o for o in self.orchestrations if o.app == app]

    def apps(self) -> list[str]:
        return sorted({o.app for o in self.orchestrations})


def plan(project: Project, provider: Provider, executors: Iterable[tuple[Executor, Service]],
         labels: Mapping[str, str], apps: Mapping[str, str], vms: Mapping[str, str] | None = None) -> Plan:
    """The orchestration of every pipeline of `provider`; `apps`: serverless executor -> its app's label;
    `vms`: task -> the app setting of its VM (an activity of the home app runs its groups there)."""
    kinds = {e.name: kind for e, kind in executors}
    local = {name: labels[name] for name, kind in kinds.items() if kind == Service.LOCAL}
    services = {name: SERVICE_NAMES.get(kind, kind) for name, kind in kinds.items()}
    pipeline_labels = unique_labels(provider_pipelines(project, provider))
    groups = {p.name: fused_groups(p) for p in project.pipelines if p.name in pipeline_labels}
    activity_labels = orchestration.activity_labels(pipeline_labels, groups)
    found = Plan()
    for pipeline in sorted(project.pipelines, key=lambda p: p.name):
        if pipeline.name not in pipeline_labels:
            continue
        home = orchestration.home_app(pipeline, groups[pipeline.name], apps, local)
        if home is None:
            found.notes.append(NO_HOME.diagnostic(provider.span, pipeline=pipeline.name))
            continue
        if home in local.values():
            found.local_apps.update((name, label) for name, label in local.items() if label == home)
        # every Functions and local group runs as an activity of the home app: an orchestration calls only
        # its own app's activities, so another app's groups are hosted too (with its executor's roles)
        runs_here = {name: True for name in apps} | {name: True for name in local}
        hosted = {name: "local" for name in local} | {name: HOSTED for name, app in apps.items() if app != home}
        made = orchestration.orchestration(project, pipeline, pipeline_labels[pipeline.name], home, runs_here,
                                           {**services, **hosted}, activity_labels, groups[pipeline.name],
                                           vms)
        found.orchestrations.append(made)
        fields = orchestration.note_fields(made, {**services, **hosted})
        found.notes.append(ACTIVITIES.diagnostic(pipeline.span, **fields))
    return found


def hosted_tasks(project: Project, orchestrations: Iterable[Orchestration], executors: set[str]) -> set[str]:
    """The tasks of `executors` (local ones) that `orchestrations` run as activities of their app."""
    wanted = {o.pipeline: [n for a in o.activities if a.executor in executors for n in a.nodes]
              for o in orchestrations}
    found: set[str] = set()
    for pipeline in project.pipelines:
        if wanted.get(pipeline.name):
            task_of = {n.id: n.task for n in pipeline.nodes}
            found.update(task_of[n] for n in wanted[pipeline.name])
    return found


# --- staging ----------------------------------------------------------------------------------------------

def staging_container(o: Orchestration) -> Container:
    """The pipeline's own staging container (`staging-<pipeline label>`, labelled `<pipeline label>_staging`)."""
    comment = source_text([(o.span, f"staged results of pipeline {o.pipeline}")])
    return Container(orchestration.staging_container_name(o.label), staging_label(o), comment)


def staging_label(o: Orchestration) -> str:
    return f"{o.label}_staging"


def staging_settings(orchestrations: Iterable[Orchestration]) -> dict[str, list[tuple[str, Value]]]:
    """Home app -> `GLACIER_STAGING_URI__<escaped pipeline>` of every pipeline it orchestrates, each its
    pipeline's container (the runtime reads the variable of the pipeline it runs)."""
    found: dict[str, list[tuple[str, Value]]] = {}
    for o in sorted(orchestrations, key=lambda o: o.pipeline):
        found.setdefault(o.app, []).append((staging_variable(o.pipeline), staging_uri(staging_container(o))))
    return found


def staging_uri(container: Container) -> Template:
    """`https://<account>.blob.core.windows.net/<container>`: Polars reaches it with the app's identity."""
    return Template(Expr(f"azurerm_storage_account.{STAGING}.primary_blob_endpoint"),
                    Expr(f"azurerm_storage_container.{container.label}.name"))


def staging_policy_rules(containers: Iterable[Container]) -> tuple[PolicyRule, ...]:
    return tuple(PolicyRule(f"expire-{c.name}", f"{c.name}/", None, None, STAGING_EXPIRY_DAYS, None)
                 for c in containers)


def staging_assignment(o: Orchestration, project: Project) -> iam.Assignment:
    """The home app's role on the pipeline's staging container: the staged paths of the groups it runs itself
    (a VM or cluster runs a remote group's and has its own role, azure_vm_groups.py)."""
    own = dataclasses.replace(o, groups=tuple(g for g in o.groups if g.id not in
                                              {a.group for a in o.activities if a.remote}))
    reads, writes = orchestration.staged_paths(project, [own])
    container = staging_container(o)
    return iam.Assignment(container.label, f"azurerm_storage_container.{container.label}.id", iam.CONTRIBUTOR,
                          o.app, container.comment, orchestration.path_condition(reads, writes))


def remote_staging_assignments(executor: str, identity: str, project: Project, orchestrations: Iterable[Orchestration],
                               comment: str) -> list[iam.Assignment]:
    """The roles of `identity` (a VM's or cluster's, running `executor`'s groups) on the staging container of
    each pipeline it runs groups of: only those groups' staged inputs and results (ABAC, as the app's)."""
    found = []
    for o in orchestrations:
        mine = dataclasses.replace(o, groups=tuple(g for g in o.groups if g.executor == executor))
        if not mine.groups:
            continue
        reads, writes = orchestration.staged_paths(project, [mine])
        container = staging_label(o)
        found.append(iam.Assignment(f"{identity}_{container}", f"azurerm_storage_container.{container}.id",
                                    iam.CONTRIBUTOR, identity, comment, orchestration.path_condition(reads, writes)))
    return found


def listing_assignments(assignments: list[iam.Assignment], orchestrations: Iterable[Orchestration],
                        scopes: Mapping[str, tuple[str, str]]) -> list[iam.Assignment]:
    """The home app's role listing the dataset of each map its activities run elsewhere (a VM, HDInsight: the
    objects run there, the listing in the app): "Storage Blob Data Reader" on the dataset's container with an
    ABAC condition allowing only `Blob.List` below the dataset's prefix (not when the app holds a role there
    already); `scopes`: container name -> (its label, its scope)."""
    found = list(assignments)
    for o in orchestrations:
        for a in o.activities:
            if a.map is None or a.remote is None or a.map.container not in scopes:
                continue
            label, scope = scopes[a.map.container]
            if any(x.identity == o.app and x.scope == scope for x in found):
                continue
            found.append(iam.Assignment(f"{o.app}_lists_{label}", scope, iam.READER, o.app, o.comment,
                                        orchestration.list_condition(a.map.prefix)))
    return found


def hosted_assignments(assignments: list[iam.Assignment], app: str, roles: Mapping[str, str],
                       containers: Mapping[str, str], comment: str, scopes: Mapping[str, str] | None = None
                       ) -> list[iam.Assignment]:
    """`assignments` with the app's identity also holding `roles` (container name -> role): an existing
    assignment on the same container keeps the stronger role, the others are added."""
    found = list(assignments)
    for container, role in roles.items():
        scope = (scopes or {}).get(container, f"azurerm_storage_container.{containers[container]}.id")
        index = next((i for i, a in enumerate(found) if a.identity == app and a.scope == scope), None)
        if index is None:
            found.append(iam.Assignment(f"{app}_hosted_{containers[container]}", scope, role, app, comment))
        elif role == iam.CONTRIBUTOR:
            old = found[index]
            found[index] = iam.Assignment(old.label, old.scope, role, old.identity, old.comment, old.condition)
    return found


# --- outputs ----------------------------------------------------------------------------------------------

def pipeline_files(orchestrations: list[Orchestration]) -> dict[str, str]:
    if not orchestrations:
        return {}
    values = {o.pipeline: {"function_app": Ref(f"app_{o.label}"), "orchestrator": o.orchestrator,
                           "staging_container": Ref(f"staging_{o.label}")} for o in orchestrations}
    return {PIPELINES_TEMPLATE: template_json(values).decode() + "\n"}


def pipelines_output(orchestrations: list[Orchestration]) -> list[Block]:
    """`pipelines`: each pipeline's function app, orchestrator function and staging container."""
    if not orchestrations:
        return []
    variables = {}
    for o in orchestrations:
        variables[f"app_{o.label}"] = Expr(f"azurerm_linux_function_app.{o.app}.name")
        variables[f"staging_{o.label}"] = Expr(f"azurerm_storage_container.{staging_label(o)}.name")
    return [block("output", "pipelines", body=[
        ("description", "The function app, orchestrator function and staging container of every pipeline, by "
                        "pipeline name."),
        ("value", Call("jsondecode", Call("templatefile", Template(Expr("path.module"), "/" + PIPELINES_TEMPLATE),
                                          variables))),
    ])]
