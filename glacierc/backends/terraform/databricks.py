"""Databricks executors: a separate root module (`<cloud module>/databricks/`) with the databricks provider.

Kept apart so the cloud module validates with its own provider alone. Every task on a
`DatabricksConfig` executor becomes a job: on a new job cluster (node type and workers from the
config, the executor's instance profile, so the job gets exactly the executor's storage grants)
or on the existing cluster `cluster_id`. The job runs a generated entry script, uploaded as a
workspace file with the pipelines' runner modules. The groups an AWS state machine runs on the executor are
one-time runs of `jobs/<executor>/glacier_job.py` (aws_databricks_runs.py), uploaded here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from glacier.config import DatabricksConfig
from glacierc.backends.escaping import py_literal
from glacierc.backends.terraform.blocks import BLANK, Block, Call, Expr, Template, block, print_blocks, string
from glacierc.backends.terraform.common import source_text, unique_labels
from glacierc.backends.terraform.entry_module import entry_module, flat_table
from glacierc.backends.terraform.packaging import PipelineEntry
from glacierc.backends.terraform.target import Target
from glacierc.ir.configs import typed_config
from glacierc.ir.nodes import Executor, Task

#: Where the entry scripts and runners are uploaded in the workspace (under the name prefix).
WORKSPACE_ROOT = "/Shared/"


class DatabricksTarget(Target):
    """The databricks provider's module: its pin and the shared variables, names and outputs."""

    CLOUD = "Databricks"
    PROVIDER, PROVIDER_SOURCE, PROVIDER_VERSION = "databricks", "databricks/databricks", "~> 1.0"


@dataclass(frozen=True, slots=True)
class Profile:
    label: str
    comment: str


@dataclass(frozen=True, slots=True)
class Runner:
    label: str
    pipeline: str
    file: str


@dataclass(frozen=True, slots=True)
class Job:
    label: str
    name: Template
    comment: str
    script: str
    cluster_id: str | None
    spark_version: str
    node_type: str
    num_workers: int
    profile: str
    retries: int
    timeout: int | None


def emit_databricks(executors: Sequence[tuple[Executor, tuple[Task, ...], str]], tags: dict[str, str],
                    entries: Mapping[str, tuple[PipelineEntry, ...]], runner_sources: Mapping[str, str],
                    cloud_module: str = "cloud", state_backend: str | None = None,
                    job_files: Mapping[str, str | bytes] | None = None) -> dict[str, str | bytes]:
    """The files of the Databricks root module; `executors` holds (executor, its tasks, its label);
    `job_files`: the job scripts a state machine's runs start (`jobs/<executor>/...`), uploaded as they are."""
    task_labels = unique_labels(t.name for _, tasks, _ in executors for t in tasks)
    profiles: list[Profile] = []
    jobs: list[Job] = []
    for executor, tasks, label in executors:
        values = typed_config(executor.config, DatabricksConfig)
        if not values.cluster_id:
            profiles.append(Profile(label, source_text([(executor.span, f"executor {executor.name}")])))
        jobs.extend(_job(task, values, task_labels[task.name], label) for task in tasks)
    files, runners = _scripts(executors, task_labels, entries, runner_sources)
    files["versions.tf"] = print_blocks([DatabricksTarget.versions(state_backend)])
    files["providers.tf"] = print_blocks([block("provider", "databricks", comments=[
        "The workspace and credentials come from the environment (DATABRICKS_HOST, DATABRICKS_TOKEN,",
        "or a profile in ~/.databrickscfg named by DATABRICKS_CONFIG_PROFILE).",
        source_text([(executor.span, f"executor {executor.name}") for executor, _, _ in executors]),
    ])])
    files["variables.tf"] = print_blocks(_variables(bool(profiles), cloud_module))
    uploads = [_workspace_file("job_" + path.removeprefix("jobs/").rsplit(".", 1)[0].replace("/", "_"), path,
                               "source: generated, a job file the state machine's Databricks runs start")
               for path in sorted(job_files or {})]
    files["compute.tf"] = print_blocks([*_compute(tags, profiles, runners, jobs), *uploads])
    found: dict[str, str | bytes] = {**files, **(job_files or {})}
    return dict(sorted(found.items()))


def _variables(profiles: bool, cloud_module: str) -> list[Block]:
    found = [DatabricksTarget.name_prefix_variable(),
             DatabricksTarget.map_variable("tags", "Tags added to every job cluster (Glacier's managed_by and "
                                                   "glacier_pipeline tags win on a clash).")]
    if profiles:
        found.append(block("variable", "instance_profiles", body=[
            ("description", "Instance profile ARN of every Databricks executor: the instance_profiles output of "
                            f"the {cloud_module} module."),
            ("type", Expr("map(string)")),
        ]))
    return found


def _workspace_file(label: str, file: str, comment: str) -> Block:
    """A generated file uploaded to the workspace under `/Shared/<name_prefix>/`."""
    return block("resource", "databricks_workspace_file", label, comments=[comment], body=[
        ("source", Template(Expr("path.module"), "/" + file)),
        ("path", Template(WORKSPACE_ROOT, Expr("var.name_prefix"), "/" + file)),
    ])


def _compute(tags: dict[str, str], profiles: list[Profile], runners: list[Runner], jobs: list[Job]) -> list[Block]:
    found = [block("locals", body=[("tags", Call("merge", Expr("var.tags"), tags))])]
    found += [block("resource", "databricks_instance_profile", p.label, comments=[p.comment], body=[
        ("instance_profile_arn", Expr(f"var.instance_profiles[{string(p.label)}]"))]) for p in profiles]
    found += [_workspace_file(r.label, r.file, f"source: generated, the runner of pipeline {r.pipeline}")
              for r in runners]
    for job in jobs:
        found += [_workspace_file(job.label, job.script, job.comment), _job_block(job)]
    return found


def _job_block(j: Job) -> Block:
    """A job of one task: on a new job cluster with the executor's instance profile, or on `cluster_id`."""
    cluster = ("existing_cluster_id", j.cluster_id) if j.cluster_id else block("new_cluster", body=[
        ("spark_version", j.spark_version),
        ("node_type_id", j.node_type),
        ("num_workers", j.num_workers),
        ("custom_tags", Expr("local.tags")),
        block("aws_attributes", body=[
            ("instance_profile_arn", Expr(f"databricks_instance_profile.{j.profile}.id"))]),
    ])
    task = block("task", body=[
        ("task_key", j.label),
        ("max_retries", j.retries) if j.retries else None,
        ("timeout_seconds", j.timeout) if j.timeout else None,
        cluster,
        BLANK,
        block("spark_python_task", body=[
            ("python_file", Expr(f"databricks_workspace_file.{j.label}.workspace_path"))]),
    ])
    return block("resource", "databricks_job", j.label, comments=[j.comment], body=[("name", j.name), task])


def _job(task: Task, values: DatabricksConfig, label: str, profile: str) -> Job:
    return Job(
        label=label,
        name=DatabricksTarget.name(label, 100),
        comment=source_text([(task.span, f"task {task.name}")]),
        script=f"tasks/{label}.py",
        cluster_id=values.cluster_id,
        spark_version=values.spark_version,
        node_type=values.instance_type,
        num_workers=values.num_workers,
        profile=profile,
        retries=task.retries,
        timeout=task.timeout,
    )


def _scripts(executors, task_labels, entries, runner_sources) -> tuple[dict[str, str], list[Runner]]:
    """Entry script of every task and the runner modules they load (tasks/glacier_runners/...)."""
    files: dict[str, str] = {}
    runners: dict[str, Runner] = {}
    for _, tasks, _ in executors:
        for task in tasks:
            mine = entries.get(task.name, ())
            files[f"tasks/{task_labels[task.name]}.py"] = entry_module(
                "databricks_task", f"task {task.name} ({task.span.file}:{task.span.line})",
                {"TASK": py_literal(task.name), "PIPELINES": flat_table({e.name: (e.runner, e.nodes) for e in mine})})
            for entry in mine:
                if entry.runner is not None:
                    path = f"tasks/{entry.runner}"
                    files[path] = runner_sources[entry.name]
                    label = "runner_" + entry.runner.rsplit("/", 1)[-1].removesuffix(".py")
                    runners[path] = Runner(label, entry.name, path)
    return files, [runners[path] for path in sorted(runners)]
