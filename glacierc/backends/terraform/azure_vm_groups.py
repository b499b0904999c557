"""vm nodes of an Azure orchestration: each group on a vm executor is an activity of the pipeline's home app
that runs it as a managed Run Command on the VM of the group's first task and waits for it
(glacierc/runtime/azure_remote.py, bundled into the app as glacier_remote.py). What that adds to the module:

- the app setting `GLACIER_VM_<TASK LABEL>` of each such VM on the home app: a JSON object (Terraform's
  `jsonencode`) with the VM's Resource Manager URL, its location, its identity's client id, the URL of the
  executor's job container and the data account's name: where to run, never what (that is in the package);
- a job container `jobs-<executor>` in the staging account with `job.py` (the cloud-neutral job module),
  the runners of its pipelines and `files.txt` listing them, which the Run Command's script fetches;
- roles, each on exactly its scope: the VM's identity reads its job container ("Storage Blob Data Reader")
  and reads and writes, in each pipeline's staging container, only its groups' staged inputs and results
  (an ABAC path condition, as the app's own); the home app's identity may create and read Run Commands on
  exactly the VMs its activities use (a custom role `<prefix>-glacier-run-commands` holding only
  `Microsoft.Compute/virtualMachines/runCommands/write`, `/read` and `/delete`: it deletes each ended one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from glacierc.backends.terraform import azure_iam as iam
from glacierc.backends.terraform.azure_orchestration import Orchestration
from glacierc.backends.terraform.azure_pipelines import remote_staging_assignments
from glacierc.backends.terraform.azure_storage import STAGING, Container
from glacierc.backends.terraform.blocks import Block, Call, Comment, Expr, Item, Template, Value, block
from glacierc.backends.terraform.common import cloud_name
from glacierc.backends.terraform.job_package import job_files, job_folder
from glacierc.ir.nodes import Project

SETTING_PREFIX = "GLACIER_VM_"
RUN_COMMAND_ROLE = "glacier_run_commands"
RUN_COMMAND_ACTIONS = ("Microsoft.Compute/virtualMachines/runCommands/delete",
                       "Microsoft.Compute/virtualMachines/runCommands/read",
                       "Microsoft.Compute/virtualMachines/runCommands/write")
ARM = "https://management.azure.com"
JOB_LIST = "files.txt"


def setting(vm_label: str) -> str:
    return SETTING_PREFIX + vm_label.upper()


@dataclass(frozen=True, slots=True)
class VmJobs:
    """The job container of one vm executor and what uses it."""

    executor: str
    label: str  # the executor's label (its identity)
    container: Container
    files: tuple[tuple[str, str], ...]  # path in the module -> text
    vms: tuple[tuple[str, str], ...]  # (VM label, the home app running groups there)


def vm_jobs(project: Project, orchestrations: Iterable[Orchestration], vm_of_setting: Mapping[str, str],
            executor_labels: Mapping[str, str], runner_sources: Mapping[str, str] | None,
            locations: Mapping[str, str]) -> list[VmJobs]:
    """One VmJobs per vm executor an orchestration runs groups of; `vm_of_setting`: setting -> VM label."""
    led: dict[str, dict[str, tuple[str, dict[str, tuple[str, ...]]]]] = {}
    used: dict[str, set[tuple[str, str]]] = {}
    for o in orchestrations:
        for a in o.activities:
            if a.remote is None or a.remote not in vm_of_setting:  # in the app, or on a cluster (azure_cluster_jobs.py)
                continue
            led.setdefault(a.executor, {}).setdefault(o.pipeline, (o.label, {}))[1][a.group] = a.nodes
            used.setdefault(a.executor, set()).add((vm_of_setting[a.remote], o.app))
    found = []
    for executor in sorted(led):
        label = executor_labels[executor]
        folder = job_folder(label)
        files = job_files(executor, locations[executor], label, led[executor], runner_sources)
        if files:
            names = sorted(path.rsplit("/", 1)[1] for path in files)
            files[f"{folder}/{JOB_LIST}"] = "\n".join(names) + "\n"
        container = Container(re.sub("-+", "-", "jobs-" + cloud_name(label, 58)), f"{label}_jobs",
                              f"source: generated, the job files of vm executor {executor}")
        found.append(VmJobs(executor, label, container, tuple(sorted(files.items())), tuple(sorted(used[executor]))))
    return found


def app_settings(jobs: Iterable[VmJobs], vm_identity: Mapping[str, str], location: str,
                 data_account: str | None) -> dict[str, list[tuple[str, Value]]]:
    """Home app label -> its `GLACIER_VM_<label>` settings."""
    found: dict[str, list[tuple[str, Value]]] = {}
    for j in jobs:
        jobs_url = Template(Expr(f"azurerm_storage_account.{STAGING}.primary_blob_endpoint"),
                            Expr(f"azurerm_storage_container.{j.container.label}.name"))
        for vm, app in j.vms:
            spec: dict[str, Value] = {
                "kind": "vm", "vm": Template(ARM, Expr(f"azurerm_linux_virtual_machine.{vm}.id")),
                "location": location, "jobs_url": jobs_url,
                "client_id": Expr(f"azurerm_user_assigned_identity.{vm_identity[vm]}.client_id"),
                "environment": {"AZURE_STORAGE_ACCOUNT_NAME": Expr(f"{data_account}.name")} if data_account else {},
            }
            found.setdefault(app, []).append((setting(vm), Call("jsonencode", spec)))
    return {app: sorted(items, key=lambda item: item[0]) for app, items in found.items()}


def assignments(jobs: Iterable[VmJobs], project: Project, orchestrations: list[Orchestration],
                comments: Mapping[str, str]) -> list[iam.Assignment]:
    """The VM identities' job-container and staging roles (the Run Command roles are `run_command_blocks`)."""
    found = []
    for j in jobs:
        comment = comments[j.executor]
        found.append(iam.Assignment(f"{j.label}_jobs_read", f"azurerm_storage_container.{j.container.label}.id",
                                    iam.READER, j.label, comment))
        found += remote_staging_assignments(j.executor, j.label, project, orchestrations, comment)
    return found


def blob_blocks(jobs: Iterable[VmJobs]) -> list[Block]:
    """The job files as blobs of each executor's job container (uploaded from the module's folder)."""
    found = []
    for j in jobs:
        for path, _ in j.files:
            name = path.rsplit("/", 1)[1]
            found.append(block("resource", "azurerm_storage_blob", f"{j.label}_{_label(name)}",
                               comments=[j.container.comment], body=[
                ("name", name),
                ("storage_account_name", Expr(f"azurerm_storage_account.{STAGING}.name")),
                ("storage_container_name", Expr(f"azurerm_storage_container.{j.container.label}.name")),
                ("type", "Block"),
                ("source", Template(Expr("path.module"), "/" + path)),
                ("content_md5", Call("filemd5", Template(Expr("path.module"), "/" + path))),
            ]))
    return found


def run_command_blocks(jobs: Iterable[VmJobs], group: str) -> list[Block]:
    """The custom role of Run Commands and its assignment to each home app on exactly the VMs it uses."""
    pairs = sorted({(vm, app) for j in jobs for vm, app in j.vms})
    if not pairs:
        return []
    comment = "source: generated, what an orchestration needs to run a vm group: Run Commands, nothing else"
    body: list[Item] = [
        ("name", Template(Expr("var.name_prefix"), "-glacier-run-commands")),
        ("scope", Expr(f"{group}.id")),
        ("description", "Create, read and delete managed Run Commands of a VM (glacier vm nodes)."),
        block("permissions", body=[("actions", list(RUN_COMMAND_ACTIONS)), ("not_actions", [])]),
        ("assignable_scopes", [Expr(f"{group}.id")]),
    ]
    found = [block("resource", "azurerm_role_definition", RUN_COMMAND_ROLE, comments=[comment], body=body)]
    for vm, app in pairs:
        found.append(block("resource", "azurerm_role_assignment", f"{app}_runs_{vm}", comments=[comment], body=[
            Comment(f"The orchestrations of app {app} run groups of vm nodes on this VM."),
            ("scope", Expr(f"azurerm_linux_virtual_machine.{vm}.id")),
            ("role_definition_id", Expr(f"azurerm_role_definition.{RUN_COMMAND_ROLE}.role_definition_resource_id")),
            ("principal_id", Expr(f"azurerm_user_assigned_identity.{app}.principal_id")),
            ("principal_type", "ServicePrincipal"),
        ]))
    return found


def _label(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name.rsplit(".", 1)[0]).lower()
