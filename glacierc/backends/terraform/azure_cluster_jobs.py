"""HDInsight and Databricks groups of an Azure orchestration: each group on a cluster executor is an activity of
the pipeline's home app that submits the group's job to the cluster and polls it (glacierc/runtime/azure_remote.py,
bundled into the app as glacier_remote.py): a Livy batch on HDInsight, a one-time run on Databricks. The job is
the cloud-neutral `job.py PIPELINE GROUP RUN_ID STAGING_URI` with the pipelines' runners beside it.

This module computes what that adds (the blocks are printed by azure_cluster_blocks.py, outside `check`):

- per cluster executor a job folder `jobs/<label>/` (job.py, the runners, requirements.txt and
  glacier_installed.py), uploaded where the run reads it: HDInsight's default ADLS Gen2 file system, the
  Databricks workspace's files;
- on each home app running its groups the setting `GLACIER_HDINSIGHT_<LABEL>` / `GLACIER_DATABRICKS_<LABEL>`:
  a `jsonencode`d object saying where to submit (the cluster's Livy endpoint, the workspace URL), the job
  files, the cluster's settings and the environment the job gets; never a secret: the HDInsight gateway
  password is the setting `GLACIER_HDINSIGHT_PASSWORD`, a Key Vault reference the Functions host resolves
  with the app's identity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from glacierc.backends.terraform import azure_iam as iam
from glacierc.backends.terraform.azure_compute import GATEWAY_USER
from glacierc.backends.terraform.azure_orchestration import Orchestration
from glacierc.backends.terraform.azure_pipelines import remote_staging_assignments
from glacierc.backends.terraform.azure_storage import HDINSIGHT
from glacierc.backends.terraform.blocks import Call, Expr, Template, Value
from glacierc.backends.terraform.job_package import job_files, job_folder
from glacierc.ir.nodes import Project, Service

HDINSIGHT_KIND, DATABRICKS_KIND = "hdinsight", "databricks"
SETTING_PREFIXES = {HDINSIGHT_KIND: "GLACIER_HDINSIGHT_", DATABRICKS_KIND: "GLACIER_DATABRICKS_"}
KINDS = {Service.HDINSIGHT: HDINSIGHT_KIND, Service.DATABRICKS: DATABRICKS_KIND}
#: The app setting holding the HDInsight gateway password: a Key Vault reference, resolved by the host.
PASSWORD_SETTING = "GLACIER_HDINSIGHT_PASSWORD"
#: HDInsight's script action installs the requirement set into this interpreter; Livy runs the job with it.
HDINSIGHT_PYTHON = "/usr/bin/python3"
INSTALL_SCRIPT = "install.sh"
#: The Key Vault secret holding the gateway password (azure_cluster_blocks.py) and the role reading it.
GATEWAY_SECRET_REF = "azurerm_key_vault_secret.hdinsight_gateway"
SECRETS_USER = "Key Vault Secrets User"


def setting(kind: str, executor_label: str) -> str:
    return SETTING_PREFIXES[kind] + executor_label.upper()


@dataclass(frozen=True, slots=True)
class ClusterJobs:
    """The job folder of one HDInsight or Databricks executor and the home apps submitting its groups."""

    executor: str
    label: str  # the executor's label (its cluster, workspace and identity)
    kind: str  # HDINSIGHT_KIND or DATABRICKS_KIND
    files: tuple[tuple[str, str], ...]  # path in the module -> text
    apps: tuple[str, ...]

    @property
    def folder(self) -> str:
        return job_folder(self.label)

    def names(self, prefix: str = "glacier_runner_") -> list[str]:
        """File names in the job folder starting with `prefix` (by default: the runners)."""
        return sorted(n for n in (path.rsplit("/", 1)[1] for path, _ in self.files) if n.startswith(prefix))


def remote_groups(orchestrations: Iterable[Orchestration], settings: Iterable[str]
                  ) -> tuple[dict[str, dict[str, tuple[str, dict[str, tuple[str, ...]]]]], dict[str, set[str]]]:
    """executor -> pipeline -> (its label, {group lead: nodes}) of the activities run at one of `settings`, and
    executor -> the home apps running them."""
    wanted = set(settings)
    led: dict[str, dict[str, tuple[str, dict[str, tuple[str, ...]]]]] = {}
    apps: dict[str, set[str]] = {}
    for o in orchestrations:
        for a in o.activities:
            if a.remote in wanted:
                led.setdefault(a.executor, {}).setdefault(o.pipeline, (o.label, {}))[1][a.group] = a.nodes
                apps.setdefault(a.executor, set()).add(o.app)
    return led, apps


def cluster_jobs(orchestrations: Iterable[Orchestration], kinds: Mapping[str, str], labels: Mapping[str, str],
                 runner_sources: Mapping[str, str] | None, locations: Mapping[str, str]) -> list[ClusterJobs]:
    """One ClusterJobs per cluster executor (`kinds`: executor -> its kind) an orchestration runs groups of."""
    led, apps = remote_groups(orchestrations, (setting(kind, labels[e]) for e, kind in kinds.items()))
    found = []
    for executor in sorted(led):
        label, kind = labels[executor], kinds[executor]
        files = job_files(executor, locations[executor], label, led[executor], runner_sources)
        if files and kind == HDINSIGHT_KIND:
            files[f"{job_folder(label)}/{INSTALL_SCRIPT}"] = install_script()
        found.append(ClusterJobs(executor, label, kind, tuple(sorted(files.items())), tuple(sorted(apps[executor]))))
    return found


def install_script() -> str:
    """HDInsight's script action (head and worker nodes, at cluster creation): copy the job folder's
    requirements.txt and glacier_installed.py from the cluster's file system (its first argument, an abfs://
    URL) and install the requirement set into HDINSIGHT_PYTHON unless it is there already."""
    return "\n".join([
        "#!/usr/bin/env bash",
        "# The requirement set of the glacier groups this cluster runs (generated by glacierc).",
        "set -eu",
        'folder="$1"',
        'work="$(mktemp -d)"; cd "$work"',
        'for name in requirements.txt glacier_installed.py; do hadoop fs -copyToLocal -f "$folder/$name" .; done',
        f"{HDINSIGHT_PYTHON} glacier_installed.py requirements.txt || "
        f"sudo {HDINSIGHT_PYTHON} -m pip install --quiet --no-input -r requirements.txt",
        "",
    ])


def abfs_url(label: str, path: str) -> Template:
    """`abfs://<file system>@<account>.dfs.core.windows.net/<path>` in the cluster's default file system."""
    return Template("abfs://", Expr(f"azurerm_storage_container.{label}_filesystem.name"), "@",
                    Expr(f"azurerm_storage_account.{HDINSIGHT}.name"), f".dfs.core.windows.net/{path}")


def app_settings(jobs: Iterable[ClusterJobs], data_account: str | None,
                 extra: Mapping[str, Mapping[str, Value]] | None = None) -> dict[str, list[tuple[str, Value]]]:
    """Home app label -> the settings of the clusters it submits groups to (`extra`: executor label -> more
    fields of its spec, e.g. a Databricks cluster's settings)."""
    found: dict[str, list[tuple[str, Value]]] = {}
    for j in jobs:
        environment: dict[str, Value] = {}
        if j.kind == HDINSIGHT_KIND:  # Polars in the driver signs in as the cluster's identity (a job cluster of
            # Databricks has none: its runs get a storage token of the executor's identity, azure_databricks.py)
            environment["AZURE_CLIENT_ID"] = Expr(f"azurerm_user_assigned_identity.{j.label}.client_id")
        if data_account:
            environment["AZURE_STORAGE_ACCOUNT_NAME"] = Expr(f"{data_account}.name")
        spec: dict[str, Value] = {"kind": j.kind, **(extra or {}).get(j.label, {}), "environment": environment}
        if j.kind == HDINSIGHT_KIND:
            spec |= {"cluster": Template("https://", Expr(f"azurerm_hdinsight_spark_cluster.{j.label}.https_endpoint")),
                     "user": GATEWAY_USER, "password_setting": PASSWORD_SETTING, "python": HDINSIGHT_PYTHON,
                     "job": abfs_url(j.label, f"{j.folder}/job.py"),
                     "files": [abfs_url(j.label, f"{j.folder}/{name}") for name in j.names()]}
        for app in j.apps:
            found.setdefault(app, []).append((setting(j.kind, j.label), Call("jsonencode", dict(sorted(spec.items())))))
    return {app: sorted(items, key=lambda item: item[0]) for app, items in found.items()}


def assignments(jobs: Iterable[ClusterJobs], project: Project, orchestrations: list[Orchestration],
                comments: Mapping[str, str]) -> list[iam.Assignment]:
    """Each cluster identity's roles on the staging containers of the pipelines it runs groups of (only those
    groups' staged paths); each home app submitting Livy batches may read the gateway password's secret."""
    found: list[iam.Assignment] = []
    for j in jobs:
        found += remote_staging_assignments(j.executor, j.label, project, orchestrations, comments[j.executor])
    for app in sorted({app for j in jobs if j.kind == HDINSIGHT_KIND for app in j.apps}):
        found.append(iam.Assignment(f"{app}_gateway_password", f"{GATEWAY_SECRET_REF}.resource_versionless_id",
                                    SECRETS_USER, app, "source: generated, the HDInsight gateway password its "
                                                       "orchestrations submit Livy batches with"))
    return found


def password_settings(jobs: Iterable[ClusterJobs]) -> dict[str, tuple[str, Value]]:
    """Home app -> its `GLACIER_HDINSIGHT_PASSWORD` setting: a Key Vault reference, never the password."""
    reference = Template("@Microsoft.KeyVault(SecretUri=", Expr(f"{GATEWAY_SECRET_REF}.versionless_id"), ")")
    return {app: (PASSWORD_SETTING, reference) for j in jobs if j.kind == HDINSIGHT_KIND for app in j.apps}


def remote_settings(executors: Iterable[tuple[str, Service, str]], tasks: Mapping[str, Iterable[str]]
                    ) -> dict[str, str]:
    """task -> the app setting of the cluster an activity runs its groups on; `executors`: (name, service,
    label) of the HDInsight clusters and Databricks workspaces the module declares."""
    return {task: setting(KINDS[service], label) for name, service, label in executors for task in tasks.get(name, ())}
