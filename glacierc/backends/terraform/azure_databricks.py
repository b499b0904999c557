"""The Databricks groups an Azure orchestration runs: what each home app's activity needs to submit a one-time run
to a workspace the module creates (glacierc/runtime/azure_remote.py submits and polls it), and the blocks of the
databricks provider that give it that, configured per workspace from the workspace's own resource
(`azure_workspace_resource_id`, one provider alias per workspace executor; the principal running Terraform
signs in with its Azure credentials).

- **Who submits**: each home app's user-assigned identity is a service principal of the workspace
  (`databricks_service_principal`, its client id as `application_id`, no cluster creation of its own). It may
  only create job clusters under the executor's **cluster policy** (`CAN_USE`), which fixes the cluster to a job
  cluster of the config's runtime, node type and workers; one-time runs need no other job permission.
- **The job files** are workspace files under `/Shared/<name_prefix>/jobs/<executor>/` (job.py, the runners, the
  requirement set), as the AWS module's; the run's `spark_python_task` starts job.py from there and its
  libraries are the requirement lines.
- **Storage from the job cluster**, which has no managed identity: the executor's user-assigned identity (the one
  the access connector carries, holding the executor's proven container roles and its groups' staged paths)
  is attached to the home app too, so the activity can take a storage token *of that identity*; it puts the
  token in the workspace's secret scope `glacier` under the run's own key (the service principal may WRITE
  there, nothing else), and the cluster's `AZURE_STORAGE_TOKEN` is the secret reference, which Databricks
  resolves at cluster start and redacts. No secret is in the app's settings, the run's parameters or the
  module; the token lives as long as Entra ID makes it and its key is deleted when the run ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from glacier.config import DatabricksConfig
from glacierc.backends.terraform.azure_cluster_jobs import DATABRICKS_KIND, ClusterJobs
from glacierc.backends.terraform.blocks import Block, Call, Comment, Expr, Template, Value, block
from glacierc.backends.terraform.databricks import WORKSPACE_ROOT, DatabricksTarget, workspace_file
from glacierc.backends.terraform.packaging import package_inputs
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor

#: The secret scope of each workspace holding the runs' storage tokens (one key per run).
SECRET_SCOPE = "glacier"
PIN = (DatabricksTarget.PROVIDER, DatabricksTarget.PROVIDER_SOURCE, DatabricksTarget.PROVIDER_VERSION)


def databricks_jobs(jobs: Iterable[ClusterJobs]) -> list[ClusterJobs]:
    return [j for j in jobs if j.kind == DATABRICKS_KIND and j.apps]


def pins(jobs: Iterable[ClusterJobs]) -> tuple[tuple[str, str, str], ...]:
    """The databricks provider's pin, when an orchestration runs Databricks groups."""
    return (PIN,) if databricks_jobs(jobs) else ()


def provider_ref(j: ClusterJobs) -> Expr:
    return Expr(f"databricks.{j.label}")


def job_path(j: ClusterJobs, name: str) -> Template:
    """A job file's workspace path: `/Shared/<name_prefix>/jobs/<executor>/<name>`."""
    return Template(WORKSPACE_ROOT, Expr("var.name_prefix"), f"/{j.folder}/{name}")


def libraries(j: ClusterJobs) -> list[str]:
    """The requirement lines of the job folder's requirements.txt (the run's PyPI libraries)."""
    text = dict(j.files).get(f"{j.folder}/requirements.txt", "")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith(("#", "-"))]


def spec_fields(jobs: Iterable[ClusterJobs], executors: Mapping[str, Executor], node_types: Mapping[str, str],
                runner_sources: Mapping[str, str] | None) -> dict[str, dict[str, Value]]:
    """Executor label -> the fields of its `GLACIER_DATABRICKS_<label>` setting beyond kind and environment
    (`executors`, `node_types`: by label)."""
    index = package_inputs(runner_sources).index_url
    found: dict[str, dict[str, Value]] = {}
    for j in databricks_jobs(jobs):
        values = typed_config(executors[j.label].config, DatabricksConfig)
        found[j.label] = {
            "workspace": Template("https://", Expr(f"azurerm_databricks_workspace.{j.label}.workspace_url")),
            "spark_version": values.spark_version, "node_type": node_types[j.label], "workers": values.num_workers,
            "policy_id": Expr(f"databricks_cluster_policy.{j.label}.id"),
            "job": job_path(j, "job.py"), "libraries": libraries(j), **({"index": index} if index else {}),
            "secret_scope": Expr(f"databricks_secret_scope.{j.label}.name"),
            "storage_identity": Expr(f"azurerm_user_assigned_identity.{j.label}.client_id"),
        }
    return found


def lent_identities(jobs: Iterable[ClusterJobs]) -> dict[str, tuple[str, ...]]:
    """Home app -> the Databricks executors' identities it carries too (to take their storage tokens)."""
    found: dict[str, set[str]] = {}
    for j in databricks_jobs(jobs):
        for app in j.apps:
            found.setdefault(app, set()).add(j.label)
    return {app: tuple(sorted(labels)) for app, labels in found.items()}


def providers(jobs: Iterable[ClusterJobs]) -> list[Block]:
    """One databricks provider per workspace the orchestrations submit runs to, configured from its resource."""
    return [block("provider", "databricks", comments=[
        f"source: generated, the workspace of Databricks executor {j.executor} (Terraform signs in with its Azure "
        "credentials)"], body=[
        ("alias", j.label),
        ("host", Template("https://", Expr(f"azurerm_databricks_workspace.{j.label}.workspace_url"))),
        ("azure_workspace_resource_id", Expr(f"azurerm_databricks_workspace.{j.label}.id")),
    ]) for j in databricks_jobs(jobs)]


def principal_label(j: ClusterJobs, app: str) -> str:
    return f"{j.label}_{app}"


def iam_blocks(jobs: Iterable[ClusterJobs]) -> list[Block]:
    """Per workspace: the home apps' service principals, the cluster policy they may use, the secret scope
    they may write the runs' tokens to."""
    found: list[Block] = []
    for j in databricks_jobs(jobs):
        comment = f"source: generated, the home apps submitting the runs of Databricks executor {j.executor}"
        for app in j.apps:
            found.append(block("resource", "databricks_service_principal", principal_label(j, app),
                               comments=[comment], body=[
                ("provider", provider_ref(j)),
                Comment("The Function App's user-assigned identity, as a principal of the workspace."),
                ("application_id", Expr(f"azurerm_user_assigned_identity.{app}.client_id")),
                ("display_name", Template(Expr("var.name_prefix"), f"-{app}")),
                ("allow_cluster_create", False),
            ]))  # fmt: skip
        principals = [Expr(f"databricks_service_principal.{principal_label(j, app)}.application_id") for app in j.apps]
        found.append(block("resource", "databricks_permissions", f"{j.label}_policy", comments=[comment], body=[
            ("provider", provider_ref(j)),
            ("cluster_policy_id", Expr(f"databricks_cluster_policy.{j.label}.id")),
            *(block("access_control", body=[("service_principal_name", p), ("permission_level", "CAN_USE")])
              for p in principals),
        ]))
        found.append(block("resource", "databricks_secret_scope", j.label, comments=[
            f"source: generated, the storage tokens of the runs of Databricks executor {j.executor} (one key per run)"],
            body=[("provider", provider_ref(j)), ("name", SECRET_SCOPE)]))
        found += [block("resource", "databricks_secret_acl", principal_label(j, app), comments=[comment], body=[
            ("provider", provider_ref(j)),
            Comment("Put and delete the runs' tokens; the run reads its own as this principal."),
            ("scope", Expr(f"databricks_secret_scope.{j.label}.name")),
            ("principal", principal),
            ("permission", "WRITE"),
        ]) for app, principal in zip(j.apps, principals)]  # fmt: skip
    return found


def compute_blocks(jobs: Iterable[ClusterJobs], node_types: Mapping[str, str], executors: Mapping[str, Executor]
                   ) -> list[Block]:
    """Per workspace: the cluster policy of its runs and the job files."""
    found: list[Block] = []
    for j in databricks_jobs(jobs):
        values = typed_config(executors[j.label].config, DatabricksConfig)
        fixed: dict[str, Value] = {"cluster_type": "job", "spark_version": values.spark_version,
                                   "node_type_id": node_types[j.label],
                                   "driver_node_type_id": node_types[j.label], "num_workers": values.num_workers}
        found.append(block("resource", "databricks_cluster_policy", j.label, comments=[
            f"source: generated, the only clusters the runs of Databricks executor {j.executor} may create"], body=[
            ("provider", provider_ref(j)),
            ("name", Template(Expr("var.name_prefix"), f"-glacier-{j.label}")),
            ("definition", Call("jsonencode", {key: {"type": "fixed", "value": value}
                                               for key, value in sorted(fixed.items())})),
        ]))
        found += [workspace_file(path, f"source: generated, a job file of Databricks executor {j.executor}",
                                 provider_ref(j)) for path, _ in j.files]
    return found
