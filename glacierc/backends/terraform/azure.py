"""The Azure target: the root module of one provider, built as HCL blocks in Python.

`AzureTarget.emit` returns the files of the module relative to its directory: versions.tf, providers.tf,
variables.tf, storage.tf, iam.tf, network.tf, compute.tf, outputs.tf, one `functions/<executor>.zip`
per function app (an Azure Functions app hosts all the tasks of its executor, and the Durable Functions
orchestrations of the pipelines it is home to: azure_pipelines.py) and `orchestration/pipelines.json`
(the `pipelines` output's template). What Azure refuses is judged over the IR by `AzureRules`
(azure_rules.py), which `AzureTarget` inherits: `check` runs the rules alone, `emit` reports them, and the
model takes its account, policy, VMs and clusters from the same functions.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping

from glacier.config import AzureConfig
from glacierc.backends.terraform import azure_app_settings as app_settings
from glacierc.backends.terraform import azure_cluster_jobs as cluster_jobs
from glacierc.backends.terraform import azure_compute as compute
from glacierc.backends.terraform import azure_compute_blocks as compute_blocks
from glacierc.backends.terraform import azure_databricks as databricks
from glacierc.backends.terraform import azure_iam as iam
from glacierc.backends.terraform import azure_pipelines as pipelines_model
from glacierc.backends.terraform import azure_storage as storage_blocks
from glacierc.backends.terraform import azure_vm_groups as vm_groups
from glacierc.backends.terraform.access import Access
from glacierc.backends.terraform.azure_compute_blocks import FUNCTIONS, GROUP
from glacierc.backends.terraform.azure_iam import Identity
from glacierc.backends.terraform.azure_model import AzureModule
from glacierc.backends.terraform.azure_package import AppFunction, app_zip
from glacierc.backends.terraform.azure_rules import AzureRules, databricks_node_type, image_parts, spark_settings
from glacierc.backends.terraform.azure_storage import (
    DATA,
    HDINSIGHT,
    STAGING,
    STAGING_EXPIRY_DAYS,
    Account,
    AccountSettings,
    account_settings,
    account_skips,
    adopted_account,
    containers_of,
    policy_rules,
)
from glacierc.backends.terraform.blocks import Block, Call, Comment, Expr, Item, Template, block
from glacierc.backends.terraform.common import (
    default_tags,
    provider_pipelines,
    source_of,
    source_text,
    tasks_by_executor,
    unique_labels,
)
from glacierc.backends.terraform.packaging import pipeline_entries
from glacierc.backends.terraform.azure_variables import output_candidates, variables
from glacierc.backends.terraform.target import Target
from glacierc.diagnostics.model import Diagnostic
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor, Project, Provider, Service, Task

#: Storage account names: 3-24 lower-case letters and digits, unique in Azure.
ACCOUNT_PREFIX = Call("substr", Call("replace", Expr("var.name_prefix"), "-", ""), 0, 12)


class AzureTarget(AzureRules, Target):
    """The Azure root module of one provider (its services and what Azure refuses: `AzureRules`)."""

    PROVIDER, PROVIDER_SOURCE, PROVIDER_VERSION = "azurerm", "hashicorp/azurerm", ">= 4.9, < 5.0"

    def __init__(self, project: Project, provider: Provider, runner_sources: Mapping[str, str] | None) -> None:
        super().__init__(project, provider, runner_sources)
        values = typed_config(provider.config, AzureConfig)
        pipelines = provider_pipelines(project, provider)
        self.module = AzureModule(
            subscription_id=values.subscription_id,
            location=values.location,
            comment=self.provider_comment(),
            tags=default_tags(pipelines),
            suffix=hashlib.sha256(f"{values.subscription_id}/{provider.name}".encode()).hexdigest()[:8],
            existing_group=values.resource_group or None,
            group_name=self.name("-".join(pipelines) or provider.name, 90),
        )
        #: app label -> (executor, its functions, its tasks): packaged once the orchestrations are known
        self.packages: dict[str, tuple[Executor, tuple[AppFunction, ...], list[Task]]] = {}
        #: executor -> the access it proved (the app hosting its groups gets its roles)
        self.access: dict[str, Access] = {}
        #: Databricks executor label -> the executor, the node type of its job clusters
        self.databricks_executors: dict[str, Executor] = {}
        self.node_types: dict[str, str] = {}

    # --- the model ----------------------------------------------------------------------------------

    def build(self) -> AzureModule:
        module, project = self.module, self.project
        executors = self.supported_executors(project, self.provider, [])  # reported by `validate`
        labels = unique_labels(e.name for e, _ in executors)
        self.storage = self.own_storage()
        self._add_storage()
        self._add_compute(executors, labels)
        self._add_orchestrations(executors, labels)
        self._add_host_accounts()
        self.grant_all(project, executors, labels, self.storage)
        self._grant_orchestrations()
        self._add_packages()
        return module

    def account(self, label: str, kind: str, short: str, comment: str, settings: AccountSettings | None = None,
                shared_keys: bool = False) -> Account:
        replication = settings.replication if settings else "LRS"
        return Account(
            label=label,
            name=Template(Expr("local.account_prefix"), f"{short}{self.module.suffix}"),
            kind=kind,
            comment=comment,
            versioning=settings.versioning if settings else kind == "functions",
            infrastructure_encryption=settings.infrastructure_encryption if settings else True,
            replication=replication,
            shared_keys=shared_keys,
            skips=account_skips(kind, replication, shared_keys),
        )

    def _add_storage(self) -> None:
        module, storage = self.module, list(self.storage.values())
        labels = unique_labels({s.bucket for s in storage})
        module.adopted = adopted_account(storage)
        if module.adopted is not None:  # the owner's account: none of its settings, no management policy
            module.containers = containers_of(storage, labels)
            return
        settings = account_settings(storage)
        if settings is None:
            return
        module.accounts.append(self.account(DATA, "data", "data", settings.comment, settings))
        module.containers = containers_of(storage, labels)
        module.rules = policy_rules(storage, settings.versioning)

    def _add_compute(self, executors: list[tuple[Executor, Service]], labels: dict[str, str]) -> None:
        module = self.module
        tasks = tasks_by_executor(self.project)
        task_labels = unique_labels(t.name for e, _ in executors for t in tasks.get(e.name, ()))
        self.entries = pipeline_entries(self.project, self.runner_sources)
        self.task_labels = task_labels
        for executor, kind in executors:
            label, mine = labels[executor.name], tasks.get(executor.name, [])
            if kind == Service.FUNCTION:
                self.function_app(executor, label, mine)
            elif kind == Service.VM:
                self.vms(executor, label, mine, task_labels)
            elif kind == Service.HDINSIGHT:
                settings, _ = spark_settings(executor)  # its problems are reported by `validate`
                if settings is not None:
                    module.clusters.append(compute.spark_cluster(executor, label, module.suffix[:6], settings))
            elif kind == Service.DATABRICKS:
                self.workspace(executor, label)

    def function_app(self, executor: Executor, label: str, tasks: list[Task]) -> None:
        """The Function App of `executor` (its package is written once the orchestrations are known)."""
        functions = tuple(AppFunction(t.name, self.task_labels[t.name], self.entries.get(t.name, ())) for t in tasks)
        self.module.apps.append(compute.function_app(executor, label, self.module.suffix[:6],
                                                     tuple(f.route for f in functions)))
        self.packages[label] = (executor, functions, tasks)

    def _add_orchestrations(self, executors: list[tuple[Executor, Service]], labels: dict[str, str]) -> None:
        """A Durable Functions orchestration per pipeline in its home app; apps generated for local executors
        that are home to one; the staging containers; the host accounts."""
        module, tasks = self.module, tasks_by_executor(self.project)
        apps = {e.name: labels[e.name] for e, kind in executors if kind == Service.FUNCTION}
        self.local_labels = {e.name: labels[e.name] for e, kind in executors if kind == Service.LOCAL}
        self.app_of = apps
        self.executor_spans = {e.name: e.span for e, _ in executors}
        vms = {task: vm_groups.setting(label) for task, label in self.task_labels.items()
               if label in {v.label for v in module.vms}}
        declared = {c.label for c in module.clusters} | {w.label for w in module.workspaces}
        clusters = [(e.name, kind, labels[e.name]) for e, kind in executors if labels[e.name] in declared]
        remote = {**vms, **cluster_jobs.remote_settings(clusters, {e: [t.name for t in ts] for e, ts in tasks.items()})}
        plan = pipelines_model.plan(self.project, self.provider, executors, labels, apps, remote)
        module.plan = plan
        locations = {e.name: f"{e.span.file}:{e.span.line}" for e, _ in executors}
        module.vm_jobs = vm_groups.vm_jobs(self.project, plan.orchestrations, {s: t for t, s in (
            (v.label, vm_groups.setting(v.label)) for v in module.vms)}, labels, self.runner_sources, locations)
        module.cluster_jobs = cluster_jobs.cluster_jobs(plan.orchestrations, {
            name: cluster_jobs.KINDS[kind] for name, kind, _ in clusters}, labels, self.runner_sources, locations)
        for executor, _ in executors:
            if executor.name in plan.local_apps:
                label = plan.local_apps[executor.name]
                self.function_app(executor, label, tasks.get(executor.name, []))
                module.identities.append(Identity(label, self.name(label, 128), module.apps[-1].comment))
        module.staging = tuple(pipelines_model.staging_container(o) for o in plan.orchestrations)
        app_settings.with_settings(module, databricks.spec_fields(module.cluster_jobs, self.databricks_executors,
                                                                  self.node_types, self.runner_sources))
        lent = databricks.lent_identities(module.cluster_jobs)
        module.apps = [dataclasses.replace(a, lent=lent.get(a.label, ())) for a in module.apps]

    def _add_host_accounts(self) -> None:
        """The storage accounts of the Functions hosts, the HDInsight file systems and the staged results."""
        module = self.module
        if module.apps:
            module.accounts.append(self.account(
                FUNCTIONS, "functions", "func", "source: generated, the storage the Azure Functions host needs "
                                                "(no pipeline data)", shared_keys=True))
        if module.clusters:
            module.accounts.append(self.account(
                HDINSIGHT, "hdinsight", "hdi", "source: generated, the default file systems of the HDInsight "
                                               "clusters (ADLS Gen2)"))
        if module.staging:
            module.accounts.append(self.account(
                STAGING, "staging", "stg", "source: generated, the results staged between the nodes of a run "
                                           f"(deleted after {STAGING_EXPIRY_DAYS} days)"))

    def _grant_orchestrations(self) -> None:
        """Each home app's identity: the roles of the executors it hosts (local ones, other apps' serverless
        ones), its staging container."""
        module, containers = self.module, {c.name: c.label for c in self.module.containers}
        for o in module.plan.orchestrations:
            hosted = {a.executor for a in o.activities if a.remote is None}  # a VM's group runs as the VM
            for name in sorted(e for e in hosted if self.app_of.get(e) != o.app):
                roles = iam.container_roles(self.access.get(name, Access((), ())), self.storage)
                comment = source_text([(self.executor_spans[name], f"executor {name}")])
                module.assignments = pipelines_model.hosted_assignments(
                    module.assignments, o.app, roles, containers, comment, {c.name: c.scope for c in module.containers})
        module.assignments += [pipelines_model.staging_assignment(o, self.project) for o in module.plan.orchestrations]
        module.assignments = pipelines_model.listing_assignments(module.assignments, module.plan.orchestrations, {
            c.name: (c.label, c.scope) for c in module.containers})
        comments = {name: source_text([(span, f"executor {name}")]) for name, span in self.executor_spans.items()}
        module.assignments += vm_groups.assignments(module.vm_jobs, self.project, module.plan.orchestrations, comments)
        module.assignments += cluster_jobs.assignments(module.cluster_jobs, self.project, module.plan.orchestrations,
                                                       comments)

    def _add_packages(self) -> None:
        """Every app's package; its functionTimeout also covers the hosted tasks it runs as activities."""
        tasks = {t.name: t for t in self.project.tasks}
        for app in self.module.apps:
            executor, functions, own = self.packages[app.label]
            hosted = tuple(self.module.plan.hosted(app.label))
            everyone = {e.name for e in self.project.executors}
            local = pipelines_model.hosted_tasks(self.project, hosted, everyone) - {t.name for t in own}
            timeout = compute.app_timeout(executor, [*own, *(tasks[name] for name in sorted(local))])
            location = f"{executor.span.file}:{executor.span.line}"
            self.module.zips[app.zip_file] = app_zip(executor.name, location, functions, timeout,
                                                     self.runner_sources, hosted)

    def vms(self, executor: Executor, label: str, tasks: list[Task], task_labels: dict[str, str]) -> None:
        image, _ = image_parts(executor)  # a refused image is reported by `validate`
        if image is None:
            return
        self.module.vms.extend(compute.virtual_machine(t, executor, task_labels[t.name], label, image) for t in tasks)

    def workspace(self, executor: Executor, label: str) -> None:
        """A workspace (and the executor's identity through an access connector); the orchestrations' runs there
        are azure_databricks.py's."""
        node, _ = databricks_node_type(executor)  # a refused node type is reported by `validate`
        if node is None:
            return
        self.node_types[label], self.databricks_executors[label] = node, executor
        self.module.workspaces.append(compute.workspace(executor, label))

    # --- identities and grants ------------------------------------------------------------------------

    def has_identity(self, executor: Executor, service: Service, label: str) -> bool:
        m = self.module
        deployed = ({a.identity for a in m.apps} | {v.identity for v in m.vms} | {c.identity for c in m.clusters}
                    | {w.identity for w in m.workspaces})
        return service == Service.LOCAL or label in deployed

    def identity(self, executor: Executor, service: Service, label: str, access: Access) -> None:
        """A user-assigned identity (none for a local executor: `var.local_principal_ids` get its roles) with a
        role on every container it proved to read or write."""
        module = self.module
        comment = source_of("executor", executor)
        identity = None if service == Service.LOCAL else label
        self.access[executor.name] = access
        if identity is not None:
            module.identities.append(Identity(label, self.name(label, 128), comment))
        roles = iam.container_roles(access, self.storage)
        containers, scopes = {c.name: c.label for c in module.containers}, {c.name: c.scope for c in module.containers}
        module.assignments.extend(iam.container_assignments(label, identity, roles, containers, comment, scopes))
        if service == Service.HDINSIGHT:
            module.assignments.append(iam.Assignment(
                f"{label}_hdinsight", f"azurerm_storage_account.{HDINSIGHT}.id", iam.OWNER, label, comment))

    # --- files ----------------------------------------------------------------------------------------

    def files(self, state_backend: str | None = None) -> dict[str, list[Block]]:
        """The blocks of every `.tf` file (a file without blocks is not written)."""
        from glacierc.backends.terraform import azure_cluster_blocks as cluster_blocks  # not on `check`'s path

        m = self.module
        where = (m.group, m.location)
        storage_tf = [storage_blocks.account_block(a, *where) for a in m.accounts]
        storage_tf += storage_blocks.adopted_blocks(m.containers, m.adopted) if m.adopted is not None else [
            storage_blocks.container_block(c.label, c.name, DATA, c.comment, c.skips) for c in m.containers]
        data = m.account("data")
        storage_tf += [storage_blocks.policy_block(m.rules, data.comment)] if m.rules and data else []
        storage_tf += [storage_blocks.container_block(c.label, c.name, STAGING, c.comment, c.skips) for c in m.staging]
        staging = m.account("staging")
        if m.staging and staging:
            storage_tf.append(storage_blocks.policy_block(pipelines_model.staging_policy_rules(m.staging),
                                                          staging.comment, STAGING))
        storage_tf += [storage_blocks.container_block(j.container.label, j.container.name, STAGING, j.container.comment,
                                                      j.container.skips) for j in m.vm_jobs]
        storage_tf += vm_groups.blob_blocks(m.vm_jobs)
        storage_tf += cluster_blocks.blob_blocks(m.cluster_jobs)
        storage_tf += [storage_blocks.container_block(
            f"{c.label}_filesystem", c.filesystem, HDINSIGHT, c.comment, c.filesystem_skips,
            "A container of an account with a hierarchical namespace is an ADLS Gen2 file system.")
            for c in m.clusters]
        iam_tf = [iam.identity_block(i, *where) for i in m.identities]
        iam_tf += [iam.assignment_block(a) for a in m.assignments]
        iam_tf += vm_groups.run_command_blocks(m.vm_jobs, m.group)
        iam_tf += cluster_blocks.vault_blocks(m.cluster_jobs, *where, m.suffix)
        iam_tf += databricks.iam_blocks(m.cluster_jobs)
        subnets = ["vms"] * bool(m.vms) + ["clusters"] * bool(m.clusters)
        compute_tf = [b for a in m.apps for b in compute_blocks.app_blocks(a, *where)]
        compute_tf += [b for v in m.vms for b in compute_blocks.vm_blocks(v, *where)]
        jobs = {j.label: j for j in m.cluster_jobs}
        compute_tf += [compute_blocks.cluster_block(c, *where, *cluster_blocks.installing(jobs.get(c.label)))
                       for c in m.clusters]
        compute_tf += [b for w in m.workspaces for b in compute_blocks.workspace_blocks(w, *where)]
        compute_tf += databricks.compute_blocks(m.cluster_jobs, self.node_types, self.databricks_executors)
        return {
            "versions.tf": [self.versions(state_backend, databricks.pins(m.cluster_jobs))],
            "providers.tf": self.providers(),
            "variables.tf": variables(m),
            "storage.tf": storage_tf,
            "iam.tf": iam_tf,
            "network.tf": compute_blocks.network_blocks(m.group, m.location, subnets) if m.network else [],
            "compute.tf": compute_tf,
            "outputs.tf": [*self.outputs(output_candidates(m)),
                           *pipelines_model.pipelines_output(m.plan.orchestrations)],
        }

    def providers(self) -> list[Block]:
        m = self.module
        local: list[Item] = [
            Comment("Glacier's own tags win over var.tags on a clash."),
            ("tags", Call("merge", Expr("var.tags"), m.tags)),
        ]
        if m.accounts:
            local += [Comment("Storage account names allow 3-24 lower-case letters and digits, unique in Azure."),
                      ("account_prefix", ACCOUNT_PREFIX)]
        if m.existing_group:
            group = block("data", "azurerm_resource_group", GROUP, comments=[m.comment],
                          body=[("name", m.existing_group)])
        else:
            group = block("resource", "azurerm_resource_group", GROUP, comments=[m.comment], body=[
                ("name", m.group_name), ("location", m.location), storage_blocks.TAGS])
        return [
            block("provider", "azurerm", comments=[m.comment], body=[
                ("subscription_id", m.subscription_id),
                Comment("Storage is reached with Entra ID: shared keys are disabled on the data account."),
                ("storage_use_azuread", True),
                block("features"),
            ]),
            block("locals", body=local),
            group,
            *databricks.providers(m.cluster_jobs),
        ]

    def other_files(self, state_backend: str | None) -> list[tuple[str, str | bytes]]:
        """The vm groups' job files, `orchestration/pipelines.json` and the orchestrations' files."""
        files = [job.files for job in self.module.vm_jobs] + [job.files for job in self.module.cluster_jobs]
        jobs = sorted((path, text) for found in files for path, text in found)
        return [*jobs, *pipelines_model.pipeline_files(self.module.plan.orchestrations).items()]

    def notes(self) -> list[Diagnostic]:
        """What each Durable Functions orchestration runs (GLC409)."""
        return self.module.plan.notes


TARGET = AzureTarget
