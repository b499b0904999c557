"""Databricks executors: a separate root module (`<cloud module>/databricks/`) with the databricks provider.

Kept apart so the cloud module validates with its own provider alone. A state machine runs a Databricks
executor's groups as one-time runs (`jobs/runs/submit`, aws_databricks_runs.py), so the module holds only
what those runs need in the workspace: the job files each run starts (`jobs/<executor>/glacier_job.py`, the
pipelines' runners and the requirement set beside it), uploaded as workspace files under
`/Shared/<name_prefix>/`, and the registration of every job-cluster executor's instance profile (a cluster
may only use a registered one; the runs' clusters get exactly the executor's storage grants through it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from glacier.config import DatabricksConfig
from glacierc.backends.terraform.blocks import Block, Expr, Template, block, print_blocks, string
from glacierc.backends.terraform.common import source_of, source_text
from glacierc.backends.terraform.target import Target
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor

#: Where the job files are uploaded in the workspace (under the name prefix).
WORKSPACE_ROOT = "/Shared/"


class DatabricksTarget(Target):
    """The databricks provider's module: its pin and the shared variables and names."""

    CLOUD = "Databricks"
    PROVIDER, PROVIDER_SOURCE, PROVIDER_VERSION = "databricks", "databricks/databricks", "~> 1.0"


def emit_databricks(executors: Sequence[tuple[Executor, str]], job_files: Mapping[str, str | bytes],
                    cloud_module: str = "cloud", state_backend: str | None = None) -> dict[str, str | bytes]:
    """The files of the Databricks root module; `executors` holds (executor, its label); `job_files`: the
    files the state machines' runs start (`jobs/<executor>/...`), uploaded as they are."""
    profiles = [(label, source_of("executor", executor))
                for executor, label in executors
                if not typed_config(executor.config, DatabricksConfig).cluster_id]
    files: dict[str, str | bytes] = {
        "versions.tf": print_blocks([DatabricksTarget.versions(state_backend)]),
        "providers.tf": print_blocks([block("provider", "databricks", comments=[
            "The workspace and credentials come from the environment (DATABRICKS_HOST, DATABRICKS_TOKEN,",
            "or a profile in ~/.databrickscfg named by DATABRICKS_CONFIG_PROFILE).",
            source_text([(executor.span, f"executor {executor.name}") for executor, _ in executors]),
        ])]),
        "variables.tf": print_blocks(_variables(bool(profiles), cloud_module)),
        "compute.tf": print_blocks([*(_profile(label, comment) for label, comment in profiles),
                                    *(workspace_file(path) for path in sorted(job_files))]),
    }
    return dict(sorted({**files, **job_files}.items()))


def _variables(profiles: bool, cloud_module: str) -> list[Block]:
    found = [DatabricksTarget.name_prefix_variable()]
    if profiles:
        found.append(block("variable", "instance_profiles", body=[
            ("description", "Instance profile ARN of every Databricks executor: the instance_profiles output of "
                            f"the {cloud_module} module."),
            ("type", Expr("map(string)")),
        ]))
    return found


def _profile(label: str, comment: str) -> Block:
    return block("resource", "databricks_instance_profile", label, comments=[comment], body=[
        ("instance_profile_arn", Expr(f"var.instance_profiles[{string(label)}]"))])


def workspace_file(path: str, comment: str = "source: generated, a job file the state machine's Databricks runs start",
                   provider: Expr | None = None) -> Block:
    """A job file uploaded to the workspace under `/Shared/<name_prefix>/` (its path kept); `provider`: the
    databricks provider alias of its workspace (the Azure module has one per workspace)."""
    label = "job_" + path.removeprefix("jobs/").rsplit(".", 1)[0].replace("/", "_")
    return block("resource", "databricks_workspace_file", label, comments=[comment], body=[
        ("provider", provider) if provider is not None else None,
        ("source", Template(Expr("path.module"), "/" + path)),
        ("path", Template(WORKSPACE_ROOT, Expr("var.name_prefix"), "/" + path)),
    ])
