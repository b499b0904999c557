"""The deployment package of the Lambda functions of one serverless executor, built by glacierc itself.

Every function of the executor deploys the same zip: a generated `handler.py` with one entry function
per task (the function's handler is `handler.<entry>`) and, for every pipeline calling any of the
tasks, that pipeline's runner module under `glacier_runners/` (once, when the driver passes
`runner_sources`): `lambda_files`, which `packaging.package` zips deterministically, so two builds give
the same zip and so the same `source_code_hash`.
"""

from __future__ import annotations

from collections.abc import Mapping

from glacierc.backends.terraform.entry_module import entry_function, entry_module, nested_table
from glacierc.backends.terraform.packaging import (
    TaskEntry,
    shared_runner_files,
)

HANDLER_MODULE = "handler"


def zip_path(executor_label: str) -> str:
    """Where the package of an executor goes, relative to the module."""
    return f"lambda/{executor_label}.zip"


def handler(entry: TaskEntry) -> str:
    """The Lambda `handler` setting of the function running `entry`."""
    return f"{HANDLER_MODULE}.{entry.entry}"


def handler_source(executor: str, location: str, tasks: tuple[TaskEntry, ...],
                   groups: Mapping[str, Mapping[str, Mapping[str, tuple[str, ...]]]] | None = None) -> str:
    """handler.py (glacierc/entrypoints/aws_lambda.py with this executor's tables and entry functions);
    `groups`: task -> pipeline -> fused group it leads -> the group's nodes."""
    groups = groups or {}
    return entry_module("aws_lambda", f"executor {executor} ({location})", {
        "TASKS": nested_table({t.task: {p.name: (p.runner, p.nodes) for p in t.pipelines} for t in tasks}),
        "GROUPS": nested_table({t.task: dict(sorted(groups.get(t.task, {}).items())) for t in tasks}),
    }, [entry_function(t.entry, "event, context", "run", t.task) for t in tasks])


def lambda_files(executor: str, location: str, tasks: tuple[TaskEntry, ...], runner_sources: Mapping[str, str],
                 groups: Mapping[str, Mapping[str, Mapping[str, tuple[str, ...]]]] | None = None) -> dict[str, str]:
    """The files of the package of executor `executor` (path in the zip -> text): handler.py plus the runners of
    the pipelines calling `tasks`. `check` measures them (`packaging.files_size`) without packing them."""
    files = {f"{HANDLER_MODULE}.py": handler_source(executor, location, tasks, groups)}
    files.update(shared_runner_files(tasks, runner_sources))
    return files
