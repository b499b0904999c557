"""Databricks executors: a separate root module (`<cloud module>/databricks/`) with the databricks provider.

Kept apart so the cloud module validates with its own provider alone. Every task on a
`DatabricksConfig` executor becomes a job: on a new job cluster (node type and workers from the
config, the executor's instance profile, so the job gets exactly the executor's storage grants)
or on the existing cluster `cluster_id`. The job runs a generated entry script, uploaded as a
workspace file with the pipelines' runner modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from glacierc.backends.terraform.common import (
    DEFAULT_NAME_PREFIX,
    NAME_PREFIX_MAX,
    config_values,
    prefixed,
    render,
    render_text,
    source_comment,
    unique_labels,
)
from glacierc.backends.terraform.packaging import PipelineEntry
from glacierc.ir.nodes import Executor, Task

_FILES = ("versions.tf", "providers.tf", "variables.tf", "compute.tf")


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
    name: str
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
                    cloud_module: str = "cloud") -> dict[str, str]:
    """The files of the Databricks root module; `executors` holds (executor, its tasks, its label)."""
    task_labels = unique_labels(t.name for _, tasks, _ in executors for t in tasks)
    profiles, jobs = [], []
    for executor, tasks, label in executors:
        values = config_values(executor.config, "DatabricksConfig")
        if not values["cluster_id"]:
            profiles.append(Profile(label, source_comment([(executor.span, f"executor {executor.name}")])))
        jobs.extend(_job(task, values, task_labels[task.name], label) for task in tasks)
    files, runners = _scripts(executors, task_labels, entries, runner_sources)
    context = {
        "tags": tags, "profiles": profiles, "jobs": jobs, "runners": runners, "cloud_module": cloud_module,
        "default_name_prefix": DEFAULT_NAME_PREFIX, "name_prefix_max": NAME_PREFIX_MAX,
    }
    for name in _FILES:
        files[name] = render(f"terraform/databricks/{name}.j2", **context)
    return dict(sorted(files.items()))


def _job(task: Task, values: dict, label: str, profile: str) -> Job:
    return Job(
        label=label,
        name=prefixed(label, 100),
        comment=source_comment([(task.span, f"task {task.name}")]),
        script=f"tasks/{label}.py",
        cluster_id=values["cluster_id"],
        spark_version=str(values["spark_version"]),
        node_type=str(values["instance_type"]),
        num_workers=int(values["num_workers"]),
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
            files[f"tasks/{task_labels[task.name]}.py"] = render_text(
                "terraform/databricks/task.py.j2", task=task.name,
                location=f"{task.span.file}:{task.span.line}", pipelines=mine)
            for entry in mine:
                if entry.runner is not None:
                    path = f"tasks/{entry.runner}"
                    files[path] = runner_sources[entry.name]
                    label = "runner_" + entry.runner.rsplit("/", 1)[-1].removesuffix(".py")
                    runners[path] = Runner(label, entry.name, path)
    return files, [runners[path] for path in sorted(runners)]
