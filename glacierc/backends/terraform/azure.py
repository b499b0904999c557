"""The Azure root module of one provider: a model computed in Python, laid out by templates.

`emit_azure` returns the files of the module relative to its directory: versions.tf, providers.tf,
variables.tf, storage.tf, iam.tf, network.tf, compute.tf, outputs.tf and one `functions/<executor>.zip`
per serverless executor (an Azure Functions app hosts all the tasks of its executor).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from glacierc.backends.terraform import azure_compute as compute
from glacierc.backends.terraform import azure_iam as iam
from glacierc.backends.terraform.access import Access, executor_access, foreign_access
from glacierc.backends.terraform.azure_package import AppFunction, app_zip
from glacierc.backends.terraform.azure_storage import (
    SOFT_DELETE_DAYS,
    AccountSettings,
    Container,
    PolicyRule,
    account_settings,
    account_skips,
    containers_of,
    policy_rules,
)
from glacierc.backends.terraform.blocks import print_blocks
from glacierc.backends.terraform.common import (
    DEFAULT_NAME_PREFIX,
    NAME_PREFIX_MAX,
    Skip,
    config_values,
    default_tags,
    prefixed,
    provider_pipelines,
    render,
    source_comment,
    tasks_by_executor,
    unique_labels,
)
from glacierc.backends.terraform.packaging import pipeline_entries
from glacierc.backends.terraform.target import Output, Target
from glacierc.diagnostics.model import Diagnostic, Severity
from glacierc.ir.nodes import Executor, Project, Provider, Storage, Task

GROUP = "glacier"
DATA = "glacier_data"
FUNCTIONS = "glacier_functions"
HDINSIGHT = "glacier_hdinsight"
_FILES = ("providers.tf", "variables.tf", "storage.tf", "iam.tf", "network.tf", "compute.tf")


@dataclass(frozen=True, slots=True)
class Identity:
    label: str
    name: str
    comment: str


@dataclass(frozen=True, slots=True)
class Account:
    """A generated storage account: `kind` is data, functions (Functions host) or hdinsight (ADLS Gen2)."""

    label: str
    name: str  # HCL template
    kind: str
    comment: str
    versioning: bool
    infrastructure_encryption: bool
    replication: str
    shared_keys: bool
    skips: tuple[Skip, ...] = ()


@dataclass(slots=True)
class AzureModule:
    """Everything the Azure templates lay out (filled by `build`)."""

    subscription_id: str
    location: str
    comment: str
    tags: dict[str, str]
    suffix: str
    existing_group: str | None
    group_name: str
    accounts: list[Account] = field(default_factory=list)
    containers: tuple[Container, ...] = ()
    rules: tuple[PolicyRule, ...] = ()
    identities: list[Identity] = field(default_factory=list)
    assignments: list[iam.Assignment] = field(default_factory=list)
    apps: list[compute.FunctionApp] = field(default_factory=list)
    vms: list[compute.VirtualMachine] = field(default_factory=list)
    clusters: list[compute.SparkCluster] = field(default_factory=list)
    workspaces: list[compute.Workspace] = field(default_factory=list)
    zips: dict[str, bytes] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def group(self) -> str:
        """The resource group as an HCL reference (without `.name` / `.location`)."""
        kind = "data.azurerm_resource_group" if self.existing_group else "azurerm_resource_group"
        return f"{kind}.{GROUP}"

    @property
    def network(self) -> bool:
        return bool(self.vms or self.clusters)

    @property
    def local_assignments(self) -> bool:
        return any(a.identity is None for a in self.assignments)

    def account(self, kind: str) -> Account | None:
        return next((a for a in self.accounts if a.kind == kind), None)


def emit_azure(project: Project, provider: Provider, runner_sources: Mapping[str, str] | None = None
               ) -> tuple[dict[str, str | bytes], tuple[Diagnostic, ...]]:
    """The files of the Azure root module for `provider`, relative to the module directory."""
    module = build(project, provider, runner_sources or {})
    context = {
        "m": module, "group": GROUP, "data": DATA, "functions": FUNCTIONS, "hdinsight": HDINSIGHT,
        "soft_delete_days": SOFT_DELETE_DAYS, "node_user": compute.NODE_USER,
        "zookeeper_size": compute.ZOOKEEPER_SIZE, "plan_skips": compute.PLAN_SKIPS, "outputs": _outputs(module),
        "default_name_prefix": DEFAULT_NAME_PREFIX, "name_prefix_max": NAME_PREFIX_MAX,
    }
    files: dict[str, str | bytes] = {"versions.tf": print_blocks([AzureTarget.versions()])}
    for name in _FILES:
        text = render(f"terraform/azure/{name}.j2", **context)
        if text.strip():
            files[name] = text
    if outputs := AzureTarget.outputs(_outputs(module)):
        files["outputs.tf"] = print_blocks(outputs)
    files.update(sorted(module.zips.items()))
    return files, tuple(module.diagnostics)


def build(project: Project, provider: Provider, runner_sources: Mapping[str, str] | None) -> AzureModule:
    values = config_values(provider.config, "AzureConfig")
    pipelines = provider_pipelines(project, provider)
    module = AzureModule(
        subscription_id=str(values["subscription_id"]),
        location=str(values["location"]),
        comment=source_comment([(provider.span, f"provider {provider.name}")]),
        tags=default_tags(pipelines),
        suffix=hashlib.sha256(f"{values['subscription_id']}/{provider.name}".encode()).hexdigest()[:8],
        existing_group=values["resource_group"],
        group_name=prefixed("-".join(pipelines) or provider.name, 90),
    )
    executors = AzureTarget().supported_executors(project, provider, module.diagnostics)
    exec_labels = unique_labels(e.name for e, _ in executors)
    storage = {s.name: s for s in project.storage if s.provider == provider.name}
    _add_storage(module, list(storage.values()))
    _add_compute(module, project, executors, exec_labels, runner_sources)
    _add_identities(module, project, executors, exec_labels, storage)
    return module


class AzureTarget(Target):
    CLOUD = "Azure"
    PROVIDER, PROVIDER_SOURCE, PROVIDER_VERSION = "azurerm", "hashicorp/azurerm", "~> 4.9"
    SERVICES = {
        **Target.SERVICES,
        ("serverless", None): "function", ("serverless", "AzureFunctionConfig"): "function",
        ("vm", None): "vm", ("vm", "AzureVMConfig"): "vm",
        ("cluster", None): "hdinsight", ("cluster", "SparkConfig"): "hdinsight",
        ("cluster", "DatabricksConfig"): "databricks",
    }  # fmt: skip
    SUPPORTED_HELP = "use AzureFunctionConfig, AzureVMConfig, SparkConfig or DatabricksConfig with AzureConfig"


def _account(module: AzureModule, label: str, kind: str, short: str, comment: str,
             settings: AccountSettings | None = None, shared_keys: bool = False) -> Account:
    replication = settings.replication if settings else "LRS"
    return Account(
        label=label,
        name=f"${{local.account_prefix}}{short}{module.suffix}",
        kind=kind,
        comment=comment,
        versioning=settings.versioning if settings else kind == "functions",
        infrastructure_encryption=settings.infrastructure_encryption if settings else True,
        replication=replication,
        shared_keys=shared_keys,
        skips=account_skips(kind, replication, shared_keys),
    )


def _add_storage(module: AzureModule, storage: list[Storage]) -> None:
    settings, found = account_settings(storage)
    module.diagnostics.extend(found)
    if settings is None:
        return
    module.accounts.append(_account(module, DATA, "data", "data", settings.comment, settings))
    labels = unique_labels({s.bucket for s in storage})
    module.containers, found = containers_of(storage, labels)
    module.diagnostics.extend(found)
    module.rules, found = policy_rules(storage, settings.versioning)
    module.diagnostics.extend(found)


def _add_compute(module: AzureModule, project: Project, executors: list[tuple[Executor, str]],
                 exec_labels: dict[str, str], runner_sources: Mapping[str, str] | None) -> None:
    tasks = tasks_by_executor(project)
    task_labels = unique_labels(t.name for e, _ in executors for t in tasks.get(e.name, ()))
    entries = pipeline_entries(project, runner_sources)
    for executor, kind in executors:
        label = exec_labels[executor.name]
        mine = tasks.get(executor.name, [])
        if kind == "function":
            functions = tuple(AppFunction(t.name, task_labels[t.name], entries.get(t.name, ())) for t in mine)
            app = compute.function_app(executor, label, module.suffix[:6], tuple(f.route for f in functions))
            module.apps.append(app)
            location = f"{executor.span.file}:{executor.span.line}"
            module.zips[app.zip_file] = app_zip(executor.name, location, functions,
                                                compute.app_timeout(executor, mine), runner_sources)
        elif kind == "vm":
            _add_vms(module, executor, label, mine, task_labels)
        elif kind == "hdinsight":
            settings, problems = compute.spark_settings(executor)
            module.diagnostics.extend(problems)
            if settings is not None:
                module.clusters.append(compute.spark_cluster(executor, label, module.suffix[:6], settings))
        elif kind == "databricks":
            _add_workspace(module, executor, label, mine)
    _add_generated_accounts(module)


def _add_vms(module: AzureModule, executor: Executor, label: str, tasks: list[Task],
             task_labels: dict[str, str]) -> None:
    image, problem = compute.image_parts(executor)
    if problem is not None:
        module.diagnostics.append(problem)
        return
    module.vms.extend(compute.virtual_machine(t, executor, task_labels[t.name], label, image) for t in tasks)


def _add_workspace(module: AzureModule, executor: Executor, label: str, tasks: list[Task]) -> None:
    """A workspace (and the executor's identity through an access connector); jobs are not generated."""
    node, problem = compute.databricks_node_type(executor)
    if problem is not None:
        module.diagnostics.append(problem)
        return
    module.workspaces.append(compute.workspace(executor, label))
    names = ", ".join(f"`{t.name}`" for t in tasks)
    module.diagnostics.append(Diagnostic(
        "GLC405", Severity.WARNING,
        f"executor `{executor.name}`: the Azure module creates the Databricks workspace and the executor's "
        f"identity (an access connector with its storage grants), not the jobs of {names}; the DatabricksConfig "
        f"cluster settings (node type {node}) apply to jobs you define in the workspace",
        executor.span,
        help="define the jobs with the databricks provider against the workspace (output `databricks_workspaces`)",
    ))


def _add_generated_accounts(module: AzureModule) -> None:
    if module.apps:
        comment = "# source: generated, the storage the Azure Functions host needs (no pipeline data)"
        module.accounts.append(_account(module, FUNCTIONS, "functions", "func", comment, shared_keys=True))
    if module.clusters:
        comment = "# source: generated, the default file systems of the HDInsight clusters (ADLS Gen2)"
        module.accounts.append(_account(module, HDINSIGHT, "hdinsight", "hdi", comment))


def _add_identities(module: AzureModule, project: Project, executors: list[tuple[Executor, str]],
                    exec_labels: dict[str, str], storage: dict[str, Storage]) -> None:
    access = executor_access(project)
    everything = {s.name: s for s in project.storage}
    deployed = ({a.identity for a in module.apps} | {v.identity for v in module.vms}
                | {c.identity for c in module.clusters} | {w.identity for w in module.workspaces})
    container_labels = {c.name: c.label for c in module.containers}
    for executor, kind in executors:
        label = exec_labels[executor.name]
        if kind != "local" and label not in deployed:
            continue
        comment = source_comment([(executor.span, f"executor {executor.name}")])
        identity = None if kind == "local" else label
        if identity is not None:
            module.identities.append(Identity(label, prefixed(label, 128), comment))
        mine = access.get(executor.name, Access((), ()))
        module.diagnostics.extend(foreign_access(executor, mine, storage, everything))
        roles = iam.container_roles(mine, storage)
        module.assignments.extend(iam.container_assignments(label, identity, roles, container_labels, comment))
        if kind == "hdinsight":
            module.assignments.append(iam.Assignment(f"{label}_hdinsight", f"azurerm_storage_account.{HDINSIGHT}.id",
                                                     iam.OWNER, label, comment))


def _outputs(module: AzureModule) -> tuple[Output, ...]:
    """Map outputs keyed by the names used in the pipeline code."""
    data = module.account("data")
    candidates = (
        Output("storage_account", "Name of the storage account holding the containers.",
               (("name", f"azurerm_storage_account.{DATA}.name"),) if data else ()),
        Output("containers", "Resource id of every container, by container (bucket) name.",
               tuple((c.name, f"azurerm_storage_container.{c.label}.id") for c in module.containers)),
        Output("identities", "Client id of the managed identity of every executor, by executor label.",
               tuple((i.label, f"azurerm_user_assigned_identity.{i.label}.client_id") for i in module.identities)),
        Output("function_apps", "Host name of the Function App of every serverless executor, by executor label.",
               tuple((a.label, f"azurerm_linux_function_app.{a.label}.default_hostname") for a in module.apps)),
        Output("virtual_machines", "Id of the VM of every vm task, by task label.",
               tuple((v.label, f"azurerm_linux_virtual_machine.{v.label}.id") for v in module.vms)),
        Output("clusters", "HTTPS endpoint of the HDInsight cluster of every Spark executor, by executor label.",
               tuple((c.label, f"azurerm_hdinsight_spark_cluster.{c.label}.https_endpoint") for c in module.clusters)),
        Output("databricks_workspaces", "URL of the Databricks workspace of every Databricks executor.",
               tuple((w.label, f"azurerm_databricks_workspace.{w.label}.workspace_url") for w in module.workspaces)),
    )
    return tuple(output for output in candidates if output.values)
